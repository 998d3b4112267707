/*
 * t32grade - grade lab submissions (grade.h has the plan, labs/README.md
 * the instructors' guide).
 *
 *   t32grade --lab NN [--hidden] [--tests LIST] [--jobs N] [--gradescope [FILE]]
 *            [--autolab] [--tree DIR] [--ref DIR] [SUBMISSION_DIR...]
 *
 * The scratch folder of one grading run (W, under $TMPDIR):
 *
 *   W/tests/NAME.test    the selected tests, copied from the instructor's tree
 *   W/ref/               the reference tree and its build (unless --ref)
 *   W/ref-copy/          a copy of $REF as it was before any submission ran
 *                        (without root only: as root nothing can write $REF)
 *   W/ref.print          the fingerprints of $REF and of W/tests, shared by
 *                        the workers (under flock)
 *   W/sub-K/tree/        submission K, copied and built: $SUB, the cwd
 *   W/sub-K/home, tmp    its $HOME and $TMP/$TMPDIR, emptied before each test
 *   W/res-K/             the worker's results, written when its last command
 *                        has ended and read back by the parent at once
 *
 * Object reuse.  Building every submission from nothing costs the whole
 * project's compile time, 20 times over.  A submission differs from the
 * reference in a few files, so the worker copies the reference's build
 * folder into the submission's tree and stamps times: files identical to the
 * reference's get an old time T0, the reference's build outputs a later T1,
 * changed files keep the copy's time (now).  make then rebuilds exactly what
 * depends on a changed file - judged by content, never by the student's
 * timestamps.  If a Makefile or a build.mk is not the reference's, nothing
 * is reused.
 */
#define _DEFAULT_SOURCE             /* realpath */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "grade.h"

/* The options of one run. */
struct opts {
    const char *lab, *tree, *ref, *gradescope, *work;
    const char *after_gs;           /* the argument after --gradescope, if not its FILE */
    int hidden, autolab, jobs, verbose, keep, build_timeout;
    long uid_base;
    char **subs, **pats;
    int nsubs, npats, maxpats;
};

/* Everything a worker needs. */
struct run {
    struct opts o;
    char tree[GRADE_PATH_MAX];      /* the instructor's tree (its labs/) */
    char ref[GRADE_PATH_MAX];       /* $REF: a built tree */
    char work[GRADE_PATH_MAX];      /* W */
    struct test *tests;
    int ntests;
    int root;                       /* running as root: drop to a uid ... */
    int ref_kept;                   /* a copy of $REF puts it back after a submission
                                       wrote there: not as root (none can), nor when
                                       $REF is a submission itself (make grade: the
                                       user's own tree, whose edits are theirs) */
    uid_t uids[64];                 /* ... uids[slot], claimed for this run */
    struct graded *graded;          /* each submission's results, once its worker has ended */
};

/* 1 if stdout took everything printed so far; else 0, said once.  The
 * report is the grader's work: one lost to a full disk or a closed pipe
 * must not pass for one given.  Called right after printing, while errno
 * is still the failed write's (glibc drops what it could not write, and
 * a later fflush succeeds). */
static int printed(void)
{
    static int said;
    if (fflush(stdout) == 0 && !ferror(stdout))
        return 1;
    if (!said++)
        fprintf(stderr, "t32grade: error: standard output: %s\n", strerror(errno));
    return 0;
}

static void usage(FILE *f)
{
    fputs("usage: t32grade --lab NN [options] [SUBMISSION_DIR...]\n"
          "Build each submission (default: the current directory) in a scratch copy and\n"
          "run lab NN's graded tests on it; print 'name: OK (time)' or 'name: FAIL\n"
          "(reason)' per test, the part scores and 'Score: N/M'.  Every argument that is\n"
          "not an option is a submission folder (one that does not exist scores 0).\n"
          "Exit status 0 only when every submission has full marks, 1 otherwise, 2 when\n"
          "the grader itself cannot run, cannot write its report (stdout, results.json)\n"
          "or is stopped (Ctrl-C, SIGTERM, SIGHUP: the submissions' commands are killed,\n"
          "nothing is reported).\n"
          "  --lab NN            the lab (labs/NN-*/ of the instructor's tree)\n"
          "  --hidden            also run the lab's hidden tests (labs/NN-*/hidden/)\n"
          "  --tests LIST        only the tests named in LIST (names separated by spaces\n"
          "                      or commas; wildcards as in the shell: quote them);\n"
          "                      a name that matches no test, or no name, is an error\n"
          "  -t NAME             only test NAME (may be repeated; the same as --tests)\n"
          "  --jobs N            grade N submissions at a time (default 1)\n"
          "  --gradescope [FILE] also write Gradescope's results.json (default\n"
          "                      ./results.json; a FILE must end in .json, else it is\n"
          "                      a submission); one submission only\n"
          "  --autolab           end with Autolab's line {\"scores\": {PART: points}};\n"
          "                      one submission only\n"
          "  --tree DIR          the instructor's tree (default: the one holding t32grade)\n"
          "  --ref DIR           a trusted, built tree to use as $REF (default: build a\n"
          "                      copy of the instructor's tree once per run)\n"
          "  --build-timeout S   wall seconds for a submission's build (default 600)\n"
          "  --work DIR          where to make the scratch folder (default $TMPDIR, /tmp);\n"
          "                      outside $REF, the instructor's tree and the submissions\n"
          "  --keep              keep the scratch folder (its name is printed)\n"
          "  --uid-base N        as root, run each job slot as a uid of its own: the first\n"
          "                      free ones from N (default 62000), locked for this run\n"
          "  -v, --verbose       print the whole output of failed tests\n",
          f);
}

static int need_arg(int i, int argc, char **argv)
{
    if (i + 1 >= argc) {
        fprintf(stderr, "t32grade: error: %s needs a value\n", argv[i]);
        return 0;
    }
    return 1;
}

