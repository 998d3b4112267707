/*
 * emulate.c - `--mode emulate`: no direct execution at all.  The VMM runs
 * every guest instruction itself, in its own small software T32
 * (interp.c).  The lecture's "emulation vs virtualization" slide, as code.
 *
 * Every other mode lets the real CPU run guest code and takes control back
 * only at exits.  Here the real CPU never executes a guest instruction:
 * t32_run() is never called for guest code, `direct_insns` stays 0 and
 * every guest instruction is counted in `emulated_insns`.  What is left of
 * the VMM is everything *around* the CPU, shared with trap-and-emulate:
 *
 *   the run loop       run/run.c calls this mode's `run` operation where
 *                      trap-and-emulate resumes the real CPU; the boundary
 *                      work before it (virtual timer, interrupt injection)
 *                      is the same code
 *   privileged insns   run/emulate.c: mfsr/mtsr on the virtual system
 *                      registers, rfe, cli/sti, halt, wfi (virtual time),
 *                      tlbflush, in/out on the virtual devices (vdev.c)
 *   traps              run/reflect.c: t32_trap_entry on the virtual state
 *   memory             t32_walk through the guest's own page tables in
 *                      guest-physical memory, cached in a TLB shaped like
 *                      bare T32's (below) - no shadow page tables at all
 *
 * So the guest sees bare T32 exactly: the same console transcript, the
 * same number of cycles, timer interrupts at the same instruction
 * boundaries, the same registers and RAM at the end - pushf and popf
 * included, because the interpreter reads the *virtual* PSR.  The price
 * is speed: every instruction is fetched, decoded and dispatched in C
 * (see `trapeze compare`).  That is the trade the lecture draws: an
 * emulator is faithful and safe by construction, and slow; virtualization
 * runs the guest directly and must make sure nothing sensitive slips by.
 *
 * Reading order: emu_run() below, then emu_interpret() in interp.c.
 */
#include <stdlib.h>
#include <string.h>

#include "vmm/memory/guest.h"
#include "vmm/modes/emulate/emulate.h"

/* ---- the mode's state: one TLB per vCPU ---------------------------------- */

/* The vCPU's TLB (emu_enter allocated one for every possible vCPU). */
static emu_vcpu *state_of(vmm_vcpu *vc)
{
    return (emu_vcpu *)vc->vm->mode_state + vc->id;
}

/* Forget every translation of this vCPU: its tlbflush, or a PTBR write -
 * the TLB of one CPU, as on bare T32 (ISA.md section 8). */
static void emu_flush(vmm_vcpu *vc, t32_cpu *cpu)
{
    (void)cpu;
    memset(state_of(vc), 0, sizeof(emu_vcpu));
}

/* ---- the TLB refill: bare T32's walk, over guest-physical memory ----------- */

/* With paging off a TLB entry maps the page to itself and allows
 * everything (A and D preset), as isa/mmu.c's identity entries do. */
#define IDENTITY_PTE (T32_PTE_V | T32_PTE_R | T32_PTE_W | T32_PTE_X | \
                      T32_PTE_U | T32_PTE_A | T32_PTE_D)

/*
 * The walk is t32_walk - ISA.md section 8 written once - through the
 * vCPU's *virtual* PTBR, in its *virtual* mode, reading the guest's tables
 * in guest-physical memory; t32_walk_mark sets A (and D for a store) in
 * the guest's entry.  Every frame it accepts lies inside the VM's RAM
 * (mem.size = vm->size), so an entry can only ever reach this VM's
 * memory.
 */
t32_cause emu_tlb_fill(vmm_vcpu *vc, emu_vcpu *ev, uint32_t va, t32_access access,
                       bool kernel, uint8_t **host)
{
    vmm_vm *vm = vc->vm;
    t32_ptmem mem = guest_ram(vm);     /* (memory/guest.c: the VM's RAM) */
    t32_walk_result w;
    t32_cause cause = t32_walk(&mem, vc->vsr[T32_SR_PTBR], va, access, kernel, &w);
    if (cause != T32_CAUSE_NONE)
        return cause;                  /* a fault never sets A or D */
    vmm_invariant(t32_walk_mark(&mem, &w, access), "a PTE just read is in guest RAM");
    uint32_t pte = w.paged ? w.pte : (va & T32_PTE_FRAME) | IDENTITY_PTE;

    emu_tlb_entry *e = &ev->tlb[kernel][EMU_TLB_SLOT(va)];
    e->vpage = (va >> T32_PAGE_SHIFT) + 1u;    /* +1: zero means an empty slot */
    e->pte = pte;
    *host = vm->mem + (pte & T32_PTE_FRAME) + EMU_PAGE_OFFSET(va);
    return T32_CAUSE_NONE;
}

/* ---- the mode's operations ------------------------------------------------------ */

/* A trap the guest is owed: delivered into its kernel as bare T32 would
 * (run/reflect.c).  Not an exit - nothing left the VMM - so only the
 * reflected traps are counted.  It is reported (--trace, the debugger) at
 * the cycle the trapping instruction started at, as bare T32 and the other
 * modes report a trap, and then that instruction's cycle is charged. */
static void reflect(vmm_vcpu *vc, t32_cpu *cpu, const t32_trap *t)
{
    VMM_NOTIFY(vc, .kind = VMM_EV_REFLECT, .pc = t->epc, .cause = t->cause, .badvaddr = t->badvaddr);
    vmm_exit_count_emulated(vc);
    vmm_reflect_trap(vc, cpu, t->cause, t->epc, t->badvaddr);
}

/*
 * One stretch of guest execution, where trap-and-emulate would resume the
 * real CPU: interpret up to `until` (the next virtual event or the end of
 * the turn), then act on why the interpreter stopped.  The run loop's next
 * boundary (run/run.c, step) latches the virtual timer and injects a
 * pending interrupt, so interrupts land where bare T32 takes them.
 */
static void emu_run(vmm_vcpu *vc, t32_cpu *cpu, uint64_t until)
{
    emu_vcpu *ev = state_of(vc);
    t32_trap trap;
    switch (emu_interpret(vc, cpu, ev, until - vc->vcycles, &trap)) {
    case EMU_DONE:
        break;
    case EMU_TRAP:
        reflect(vc, cpu, &trap);
        break;
    case EMU_SYSTEM:
        vmm_emulate(vc, cpu, trap.insn);   /* the same code as trap-and-emulate */
        break;
    }
}

/* Entering: a TLB for every vCPU the VM may have, empty (so a mode
 * switch is a flush).  No shadow page tables are needed: a VM coming from
 * another mode gives their frames back.  Leaving: the TLBs go. */
static bool emu_enter(vmm_vm *vm)
{
    vm->mode_state = calloc(VMM_MAX_VCPUS, sizeof(emu_vcpu));
    if (!vm->mode_state)
        return false;
    shadow_destroy(vm);
    return true;
}

static void emu_leave(vmm_vm *vm)
{
    free(vm->mode_state);
    vm->mode_state = NULL;
}

/* The TLB has an array per mode, so a change of virtual K needs nothing. */
static void emu_view_change(vmm_vcpu *vc, t32_cpu *cpu)
{
    (void)vc;
    (void)cpu;
}

const vmm_mode_ops mode_emulate = {
    .id = VMM_MODE_EMULATE,
    .name = "emulate",
    .summary = "emulation: the VMM interprets every guest instruction, none runs directly",
    .enter = emu_enter,
    .leave = emu_leave,
    .run = emu_run,
    .ptbr_write = emu_flush,
    .tlb_flush = emu_flush,
    .view_change = emu_view_change,
};
