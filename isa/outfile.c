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
#define _XOPEN_SOURCE 700   /* realpath() */

#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

static void reset(t32_out *o)
{
    forget(o->tmp);
    free(o->target);
    free(o->tmp);
    *o = (t32_out){ .kind = T32_OUT_CLOSED };
}

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
    struct stat st;
    bool exists = stat(path, &st) == 0;
    if (!exists && errno != ENOENT)
        return fail(err, errlen, "cannot write: %s", strerror(errno));
    if (exists && S_ISDIR(st.st_mode))
        return fail(err, errlen, "is a directory");
    if (exists && !S_ISREG(st.st_mode)) {
        o->f = fopen(path, "wb");
        if (!o->f)
            return fail(err, errlen, "cannot open: %s", strerror(errno));
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
        e = errno;
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

bool t32_out_commit(t32_out *o, char *err, size_t errlen)
{
    if (o->kind == T32_OUT_CLOSED)
        return fail(err, errlen, "not open");
    bool ok = finish_writes(o, err, errlen);
    if (ok && o->kind == T32_OUT_REPLACE && rename(o->tmp, o->target) != 0)
        ok = fail(err, errlen, "cannot replace it: %s", strerror(errno));
    if (!ok && o->kind == T32_OUT_REPLACE)
        unlink(o->tmp);
    reset(o);
    return ok;
}

void t32_out_abort(t32_out *o)
{
    if (o->kind == T32_OUT_STDOUT)
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
