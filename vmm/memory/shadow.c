/*
 * shadow.c - shadow page tables: how a guest gets paging without touching
 * the real MMU.
 *
 * THE PROBLEM.  A guest OS builds page tables and writes their root into its
 * (virtual) PTBR.  Those tables map guest virtual addresses to *guest
 * physical* ones - addresses inside the VM's own RAM, which really lives at
 * host physical [vm->base, vm->base + vm->size).  The real MMU cannot walk
 * them: their frame numbers are guest-physical, and if it did, any guest
 * could map any host frame, including another VM's memory or the VMM's.
 *
 * THE IDEA.  The VMM keeps its own tables for the real MMU, the *shadow*
 * tables, which map guest virtual straight to host physical - the
 * composition of the two maps:
 *
 *     guest virtual --(guest's tables)--> guest physical --(+ vm->base)--> host physical
 *     guest virtual --------------(shadow tables, real MMU)-------------> host physical
 *
 * Shadows are built lazily.  A fresh shadow space maps nothing, so the
 * guest's first touch of a page is a real page fault: an exit.  shadow_fault()
 * then walks the guest's own tables exactly as bare T32 hardware would
 * (ISA.md section 8).  If they allow the access, the fault was *hidden* -
 * the guest never sees it: we write the composed entry into the shadow and
 * resume.  If they forbid it, bare T32 would have trapped too, so the fault
 * is *reflected* into the guest with the cause bare T32 raises.
 *
 * WHAT THE GUEST STILL SEES OF THE HARDWARE.
 *   - A and D.  Bare T32 sets A in the guest's L2 entry on the first access
 *     and D on the first store.  The real MMU only sets them in *our*
 *     tables, so we do it for the guest: A when we fill an entry, and D by
 *     mapping a clean page read-only until the guest stores to it.  That
 *     store faults, we set D in the guest's entry and upgrade ours.
 *   - Modes.  The guest kernel runs in real user mode, so the real MMU's U
 *     bit cannot separate guest kernel from guest user.  We keep two shadow
 *     views of each guest address space instead: the kernel view maps every
 *     page the guest maps, the user view only the guest's U=1 pages.  Every
 *     shadow entry has U=1; switching modes switches views.
 *   - Paging off.  Bare T32 then has virtual = physical and no protection.
 *     The real MMU stays on (it is what confines the guest to its RAM), with
 *     an identity view of guest-physical [0, size) - still one per virtual
 *     mode, so a mode may map a page differently for the guest kernel (bt
 *     runs the kernel's fetches from a patched copy, user code the original).
 *
 * WHEN SHADOWS GO STALE.  The guest may edit its tables at any time and we
 * do not watch those writes.  We need not: ISA.md's TLB is not coherent with
 * page-table writes, so a guest cannot expect to see an edit before it runs
 * tlbflush or writes PTBR - and on those the VMM calls shadow_flush(), which
 * drops every shadow.  Until then the guest sees its old mapping, as the
 * real TLB would let it.  A stale entry can only point into the VM's own
 * RAM, because every entry was checked against vm->size when it was built.
 * (Real VMMs keep shadows across address-space switches by write-protecting
 * the guest's tables and tracing every edit; we pay a refill instead.)
 *
 * SAFETY.  Shadow tables live in VMM frames (vmm_frame_alloc), which no
 * shadow entry ever maps, so no guest can read or forge them.  A guest entry
 * that names a frame outside its RAM is a BUS_ERROR owed to the guest, as on
 * a bare T32 with that much RAM - never a mapping of someone else's memory.
 * Dropped spaces give their frames back, so flushing in a loop cannot
 * exhaust VMM memory; and when frames do run out, we drop shadows (they are
 * only a cache) and try again.
 *
 * READING ORDER.  shadow_fault() near the end is the heart; from there,
 * walk_guest() (the guest's view), shadow_pte() (the entry we build, with
 * its bit diagram) and install() (where it goes).
 */
#include <stdio.h>
#include <stdlib.h>

#include "vmm/memory/guest.h"
#include "vmm/modes/mode.h"

