/*
 * shadow.h - shadow page tables: guest virtual -> host physical.
 *
 * The guest builds page tables that map guest virtual to guest physical
 * addresses.  The real MMU cannot use them: their frames are guest-physical,
 * and they would let the guest map any memory.  So the VMM keeps *shadow*
 * tables for the real MMU, built lazily from the guest's tables on hidden
 * page faults and composed with the VM's guest-physical -> host-physical map.
 *
 * Two shadow views per guest address space: one for the guest's virtual
 * kernel mode (every page the guest maps), one for its virtual user mode
 * (only the guest's U=1 pages) - both run in real user mode, so every shadow
 * PTE has U=1 and the view is how guest-kernel pages stay hidden from guest
 * user code.  When the guest runs with paging off, both views are the
 * identity map of its guest-physical memory (a mode may still map a page
 * differently in the kernel's: bt's patched copies).
 */
#ifndef VMM_SHADOW_H
#define VMM_SHADOW_H

#include <stdbool.h>
#include <stdint.h>

#include "t32.h"

struct vmm_vm;
struct vmm_vcpu;

#define SHADOW_MAX_SPACES 32   /* cached shadow spaces per VM, both views counted */

/* One shadow address space: a real root table for one (guest PTBR, view). */
typedef struct shadow_space {
    uint32_t guest_ptbr;       /* the guest's PTBR value this shadows (with E) */
    bool     user_view;        /* true: guest user mode; false: guest kernel */
    uint32_t root;             /* host-physical frame of the real L1 table; 0 = unused */
    /* Which root entries point at an L2 table (bit i of word i/32 = entry
     * i), so dropping a space frees its tables without reading all 1024
     * root entries: a guest context switch drops every space. */
    uint32_t l2_used[1024 / 32];
    uint64_t last_used;        /* vmm_shadow.clock when last activated (LRU) */
} shadow_space;

/* The instruction that last ran out of VMM frames (shadow_reclaim): its
 * vCPU and its virtual time (which does not move until it completes: a
 * hidden fault costs nothing), and how often it has so far. */
typedef struct shadow_reclaims {
    const struct vmm_vcpu *vc;
    uint64_t       vcycles;
    int            count;
} shadow_reclaims;

/* Per-VM shadow state. */
typedef struct vmm_shadow {
    shadow_space spaces[SHADOW_MAX_SPACES];
    uint64_t     clock;        /* counts activations: the LRU's notion of time */
    uint32_t     loaded;       /* root | E this VM last put in the real PTBR; 0 = none */
    uint64_t     epoch;        /* counts the spaces dropped: a translation a mode
                                  remembers (bt's verified patch sites) holds
                                  until it changes */
    shadow_reclaims reclaims;
} vmm_shadow;

/* What the VMM should do about a real page fault taken while the guest ran. */
typedef enum shadow_result {
    SHADOW_FIXED,              /* hidden fault: shadow filled, just resume     */
    SHADOW_REFLECT,            /* the guest's own tables forbid it: reflect    */
    SHADOW_NO_MEMORY           /* no VMM frame left even after every cache gave
                                  its frames back: stop this VM with an error  */
} shadow_result;

/* Set up a VM's shadow state (empty: nothing allocated yet).  vm->vmm,
 * base and size must be set; guest RAM is whole pages inside host RAM. */
void shadow_init(struct vmm_vm *vm);

/* True if no space of the VM is on the real CPU: none was loaded yet, or
 * the one loaded has been dropped since (a flush, a reclaim, a mode that
 * dropped them behind the CPU's back - bt's scans and invalidations).  The
 * vCPU must take a fresh one (shadow_activate) before it runs again. */
static inline bool shadow_none_loaded(const vmm_shadow *shadow)
{
    return shadow->loaded == 0;
}

/* Drop every shadow space of the VM, giving all their frames back.  (Like
 * shadow_flush(vm, NULL); also what a VMM must do when it replaces a VM's
 * memory or vCPU wholesale, e.g. on snapshot restore or migration.) */
void shadow_destroy(struct vmm_vm *vm);

/* Point the real CPU's PTBR at the shadow root for the vCPU's current
 * virtual PTBR and virtual mode, creating the (empty) space if needed.
 * Call it before every run of the vCPU on the real CPU and after every change
 * of virtual mode (it is cheap when nothing changed); never save and restore
 * the real PTBR yourself.  If no VMM frame can be had for a root table, the
 * real PTBR is "parked" on a root outside RAM: the guest's next access ends
 * in a real BUS_ERROR, which goes to shadow_fault like any other fault. */
void shadow_activate(struct vmm_vcpu *vc, t32_cpu *cpu);
/* Out of VMM frames while the vCPU's current instruction needs one: give
 * frames back from the caches (shadow spaces, a mode's own: bt's copies),
 * a little, then all of them.  False if even all of them were not enough
 * for this one instruction: the VMM is out of memory.  `cpu` is the real
 * CPU the vCPU is on. */
bool shadow_reclaim(const struct vmm_vcpu *vc, t32_cpu *cpu);

/* Handle a real FETCH/LOAD/STORE fault (or BUS_ERROR) at guest virtual `va`;
 * `access` is what the faulting instruction was doing (for a BUS_ERROR: a
 * fetch if no instruction word was fetched, else its load or store).
 * Walks the guest's tables as the hardware would in the vCPU's virtual mode;
 * on success fills the shadow entry (maintaining the guest's A/D bits),
 * counts vm->stats.shadow_faults and returns SHADOW_FIXED: resume, and the
 * instruction is retried.  Otherwise returns SHADOW_REFLECT with *cause set
 * to the trap bare T32 would have raised (FETCH/LOAD/STORE_FAULT or
 * BUS_ERROR), or SHADOW_NO_MEMORY if no frame could be had for the entry.
 * A real MISALIGNED is not a shadow matter: the caller reflects it. */
shadow_result shadow_fault(struct vmm_vcpu *vc, t32_cpu *cpu, uint32_t va,
                           t32_access access, t32_cause *cause);

/* The guest executed tlbflush or wrote PTBR: drop every shadow (ISA.md's TLB
 * rule says the guest cannot expect to see its table edits before this),
 * giving all their frames back, then activate a fresh space for the vCPU's
 * current PTBR and mode on `cpu` (which also flushes the real TLB).  With
 * cpu = NULL (the VM is not on a CPU) only the dropping is done. */
void shadow_flush(struct vmm_vcpu *vc, t32_cpu *cpu);

/* Translate a guest virtual address the way the guest's own tables do, in
 * the vCPU's virtual mode (for instruction emulation and the debugger):
 * T32_CAUSE_NONE and *gpa, or the fault bare T32 would raise.  No side
 * effects: A and D are not set, no shadow is touched. */
t32_cause shadow_guest_translate(const struct vmm_vcpu *vc, uint32_t va,
                                 t32_access access, uint32_t *gpa);

/* The shadow L2 entry the real MMU would use for guest virtual `va` in the
 * vCPU's current view (host frame | permissions), or 0 if the shadow maps
 * nothing there yet.  Read-only: for tests, the debugger and Graphviz. */
uint32_t shadow_entry(const struct vmm_vcpu *vc, uint32_t va);

#endif /* VMM_SHADOW_H */
