/*
 * trace.c - watching trap-and-emulate work: one line per VMM decision.
 *
 * `trapeze run --mode trap --trace FILE` writes a line for every exit the
 * VMM handles and every interrupt it injects, with the VM, the virtual
 * time, the guest pc and the guest's *virtual* K and IE (what the guest
 * believes - the real CPU always runs it with K = 0):
 *
 *   # vm        cycle       pc K IE event    detail
 *   vm0            23 00001a60 1  0 emulate  out 0x10
 *   vm0         28522 00400030 0  1 inject   irq-timer
 *   vm0         28742 00400140 0  1 reflect  syscall
 *   vm0         28901 00400030 1  0 hidden   load-fault 0x00801000
 *
 *   emulate  a privileged instruction of the guest kernel, executed by the
 *            VMM on the virtual state (run/emulate.c)
 *   reflect  a trap the guest is owed, delivered to its own handler
 *            (run/reflect.c); for memory faults, the address
 *   hidden   a page fault the guest never sees: the shadow tables had no
 *            entry yet and now do (memory/shadow.c)
 *   inject   a virtual interrupt delivered at an instruction boundary
 *   mode     the VM switched VMM mode
 *   scan     (bt) a page about to run in guest kernel mode was scanned
 *   patch    (bt) a sensitive instruction was patched in the page's copy
 *   patched  (bt) a patched instruction trapped and was emulated
 *   unpatch  (bt) a scanned page was written (store or dma): patches dropped
 *   hcall    a hypercall of a paravirtual guest (--mode pv), by name
 *
 * K and IE are those at the moment of the decision: before the emulated
 * instruction, before the trap is reflected or the interrupt injected.  On
 * bare T32 (`--bare --trace`) the same columns show each trap the CPU took
 * ("trap"), with the mode and IE it was taken from.
 *
 * Everything in a line is virtual (guest time, guest addresses), so a trace
 * is as deterministic as the run: two runs of the same guest give the same
 * trace, and a trace can be diffed against another.
 */
#include <inttypes.h>

#include "vmm/modes/mode.h"
#include "vmm/modes/pv/pv.h"
#include "vmm/report/trace.h"

void trace_header(FILE *out)
{
    fprintf(out, "# %-4s %10s %8s K IE %-8s %s\n", "vm", "cycle", "pc", "event", "detail");
}

static void line(FILE *out, const char *who, uint64_t cycle, uint32_t pc, uint32_t psr,
                 const char *what, const char *detail)
{
    fprintf(out, "%-6s %10" PRIu64 " %08" PRIx32 " %u  %u %-8s %s\n", who, cycle, pc,
            (psr & T32_PSR_K) != 0, (psr & T32_PSR_IE) != 0, what, detail);
}

/* "mtsr timer", "out 0x10", "rfe", ...: the instruction, with its system
 * register or its port. */
static void describe_insn(char *buf, size_t len, const vmm_event *ev)
{
    const char *mnemonic = t32_ops[T32_OPC(ev->insn)].mnemonic;
    const char *sr = t32_sysreg_name(T32_IMM16(ev->insn));
    switch (T32_OPC(ev->insn)) {
    case T32_OP_MFSR:
    case T32_OP_MTSR:
        snprintf(buf, len, "%s %s", mnemonic, sr ? sr : "?");
        break;
    case T32_OP_IN:
    case T32_OP_OUT:
        snprintf(buf, len, "%s 0x%02" PRIx32, mnemonic, ev->port);
        break;
    default:
        snprintf(buf, len, "%s", mnemonic ? mnemonic : "?");
        break;
    }
}

/* "load-fault 0x00801000": a cause, with the address for memory causes. */
static void describe_cause(char *buf, size_t len, t32_cause cause, uint32_t badvaddr)
{
    if (t32_cause_sets_badvaddr(cause))
        snprintf(buf, len, "%s 0x%08" PRIx32, t32_cause_name(cause), badvaddr);
    else
        snprintf(buf, len, "%s", t32_cause_name(cause));
}

/* "console", "iret", ...: a hypercall by its name (or number). */
static void describe_hcall(char *buf, size_t len, uint32_t insn)
{
    const char *name = pv_hcall_name(T32_IMM16(insn));
    if (name)
        snprintf(buf, len, "%s", name);
    else
        snprintf(buf, len, "%" PRIu32, T32_IMM16(insn));
}

static const char *const event_names[] = {
    [VMM_EV_EMULATE] = "emulate", [VMM_EV_REFLECT] = "reflect",
    [VMM_EV_HIDDEN] = "hidden",   [VMM_EV_INJECT] = "inject",
    [VMM_EV_MODE] = "mode",       [VMM_EV_HCALL] = "hcall",
    [VMM_EV_SCAN] = "scan",       [VMM_EV_PATCH] = "patch",
    [VMM_EV_PATCHED] = "patched", [VMM_EV_UNPATCH] = "unpatch",
};

void trace_event(void *ctx, const vmm_vcpu *vc, const vmm_event *ev)
{
    char who[32], detail[64];
    if (vc->vm->nvcpus > 1)
        snprintf(who, sizeof who, "vm%d.%d", vc->vm->id, vc->id);
    else
        snprintf(who, sizeof who, "vm%d", vc->vm->id);
    switch (ev->kind) {
    case VMM_EV_EMULATE:
        describe_insn(detail, sizeof detail, ev);
        break;
    case VMM_EV_MODE:
        snprintf(detail, sizeof detail, "%s", vc->vm->mode->name);
        break;
    case VMM_EV_SCAN:
        snprintf(detail, sizeof detail, "page 0x%08" PRIx32 ": %" PRIu32 " to patch",
                 ev->gpa, ev->count);
        break;
    case VMM_EV_PATCH:
    case VMM_EV_PATCHED:
        snprintf(detail, sizeof detail, "%s at 0x%08" PRIx32,
                 t32_ops[T32_OPC(ev->insn)].mnemonic, ev->gpa);
        break;
    case VMM_EV_UNPATCH:
        snprintf(detail, sizeof detail, "page 0x%08" PRIx32 " (%s)", ev->gpa, ev->why);
        break;
    case VMM_EV_HCALL:
        describe_hcall(detail, sizeof detail, ev->insn);
        break;
    default:
        describe_cause(detail, sizeof detail, ev->cause, ev->badvaddr);
        break;
    }
    line(ctx, who, vc->vcycles, ev->pc, vc->vpsr, event_names[ev->kind], detail);
}

void trace_bare_trap(FILE *out, const t32_cpu *cpu)
{
    char detail[64];
    /* The time the trapping instruction started at, as in a VM's trace (an
     * interrupt is taken between instructions and costs no cycle). */
    uint64_t cycle = cpu->cycles - (cpu->trap.cause < T32_IRQ_BASE);
    describe_cause(detail, sizeof detail, cpu->trap.cause, cpu->trap.badvaddr);
    line(out, "bare", cycle, cpu->trap.epc, cpu->sr[T32_SR_EPSR], "trap", detail);
}