/* v as a whole number from min to max into *out; else 0 after saying why.
 * Strictly: "--build-timeout 10m" must not quietly mean 10 seconds, nor
 * "--jobs 2x" 2, nor "--uid-base abc" uid 0. */
static int number(const char *opt, const char *v, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (end == v || *end || errno || n < min || n > max) {
        fprintf(stderr, "t32grade: error: %s '%s': a whole number from %ld to %ld\n", opt, v,
                min, max);
        return 0;
    }
    *out = n;
    return 1;
}

/* Add the test names of list (separated by spaces or commas) to o->pats.
 * A list without a name is an error, like a name that matches no test: it
 * must not mean every test. */
static int add_tests(struct opts *o, const char *opt, const char *list)
{
    if (!list[strspn(list, " ,\t\n")]) {
        fprintf(stderr, "t32grade: error: %s '%s': no test named (names separated by spaces "
                "or commas)\n", opt, list);
        return -1;
    }
    char *copy = strdup(list);
    if (!copy)
        return -1;
    for (char *name = strtok(copy, " ,\t\n"); name; name = strtok(NULL, " ,\t\n")) {
        if (o->npats == o->maxpats) {
            int grown = o->maxpats ? 2 * o->maxpats : 16;
            char **p = realloc(o->pats, (size_t)grown * sizeof *p);
            if (!p)
                return -1;
            o->pats = p;
            o->maxpats = grown;
        }
        o->pats[o->npats++] = name;     /* copy is kept: the names live in it */
    }
    return 0;
}

/* 1 if name is a file name ending in .json */
static int is_json(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && !strcmp(name + n - 5, ".json") && name[n - 6] != '/';
}

static int parse(int argc, char **argv, struct opts *o)
{
    memset(o, 0, sizeof *o);
    o->jobs = 1;
    o->build_timeout = 600;
    o->uid_base = 62000;
    o->subs = calloc((size_t)argc + 1, sizeof *o->subs);
    if (!o->subs)
        return -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            exit(printed() ? 0 : 2);
        } else if (!strcmp(a, "--lab") || !strcmp(a, "--tree") || !strcmp(a, "--ref") ||
                   !strcmp(a, "--jobs") || !strcmp(a, "--work") ||
                   !strcmp(a, "--build-timeout") || !strcmp(a, "--uid-base") ||
                   !strcmp(a, "--tests") || !strcmp(a, "-t")) {
            if (!need_arg(i, argc, argv))
                return -1;
            const char *v = argv[++i];
            long n;
            if (!strcmp(a, "--tests") || !strcmp(a, "-t")) {
                if (add_tests(o, a, v) < 0)
                    return -1;
            } else if (!strcmp(a, "--lab"))
                o->lab = v;
            else if (!strcmp(a, "--tree"))
                o->tree = v;
            else if (!strcmp(a, "--ref"))
                o->ref = v;
            else if (!strcmp(a, "--work"))
                o->work = v;
            else if (!strcmp(a, "--jobs")) {
                if (!number(a, v, 1, 64, &n))
                    return -1;
                o->jobs = (int)n;
            } else if (!strcmp(a, "--build-timeout")) {
                if (!number(a, v, 1, 86400, &n))
                    return -1;
                o->build_timeout = (int)n;
            } else {
                if (!number(a, v, 1, 2000000000, &n))
                    return -1;
                o->uid_base = n;
            }
        } else if (!strncmp(a, "--gradescope", 12)) {
            /* The file is optional; a following argument is taken for it
             * only when it ends in .json (else it is a submission). */
            o->gradescope = "results.json";
            if (a[12] == '=')
                o->gradescope = a + 13;
            else if (a[12])
                goto unknown;
            else if (i + 1 < argc && is_json(argv[i + 1]))
                o->gradescope = argv[++i];
            else if (i + 1 < argc && argv[i + 1][0] != '-')
                o->after_gs = argv[i + 1];
            if (!is_json(o->gradescope)) {
                fprintf(stderr, "t32grade: error: --gradescope=%s: the file's name must end in "
                        ".json\n", o->gradescope);
                return -1;
            }
        } else if (!strcmp(a, "--hidden"))
            o->hidden = 1;
        else if (!strcmp(a, "--autolab"))
            o->autolab = 1;
        else if (!strcmp(a, "--keep"))
            o->keep = 1;
        else if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
            o->verbose = 1;
        else if (a[0] == '-' && a[1])
            goto unknown;
        else
            o->subs[o->nsubs++] = argv[i];      /* checked when graded (prepare) */
        continue;
    unknown:
        fprintf(stderr, "t32grade: error: unknown option '%s' (t32grade --help)\n", a);
        return -1;
    }
    if (!o->lab) {
        fprintf(stderr, "t32grade: error: which lab? (--lab NN)\n");
        return -1;
    }
    if (o->nsubs == 0)
        o->subs[o->nsubs++] = ".";
    if ((o->gradescope || o->autolab) && o->nsubs != 1) {
        /* (one score, for one submission: their formats have no other) */
        fprintf(stderr, "t32grade: error: %s one submission, not %d",
                !o->gradescope ? "--autolab grades" : !o->autolab ? "--gradescope grades" :
                "--gradescope and --autolab grade", o->nsubs);
        if (o->after_gs)
            fprintf(stderr, " ('%s' after --gradescope is one: a FILE for results must end in "
                    ".json)", o->after_gs);
        fputc('\n', stderr);
        return -1;
    }
    return 0;
}

/* The instructor's tree when --tree is not given: the one t32grade was built
 * in (up from the program's folder until labs/grader/t32grade.c). */
static int own_tree(const char *argv0, char *tree, size_t n)
{
    char exe[GRADE_PATH_MAX];
    if (!realpath(strchr(argv0, '/') ? argv0 : "/proc/self/exe", exe))
        return -1;
    for (char *slash = strrchr(exe, '/'); slash && slash > exe; slash = strrchr(exe, '/')) {
        *slash = '\0';
        char probe[GRADE_PATH_MAX];
        textf(probe, sizeof probe, "%s/labs/grader/t32grade.c", exe);
        if (access(probe, R_OK) == 0) {
            textf(tree, n, "%s", exe);
            return 0;
        }
    }
    return -1;
}

