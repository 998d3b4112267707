/*
 * pv.c - `--mode pv`: paravirtualization, Xen's answer to "There is no
 * trap!".
 *
 * Trap-and-emulate cannot see `pushf` and `popf`, and it pays an exit for
 * every privileged instruction the guest kernel runs.  Paravirtualization
 * changes the *guest* instead: a kernel built for it (guestos with
 * -D PARAVIRT) asks the VMM for what it needs with `hcall N` - one exit
 * that does a whole job (print a line, switch address space, return from a
 * trap) - and keeps the rest of its privileged state in a page of its own
 * RAM that it shares with the VMM:
 *
 *   shared page        guest                          VMM
 *   -------------      ---------------------------    ----------------------------
 *   IE                 cli/sti/pushf/popf: plain      reads it before injecting an
 *                      loads and stores, no exit      interrupt: a masked guest
 *                                                     gets none
 *   PENDING            after unmasking: anything      writes the pending lines at
 *                      pending? then `hcall PENDING`  each resume
 *   EPC EPSR CAUSE     the trap handler reads them    writes them when it delivers
 *   BADVADDR SCRATCH   (and writes EPC/EPSR before    a trap; reads them back at
 *                      `hcall IRET`) instead of       every exit
 *                      mfsr/mtsr
 *   PSR                "am I the kernel?"             the virtual PSR at resume
 *
 * The rule that keeps both views one: the VMM *pulls* the page into the
 * vCPU (vsr[], vpsr.IE) the first time it looks after the guest ran - at
 * the exit, or at an instruction boundary where it may inject - and
 * *pushes* the vCPU back into the page when it resumes the guest after a
 * pull.  While the guest runs, the page is the truth and the guest edits
 * it freely; from the pull to the next push, the vCPU is, and the VMM
 * edits it (a trap it delivers overwrites EPC as hardware would).  The
 * guest unmasks without an exit, so the VMM injects only where the
 * guest's own run makes a boundary, never at a turn's end (run.c): a PV
 * run does not depend on the quantum.
 *
 * Everything that is not a hypercall is trap-and-emulate, unchanged
 * (run/exit.c): an unmodified kernel - one that never registers a shared
 * page and never executes hcall - runs exactly as under --mode trap, and
 * a PV kernel may still use a privileged instruction where it is rare
 * (boot), paying the exit.
 *
 * Page tables.  A PV kernel writes the page tables it has loaded only with
 * the MMU_UPDATE hypercall, which drops the shadows.  So SET_PTBR can
 * switch to a cached shadow space instead of dropping every shadow as a
 * PTBR write must: switching processes no longer refills the shadow
 * tables one hidden fault at a time.
 */
#include "vmm/modes/mode.h"
#include "vmm/modes/pv/pv.h"

_Static_assert(PV_NHCALLS <= VMM_STATS_HCALLS, "stats count every hypercall by number");

/* The shared page's first byte, in the VM's RAM (registered in range:
 * hcall.c checks it). */
static uint8_t *shared(const vmm_vcpu *vc)
{
    return vc->vm->mem + vc->pv_page;
}

/* The trap registers that live in the shared page, with their offsets:
 * X(system register, offset).  (A list the compiler unrolls: the page is
 * read at every exit and written at every resume.) */
#define TRAP_REGS(X)                                                    \
    X(T32_SR_EPC, PV_SH_EPC)     X(T32_SR_EPSR, PV_SH_EPSR)             \
    X(T32_SR_CAUSE, PV_SH_CAUSE) X(T32_SR_BADVADDR, PV_SH_BADVADDR)     \
    X(T32_SR_SCRATCH, PV_SH_SCRATCH)

void pv_pull(vmm_vcpu *vc)
{
    if (!vc->pv_shared || !vc->pv_unread)
        return;
    vc->pv_unread = false;
    const uint8_t *page = shared(vc);
    if (t32_load32(page + PV_SH_IE) & 1)
        vc->vpsr |= T32_PSR_IE;
    else
        vc->vpsr &= ~T32_PSR_IE;
    /* As `mtsr` would store them: EPSR keeps only PSR bits (t32.h). */
#define PULL(sr, off) (void)t32_sysreg_apply(vc->vsr, (sr), t32_load32(page + (off)));
    TRAP_REGS(PULL)
#undef PULL
}

/* The vCPU's state into the page. */
static void write_page(vmm_vcpu *vc)
{
    uint8_t *page = shared(vc);
    t32_store32(page + PV_SH_IE, (vc->vpsr & T32_PSR_IE) != 0);
    t32_store32(page + PV_SH_PENDING, vtimer_lines(vc));
#define PUSH(sr, off) t32_store32(page + (off), vc->vsr[(sr)]);
    TRAP_REGS(PUSH)
#undef PUSH
    t32_store32(page + PV_SH_PSR, vc->vpsr & T32_PSR_MASK);
}

