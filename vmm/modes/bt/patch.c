/*
 * patch.c - binary translation's code pages: scan, patch, map, invalidate.
 *
 * Every guest frame is in one of three states (bt.h):
 *
 *   UNSCANNED --(a kernel fetch)--> scan --+--> CLEAN   nothing sensitive
 *       ^                                  +--> COPY    a patched copy exists
 *       |                                        |
 *       +------- a store or a DMA write ---------+  (patches dropped)
 *
 * and shadow paging asks bt_shadow_pte() how to map a page each time it
 * fills an entry.  The answer keeps three promises:
 *
 *   1. no guest code runs in kernel mode unscanned: in the kernel view an
 *      unscanned page is never executable, so its first fetch faults, and
 *      the fault scans it;
 *   2. the guest never sees a patch: a kernel *fetch* from a patched page
 *      goes to the copy (mapped execute-only), a *load* goes to the original
 *      (mapped readable, not executable) - the two alternate if code reads
 *      its own page, each switch a hidden page fault;
 *   3. no write to a scanned page goes unnoticed: scanned pages are never
 *      writable in any view, so a store faults, and the fault drops the
 *      page's patches before letting it through (a disk transfer into the
 *      page does the same, through the memory_written operation).
 *
 * Because the copies live in VMM memory, guest RAM is never changed: it is
 * byte for byte what it would be on bare T32.
 */
#include <stdlib.h>
#include <string.h>

#include "vmm/memory/guest.h"
#include "vmm/modes/bt/bt.h"

#define PAGE       T32_PAGE_SIZE
#define WORDS      (T32_PAGE_SIZE / 4)

/* ---- the patch table --------------------------------------------------------- */

/* A free entry for the instruction at `gpa`; false if the table is full
 * (2^24 entries) or cannot grow. */
static bool new_patch(bt_state *b, uint32_t gpa, uint32_t original, uint32_t *index)
{
    for (uint32_t i = b->free_patch; i < b->npatches; i++) {
        if (b->patches[i].gpa == BT_FREE_ENTRY) {
            b->free_patch = i + 1;
            b->patches[i] = (bt_patch){ .gpa = gpa, .original = original };
            *index = i;
            return true;
        }
    }
    if (b->npatches == b->cap) {
        uint32_t cap = b->cap ? 2 * b->cap : 64;
        bt_patch *p = cap <= BT_MAX_PATCHES ? realloc(b->patches, cap * sizeof *p) : NULL;
        if (!p)
            return false;
        b->patches = p;
        b->cap = cap;
    }
    *index = b->npatches++;
    b->free_patch = b->npatches;
    b->patches[*index] = (bt_patch){ .gpa = gpa, .original = original };
    return true;
}

static void free_patch(bt_state *b, uint32_t index)
{
    b->patches[index].gpa = BT_FREE_ENTRY;
    if (index < b->free_patch)
        b->free_patch = index;
}

/* A patch word only counts where the patch is: the guest may execute the
 * same word itself (its own ILLEGAL).  So pc must translate, in the
 * kernel's view, to the patch's address - checked by a walk of the guest's
 * tables the first time, then remembered until a shadow is dropped (every
 * guest PTBR write and tlbflush drops them all).  What comes next is
 * remembered with it: whether the following word of the frame is a
 * privileged instruction, which the exit may then run on to (bt.c,
 * run_on).  That holds as long as the patch - a write into the frame drops
 * its patches - but for the pushf's own store: run_on looks again. */
const bt_patch *bt_patch_verify(const vmm_vcpu *vc, uint32_t pc, uint32_t word)
{
    const bt_state *b = bt_of(vc->vm);
    uint32_t index = BT_PATCH_INDEX(word);
    uint64_t epoch = vc->vm->shadow.epoch + 1;    /* + 1: never 0 */
    t32_walk_result w;
    if (index >= b->npatches || b->patches[index].gpa == BT_FREE_ENTRY)
        return NULL;
    bt_patch *p = &b->patches[index];
    if (guest_walk(vc, pc, T32_FETCH, &w) != T32_CAUSE_NONE || p->gpa != w.pa)
        return NULL;
    p->hit_pc = pc;
    p->then_privileged = bt_privileged_next(vc->vm, p->gpa);
    p->hit_epoch = (vc->vpsr & T32_PSR_K) ? epoch : 0;
    return p;
}

/* ---- scanning ---------------------------------------------------------------- */

/* Sensitive but not privileged: what must not run as it is (isa/opcodes.h
 * classifies every opcode; today that is pushf and popf). */