static void path_of(char *buf, size_t n, const char *a, const char *b)
{
    textf(buf, n, "%s/%s", a, b);
}

/* The environment of every child: nothing of the grader's own (no MAKEFLAGS,
 * no jobserver), the protocol's variables, a scratch HOME. */
struct env {
    char vars[10][GRADE_PATH_MAX + 16];
    char *ptrs[11];
};

static void make_env(struct env *e, const struct run *r, int k)
{
    const char *w = r->work;
    PATHF(e->vars[0], "PATH=/usr/local/bin:/usr/bin:/bin");
    PATHF(e->vars[1], "HOME=%s/sub-%d/home", w, k);
    PATHF(e->vars[2], "TMPDIR=%s/sub-%d/tmp", w, k);
    PATHF(e->vars[3], "TMP=%s/sub-%d/tmp", w, k);
    PATHF(e->vars[4], "SUB=%s/sub-%d/tree", w, k);
    textf(e->vars[5], sizeof e->vars[5], "REF=%s", r->ref);
    textf(e->vars[6], sizeof e->vars[6], "LAB=%s", r->o.lab);
    textf(e->vars[7], sizeof e->vars[7], "LC_ALL=C");
    textf(e->vars[8], sizeof e->vars[8], "TERM=dumb");
    textf(e->vars[9], sizeof e->vars[9], "T32GRADE=1");
    for (int i = 0; i < 10; i++)
        e->ptrs[i] = e->vars[i];
    e->ptrs[10] = NULL;
}

/* s with every occurrence of the scratch paths written as $SUB, $TMP,
 * $HOME, $REF, $TESTS: the scratch folder's name is random, and a report
 * must be the same from one grading to the next. */
static char *sanitize(const char *s, const struct run *r, int k)
{
    char from[5][GRADE_PATH_MAX];
    const char *to[5] = { "$SUB", "$TMP", "$HOME", "$TESTS", "$REF" };
    PATHF(from[0], "%s/sub-%d/tree", r->work, k);
    PATHF(from[1], "%s/sub-%d/tmp", r->work, k);
    PATHF(from[2], "%s/sub-%d/home", r->work, k);
    PATHF(from[3], "%s/tests", r->work);
    textf(from[4], sizeof from[4], "%s", r->ref);
    size_t n = strlen(s);
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    while (*s) {
        int hit = 0;
        for (int i = 0; i < 5 && !hit; i++) {
            size_t len = strlen(from[i]);
            if (len > 1 && !strncmp(s, from[i], len)) {
                memcpy(o, to[i], strlen(to[i]));   /* never longer than the path */
                o += strlen(to[i]);
                s += len;
                hit = 1;
            }
        }
        if (!hit)
            *o++ = *s++;
    }
    *o = '\0';
    return out;
}

/* The last non-empty line of s, into buf; one too long for it ends with
 * "..." where it was cut, so that a cut name does not pass for another. */
