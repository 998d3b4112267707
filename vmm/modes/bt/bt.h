/*
 * bt.h - binary translation's per-VM state, shared by the files of
 * modes/bt/ (bt.c: the mode and its exits; patch.c: scanning, patching and
 * invalidating code pages).  See bt.c for the whole picture.
 */
#ifndef VMM_BT_H
#define VMM_BT_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/modes/mode.h"

/* A patched instruction's word: an opcode no T32 CPU decodes (so the real
 * CPU traps ILLEGAL on it, in host-kernel configuration: an exit) and, in
 * the low 24 bits, the index of its entry in the VM's patch table. */
#define BT_PATCH_OP        0xFFu
#define BT_PATCH_WORD(i)   ((BT_PATCH_OP << 24) | (uint32_t)(i))
#define BT_PATCH_INDEX(w)  ((w) & 0x00ffffffu)
#define BT_MAX_PATCHES     (1u << 24)
#define BT_FREE_ENTRY      UINT32_MAX    /* bt_patch.gpa of an unused entry */

/* What binary translation knows of a guest frame (one per page of RAM). */
#define BT_UNSCANNED 0u    /* never run in kernel mode, or written since    */
#define BT_CLEAN     1u    /* scanned: nothing sensitive, runs as it is     */
                           /* else: the host frame of its patched copy      */

/* One patched instruction: where it is and what it was - and the guest
 * virtual address its last exit came from, while that translation holds
 * (no shadow dropped since: vm->shadow.epoch), so a patch exit in a loop
 * need not walk the guest's tables each time. */
typedef struct bt_patch {
    uint32_t gpa;          /* guest-physical address; BT_FREE_ENTRY: unused */
    uint32_t original;     /* the instruction word the guest wrote           */
    uint32_t hit_pc;       /* verified at this pc ...                        */
    bool     then_privileged; /* ... where the next word, in the same frame,
                              was privileged: the exit may run on (bt.c;
                              run_on looks again, the pushf may have
                              stored over it) */
    uint64_t hit_epoch;    /* ... in shadow epoch hit_epoch - 1 (0: never)   */
} bt_patch;

typedef struct bt_state {
    uint32_t *frames;      /* per guest frame: BT_UNSCANNED, BT_CLEAN or a copy */
    uint32_t  nframes;
    bt_patch *patches;     /* the patch table; a patch word names an index */
    uint32_t  npatches, cap;
    uint32_t  free_patch;  /* an index to try first for a new entry */
    /* A kernel instruction in a patched page that loads from that same
     * page needs both views of it at once: it runs alone, once, on the
     * original mapped readable and executable (bt.c, bt_resume).  While
     * it is armed, vm->single_step is set; once it has run (pc moved on)
     * the mappings are restored. */
    uint32_t  step_pc;     /* the lone instruction's pc */
    int       step_tries;  /* resumes at step_pc while armed: its own
                              fetch or a second access may fault first */
} bt_state;

static inline bt_state *bt_of(const vmm_vm *vm)
{
    return vm->mode_state;
}

/* ---- patch.c ---------------------------------------------------------------- */

/* The shadow_pte operation: decide how a guest page is mapped for the
 * real CPU (the patched copy for kernel fetches, write-protection for
 * scanned pages).  0 if no VMM frame could be had for a copy. */
uint32_t bt_shadow_pte(vmm_vcpu *vc, t32_cpu *cpu, uint32_t va, const t32_walk_result *w,
                       t32_access access, uint32_t spte);

/* Guest-physical [gpa, gpa + len) was written: drop the patches (and
 * scans) of every frame in it, with `why` for the trace ("store", "dma").
 * True if any frame was scanned.  (Asked after every emulated store, so the
 * common answer - one frame, never scanned - is given inline.) */
bool bt_drop_written(vmm_vm *vm, uint32_t gpa, uint32_t len, const char *why);

static inline bool bt_invalidate(vmm_vm *vm, uint32_t gpa, uint32_t len, const char *why)
{
    const bt_state *b = bt_of(vm);
    if (gpa < vm->size && len <= T32_PAGE_SIZE - gpa % T32_PAGE_SIZE &&
        b->frames[gpa / T32_PAGE_SIZE] == BT_UNSCANNED)
        return false;
    return bt_drop_written(vm, gpa, len, why);
}

/* Is the word after guest-physical `gpa`, in the same frame, a privileged
 * instruction?  (A patch exit runs on to it - bt.c, run_on - but never
 * past the frame: the next page may be another frame, or none.) */
static inline bool bt_privileged_next(const vmm_vm *vm, uint32_t gpa)
{
    return (gpa + 4) % T32_PAGE_SIZE != 0 &&     /* (in the frame, so in guest RAM) */
           t32_ops[T32_OPC(t32_load32(vm->mem + gpa + 4))].cls == T32_PRIVILEGED;
}

/* Free every copy and patch (the VM leaves bt) - or, with keep_executing,
 * all but those of the pages the vCPUs are executing (the VMM ran out of
 * frames: a shadow entry being filled for a kernel fetch may point at such
 * a page's copy). */
void bt_forget(vmm_vm *vm, bool keep_executing);

/* The patch entry for a patch word executed at guest virtual `pc` in the
 * vCPU's current mode, or NULL if the word at pc is not one of ours (the
 * guest may execute an undefined opcode itself: that is its ILLEGAL).
 * bt_patch_verify walks the guest's tables to find out.  bt_patch_seen
 * only asks whether this very site was verified in this shadow epoch: the
 * entry if so, else NULL - the patch exit asks it first. */
const bt_patch *bt_patch_verify(const vmm_vcpu *vc, uint32_t pc, uint32_t word);

static inline const bt_patch *bt_patch_seen(const vmm_vcpu *vc, uint32_t pc, uint32_t word)
{
    const bt_state *b = bt_of(vc->vm);
    uint32_t index = BT_PATCH_INDEX(word);
    if (index >= b->npatches)
        return NULL;
    const bt_patch *p = &b->patches[index];
    bool seen = p->hit_epoch == vc->vm->shadow.epoch + 1 && p->hit_pc == pc &&
                (vc->vpsr & T32_PSR_K) && p->gpa != BT_FREE_ENTRY;
    return seen ? p : NULL;
}

#endif /* VMM_BT_H */