static bool sensitive(uint32_t word)
{
    return t32_ops[T32_OPC(word)].cls == T32_SENSITIVE;
}

static uint8_t *host(const vmm_vm *vm, uint32_t host_pa)
{
    return vm->vmm->m->mem + host_pa;
}

/* A frame of VMM memory for a copy; when there is none, the caches give
 * theirs back (shadow_reclaim: the shadow tables, then other copies). */
static uint32_t copy_frame(vmm_vcpu *vc, t32_cpu *cpu)
{
    uint32_t frame;
    while ((frame = vmm_frame_alloc(vc->vm->vmm)) == 0)
        if (!shadow_reclaim(vc, cpu))
            return 0;
    return frame;
}

/* Patch every sensitive instruction of guest frame `f` in a copy.  Returns
 * the copy's host frame, or 0 if VMM memory ran out. */
static uint32_t patch_copy(vmm_vcpu *vc, t32_cpu *cpu, uint32_t f, const uint32_t *words)
{
    vmm_vm *vm = vc->vm;
    bt_state *b = bt_of(vm);
    uint32_t copy = copy_frame(vc, cpu);
    if (copy == 0)
        return 0;
    uint32_t *out = (uint32_t *)(void *)host(vm, copy);
    memcpy(out, words, PAGE);
    for (uint32_t i = 0; i < WORDS; i++) {
        /* LAB 03 BEGIN bt-patch */
        uint32_t index, gpa = f * PAGE + 4 * i;
        if (!sensitive(words[i]))
            continue;
        if (!new_patch(b, gpa, words[i], &index)) {
            vmm_frame_free(vm->vmm, copy);
            return 0;
        }
        out[i] = BT_PATCH_WORD(index);
        vm->stats.bt_patches++;
        VMM_NOTIFY(vc, .kind = VMM_EV_PATCH, .pc = vc->pc, .gpa = gpa, .insn = words[i]);
        /* LAB 03 END bt-patch */
    }
    return copy;
}

/* Scan guest frame `f` before it runs in kernel mode.  False if VMM memory
 * ran out.  Scanning makes the frame read-only everywhere, so every mapping
 * that might still let the guest write it is dropped. */
static bool scan(vmm_vcpu *vc, t32_cpu *cpu, uint32_t f)
{
    vmm_vm *vm = vc->vm;
    bt_state *b = bt_of(vm);
    uint32_t words[WORDS], found = 0;
    memcpy(words, vm->mem + (size_t)f * PAGE, PAGE);   /* little-endian, like T32 */
    for (uint32_t i = 0; i < WORDS; i++)
        found += sensitive(words[i]);
    vm->stats.bt_scans++;
    VMM_NOTIFY(vc, .kind = VMM_EV_SCAN, .pc = vc->pc, .gpa = f * PAGE, .count = found);
    uint32_t state = BT_CLEAN;
    if (found > 0 && (state = patch_copy(vc, cpu, f, words)) == 0)
        return false;
    shadow_flush(vc, NULL);      /* (the vCPU takes a fresh space: bt_resume) */
    b->frames[f] = state;
    return true;
}

/* ---- mapping ------------------------------------------------------------------- */

/* The instruction at vc->pc reads or writes its own page (its own frame,
 * through whatever virtual address), which needs the
 * page mapped in a way no other instruction may see: executable, and
 * readable (a patched page, whose fetches otherwise go to the copy) or
 * writable (a page just unpatched by this very store, which must be
 * scanned again before anything else runs from it).  So it runs alone,
 * once, on that mapping - it is not sensitive: those trap from the copy
 * before they touch memory - and then every mapping is rebuilt (bt.c,
 * bt_resume). */
static uint32_t run_alone(bt_state *b, vmm_vcpu *vc, const t32_walk_result *w,
                          uint32_t spte)
{
    vc->vm->single_step = true;
    b->step_pc = vc->pc;
    b->step_tries = 0;
    if (!w->paged || (w->pte & T32_PTE_X))
        spte |= T32_PTE_X;
    return spte;
}

/* The guest frame the instruction at vc->pc comes from (UINT32_MAX if its
 * fetch would fault).  Frames, not virtual pages: a page mapped at two
 * addresses is one page to patch. */
static uint32_t pc_frame(const vmm_vcpu *vc)
{
    t32_walk_result w;
    if (guest_walk(vc, vc->pc, T32_FETCH, &w) != T32_CAUSE_NONE)
        return UINT32_MAX;
    return w.pa / PAGE;
}

