/*
 * bare.c - the reference run: a guest on bare T32, with no VMM at all.
 *
 * Fidelity is defined against this: whatever a guest does here is what it
 * must also do under the VMM.  The guest *is* the kernel: it starts in
 * kernel mode, installs its own trap vector and handles its own traps.
 *
 * We run the CPU in the host-kernel trap configuration anyway, for one
 * reason: to notice a trap that nobody handles.  The CPU performs the whole
 * trap entry (EPC, EPSR, CAUSE, BADVADDR, K := 1, IE := 0) and hands us the
 * record; all that is left of the hardware's job is "pc := TVEC", which we
 * do here.  So the guest sees exactly the bare-metal behaviour, and we see
 * every trap go by and can stop a run that could never recover:
 *
 *   a trap taken in kernel mode (EPSR.K = 1) while TVEC = 0.
 *
 * Such a trap would enter the "handler" at address 0 - usually zeroed
 * memory, whose all-zero word traps ILLEGAL again, in kernel mode, forever.
 * A real machine would spin there; we stop and say where it went wrong.
 * (A trap from *user* mode with TVEC = 0 is not yet hopeless - the kernel
 * may really live at 0 - so it goes ahead; if address 0 is garbage, the
 * next trap is taken in kernel mode and caught by the rule.)
 */
#include "vmm/vmm.h"
#include "vmm/report/trace.h"

/* A trap that nobody can handle: see the comment at the top. */
static bool trap_escapes(const t32_cpu *cpu)
{
    return cpu->sr[T32_SR_TVEC] == 0 && (cpu->sr[T32_SR_EPSR] & T32_PSR_K);
}

/* The longest batch t32_run gets at a time.  Between batches the front
 * end may end the run (vmm_watch.front_end_end).  The CPU stops exactly at
 * its budget and goes on from there, so a run cut into batches is the same
 * run; a batch of 2^24 cycles takes a few milliseconds. */
#define BARE_BATCH (1u << 24)

/* The cycles left before `limit` (0 = no limit). */
static uint64_t budget_left(const t32_cpu *cpu, uint64_t limit)
{
    if (limit == 0)
        return UINT64_MAX;
    return cpu->cycles < limit ? limit - cpu->cycles : 0;
}

static vmm_outcome outcome(const t32_cpu *cpu, vmm_end end)
{
    vmm_outcome out = { .end = end, .pc = cpu->pc, .cycles = cpu->cycles };
    if (end == VMM_END_ESCAPE) {
        out.trap = cpu->trap;
        out.pc = cpu->trap.epc;
    }
    return out;
}

/* Interrupts are counted as in a VM, to compare the two. */
static void count_interrupt(const t32_cpu *cpu, vmm_stats *st)
{
    if (cpu->trap.cause < T32_IRQ_BASE)
        return;
    st->injected_irqs++;
    if (cpu->sr[T32_SR_EPSR] & T32_PSR_K)
        st->irqs_in_kernel++;
}

/* The instruction trace: one instruction, as the CPU fetched it, reported
 * once it has run (or trapped) - an interrupt taken before it is not an
 * instruction, and the handler's first one is reported instead. */
static t32_exit run_one_traced(t32_cpu *cpu, const vmm_watch *w)
{
    uint32_t pa, word, pc = cpu->pc, psr = cpu->psr;
    uint64_t cycle = cpu->cycles;
    bool ok = t32_translate(cpu, pc, T32_FETCH, (psr & T32_PSR_K) != 0, &pa) ==
                  T32_CAUSE_NONE && t32_phys_read32(cpu->m, pa, &word);
    t32_exit why = t32_run(cpu, 1);
    if (cpu->cycles > cycle)
        w->insn_hook(w->insn_ctx, -1, cycle, pc, psr, ok ? &word : NULL);
    return why;
}

/* A debugger's breakpoint at pc?  t32_run lets the first instruction of a
 * run go by, so one at the target of a trap (pc := TVEC) is checked here. */
static bool at_break(const t32_cpu *cpu)
{
    for (size_t i = 0; i < cpu->nbreaks; i++)
        if (cpu->breaks[i] == cpu->pc)
            return true;
    return false;
}

/* Run up to `left` cycles; VMM_RUNNING if the guest may go on. */
static vmm_end bare_step(t32_cpu *cpu, uint64_t left, vmm_stats *st, const vmm_watch *w)
{
    if (w && w->stopped && *w->stopped)
        return VMM_RUNNING;
    t32_exit why = w && w->insn_hook ? run_one_traced(cpu, w) : t32_run(cpu, left);
    switch (why) {
    case T32_EXIT_HALT:
        return VMM_END_HALT;
    case T32_EXIT_IDLE:
        return VMM_END_IDLE;
    case T32_EXIT_TRAP:
        count_interrupt(cpu, st);
        if (w && w->trace)
            trace_bare_trap(w->trace, cpu);
        if (trap_escapes(cpu))
            return VMM_END_ESCAPE;
        cpu->pc = cpu->sr[T32_SR_TVEC];   /* the last step of trap entry */
        if (w && w->stopped && at_break(cpu))
            *w->stopped = true;
        return VMM_RUNNING;
    case T32_EXIT_BUDGET:
        break;
    case T32_EXIT_BREAKPOINT:
        if (w && w->stopped)
            *w->stopped = true;
        break;
    }
    return VMM_RUNNING;     /* the caller re-checks the limit */
}

vmm_outcome vmm_bare_run_watched(t32_machine *m, uint64_t limit, vmm_stats *st,
                                 const vmm_watch *w)
{
    t32_cpu *cpu = &m->cpu[0];
    vmm_end end = VMM_RUNNING;

    *st = (vmm_stats){ 0 };
    cpu->host_kernel = true;
    while (end == VMM_RUNNING && !(w && w->stopped && *w->stopped)) {
        uint64_t left = budget_left(cpu, limit);
        if (w && w->front_end_end)
            end = w->front_end_end(w->insn_ctx);
        if (end == VMM_RUNNING)
            end = left == 0 ? VMM_END_LIMIT
                            : bare_step(cpu, left < BARE_BATCH ? left : BARE_BATCH, st, w);
    }
    st->guest_insns = st->direct_insns = cpu->retired;
    st->idle_cycles = cpu->cycles - cpu->retired;
    return outcome(cpu, end);
}

vmm_outcome vmm_bare_run(t32_machine *m, uint64_t limit, vmm_stats *st)
{
    return vmm_bare_run_watched(m, limit, st, NULL);
}