static void last_line(const char *s, char *buf, size_t n)
{
    const char *end = s + strlen(s);
    while (end > s && (end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\r'))
        end--;
    const char *p = end;
    while (p > s && p[-1] != '\n')
        p--;
    if ((size_t)(end - p) < n) {
        textf(buf, n, "%.*s", (int)(end - p), p);
        return;
    }
    textf(buf, n - 3, "%.*s", (int)(end - p), p);
    strcat(buf, "...");
}

/* The grader's own copy of the tests, W/tests/NAME.test, made again from
 * the instructor's tree (at the start, and after a submission changed it). */
static int copy_tests(const struct run *r)
{
    char d[GRADE_PATH_MAX], to[GRADE_PATH_MAX + 200];
    path_of(d, sizeof d, r->work, "tests");
    tree_remove(d);
    mkdir(d, 0755);
    for (int i = 0; i < r->ntests; i++) {
        PATHF(to, "%s/%s.test", d, r->tests[i].name);
        FILE *in = fopen(r->tests[i].path, "rb"), *out = fopen(to, "wb");
        int c;
        while (in && out && (c = getc(in)) != EOF)
            putc(c, out);
        if (in)
            fclose(in);
        if (!in || !out || fclose(out) != 0) {
            fprintf(stderr, "t32grade: error: cannot copy %s\n", r->tests[i].path);
            return -1;
        }
    }
    return 0;
}

/* $REF is the judge of every submission, and W/tests the tests that judge.
 * One that writes there fails the command that did it, and both are put
 * back as they were ($REF from W/ref-copy, the tests from the instructor's
 * tree) for the next commands and submissions: a submission's misbehaviour
 * costs only that submission.  Their fingerprints as they should be are
 * kept in W/ref.print, shared by the workers under a lock: the first that
 * sees a change puts things back.  (As root the sandbox's uids can write
 * neither; without root, with --jobs above 1, the one that sees it can be
 * a submission graded at the same time as the guilty one.)  A change in
 * $REF with no copy to put it back from (run->ref_kept) is not blamed:
 * as root no submission could have made it, and $REF that is itself the
 * submission (make grade) is the user's tree - an edit saved meanwhile is
 * theirs, not to be undone.  It is told on stderr.  Returns WROTE_REF and
 * WROTE_TESTS for what was put back. */
enum { WROTE_REF = 1, WROTE_TESTS = 2, REF_MOVED = 4 /* only told */ };

static int grader_files_written(const struct run *r)
{
    char path[GRADE_PATH_MAX], copy[GRADE_PATH_MAX], tests[GRADE_PATH_MAX];
    PATHF(path, "%s/ref.print", r->work);
    PATHF(copy, "%s/ref-copy", r->work);
    PATHF(tests, "%s/tests", r->work);
    int fd = open(path, O_RDWR);
    unsigned long long want[2] = { 0, 0 };
    if (fd < 0 || flock(fd, LOCK_EX) < 0 || pread(fd, want, sizeof want, 0) != sizeof want) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    unsigned long long now[2] = { tree_fingerprint(r->ref), tree_fingerprint(tests) };
    int changed = 0;
    if (now[0] != want[0] && r->ref_kept) {
        changed |= WROTE_REF;
        tree_restore(copy, r->ref);
        now[0] = tree_fingerprint(r->ref);
    } else if (now[0] != want[0]) {
        /* Not a submission's doing, or not to be undone: said, not blamed. */
        fprintf(stderr, "t32grade: warning: $REF (%s) changed while grading: %s\n", r->ref,
                r->root ? "not by a submission (its uid cannot write there); the tests "
                          "after this are judged by it as it is now"
                        : "it is a submission's own tree (make grade), left as it is now");
        changed |= REF_MOVED;
    }
    if (now[1] != want[1]) {
        changed |= WROTE_TESTS;
        copy_tests(r);
        now[1] = tree_fingerprint(tests);
    }
    if (changed && pwrite(fd, now, sizeof now, 0) != sizeof now)
        perror(path);
    close(fd);                      /* and the lock with it */
    return changed & (WROTE_REF | WROTE_TESTS);
}

/* The copy of $REF that grader_files_written() puts back, and the
 * fingerprints of $REF and of the tests.  As root no copy is made: the
 * sandbox's uids cannot write $REF (setup checks that nobody else can
 * reach it), so there is nothing to put back - and $REF with its build
 * can be large. */
static int save_ref(const struct run *r)
{
    char copy[GRADE_PATH_MAX], build[GRADE_PATH_MAX], err[600];
    PATHF(copy, "%s/ref-copy", r->work);
    if (r->ref_kept && tree_copy(r->ref, copy, TREE_KEEP, 4LL << 30, NULL, err, sizeof err) < 0)
        goto fail;
    PATHF(build, "%s/build", r->ref);
    if (r->ref_kept && access(build, F_OK) == 0) {
        PATHF(copy, "%s/ref-copy/build", r->work);
        if (tree_copy(build, copy, 1 | TREE_KEEP, 4LL << 30, NULL, err, sizeof err) < 0)
            goto fail;
    }
    PATHF(copy, "%s/tests", r->work);
    unsigned long long print[2] = { tree_fingerprint(r->ref), tree_fingerprint(copy) };
    PATHF(copy, "%s/ref.print", r->work);
    int fd = open(copy, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, print, sizeof print) != sizeof print || close(fd) < 0) {
        textf(err, sizeof err, "%s: %s", copy, strerror(errno));
        goto fail;
    }
    return 0;
fail:
    fprintf(stderr, "t32grade: error: a copy of $REF: %s\n", err);
    return -1;
}

/* Writes where the child had no business writing: next to its tree in
 * W/sub-K, in $REF, in the tests.  Returns 1 with a line in note (the
 * first that was found) if any, after removing or putting back all of
 * them: every check runs whichever hits, or what it left would be blamed
 * on the next command - another submission's. */
static int wrote_outside(const struct run *r, int k, char *note, size_t n)
{
    char dir[GRADE_PATH_MAX], extra[256], path[GRADE_PATH_MAX + 300];
    static const char *const mine[] = { "tree", "home", "tmp", NULL };
    int next_to = 0;
    PATHF(dir, "%s/sub-%d", r->work, k);
    while (tree_onlyentries(dir, mine, extra, sizeof extra)) {
        if (!next_to++)
            textf(note, n, "t32grade: wrote outside its tree: $SUB/../%s", extra);
        PATHF(path, "%s/%s", dir, extra);
        if (tree_remove(path) < 0 || next_to > 1000)
            break;                  /* (it stays: the next test is blamed, still this one's) */
    }
    int wrote = grader_files_written(r);
    if (next_to)
        return 1;
    if (wrote & WROTE_REF)
        textf(note, n, "t32grade: wrote outside its tree: in $REF (the reference build; "
              "put back as it was)");
    else if (wrote & WROTE_TESTS)
        textf(note, n, "t32grade: wrote outside its tree: in $TESTS (the grader's tests; "
              "put back as they were)");
    return wrote != 0;
}

/* Empty the scratch $HOME and $TMP (each test starts from the same state). */
static void fresh_dirs(const struct run *r, int k, const struct jail *j)
{
    const char *names[2] = { "home", "tmp" };
    for (int i = 0; i < 2; i++) {
        char d[GRADE_PATH_MAX];
        PATHF(d, "%s/sub-%d/%s", r->work, k, names[i]);
        tree_remove(d);
        mkdir(d, 0700);
        if (j->drop && chown(d, j->uid, j->gid) < 0)
            perror(d);
    }
}

/* Run one command of submission k in the jail; fill res.  Returns 1 if
 * the command ended by itself (whatever its status), 0 if the grader had
 * to say something (killed, timed out, wrote outside its tree...). */
static int run_one(const struct run *r, int k, const struct jail *j, const struct limits *l,
                   char *const argv[], struct result *res)
{
    struct outcome oc;
    char note[400];
    memset(res, 0, sizeof *res);
    if (sandbox_run(j, l, argv, &oc) < 0) {
        textf(res->reason, sizeof res->reason, "t32grade: cannot start: %s", strerror(errno));
        res->output = strdup(res->reason);
        sandbox_free(&oc);
        return 0;
    }
    sandbox_describe(&oc, l, note, sizeof note);
    int outside = wrote_outside(r, k, note[0] ? note + strlen(note) : note,
                                sizeof note - strlen(note));
    res->ok = !note[0] && !outside && WIFEXITED(oc.status) && WEXITSTATUS(oc.status) == 0;
    res->secs = oc.secs;
    /* The output: its head, what was cut, its last line, the grader's note. */
    size_t cap = oc.nout + sizeof oc.tail + sizeof note + 100;
    char *all = malloc(cap);
    if (all) {
        textf(all, cap, "%s", oc.out);
        if (oc.total > oc.nout) {
            char tail[sizeof oc.tail];
            last_line(oc.tail, tail, sizeof tail);
            textf(all + strlen(all), cap - strlen(all),
                     "%s[t32grade: %zu bytes of output cut]\n%s\n",
                     oc.nout && oc.out[oc.nout - 1] != '\n' ? "\n" : "", oc.total - oc.nout,
                     tail);
        }
        if (note[0])
            textf(all + strlen(all), cap - strlen(all), "%s%s\n",
                     all[0] && all[strlen(all) - 1] != '\n' ? "\n" : "", note);
        res->output = sanitize(all, r, k);
        free(all);
    }
    last_line(res->output ? res->output : "", res->reason, sizeof res->reason);
    if (!res->reason[0] && !res->ok)
        textf(res->reason, sizeof res->reason, "exit status %d, no output",
                 WIFEXITED(oc.status) ? WEXITSTATUS(oc.status) : -1);
    sandbox_free(&oc);
    return !note[0] && !outside;
}

/* Build failures: the compiler's first error is the clearest reason. */
static void build_reason(struct result *b)
{
    /* The first compiler error - or the linker's first undefined
     * reference, which names the function, where its last line (collect2:
     * ld returned 1) would say nothing. */
    const char *e = b->output ? strstr(b->output, "error:") : NULL;
    const char *undef = b->output ? strstr(b->output, "undefined reference to") : NULL;
    if (undef && (!e || undef < e))     /* (ld says them before collect2's error) */
        e = undef;
    if (!e || strstr(b->output, "t32grade: "))
        return;
    const char *p = e;
    while (p > b->output && p[-1] != '\n')
        p--;
    const char *nl = strchr(p, '\n');
    textf(b->reason, sizeof b->reason, "%.*s", (int)(nl ? nl - p : (long)strlen(p)), p);
}

/* 1 if path is a regular file or a folder (as asked) - itself, not what a
 * symbolic link there points to: a submission's links are never followed. */
static int is_real(const char *path, int dir)
{
    struct stat st;
    return lstat(path, &st) == 0 && (dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode));
}

