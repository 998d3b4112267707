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
 * X(field, table label, where the table shows it) - in the order of the
 * --stats table and of the JSON object (which always has every field).
 *   STATS_ALL     every run, bare T32 too
 *   STATS_VMM     runs under a VMM (a bare machine has none: nothing is
 *                 emulated, nothing exits)
 *   STATS_BT,     a mode's own counters: in a run that ended in that
 *   STATS_PV      mode, zero or not (a student looks for them there),
 *                 and in any other only when not zero (after a
 *                 --switch-mode)
 * The exits per cause follow "exits_total" as their own object.
 */
#define STATS_ALL    0
#define STATS_VMM    1
#define STATS_BT     2
#define STATS_PV     3
#define VMM_STATS(X)                                                                   \
    X(guest_insns,      "guest instructions",       STATS_ALL)    /* direct + emulated */ \
    X(direct_insns,     "  run directly",           STATS_VMM)    /* by the real CPU   */ \
    X(emulated_insns,   "  emulated by the VMM",    STATS_VMM)    /* on virtual state  */ \
    X(idle_cycles,      "idle cycles (wfi)",        STATS_ALL)    /* cycles - insns    */ \
    X(exits_total,      "exits",                    STATS_VMM)    /* traps to the VMM  */ \
    X(injected_irqs,    "interrupts",               STATS_ALL)    /* delivered ...     */ \
    X(irqs_in_kernel,   "  taken in kernel mode",   STATS_ALL)    /* ... in kernel mode */ \
    X(reflected_traps,  "reflected traps",          STATS_VMM)    /* into the guest    */ \
    X(shadow_faults,    "hidden page faults",       STATS_VMM)    /* shadow fills      */ \
    X(bt_scans,         "pages scanned (bt)",       STATS_BT)     /* before kernel use */ \
    X(bt_patches,       "instructions patched",     STATS_BT)     /* in the copies     */ \
    X(bt_patch_exits,   "patch exits",              STATS_BT)     /* patched ran       */ \
    X(bt_run_on,        "  privileged run on",      STATS_BT)     /* in the same exit  */ \
    X(bt_invalidations, "patched pages written",    STATS_BT)     /* patches dropped   */ \
    X(hypercalls,       "hypercalls",               STATS_PV)     /* --mode pv         */

/* Where the VMM sent an exit.  Each exit takes exactly one route, so for
 * each cause the routes add up to exits_by_cause (`dot exits` draws them
 * as the edges cause -> handler). */
typedef enum vmm_exit_route {
    VMM_TO_EMULATE,   /* run/emulate.c: the guest kernel's privileged insn */
    VMM_TO_REFLECT,   /* run/reflect.c: the guest's own trap, delivered   */
    VMM_TO_HIDDEN,    /* memory/shadow.c: a hidden fault, entry filled    */
    VMM_TO_PATCH,     /* modes/bt: a patched pushf or popf                */
    VMM_TO_HCALL,     /* modes/pv: a hypercall                            */
    VMM_TO_STOP,      /* no VMM frame left for the shadow: the VM stops   */
    VMM_EXIT_ROUTES
} vmm_exit_route;

/* Hypercall numbers counted one by one (modes/pv/pv.h has 1..10). */
#define VMM_STATS_HCALLS 16

/* Exit and event counters (--stats, --stats-json). */
typedef struct vmm_stats {
#define VMM_STATS_FIELD(field, label, shown) uint64_t field;
    VMM_STATS(VMM_STATS_FIELD)
#undef VMM_STATS_FIELD
    uint64_t exits_by_cause[T32_CAUSE_LIMIT];
    uint64_t exits_by_route[VMM_EXIT_ROUTES][T32_CAUSE_LIMIT];   /* of those */
    /* pv: `hypercalls` by number (a larger number counts in the total
     * only), for the debugger's info hypercalls.  Kept with the other
     * counters, so a checkpoint (reverse execution, `run`) puts them back
     * with the state they describe. */
    uint64_t hypercalls_by_number[VMM_STATS_HCALLS];
} vmm_stats;

/* sum += st, counter by counter. */
void stats_add(vmm_stats *sum, const vmm_stats *st);

/* Print the statistics as a table (--stats).  `mode` is the name of the
 * mode the run ended in, perhaps followed by "; " and how it got there; it
 * decides which mode's own rows show at zero.  `vmm` false for a bare run:
 * the rows only a VMM can have are left out. */
void stats_print(FILE *out, const char *title, const char *mode, bool vmm,
                 const vmm_stats *st);

/* Write them as JSON (--stats-json) to `out`: one object with the totals
 * over the `n` guests and, when n > 1, a "vms" array with each one's own
 * numbers.  modes[i] is the mode guest i ended in (after --switch-mode it
 * need not be the one it started in); the totals' "mode" is `mode` (the
 * caller's: "mixed" when the guests ended in different modes).  Returns
 * false if a write failed so far (the caller flushes and checks the rest
 * when it closes the file). */
bool stats_write_json(FILE *out, const char *mode, const char *const *modes,
                      const vmm_stats *const *st, int n);

/* Write `s` as a JSON string, quoted, to `out`.  Every byte that is not
 * printable ASCII is written as \u00XX: a file name or symbol from the
 * host need not be UTF-8, and a raw byte would make the JSON invalid.
 * Every JSON string trapeze writes goes through here. */
void stats_json_string(FILE *out, const char *s);

#endif /* VMM_STATS_H */
