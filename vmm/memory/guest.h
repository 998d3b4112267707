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

struct vmm_vm;
struct vmm_vcpu;

/* The VM's RAM as the memory a table walk reads (and marks A/D in). */
t32_ptmem guest_ram(const struct vmm_vm *vm);

/* A word of guest-physical memory; false outside the VM's RAM. */
bool guest_read32(const struct vmm_vm *vm, uint32_t gpa, uint32_t *word);
bool guest_write32(struct vmm_vm *vm, uint32_t gpa, uint32_t word);

/* The walk of guest virtual `va` for `access` through the guest's tables
 * in the vCPU's virtual mode (virtual PTBR, virtual K), as bare T32 would
 * do it.  No side effects.  T32_CAUSE_NONE with *w filled, or the fault. */
t32_cause guest_walk(const struct vmm_vcpu *vc, uint32_t va, t32_access access,
                     t32_walk_result *w);

/* An access of `size` bytes (1, 2 or 4) at guest virtual `va`, exactly as
 * the guest's CPU makes it: MISALIGNED first, then its TLB - while the vCPU
 * is on a real CPU, that CPU's TLB holds the guest's translations (as
 * shadow entries: shadow_tlb_translate) - and on a miss the walk, then A
 * (and D for a store) set in the guest's entry.  T32_CAUSE_NONE with *gpa,
 * or the cause bare T32 raises (BADVADDR = va).  The data itself is the
 * caller's to move. */
t32_cause guest_access(struct vmm_vcpu *vc, uint32_t va, unsigned size, t32_access access,
                       uint32_t *gpa);

#endif /* VMM_GUEST_H */
