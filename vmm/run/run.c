/*
 * run.c - the run loop: put the guest on the real CPU, run it until it
 * exits, handle the exit, resume.  Start reading here.
 *
 *        +-------------------------------------------------------------+
 *        |                                                             |
 *        v                                                             |
 *   inject a pending virtual interrupt (reflect.c), if virtual IE = 1 |
 *        |                                                             |
 *   vmm_resume(): real EPC/EPSR := guest pc and flags, t32_rfe()       |
 *        |                                                             |
 *   t32_run(cpu, cycles until the next virtual event)   <- guest code  |
 *        |                                                runs here    |
 *        +-- BUDGET: a virtual event is due (or the turn is over) -----+
 *        +-- TRAP:   an exit -> vmm_exit_handle() (exit.c) ------------+
 *
 * The budget passed to t32_run() is the heart of fidelity.  It ends exactly
 * at the next virtual event - the virtual timer's deadline, a virtual disk
 * transfer completing - or the end of the VM's turn.  t32_run() stops there
 * exactly, at an instruction boundary, so the loop can latch the virtual
 * timer and inject the interrupt at the very boundary where bare T32 would
 * have taken it.
 *
 * Registers.  During a VM's turn its general registers live in the real
 * CPU (the guest's instructions work on them directly); vcpu_load() and
 * vcpu_save() move them in and out when VMs take turns.  The guest's pc and
 * flags also live in the real CPU while the guest runs; after each t32_run()
 * they are copied into the vCPU, where the exit handlers read and change
 * them, and vmm_resume() puts them back.  Everything privileged - K, IE,
 * the system registers - is only ever in the vCPU.
 */
#include <stdlib.h>
#include <string.h>

#include "vmm/vmm.h"

void vmm_vm_stop(vmm_vm *vm, vmm_end end)
{
    vm->outcome.end = end;
    vm->outcome.pc = vm->vcpu.pc;
    vm->outcome.cycles = vm->vcpu.vcycles;
}

void vmm_resume(vmm_vm *vm, t32_cpu *cpu)
{
    cpu->sr[T32_SR_EPC] = vm->vcpu.pc;
    cpu->sr[T32_SR_EPSR] = vm->vcpu.vpsr & T32_PSR_FLAGS;   /* K = 0, IE = 0 */
    t32_rfe(cpu);
}

/* Put the vCPU on the real CPU for a turn.  If another VM ran last, the
 * real TLB may hold its translations: flush it before anything of this
 * guest runs. */
static void vcpu_load(vmm_vm *vm, t32_cpu *cpu)
{
    memcpy(cpu->r, vm->vcpu.r, sizeof cpu->r);
    cpu->host_kernel = true;
    if (vm->vmm->on_cpu != vm) {
        t32_tlb_flush(cpu);
        vm->vmm->on_cpu = vm;
    }
    shadow_activate(vm, cpu);
}

static void vcpu_save(vmm_vm *vm, const t32_cpu *cpu)
{
    memcpy(vm->vcpu.r, cpu->r, sizeof vm->vcpu.r);
}

/* Copy the guest's pc and flags from the real CPU after t32_run().  (After
 * a trap the CPU is in host kernel mode with pc = EPC and the guest's flags
 * still in its PSR.) */
static void capture(vmm_vm *vm, const t32_cpu *cpu)
{
    vm->vcpu.pc = cpu->pc;
    vm->vcpu.vpsr = (vm->vcpu.vpsr & ~T32_PSR_FLAGS) | (cpu->psr & T32_PSR_FLAGS);
}

/* Run the guest directly until the next virtual event or `until`. */
static void run_direct(vmm_vm *vm, t32_cpu *cpu, uint64_t until)
{
    uint64_t next = vtimer_next_event(vm);
    if (next > until)
        next = until;
    if (next <= vm->vcpu.vcycles)
        next = vm->vcpu.vcycles + 1;   /* never happens: events were handled */

    vmm_resume(vm, cpu);
    uint64_t start = cpu->cycles;
    t32_exit why = t32_run(cpu, next - vm->vcpu.vcycles);
    uint64_t ran = cpu->cycles - start;   /* user mode: no idling, cycles = insns */
    vm->vcpu.vcycles += ran;
    vm->stats.direct_insns += ran;
    vm->stats.guest_insns += ran;
    capture(vm, cpu);

    if (why == T32_EXIT_TRAP)
        vmm_exit_handle(vm, cpu);
    else if (why != T32_EXIT_BUDGET) {
        /* halt and wfi trap in user mode; no breakpoints are set. */
        fprintf(stderr, "trapeze: broken invariant: guest run ended with %s\n",
                t32_exit_name(why));
        abort();
    }
}

/* One instruction boundary of the guest, then run it up to the next one
 * that matters. */
static void step(vmm_vm *vm, t32_cpu *cpu)
{
    vtimer_update(&vm->vcpu);
    if (vmm_inject_pending(vm, cpu) && vm->outcome.end != VMM_RUNNING)
        return;                    /* the interrupt escaped (no TVEC) */
    run_direct(vm, cpu, vm->horizon);
}

/* The end of this turn: `quantum` cycles from now, or the VM's limit. */
static uint64_t turn_end(const vmm_vm *vm, uint64_t quantum)
{
    uint64_t now = vm->vcpu.vcycles;
    uint64_t end = quantum > UINT64_MAX - now ? UINT64_MAX : now + quantum;
    if (vm->limit != 0 && vm->limit < end)
        end = vm->limit;
    return end;
}

vmm_end vmm_vm_run(vmm_vm *vm, uint64_t quantum)
{
    t32_cpu *cpu = &vm->vmm->m->cpu[0];
    if (vm->outcome.end != VMM_RUNNING)
        return vm->outcome.end;
    vm->horizon = turn_end(vm, quantum);
    vcpu_load(vm, cpu);
    while (vm->outcome.end == VMM_RUNNING) {
        if (vm->limit != 0 && vm->vcpu.vcycles >= vm->limit)
            vmm_vm_stop(vm, VMM_END_LIMIT);
        else if (vm->vcpu.vcycles >= vm->horizon)
            break;
        else
            step(vm, cpu);
    }
    vcpu_save(vm, cpu);
    vm->stats.idle_cycles = vm->vcpu.vcycles - vm->stats.guest_insns;
    return vm->outcome.end;
}