/* A submission zipped with its folder: use the one folder inside that has
 * a Makefile (real folders and files only). */
static void submission_root(const char *dir, char *root, size_t n)
{
    char probe[GRADE_PATH_MAX];
    textf(root, n, "%s", dir);
    path_of(probe, sizeof probe, dir, "Makefile");
    if (is_real(probe, 0))
        return;
    char only[GRADE_PATH_MAX] = "";
    int found = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        PATHF(probe, "%s/%s", dir, e->d_name);
        if (!is_real(probe, 1))
            continue;
        PATHF(probe, "%s/%s/Makefile", dir, e->d_name);
        if (is_real(probe, 0) && found++ == 0)
            PATHF(only, "%s/%s", dir, e->d_name);
    }
    if (d)
        closedir(d);
    if (found == 1)
        textf(root, n, "%s", only);
}

/* Copy submission k into W/sub-K/tree, reusing the reference's build when
 * the Makefiles are the same (see the top of this file).  -1 with a
 * reason in err.  note gets what the copy left out ("" if nothing). */
static int prepare(const struct run *r, int k, const struct jail *j, char *note, size_t nn,
                   char *err, size_t n)
{
    char root[GRADE_PATH_MAX], tree[GRADE_PATH_MAX], build[GRADE_PATH_MAX];
    char refbuild[GRADE_PATH_MAX], probe[GRADE_PATH_MAX + 16];
    struct ignored ig;
    struct stat st;
    note[0] = '\0';
    /* The folder itself is named by whoever runs the grader: stat(), not
     * lstat() (a link given on the command line is theirs, not the student's). */
    int found = stat(r->o.subs[k], &st) == 0;
    if (!found || !S_ISDIR(st.st_mode)) {
        textf(err, n, "t32grade: %s: %s (a submission is a folder; tests are chosen with "
              "--tests)", r->o.subs[k], found ? "not a folder" : strerror(errno));
        return -1;
    }
    submission_root(r->o.subs[k], root, sizeof root);
    PATHF(tree, "%s/sub-%d/tree", r->work, k);
    if (tree_copy(root, tree, 0, 512LL << 20, &ig, err, n) < 0)
        return -1;
    if (ig.n == 1)
        textf(note, nn, "t32grade: %s (never followed)", ig.first);
    else if (ig.n > 1)
        textf(note, nn, "t32grade: %s (never followed), and %ld more", ig.first, ig.n - 1);
    PATHF(probe, "%s/Makefile", tree);
    if (!is_real(probe, 0)) {
        textf(err, n, "t32grade: no Makefile at the top of the submission%s%s",
              note[0] ? "; " : "", note[0] ? note + strlen("t32grade: ") : "");
        return -1;
    }
    struct timespec t0 = { 946684800, 0 }, t1 = { 946771200, 0 };  /* 2000-01-01, -02 */
    path_of(refbuild, sizeof refbuild, r->ref, "build");
    path_of(build, sizeof build, tree, "build");
    if (tree_same_makefiles(tree, r->ref) && access(refbuild, F_OK) == 0) {
        if (tree_copy(refbuild, build, 1, 4LL << 30, NULL, err, n) < 0)
            return -1;
        tree_stamp(tree, r->ref, &t0, NULL);
        tree_stamp(build, NULL, NULL, &t1);
    }
    if (j->drop && tree_chown(tree, j->uid, j->gid) < 0) {
        textf(err, n, "t32grade: cannot hand the scratch tree to uid %ld", (long)j->uid);
        return -1;
    }
    return 0;
}

/* Copy and build submission k (make -jN, N = the CPUs this job may use);
 * b gets the outcome, note what the copy left out.  A build that fails by
 * itself is done again from a fresh copy with -j1, and that one is
 * reported: in a parallel build, which error comes first (the reason) and
 * the order of the output depend on which job finished first, and a report
 * must be the same from one grading to the next. */
