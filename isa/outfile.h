/*
 * outfile.h - output files that are never left half-written.
 *
 * Every Trapeze command that writes a file (t32as's image, listing and
 * map, t32dis's source, t32mkdisk's disk, trapeze's statistics, traces
 * and console transcripts) opens it with t32_out_open, writes with stdio
 * on o.f, and ends with exactly one of t32_out_commit or t32_out_abort.
 * What a path means:
 *
 *   "-"                      standard output; commit flushes it
 *   /dev/stdout (1),         the descriptor already open, written where
 *   /dev/stderr (2),         it stands: at its position, in its append
 *   /dev/stdin (0),          mode (`-o /dev/stdout >>log` appends); never
 *   /dev/fd/N,               truncated, renamed over or replaced, whatever
 *   /proc/self/fd/N          file is behind it.  1 and 2 are written
 *                            through stdout and stderr.  However spelled
 *                            (/dev/../dev/fd/1), or through a symbolic link
 *   a device, fifo, socket   written directly (/dev/null, a pipe): never
 *                            removed, renamed or replaced
 *   a directory              an error
 *   a regular file, or a     written to a temporary file in the same
 *   name not yet used        directory; commit renames it over the path
 *                            (atomically: readers see the old file or the
 *                            new one, never a mix); abort removes the
 *                            temporary, so a failed run leaves the old
 *                            file as it was, or no file
 *
 * A symbolic link is followed: the file it names is the one replaced.
 * A regular file this user may not write (read-only, another user's) is
 * refused - "cannot write: Permission denied" - as `>` refuses it, though
 * the rename would need only the folder's permission.  A file with no
 * write permission bit at all is refused even to root, who could write it.
 * A replaced file keeps its permission bits; a new one gets 0666 less the
 * umask, as fopen would give it.
 *
 * Write errors are sticky in stdio, so callers need not check every
 * fprintf: commit flushes, checks ferror and fclose, and reports the first
 * problem (a full disk, /dev/full) as a message, with its reason if the
 * failure was at commit or was noted when it happened (t32_out_note_error).
 * Messages are lower case, without the file name (the caller prints
 * "PATH: error: MESSAGE").
 *
 *     t32_out o;
 *     char err[256];
 *     if (!t32_out_open(&o, path, err, sizeof err)) {
 *         fprintf(stderr, "%s: error: %s\n", path, err);
 *         return 1;
 *     }
 *     fprintf(o.f, ...);
 *     if (failed) {
 *         t32_out_abort(&o);
 *     } else if (!t32_out_commit(&o, err, sizeof err)) {
 *         fprintf(stderr, "%s: error: %s\n", path, err);
 *         return 1;
 *     }
 *
 * A process killed between open and commit leaves its temporary behind
 * (named .NAME.PID.N.tmp next to NAME); the target itself is still whole.
 * A process that catches the signal can remove them first: it calls
 * t32_out_cleanup_on_signals once at the start (trapeze, t32as, t32dis and
 * t32mkdisk do: SIGHUP, SIGINT, SIGPIPE and SIGTERM), or a handler of its
 * own calls t32_out_unlink_temporaries.
 *
 * No file may be named twice where one use writes it - `t32as -o h.s h.s`
 * would replace the source by the image.  Before opening anything a tool
 * lists the files it reads and writes and calls t32_out_check_uses.
 */
#ifndef T32_OUTFILE_H
#define T32_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>

typedef enum t32_out_kind {
    T32_OUT_CLOSED,      /* after commit or abort (or a failed open) */
    T32_OUT_STDOUT,      /* "-", or descriptor 1 or 2 by name: stdout or
                            stderr, flushed but never closed */
    T32_OUT_DIRECT,      /* an existing device, fifo or socket */
    T32_OUT_REPLACE      /* a temporary file renamed over the target */
} t32_out_kind;

typedef struct t32_out {
    FILE *f;             /* write here */
    t32_out_kind kind;
    char *target;        /* T32_OUT_REPLACE: the path to rename over (links resolved) */
    char *tmp;           /* T32_OUT_REPLACE: the temporary being written */
    int   error;         /* errno of the first failed write, once noted
                            (t32_out_note_error); 0: none noted */
} t32_out;

/* Open `path` for writing as described above.  On failure returns false
 * with a message in err, and o->f is NULL. */
bool t32_out_open(t32_out *o, const char *path, char *err, size_t errlen);

/* Finish: flush and close (standard output is flushed, not closed), then
 * for a replaced file rename the temporary over the target.  Returns false
 * with a message if any write failed; then nothing was renamed (the
 * temporary is removed).  The t32_out is closed either way. */
bool t32_out_commit(t32_out *o, char *err, size_t errlen);

/* The first half of a commit: flush and close (a write that fails shows
 * here), without renaming.  A program with several outputs finishes them
 * all before it commits any, so that a failed write of one leaves the
 * others as they were too.  On failure (a message in err) the temporary
 * is removed and the t32_out closed; otherwise commit or abort follows. */
bool t32_out_finish(t32_out *o, char *err, size_t errlen);

