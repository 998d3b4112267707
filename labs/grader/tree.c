/*
 * tree.c - folders: copying a submission into its scratch folder, stamping
 * times so that make reuses the reference's object files, fingerprints that
 * notice a write where a submission has no business writing.
 *
 * Only directories and regular files are copied.  Symbolic links, fifos and
 * devices in a submission are left out, never followed: a link could hand
 * in someone else's tree (a link to the solution scores full marks) or point
 * a later write outside the scratch tree, a fifo could block the copy
 * forever.  What was left out is counted, so that the report can say so.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grade.h"

void pathf(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    if (len < 0 || (size_t)len >= n) {
        fprintf(stderr, "t32grade: error: a path is too long (%.60s...)\n", buf);
        exit(2);
    }
}

void textf(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
}

/* A walk over a tree: fn(ctx, path, rel, st) for every entry below root
 * (rel is the path from root); fn returns 1 to skip a directory's insides,
 * -1 to stop the walk. */
typedef int (*walk_fn)(void *ctx, const char *path, const char *rel, const struct stat *st);

static int walk(const char *root, const char *rel, walk_fn fn, void *ctx)
{
    char dir[GRADE_PATH_MAX];
    snprintf(dir, sizeof dir, "%s%s%s", root, *rel ? "/" : "", rel);
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char path[GRADE_PATH_MAX], sub[GRADE_PATH_MAX];
        struct stat st;
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path ||
            (size_t)snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name) >=
                sizeof sub || lstat(path, &st) < 0) {
            rc = -1;
            break;
        }
        int r = fn(ctx, path, sub, &st);
        if (r < 0)
            rc = -1;
        else if (r == 0 && S_ISDIR(st.st_mode))
            rc = walk(root, sub, fn, ctx);
    }
    closedir(d);
    return rc;
}

/* mkdir -p */
int mkdirs(const char *path, int mode)
{
    char buf[GRADE_PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, (mode_t)mode) < 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(buf, (mode_t)mode) < 0 && errno != EEXIST ? -1 : 0;
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
    int in = open(from, O_RDONLY | O_NOFOLLOW);
    if (in < 0)
        return -1;
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, mode & 0755);
    if (out < 0) {
        close(in);
        return -1;
    }
    char buf[65536];
    ssize_t n;
    int rc = 0;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n) {
            rc = -1;
            break;
        }
    if (n < 0)
        rc = -1;
    close(in);
    if (close(out) < 0)
        rc = -1;
    return rc;
}

static void keep_modes(const char *from, const char *to, int build);

/* Give path the mode and times of st (a snapshot, or a file put back). */
static void keep_attrs(const char *path, const struct stat *st)
{
    struct timespec ts[2] = { st->st_atim, st->st_mtim };
    chmod(path, st->st_mode & 07777);
    utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW);
}

struct copy {
    const char *to;
    long long left;                 /* bytes still allowed */
    long files;
    int build;                      /* copying a build folder */
    int keep;                       /* keep modes and times (a snapshot) */
    struct ignored *ig;             /* what was left out (may be NULL) */
    char *err;
    size_t nerr;
};

/* What a copy leaves out: a tree's top-level build/ and .git/ (folders or
 * not: build/ is made by the build, from the reference's when it can be);
 * in a copy of a build folder (build), its logs/ and the other build
 * folders inside it (BUILD=build/NAME: they hold obj/). */
static int skipped(const struct copy *c, const char *path, const char *rel)
{
    if (strchr(rel, '/'))
        return 0;
    if (!c->build)
        return !strcmp(rel, ".git") || !strcmp(rel, "build");
    char obj[GRADE_PATH_MAX];
    snprintf(obj, sizeof obj, "%s/obj", path);
    return !strcmp(rel, "logs") || access(obj, F_OK) == 0;
}

