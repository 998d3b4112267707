/*
 * debug.c - `trapeze debug`: the debugger REPL (vmm/debug/) behind GNU
 * readline.
 *
 *   trapeze debug [RUN OPTIONS] [-x FILE] [--batch] [--checkpoint-mem SIZE] IMAGE
 *
 * The guest is built exactly as `trapeze run` builds it (the session
 * library) and stops before its first instruction.  Commands come from
 * each -x FILE first, in the order given (as gdb runs them), then from the
 * terminal through readline (line editing, history in ~/.trapeze_history
 * or $TRAPEZE_HISTORY, tab completion), or, with --batch or when stdin is
 * not a terminal, from stdin without a prompt.
 * Only this file knows readline: the debugger itself is a library of
 * commands (vmm/debug/debug.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "outfile.h"
#include "vmm/cli/commands.h"
#include "vmm/debug/debug.h"
#include "vmm/session/session.h"

typedef struct debug_opts {
    const char **scripts;    /* each -x FILE, in order (room for argc) */
    FILE       **files;      /* ... each opened before the session starts */
    int         nscripts;
    bool        batch;
    size_t      checkpoint_mem;
} debug_opts;

static debugger *active;    /* for the SIGINT handler and completion */

static void print_help(void)
{
    fputs("usage: trapeze debug [OPTIONS] IMAGE\n"
          "       trapeze debug [OPTIONS] --vm IMAGE[,disk=F][,console=F][,input=F] ...\n"
          "\n"
          "Debug a T32 guest - and the VMM under it - with gdb's commands.  The guest\n"
          "stops before its first instruction; type `help` at the prompt.\n"
          "\n"
          "debugger options:\n"
          "  -x FILE              run the commands in FILE first (repeatable: each\n"
          "                       file in the order given)\n"
          "  --batch              read commands from stdin, without a prompt, and exit at\n"
          "                       its end (the guest's console input is then /dev/null\n"
          "                       unless --input says otherwise)\n"
          "  --checkpoint-mem SIZE  memory for reverse execution's checkpoints (bytes,\n"
          "                       or with K, M, G; default 256M)\n"
          "\n"
          "run options (as for trapeze run):\n", stdout);
    fputs(session_options_help, stdout);
    fputs("  -h, --help           show this help\n"
          "\n"
          "exit status:\n"
          "  0  every command succeeded\n"
          "  1  a command failed (its error was printed), or a file could not be used\n"
          "  2  bad command line\n"
          "History: ~/.trapeze_history ($TRAPEZE_HISTORY overrides).  vmm/debug/README.md\n"
          "describes every command.\n", stdout);
}

static bool parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    unsigned long long mul = *end == 'K' ? 1ull << 10 : *end == 'M' ? 1ull << 20
                           : *end == 'G' ? 1ull << 30 : 1;
    if (mul > 1)
        end++;
    if (errno || end == s || *end || s[0] == '-' || v == 0 || v > (1ull << 40) / mul)
        return false;
    *out = (size_t)(v * mul);
    return true;
}

static int extra_option(void *ctx, int argc, char **argv, int *i)
{
    debug_opts *o = ctx;
    const char *a = argv[*i];
    if (strcmp(a, "--batch") == 0) {
        o->batch = true;
        return 0;
    }
    bool x = strcmp(a, "-x") == 0, mem = strcmp(a, "--checkpoint-mem") == 0;
    if (!x && !mem)
        return -1;
    if (*i + 1 >= argc)
        return session_usage_error("debug", "%s needs a value", a);
    const char *val = argv[++*i];
    if (x)
        o->scripts[o->nscripts++] = val;
    else if (!parse_size(val, &o->checkpoint_mem))
        return session_usage_error("debug", "bad size '%s' for --checkpoint-mem", val);
    return 0;
}

