/*
 * sched.c - several VMs, and their vCPUs, on the real CPUs.
 *
 * The simplest fair scheduler there is: round robin with a fixed quantum.
 * Each VM in turn gets the CPU for its vCPUs, each for `quantum` of *its
 * own* virtual cycles (vmm_vcpu_run), then the next VM.  A VM whose guest
 * spins with interrupts off cannot keep the others out: its turn ends when
 * its budget does, whatever it executes - the VMM takes the CPU back
 * because t32_run() returns, not because the guest agrees.  (On bare T32
 * the same guest would own the machine; the quantum is the VMM's timer,
 * invisible to the guests.)
 *
 * Virtual time is per vCPU, so how the VMs interleave never changes what
 * any one of them computes - each VM's transcript is the same as when it
 * runs alone.  Console output collected during a turn is written out after
 * the turn, whole lines only, each with its VM's prefix.
 *
 * Which real CPU a vCPU runs on is the scheduler's choice alone (pick_cpu):
 * the run loop takes the (vCPU, pCPU) pair it is given.
 */
#include "vmm/vmm.h"

/* The real CPU for vCPU `vc`: spread over the machine's CPUs, vCPU k of
 * VM i on CPU (i + k) mod n - with one real CPU, all take turns on it. */
static t32_cpu *pick_cpu(const vmm *v, const vmm_vcpu *vc)
{
    return &v->m->cpu[(vc->vm->id + vc->id) % v->m->ncpus];
}

/* Cycles spent idle in wfi: all the vCPUs' time not spent on instructions. */
static void count_idle(vmm_vm *vm)
{
    uint64_t cycles = 0;
    for (int i = 0; i < vm->nvcpus; i++)
        cycles += vm->vcpus[i].vcycles;
    vm->stats.idle_cycles = cycles - vm->stats.guest_insns;
}

vmm_end vmm_vm_run(vmm_vm *vm, uint64_t quantum)
{
    vm->waiting_input = false;
    for (int i = 0; i < vm->nvcpus && vm->outcome.end == VMM_RUNNING && !vm->vmm->stop; i++)
        vmm_vcpu_run(&vm->vcpus[i], pick_cpu(vm->vmm, &vm->vcpus[i]), quantum);
    count_idle(vm);
    return vm->outcome.end;
}

bool vmm_sched_round(vmm *v)
{
    bool any_running = false, all_waiting = true;
    for (int i = 0; i < v->nvms; i++) {
        vmm_vm *vm = v->vms[i];
        if (vm->outcome.end != VMM_RUNNING)
            continue;
        if (v->stop) {
            any_running = true;       /* not its turn yet: the front end first */
            continue;
        }
        vmm_vm_run(vm, v->quantum);
        bool done = vm->outcome.end != VMM_RUNNING;
        vdev_console_flush(vm, done);
        any_running |= !done;
        all_waiting &= done || vm->waiting_input;
    }
    /* Nobody can do anything but wait for the host's input: wait for it
     * here rather than spin through idle turns. */
    if (any_running && all_waiting && !v->stop)
        vdev_wait_input(v);
    return any_running;
}

void vmm_sched_run(vmm *v)
{
    while (vmm_sched_round(v))
        ;
}
