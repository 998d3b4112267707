/*
 * run.c - the run loop: put a vCPU on a real CPU, run it until it exits,
 * handle the exit, resume.  Start reading here.
 *
 *        +----------------------------------------------------------------+
 *        |                                                                |
 *        v                                                                |
 *   inject a pending virtual interrupt (reflect.c), if virtual IE = 1    |
 *        |                                                                |
 *   mode->resume(): back into guest code (trap mode: real K = 0, rfe) <-+ |
 *        |                                                             | |
 *   t32_run(cpu, cycles until the next virtual event)   <- guest code  | |
 *        |                                                runs here    | |
 *        +-- trap: an exit -> mode->handle_exit() (exit.c), called by  | |
 *        |   the real CPU at the trap itself (exit_in_place)           | |
 *        |           +-- VMM_NEXT_RESUME: nothing the boundary decides | |
 *        |           |   changed (an mfsr, a hidden fault): resume,    | |
 *        |           |   and t32_run goes on --------------------------+ |
 *        |           +-- VMM_NEXT_BOUNDARY: t32_run returns -------------+
 *        +-- BUDGET: a virtual event is due (or the turn is over) -------+
 *
 * The budget passed to t32_run() is the heart of fidelity.  It ends exactly
 * at the next virtual event - the virtual timer's deadline, a virtual disk
 * transfer completing - or the end of the vCPU's turn.  t32_run() stops
 * there exactly, at an instruction boundary, so the loop can latch the
 * virtual timer and inject the interrupt at the very boundary where bare
 * T32 would have taken it.
 *
 * The loop never asks which mode the VM is in: what differs between modes
 * (how to resume, what an exit means) is behind vm->mode (modes/mode.h).
 *
 * Registers.  During a vCPU's turn its general registers live in the real
 * CPU (the guest's instructions work on them directly); vcpu_load() and
 * vcpu_save() move them in and out when vCPUs take turns.  The guest's pc
 * and flags also live in the real CPU while the guest runs; at each exit
 * and at the end of each t32_run() they are copied into the vCPU, where the
 * exit handlers read and change them, and mode->resume() puts them back.  Everything privileged -
 * K, IE, the system registers - is only ever in the vCPU.
 */
#include <stdlib.h>
#include <string.h>

#include "vmm/memory/guest.h"
#include "vmm/modes/mode.h"

void vmm_vm_stop(vmm_vm *vm, const vmm_vcpu *vc, vmm_end end)
{
    vm->outcome.end = end;
    vm->outcome.pc = vc->pc;
    vm->outcome.cycles = vc->vcycles;
    vm->outcome.vcpu = vc->id;
}

void vmm_notify(const vmm_vcpu *vc, const vmm_event *ev)
{
    const vmm *v = vc->vm->vmm;
    if (v->observer)
        v->observer(v->observer_ctx, vc, ev);
}

static t32_trap_handler exit_in_place;

/* Put the vCPU on the real CPU for a turn.  If another vCPU ran there
 * last, the real TLB may hold its translations: flush it before anything
 * of this guest runs. */
static void vcpu_load(vmm_vcpu *vc, t32_cpu *cpu)
{
    vmm *v = vc->vm->vmm;
    memcpy(cpu->r, vc->r, sizeof cpu->r);
    cpu->host_kernel = true;
    cpu->on_trap = exit_in_place;  /* every exit comes to the VMM, in place */
    cpu->on_trap_ctx = vc;
    vc->cpu = cpu;
    if (v->on_cpu[cpu->id] != vc) {
        t32_tlb_flush(cpu);
        v->on_cpu[cpu->id] = vc;
    }
    vc->vm->mode->view_change(vc, cpu);
}

static void vcpu_save(vmm_vcpu *vc, t32_cpu *cpu)
{
    memcpy(vc->r, cpu->r, sizeof vc->r);
    cpu->on_trap = NULL;
    vc->cpu = NULL;
}

/* Copy the guest's pc and flags from the real CPU after t32_run().  (After
 * a trap the CPU is in host kernel mode with pc = EPC and the guest's flags
 * still in its PSR.) */
