/*
 * exit.c - one exit: the real CPU trapped while running the guest; decide
 * what it means.
 *
 * The guest runs in real user mode in the host-kernel configuration, so
 * *every* trap it causes lands here (through the mode's handle_exit, which
 * the real CPU calls at the trap: run.c), with the trap record (cause, EPC,
 * BADVADDR, instruction word) in cpu->trap.  There are
 * exactly three kinds of exit:
 *
 *   1. PRIVILEGED while the guest is in *virtual kernel* mode.  The guest
 *      kernel did something only a kernel may do, and it believes it is one:
 *      the VMM emulates the instruction on the virtual state (emulate.c).
 *
 *   2. A real page fault (or bus error).  Either the shadow tables just had
 *      no entry yet - a *hidden* fault, filled in and forgotten - or the
 *      guest's own tables forbid the access, and the guest is owed the fault
 *      (shadow.c decides).
 *
 *   3. Everything else the guest is owed: syscall, brk, divide by zero,
 *      illegal instructions (hcall included - there is no paravirtual
 *      interface in this mode), misaligned accesses, and PRIVILEGED from the
 *      guest's *user* code.  Bare T32 would have trapped into the guest
 *      kernel, so we reflect the trap into it (reflect.c).
 *
 * Time: the real CPU charged the trapping instruction one cycle, as bare
 * T32 charges any instruction that traps, and the run loop left that cycle
 * out.  Each path below decides whether the guest would really have spent
 * it: an emulated or reflected instruction does; a hidden fault does not
 * (on bare T32 the access simply succeeds later, once).
 */
#include "vmm/vmm.h"

/* What kind of access a BUS_ERROR came from: no instruction word means the
 * fetch itself failed; otherwise the instruction's own load or store. */
static t32_access bus_error_access(const t32_trap *t)
{
    switch (T32_OPC(t->insn)) {
    case 0:
        return T32_FETCH;
    case T32_OP_STW: case T32_OP_STH: case T32_OP_STB:
    case T32_OP_PUSH: case T32_OP_PUSHF:
        return T32_STORE;
    default:
        return T32_LOAD;
    }
}

static t32_access fault_access(const t32_trap *t)
{
    switch (t->cause) {
    case T32_CAUSE_FETCH_FAULT: return T32_FETCH;
    case T32_CAUSE_LOAD_FAULT:  return T32_LOAD;
    case T32_CAUSE_STORE_FAULT: return T32_STORE;
    default:                    return bus_error_access(t);
    }
}

/* Deliver the trap.  Its entry masks interrupts (IE := 0), so none is
 * injected at the next boundary (vmm_next_after_mask_change): the guest's
 * handler runs on at once, unless the delivery stopped the VM. */
static vmm_next reflect(vmm_vcpu *vc, t32_cpu *cpu, t32_cause cause, const t32_trap *t)
{
    vmm_exit_count(vc, t->cause, VMM_TO_REFLECT);
    VMM_NOTIFY(vc, .kind = VMM_EV_REFLECT, .pc = t->epc, .cause = cause, .badvaddr = t->badvaddr);
    vmm_exit_count_direct(vc);
    vmm_reflect_trap(vc, cpu, cause, t->epc, t->badvaddr);
    return vmm_next_after_mask_change(vc);
}

/*
 * A hidden fault retires nothing: the instruction runs again.  If the
 * shadow entry just filled does not allow the access it was filled for (a
 * wrong shadow_pte - a lab's, say - or a mode's hook), it faults again, for
 * ever, at one virtual cycle: neither the turn nor --max-insns would end
 * the run, and no other VM would run again.  One instruction needs a
 * handful (its fetch, its data, the store that sets D, bt's copy of its
 * page, a refill after a reclaim, bt's lone-step retries); far more at one
 * cycle is that VMM bug, said as such rather than hung on.
 */
static bool stuck(vmm_vcpu *vc)
{
    if (vc->hidden_cycle != vc->vcycles || vc->hidden_faults == 0) {
        vc->hidden_cycle = vc->vcycles;
        vc->hidden_faults = 0;
    }
    return ++vc->hidden_faults > VMM_HIDDEN_PER_CYCLE;
}

/* Kind 2: a real page fault.  Ask the shadow code whose fault it is.  A
 * hidden one changed nothing the guest can see: straight back in. */
static vmm_next page_fault(vmm_vcpu *vc, t32_cpu *cpu, const t32_trap *t)
{
    t32_cause cause;
    switch (shadow_fault(vc, cpu, t->badvaddr, fault_access(t), &cause)) {
    case SHADOW_FIXED:
        if (stuck(vc)) {                /* the message names the access */
            vmm_exit_count(vc, t->cause, VMM_TO_STOP);
            vmm_vm_stop(vc->vm, vc, VMM_END_STUCK);
            vc->vm->outcome.trap = *t;
            break;
        }
        vmm_exit_count(vc, t->cause, VMM_TO_HIDDEN);
        VMM_NOTIFY(vc, .kind = VMM_EV_HIDDEN, .pc = t->epc, .cause = t->cause, .badvaddr = t->badvaddr);
        return VMM_NEXT_RESUME;         /* hidden: retry the instruction */
    case SHADOW_REFLECT:
        return reflect(vc, cpu, cause, t);
    case SHADOW_NO_MEMORY:
        vmm_exit_count(vc, t->cause, VMM_TO_STOP);
        vmm_vm_stop(vc->vm, vc, VMM_END_NO_MEMORY);
        break;
    }
    return VMM_NEXT_BOUNDARY;
}

vmm_next vmm_exit_handle(vmm_vcpu *vc, t32_cpu *cpu)
{
    /* (Read in place, field by field: the CPU has just written the record
     * that way, and copying it whole would wait on those stores.) */
    const t32_trap *t = &cpu->trap;
    switch (t->cause) {
    case T32_CAUSE_PRIVILEGED:
        if (vc->vpsr & T32_PSR_K) {
            vmm_exit_count(vc, t->cause, VMM_TO_EMULATE);
            return vmm_emulate(vc, cpu, t->insn);  /* kind 1 */
        }
        return reflect(vc, cpu, t->cause, t);      /* guest user code */
    case T32_CAUSE_FETCH_FAULT:
    case T32_CAUSE_LOAD_FAULT:
    case T32_CAUSE_STORE_FAULT:
    case T32_CAUSE_BUS_ERROR:
        return page_fault(vc, cpu, t);             /* kind 2 */
    default:
        return reflect(vc, cpu, t->cause, t);      /* kind 3 */
    }
}