/* A build that failed on its input (t32as on a program with errors,
 * t32mkdisk on a bad program) leaves no old program behind to be run as if
 * it were new: the file at `path` is removed if it is a regular file that
 * starts with `magic` (4 bytes: T32I for an image, T32D for a disk) - so
 * an old output of the same tool, never a file of anything else that a
 * mistyped -o named, and never a link, a device, a fifo, a directory or
 * standard output.  Call it after t32_out_abort. */
void t32_out_remove_stale(const char *path, const char magic[4]);

/* stdio keeps only the fact that a write failed, not why: by commit time
 * errno is long gone and the message would say just "write failed".  A
 * writer that goes on after a failure (a trace, line after line) calls
 * this right after each write: the first failure's errno is kept in
 * o->error, and commit's message gives it ("write failed: No space left
 * on device"). */
void t32_out_note_error(t32_out *o);

/* Flush standard output after a program printed to it directly (its
 * --help): true if everything went out; else false, with *why the reason
 * ("" when stdio kept none: a write failed before the flush). */
bool t32_out_flush_stdout(const char **why);

/* The same, told on stderr for a tool - "PROG: standard output: error:
 * write failed: REASON" - since a program's help must not vanish with
 * status 0. */
bool t32_out_stdout_flushed(const char *prog);

/* Is st a regular file with no write permission bit at all?  Root may
 * write anything, but such a file is someone's way of saying "keep this":
 * no output replaces it and no disk image is written through it, to root
 * either. */
bool t32_out_write_protected(const struct stat *st);

/* Give up: close without committing.  A temporary is removed; the target
 * is untouched.  Harmless on a closed t32_out. */
void t32_out_abort(t32_out *o);

/* Remove every temporary not yet committed or aborted, and nothing else.
 * Async-signal-safe (it only calls unlink): for a signal handler that is
 * about to end the process.  The t32_outs themselves are left as they are. */
void t32_out_unlink_temporaries(void);

/* Catch SIGHUP, SIGINT, SIGPIPE and SIGTERM (each one not ignored from
 * the start): remove the temporaries, then die of the same signal, so the
 * shell still sees status 128 + signal.  Call once, early in main. */
void t32_out_cleanup_on_signals(void);

/* Whether `path` is standard output as an output names it: "-", or
 * descriptor 1 however spelled (/dev/stdout, /dev/fd/1, a link to one).
 * A program that prints on stdout itself checks this before it mixes its
 * own text into an output's data. */
bool t32_out_is_stdout(const char *path);
/* Does path name standard error (/dev/stderr, /dev/fd/2, ...)? */
bool t32_out_is_stderr(const char *path);

/* Make sure descriptors 0, 1 and 2 are open: any that is closed gets
 * /dev/null, opened for reading only.  Otherwise the first file a tool
 * opens takes number 1 (`trapeze run --trace t.txt hello.img >&-`) and
 * whatever it prints on stdout lands in that file.  Writes to a
 * descriptor filled this way still fail, as they did on the closed one,
 * so the tool still reports them.  Call once, first thing in main. */
void t32_out_keep_std_descriptors(void);

/* Open, write len bytes, commit: a whole file in one call. */
bool t32_out_write_file(const char *path, const void *bytes, size_t len,
                        char *err, size_t errlen);

/* ---- opening an input ---- */

/* fopen(path, "rb") for an input that may be anything - but a fifo that no
 * process writes is not waited for past a short grace (2 s): it then reads
 * as empty (its end), instead of blocking the tool for ever in open().  A
 * fifo with a writer is read as it arrives, as before.  NULL with errno
 * set if it cannot be opened.  (An output fifo without a reader gets the
 * same grace in t32_out_open, then is refused.) */
FILE *t32_in_open(const char *path);

/* The same, as a descriptor (blocking, close-on-exec), for a reader that
 * reads with read() and poll(): -1 with errno set if it cannot be opened. */
int t32_in_open_fd(const char *path);

/* ---- a file named twice ---- */

/* One file a command line names. */
typedef struct t32_file_use {
    const char *path;    /* NULL: not given, skipped; "-": standard output */
    const char *what;    /* for the message: "the source", "the map (-m)" */
    bool        writes;  /* an output (or a disk written through) */
} t32_file_use;

/* Whether two paths name one file: the same device and inode when they
 * exist ("-" and /dev/stdout and the like: the descriptor's file); for
 * files not made yet, the same canonical path (the directory resolved by
 * realpath, then the name), so n.txt and ./n.txt are one file. */
bool t32_out_same_file(const char *a, const char *b);

/* The first pair of uses (earlier < returned index) that name one file
 * where at least one use writes it, or -1.  An output "-" or /dev/stdout
 * is the file open on descriptor 1, so `-l - h.s 1<>h.s` clashes with the
 * input h.s.  Not a clash: a device, fifo or socket (/dev/null may be
 * every output, a terminal or pipe standard output), and a regular file
 * written only in place through "-" or a descriptor name by every use
 * (-l - -m -). */
int t32_out_find_clash(const t32_file_use *uses, int n, int *earlier);

/* t32_out_find_clash as a message: false with "'PATH' is both WHAT and
 * WHAT: it would be overwritten" in err if a pair clashes. */
bool t32_out_check_uses(const t32_file_use *uses, int n, char *err, size_t errlen);

#endif /* T32_OUTFILE_H */
