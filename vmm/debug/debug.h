/*
 * debug.h - the debugger behind `trapeze debug`: gdb's words over a session
 * (vmm/session/session.h), seeing both the guest and the VMM.
 *
 * The debugger is a library of commands, one line at a time; it never reads
 * a terminal itself.  vmm/cli/debug.c puts GNU readline in front of it
 * (editing, history, completion), and the fuzz harness
 * (tests/fuzz/fuzz_debug.c) feeds it random lines.  vmm/debug/README.md
 * lists every command.
 *
 *     debugger *d = debug_new(s, stdout, 0);
 *     while (!debug_done(d) && (line = next_line()))
 *         status = debug_exec(d, line);     // 0 done, 1 an error (printed)
 *     debug_free(d);
 *
 * Everything the debugger prints is virtual (guest addresses, virtual
 * time), so a transcript is as deterministic as the run it shows.
 */
#ifndef VMM_DEBUG_DEBUG_H
#define VMM_DEBUG_DEBUG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vmm/session/session.h"

typedef struct debugger debugger;

/* A debugger over session s (open, not yet run), writing to `out`.  Keeps
 * at most `checkpoint_mem` bytes of checkpoints for reverse execution (0:
 * the default).  NULL if memory runs out. */
debugger *debug_new(session *s, FILE *out, size_t checkpoint_mem);

/* A file the front end itself reads or writes (a -x script, the command
 * history), named `what` ("a -x script"): `dot FILE` refuses it, as it
 * refuses the session's own files.  False if memory runs out. */
bool debug_protect_file(debugger *d, const char *path, const char *what);

/* Bare sessions: the --max-insns limit (VMs keep theirs in vm->limit). */
void debug_set_limit(debugger *d, uint64_t max_insns);

/* Print where the guest is (the first instruction, before it runs). */
void debug_show_start(debugger *d);

/* Where error messages say the command came from: "FILE:LINE: error: ..."
 * (file NULL: just "error: ..."). */
void debug_set_origin(debugger *d, const char *file, int line);

/* Run one command line.  A blank line repeats the last command (as gdb
 * does).  Returns 0, or 1 after printing a one-line error; a mistake
 * never changes the guest. */
int debug_exec(debugger *d, const char *line);

/* True once `quit` was given. */
bool debug_done(const debugger *d);

/* Tab completion: the `state`-th word (0, 1, ...) that completes `text`,
 * a word that begins at offset `start` of the line typed so far (`line`):
 * command names first, then - after a command - register names ($pc...),
 * symbols and `info` sub-commands.  malloc'd, NULL when there is no more. */
char *debug_complete(debugger *d, const char *line, int start, const char *text, int state);

/* Ask a running continue to stop at the next boundary (a SIGINT handler
 * may call it: it only sets flags). */
void debug_interrupt(debugger *d);

/* The status `trapeze debug` exits with, after the last command: see
 * vmm/debug/README.md ("Exit status"). */
int debug_status(const debugger *d);

/* Why writing the debugger's output failed (an errno), or 0 if it never
 * did: the front end says so, as the error of its own output. */
int debug_output_error(const debugger *d);

void debug_free(debugger *d);

#endif /* VMM_DEBUG_DEBUG_H */
