/*
 * outfile.c - output files that are never left half-written (outfile.h).
 *
 * The classic way to write a file, fopen(path, "w"), truncates the old
 * contents at once: a run that fails halfway leaves a partial file that a
 * build tool later takes as good, and the usual clean-up, remove(path),
 * deletes whatever the path named - as root, `-o /dev/null` then deletes
 * the device.  Instead a regular file is written beside the target under
 * a temporary name and renamed over it only when every byte is out:
 * rename() within one directory is atomic on POSIX file systems.  Things
 * that are not regular files (devices, fifos) cannot be replaced that way
 * and must not be: they are written directly.
 */
#define _XOPEN_SOURCE 700   /* realpath(), strndup(), sigaction() */

#include "outfile.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static bool fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* ---- fifos: never wait for ever for the other end ----------------------------
 *
 * open() on a fifo waits until a process opens the other end, which may be
 * never: a tool given a fifo nobody reads or writes would hang before its
 * first byte.  So a fifo is opened with O_NONBLOCK, and the other end gets
 * FIFO_GRACE_MS to appear - enough for `reader fifo & writer -o fifo`,
 * whichever starts first.  After that an input with no writer reads as
 * empty (its end) and the caller refuses it with its usual message, and an
 * output with no reader is refused.  O_NONBLOCK is then cleared, so reads
 * and writes wait for a slow peer as usual; for a regular file or a device
 * it changes nothing.
 */
#define FIFO_GRACE_MS 2000
#define FIFO_STEP_MS  10

static void nap(void)
{
    struct timespec ts = { 0, FIFO_STEP_MS * 1000000L };
    nanosleep(&ts, NULL);
}

/* fdopen with O_NONBLOCK cleared; closes fd on failure (errno kept). */
static FILE *blocking_stream(int fd, const char *mode)
{
    int flags = fcntl(fd, F_GETFL);
    FILE *f = NULL;
    if (flags >= 0 && fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == 0)
        f = fdopen(fd, mode);
    if (!f) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return f;
}

int t32_in_open_fd(const char *path)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
        /* Until a writer has written (or come and gone), poll sees nothing;
         * a writer that stays silent past the grace is waited for by the
         * blocking reads, as stdin would be. */
        struct pollfd p = { .fd = fd, .events = POLLIN };
        while (poll(&p, 1, FIFO_GRACE_MS) < 0 && errno == EINTR)
            continue;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

FILE *t32_in_open(const char *path)
{
    int fd = t32_in_open_fd(path);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "rb");
    if (fd >= 0 && !f) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return f;
}

/* fopen(path, "wb") for a device or a fifo, written in place. */
static FILE *open_direct(const char *path)
{
    int fd = -1;
    for (int waited = 0; fd < 0; waited += FIFO_STEP_MS) {
        fd = open(path, O_WRONLY | O_TRUNC | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0 || errno != ENXIO || waited >= FIFO_GRACE_MS)
            break;
        nap();                      /* a fifo whose reader is not there yet */
    }
    return fd < 0 ? NULL : blocking_stream(fd, "wb");
}

/* ---- the temporaries that exist right now ------------------------------------
 *
 * A process stopped by Ctrl-C or kill between open and commit would leave
 * its temporaries behind.  Each one's name is kept in this table while the
 * file exists, so a signal handler can remove them all with unlink alone
 * (t32_out_unlink_temporaries).  A slot is filled only after the name is
 * complete and emptied before the name is freed, so the handler - which
 * can interrupt either - sees a whole name or none.
 */
#define MAX_LIVE 64

static char *volatile live[MAX_LIVE];

static void remember(const char *tmp)
{
    for (int i = 0; i < MAX_LIVE; i++) {
        if (!live[i]) {
            live[i] = (char *)tmp;
            return;
        }
    }
    /* Full: this one is not removed by a signal - only a leftover file. */
}

static void forget(const char *tmp)
{
    for (int i = 0; tmp && i < MAX_LIVE; i++)
        if (live[i] == tmp)
            live[i] = NULL;
}

void t32_out_unlink_temporaries(void)
{
    for (int i = 0; i < MAX_LIVE; i++)
        if (live[i])
            unlink(live[i]);
}

/* Remove the temporaries, then die of the signal as if never caught: the
 * shell sees the usual status 128 + signal.  (The signal stays blocked in
 * its handler, so the raise takes effect when the handler returns.) */
static void on_stop_signal(int sig)
{
    t32_out_unlink_temporaries();
    signal(sig, SIG_DFL);
    raise(sig);
}