void pv_push(vmm_vcpu *vc)
{
    if (!vc->pv_shared)
        return;
    write_page(vc);
    vc->pv_unread = true;
}

/* A front end stopped (a debugger's prompt, its watchpoint check): guest
 * RAM shows what the guest will find there when it runs on - the trap the
 * VMM just delivered, the call's result - though the vCPU keeps the truth
 * until its resume writes the page again (the pending lines as of then). */
static void pv_show(vmm_vcpu *vc)
{
    if (vc->pv_shared && !vc->pv_unread)
        write_page(vc);
}

/* Guest RAM was written behind the guest (a disk transfer, a debugger's
 * `set`): a vCPU whose page it touched, while the VMM holds the truth,
 * takes the page in again - its resume would write the old state over
 * the new bytes. */
static void pv_memory_written(vmm_vm *vm, uint32_t gpa, uint32_t len)
{
    for (int i = 0; i < vm->nvcpus; i++) {
        vmm_vcpu *vc = &vm->vcpus[i];
        if (vc->pv_shared && !vc->pv_unread && gpa < vc->pv_page + T32_PAGE_SIZE &&
            vc->pv_page < gpa + len) {
            vc->pv_unread = true;       /* (so pv_pull reads it) */
            pv_pull(vc);
        }
    }
}

/* Back into the guest: the page first, then trap-and-emulate's resume.
 * Only if the VMM has read the page since the guest last ran (it owns the
 * state then, and may have changed it): a page not looked at is still the
 * guest's truth, and rewriting it from the vCPU would undo its stores -
 * or normalise them (IE 2 read back as 1) at points a turn's end chose. */
static void pv_resume(vmm_vcpu *vc, t32_cpu *cpu)
{
    if (!vc->pv_unread)
        pv_push(vc);
    mode_trap_resume(vc, cpu);
}

/* An exit.  An hcall from the guest kernel is a hypercall; an hcall from
 * guest user code is what bare T32 makes of it (ILLEGAL, reflected), and so
 * is everything else trap-and-emulate handles. */
static vmm_next pv_exit(vmm_vcpu *vc, t32_cpu *cpu)
{
    const t32_trap *t = &cpu->trap;
    pv_pull(vc);
    if (t->cause == T32_CAUSE_ILLEGAL && T32_OPC(t->insn) == T32_OP_HCALL &&
        (vc->vpsr & T32_PSR_K)) {
        vmm_exit_count(vc, t->cause, VMM_TO_HCALL);
        vc->vm->stats.hypercalls++;
        if (T32_IMM16(t->insn) < VMM_STATS_HCALLS)
            vc->vm->stats.hypercalls_by_number[T32_IMM16(t->insn)]++;
        VMM_NOTIFY(vc, .kind = VMM_EV_HCALL, .pc = vc->pc, .insn = t->insn);
        return pv_hcall(vc, cpu, T32_IMM16(t->insn));
    }
    return vmm_exit_handle(vc, cpu);
}

/* A PTBR written with mtsr, or a tlbflush: what any guest may expect -
 * drop every shadow (trap.c does the same). */
static void pv_flush(vmm_vcpu *vc, t32_cpu *cpu)
{
    shadow_flush(vc, cpu);
}

/* Leaving PV mode: page and vCPU are made one - what the guest stored
 * goes into the vCPU, what the VMM changed since (an interrupt it just
 * delivered: EPC, IE := 0) into the page, where the guest's handler reads
 * it.  The registration stays: the next mode ignores it, and on a return
 * to pv the page is the guest's again (left "unread" by the push), so the
 * guest goes on where it was without registering anew - it cannot know
 * its VM changed mode. */
static void pv_leave(vmm_vm *vm)
{
    for (int i = 0; i < vm->nvcpus; i++) {
        pv_pull(&vm->vcpus[i]);
        pv_push(&vm->vcpus[i]);
    }
}

const vmm_mode_ops mode_pv = {
    .id = VMM_MODE_PV,
    .name = "pv",
    .summary = "paravirtual: the guest kernel makes hypercalls and shares a page with the VMM",
    .leave = pv_leave,
    .resume = pv_resume,
    .handle_exit = pv_exit,
    .ptbr_write = pv_flush,
    .tlb_flush = pv_flush,
    .view_change = shadow_activate,
    .pull = pv_pull,
    .show = pv_show,
    .memory_written = pv_memory_written,
};
