/*
 * guest.h - a guest's memory as the guest itself sees it: guest-physical
 * RAM, and guest virtual addresses translated through the guest's *own*
 * page tables in the vCPU's *virtual* mode.
 *
 * The VMM reaches guest memory this way whenever it does, on the guest's
 * behalf, what the guest's CPU would have done: filling a shadow entry
 * (shadow.c), emulating a patched pushf/popf (modes/bt/), reading a
 * hypercall's buffer, showing memory in a trace or the debugger.  Every
 * rule it follows is isa/'s: the walk and its checks (t32_walk), the A/D
 * update (t32_walk_mark), alignment as the CPU checks it.
 */
#ifndef VMM_GUEST_H
#define VMM_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "t32.h"
#include "vmm/vmm.h"

/* The VM's RAM as the memory a table walk reads (and marks A/D in). */
t32_ptmem guest_ram(const vmm_vm *vm);

/* A word of guest-physical memory; false outside the VM's RAM.  Guest RAM
 * is vm->size bytes of host RAM at vm->mem (host physical vm->base), a
 * whole number of pages: an aligned gpa below the size has its whole word
 * inside. */
static inline bool guest_read32(const vmm_vm *vm, uint32_t gpa, uint32_t *word)
{
    if (gpa >= vm->size || gpa % 4 != 0)
        return false;
    *word = t32_load32(vm->mem + gpa);
    return true;
}

static inline bool guest_write32(vmm_vm *vm, uint32_t gpa, uint32_t word)
{
    if (gpa >= vm->size || gpa % 4 != 0)
        return false;
    t32_store32(vm->mem + gpa, word);
    return true;
}

/* The walk of guest virtual `va` for `access` through the guest's tables
 * in the vCPU's virtual mode (virtual PTBR, virtual K), as bare T32 would
 * do it.  No side effects.  T32_CAUSE_NONE with *w filled, or the fault. */
t32_cause guest_walk(const vmm_vcpu *vc, uint32_t va, t32_access access,
                     t32_walk_result *w);

/* The translation of guest virtual `va` that the real CPU's TLB holds, if
 * it allows `access`: true and *gpa.  `cpu` must be the real CPU the vCPU
 * has just exited from, before the VMM changed the vCPU's view (its
 * virtual mode or PTBR): the guest ran on the shadow space of that view,
 * and a PTBR write flushes the TLB, so every entry is a shadow entry of the
 * guest's own translations - exactly what the guest's next instruction
 * would use (ISA.md lets a CPU use its TLB until the guest flushes).  A
 * shadow entry is writable only once the guest's D is set, so a hit needs
 * no A/D update.  False on a miss, and for a VMM frame (bt maps its copies
 * for fetches only).  Inline: a patch exit asks it every time. */
static inline bool guest_tlb_translate(const vmm_vm *vm, const t32_cpu *cpu, uint32_t va,
                                       t32_access access, uint32_t *gpa)
{
    const uint8_t *p = t32_tlb_lookup(cpu, false, va, access);   /* guests run in user mode */
    uintptr_t offset = (uintptr_t)p - (uintptr_t)vm->mem;
    if (p == NULL || offset >= vm->size)
        return false;
    *gpa = (uint32_t)offset;
    return true;
}

/* Where one of the guest's accesses, at guest virtual va, lands: cause
 * T32_CAUSE_NONE and the guest-physical address, or the fault bare T32
 * raises (its BADVADDR is va). */
typedef struct guest_addr {
    t32_cause cause;
    uint32_t  va;
    uint32_t  gpa;
    bool      from_tlb;   /* translated by the real CPU's TLB, not a walk */
} guest_addr;

/* The walk, then A (and D for a store) set in the guest's entry, as the
 * guest's CPU does on a TLB miss. */
guest_addr guest_access_walk(vmm_vcpu *vc, uint32_t va, t32_access access);

/* The part of an access the real CPU's TLB answers alone: true, and *a
 * (from_tlb), if `va` is aligned and the TLB of `cpu` - the real CPU the
 * vCPU has just exited from (guest_tlb_translate) - allows the access.
 * False otherwise: a misaligned va, or a miss that only a walk can answer
 * (guest_access, below).  Never a call: bt's fast path is built on it. */
static inline bool guest_access_tlb(const vmm_vm *vm, const t32_cpu *cpu, uint32_t va,
                                    unsigned size, t32_access access, guest_addr *a)
{
    if (va & (size - 1u) || !guest_tlb_translate(vm, cpu, va, access, &a->gpa))
        return false;
    a->cause = T32_CAUSE_NONE;
    a->va = va;
    a->from_tlb = true;
    return true;
}

/* An access of `size` bytes (1, 2 or 4) at guest virtual `va`, exactly as
 * the guest's CPU makes it: MISALIGNED first, then its TLB - `cpu`, the
 * real CPU the vCPU has just exited from (guest_tlb_translate), or NULL if
 * the VMM has changed the vCPU's view since, or it is not on a CPU - and on
 * a miss the walk.  The fault is the one bare T32 raises (BADVADDR = va).
 * The data itself is the caller's to move. */
static inline guest_addr guest_access(vmm_vcpu *vc, const t32_cpu *cpu, uint32_t va,
                                      unsigned size, t32_access access)
{
    guest_addr a = { .cause = T32_CAUSE_MISALIGNED, .va = va };
    if (va & (size - 1u))
        return a;
    if (cpu && guest_access_tlb(vc->vm, cpu, va, size, access, &a))
        return a;
    return guest_access_walk(vc, va, access);
}

#endif /* VMM_GUEST_H */