void t32_out_cleanup_on_signals(void)
{
    static const int sigs[] = { SIGHUP, SIGINT, SIGPIPE, SIGTERM };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old, sa = { .sa_handler = on_stop_signal };
        sigemptyset(&sa.sa_mask);
        /* A signal ignored from the start (nohup, a background job's
         * SIGINT) is meant to stay ignored. */
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL)
            sigaction(sigs[i], &sa, NULL);
    }
}

void t32_out_keep_std_descriptors(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
            continue;
        /* open() takes the lowest free number, and 0..fd-1 are open now:
         * this is fd.  Read-only on purpose: a write to it still fails
         * (EBADF), so a closed stdout is reported as before, while no
         * temporary can take the number. */
        int got = open("/dev/null", O_RDONLY);
        if (got >= 0 && got != fd)
            close(got);     /* cannot happen; never keep a stray descriptor */
    }
}

static void reset(t32_out *o)
{
    forget(o->tmp);
    free(o->target);
    free(o->tmp);
    *o = (t32_out){ .kind = T32_OUT_CLOSED };
}

/* ---- names of open descriptors ------------------------------------------------
 *
 * /dev/stdout is a symbolic link to /proc/self/fd/1, which the kernel
 * resolves to whatever descriptor 1 has open.  Taken as a path, a
 * redirected standard output (`t32dis -o /dev/stdout p.t32 >>log`) is a
 * regular file, and replacing it would rename a temporary over log: its
 * old lines gone, and the shell's later writes lost in the unlinked old
 * file.  So such a name means the descriptor itself, written where it
 * stands - at its position, in its append mode - as "-" is.
 */

/* The path spelled canonically: its directory resolved by realpath (no
 * links, no . or ..), then its last name as given (it may not exist yet).
 * NULL if the directory cannot be resolved.  malloc'd. */
static char *canonical(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    if (!slash) {
        dir = realpath(".", NULL);
    } else if (slash == path) {
        dir = realpath("/", NULL);
    } else {
        char *d = strndup(path, (size_t)(slash - path));
        dir = d ? realpath(d, NULL) : NULL;
        free(d);
    }
    if (!dir)
        return NULL;
    const char *base = slash ? slash + 1 : path;
    size_t len = strlen(dir) + strlen(base) + 2;
    char *c = malloc(len);
    if (c)
        snprintf(c, len, "%s%s%s", dir, strcmp(dir, "/") == 0 ? "" : "/", base);
    free(dir);
    return c;
}

/* N if name is prefix followed by the decimal number N alone, else -1. */
static int number_after(const char *name, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(name, prefix, n) != 0 || !isdigit((unsigned char)name[n]))
        return -1;
    char *end;
    errno = 0;
    long fd = strtol(name + n, &end, 10);
    return *end || errno || fd > INT_MAX ? -1 : (int)fd;
}

/* The descriptor a canonical name stands for, or -1.  On Linux realpath
 * turns /dev/fd and /proc/self/fd into /proc/PID/fd (and
 * /proc/thread-self/fd into /proc/PID/task/TID/fd); other systems keep
 * /dev/fd/N. */
static int descriptor_of_name(const char *name)
{
    static const char *const std[] = { "/dev/stdin", "/dev/stdout", "/dev/stderr" };
    for (int i = 0; i < 3; i++)
        if (strcmp(name, std[i]) == 0)
            return i;
    char mine[64];
    snprintf(mine, sizeof mine, "/proc/%ld/", (long)getpid());
    size_t n = strlen(mine);
    if (strncmp(name, mine, n) == 0) {
        const char *rest = name + n;
        if (strncmp(rest, "task/", 5) == 0) {     /* task/TID/fd/N */
            rest += 5;
            while (isdigit((unsigned char)*rest))
                rest++;
            rest += *rest == '/';
        }
        return number_after(rest, "fd/");
    }
    int fd = number_after(name, "/dev/fd/");
    return fd >= 0 ? fd : number_after(name, "/proc/self/fd/");
}

/* The descriptor that `path` names - /dev/stdout, /dev/fd/N, ... however
 * spelled, or a symbolic link to one - or -1 for any other path. */