#define PTES_PER_TABLE  1024u                  /* 4 KiB table / 4-byte entries */
#define PTE_RWX         (T32_PTE_R | T32_PTE_W | T32_PTE_X)

/* A PTBR whose root table would lie outside any RAM (machines have at most
 * 1 GiB).  The real MMU's walk through it ends in a real BUS_ERROR, so a
 * "parked" guest comes straight back to shadow_fault without touching any
 * memory.  We park the real PTBR when no frame can be had for a root. */
#define PARKED_PTBR     (T32_PTE_FRAME | T32_PTBR_E)

/* ======================================================================
 * Reading and writing table entries
 * ====================================================================== */

/* Entry `index` of the shadow table in VMM frame `table` (host physical). */
static uint32_t shadow_read(const vmm_vm *vm, uint32_t table, uint32_t index)
{
    uint32_t entry = 0;
    vmm_invariant(t32_phys_read32(vm->vmm->m, table + 4 * index, &entry),
              "shadow tables live in RAM");
    return entry;
}

static void shadow_write(vmm_vm *vm, uint32_t table, uint32_t index, uint32_t entry)
{
    vmm_invariant(t32_phys_write32(vm->vmm->m, table + 4 * index, entry),
              "shadow tables live in RAM");
}

/* ======================================================================
 * Walking the guest's tables, as bare T32 hardware would
 * ====================================================================== */

static bool guest_in_user_mode(const vmm_vcpu *vc)
{
    return (vc->vpsr & T32_PSR_K) == 0;
}

static bool guest_paging_on(const vmm_vcpu *vc)
{
    return (vc->vsr[T32_SR_PTBR] & T32_PTBR_E) != 0;
}

/* The guest's own walk (memory/guest.c): its tables, its virtual mode. */
static t32_cause walk_guest(const vmm_vcpu *vc, uint32_t va, t32_access access,
                            t32_walk_result *w)
{
    return guest_walk(vc, va, access, w);
}

/* What the hardware does after a successful walk: A on every access, D on a
 * store, written back into the guest's L2 entry (the rule is t32_walk_mark's). */
static void mark_accessed(vmm_vm *vm, t32_walk_result *w, t32_access access)
{
    t32_ptmem mem = guest_ram(vm);
    vmm_invariant(t32_walk_mark(&mem, w, access), "a guest PTE we just read is in guest RAM");
}

/* ======================================================================
 * The shadow entry: the guest's entry, composed and tightened
 * ====================================================================== */

/*
 * A shadow L2 entry, built from a successful guest walk:
 *
 *   31                     12 11     7   6   5   4   3   2   1   0
 *  +-------------------------+--------+---+---+---+---+---+---+---+
 *  |  host frame             |   0    | D | A | U | X | W | R | V |
 *  +-------------------------+--------+---+---+---+---+---+---+---+
 *     vm->base + guest frame             1   1   1   |   |   |   1
 *                                                    |   |   guest R
 *                                                    |   guest W, only once
 *                                                    |   the guest's D is set
 *                                                    guest X
 *
 * U is always 1: the guest runs in real user mode, whatever it believes.
 * A and D are preset because the real MMU's bookkeeping in *our* tables
 * means nothing to anyone; presetting them spares it the write.  With guest
 * paging off, R, W and X are all 1 (bare T32 has no protection then).
 */
static uint32_t shadow_pte(const vmm_vm *vm, const t32_walk_result *w, t32_access access)
{
    /* LAB 05 BEGIN shadow-pte */
    uint32_t allow = PTE_RWX;
    if (w->paged) {
        allow = w->pte & PTE_RWX;
        bool dirty = (w->pte & T32_PTE_D) || access == T32_STORE;
        if (!dirty)
            allow &= ~T32_PTE_W;    /* the first store must fault: it sets D */
    }
    uint32_t host_frame = vm->base + (w->pa & T32_PTE_FRAME);
    return host_frame | allow | T32_PTE_V | T32_PTE_U | T32_PTE_A | T32_PTE_D;
    /* LAB 05 END shadow-pte */
}

/* ======================================================================
 * Shadow spaces: one real root table per (guest PTBR, view)
 * ====================================================================== */

