/*
 * trace.c - watching trap-and-emulate work: one line per VMM decision.
 *
 * `trapeze run --mode trap --trace FILE` writes a line for every exit the
 * VMM handles and every interrupt it injects, with the VM, the virtual
 * time and the guest pc:
 *
 *   vm0        23 00001a60 emulate  out 0x10
 *   vm0     28522 00400030 inject   irq-timer
 *   vm0     28742 00400140 reflect  syscall
 *   vm0     28901 00400030 hidden   load-fault 0x00801000
 *
 *   emulate  a privileged instruction of the guest kernel, executed by the
 *            VMM on the virtual state (emulate.c)
 *   reflect  a trap the guest is owed, delivered to its own handler
 *            (reflect.c); for memory faults, the address
 *   hidden   a page fault the guest never sees: the shadow tables had no
 *            entry yet and now do (shadow.c)
 *   inject   a virtual interrupt delivered at an instruction boundary
 *
 * Everything in a line is virtual (guest time, guest addresses), so a trace
 * is as deterministic as the run: two runs of the same guest give the same
 * trace, and a trace can be diffed against another.
 */
#include <inttypes.h>

#include "vmm/vmm.h"

static void line(const vmm_vm *vm, uint32_t pc, const char *what, const char *detail)
{
    fprintf(vm->trace, "vm%d %10" PRIu64 " %08" PRIx32 " %-8s %s\n", vm->id,
            vm->vcpu.vcycles, pc, what, detail);
}

/* "mtsr timer", "out 0x10", "rfe", ...: the instruction, with its system
 * register or its port. */
static void describe_insn(char *buf, size_t len, const t32_cpu *cpu, uint32_t insn)
{
    const char *mnemonic = t32_ops[T32_OPC(insn)].mnemonic;
    const char *sr = t32_sysreg_name(T32_IMM16(insn));
    switch (T32_OPC(insn)) {
    case T32_OP_MFSR:
    case T32_OP_MTSR:
        snprintf(buf, len, "%s %s", mnemonic, sr ? sr : "?");
        break;
    case T32_OP_IN:
    case T32_OP_OUT:
        snprintf(buf, len, "%s 0x%02" PRIx32, mnemonic,
                 (cpu->r[T32_FB(insn)] + T32_SIMM16(insn)) & 0xffffu);
        break;
    default:
        snprintf(buf, len, "%s", mnemonic ? mnemonic : "?");
        break;
    }
}

void vmm_trace_emulate(const vmm_vm *vm, const t32_cpu *cpu, uint32_t pc, uint32_t insn)
{
    char detail[32];
    if (!vm->trace)
        return;
    describe_insn(detail, sizeof detail, cpu, insn);
    line(vm, pc, "emulate", detail);
}

void vmm_trace_trap(const vmm_vm *vm, const char *what, uint32_t pc, t32_cause cause,
                    uint32_t badvaddr)
{
    char detail[48];
    if (!vm->trace)
        return;
    if (cause >= T32_CAUSE_MISALIGNED && cause <= T32_CAUSE_BUS_ERROR)
        snprintf(detail, sizeof detail, "%s 0x%08" PRIx32, t32_cause_name(cause), badvaddr);
    else
        snprintf(detail, sizeof detail, "%s", t32_cause_name(cause));
    line(vm, pc, what, detail);
}