static int named_descriptor(const char *path)
{
    char *p = canonical(path);
    for (int hops = 0; p && hops < 40; hops++) {
        int fd = descriptor_of_name(p);
        char link[PATH_MAX];
        ssize_t n = fd < 0 ? readlink(p, link, sizeof link - 1) : -1;
        if (n < 0) {
            free(p);
            return fd;
        }
        link[n] = '\0';
        /* A relative link is relative to the link's own directory. */
        size_t dirlen = (size_t)(strrchr(p, '/') - p) + 1;
        size_t len = dirlen + (size_t)n + 1;
        char *next = malloc(len);
        if (next && link[0] == '/')
            snprintf(next, len, "%s", link);
        else if (next)
            snprintf(next, len, "%.*s%s", (int)dirlen, p, link);
        free(p);
        p = next ? canonical(next) : NULL;
        free(next);
    }
    free(p);
    return -1;
}

bool t32_out_is_stdout(const char *path)
{
    return path && (strcmp(path, "-") == 0 || named_descriptor(path) == 1);
}

bool t32_out_is_stderr(const char *path)
{
    return path && named_descriptor(path) == 2;
}

/* Write to descriptor fd where it stands.  Descriptors 1 and 2 are written
 * through the process's own stdout and stderr, so that what it prints
 * there and what it writes to the file keep their order; any other is
 * dup'ed (the same open file: its position and append mode) and only the
 * copy is closed at the end. */
static bool open_descriptor(t32_out *o, int fd, char *err, size_t errlen)
{
    struct stat st;
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fstat(fd, &st) != 0)
        return fail(err, errlen, "cannot write: %s", strerror(errno));
    if (S_ISDIR(st.st_mode))
        return fail(err, errlen, "is a directory");
    if ((flags & O_ACCMODE) == O_RDONLY)
        return fail(err, errlen, "cannot write: descriptor %d is open for reading only", fd);
    if (fd == 1 || fd == 2) {
        o->f = fd == 1 ? stdout : stderr;
        o->kind = T32_OUT_STDOUT;
        return true;
    }
    int copy = dup(fd);
    o->f = copy >= 0 ? fdopen(copy, "wb") : NULL;   /* "w" here neither truncates nor seeks */
    if (!o->f) {
        int e = errno;
        if (copy >= 0)
            close(copy);
        return fail(err, errlen, "cannot open: %s", strerror(e));
    }
    o->kind = T32_OUT_DIRECT;
    return true;
}

/* ---- opening and committing ------------------------------------------------- */

/* A fresh name for the temporary, in the target's directory:
 * DIR/.BASE.PID.N.tmp, or DIR/.t32out.PID.N.tmp when BASE is so long that
 * the longer name would not be allowed. */
static char *temp_name(const char *target, unsigned n, bool short_form)
{
    const char *slash = strrchr(target, '/');
    size_t dirlen = slash ? (size_t)(slash - target) + 1 : 0;
    const char *base = short_form ? "t32out" : target + dirlen;
    size_t len = dirlen + strlen(base) + 64;
    char *name = malloc(len);
    if (name)
        snprintf(name, len, "%.*s.%s.%ld.%u.tmp", (int)dirlen, target, base,
                 (long)getpid(), n);
    return name;
}

/* Create the temporary with O_EXCL (never reusing a file that exists) and
 * open it as o->f.  `mode` is the old file's permission bits, or -1 for a
 * new file (0666 less the umask). */
static bool open_temp(t32_out *o, int mode, char *err, size_t errlen)
{
    bool short_form = false;
    for (unsigned n = 0; n < 100; n++) {
        o->tmp = temp_name(o->target, n, short_form);
        if (!o->tmp)
            return fail(err, errlen, "out of memory");
        int fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
        if (fd >= 0) {
            remember(o->tmp);
            if (mode >= 0)
                (void)fchmod(fd, (mode_t)mode);
            o->f = fdopen(fd, "wb");
            if (o->f)
                return true;
            int e = errno;
            close(fd);
            unlink(o->tmp);
            return fail(err, errlen, "cannot create: %s", strerror(e));
        }
        int e = errno;
        free(o->tmp);
        o->tmp = NULL;
        if (e == ENAMETOOLONG && !short_form)
            short_form = true;
        else if (e != EEXIST)
            return fail(err, errlen, "cannot create: %s", strerror(e));
    }
    return fail(err, errlen, "cannot create a temporary file next to it");
}

/* The path a replaced file is renamed over: the path itself, or what a
 * symbolic link resolves to (so the link survives and its file changes). */
static bool replace_target(t32_out *o, const char *path, bool exists, char *err, size_t errlen)
{
    struct stat ls;
    if (exists && lstat(path, &ls) == 0 && S_ISLNK(ls.st_mode))
        o->target = realpath(path, NULL);
    else if (!exists && lstat(path, &ls) == 0)
        return fail(err, errlen, "it is a symbolic link to a missing file");
    else
        o->target = strdup(path);
    return o->target || fail(err, errlen, "cannot resolve: %s", strerror(errno));
}

