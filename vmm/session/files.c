/*
 * files.c - the host files behind a session's guests.
 *
 * A guest's devices are backed by host files: the disk by an image file
 * (read into memory and written through, see isa/disk.c), the console by
 * stdout/stdin or by files.  Output files are opened with t32_out
 * (isa/outfile.h): a failed or interrupted run never leaves half a file,
 * a device such as /dev/null is written, never replaced, and every write
 * error is reported at the end.
 *
 * Nothing may be lost by naming one file twice: a console file that is
 * also a disk image would truncate the disk, two VMs with one console file
 * would overwrite each other's lines.  files_check_aliases refuses every
 * such command line before anything is opened.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/report/trace.h"
#include "vmm/session/files.h"

void files_init(session_files *f)
{
    memset(f, 0, sizeof *f);
    f->console_out = stdout;
    for (int i = 0; i < VMM_MAX_VMS; i++)
        f->in[i] = -1;
}

/* ---- aliases ---------------------------------------------------------------- */

/* The files the command line names, and what for ("vm1's console"). */
#define MAX_USES (VMM_MAX_VMS * 4 + 4)

typedef struct uses {
    t32_file_use u[MAX_USES];
    char         what[MAX_USES][48];
    int          n;
} uses;

/* "-" as an output is standard output (t32_file_use); an input of that
 * name is just a file, opened as named. */
static void add_use(uses *us, const char *path, bool writes, const char *fmt, int i)
{
    if (!path || (!writes && strcmp(path, "-") == 0))
        return;
    snprintf(us->what[us->n], sizeof us->what[us->n], fmt, i);
    us->u[us->n] = (t32_file_use){ path, us->what[us->n], writes };
    us->n++;
}

static void collect_uses(const session_options *o, uses *us)
{
    bool many = o->nguests > 1;
    us->n = 0;
    for (int i = 0; i < o->nguests; i++) {
        const session_guest *g = &o->guests[i];
        add_use(us, g->image, false, many ? "vm%d's image" : "the image", i);
        add_use(us, g->disk, true, many ? "vm%d's disk" : "the disk", i);
        add_use(us, g->input, false, many ? "vm%d's input" : "the input", i);
        add_use(us, g->console, true, many ? "vm%d's console" : "the console", i);
    }
    add_use(us, o->trace, true, "--trace", 0);
    add_use(us, o->trace_insns, true, "--trace-insns", 0);
    add_use(us, o->stats_json, true, "--stats-json", 0);
    add_use(us, o->output, true, "-o", 0);
}

/* The data outputs a run may write to standard output (a trace, JSON, a
 * front end's own -o such as dot's graph), with their options' names. */
#define NDATA 4
static void data_outputs(const session_options *o, const char *outs[NDATA],
                         const char *names[NDATA])
{
    const char *const n[NDATA] = { "--trace", "--trace-insns", "--stats-json", "the graph (-o)" };
    const char *const p[NDATA] = { o->trace, o->trace_insns, o->stats_json, o->output };
    for (int i = 0; i < NDATA; i++) {
        outs[i] = p[i];
        names[i] = n[i];
    }
}

/* Does standard output carry data?  Then it must stay parseable. */
static bool data_on_stdout(const session_options *o)
{
    const char *outs[NDATA], *names[NDATA];
    data_outputs(o, outs, names);
    for (int i = 0; i < NDATA; i++)
        if (t32_out_is_stdout(outs[i]))
            return true;
    return false;
}

/* Standard output carries one data stream at most: a trace and JSON
 * interleaved there would be neither.  Nor may a console named as standard
 * output (--console -) join a data stream there: a console without a name
 * moves to standard error (files_open_outputs), one named there cannot.
 * Returns 0 or SESSION_USAGE. */
static int check_stdout(const session_options *o)
{
    const char *outs[NDATA], *names[NDATA];
    data_outputs(o, outs, names);
    const char *first = NULL;
    for (int i = 0; i < NDATA; i++) {
        if (!t32_out_is_stdout(outs[i]))
            continue;
        if (first)
            return session_usage_error(o->cmd, "%s and %s cannot both write to standard "
                                       "output (it would mix them)", first, names[i]);
        first = names[i];
    }
    for (int i = 0; first && i < o->nguests; i++)
        if (t32_out_is_stdout(o->guests[i].console))
            return session_usage_error(o->cmd, "%s and %s cannot both write to standard "
                                       "output (it would mix them; a console not named "
                                       "goes to standard error)", first,
                                       o->nguests > 1 ? "a VM's console" : "the console");
    /* VMs with no console file share the terminal, each line behind its
     * "[vmN] " (and standard error is trapeze's own): a console named
     * standard output or error next to another VM's there would put a
     * guest's raw bytes among their lines, mid-line, free to pose as one. */
    int on_terminal = 0;
    for (int i = 0; i < o->nguests; i++) {
        const char *c = o->guests[i].console;
        on_terminal += !c || t32_out_is_stdout(c) || t32_out_is_stderr(c);
    }
    for (int i = 0; on_terminal > 1 && i < o->nguests; i++) {
        const char *c = o->guests[i].console;
        if (t32_out_is_stdout(c) || t32_out_is_stderr(c))
            return session_usage_error(o->cmd, "vm%d's console=%s: the VMs without a console "
                                       "file share the terminal, each line behind [vmN] "
                                       "(standard error is trapeze's): name a file, or "
                                       "leave console= out", i, c);
    }
    return 0;
}

/* Same file: same device and inode, or for a file not made yet the same
 * directory and name however spelled (t32_out_find_clash, isa/outfile.h;
 * n.txt and ./n.txt are one console file). */
