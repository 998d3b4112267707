/*
 * emulate.c - privileged instructions, executed by the VMM on the virtual
 * state.  The "emulate" half of trap-and-emulate.
 *
 * The guest kernel runs in real user mode.  Each time it executes one of
 * T32's privileged instructions (class P in ISA.md section 4), the real CPU
 * traps PRIVILEGED and the VMM gets an exit with the instruction word.  If
 * the guest believes it is in kernel mode (virtual K = 1), bare T32 would
 * have executed the instruction - so we execute it here, on the vCPU:
 *
 *   instruction   bare T32 does                 the VMM does
 *   -----------   ---------------------------   ---------------------------------
 *   mfsr rd, sr   rd := system register         rd := *virtual* system register
 *   mtsr sr, rs   system register := rs         virtual sysreg := rs (+ side effects:
 *                                               timer re-arms the virtual timer,
 *                                               ptbr rebuilds the shadow tables)
 *   rfe           PSR := EPSR, pc := EPC        virtual PSR := virtual EPSR, ...
 *   cli / sti     IE := 0 / 1                   virtual IE := 0 / 1
 *   halt          stop the CPU                  stop the VM
 *   wfi           idle until a line is pending  let *virtual* time pass
 *   tlbflush      forget cached translations    drop the shadow tables
 *   in / out      device port access            virtual device access (vdev.c)
 *
 * then step past it.  Each emulated instruction is one virtual cycle, as it
 * would have been one cycle on bare T32.  The general registers are the real
 * CPU's (the guest's registers stay there during its turn); everything
 * privileged is virtual.
 */
#include <stdlib.h>

#include "vmm/modes/mode.h"

/* A write to register rd, respecting r0 = 0. */
static void set_reg(t32_cpu *cpu, unsigned rd, uint32_t value)
{
    if (rd != T32_REG_ZERO)
        cpu->r[rd] = value;
}

/* The virtual IPEND: the latched timer line and the device lines. */
static uint32_t vipend(vmm_vcpu *vc)
{
    return vtimer_lines(vc);
}

/* mfsr: false if the register does not exist (the caller reflects ILLEGAL). */
static bool emulate_mfsr(vmm_vcpu *vc, t32_cpu *cpu, uint32_t insn)
{
    uint32_t sr = T32_IMM16(insn), value;
    switch (sr) {
    case T32_SR_CYCLES: value = (uint32_t)vc->vcycles; break;
    case T32_SR_CPUID:  value = (uint32_t)vc->id; break;
    case T32_SR_IPEND:  value = vipend(vc); break;
    default:
        if (sr >= T32_NSYSREGS)
            return false;
        value = vc->vsr[sr];
        break;
    }
    set_reg(cpu, T32_FA(insn), value);
    return true;
}

/* mtsr: the write itself is the hardware's rule (t32_sysreg_apply in t32.h:
 * EPSR keeps PSR bits, read-only registers ignore it); its effects land on
 * the virtual machinery - the virtual timer, and for PTBR the mode's hold
 * on the guest's tables (shadow paging drops its shadows: they are the VM's
 * TLB).  False if the register does not exist. */
static bool emulate_mtsr(vmm_vcpu *vc, t32_cpu *cpu, uint32_t insn)
{
    /* LAB 02 BEGIN emulate-mtsr */
    uint32_t value = cpu->r[T32_FA(insn)];
    unsigned effects = t32_sysreg_apply(vc->vsr, T32_IMM16(insn), value);
    if (effects & T32_SRW_ILLEGAL)
        return false;
    if (effects & T32_SRW_ARM_TIMER)
        vtimer_write(vc, value);
    if (effects & T32_SRW_FLUSH_TLB)
        vc->vm->mode->ptbr_write(vc, cpu);   /* a new address space */
    return true;
    /* LAB 02 END emulate-mtsr */
}

/* rfe: the virtual PSR comes back from virtual EPSR - possibly with virtual
 * K = 0, in which case the guest's user view of memory takes over. */
static void emulate_rfe(vmm_vcpu *vc, t32_cpu *cpu)
{
    /* LAB 02 BEGIN emulate-rfe */
    uint32_t old = vc->vpsr;
    vc->vpsr = vc->vsr[T32_SR_EPSR] & T32_PSR_MASK;
    vc->pc = vc->vsr[T32_SR_EPC];
    if ((old ^ vc->vpsr) & T32_PSR_K)
        vc->vm->mode->view_change(vc, cpu);
    /* LAB 02 END emulate-rfe */
}

/* The port an in/out instruction addresses: (base + sext(imm)) & 0xffff. */
static uint32_t port_of(const t32_cpu *cpu, uint32_t insn)
{
    return (cpu->r[T32_FB(insn)] + T32_SIMM16(insn)) & 0xffffu;
}

/* One instruction retired by emulation: one virtual cycle. */
static void retire(vmm_vcpu *vc)
{
    vc->vcycles++;
    vc->vm->stats.emulated_insns++;
    vc->vm->stats.guest_insns++;
}