static int copy_one(void *ctx, const char *path, const char *rel, const struct stat *st)
{
    struct copy *c = ctx;
    char to[GRADE_PATH_MAX];
    snprintf(to, sizeof to, "%s/%s", c->to, rel);
    if (S_ISDIR(st->st_mode)) {
        if (skipped(c, path, rel))
            return 1;
        return mkdir(to, 0755) < 0 && errno != EEXIST ? -1 : 0;
    }
    if (!S_ISREG(st->st_mode)) {
        if (c->ig && c->ig->n++ == 0)
            snprintf(c->ig->first, sizeof c->ig->first, "%s ignored: %s",
                     S_ISLNK(st->st_mode) ? "symbolic link" : "special file", rel);
        return 0;
    }
    if (skipped(c, path, rel))      /* (a file named build/.git: it is not the tree's) */
        return 0;
    c->left -= st->st_size;
    if (c->left < 0 || ++c->files > 50000) {
        snprintf(c->err, c->nerr, "the submission is too large (more than %ld files or "
                 "the size limit)", 50000L);
        return -1;
    }
    if (copy_file(path, to, st->st_mode) < 0) {
        snprintf(c->err, c->nerr, "cannot copy %s: %s", rel, strerror(errno));
        return -1;
    }
    if (c->keep)
        keep_attrs(to, st);
    return 0;
}

/* Copy the tree from into the folder to (created), at most maxbytes of
 * files, leaving out what skipped() says (build: from is a build folder)
 * and every entry that is neither a folder nor a regular file (counted in
 * ig, if not NULL).  0, or -1 with a reason in err. */
int tree_copy(const char *from, const char *to, int build, long long maxbytes,
              struct ignored *ig, char *err, size_t n)
{
    struct copy c = { to, maxbytes, 0, build & 1, build & TREE_KEEP, ig, err, n };
    if (ig)
        memset(ig, 0, sizeof *ig);
    snprintf(err, n, "cannot read %s: %s", from, strerror(ENOENT));
    if (mkdirs(to, 0755) < 0) {
        snprintf(err, n, "cannot create %s: %s", to, strerror(errno));
        return -1;
    }
    if (walk(from, "", copy_one, &c) < 0) {
        if (errno && !strncmp(err, "cannot read", 11))
            snprintf(err, n, "cannot read %s: %s", from, strerror(errno));
        return -1;
    }
    if (c.keep)
        keep_modes(from, to, c.build);
    return 0;
}

static int remove_one(void *ctx, const char *path, const char *rel, const struct stat *st)
{
    (void)ctx, (void)rel;
    if (S_ISDIR(st->st_mode)) {
        chmod(path, 0700);          /* a submission may have made it read-only */
        return 0;
    }
    unlink(path);
    return 0;
}

static int rmdir_one(void *ctx, const char *path, const char *rel, const struct stat *st)
{
    (void)ctx, (void)rel;
    if (S_ISDIR(st->st_mode))
        tree_remove(path);
    return 1;
}

/* rm -rf dir */
int tree_remove(const char *dir)
{
    struct stat st;
    if (lstat(dir, &st) < 0)
        return 0;
    if (!S_ISDIR(st.st_mode))
        return unlink(dir);
    chmod(dir, 0700);
    walk(dir, "", remove_one, NULL);
    walk(dir, "", rmdir_one, NULL);
    return rmdir(dir);
}

/* 1 if the regular files a and b have the same bytes. */
int tree_same(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) < 0 || stat(b, &sb) < 0 || !S_ISREG(sa.st_mode) || !S_ISREG(sb.st_mode) ||
        sa.st_size != sb.st_size)
        return 0;
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb;
    char x[8192], y[8192];
    size_t n;
    while (same && (n = fread(x, 1, sizeof x, fa)) > 0)
        same = fread(y, 1, n, fb) == n && memcmp(x, y, n) == 0;
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

struct stamp {
    const char *ref;
    const struct timespec *same, *built;
};

static int stamp_one(void *ctx, const char *path, const char *rel, const struct stat *st)
{
    struct stamp *s = ctx;
    if (S_ISDIR(st->st_mode))
        return 0;
    const struct timespec *t = s->built;
    if (s->ref) {
        char ref[GRADE_PATH_MAX];
        snprintf(ref, sizeof ref, "%s/%s", s->ref, rel);
        t = tree_same(path, ref) ? s->same : NULL;
    }
    if (t) {
        struct timespec ts[2] = { *t, *t };
        utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW);
    }
    return 0;
}