static void capture(vmm_vcpu *vc, const t32_cpu *cpu)
{
    vc->pc = cpu->pc;
    vc->vpsr = (vc->vpsr & ~T32_PSR_FLAGS) | (cpu->psr & T32_PSR_FLAGS);
}

/* The instruction hook (--trace-insns): the next instruction, read
 * through the guest's own page tables as the guest sees it. */
static void trace_next_insn(const vmm_vcpu *vc)
{
    const vmm_vm *vm = vc->vm;
    uint32_t gpa, word;
    bool ok = shadow_guest_translate(vc, vc->pc, T32_FETCH, &gpa) == T32_CAUSE_NONE &&
              guest_read32(vm, gpa, &word);
    vm->vmm->insn_hook(vm->vmm->insn_ctx, vm->id, vc->vcycles, vc->pc, vc->vpsr,
                       ok ? &word : NULL);
}

/* May the guest go on without a boundary's checks (vmm.h, vmm_may_go_on):
 * its next event still ahead, the VM running, and nobody watching
 * boundaries one by one - a tracer, a debugger's breakpoints, a mode's
 * single step (vm->single_step).  Inline here, where it is asked after
 * every exit. */
static inline bool may_go_on(const vmm_vcpu *vc, const t32_cpu *cpu)
{
    const vmm_vm *vm = vc->vm;
    return vc->vcycles < vc->run_until && vm->outcome.end == VMM_RUNNING && !vc->halted &&
           !vm->vmm->stop && !vm->vmm->insn_hook && cpu->nbreaks == 0 && !vm->single_step;
}

bool vmm_may_go_on(const vmm_vcpu *vc, const t32_cpu *cpu)
{
    return may_go_on(vc, cpu);
}

/* The guest's direct run since it last resumed: the cycles the real CPU
 * ran, less a trapping instruction's (its handler decides, vmm.h), are
 * instructions it retired. */
static void account_direct(vmm_vcpu *vc, const t32_cpu *cpu, bool trapped)
{
    uint64_t ran = cpu->cycles - vc->run_from - trapped;  /* user mode: cycles = insns */
    vc->vcycles += ran;
    vc->vm->stats.direct_insns += ran;
    vc->vm->stats.guest_insns += ran;
    capture(vc, cpu);
}

static void resume(vmm_vcpu *vc, t32_cpu *cpu)
{
    vc->vm->mode->resume(vc, cpu);
    vc->run_from = cpu->cycles;
}

/*
 * The exit path: the real CPU calls this at the guest's trap itself
 * (t32_trap_handler in isa/t32.h), as real hardware jumps to the VMM's
 * trap vector.  The mode handles the exit; if that changed nothing a
 * boundary decides (an mfsr, a cli, a hidden page fault), the guest
 * resumes right here and the real CPU goes on with the same run - the hot
 * path, which never leaves t32_run().  Anything else ends the run, and the
 * loop below takes it from the boundary.
 *
 * The run's budget is in real cycles and was the virtual time left to the
 * next event, so the two clocks must stay in step.  An emulated
 * instruction keeps them so (one cycle each, the trap's own).  Several
 * emulated in one exit (bt's run on) spent more virtual time: the real CPU
 * is charged the rest, and the run ends no later than the event.  A hidden
 * fault spends a real cycle but no virtual one: the run can only end early.
 */
static bool exit_in_place(void *ctx, t32_cpu *cpu)
{
    vmm_vcpu *vc = ctx;
    account_direct(vc, cpu, true);
    uint64_t at = vc->vcycles;
    vc->exit_next = vc->vm->mode->handle_exit(vc, cpu);
    if (vc->exit_next != VMM_NEXT_RESUME || !may_go_on(vc, cpu))
        return false;
    if (vc->vcycles > at + 1)
        cpu->cycles += vc->vcycles - at - 1;   /* (t32_trap_handler, isa/t32.h) */
    resume(vc, cpu);
    return true;
}

/* Run the guest directly until the next virtual event or `until`.  Its
 * exits are handled as they come (exit_in_place); the run comes back here
 * at the event, or at an exit that needs a boundary. */
