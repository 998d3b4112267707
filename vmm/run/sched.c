/*
 * sched.c - several VMs on one real CPU.
 *
 * The simplest fair scheduler there is: round robin with a fixed quantum.
 * Each VM in turn gets the CPU for `quantum` of *its own* virtual cycles
 * (vmm_vm_run), then the next.  A VM whose guest spins with interrupts off
 * cannot keep the others out: its turn ends when its budget does, whatever
 * it executes - the VMM takes the CPU back because t32_run() returns, not
 * because the guest agrees.  (On bare T32 the same guest would own the
 * machine; the quantum is the VMM's timer, invisible to the guests.)
 *
 * Virtual time is per VM, so how the VMs interleave never changes what any
 * one of them computes - each VM's transcript is the same as when it runs
 * alone.  Console output collected during a turn is written out after the
 * turn, whole lines only, each with its VM's prefix.
 */
#include "vmm/vmm.h"

void vmm_sched_run(vmm *v)
{
    bool any_running = true;
    while (any_running) {
        any_running = false;
        for (int i = 0; i < v->nvms; i++) {
            vmm_vm *vm = v->vms[i];
            if (vm->outcome.end != VMM_RUNNING)
                continue;
            vmm_vm_run(vm, v->quantum);
            bool done = vm->outcome.end != VMM_RUNNING;
            vdev_console_flush(vm, done);
            any_running |= !done;
        }
    }
}