/* The space the vCPU needs now: its PTBR and its virtual mode.  With paging
 * off the key is (0, mode): two identity spaces. */
static void vcpu_view(const vmm_vcpu *vc, uint32_t *ptbr, bool *user_view)
{
    *ptbr = guest_paging_on(vc) ? vc->vsr[T32_SR_PTBR] & (T32_PTE_FRAME | T32_PTBR_E) : 0;
    *user_view = guest_in_user_mode(vc);
}

/* Give every frame of a space back to the VMM: its L2 tables, then its
 * root.  If the real PTBR may still point at this root, forget that we
 * loaded it, so the next activation writes PTBR (and flushes the TLB). */
static void space_drop(vmm_vm *vm, shadow_space *space)
{
    if (space->root == 0)
        return;
    for (uint32_t w = 0; w < PTES_PER_TABLE / 32; w++) {
        for (uint32_t bits = space->l2_used[w]; bits != 0; bits &= bits - 1) {
            uint32_t i = 32 * w + (uint32_t)__builtin_ctz(bits);
            uint32_t l1 = shadow_read(vm, space->root, i);
            vmm_invariant(l1 & T32_PTE_V, "a used root entry points at an L2 table");
            vmm_frame_free(vm->vmm, l1 & T32_PTE_FRAME);
        }
    }
    vmm_frame_free(vm->vmm, space->root);
    if (vm->shadow.loaded == (space->root | T32_PTBR_E))
        vm->shadow.loaded = 0;
    *space = (shadow_space){ .root = 0 };
    vm->shadow.epoch++;
}

static void drop_all(vmm_vm *vm)
{
    for (int i = 0; i < SHADOW_MAX_SPACES; i++)
        space_drop(vm, &vm->shadow.spaces[i]);
}

/* Where the space for (ptbr, view) is cached, or -1. */
static int space_index(const vmm_vm *vm, uint32_t ptbr, bool user_view)
{
    for (int i = 0; i < SHADOW_MAX_SPACES; i++) {
        const shadow_space *s = &vm->shadow.spaces[i];
        if (s->root != 0 && s->guest_ptbr == ptbr && s->user_view == user_view)
            return i;
    }
    return -1;
}

/* A slot for a new space: a free one, or else the least recently used
 * space, dropped (it will be rebuilt by faults if it is ever needed). */
static shadow_space *space_slot(vmm_vm *vm)
{
    shadow_space *lru = &vm->shadow.spaces[0];
    for (int i = 0; i < SHADOW_MAX_SPACES; i++) {
        shadow_space *s = &vm->shadow.spaces[i];
        if (s->root == 0)
            return s;
        if (s->last_used < lru->last_used)
            lru = s;
    }
    space_drop(vm, lru);
    return lru;
}

/* The vCPU's current space, created empty (a zeroed root maps nothing) if
 * it is not cached.  NULL if no frame can be had for the root. */
static shadow_space *space_for_vcpu(const vmm_vcpu *vc)
{
    vmm_vm *vm = vc->vm;
    uint32_t ptbr;
    bool user_view;
    vcpu_view(vc, &ptbr, &user_view);

    shadow_space *s;
    int i = space_index(vm, ptbr, user_view);
    if (i >= 0) {
        s = &vm->shadow.spaces[i];
    } else {
        uint32_t root = vmm_frame_alloc(vm->vmm);
        if (root == 0)
            return NULL;
        s = space_slot(vm);
        *s = (shadow_space){ .guest_ptbr = ptbr, .user_view = user_view, .root = root };
    }
    s->last_used = ++vm->shadow.clock;
    return s;
}

/* Make the real MMU use the vCPU's current space.  Writing the real PTBR
 * also flushes the real TLB, which must forget the previous space; so skip
 * the write only when this VM itself loaded this very root last and it is
 * still there.  NULL if no frame can be had for the root. */
