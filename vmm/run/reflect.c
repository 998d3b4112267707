/*
 * reflect.c - delivering traps and interrupts *into* the guest.
 *
 * When the guest kernel runs deprivileged, a trap it is owed - its user
 * program made a syscall, divided by zero, touched an unmapped page - does
 * not reach it by itself: the real CPU is in the host-kernel configuration,
 * so the trap came to the VMM as an exit.  The VMM
 * *reflects* it: it performs, on the vCPU's virtual state, the trap entry
 * bare T32 hardware would have performed (ISA.md section 6) - with the same
 * function, t32_trap_entry(), that the real CPU uses on its own registers:
 *
 *     virtual EPSR     := virtual PSR          (old K, IE and flags)
 *     virtual EPC      := the trap's EPC
 *     virtual CAUSE    := cause
 *     virtual BADVADDR := the address          (memory traps only)
 *     virtual K := 1, virtual IE := 0
 *     pc               := virtual TVEC         (the guest's handler)
 *
 * and the guest's handler runs, none the wiser.  Interrupts take the same
 * road: the VMM *injects* a virtual interrupt by reflecting a trap with
 * cause 16 + line, at an instruction boundary, when the guest has virtual
 * IE = 1 - exactly when bare T32 would take it.
 *
 * The virtual K bit changing from 0 to 1 means the guest's memory view
 * changes (its kernel pages become reachable), so the shadow view is
 * switched too (shadow.c).
 */
#include "vmm/modes/mode.h"

void vmm_reflect(vmm_vcpu *vc, t32_cpu *cpu, t32_cause cause, uint32_t epc,
                 uint32_t badvaddr)
{
    /* LAB 02 BEGIN reflect-trap */
    bool was_kernel = (vc->vpsr & T32_PSR_K) != 0;

    /* The very entry the real CPU performs on its own registers (t32.h). */
    vc->pc = t32_trap_entry(&vc->vpsr, vc->vsr, cause, epc, badvaddr);

    /* A trap in kernel mode with no vector would enter "the handler" at
     * address 0 - on bare T32 the same run ends the same way, see bare.c. */
    if (was_kernel && vc->vsr[T32_SR_TVEC] == 0) {
        vc->vm->outcome.trap = (t32_trap){ .cause = cause, .epc = epc, .badvaddr = badvaddr };
        vc->pc = epc;
        vmm_vm_stop(vc->vm, vc, VMM_END_ESCAPE);
        return;
    }
    if (!was_kernel)
        vc->vm->mode->view_change(vc, cpu);   /* now in virtual kernel mode */
    /* LAB 02 END reflect-trap */
}

/* The lowest-numbered line in a set (the highest priority one). */
static unsigned lowest_line(uint32_t lines)
{
    unsigned line = 0;
    while (!(lines & (1u << line)))
        line++;
    return line;
}

bool vmm_inject_pending(vmm_vcpu *vc, t32_cpu *cpu)
{
    vmm_vm *vm = vc->vm;
    if (vm->mode->pull)
        vm->mode->pull(vc);        /* a PV guest's mask lives in its memory */
    /* LAB 02 BEGIN inject-gate */
    if (!(vc->vpsr & T32_PSR_IE))
        return false;
    /* LAB 02 END inject-gate */
    uint32_t lines = vtimer_lines(vc);
    if (lines == 0)
        return false;
    unsigned line = lowest_line(lines);
    /* The timer is edge-like: taking its interrupt clears it.  Console and
     * disk are level-triggered: they stay up until the guest serves them. */
    vc->vpending &= ~(1u << line);
    VMM_NOTIFY(vc, .kind = VMM_EV_INJECT, .pc = vc->pc, .cause = (t32_cause)(T32_IRQ_BASE + line));
    vm->stats.injected_irqs++;
    if (vc->vpsr & T32_PSR_K)
        vm->stats.irqs_in_kernel++;
    vmm_reflect(vc, cpu, (t32_cause)(T32_IRQ_BASE + line), vc->pc, 0);
    return true;
}
