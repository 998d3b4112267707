/*
 * checkpoint.h - the whole state of a session, in memory.
 *
 * T32 is deterministic: the timer counts instructions, console input is
 * read only when the guest asks for it, a disk transfer completes at a
 * fixed virtual time.  So the state listed below is everything the future
 * of a run depends on.  Put it back and run again, and the guest retraces
 * the same instructions, prints the same bytes and reaches the same state.
 * Reverse stepping (vmm/debug/reverse.h) is built on that.
 *
 * A checkpoint holds, for a bare session, the machine (isa's
 * t32_snapshot_take: CPUs, RAM, device registers, disk contents) and, for a
 * session under the VMM, every VM's:
 *   - guest-physical RAM;
 *   - vCPUs (registers, virtual PSR and system registers, virtual time and
 *     timer, pending lines, and the paravirtual fields pv_*);
 *   - virtual devices: the console's input position (every byte the guest
 *     has been given stays in the console's memory so it can be given again)
 *     and CON_CTRL, the disk's registers, transfer in flight and contents;
 *   - mode, the mode's own state, statistics and outcome.
 * What a checkpoint does not hold: host attachments (the output FILE, the
 * input fd, the disk's backing file), debugger breakpoints, and caches -
 * shadow page tables, bt's patched copies, the real CPUs' TLBs and
 * registers.  A cache is dropped on restore and rebuilt as the guest runs;
 * no guest can tell an empty cache from a full one.
 *
 * Console output already written to a FILE cannot be taken back: after a
 * restore the guest writes the same bytes again.
 */
#ifndef VMM_STATE_CHECKPOINT_H
#define VMM_STATE_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>

#include "vmm/session/session.h"

typedef struct checkpoint checkpoint;

/* Everything a run depends on: bare machine (t32_snapshot_take) or every
 * VM: guest RAM, vCPUs, virtual devices (console input position, disk
 * contents and registers), mode and mode state, statistics; shadow tables
 * and bt copies are caches: dropped on restore and rebuilt.  Take it at an
 * instruction boundary (between two calls of the run loop).  NULL if memory
 * runs out. */
checkpoint *checkpoint_take(session *s);

/* Put session s back into exactly the state of c (taken from s itself).
 * False, with s unchanged, if c does not fit s; false too if memory runs
 * out for a mode's state (that VM then ends with VMM_END_NO_MEMORY).
 * Front-end settings stay as they are: vm->pause_at, vm->limit, v->stop,
 * observers, hooks and breakpoints. */
bool checkpoint_restore(session *s, const checkpoint *c);

/* Host memory the checkpoint holds, in bytes (for a memory bound). */
size_t checkpoint_bytes(const checkpoint *c);

/* Free it (NULL is fine). */
void checkpoint_free(checkpoint *c);

#endif /* VMM_STATE_CHECKPOINT_H */
