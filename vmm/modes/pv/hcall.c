/*
 * hcall.c - the hypercalls: what a paravirtual guest kernel asks the VMM
 * for, instead of executing privileged instructions one exit at a time.
 *
 * `hcall N` traps on the real CPU like any exit (on bare T32 it is an
 * ILLEGAL instruction); pv.c sends it here when the guest is in virtual
 * kernel mode.  The call number is the instruction's 16-bit immediate, the
 * arguments are in r1..r3, the result goes back in r1: >= 0 on success,
 * a negative PV_E_* code on failure (vmm/HYPERCALLS.md is the ABI).
 *
 * Every argument is untrusted.  A pointer is a guest *virtual* address,
 * translated through the guest's own tables in its kernel view
 * (shadow_guest_translate) - unmapped, not readable, or outside the VM's
 * RAM is PV_E_FAULT; a physical address (the shared page, a PTE, a
 * page-table frame) must lie in the VM's RAM.  A call that fails changes
 * nothing.  No hypercall can make the VMM fault, or reach memory that is
 * not the calling VM's own.
 *
 * A hypercall is one guest instruction: one virtual cycle.  Where a call
 * *is* a privileged instruction done in one go - halt, rfe, wfi - it is
 * handed to the emulator (run/emulate.c) as that instruction, so its
 * timing and effects are exactly those of trap-and-emulate.
 */
#include "vmm/modes/mode.h"
#include "vmm/modes/pv/pv.h"

static const char *const hcall_names[] = {
#define PV_HCALL_NAME(name, num, str) [num] = str,
    PV_HCALLS(PV_HCALL_NAME)
#undef PV_HCALL_NAME
};

const char *pv_hcall_name(uint32_t num)
{
    return num < PV_NHCALLS ? hcall_names[num] : NULL;
}

/* The hcall retired: one virtual cycle, on to the next instruction, with
 * `result` in r1. */
static void finish(vmm_vcpu *vc, t32_cpu *cpu, int32_t result)
{
    cpu->r[1] = (uint32_t)result;
    vc->vcycles++;
    vc->vm->stats.emulated_insns++;
    vc->vm->stats.guest_insns++;
    vc->pc += 4;
}

/* A privileged instruction, executed by the emulator as if the guest had
 * trapped on it here (it steps past the hcall, or not, as it would). */
static vmm_next as_insn(vmm_vcpu *vc, t32_cpu *cpu, unsigned op)
{
    return vmm_emulate(vc, cpu, T32_ENC_R(op, 0, 0, 0));
}

/* Is [gpa, gpa + len) inside the VM's RAM? */
static bool in_ram(const vmm_vm *vm, uint32_t gpa, uint32_t len)
{
    return gpa < vm->size && len <= vm->size - gpa;
}

/* The guest-physical address of guest virtual `va`, as the guest kernel
 * would reach it with `access`; false if it cannot. */
static bool guest_addr(const vmm_vcpu *vc, uint32_t va, t32_access access, uint32_t *gpa)
{
    return shadow_guest_translate(vc, va, access, gpa) == T32_CAUSE_NONE &&
           in_ram(vc->vm, *gpa, 1);
}

/* Read the aligned word at guest virtual `va`. */
static bool read_word(const vmm_vcpu *vc, uint32_t va, uint32_t *w)
{
    uint32_t gpa;
    if (va % 4 != 0 || !guest_addr(vc, va, T32_LOAD, &gpa) || !in_ram(vc->vm, gpa, 4))
        return false;
    *w = t32_load32(vc->vm->mem + gpa);
    return true;
}

/* Is every page of the buffer [va, va + len) readable by the guest kernel?
 * (A page-aligned step: one translation per page.) */
static bool readable(const vmm_vcpu *vc, uint32_t va, uint32_t len)
{
    uint32_t gpa;
    if (len == 0)
        return true;
    if (va + (len - 1) < va)
        return false;                          /* wraps around 2^32 */
    for (uint32_t page = va & T32_PTE_FRAME; ; page += T32_PAGE_SIZE) {
        if (!guest_addr(vc, page < va ? va : page, T32_LOAD, &gpa))
            return false;
        if (page >= ((va + len - 1) & T32_PTE_FRAME))
            return true;
    }
}

/* ---- the calls ------------------------------------------------------------------ */

/* SHARED_PAGE(pa): share the page at guest-physical pa (0: stop sharing).
 * It gets the vCPU's state right away, so nothing stale is ever pulled. */
static int32_t hc_shared_page(vmm_vcpu *vc, uint32_t pa)
{
    if (pa == 0) {
        vc->pv_shared = false;
        return 0;
    }
    if (pa % T32_PAGE_SIZE != 0)
        return PV_E_INVAL;
    if (!in_ram(vc->vm, pa, T32_PAGE_SIZE))
        return PV_E_FAULT;
    vc->pv_page = pa;
    vc->pv_shared = true;
    pv_push(vc);
    return 0;
}

/* CONSOLE(buf, len): the whole buffer to the virtual console, as if each
 * byte were `out`ed to CON_DATA - one exit instead of len. */
static int32_t hc_console(vmm_vcpu *vc, uint32_t buf, uint32_t len)
{
    /* LAB 04 BEGIN hc-console */
    uint32_t gpa = 0;
    if (len > PV_CONSOLE_MAX)
        return PV_E_INVAL;
    if (!readable(vc, buf, len))
        return PV_E_FAULT;
    for (uint32_t i = 0; i < len; i++) {
        if (i == 0 || (buf + i) % T32_PAGE_SIZE == 0)
            guest_addr(vc, buf + i, T32_LOAD, &gpa);   /* checked above */
        else
            gpa++;
        vdev_out(vc->vm, T32_PORT_CON_DATA, vc->vm->mem[gpa]);
    }
    return (int32_t)len;
    /* LAB 04 END hc-console */
}

