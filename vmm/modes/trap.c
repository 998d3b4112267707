/*
 * trap.c - `--mode trap`: pure trap-and-emulate, the lecture's first VMM.
 *
 * The guest kernel runs deprivileged, in real user mode.  Whatever it does
 * that only a kernel may do traps, and the VMM does it on the virtual state
 * (run/exit.c, run/emulate.c, run/reflect.c); memory goes through shadow
 * page tables (memory/shadow.c).  Nothing else is done to the guest - so
 * `pushf` and `popf`, sensitive but not privileged, run natively and
 * fidelity visibly breaks: "There is no trap!" (vmm/README.md).
 */
#include "vmm/modes/mode.h"

/*
 * The one way back into guest code: real EPC := the guest's pc, real EPSR :=
 * its flags with K = 0 (the guest kernel is deprivileged) and the real IE
 * mirroring the virtual one, then the real return-from-exception.
 *
 * Why mirror IE, when the VMM delivers every guest interrupt itself?  So
 * that what the guest can read without trapping is right: `pushf` stores
 * the real PSR, and a guest *user* program that asks must see IE = 1, as on
 * bare T32 (pre-VT-x x86 ran guest user code with the real IF set too).
 * It is safe: the real CPU's timer is never armed and its devices are never
 * programmed (the guest's are virtual), so no real interrupt can come; and
 * in the host-kernel configuration one would only be an exit anyway.  What
 * is left is the lecture's point: the guest *kernel's* pushf sees K = 0,
 * and its popf cannot change IE.
 */
void mode_trap_resume(vmm_vcpu *vc, t32_cpu *cpu)
{
    cpu->sr[T32_SR_EPC] = vc->pc;
    cpu->sr[T32_SR_EPSR] = vc->vpsr & (T32_PSR_FLAGS | T32_PSR_IE);   /* K = 0 */
    t32_rfe(cpu);
}

/* A new address space, or a tlbflush: ISA.md's TLB rule lets the guest see
 * stale translations until then, so the shadows are dropped only now. */
static void trap_flush(vmm_vcpu *vc, t32_cpu *cpu)
{
    shadow_flush(vc, cpu);
}

const vmm_mode_ops mode_trap = {
    .id = VMM_MODE_TRAP,
    .name = "trap",
    .summary = "trap-and-emulate: the guest kernel deprivileged, pushf/popf run natively",
    .resume = mode_trap_resume,
    .handle_exit = vmm_exit_handle,
    .ptbr_write = trap_flush,
    .tlb_flush = trap_flush,
    .view_change = shadow_activate,
};