/* halt: the vCPU stops for good (T32 has no way to restart a halted CPU);
 * the VM has halted when all its vCPUs have (vmm_vcpu_ended). */
static void emulate_halt(vmm_vcpu *vc)
{
    retire(vc);
    vc->pc += 4;
    vc->halted = true;
    vmm_vcpu_ended(vc);
}

/* wfi, as bare T32 does it (see vtimer_wait).  Idling costs the host
 * nothing, so it is not cut at the end of the VM's turn - only at the VM's
 * instruction limit, where a bare run would stop idling too, or where the
 * front end pauses the VM (a mode switch, a debugger's step). */
static void emulate_wfi(vmm_vcpu *vc)
{
    vmm_vm *vm = vc->vm;
    uint64_t until = vm->limit ? vm->limit : UINT64_MAX;
    if (vm->pause_at != 0 && vm->pause_at < until)
        until = vm->pause_at > vc->vcycles ? vm->pause_at : vc->vcycles + 1;
    switch (vtimer_wait(vc, until)) {
    case VTIMER_PENDING:            /* a line is up: wfi is a nop */
        retire(vc);
        vc->pc += 4;
        break;
    case VTIMER_WOKEN:              /* retired at the wake-up, its cycle */
        vc->pc += 4;                /* being the last idle one */
        vm->stats.emulated_insns++;
        vm->stats.guest_insns++;
        break;
    case VTIMER_IDLED:              /* pc stays: wfi executes again */
        break;
    case VTIMER_NEVER:              /* parked: the VM ends when all are */
        vc->parked = true;
        vmm_vcpu_ended(vc);
        break;
    }
}

/* The instructions that change virtual state and step on.  They act at
 * the virtual time of the instruction's start (mfsr cycles, the timer's
 * re-arm and device time all read it), so the cycle is charged after.
 * False for an unknown system register. */
static bool emulate_step(vmm_vcpu *vc, t32_cpu *cpu, uint32_t insn)
{
    switch (T32_OPC(insn)) {
    case T32_OP_MFSR:
        return emulate_mfsr(vc, cpu, insn);
    case T32_OP_MTSR:
        return emulate_mtsr(vc, cpu, insn);
    /* LAB 02 BEGIN emulate-cli-sti */
    case T32_OP_CLI:
        vc->vpsr &= ~T32_PSR_IE;
        return true;
    case T32_OP_STI:
        vc->vpsr |= T32_PSR_IE;
        return true;
    /* LAB 02 END emulate-cli-sti */
    case T32_OP_TLBFLUSH:
        vc->vm->mode->tlb_flush(vc, cpu);
        return true;
    case T32_OP_IN:
        set_reg(cpu, T32_FA(insn), vdev_in(vc->vm, port_of(cpu, insn)));
        return true;
    case T32_OP_OUT:
        vdev_out(vc->vm, port_of(cpu, insn), cpu->r[T32_FA(insn)]);
        return true;
    default:
        /* The CPU reports PRIVILEGED only for privileged opcodes. */
        fprintf(stderr, "trapeze: broken invariant: PRIVILEGED exit for opcode 0x%02x\n",
                T32_OPC(insn));
        abort();
    }
}

/* Is vCPU vc the only one of the whole machine that can still run? */
static bool alone(vmm_vcpu *vc)
{
    const vmm *v = vc->vm->vmm;
    for (int i = 0; i < v->nvms; i++) {
        vmm_vm *vm = v->vms[i];
        if (vm->outcome.end != VMM_RUNNING)
            continue;
        for (int k = 0; k < vm->nvcpus; k++)
            if (&vm->vcpus[k] != vc && !vmm_vcpu_done(&vm->vcpus[k]))
                return false;
    }
    return true;
}

/*
 * An `in` of the console that would have to wait for the host (a pipe or a
 * terminal with nothing typed yet).  Bare T32 stops the CPU until a byte
 * comes, and no virtual time passes.  A vCPU alone on the machine does
 * just that: the VMM waits for the host at once (vdev_wait_input), and the
 * `in` runs again at the same cycle.  But a VM must not stop the others
 * (nor its own timer, while they run): then the `in` does not execute yet,
 * the vCPU idles like wfi - to its next virtual event or the end of its
 * turn - and tries again after; the scheduler waits for the host when
 * every VM is waiting.  Input from a file never waits, so such runs stay
 * deterministic.
 */
static bool wait_for_input(vmm_vcpu *vc, t32_cpu *cpu, uint32_t insn)
{
    vmm_vm *vm = vc->vm;
    if (T32_OPC(insn) != T32_OP_IN || !vdev_input_would_wait(vm, port_of(cpu, insn)))
        return false;
    vm->waiting_input = true;
    if (alone(vc)) {
        vdev_wait_input(vm->vmm);       /* (or a front end's stop: a Ctrl-C) */
        return true;
    }
    switch (vtimer_wait(vc, vc->horizon)) {
    case VTIMER_WOKEN:
    case VTIMER_IDLED:
        break;                      /* time went on to an event or the turn's end */
    case VTIMER_PENDING:
    case VTIMER_NEVER:
        if (vc->vcycles < vc->horizon)
            vc->vcycles = vc->horizon;
        break;
    }
    return true;
}

