/*
 * stats.h - what the VMM counts: one list of counters, from which the
 * struct, the --stats table and the --stats-json keys are all generated.
 *
 * The performance argument for trap-and-emulate is a ratio: almost every
 * guest instruction should run *directly* on the real CPU, and the VMM should
 * see only the few that need it - the exits, counted per cause.  A new mode
 * that counts something new (patches, hypercalls) adds one line here.
 */
#ifndef VMM_STATS_H
#define VMM_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "t32.h"

/*
 * X(field, table label, shown on bare T32) - in the order of the --stats
 * table and of the JSON object.  Fields a bare machine cannot have (it has
 * no VMM: nothing is emulated, nothing exits) say `false` and are left out
 * of a bare run's table.  The exits per cause follow "exits_total" as
 * their own object.
 */
#define VMM_STATS(X)                                                            \
    X(guest_insns,     "guest instructions",      true)  /* direct + emulated */ \
    X(direct_insns,    "  run directly",          false) /* by the real CPU   */ \
    X(emulated_insns,  "  emulated by the VMM",   false) /* on virtual state  */ \
    X(idle_cycles,     "idle cycles (wfi)",       true)  /* cycles - insns    */ \
    X(exits_total,     "exits",                   false) /* traps to the VMM  */ \
    X(injected_irqs,   "interrupts",              true)  /* delivered ...     */ \
    X(irqs_in_kernel,  "  taken in kernel mode",  true)  /* ... in kernel mode */ \
    X(reflected_traps, "reflected traps",         false) /* into the guest    */ \
    X(shadow_faults,   "hidden page faults",      false) /* shadow fills      */

/* Exit and event counters (--stats, --stats-json). */
typedef struct vmm_stats {
#define VMM_STATS_FIELD(field, label, bare) uint64_t field;
    VMM_STATS(VMM_STATS_FIELD)
#undef VMM_STATS_FIELD
    uint64_t exits_by_cause[T32_CAUSE_LIMIT];
} vmm_stats;

/* sum += st, counter by counter. */
void stats_add(vmm_stats *sum, const vmm_stats *st);

/* Print the statistics as a table (--stats).  `mode` is the mode's name;
 * `vmm` false for a bare run: the rows only a VMM can have are left out. */
void stats_print(FILE *out, const char *title, const char *mode, bool vmm,
                 const vmm_stats *st);

/* Write them as JSON (--stats-json) to `out`: one object with the totals
 * over the `n` guests and, when n > 1, a "vms" array with each one's own
 * numbers.  Returns false if a write failed so far (the caller flushes
 * and checks the rest when it closes the file). */
bool stats_write_json(FILE *out, const char *mode, const vmm_stats *const *st, int n);

#endif /* VMM_STATS_H */
