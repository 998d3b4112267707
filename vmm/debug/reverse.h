/*
 * reverse.h - going back in time by checkpoints and deterministic
 * re-execution.
 *
 * A run cannot be executed backwards: an instruction forgets what it
 * overwrote.  But it can be executed forwards *again*: T32 is deterministic
 * (state/checkpoint.h), so from a checkpoint taken at cycle C the guest
 * retraces exactly the same instructions.  To be at cycle T < now:
 *
 *     restore the latest checkpoint at or before T, run forward to T.
 *
 * The cost of a step back is the distance to the checkpoint before it, so
 * checkpoints are taken at a regular interval of virtual time.  Their
 * memory is bounded: when the next one would pass the bound, every other
 * checkpoint is dropped and the interval doubles (old history gets coarser,
 * never lost entirely; the first checkpoint is always kept).
 *
 * "Time" is the virtual time of one VM (vmm_vm_time: vCPU 0's cycles, whichever
 * vCPU the debugger has selected: it refuses to step back on another) or,
 * for a bare session, CPU 0's cycle count; `vm` is ignored there.  With
 * several VMs a step back moves VM `vm` only: the others are brought back
 * to exactly where they were (VMs share nothing, so each one's run
 * depends on its own state alone).
 *
 * A change by hand (the debugger's set or mode) cuts the history: the
 * guest never ran with the change before it, so a step back goes down to
 * the change and no further (reverse_cut).
 */
#ifndef VMM_DEBUG_REVERSE_H
#define VMM_DEBUG_REVERSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/session/session.h"

#define REVERSE_DEFAULT_MEM      (256u << 20)  /* bytes of checkpoints (--checkpoint-mem) */
#define REVERSE_DEFAULT_INTERVAL 1000000u      /* cycles between two checkpoints */
#define REVERSE_RUN_CYCLES_PER_BYTE 2u         /* ... at least, while running (reverse_tick) */

typedef struct reverse reverse;

/* Keep checkpoints of session s: one every `interval` cycles of VM `vm`'s
 * time, thinned (every other one dropped) when they would exceed max_bytes
 * (default 256 MiB, --checkpoint-mem).  Takes the first checkpoint now.
 * 0 for either means the default.  NULL if memory runs out. */
reverse *reverse_new(session *s, size_t max_bytes, uint64_t interval);

/* The debugger calls this whenever the guest stops at a boundary (after
 * every continue/step): it takes a checkpoint if the interval has passed. */
void reverse_note(reverse *r);

/* The time (VM 0's, or the bare CPU's) at which reverse_note would take
 * the next checkpoint. */
uint64_t reverse_due(const reverse *r);

/* While the guest runs a long stretch (continue, si N, finish ...): called
 * at the pauses the run makes anyway - after each scheduler round, each
 * chunk of a bare run, each step - it takes a checkpoint when the run has
 * gone on long enough since the last one, so that a step back after a
 * long run replays a stretch of it, not all of it.  Long enough is the
 * interval, but at least REVERSE_RUN_CYCLES_PER_BYTE cycles per byte a
 * checkpoint holds: copying the guest's RAM then costs the run a few per
 * cent (a 16 MiB guest: one every 32 Mi cycles).  Taking a checkpoint only
 * reads the session, and the run makes the same pauses without it: the
 * guest does exactly what it would have done. */
void reverse_tick(reverse *r);

/* The guest's state was just changed by hand (the debugger wrote a
 * register or memory, or switched a VM's mode): every checkpoint but the
 * start belongs to a history without the change - drop them, and take one
 * now, the floor no step back goes past. */
void     reverse_cut(reverse *r);

/* After a cut: true, with VM vm's time at the floor in *cycle. */
bool     reverse_cut_at(const reverse *r, int vm, uint64_t *cycle);

/* Back to the start (the first checkpoint, always kept), every VM.  After
 * a cut the other checkpoints are dropped: the start had no change.  False
 * if the restore failed. */
bool     reverse_restart(reverse *r);

/* Go to exactly virtual time `cycle` of VM `vm` (at an instruction
 * boundary): restore the latest checkpoint at or before it, run forward to
 * it; the other VMs stay where they are.  False if before the first
 * checkpoint or the floor (or the guest ended before reaching `cycle`). */
bool reverse_goto(reverse *r, int vm, uint64_t cycle);

/* Which boundary of a re-run interval a search's hit() is asked about. */
typedef enum reverse_ask {
    REVERSE_FIRST,      /* the first after a restore: nothing before it was seen
                           (no event, no earlier value to compare with) */
    REVERSE_NEXT,       /* one after it */
    REVERSE_LAST        /* an older interval's last, the newer one's first: asked
                           already, but only now with the step into it seen - tell
                           what that step did (events, changed values) only */
} reverse_ask;

/* What hit() says of it. */
typedef enum reverse_hit {
    REVERSE_NO,         /* nothing here */
    REVERSE_HERE,       /* a hit: stop at this boundary */
    REVERSE_BEFORE      /* the step that led here did it (a watched word changed,
                           by a store or by a DMA): stop at the boundary before */
} reverse_hit;

/* The latest time < `before` at which `hit(ctx, ask)` says a breakpoint,
 * watchpoint or VMM event hit: re-executes checkpoint intervals backwards,
 * newest first, calling hit() before every instruction of vCPU 0 (as the
 * run loop is about to run it: an interrupt due there already delivered;
 * registers, pc and memory are the guest's at that point; the observer
 * stays attached, so VMM events reach it).  On a bare machine hit() is
 * asked at every cycle boundary.  True with *found set, and the session
 * left at that point; false (the session back where it was) if nothing hit
 * since the first checkpoint or the floor (for reverse-continue). */
bool reverse_find(reverse *r, int vm, uint64_t before,
                  reverse_hit (*hit)(void *ctx, reverse_ask ask), void *ctx, uint64_t *found);

/* Bytes of checkpoints held now, and how many. */
size_t reverse_bytes(const reverse *r);
int    reverse_count(const reverse *r);

/* Free the checkpoints (the session is untouched).  NULL is fine. */
void reverse_free(reverse *r);

#endif /* VMM_DEBUG_REVERSE_H */