/* A port access changes nothing a boundary decides when it only reads a
 * register that nothing but time changes (the disk's - a transfer
 * completes only at a virtual event - MEMSIZE, NCPUS) or only sends a byte
 * out of the console.  A console read may take input (and move the
 * console's line); a disk write may start a transfer or enable its line. */
static vmm_next port_next(bool is_in, uint32_t port)
{
    unsigned off;
    switch (t32_port_decode(port, &off)) {
    case T32_DEV_DISK:
        return is_in ? VMM_NEXT_RESUME : VMM_NEXT_BOUNDARY;
    case T32_DEV_CONSOLE:
        return !is_in && off == T32_PORT_CON_DATA - T32_PORT_CON_DATA ? VMM_NEXT_RESUME
                                                                      : VMM_NEXT_BOUNDARY;
    case T32_DEV_MEMSIZE:
    case T32_DEV_NCPUS:
    case T32_DEV_NONE:
        break;              /* constants, or nothing there */
    }
    return VMM_NEXT_RESUME;
}

/*
 * An instruction that may unmask interrupts (sti, rfe, bt's popf, a
 * hypercall) or a trap delivered (it masks them) changes what the next
 * boundary decides only if an interrupt is then deliverable:
 * virtual IE = 1 and a line pending.  Lines rise only at virtual events
 * (the timer's deadline, a transfer's end), and the run stops at each of
 * those anyway (run.c), so if none is deliverable now, none will be before
 * the next event: the boundary would have nothing to do, and the guest
 * goes straight on - as after a guest kernel's `rfe` to its user program
 * on almost every tick.
 */
vmm_next vmm_next_after_mask_change(vmm_vcpu *vc)
{
    return (vc->vpsr & T32_PSR_IE) && vtimer_lines(vc) != 0 ? VMM_NEXT_BOUNDARY
                                                            : VMM_NEXT_RESUME;
}

/* Can this instruction, once emulated, change what the next instruction
 * boundary decides?  Reading a register, masking interrupts, writing a
 * system register other than the timer, flushing, and most port accesses
 * cannot: no interrupt becomes deliverable, no virtual event moves.  sti
 * may unmask one (vmm_next_after_mask_change decides, once it has run), a
 * timer write moves the next tick, some port accesses move a device
 * (port_next). */
static vmm_next next_after(const t32_cpu *cpu, uint32_t insn)
{
    switch (T32_OPC(insn)) {
    case T32_OP_MFSR:
    case T32_OP_CLI:
    case T32_OP_TLBFLUSH:
        return VMM_NEXT_RESUME;
    case T32_OP_MTSR:
        return T32_IMM16(insn) == T32_SR_TIMER ? VMM_NEXT_BOUNDARY : VMM_NEXT_RESUME;
    case T32_OP_IN:
    case T32_OP_OUT:
        return port_next(T32_OPC(insn) == T32_OP_IN, port_of(cpu, insn));
    default:
        return VMM_NEXT_BOUNDARY;
    }
}

vmm_next vmm_emulate(vmm_vcpu *vc, t32_cpu *cpu, uint32_t insn)
{
    if (wait_for_input(vc, cpu, insn))
        return VMM_NEXT_BOUNDARY;
    VMM_NOTIFY(vc, .kind = VMM_EV_EMULATE, .pc = vc->pc, .insn = insn, .port = port_of(cpu, insn));
    switch (T32_OPC(insn)) {
    case T32_OP_RFE:
        retire(vc);
        emulate_rfe(vc, cpu);
        return vmm_next_after_mask_change(vc);
    case T32_OP_HALT:
        emulate_halt(vc);
        return VMM_NEXT_BOUNDARY;
    case T32_OP_WFI:
        emulate_wfi(vc);
        return VMM_NEXT_BOUNDARY;
    }
    vmm_next after = next_after(cpu, insn);   /* (before `in` may change its base) */
    bool ok = emulate_step(vc, cpu, insn);
    retire(vc);      /* a trapping instruction costs its cycle too */
    if (ok) {
        vc->pc += 4;
        return T32_OPC(insn) == T32_OP_STI ? vmm_next_after_mask_change(vc) : after;
    }
    /* Bare T32: ILLEGAL for an unknown system register. */
    VMM_NOTIFY(vc, .kind = VMM_EV_REFLECT, .pc = vc->pc, .cause = T32_CAUSE_ILLEGAL);
    vmm_reflect_trap(vc, cpu, T32_CAUSE_ILLEGAL, vc->pc, 0);
    return vmm_next_after_mask_change(vc);   /* (a trap delivered: IE := 0) */
}