uint32_t bt_shadow_pte(vmm_vcpu *vc, t32_cpu *cpu, uint32_t va, const t32_walk_result *w,
                       t32_access access, uint32_t spte)
{
    (void)va;
    /* LAB 03 BEGIN bt-map */
    vmm_vm *vm = vc->vm;
    bt_state *b = bt_of(vm);
    uint32_t f = w->pa / PAGE;
    /* The kernel's view (paging on or off: the user view is another space). */
    bool kernel_view = (vc->vpsr & T32_PSR_K) != 0;
    bool alone = vm->single_step && vc->pc == b->step_pc;
    bool own_page = kernel_view && access != T32_FETCH && !alone && pc_frame(vc) == f;

    if (access == T32_STORE && b->frames[f] != BT_UNSCANNED)
        bt_invalidate(vm, f * PAGE, PAGE, "store");     /* promise 3 */
    if (alone)
        return spte;       /* the lone instruction: the originals, as the guest maps them */
    if (b->frames[f] == BT_UNSCANNED) {
        if (own_page)
            return run_alone(b, vc, w, spte);
        if (!(kernel_view && access == T32_FETCH))
            return kernel_view ? spte & ~T32_PTE_X : spte;   /* promise 1 */
        if (!scan(vc, cpu, f))
            return 0;
    }
    spte &= ~T32_PTE_W;                                  /* promise 3 */
    uint32_t state = b->frames[f];
    if (state == BT_CLEAN || !kernel_view)
        return spte;                 /* user code runs the original, unpatched */
    if (access == T32_FETCH)                             /* promise 2: the copy */
        return state | (spte & (T32_PTE_X | T32_PTE_V | T32_PTE_U | T32_PTE_A | T32_PTE_D));
    if (own_page)
        return run_alone(b, vc, w, spte);
    return spte & ~T32_PTE_X;                            /* ... or the original */
    /* LAB 03 END bt-map */
}

/* ---- invalidating ---------------------------------------------------------------- */

/* Give back a frame's copy and its patch entries (its shadows are gone). */
static void unpatch(vmm_vm *vm, uint32_t f)
{
    bt_state *b = bt_of(vm);
    uint32_t copy = b->frames[f];
    if (copy > BT_CLEAN) {
        /* A patch word names its entry; the guest's own words with the same
         * opcode (never patched: they are not sensitive) name nothing. */
        const uint32_t *words = (const uint32_t *)(const void *)host(vm, copy);
        for (uint32_t i = 0; i < WORDS; i++) {
            uint32_t index = BT_PATCH_INDEX(words[i]);
            if (T32_OPC(words[i]) == BT_PATCH_OP && index < b->npatches &&
                b->patches[index].gpa == f * PAGE + 4 * i)
                free_patch(b, index);
        }
        vmm_frame_free(vm->vmm, copy);
    }
    b->frames[f] = BT_UNSCANNED;
}

bool bt_drop_written(vmm_vm *vm, uint32_t gpa, uint32_t len, const char *why)
{
    bt_state *b = bt_of(vm);
    if (len == 0 || gpa >= vm->size)
        return false;
    uint32_t first = gpa / PAGE;
    uint32_t last = (uint32_t)(((uint64_t)gpa + len - 1) / PAGE);
    if (last >= b->nframes)
        last = b->nframes - 1;
    bool any = false;
    for (uint32_t f = first; f <= last; f++)
        any |= b->frames[f] != BT_UNSCANNED;
    if (!any)
        return false;
    /* No shadow entry may outlive the copy it maps: drop them all first.
     * The vCPU on the CPU loads a fresh space before it resumes. */
    shadow_destroy(vm);
    for (uint32_t f = first; f <= last; f++) {
        if (b->frames[f] == BT_UNSCANNED)
            continue;
        unpatch(vm, f);
        vm->stats.bt_invalidations++;
        VMM_NOTIFY(&vm->vcpus[0], .kind = VMM_EV_UNPATCH, .pc = vm->vcpus[0].pc, .gpa = f * PAGE, .why = why);
    }
    return true;
}

void bt_forget(vmm_vm *vm, bool keep_executing)
{
    bt_state *b = bt_of(vm);
    uint32_t executing[VMM_MAX_VCPUS];
    int n = keep_executing ? vm->nvcpus : 0;
    for (int i = 0; i < n; i++)
        executing[i] = pc_frame(&vm->vcpus[i]);
    for (uint32_t f = 0; f < b->nframes; f++) {
        bool keep = b->frames[f] == BT_UNSCANNED;
        for (int i = 0; i < n && !keep; i++)
            keep = executing[i] == f;
        if (!keep)
            unpatch(vm, f);
    }
}