static shadow_space *space_load(const vmm_vcpu *vc, t32_cpu *cpu)
{
    vmm_vm *vm = vc->vm;
    shadow_space *s = space_for_vcpu(vc);
    if (!s)
        return NULL;
    uint32_t real_ptbr = s->root | T32_PTBR_E;
    if (vm->shadow.loaded != real_ptbr || cpu->sr[T32_SR_PTBR] != real_ptbr) {
        t32_sysreg_write(cpu, T32_SR_PTBR, real_ptbr);
        vm->shadow.loaded = real_ptbr;
    }
    return s;
}

/* ======================================================================
 * Filling an entry, and what to do when VMM frames run out
 * ====================================================================== */

/* The shadow L2 table covering `va` in `space`, allocated (zeroed: empty)
 * on first use.  0 if no frame can be had. */
static uint32_t l2_table(vmm_vm *vm, shadow_space *space, uint32_t va)
{
    uint32_t l1 = shadow_read(vm, space->root, T32_VA_L1(va));
    if (l1 & T32_PTE_V)
        return l1 & T32_PTE_FRAME;
    uint32_t table = vmm_frame_alloc(vm->vmm);
    if (table != 0) {
        shadow_write(vm, space->root, T32_VA_L1(va), table | T32_PTE_V);
        space->l2_used[T32_VA_L1(va) / 32] |= 1u << (T32_VA_L1(va) % 32);
    }
    return table;
}

/* Write one shadow entry for `va` into the vCPU's current space.  If an
 * entry was there already (a read-only mapping being upgraded for a store),
 * the real TLB may still hold the old one, so flush it.  False if a frame
 * was needed and none could be had. */
static bool install(const vmm_vcpu *vc, t32_cpu *cpu, uint32_t va, uint32_t spte)
{
    vmm_vm *vm = vc->vm;
    shadow_space *space = space_load(vc, cpu);
    if (!space)
        return false;
    uint32_t l2 = l2_table(vm, space, va);
    if (l2 == 0)
        return false;
    uint32_t old = shadow_read(vm, l2, T32_VA_L2(va));
    shadow_write(vm, l2, T32_VA_L2(va), spte);
    if (old & T32_PTE_V)
        t32_tlb_flush(cpu);
    return true;
}

/* Put the real PTBR where no memory is (see PARKED_PTBR).  Used whenever
 * the root it pointed at may just have been given away. */
static void park(vmm_vm *vm, t32_cpu *cpu)
{
    t32_sysreg_write(cpu, T32_SR_PTBR, PARKED_PTBR);
    vm->shadow.loaded = 0;
}

/* Drop the caches that hold VMM frames: vm's shadow spaces, and with
 * `mode_too` what its mode caches (bt's copies).  The other VMs are not on
 * the CPU; shadow_activate builds them a fresh root before they run again. */
static void drop_caches(vmm_vm *vm, bool mode_too)
{
    drop_all(vm);
    if (mode_too && vm->mode && vm->mode->reclaim)
        vm->mode->reclaim(vm);
}

/*
 * Out of VMM frames: shadow tables are only a cache of the guest's tables,
 * and bt's copies a cache of its scans, so give frames back - first this
 * VM's shadows, then every VM's shadows and copies (one busy guest must not
 * starve the others; VMware, too, flushed its translation cache when full).
 *
 * Why the second round must come: one instruction can need several frames
 * at once - a root, the L2 tables of its fetch and of its data, bt's copy
 * of its code page - each got by a hidden fault of its own.  If the first
 * round frees enough for one of them but not for all, the next fault of the
 * same instruction would take back what the last one got, and so on for
 * ever: a hidden fault retires nothing, so neither the turn nor --max-insns
 * would end it, and no other VM would run again.  So the rounds count per
 * instruction (the vCPU's virtual time has not moved since the last
 * reclaim): its second reclaim is the big one, and a third means that even
 * the whole pool is too small for it - out of memory, an honest status 6.
 */
bool shadow_reclaim(const vmm_vcpu *vc, t32_cpu *cpu)
{
    vmm_vm *vm = vc->vm;
    shadow_reclaims *last = &vm->shadow.reclaims;
    if (last->vc != vc || last->vcycles != vc->vcycles)
        *last = (shadow_reclaims){ .vc = vc, .vcycles = vc->vcycles };
    switch (last->count++) {
    case 0:
        drop_caches(vm, false);
        break;
    case 1:
        for (int i = 0; i < vm->vmm->nvms; i++)
            if (vm->vmm->vms[i])
                drop_caches(vm->vmm->vms[i], true);
        break;
    default:
        return false;
    }
    park(vm, cpu);
    return true;
}