bool t32_out_open(t32_out *o, const char *path, char *err, size_t errlen)
{
    *o = (t32_out){ .kind = T32_OUT_CLOSED };
    if (strcmp(path, "-") == 0) {
        o->f = stdout;
        o->kind = T32_OUT_STDOUT;
        return true;
    }
    if (path[0] == '\0')
        return fail(err, errlen, "empty file name");
    int fd = named_descriptor(path);
    if (fd >= 0)
        return open_descriptor(o, fd, err, errlen);
    struct stat st;
    bool exists = stat(path, &st) == 0;
    if (!exists && errno != ENOENT)
        return fail(err, errlen, "cannot write: %s", strerror(errno));
    if (exists && S_ISDIR(st.st_mode))
        return fail(err, errlen, "is a directory");
    /* A file this user may not write is not replaced either: the rename
     * below needs only the folder's permission, and would silently take
     * over a read-only file or another user's (as `>` would not).  Root
     * may write anything: for root "read-only" is the mode alone. */
    if (exists && t32_out_write_protected(&st))
        return fail(err, errlen, "cannot write: %s", strerror(EACCES));
    if (exists && S_ISREG(st.st_mode) &&
        faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) != 0)
        return fail(err, errlen, "cannot write: %s", strerror(errno));
    if (exists && !S_ISREG(st.st_mode)) {
        o->f = open_direct(path);
        if (!o->f)
            return fail(err, errlen, "cannot open: %s", errno == ENXIO
                        ? "no process reads this fifo (waited 2 s)" : strerror(errno));
        o->kind = T32_OUT_DIRECT;
        return true;
    }
    bool ok = replace_target(o, path, exists, err, errlen) &&
              open_temp(o, exists ? (int)(st.st_mode & 07777) : -1, err, errlen);
    if (!ok) {
        reset(o);
        return false;
    }
    o->kind = T32_OUT_REPLACE;
    return true;
}

/* Flush and (except for stdout) close; the first error's message. */
static bool finish_writes(t32_out *o, char *err, size_t errlen)
{
    errno = 0;
    bool ok = fflush(o->f) == 0;
    int e = errno;
    if (ok && ferror(o->f)) {           /* an earlier write failed */
        ok = false;
        e = o->error;                   /* why, if it was noted then */
    }
    if (o->kind != T32_OUT_STDOUT) {
        errno = 0;
        if (fclose(o->f) != 0 && ok) {
            ok = false;
            e = errno;
        }
    } else {
        clearerr(o->f);
    }
    o->f = NULL;
    if (ok)
        return true;
    return e ? fail(err, errlen, "write failed: %s", strerror(e))
             : fail(err, errlen, "write failed");
}

bool t32_out_finish(t32_out *o, char *err, size_t errlen)
{
    if (o->kind == T32_OUT_CLOSED)
        return fail(err, errlen, "not open");
    if (!o->f || finish_writes(o, err, errlen))
        return true;
    if (o->kind == T32_OUT_REPLACE)
        unlink(o->tmp);
    reset(o);
    return false;
}

void t32_out_remove_stale(const char *path, const char magic[4])
{
    struct stat st;
    if (!path || t32_out_is_stdout(path) || strcmp(path, "-") == 0 || lstat(path, &st) != 0 ||
        !S_ISREG(st.st_mode))
        return;
    char head[4];
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return;
    bool ours = read(fd, head, sizeof head) == (ssize_t)sizeof head &&
                memcmp(head, magic, sizeof head) == 0;
    close(fd);
    if (ours)
        unlink(path);
}

bool t32_out_commit(t32_out *o, char *err, size_t errlen)
{
    if (o->kind == T32_OUT_CLOSED)
        return fail(err, errlen, "not open");
    bool ok = !o->f || finish_writes(o, err, errlen);
    if (ok && o->kind == T32_OUT_REPLACE && rename(o->tmp, o->target) != 0)
        ok = fail(err, errlen, "cannot replace it: %s", strerror(errno));
    if (!ok && o->kind == T32_OUT_REPLACE)
        unlink(o->tmp);
    reset(o);
    return ok;
}

bool t32_out_flush_stdout(const char **why)
{
    errno = 0;
    bool ok = fflush(stdout) == 0 && !ferror(stdout);
    *why = ok || errno == 0 ? "" : strerror(errno);
    return ok;
}