/* Object reuse (see t32grade.c).  With ref: every file of dir with the same
 * bytes as ref's file of the same name gets the time same (an old one), the
 * others keep the copy's time (now): make rebuilds exactly what depends on a
 * changed file.  Without ref: every file gets the time built. */
int tree_stamp(const char *dir, const char *ref, const struct timespec *same,
               const struct timespec *built)
{
    struct stamp s = { ref, same, built };
    return walk(dir, "", stamp_one, &s);
}

struct owner {
    uid_t uid;
    gid_t gid;
};

static int chown_one(void *ctx, const char *path, const char *rel, const struct stat *st)
{
    struct owner *o = ctx;
    (void)rel, (void)st;
    return lchown(path, o->uid, o->gid) < 0 ? -1 : 0;
}

/* chown -R */
int tree_chown(const char *dir, uid_t uid, gid_t gid)
{
    struct owner o = { uid, gid };
    if (lchown(dir, uid, gid) < 0)
        return -1;
    return walk(dir, "", chown_one, &o);
}

struct hash {
    unsigned long long h;
    struct copy skip;               /* only its build flag is used */
};

static int hash_one(void *ctx, const char *path, const char *rel, const struct stat *st)
{
    struct hash *x = ctx;
    if (S_ISDIR(st->st_mode) && skipped(&x->skip, path, rel))
        return 1;
    /* ctime too: a program can set a file's mtime back after writing it
     * (utimensat), but every write, chmod or utimensat moves its ctime. */
    unsigned long long v[6] = { (unsigned long long)st->st_size, (unsigned long long)st->st_mode,
                                (unsigned long long)st->st_mtim.tv_sec,
                                (unsigned long long)st->st_mtim.tv_nsec,
                                (unsigned long long)st->st_ctim.tv_sec,
                                (unsigned long long)st->st_ctim.tv_nsec };
    for (const char *p = rel; *p; p++)
        x->h = (x->h ^ (unsigned char)*p) * 1099511628211ULL;
    for (int i = 0; i < 6; i++)
        x->h = (x->h ^ v[i]) * 1099511628211ULL;
    return 0;
}

/* A hash of every name, size, mode, modification and change time in the tree dir
 * and its build folder (what a copy would take, see skipped()): it changes
 * when anything there is written, created or removed. */
unsigned long long tree_fingerprint(const char *dir)
{
    struct hash x;
    memset(&x, 0, sizeof x);
    x.h = 14695981039346656037ULL;
    walk(dir, "", hash_one, &x);
    char build[GRADE_PATH_MAX];
    snprintf(build, sizeof build, "%s/build", dir);
    x.skip.build = 1;
    walk(build, "", hash_one, &x);
    return x.h;
}

/* Putting a tree back as a snapshot has it (tree_restore): the tree is
 * "to", the snapshot "from"; skip says what both leave out. */
struct sync {
    const char *from, *to;
    struct copy skip;               /* only its build flag is used */
    int changed;
};

/* Over the tree: remove what the snapshot does not have (or has as another
 * kind of entry). */
static int prune_one(void *ctx, const char *path, const char *rel, const struct stat *st)
{
    struct sync *s = ctx;
    if (S_ISDIR(st->st_mode) && skipped(&s->skip, path, rel))
        return 1;
    char there[GRADE_PATH_MAX];
    struct stat ft;
    snprintf(there, sizeof there, "%s/%s", s->from, rel);
    if (lstat(there, &ft) == 0 && (ft.st_mode & S_IFMT) == (st->st_mode & S_IFMT)) {
        if (S_ISDIR(st->st_mode))
            chmod(path, 0700 | (st->st_mode & 07777));   /* to look inside */
        return 0;
    }
    tree_remove(path);
    s->changed = 1;
    return 1;
}

/* Over the snapshot: make each folder, put back each file that differs. */
static int restore_one(void *ctx, const char *path, const char *rel, const struct stat *st)
{
    struct sync *s = ctx;
    char here[GRADE_PATH_MAX];
    struct stat ht;
    snprintf(here, sizeof here, "%s/%s", s->to, rel);
    int have = lstat(here, &ht) == 0;
    if (S_ISDIR(st->st_mode)) {
        if (!have && mkdir(here, 0700) < 0)
            return -1;
        s->changed |= !have;
        return 0;
    }
    if (have && ht.st_mode == st->st_mode && ht.st_mtim.tv_sec == st->st_mtim.tv_sec &&
        ht.st_mtim.tv_nsec == st->st_mtim.tv_nsec && tree_same(path, here))
        return 0;
    unlink(here);
    if (copy_file(path, here, st->st_mode) < 0)
        return -1;
    keep_attrs(here, st);
    s->changed = 1;
    return 0;
}