static void build(const struct run *r, int k, const struct jail *j, char *note, size_t nn,
                  struct result *b)
{
    char tree[GRADE_PATH_MAX], err[600], jobs[16];
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    long n = cpus > r->o.jobs ? cpus / r->o.jobs : 1;
    PATHF(tree, "%s/sub-%d/tree", r->work, k);
    for (;;) {
        memset(b, 0, sizeof *b);
        if (prepare(r, k, j, note, nn, err, sizeof err) < 0) {
            b->output = sanitize(err, r, k);        /* (it may name a scratch path) */
            textf(b->reason, sizeof b->reason, "%s", b->output ? b->output : err);
            return;
        }
        textf(jobs, sizeof jobs, "-j%ld", n);
        struct limits l = { r->o.build_timeout, r->o.build_timeout, 2LL << 30, 512LL << 20, 256 };
        char *argv[] = { "make", jobs, NULL };
        int ended = run_one(r, k, j, &l, argv, b);
        if (b->ok || !ended || n == 1)
            break;
        free(b->output);
        tree_remove(tree);
        n = 1;
    }
    if (!b->ok)
        build_reason(b);
}

/* Results go through files: W/res-K/N.meta ("ok secs" and the reason) and
 * N.out (the output), N = "build" or the test's index. */
static void save(const struct run *r, int k, const char *name, const struct result *res)
{
    char path[GRADE_PATH_MAX];
    PATHF(path, "%s/res-%d/%s.meta", r->work, k, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "%d %.3f\n%s\n%s\n", res->ok, res->secs, res->reason, res->note);
        fclose(f);
    }
    PATHF(path, "%s/res-%d/%s.out", r->work, k, name);
    f = fopen(path, "w");
    if (f) {
        fputs(res->output ? res->output : "", f);
        fclose(f);
    }
}

static void load(const struct run *r, int k, const char *name, struct result *res)
{
    char path[GRADE_PATH_MAX];
    memset(res, 0, sizeof *res);
    textf(res->reason, sizeof res->reason, "t32grade: the grader's worker died");
    PATHF(path, "%s/res-%d/%s.meta", r->work, k, name);
    FILE *f = fopen(path, "r");
    char head[64];
    if (f) {
        /* (fgets, then sscanf: a "\n" in fscanf's format would also eat
         * the blanks and carriage returns that begin the reason) */
        if (fgets(head, sizeof head, f) && sscanf(head, "%d %lf", &res->ok, &res->secs) == 2 &&
            fgets(res->reason, sizeof res->reason, f))
            res->reason[strcspn(res->reason, "\n")] = '\0';
        if (fgets(res->note, sizeof res->note, f))
            res->note[strcspn(res->note, "\n")] = '\0';
        fclose(f);
    }
    PATHF(path, "%s/res-%d/%s.out", r->work, k, name);
    f = fopen(path, "r");
    size_t cap = 4 * GRADE_OUT_KEEP, len = 0;
    res->output = calloc(cap + 1, 1);
    if (f && res->output)
        len = fread(res->output, 1, cap, f);
    if (res->output)
        res->output[len] = '\0';
    if (f)
        fclose(f);
}

/* The worker for submission k, in the uid slot: build, then every test. */
static void grade_one(const struct run *r, int k, int slot)
{
    struct jail j = { r->uids[slot], (gid_t)r->uids[slot], r->root, NULL, NULL };
    char tree[GRADE_PATH_MAX];
    struct env env;
    PATHF(tree, "%s/sub-%d/tree", r->work, k);
    make_env(&env, r, k);
    j.cwd = tree;
    j.env = env.ptrs;
    fresh_dirs(r, k, &j);

    struct result b;
    char note[sizeof b.note];
    build(r, k, &j, note, sizeof note, &b);
    textf(b.note, sizeof b.note, "%s", note);

    /* The results stay here until the last command has ended: without
     * root a test runs as the grader's own user, and could rewrite files
     * of results saved before it. */
    struct result *res = calloc((size_t)r->ntests, sizeof *res);
    if (!res)
        return;
    for (int i = 0; i < r->ntests && !grade_stop; i++) {
        const struct test *t = &r->tests[i];
        char script[GRADE_PATH_MAX];
        if (!b.ok) {
            textf(res[i].reason, sizeof res[i].reason, "build failed: %.480s", b.reason);
            continue;
        }
        fresh_dirs(r, k, &j);
        PATHF(script, "%s/tests/%s.test", r->work, t->name);
        struct limits l = { t->timeout, t->timeout, 1LL << 30, 64LL << 20, 128 };
        char *argv[] = { "sh", script, NULL };
        run_one(r, k, &j, &l, argv, &res[i]);
    }
    if (!grade_stop) {              /* (stopped: tests were cut short, no result) */
        save(r, k, "build", &b);
        for (int i = 0; i < r->ntests; i++) {
            char name[16];
            textf(name, sizeof name, "%d", i);
            save(r, k, name, &res[i]);
        }
    }
    for (int i = 0; i < r->ntests; i++)
        free(res[i].output);
    free(res);
    free(b.output);
}

/* The results of submission k, read back from its worker's files into
 * r->graded[k] as soon as the worker has ended - before a next
 * submission's commands run, which could change them (without root).
 * Its folder W/res-K is made anew just before the worker starts.  Its
 * scratch tree goes now too (unless --keep): 300 submissions, each a
 * tree with a build, would fill a small /tmp before the last one ends. */
static void collect_results(struct run *r, int k)
{
    struct graded *g = &r->graded[k];
    g->dir = r->o.subs[k];
    g->res = calloc((size_t)r->ntests, sizeof *g->res);
    load(r, k, "build", &g->build);
    for (int i = 0; g->res && i < r->ntests; i++) {
        char name[16];
        textf(name, sizeof name, "%d", i);
        load(r, k, name, &g->res[i]);
    }
    if (!r->o.keep) {
        char d[GRADE_PATH_MAX];
        PATHF(d, "%s/sub-%d", r->work, k);
        tree_remove(d);
        PATHF(d, "%s/res-%d", r->work, k);
        tree_remove(d);
    }
}