static void run_direct(vmm_vcpu *vc, t32_cpu *cpu, uint64_t until)
{
    const vmm_mode_ops *mode = vc->vm->mode;
    uint64_t event = vtimer_next_event(vc), next = event;
    if (next > until)
        next = until;
    if (next <= vc->vcycles)
        next = vc->vcycles + 1;   /* never happens: events were handled */

    if (vc->vm->vmm->insn_hook) {
        trace_next_insn(vc);
        next = vc->vcycles + 1;   /* one instruction at a time */
    }
    if (mode->run && cpu->nbreaks > 0)
        next = vc->vcycles + 1;   /* each boundary checked for a breakpoint */
    if (vc->vm->single_step)
        next = vc->vcycles + 1;   /* e.g. bt, past its own mapping for once */
    vc->run_until = next;
    if (mode->run) {
        mode->run(vc, cpu, next);  /* e.g. emulate: no direct execution */
        return;
    }

    resume(vc, cpu);
    t32_exit why = t32_run(cpu, next - vc->vcycles);
    if (why == T32_EXIT_TRAP) {   /* handled already, by exit_in_place */
        /* (The real CPU's timer and devices are never armed while a guest
         * runs - trap.c - so no real interrupt ends the run.) */
        vmm_invariant(cpu->trap.cause < T32_IRQ_BASE, "no real interrupt reaches a guest's run");
        vc->irq_point = vc->exit_next == VMM_NEXT_BOUNDARY || vc->vcycles >= event;
        return;
    }
    account_direct(vc, cpu, false);
    if (why == T32_EXIT_BREAKPOINT)
        vc->vm->vmm->stop = true;     /* a debugger's breakpoint: its prompt */
    else
        /* halt and wfi trap in user mode */
        vmm_invariant(why == T32_EXIT_BUDGET, "a guest run ends in a trap or its budget");
    vc->irq_point = vc->vcycles >= event;
}

/* A debugger's breakpoint (t32_break_set) at the guest's next pc?
 * t32_run lets the first instruction of a run go by, and a guest resumes
 * at a new pc after every exit; emulate mode never runs the real CPU.  So
 * the boundary itself looks (only while breakpoints are set). */
static bool at_breakpoint(const t32_cpu *cpu, uint32_t pc)
{
    for (size_t i = 0; i < cpu->nbreaks; i++)
        if (cpu->breaks[i] == pc)
            return true;
    return false;
}

/* Is this boundary one where an interrupt may be delivered?  Every
 * boundary is, where the VMM sees the guest's mask (in the vCPU).  A
 * paravirtual guest keeps its mask in its own memory (mode->pull), and
 * unmasks it without an exit, so the VMM must look only where the guest's
 * run itself put a boundary - a virtual event, an exit that asked for one
 * - and never at the end of a turn (or a debugger's single step): the
 * guest would otherwise take its interrupt at a point the quantum chose. */
static bool irq_point(vmm_vcpu *vc)
{
    bool at = vc->irq_point || !vc->vm->mode->pull;
    vc->irq_point = false;
    return at;
}

/* One instruction boundary of the guest, then run it up to the next one
 * that matters. */
static void step(vmm_vcpu *vc, t32_cpu *cpu)
{
    /* The virtual timer latches, and a disk transfer due now lands in guest
     * memory, interrupts wanted or not: a guest may poll memory for it. */
    (void)vtimer_lines(vc);
    if (irq_point(vc) && vmm_inject_pending(vc, cpu) &&
        (vc->vm->outcome.end != VMM_RUNNING || vc->vm->vmm->stop))
        return;                    /* the interrupt escaped (no TVEC), or a debugger
                                      stops at the vector, before the handler runs */
    if (cpu->nbreaks > 0 && at_breakpoint(cpu, vc->pc)) {
        vc->vm->vmm->stop = true;  /* the debugger's prompt, before it runs */
        return;
    }
    run_direct(vc, cpu, vc->horizon);
}

/* The end of this turn: `quantum` cycles from now, the VM's limit, or
 * where the front end wants it paused. */
