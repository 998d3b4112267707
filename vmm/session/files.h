/*
 * files.h - the host files behind a session's guests: images, disks,
 * console output and input, traces, statistics.
 */
#ifndef VMM_SESSION_FILES_H
#define VMM_SESSION_FILES_H

#include "outfile.h"
#include "vmm/session/session.h"

/* Host files opened for the guests, closed by files_close. */
typedef struct session_files {
    t32_out console[VMM_MAX_VMS];   /* console=FILE / --console FILE */
    int     in[VMM_MAX_VMS];        /* input=FILE / --input FILE (-1: none) */
    t32_out trace, itrace, stats_json;
    FILE   *console_out;            /* where consoles without a file go:
                                       stdout, or stderr when a trace or the
                                       JSON statistics have stdout */
} session_files;

void files_init(session_files *f);

/* Refuse (usage error, status 2) any file the options name twice where one
 * use writes it: an output that is also an input (image, disk, console
 * input), or another output, or a disk of two guests.  Same file = same
 * device and inode (or, for a file not yet created, the same canonical
 * path: n.txt and ./n.txt are one file).  Refuse too two data outputs on
 * standard output ("-" or /dev/stdout: --trace - --stats-json -).
 * Returns 0 or SESSION_USAGE. */
int files_check_aliases(const session_options *o);

/* Whether `path` is a file the options name, as files_check_aliases
 * compares them: true with what it is in `what` (session_names_file). */
bool files_named(const session_options *o, const char *path, char *what, size_t len);

/* Open --trace, --trace-insns and --stats-json, and choose console_out.
 * Returns 0 or an exit status after a message. */
int files_open_outputs(session_files *f, const session_options *o);

/* Give guest number `i` (of `n`) its disk and console, as `g` says.  The
 * same function serves the bare machine's devices and a VM's virtual ones -
 * they are the same device code.  Returns 0 or an exit status. */
int files_attach(session_files *f, const session_guest *g, int i, int n,
                 t32_console *con, t32_disk *disk);

/* Close everything.  With `keep` (the guests ran, whatever their end)
 * every output is committed and checked (a full disk, /dev/full), and so
 * is standard output: returns 0, or SESSION_ERROR after a message (none
 * for the console files if `console_reported`: said already).  Without
 * `keep` (the setup failed) every output is aborted: the files it would
 * have replaced keep their old contents.  Returns 0 then. */
int files_close(session_files *f, bool console_reported, bool keep);

#endif /* VMM_SESSION_FILES_H */
