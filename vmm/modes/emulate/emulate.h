/*
 * emulate.h - what the two files of `--mode emulate` share: the mode
 * (emulate.c: its table of operations, its TLB, what to do when the
 * interpreter stops) and the interpreter (interp.c: every guest
 * instruction, executed in C).  Private to this folder.
 */
#ifndef VMM_MODES_EMULATE_H
#define VMM_MODES_EMULATE_H

#include "vmm/modes/mode.h"

/*
 * The emulator's TLB: one per vCPU, the same shape as bare T32's (t32.h,
 * isa/mmu.c) - T32_TLB_SIZE entries per mode, direct-mapped by page
 * number, each the PTE it was filled from.  The same shape is what makes
 * it faithful: ISA.md lets a CPU use a stale translation until tlbflush or
 * a PTBR write, and a guest that edits its tables without flushing sees
 * exactly the entries bare T32 would still hold, no more and no fewer.
 *
 * An entry holds no host pointer, only the PTE, whose frame is
 * guest-physical: the host address is vm->mem + frame.  So the state is
 * plain data, which a checkpoint may copy and restore into any VM.
 */
typedef struct emu_tlb_entry {
    uint32_t vpage;     /* virtual page number + 1; 0 = empty */
    uint32_t pte;       /* the L2 entry as loaded (an identity one with paging
                           off): permissions, A, D, guest-physical frame */
} emu_tlb_entry;

typedef struct emu_vcpu {
    emu_tlb_entry tlb[2][T32_TLB_SIZE];     /* [0] user mode, [1] kernel mode */
} emu_vcpu;

/* The slot of a virtual address, as isa/mmu.c picks it. */
#define EMU_TLB_SLOT(va)   (((uint32_t)(va) >> T32_PAGE_SHIFT) % T32_TLB_SIZE)
#define EMU_PAGE_OFFSET(a) ((uint32_t)(a) & (T32_PAGE_SIZE - 1u))

/* A TLB miss (or an entry that does not allow the access): walk the
 * guest's tables in guest-physical memory with t32_walk, as bare T32's
 * MMU does (A and D set with t32_walk_mark), fill the entry and give the
 * host pointer to the byte at `va` in the VM's RAM.  T32_CAUSE_NONE, or
 * the fault bare T32 raises. */
t32_cause emu_tlb_fill(vmm_vcpu *vc, emu_vcpu *ev, uint32_t va, t32_access access,
                       bool kernel, uint8_t **host);

/* Why the interpreter handed control back. */
typedef enum emu_stop {
    EMU_DONE,     /* `n` instructions ran, or one that may change interrupt
                     state (popf): the run loop's next boundary decides   */
    EMU_TRAP,     /* an instruction trapped: *trap says how (its cycle is
                     not counted yet); the guest is owed it              */
    EMU_SYSTEM    /* a privileged instruction in virtual kernel mode, not
                     executed yet (trap->insn): run/emulate.c's business  */
} emu_stop;

/* Interpret at most `n` guest instructions of vCPU `vc` (its general
 * registers are cpu->r during its turn; pc and PSR are the vCPU's).
 * Counts every instruction it executed as a virtual cycle and an emulated
 * instruction - all but the one it stopped at with EMU_TRAP or EMU_SYSTEM,
 * whose cycle the caller charges. */
emu_stop emu_interpret(vmm_vcpu *vc, t32_cpu *cpu, emu_vcpu *ev, uint64_t n,
                       t32_trap *trap);

/* (Guest memory words: t32_load32 and friends, isa/t32.h.) */

#endif /* VMM_MODES_EMULATE_H */
