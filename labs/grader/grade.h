/*
 * t32grade - the labs' autograder (labs/README.md is the instructors' guide).
 *
 * The grader is trusted code run by an instructor (or by Gradescope/Autolab)
 * on untrusted submissions.  Its whole job, in order:
 *
 *   1. find lab NN's graded tests (labs/NN-name/tests/, and hidden/ with
 *      --hidden) in the instructor's tree                       (labtests.c)
 *   2. have a trusted reference build, $REF                     (t32grade.c)
 *   3. copy each submission into a scratch folder, reusing the reference's
 *      object files for the sources it did not change           (tree.c)
 *   4. build it and run every test in a child process with limits: its own
 *      process group, a wall-clock timeout, rlimits, output through a pipe
 *      cut at 64 KiB, a separate user id when run as root      (sandbox.c)
 *   5. print xv6-style lines, part scores and the score; or Gradescope's
 *      results.json, or Autolab's last-line JSON               (report.c)
 *
 * Each submission is graded by its own worker process (--jobs N run N at a
 * time); a worker writes its results into files that the parent reads back,
 * so the report never depends on which worker finished first.
 */
#ifndef T32GRADE_H
#define T32GRADE_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>
#include <sys/types.h>

#define GRADE_NAME_MAX   64
#define GRADE_PATH_MAX   4096
#define GRADE_OUT_KEEP   (64 * 1024)          /* output kept per test */
#define GRADE_OUT_KILL   (8 * 1024 * 1024)    /* output that kills a test */

/* One graded test: a .test file and its header (labs_api.md). */
struct test {
    char name[GRADE_NAME_MAX];      /* file name without .test */
    char path[GRADE_PATH_MAX];      /* the file in the instructor's tree */
    char part[GRADE_NAME_MAX];      /* "# part:" (default "Tests") */
    char visibility[32];            /* visible, hidden, after_due_date, after_published */
    int points;                     /* "# points:" (required) */
    int timeout;                    /* "# timeout:" wall seconds (default 30) */
    int hidden;                     /* found in hidden/ */
};

/* The outcome of one test (or of the build). */
struct result {
    int ok;
    double secs;
    char *output;                   /* captured, cut, with the grader's notes */
    char reason[512];               /* the last line of output */
    char note[400];                 /* the grader's remark (the build's: what it left out) */
};

/* What a child process may use (sandbox.c). */
struct limits {
    int timeout;                    /* wall seconds */
    long cpu;                       /* RLIMIT_CPU seconds */
    long long as;                   /* RLIMIT_AS bytes */
    long long fsize;                /* RLIMIT_FSIZE bytes */
    long nproc;                     /* RLIMIT_NPROC above the current count */
};

/* The jail one worker runs its children in. */
struct jail {
    uid_t uid;                      /* run as this uid (only when root) */
    gid_t gid;
    int drop;                       /* 1: setuid to uid/gid in the child */
    const char *cwd;
    char *const *env;
};

/* How a child ended. */
struct outcome {
    int status;                     /* waitpid status */
    int timed_out;
    int flooded;                    /* printed more than GRADE_OUT_KILL */
    long procs;                     /* its processes when it timed out */
    double secs;
    char *out;                      /* the first GRADE_OUT_KEEP bytes */
    size_t nout;
    size_t total;                   /* bytes printed in all */
    char tail[1024];                /* the last bytes printed (for the reason) */
};

/* Formatting into arrays (tree.c): textf cuts what does not fit (messages);
 * pathf stops the grader instead (a cut path would name another file). */
#define PATHF(buf, ...) pathf((buf), sizeof(buf), __VA_ARGS__)
void pathf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void textf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* labtests.c */
int lab_find(const char *tree, const char *lab, char *dir, size_t n);
int lab_tests(const char *labdir, int hidden, struct test **tests, int *ntests);
int lab_filter(struct test *tests, int *ntests, char **pats, int npats);

/* sandbox.c */
int sandbox_run(const struct jail *j, const struct limits *l, char *const argv[],
                struct outcome *o);
void sandbox_free(struct outcome *o);
void sandbox_describe(const struct outcome *o, const struct limits *l, char *buf, size_t n);
void sandbox_killuid(uid_t uid);
int sandbox_claim_uid(uid_t first, uid_t *got);
double now_secs(void);
/* Stopping: the signal (SIGINT, SIGTERM, SIGHUP) that asked the grader to
 * stop, or 0.  A command running in a sandbox is then killed at once, with
 * whatever it started, and sandbox_run returns. */
extern volatile sig_atomic_t grade_stop;
void sandbox_catch_stop(void);

/* tree.c */
struct ignored {                    /* what a copy left out, never followed */
    long n;
    char first[300];                /* "symbolic link ignored: REL" (or "special file") */
};
#define TREE_KEEP 2                 /* tree_copy's build | TREE_KEEP: keep modes and times */
int tree_copy(const char *from, const char *to, int build, long long maxbytes,
              struct ignored *ig, char *err, size_t n);
int tree_restore(const char *snap, const char *dir);
int tree_remove(const char *dir);
int tree_same(const char *a, const char *b);
int tree_stamp(const char *dir, const char *ref, const struct timespec *same,
               const struct timespec *built);
int tree_same_makefiles(const char *a, const char *b);
int tree_chown(const char *dir, uid_t uid, gid_t gid);
unsigned long long tree_fingerprint(const char *dir);
int tree_onlyentries(const char *dir, const char *const *allowed, char *extra, size_t n);
int mkdirs(const char *path, int mode);

/* report.c */
struct graded {
    const char *dir;                /* the submission as named by the user */
    struct result build;
    struct result *res;             /* one per test */
};
void report_text(FILE *f, const struct graded *g, const struct test *t, int n, int verbose,
                 int times);
int report_score(const struct graded *g, const struct test *t, int n, int *max);
int report_gradescope(const char *file, const struct graded *g, const struct test *t, int n,
                      double secs);
void report_autolab(FILE *f, const struct graded *g, const struct test *t, int n);
void json_string(FILE *f, const char *s);

#endif