/* SET_TVEC(addr): the trap vector (an instruction address: aligned). */
static int32_t hc_set_tvec(vmm_vcpu *vc, uint32_t addr)
{
    if (addr % 4 != 0)
        return PV_E_INVAL;
    vc->vsr[T32_SR_TVEC] = addr;
    return 0;
}

/* SET_PTBR(value): a new address space.  Unlike `mtsr ptbr`, the shadows
 * stay: a PV guest changes loaded tables only through MMU_UPDATE, so a
 * shadow space built for this PTBR earlier is still right. */
static int32_t hc_set_ptbr(vmm_vcpu *vc, t32_cpu *cpu, uint32_t value)
{
    if ((value & T32_PTBR_E) && !in_ram(vc->vm, value & T32_PTE_FRAME, T32_PAGE_SIZE))
        return PV_E_FRAME;
    t32_sysreg_apply(vc->vsr, T32_SR_PTBR, value);
    shadow_activate(vc, cpu);
    return 0;
}

/* One (pte, value) pair of MMU_UPDATE: 0, or why it is refused. */
static int32_t check_update(const vmm_vm *vm, uint32_t pte, uint32_t value)
{
    if (pte % 4 != 0)
        return PV_E_INVAL;
    if (!in_ram(vm, pte, 4))
        return PV_E_FAULT;
    if ((value & T32_PTE_V) && !in_ram(vm, value & T32_PTE_FRAME, T32_PAGE_SIZE))
        return PV_E_FRAME;
    return 0;
}

/* MMU_UPDATE(pairs, count): count (guest-physical PTE address, value)
 * pairs at guest virtual `pairs`, all copied and checked, then all
 * written; then the shadows are dropped (the TLB flush).  All or nothing.
 * (Copied first: the pairs may lie in a page the updates write, and what
 * was checked must be what is written.) */
static int32_t hc_mmu_update(vmm_vcpu *vc, t32_cpu *cpu, uint32_t pairs, uint32_t count)
{
    /* LAB 04 BEGIN hc-mmu-update */
    static uint32_t pair[2 * PV_MMU_MAX];
    if (count > PV_MMU_MAX)
        return PV_E_INVAL;
    for (uint32_t i = 0; i < 2 * count; i++)
        if (!read_word(vc, pairs + 4 * i, &pair[i]))
            return PV_E_FAULT;
    for (uint32_t i = 0; i < count; i++) {
        int32_t rc = check_update(vc->vm, pair[2 * i], pair[2 * i + 1]);
        if (rc)
            return rc;
    }
    for (uint32_t i = 0; i < count; i++)
        t32_phys_write32(vc->vm->vmm->m, vc->vm->base + pair[2 * i], pair[2 * i + 1]);
    shadow_flush(vc, cpu);
    return (int32_t)count;
    /* LAB 04 END hc-mmu-update */
}

/* SET_TIMER(interval): as `mtsr timer` - (re)arm, or 0 = off. */
static int32_t hc_set_timer(vmm_vcpu *vc, uint32_t interval)
{
    t32_sysreg_apply(vc->vsr, T32_SR_TIMER, interval);
    vtimer_write(vc, interval);
    return 0;
}

/* Each call returns through an instruction boundary where an interrupt
 * may be injected (HYPERCALLS.md, "The interrupt mask, honoured"): the
 * ones pending and unmasked are taken right after it.  A call that moves
 * the timer, idles or halts leaves the run loop more to do; the others end
 * the run only if an interrupt is then deliverable (vmm_next_after_mask_change)
 * - as after an emulated rfe or sti. */
vmm_next pv_hcall(vmm_vcpu *vc, t32_cpu *cpu, uint32_t num)
{
    uint32_t a1 = cpu->r[1], a2 = cpu->r[2];
    switch (num) {
    case PV_HC_SHARED_PAGE: finish(vc, cpu, hc_shared_page(vc, a1)); break;
    case PV_HC_CONSOLE:     finish(vc, cpu, hc_console(vc, a1, a2)); break;
    case PV_HC_SET_TVEC:    finish(vc, cpu, hc_set_tvec(vc, a1)); break;
    case PV_HC_SET_PTBR:    finish(vc, cpu, hc_set_ptbr(vc, cpu, a1)); break;
    case PV_HC_MMU_UPDATE:  finish(vc, cpu, hc_mmu_update(vc, cpu, a1, a2)); break;
    case PV_HC_SET_TIMER:
        finish(vc, cpu, hc_set_timer(vc, a1));
        return VMM_NEXT_BOUNDARY;          /* the next tick moved */
    case PV_HC_IDLE:                       /* sti; wfi - with no window between */
        cpu->r[1] = 0;
        vc->vpsr |= T32_PSR_IE;
        return as_insn(vc, cpu, T32_OP_WFI);
    case PV_HC_HALT:
        cpu->r[1] = 0;
        return as_insn(vc, cpu, T32_OP_HALT);
    case PV_HC_IRET:                       /* EPC and EPSR were pulled at the exit */
        return as_insn(vc, cpu, T32_OP_RFE);
    case PV_HC_PENDING:                    /* the boundary after it injects */
        finish(vc, cpu, (int32_t)cpu->r[1]);
        break;
    default:
        finish(vc, cpu, PV_E_NOSYS);
        break;
    }
    return vmm_next_after_mask_change(vc);
}