int files_check_aliases(const session_options *o)
{
    uses us;
    int rc = check_stdout(o);
    if (rc)
        return rc;
    collect_uses(o, &us);
    int i, j = t32_out_find_clash(us.u, us.n, &i);
    if (j < 0)
        return 0;
    if (strstr(us.what[i], "disk") && strstr(us.what[j], "disk"))
        return session_usage_error(o->cmd, "two VMs cannot share the disk image "
                                   "'%s' (each would write its own copy to it)",
                                   us.u[j].path);
    return session_usage_error(o->cmd, "'%s' is both %s and %s: it would be "
                               "overwritten", us.u[j].path, us.what[i], us.what[j]);
}

bool files_named(const session_options *o, const char *path, char *what, size_t len)
{
    uses us;
    collect_uses(o, &us);
    for (int i = 0; i < us.n; i++) {
        if (t32_out_same_file(us.u[i].path, path)) {
            snprintf(what, len, "%s", us.what[i]);
            return true;
        }
    }
    return false;
}

/* ---- opening ------------------------------------------------------------------ */

static int open_output(t32_out *out, const char *path)
{
    char err[256];
    if (!path)
        return 0;
    if (t32_out_open(out, path, err, sizeof err))
        return 0;
    fprintf(stderr, "%s: error: %s\n", path, err);
    return SESSION_ERROR;
}

int files_open_outputs(session_files *f, const session_options *o)
{
    /* Structured data on stdout (a trace, JSON, a graph) must stay
     * parseable: a guest's console lines mixed into it would break every
     * reader, so the consoles that have no file of their own move to
     * stderr.  "-" and /dev/stdout are one stream. */
    if (data_on_stdout(o))
        f->console_out = stderr;
    int rc = open_output(&f->trace, o->trace);
    if (rc == 0 && f->trace.f)
        trace_header(f->trace.f);
    if (rc == 0)
        rc = open_output(&f->itrace, o->trace_insns);
    if (rc == 0 && f->itrace.f)
        fprintf(f->itrace.f, "# %-4s %10s %8s K IE %8s %s\n", "vm", "cycle", "pc", "word",
                "instruction");
    if (rc == 0)
        rc = open_output(&f->stats_json, o->stats_json);
    return rc;
}

static int file_error(const char *path, const char *msg)
{
    fprintf(stderr, "%s: error: %s\n", path, msg);
    return SESSION_ERROR;
}

int files_attach(session_files *f, const session_guest *g, int i, int n,
                 t32_console *con, t32_disk *disk)
{
    const char *err = NULL;
    if (g->disk && !t32_disk_open(disk, g->disk, &err))
        return file_error(g->disk, err ? err : "cannot use this disk image");
    if (g->console) {
        int rc = open_output(&f->console[i], g->console);
        if (rc)
            return rc;
        con->out = f->console[i].f;
    } else if (n > 1) {
        con->out = NULL;   /* collected, then printed with a [vmN] prefix */
    } else {
        con->out = f->console_out;
    }
    if (g->input) {
        /* (A fifo that no process writes reads as ended after a short
         * grace, as every tool's input does, instead of holding the run
         * in open() for ever: isa/outfile.h.) */
        f->in[i] = t32_in_open_fd(g->input);
        if (f->in[i] < 0) {
            char why[160];
            snprintf(why, sizeof why, "cannot open: %s", strerror(errno));
            return file_error(g->input, why);
        }
        /* A directory opens fine and then reads as nothing at all: the
         * guest would see an empty input without a word of warning. */
        struct stat st;
        if (fstat(f->in[i], &st) == 0 && S_ISDIR(st.st_mode))
            return file_error(g->input, "is a directory");
        con->in_fd = f->in[i];
    } else if (i > 0) {
        t32_console_set_input(con, NULL, 0);   /* only the first VM reads stdin */
    }
    return 0;
}

/* ---- closing ------------------------------------------------------------------ */

static int commit(t32_out *out, const char *what)
{
    char err[256];
    if (out->kind == T32_OUT_CLOSED || t32_out_commit(out, err, sizeof err))
        return 0;
    if (what)
        fprintf(stderr, "trapeze: error: %s: %s\n", what, err);
    return SESSION_ERROR;
}

/* A setup that failed wrote nothing a reader should take as a result: a
 * trace header without a run, empty statistics.  Each output is dropped,
 * and the file it would have replaced stays as it was (isa/outfile.h). */
static void abort_all(session_files *f)
{
    for (int i = 0; i < VMM_MAX_VMS; i++) {
        t32_out_abort(&f->console[i]);
        if (f->in[i] >= 0)
            close(f->in[i]);
        f->in[i] = -1;
    }
    t32_out_abort(&f->trace);
    t32_out_abort(&f->itrace);
    t32_out_abort(&f->stats_json);
    fflush(stdout);
}

int files_close(session_files *f, bool console_reported, bool keep)
{
    int status = 0;
    if (!keep) {
        abort_all(f);
        return 0;
    }
    for (int i = 0; i < VMM_MAX_VMS; i++) {
        status |= commit(&f->console[i], console_reported ? NULL : "console output");
        if (f->in[i] >= 0)
            close(f->in[i]);
    }
    status |= commit(&f->trace, "--trace");
    status |= commit(&f->itrace, "--trace-insns");
    status |= commit(&f->stats_json, "--stats-json");
    errno = 0;
    if ((fflush(stdout) != 0 || ferror(stdout)) && !console_reported) {
        fprintf(stderr, "trapeze: error: writing standard output: %s\n",
                errno ? strerror(errno) : "write failed");
        status = SESSION_ERROR;
    }
    return status ? SESSION_ERROR : 0;
}