static uint64_t turn_end(const vmm_vcpu *vc, uint64_t quantum)
{
    uint64_t now = vc->vcycles, limit = vc->vm->limit, pause = vc->vm->pause_at;
    uint64_t end = quantum > UINT64_MAX - now ? UINT64_MAX : now + quantum;
    if (limit != 0 && limit < end)
        end = limit;
    if (pause != 0 && pause < end)
        end = pause > now ? pause : now;
    return end;
}

/* Whether vCPU vc has run its VM's --max-insns: then it runs no more. */
static bool at_limit(const vmm_vcpu *vc)
{
    return vc->vm->limit != 0 && vc->vcycles >= vc->vm->limit;
}

/* Whether vCPU vc can run no further: halted, at the limit, or parked in
 * a wfi that still nothing can wake.  (Asked again, not remembered: vCPU
 * 0's wfi is woken by a disk transfer another vCPU may have started.) */
bool vmm_vcpu_done(vmm_vcpu *vc)
{
    if (vc->halted || at_limit(vc))
        return true;
    return vc->parked && vtimer_lines(vc) == 0 && vtimer_next_event(vc) == UINT64_MAX;
}

vmm_vcpu *vmm_live_vcpu(vmm_vm *vm)
{
    for (int k = 0; k < vm->nvcpus; k++)
        if (!vmm_vcpu_done(&vm->vcpus[k]))
            return &vm->vcpus[k];
    return &vm->vcpus[0];
}

bool vmm_vm_reached(vmm_vm *vm, uint64_t t)
{
    bool any = false;
    for (int i = 0; i < vm->nvcpus; i++) {
        vmm_vcpu *vc = &vm->vcpus[i];
        if (vmm_vcpu_done(vc))
            continue;
        if (vc->vcycles < t)
            return false;
        any = true;
    }
    return any || vmm_vm_time(vm) >= t;
}

/* A VM ends when all its vCPUs have, as a bare machine runs each CPU to
 * its budget and leaves out one parked in a dead wfi (isa/README.md).  The
 * limit holds per vCPU: each runs up to it.  Stopping the VM when its first
 * vCPU got to the limit, or to a dead wfi (the usual way to park a second
 * CPU), would leave the others wherever the quantum happened to put them,
 * so the counts and the transcript would change with --quantum. */
void vmm_vcpu_ended(vmm_vcpu *vc)
{
    vmm_vm *vm = vc->vm;
    const vmm_vcpu *parked = NULL, *limited = NULL;
    for (int i = 0; i < vm->nvcpus; i++) {
        vmm_vcpu *other = &vm->vcpus[i];
        if (!vmm_vcpu_done(other))
            return;
        if (other->halted)
            continue;
        if (at_limit(other))
            limited = limited ? limited : other;
        else
            parked = parked ? parked : other;
    }
    if (parked)
        vmm_vm_stop(vm, parked, VMM_END_IDLE);
    else if (limited)
        vmm_vm_stop(vm, limited, VMM_END_LIMIT);
    else
        vmm_vm_stop(vm, vc, VMM_END_HALT);
}

vmm_end vmm_vcpu_run(vmm_vcpu *vc, t32_cpu *cpu, uint64_t quantum)
{
    vmm_vm *vm = vc->vm;
    if (vm->outcome.end != VMM_RUNNING || vc->halted || at_limit(vc))
        return vm->outcome.end;
    vc->horizon = turn_end(vc, quantum);
    vc->parked = false;             /* its wfi asks again */
    vcpu_load(vc, cpu);
    while (vm->outcome.end == VMM_RUNNING && !vc->halted && !vc->parked) {
        if (at_limit(vc)) {
            vmm_vcpu_ended(vc);
            break;
        } else if (vc->vcycles >= vc->horizon || vm->vmm->stop)
            break;
        else
            step(vc, cpu);
    }
    /* Stopped at a boundary: what bare T32's boundary does before it stops
     * (a due transfer lands, the timer latches), so a state shown here is
     * bare's at the same cycle. */
    (void)vtimer_lines(vc);
    vcpu_save(vc, cpu);
    return vm->outcome.end;
}
