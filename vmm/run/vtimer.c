/*
 * vtimer.c - virtual time and the virtual timer.
 *
 * On bare T32 time is counted in cycles: one per retired instruction, plus
 * the cycles a `wfi` spends idle.  There is no wall clock (ISA.md section 7).
 * A vCPU gets exactly the same clock, counted by the VMM in vc->vcycles:
 *
 *   - every guest instruction the real CPU runs directly is one virtual
 *     cycle (t32_run reports the cycles it ran) - one that traps too, as
 *     bare T32 charges it, unless the trap was the VMM's own business (a
 *     hidden page fault: see exit.c);
 *   - every instruction the VMM emulates is one virtual cycle too - the
 *     guest cannot tell that it took a detour through C;
 *   - the time the VMM itself spends (handling exits, running other VMs) is
 *     invisible: virtual time stands still meanwhile;
 *   - `wfi` idles: virtual time jumps to the next virtual event.
 *
 * So a guest's timer interrupts arrive after exactly as many of *its*
 * instructions as on bare T32.  The run loop (run.c) never lets the real CPU
 * run past the next virtual event - it passes t32_run() a budget that ends
 * exactly there - so the interrupt is injected at the same instruction
 * boundary as on bare metal.  That is what makes the console transcripts of
 * a bare run and a VM run comparable byte for byte.
 *
 * The timer itself is the one of ISA.md section 7: `mtsr timer, N` makes
 * line 0 pending every N cycles, counting from the write; taking the
 * interrupt (or writing `timer` again) clears the pending bit.
 */
#include "vmm/vmm.h"

#define TIMER_LINE (1u << T32_IRQ_TIMER)

void vtimer_update(vmm_vcpu *vc)
{
    uint32_t interval = vc->vsr[T32_SR_TIMER];
    if (interval == 0 || vc->vcycles < vc->vtimer_deadline)
        return;
    /* The tick is due: latch line 0.  Ticks missed while the line was
     * already latched are not counted twice - the line is one bit. */
    vc->vpending |= TIMER_LINE;
    vc->vtimer_deadline = t32_timer_next(vc->vtimer_deadline, vc->vcycles, interval);
}

void vtimer_write(vmm_vcpu *vc, uint32_t value)
{
    vc->vsr[T32_SR_TIMER] = value;
    vc->vpending &= ~TIMER_LINE;
    vc->vtimer_deadline = t32_timer_arm(vc->vcycles, value);   /* ISA.md's rule */
}

uint32_t vtimer_lines(vmm_vcpu *vc)
{
    vtimer_update(vc);
    return vc->vpending | (vc->id == 0 ? vdev_lines(vc->vm) : 0);
}

uint64_t vtimer_next_event(const vmm_vcpu *vc)
{
    uint64_t next = vc->id == 0 ? vdev_next_event(vc->vm) : UINT64_MAX;
    if (vc->vsr[T32_SR_TIMER] != 0 && vc->vtimer_deadline < next)
        next = vc->vtimer_deadline;
    return next;
}

/* What `wfi` waits for: any line pending, whatever virtual IE says. */
static bool line_pending(vmm_vcpu *vc)
{
    return vtimer_lines(vc) != 0;
}
/*
 * wfi, exactly as bare T32's interpreter does it (isa/cpu.c): with a line
 * already pending, wfi completes like a nop.  Otherwise the CPU idles:
 * virtual time jumps to the next event (at least one cycle on).  If the
 * event raises a line, the wfi completes right there - its own cycle is one
 * of the idle ones - so an interrupt injected next has EPC = the
 * instruction after the wfi.  If the turn ends first (`until`), or the
 * event raised no line, pc stays at the wfi, which executes again at the
 * next boundary and goes on waiting.
 */
vtimer_wait_result vtimer_wait(vmm_vcpu *vc, uint64_t until)
{
    if (line_pending(vc))
        return VTIMER_PENDING;
    uint64_t wake = vtimer_next_event(vc);
    if (wake == UINT64_MAX)
        return VTIMER_NEVER;       /* no timer, no disk transfer: a dead end */
    if (wake <= vc->vcycles)
        wake = vc->vcycles + 1;
    if (wake > until) {
        vc->vcycles = until;
        return VTIMER_IDLED;
    }
    vc->vcycles = wake;
    return line_pending(vc) ? VTIMER_WOKEN : VTIMER_IDLED;
}