static void fresh_results(const struct run *r, int k)
{
    char d[GRADE_PATH_MAX];
    PATHF(d, "%s/res-%d", r->work, k);
    tree_remove(d);
    mkdir(d, 0700);
}

/* A worker that has ended (its pid), 0 if a stop was asked first, -1 when
 * none is left.  It polls rather than blocks in wait(): a signal that came
 * just before a blocking wait() would not interrupt it, and the stop would
 * wait for a worker's tests to end by themselves. */
static pid_t worker_ended(void)
{
    for (;;) {
        pid_t done = waitpid(-1, NULL, WNOHANG);
        if (done != 0)
            return done > 0 ? done : -1;
        if (grade_stop)
            return 0;
        struct timespec ts = { 0, 20000000 };
        nanosleep(&ts, NULL);
    }
}

/* Run the workers, at most jobs at a time; each gets a free uid slot.  On
 * a stop (grade_stop) no worker is started any more, and the running ones
 * are told too - a SIGTERM sent to this process alone reaches no worker -
 * and waited for: each kills its sandboxed command first. */
static void grade_all(struct run *r)
{
    pid_t slots[64] = { 0 };
    int sub_of[64] = { 0 };         /* the submission each slot grades */
    for (int k = 0; k < r->o.nsubs && !grade_stop; k++) {
        int slot = -1;
        for (int s = 0; s < r->o.jobs && slot < 0; s++)
            if (slots[s] == 0)
                slot = s;
        if (slot < 0) {
            pid_t done = worker_ended();
            for (int s = 0; s < r->o.jobs; s++)
                if (slots[s] == done) {
                    collect_results(r, sub_of[s]);
                    slots[s] = 0, slot = s;
                }
            if (slot < 0) {
                k--;
                continue;
            }
        }
        fresh_results(r, k);
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            grade_one(r, k, slot);
            _exit(0);
        }
        if (pid < 0) {
            perror("t32grade: fork");
            grade_one(r, k, slot);
            collect_results(r, k);
        } else
            slots[slot] = pid, sub_of[slot] = k;
    }
    for (int forwarded = 0;;) {
        pid_t done = forwarded ? waitpid(-1, NULL, 0) : worker_ended();
        if (done < 0 && errno == EINTR)
            continue;
        if (done < 0)
            break;                  /* every worker has ended */
        if (done == 0) {            /* a stop: tell the workers, then wait */
            for (int s = 0; s < r->o.jobs; s++)
                if (slots[s] > 0)
                    kill(slots[s], SIGTERM);
            forwarded = 1;
            continue;
        }
        for (int s = 0; s < r->o.jobs; s++)
            if (slots[s] == done) {
                if (!grade_stop)
                    collect_results(r, sub_of[s]);
                slots[s] = 0;
            }
    }
}

/* 1 if the folder path is inside dir (both real paths). */
static int inside(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return !strncmp(path, dir, n) && (path[n] == '/' || !strcmp(dir, "/"));
}

/* The scratch folder W must lie outside $REF, the instructor's tree and
 * every submission: a copy of one of them (the reference's, a
 * submission's) would copy W into itself, and $REF's fingerprint would
 * change with every file the grader writes in W - every submission would
 * fail as having written into $REF.  0, or -1 after saying so. */
static int work_apart(const struct run *r, const char *base)
{
    char real[GRADE_PATH_MAX], what[GRADE_PATH_MAX + 32] = "";
    if (r->o.ref && realpath(r->o.ref, real) && inside(r->work, real))
        textf(what, sizeof what, "$REF (%s)", r->o.ref);
    else if (inside(r->work, r->tree))
        textf(what, sizeof what, "the instructor's tree (%s)", r->tree);
    for (int k = 0; !what[0] && k < r->o.nsubs; k++)
        if (realpath(r->o.subs[k], real) && inside(r->work, real))
            textf(what, sizeof what, "the submission %s", r->o.subs[k]);
    if (!what[0])
        return 0;
    fprintf(stderr, "t32grade: error: %s %s: the scratch folder would be inside %s; choose a "
            "folder outside it\n", r->o.work ? "--work" : "$TMPDIR", base, what);
    return -1;
}

/* The scratch folder W and its fixed entries; the tests copied in. */
static int make_work(struct run *r)
{
    const char *base = r->o.work ? r->o.work : getenv("TMPDIR");
    char tmpl[GRADE_PATH_MAX];
    textf(tmpl, sizeof tmpl, "%s/t32grade.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpl) || !realpath(tmpl, r->work)) {
        fprintf(stderr, "t32grade: error: %s: %s\n", tmpl, strerror(errno));
        return -1;
    }
    if (work_apart(r, base && *base ? base : "/tmp") < 0)
        return -1;
    chmod(r->work, 0711);
    char d[GRADE_PATH_MAX + 64];
    for (int k = 0; k < r->o.nsubs; k++) {
        PATHF(d, "%s/sub-%d", r->work, k);
        mkdir(d, 0755);
    }
    r->graded = calloc((size_t)r->o.nsubs, sizeof *r->graded);
    if (!r->graded)
        return -1;
    return copy_tests(r);
}