bool t32_out_stdout_flushed(const char *prog)
{
    const char *why;
    if (t32_out_flush_stdout(&why))
        return true;
    fprintf(stderr, "%s: standard output: error: write failed%s%s\n", prog, *why ? ": " : "", why);
    return false;
}

bool t32_out_write_protected(const struct stat *st)
{
    return S_ISREG(st->st_mode) && (st->st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0;
}

void t32_out_note_error(t32_out *o)
{
    if (o->f && ferror(o->f) && o->error == 0)
        o->error = errno ? errno : EIO;
}

void t32_out_abort(t32_out *o)
{
    if (o->kind == T32_OUT_STDOUT && o->f)
        fflush(o->f);
    else if (o->f)
        fclose(o->f);
    if (o->kind == T32_OUT_REPLACE)
        unlink(o->tmp);
    reset(o);
}

bool t32_out_write_file(const char *path, const void *bytes, size_t len,
                        char *err, size_t errlen)
{
    t32_out o;
    if (!t32_out_open(&o, path, err, errlen))
        return false;
    if (len && fwrite(bytes, 1, len, o.f) != len) {
        int e = errno;
        t32_out_abort(&o);
        return fail(err, errlen, "write failed: %s", strerror(e));
    }
    return t32_out_commit(&o, err, errlen);
}

/* ---- a file named twice ------------------------------------------------------
 *
 * A command that reads a file and writes the same file - or writes it
 * twice - loses something: `t32as -o h.s h.s` would replace the source by
 * the image, two outputs renamed over one path keep only the last.  Tools
 * compare every pair of the files they are given before they open any.
 */

/* What a path names, for comparing: the file if it exists, "-" and
 * descriptor names being the descriptor's file. */
typedef struct file_id {
    bool        exists;
    bool        stream;      /* "-" or a descriptor: written in place */
    struct stat st;
} file_id;

/* "-" is standard output only as an output: the tools take no input from
 * stdin by that name, so an input "-" is a file called "-". */
static file_id identify(const char *path, bool writes)
{
    int fd = writes && strcmp(path, "-") == 0 ? 1 : named_descriptor(path);
    file_id id = { .stream = fd >= 0 };
    id.exists = fd >= 0 ? fstat(fd, &id.st) == 0 : stat(path, &id.st) == 0;
    return id;
}

static bool same_id(const file_id *a, const file_id *b, const char *pa, const char *pb)
{
    if (a->exists || b->exists || a->stream || b->stream)
        return a->exists && b->exists && a->st.st_dev == b->st.st_dev &&
               a->st.st_ino == b->st.st_ino;
    char *ca = canonical(pa), *cb = canonical(pb);
    bool same = ca && cb ? strcmp(ca, cb) == 0 : strcmp(pa, pb) == 0;
    free(ca);
    free(cb);
    return same;
}

bool t32_out_same_file(const char *a, const char *b)
{
    file_id ia = identify(a, true), ib = identify(b, true);
    return same_id(&ia, &ib, a, b);
}

/* Whether naming one file for both uses loses something. */
static bool clash(const t32_file_use *a, const t32_file_use *b)
{
    if (!a->path || !b->path || !(a->writes || b->writes))
        return false;
    file_id ia = identify(a->path, a->writes), ib = identify(b->path, b->writes);
    if (!same_id(&ia, &ib, a->path, b->path))
        return false;
    /* A device, a fifo or a socket is written in place: /dev/null may be
     * every output, a terminal or a pipe may be standard output. */
    if (ia.exists && !S_ISREG(ia.st.st_mode) && !S_ISDIR(ia.st.st_mode))
        return false;
    /* A regular file behind "-" or /dev/stdout is written in place too,
     * and two such outputs only add to it: `-l - -m -` appends both to one
     * log.  But written over an input (`t32as -l - h.s 1<>h.s`) it
     * overwrites what is still to be read, and under a replaced output it
     * is lost at the rename. */
    return !(a->writes && ia.stream && b->writes && ib.stream);
}

int t32_out_find_clash(const t32_file_use *uses, int n, int *earlier)
{
    for (int j = 1; j < n; j++) {
        for (int i = 0; i < j; i++) {
            if (clash(&uses[i], &uses[j])) {
                *earlier = i;
                return j;
            }
        }
    }
    return -1;
}

bool t32_out_check_uses(const t32_file_use *uses, int n, char *err, size_t errlen)
{
    int i, j = t32_out_find_clash(uses, n, &i);
    if (j < 0)
        return true;
    return fail(err, errlen, "'%s' is both %s and %s: it would be overwritten",
                uses[j].path, uses[i].what, uses[j].what);
}