/* install(), reclaiming frames between attempts. */
static bool install_reclaiming(const vmm_vcpu *vc, t32_cpu *cpu, uint32_t va, uint32_t spte)
{
    while (!install(vc, cpu, va, spte))
        if (!shadow_reclaim(vc, cpu))
            return false;
    return true;
}

/* ======================================================================
 * The interface (shadow.h)
 * ====================================================================== */

void shadow_init(vmm_vm *vm)
{
    vmm_invariant(vm->base % T32_PAGE_SIZE == 0 && vm->size % T32_PAGE_SIZE == 0,
              "guest RAM is whole pages");
    vmm_invariant(vm->size <= vm->vmm->m->memsize &&
              vm->base <= vm->vmm->m->memsize - vm->size,
              "guest RAM lies inside host RAM");
    vmm_invariant(vm->vmm->m->memsize <= (PARKED_PTBR & T32_PTE_FRAME),
              "the parked root lies outside RAM");
    vm->shadow = (vmm_shadow){ .clock = 0 };
}

void shadow_destroy(vmm_vm *vm)
{
    drop_all(vm);
}

void shadow_activate(vmm_vcpu *vc, t32_cpu *cpu)
{
    while (!space_load(vc, cpu)) {
        if (!shadow_reclaim(vc, cpu)) {
            park(vc->vm, cpu);    /* the guest's next access faults, and finds out */
            return;
        }
    }
}

/*
 * A real page fault while the guest ran.  Either the guest's own tables
 * allow the access - a hidden fault: the shadow just had no entry yet (or
 * only a read-only one, waiting for the first store to set D) - or they do
 * not, and the guest is owed the trap bare T32 would have raised.
 */
shadow_result shadow_fault(vmm_vcpu *vc, t32_cpu *cpu, uint32_t va,
                           t32_access access, t32_cause *cause)
{
    /* LAB 05 BEGIN shadow-fault */
    vmm_vm *vm = vc->vm;
    t32_walk_result w;
    *cause = walk_guest(vc, va, access, &w);
    if (*cause != T32_CAUSE_NONE)
        return SHADOW_REFLECT;

    uint32_t spte = shadow_pte(vm, &w, access);
    if (vm->mode && vm->mode->shadow_pte)
        spte = vm->mode->shadow_pte(vc, cpu, va, &w, access, spte);   /* e.g. bt's copy */
    if (spte == 0 || !install_reclaiming(vc, cpu, va, spte))
        return SHADOW_NO_MEMORY;
    mark_accessed(vm, &w, access);
    vm->stats.shadow_faults++;
    return SHADOW_FIXED;
    /* LAB 05 END shadow-fault */
}

void shadow_flush(vmm_vcpu *vc, t32_cpu *cpu)
{
    vmm_vm *vm = vc->vm;
    drop_all(vm);
    if (cpu)
        shadow_activate(vc, cpu);
}

t32_cause shadow_guest_translate(const vmm_vcpu *vc, uint32_t va,
                                 t32_access access, uint32_t *gpa)
{
    t32_walk_result w;
    t32_cause cause = walk_guest(vc, va, access, &w);
    if (cause == T32_CAUSE_NONE)
        *gpa = w.pa;
    return cause;
}

uint32_t shadow_entry(const vmm_vcpu *vc, uint32_t va)
{
    const vmm_vm *vm = vc->vm;
    uint32_t ptbr;
    bool user_view;
    vcpu_view(vc, &ptbr, &user_view);
    int i = space_index(vm, ptbr, user_view);
    if (i < 0)
        return 0;
    uint32_t l1 = shadow_read(vm, vm->shadow.spaces[i].root, T32_VA_L1(va));
    if (!(l1 & T32_PTE_V))
        return 0;
    return shadow_read(vm, l1 & T32_PTE_FRAME, T32_VA_L2(va));
}