/* Commands from a stream, without a prompt; FILE:LINE in errors.  A line
 * is read into a bounded buffer: a longer one is cut there (debug_exec
 * reports it as too long), so input without newlines costs no memory; a
 * line of more than a mebibyte ends the stream (no command script has one,
 * /dev/zero does).  A line may end in CRLF (a script saved on Windows).  A NUL byte, which no command contains, reads as a
 * space.  False if the stream could not be read or is not text. */
static bool run_stream(debugger *d, FILE *f, const char *name)
{
    char line[1100];           /* more than debug_exec accepts: it reports */
    int n = 0, c = 0;
    while (!debug_done(d) && c != EOF) {
        size_t len = 0;
        long total = 0;
        while ((c = getc(f)) != EOF && c != '\n') {
            if (len < sizeof line - 1)
                line[len++] = c == '\0' ? ' ' : (char)c;
            if (++total > (1L << 20)) {
                fprintf(stderr, "%s:%d: error: a line of more than a mebibyte: not a "
                        "command script\n", name, n + 1);
                return false;
            }
        }
        if (c == EOF && total == 0)
            break;             /* the end, after the last newline */
        if (len > 0 && (long)len == total && line[len - 1] == '\r')
            len--;             /* a CRLF file: the \r is no part of the command */
        line[len] = '\0';
        debug_set_origin(d, name, ++n);
        debug_exec(d, line);
    }
    if (ferror(f)) {
        fprintf(stderr, "%s: error: cannot read it: %s\n", name, strerror(errno));
        return false;
    }
    return true;
}

/* Open every -x script before anything starts, so that a mistyped name
 * is told at once, not after the guest's first stop.  (t32_in_open: a
 * fifo that no process writes reads as empty after a short wait, instead
 * of holding the debugger in open() for ever.) */
static bool open_scripts(debug_opts *dopt)
{
    for (int i = 0; i < dopt->nscripts; i++) {
        dopt->files[i] = t32_in_open(dopt->scripts[i]);
        struct stat st;
        const char *why = !dopt->files[i] ? strerror(errno)
                        : fstat(fileno(dopt->files[i]), &st) == 0 && S_ISDIR(st.st_mode)
                        ? "it is a folder" : NULL;
        if (why) {
            fprintf(stderr, "trapeze debug: error: cannot read the script %s (-x): %s\n",
                    dopt->scripts[i], why);
            return false;
        }
    }
    return true;
}

/* ---- the interactive REPL ---------------------------------------------------------------------- */

static void on_sigint(int sig)
{
    (void)sig;
    if (active)
        debug_interrupt(active);
}

static char *complete_word(const char *text, int state)
{
    return debug_complete(active, rl_line_buffer, rl_point - (int)strlen(text), text, state);
}

static char **complete(const char *text, int start, int end)
{
    (void)start, (void)end;
    rl_attempted_completion_over = 1;   /* no file names */
    return rl_completion_matches(text, complete_word);
}

static const char *history_path(char *buf, size_t len)
{
    const char *env = getenv("TRAPEZE_HISTORY");
    const char *home = getenv("HOME");
    if (env && *env)
        return env;
    if (!home)
        return NULL;
    snprintf(buf, len, "%s/.trapeze_history", home);
    return buf;
}

static void repl(debugger *d)
{
    char pathbuf[4096];
    const char *hist = history_path(pathbuf, sizeof pathbuf);
    rl_readline_name = "trapeze";
    rl_attempted_completion_function = complete;
    rl_basic_word_break_characters = " \t\n*+(,";
    using_history();
    stifle_history(1000);
    if (hist)
        read_history(hist);
    debug_set_origin(d, NULL, 0);
    char *line;
    while (!debug_done(d) && (line = readline("(trapeze) ")) != NULL) {
        if (*line)
            add_history(line);
        debug_exec(d, line);
        free(line);
    }
    if (!debug_done(d))
        printf("quit\n");
    /* readline replaces the file through a temporary and a rename, which
     * needs only the folder's permission: a history file this user may not
     * write is left as it is, as a shell's `>` would leave it. */
    if (!hist)
        return;
    int err = access(hist, F_OK) != 0 || access(hist, W_OK) == 0 ? write_history(hist) : EACCES;
    if (err)
        fprintf(stderr, "trapeze debug: warning: the command history was not saved to %s: %s\n",
                hist, strerror(err));
}

