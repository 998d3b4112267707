/*
 * session.h - the library under every front end: from run options to a
 * machine with its guests, files attached, run, and an exit status.
 *
 * `trapeze run` is this in four calls, and the sub-commands that run guests
 * (debug, compare, dot) build on the same ones; audit only reads an image
 * and uses the helpers (session_usage_error, session_describe_pc):
 *
 *     session_options o;
 *     int rc = session_parse(&o, argc, argv, "run", NULL, NULL);  // argv -> options
 *     session *s;
 *     if (rc == 0) rc = session_open(&s, &o);   // images, VMs, disks, consoles
 *     if (rc == 0) rc = session_run(s);         // run to the end, report
 *     rc = session_close(s, rc);                // close files, check writes
 *
 * A session is either a bare T32 machine (--mode bare: no VMM, the guest is
 * the kernel) or a VMM with one VM per guest (every other mode).  The front
 * end never needs to know which: both end in the same outcomes, statuses,
 * statistics and messages.
 *
 * Exit statuses (also in `trapeze run --help` and vmm/README.md):
 *   0  every guest halted             3  instruction limit (--max-insns) hit
 *   1  a file could not be used       4  a trap escaped (kernel mode, tvec 0)
 *   2  bad command line               5  a guest waits for an interrupt that
 *                                        can never come (wfi, nothing armed)
 *                                     6  the VMM ran out of its own memory
 *                                     7  the VMM is stuck (its own bug: run/exit.c)
 *                                   130  interrupted (Ctrl-C: session_catch_interrupt)
 * A write that failed (an output, stdout, a disk image) is status 1 whatever
 * the guests' ends: what the run produced is not all there.
 */
#ifndef VMM_SESSION_H
#define VMM_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "outfile.h"
#include "vmm/vmm.h"

enum {
    SESSION_HALT = 0,
    SESSION_ERROR = 1,
    SESSION_USAGE = 2,
    SESSION_LIMIT = 3,
    SESSION_ESCAPE = 4,
    SESSION_IDLE = 5,
    SESSION_NO_MEMORY = 6,
    SESSION_STUCK = 7,
    SESSION_INTERRUPTED = 130    /* 128 + SIGINT, as the shell reports a Ctrl-C */
};

#define SESSION_MAX_SWITCHES 16

/* One guest to run: what --vm (or the positional IMAGE) describes. */
typedef struct session_guest {
    const char *image;
    const char *disk;      /* NULL: no disk */
    const char *console;   /* NULL: stdout (prefixed when several VMs) */
    const char *input;     /* NULL: stdin for the first guest, none for others */
} session_guest;

/* Everything `trapeze run` (and every command that runs guests) is asked. */
typedef struct session_options {
    const char   *cmd;         /* the command, for messages: "run" (NULL: none) */
    const char   *image;       /* the positional IMAGE (NULL: only --vm) */
    vmm_mode      mode;
    bool          mode_given;  /* --mode or --bare appeared */
    session_guest guests[VMM_MAX_VMS];
    int           nguests;
    session_guest positional;  /* --disk, --console, --input: for the positional IMAGE */
    uint32_t      mem;         /* bytes of (guest-)physical memory per guest */
    uint64_t      max_insns;   /* 0 = no limit */
    uint32_t      quantum;
    int           vcpus;       /* vCPUs per VM */
    bool          stats;
    const char   *stats_json;
    const char   *trace;       /* --trace FILE ("-": stdout) */
    const char   *trace_insns; /* --trace-insns FILE ("-": stdout) */
    struct session_switch {    /* --switch-mode CYCLES:MODE, in time order (as
                                  given: several at one cycle, one after another) */
        uint64_t at;           /* the VM's virtual time (cycles) */
        vmm_mode mode;
    } switches[SESSION_MAX_SWITCHES];
    int           nswitches;
    const char   *output;      /* a front end's own output file (dot's graph, "-"
                                  for stdout): checked with the files, and data on
                                  stdout; the front end writes it */
} session_options;

/* A front end's own options: called for each argument session_parse does
 * not know, at argv[*i].  Returns -1 if it is not one of them either, else
 * 0 (taken; *i moved past any value) or an exit status. */
typedef int session_extra_option(void *ctx, int argc, char **argv, int *i);

/* The options every command that runs guests shares (`trapeze run --help`
 * lists them), one per line, for a command's own --help. */
extern const char session_options_help[];

/* Parse argv[1..argc) into *o; after "--" every argument is an IMAGE.
 * `cmd` names the command in messages ("trapeze CMD: error: ..."), those
 * of session_open included.  Returns 0, or SESSION_USAGE after printing
 * the mistake. */
int session_parse(session_options *o, int argc, char **argv, const char *cmd,
                  session_extra_option *extra, void *ctx);

/* A usage error of command `cmd` (NULL: trapeze itself): print
 * "trapeze CMD: error: MESSAGE" and the --help hint; returns SESSION_USAGE. */
int session_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Whether argv[1..argc) asks for --help (or -h) among its options: before
 * a "--", after which every argument is an IMAGE. */
bool session_asks_help(int argc, char **argv);