/* Over the snapshot again, once every file is back: the folders' modes. */
static int modes_one(void *ctx, const char *path, const char *rel, const struct stat *st)
{
    struct sync *s = ctx;
    char here[GRADE_PATH_MAX];
    if (S_ISDIR(st->st_mode) && skipped(&s->skip, path, rel))
        return 1;
    snprintf(here, sizeof here, "%s/%s", s->to, rel);
    if (S_ISDIR(st->st_mode))
        chmod(here, st->st_mode & 07777);
    return 0;
}

/* The folders of to get the modes of from's (last: a read-only folder
 * could not have been filled). */
static void keep_modes(const char *from, const char *to, int build)
{
    struct sync s = { from, to, { 0 }, 0 };
    s.skip.build = build;
    walk(from, "", modes_one, &s);
}

static int sync_tree(const char *from, const char *to, int build)
{
    struct sync s = { from, to, { 0 }, 0 };
    s.skip.build = build;
    if (mkdirs(to, 0755) < 0)
        return -1;
    walk(to, "", prune_one, &s);
    if (walk(from, "", restore_one, &s) < 0)
        return -1;
    keep_modes(from, to, build);
    return s.changed;
}

/* Put the tree dir (and its build folder) back as the snapshot made by
 * tree_copy(dir, snap, TREE_KEEP) and tree_copy(dir/build, snap/build,
 * 1 | TREE_KEEP) has it, over what tree_fingerprint() watches: remove what
 * was added, put back what was changed or removed, with its mode and
 * times.  Returns 1 if anything had changed, 0 if not, -1 on error. */
int tree_restore(const char *snap, const char *dir)
{
    char a[GRADE_PATH_MAX], b[GRADE_PATH_MAX];
    int top = sync_tree(snap, dir, 0);
    snprintf(a, sizeof a, "%s/build", snap);
    snprintf(b, sizeof b, "%s/build", dir);
    if (access(a, F_OK) != 0)
        return top;
    int build = sync_tree(a, b, 1);
    return top < 0 || build < 0 ? -1 : top | build;
}

/* 0 if dir holds only the allowed names (NULL-terminated); else 1, with
 * the first other name in extra (which the caller removes). */
int tree_onlyentries(const char *dir, const char *const *allowed, char *extra, size_t n)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    int found = 0;
    while (!found && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            ok |= !strcmp(*a, e->d_name);
        if (!ok) {
            snprintf(extra, n, "%s", e->d_name);
            found = 1;
        }
    }
    closedir(d);
    return found;
}

struct mk {
    const char *other;
    int count, differ;
};

static int is_makefile(const char *rel)
{
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    size_t n = strlen(base);
    return !strcmp(base, "Makefile") || (n > 3 && !strcmp(base + n - 3, ".mk"));
}

static int mk_one(void *ctx, const char *path, const char *rel, const struct stat *st)
{
    struct mk *m = ctx;
    if (S_ISDIR(st->st_mode))
        return !strcmp(rel, ".git") || !strcmp(rel, "build");
    if (!S_ISREG(st->st_mode) || !is_makefile(rel))
        return 0;
    m->count++;
    if (m->other) {
        char there[GRADE_PATH_MAX];
        snprintf(there, sizeof there, "%s/%s", m->other, rel);
        m->differ |= !tree_same(path, there);
    }
    return 0;
}

/* 1 if every Makefile and *.mk file of the tree a is in b with the same
 * bytes (their build/ folders aside).  b may have more (a handout leaves
 * some out): the rules a keeps are b's rules, with b's flags. */
int tree_same_makefiles(const char *a, const char *b)
{
    struct mk x = { b, 0, 0 };
    return walk(a, "", mk_one, &x) == 0 && !x.differ && x.count > 0;
}