/* The session, its debugger, and the commands: scripts, then the
 * terminal or stdin. */
static int debug_main(debug_opts *dopt, int argc, char **argv)
{
    session_options o;
    session *s = NULL;
    int rc = session_parse(&o, argc, argv, "debug", extra_option, dopt);
    if (rc)
        return rc;
    if (!open_scripts(dopt))
        return SESSION_ERROR;
    if (dopt->batch && o.nguests > 0 && !o.guests[0].input)
        o.guests[0].input = "/dev/null";   /* stdin holds the commands */
    rc = session_open(&s, &o);
    if (rc)
        return session_close(s, rc);
    debugger *d = debug_new(s, stdout, dopt->checkpoint_mem);
    if (!d) {
        fprintf(stderr, "trapeze debug: error: out of memory\n");
        return session_close(s, SESSION_ERROR);
    }
    debug_set_limit(d, o.max_insns);
    /* The debugger's `dot FILE` must not write over its own scripts or
     * history, as it must not write over the session's files. */
    char histbuf[4096];
    const char *hist = history_path(histbuf, sizeof histbuf);
    bool protected = !hist || debug_protect_file(d, hist, "the command history");
    for (int i = 0; protected && i < dopt->nscripts; i++)
        protected = debug_protect_file(d, dopt->scripts[i], "a -x script");
    if (!protected) {
        fprintf(stderr, "trapeze debug: error: out of memory\n");
        debug_free(d);
        return session_close(s, SESSION_ERROR);
    }
    active = d;
    struct sigaction sa = { .sa_handler = on_sigint };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);

    bool interactive = !dopt->batch && isatty(STDIN_FILENO);
    if (interactive)
        printf("Trapeze debugger: the guest stops before its first instruction; type `help`.\n");
    debug_show_start(d);
    /* A failing command stops neither its script nor the next; a script
     * that cannot be read ends the session, as it does alone. */
    bool ok = true;
    for (int i = 0; ok && i < dopt->nscripts && !debug_done(d); i++)
        ok = run_stream(d, dopt->files[i], dopt->scripts[i]);
    if (ok && !debug_done(d)) {
        if (interactive)
            repl(d);
        else
            ok = run_stream(d, stdin, "<stdin>");
    }
    int status = ok ? debug_status(d) : SESSION_ERROR;
    int out_error = debug_output_error(d);
    if (fflush(stdout) != 0 && out_error == 0)
        out_error = errno ? errno : EIO;
    if (out_error) {
        /* Said here, with its reason; cleared so that the guest console,
         * which may share stdout, is not blamed for it as an "I/O error". */
        fprintf(stderr, "trapeze debug: error: cannot write the debugger's output: %s\n",
                strerror(out_error));
        clearerr(stdout);
        status = SESSION_ERROR;
    }
    debug_free(d);
    active = NULL;
    int stats = session_write_stats(s);   /* --stats, --stats-json: of the end state */
    return session_close(s, status ? status : stats);
}

int cmd_debug(int argc, char **argv)
{
    if (session_asks_help(argc, argv)) {      /* before `--`: after it, a file name */
        print_help();
        return 0;
    }
    debug_opts dopt = { .scripts = calloc((size_t)argc, sizeof(char *)),
                        .files = calloc((size_t)argc, sizeof(FILE *)) };
    int rc = SESSION_ERROR;
    if (dopt.scripts && dopt.files)
        rc = debug_main(&dopt, argc, argv);
    else
        fprintf(stderr, "trapeze debug: error: out of memory\n");
    for (int i = 0; i < dopt.nscripts && dopt.files; i++)
        if (dopt.files[i])
            fclose(dopt.files[i]);
    free(dopt.scripts);
    free(dopt.files);
    return rc;
}