/* A decimal number that fits in 64 bits: digits only, no sign, no wrap. */
bool session_parse_u64(const char *s, uint64_t *out);
/* A size: decimal, with an optional K or M suffix (powers of two), at most
 * max bytes. */
bool session_parse_size(const char *s, uint64_t max, uint64_t *out);

/* Whether everything written to standard output got there (a full disk,
 * /dev/full, a closed pipe): flush it; 0, or SESSION_ERROR after
 * "trapeze CMD: error: writing standard output failed: REASON". */
int session_check_stdout(const char *cmd);

typedef struct session session;

/* Build what the options describe: read the images, create the machine or
 * the VMM and its VMs, attach disks, consoles, input, traces.  Returns 0
 * with *s set, or an exit status after a message (*s may still need
 * session_close). */
int session_open(session **s, const session_options *o);

/* Run every guest to its end; print a message for every end but a halt,
 * the statistics if asked; returns the exit status (the first guest, in
 * --vm order, that did not halt decides). */
int session_run(session *s);

/* session_run, but a guest still running at virtual time `at` (0: no such
 * time) stops there - as if paused, with no message - and the statistics
 * are those of that moment (trapeze dot --at). */
int session_run_to(session *s, uint64_t at);

/* Make Ctrl-C (SIGINT) stop the run instead of killing trapeze: every
 * guest still running ends at the next boundary the front end looks at (a
 * round of turns, a batch of bare T32) with VMM_END_INTERRUPTED, its
 * message and status 130, and the outputs and statistics are written as at
 * any other end - the trace of a guest stuck in a loop is what its user
 * wants.  A second Ctrl-C kills trapeze as before (temporary outputs
 * removed, isa/outfile.h), and so does the first while bare T32 waits in
 * an `in` for typed input (no boundary to stop at).  Nothing changes if SIGINT was ignored from the
 * start (a background job's).  `run` asks for it; session_close undoes it. */
void session_catch_interrupt(session *s);

/* --switch-mode, for a front end that runs the VMs its own way (the
 * debugger), as session_run does it: make every switch
 * of VM vm that its virtual time has reached and that is not made yet;
 * returns the time of its next one (0: none left), where the front end
 * pauses it (vm->pause_at) to call this again.  Called at every stop, a
 * state the front end shows has made every switch up to its time. */
uint64_t session_switch_modes(session *s, vmm_vm *vm);

/* VM vm was put back to an earlier state (a checkpoint of reverse
 * execution, which holds its mode): the switches still to make are those
 * after its time now - a state had made every switch up to its time. */
void session_switch_rewind(session *s, vmm_vm *vm);

/* For a front end that runs the guests its own way, a little at a time
 * (the debugger):
 *   session_bare_run    bare T32 to cycle `limit` (0: none) or, with
 *                       `stopped`, a breakpoint (vmm_watch): counted in
 *                       the statistics, and told to --trace and
 *                       --trace-insns if `told` (not when re-running a
 *                       stretch already told: reverse execution);
 *   session_bare_stats  those statistics (NULL under a VMM, whose VMs keep
 *                       their own), for a checkpoint to keep and put back;
 *   session_write_stats --stats and --stats-json, as session_run writes
 *                       them at its end, of the guests as they are now;
 *                       0 or SESSION_ERROR. */
vmm_outcome session_bare_run(session *s, uint64_t limit, bool *stopped, bool told);
vmm_stats  *session_bare_stats(session *s);
int         session_write_stats(session *s);

/* The hint for a run that goes on and on: with `on`, if stderr is a
 * terminal, say after 10 s of host time ($TRAPEZE_HINT_SECONDS) that the
 * run is still going and how to stop it; with !on, cancel it.  session_run
 * does this itself; a front end that runs guests its own way (compare)
 * calls it around its runs. */
void session_hint(bool on);

/* Close every file (a write error is a message and status 1 if `status`
 * was 0) and free everything.  Returns the final status.  After a
 * session_open that failed, the outputs are aborted, not committed: a run
 * that never started leaves every file it would have written as it was. */
int session_close(session *s, int status);

/* What a front end may look at.  session_vmm is NULL for a bare session;
 * session_machine is the bare machine, or the VMM's. */
vmm         *session_vmm(session *s);
t32_machine *session_machine(session *s);
const t32_image *session_image(session *s, int i);

/* Whether `path` is one of the files the session was opened with (an
 * image, a disk, a console, a trace ...): true, with what it is ("the
 * disk", "vm1's console") in `what`.  A file written later - the
 * debugger's `dot FILE` - must not replace any of them. */
bool session_names_file(session *s, const char *path, char *what, size_t len);

/* The exit status for an outcome, and its one-line message on stderr
 * (nothing for a halt).  `who` is "" or "vmN: ". */
int session_report(const char *who, const t32_image *img, const vmm_outcome *out);

/* "0x00001010 <main+0x10>": an address with the symbol from `img` when it
 * has one (img may be NULL). */
void session_describe_pc(char *buf, size_t len, const t32_image *img, uint32_t pc);

#endif /* VMM_SESSION_H */