/* $REF: --ref, or a copy of the instructor's tree built here (once). */
static int make_ref(struct run *r)
{
    if (r->o.ref) {
        if (!realpath(r->o.ref, r->ref)) {
            fprintf(stderr, "t32grade: error: --ref %s: %s\n", r->o.ref, strerror(errno));
            return -1;
        }
        return 0;
    }
    char err[600];
    path_of(r->ref, sizeof r->ref, r->work, "ref");
    if (tree_copy(r->tree, r->ref, 0, 4LL << 30, NULL, err, sizeof err) < 0) {
        fprintf(stderr, "t32grade: error: reference: %s\n", err);
        return -1;
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    char jobs[16];
    textf(jobs, sizeof jobs, "-j%ld", cpus > 0 ? cpus : 1);
    char *argv[] = { "make", jobs, NULL };
    char *envp[] = { "PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C", NULL };
    struct jail j = { 0, 0, 0, r->ref, envp };
    struct limits l = { 1800, 1800, 4LL << 30, 1LL << 30, 512 };
    struct outcome oc;
    printf("t32grade: building the reference (%s)\n", r->tree);
    if (sandbox_run(&j, &l, argv, &oc) < 0 || !WIFEXITED(oc.status) ||
        WEXITSTATUS(oc.status) != 0 || oc.timed_out) {
        fprintf(stderr, "t32grade: error: the reference does not build:\n%s\n",
                oc.out ? oc.out : "");
        sandbox_free(&oc);
        return -1;
    }
    sandbox_free(&oc);
    return 0;
}

/* As root, the children run as other uids: they must be able to reach the
 * scratch folder and $REF (every folder on the way searchable by others). */
static int others_reach(const char *path, const char *what)
{
    char p[GRADE_PATH_MAX];
    PATHF(p, "%s", path);
    for (char *slash = p + strlen(p); slash; slash = strrchr(p, '/')) {
        *slash = '\0';
        struct stat st;
        if (p[0] && stat(p, &st) == 0 && !(st.st_mode & S_IXOTH)) {
            fprintf(stderr, "t32grade: error: %s: the sandbox's uid cannot reach %s through "
                    "this folder (chmod o+x it, or use --work)\n", p, what);
            return -1;
        }
        if (slash == p)
            break;
    }
    return 0;
}

/* Is $REF one of the submissions (make grade: the tree grades itself)? */
static int ref_is_a_submission(const struct run *r)
{
    char here[] = ".", *dot = here;
    char **subs = r->o.nsubs ? r->o.subs : &dot;
    for (int i = 0; i < (r->o.nsubs ? r->o.nsubs : 1); i++) {
        char real[GRADE_PATH_MAX];
        if (realpath(subs[i], real) && strcmp(real, r->ref) == 0)
            return 1;
    }
    return 0;
}

static int setup(struct run *r, int argc, char **argv)
{
    char labdir[GRADE_PATH_MAX];
    if (parse(argc, argv, &r->o) < 0)
        return -1;
    if (r->o.tree ? !realpath(r->o.tree, r->tree) : own_tree(argv[0], r->tree, sizeof r->tree) < 0) {
        fprintf(stderr, "t32grade: error: cannot find the instructor's tree (--tree DIR)\n");
        return -1;
    }
    if (lab_find(r->tree, r->o.lab, labdir, sizeof labdir) < 0 ||
        lab_tests(labdir, r->o.hidden, &r->tests, &r->ntests) < 0 ||
        lab_filter(r->tests, &r->ntests, r->o.pats, r->o.npats) < 0)
        return -1;
    if (r->ntests == 0) {
        fprintf(stderr, "t32grade: error: %s has no tests to run\n", labdir);
        return -1;
    }
    r->root = geteuid() == 0;
    for (int slot = 0; r->root && slot < r->o.jobs; slot++) {
        uid_t from = slot > 0 ? r->uids[slot - 1] + 1 : (uid_t)r->o.uid_base;
        if (sandbox_claim_uid(from, &r->uids[slot]) < 0) {
            fprintf(stderr, "t32grade: error: no free sandbox uid from %ld on\n", (long)from);
            return -1;
        }
    }
    if (make_work(r) < 0 || make_ref(r) < 0)
        return -1;
    r->ref_kept = !r->root && !ref_is_a_submission(r);
    if (save_ref(r) < 0)
        return -1;
    if (r->root && (others_reach(r->work, "the scratch folder") < 0 ||
                    others_reach(r->ref, "$REF") < 0))
        return -1;
    return 0;
}

/* Print the reports (in the order the submissions were given).  The exit
 * status: 0 when every submission has full marks, 1 when one has not, 2
 * when a report could not be given. */
static int report(const struct run *r, double secs)
{
    int all_full = 1, lost = 0;
    for (int k = 0; k < r->o.nsubs; k++) {
        const struct graded *g = &r->graded[k];
        if (!g->res)
            return 2;
        if (r->o.nsubs > 1)
            printf("== %s ==\n", g->dir);
        report_text(stdout, g, r->tests, r->ntests, r->o.verbose, 1);
        lost |= !printed();
        int max, got = report_score(g, r->tests, r->ntests, &max);
        all_full &= got == max;
        if (r->o.gradescope &&
            report_gradescope(r->o.gradescope, g, r->tests, r->ntests, secs) < 0) {
            fprintf(stderr, "t32grade: error: %s: %s\n", r->o.gradescope, strerror(errno));
            lost = 1;
        }
        if (r->o.autolab) {
            report_autolab(stdout, g, r->tests, r->ntests);
            lost |= !printed();
        }
    }
    return lost ? 2 : all_full ? 0 : 1;
}

int main(int argc, char **argv)
{
    static struct run r;
    double start = now_secs();
    umask(022);
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);       /* a closed stdout is a failed write (printed) */
    sandbox_catch_stop();
    if (setup(&r, argc, argv) < 0 || grade_stop) {
        if (r.work[0] && !r.o.keep)
            tree_remove(r.work);
        if (grade_stop)
            fprintf(stderr, "t32grade: stopped by signal %d: nothing graded\n", (int)grade_stop);
        return 2;
    }
    grade_all(&r);
    if (grade_stop) {
        /* No report: some tests were cut short, and a score made of them
         * would be wrong.  The sandboxes are gone; so is the scratch. */
        if (!r.o.keep)
            tree_remove(r.work);
        fprintf(stderr, "t32grade: stopped by signal %d: every command of the submissions was "
                "killed, nothing graded\n", (int)grade_stop);
        return 2;
    }
    int rc = report(&r, now_secs() - start);
    if (r.o.keep)
        fprintf(stderr, "t32grade: the scratch folder is %s\n", r.work);
    else
        tree_remove(r.work);
    return rc;
}
