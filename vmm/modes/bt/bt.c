/*
 * bt.c - `--mode bt`: binary-translation patch-up, VMware's answer to
 * "There is no trap!".
 *
 * Trap-and-emulate fails on T32 for exactly two instructions, pushf and
 * popf: sensitive, but they do not trap in user mode (ISA.md,
 * "Virtualizability").  Binary translation makes them trap.  Before guest
 * code runs in *virtual kernel mode*, the VMM scans its page and rewrites
 * every sensitive instruction into a word the real CPU cannot decode, whose
 * low bits name an entry of the VM's patch table:
 *
 *   guest page (guest RAM, untouched)       its copy (VMM memory)
 *   0x1234:  pushf                 ---->    0x1234:  0xff000007   (patch 7)
 *   0x1238:  cli                            0x1238:  cli
 *
 * The copy is what the real CPU fetches in the guest kernel's view of
 * memory (shadow paging maps it there, execute-only); loads and stores see
 * the original (patch.c).  When the patched word runs, the real CPU traps
 * ILLEGAL - an exit - and the VMM looks up patch 7, finds `pushf`, and
 * executes it on the *virtual* state: it pushes the virtual PSR, with
 * virtual K = 1.  The guest cannot tell; guest *user* code runs unpatched,
 * directly, at full speed.
 *
 * As VMware's translation cache did, the patches live outside the guest:
 * guest RAM stays byte for byte what it is on bare T32, code that reads its
 * own instructions reads the originals, and code that writes them (or a
 * disk transfer into them) drops the page's patches - it is scanned again
 * before it next runs in kernel mode.
 */
#include <stdlib.h>

#include "vmm/memory/guest.h"
#include "vmm/modes/bt/bt.h"

/* ---- the patched instructions, on the virtual state --------------------------- */

static void reflect(vmm_vcpu *vc, t32_cpu *cpu, t32_cause cause, uint32_t va)
{
    VMM_NOTIFY(vc, .kind = VMM_EV_REFLECT, .pc = vc->pc, .cause = cause, .badvaddr = va);
    vmm_reflect_trap(vc, cpu, cause, vc->pc, va);
}

/* pushf: mem32[sp - 4] := PSR - the *virtual* PSR, virtual K and IE with
 * the real flags - and sp := sp - 4.  `a` is where the guest's own store
 * of that word lands (guest.h; a.va = sp - 4), or the fault bare T32
 * raises: reflected, and the instruction changes nothing.
 *
 * A store into a scanned page must drop its patches (a stack in a code
 * page).  One the real CPU's TLB allows cannot be such a store: scanned
 * pages are never writable (patch.c, promise 3).  So only a translation
 * that took a walk needs the check. */
static VMM_INLINE void emulate_pushf(vmm_vcpu *vc, t32_cpu *cpu, guest_addr a)
{
    /* LAB 03 BEGIN bt-pushf */
    if (a.cause != T32_CAUSE_NONE) {
        reflect(vc, cpu, a.cause, a.va);
        return;
    }
    guest_write32(vc->vm, a.gpa, vc->vpsr & T32_PSR_MASK);
    if (!a.from_tlb)
        bt_invalidate(vc->vm, a.gpa, 4, "store");
    cpu->r[T32_REG_SP] = a.va;
    vc->pc += 4;
    /* LAB 03 END bt-pushf */
}

/* popf: t := mem32[sp]; sp := sp + 4; flags := t's; IE := t's if K.  `a`
 * is where the guest's own load of that word lands (a.va = sp), or the
 * fault. */
static VMM_INLINE void emulate_popf(vmm_vcpu *vc, t32_cpu *cpu, guest_addr a)
{
    /* LAB 03 BEGIN bt-popf */
    uint32_t t;
    if (a.cause != T32_CAUSE_NONE) {
        reflect(vc, cpu, a.cause, a.va);
        return;
    }
    vmm_invariant(guest_read32(vc->vm, a.gpa, &t), "a translated word is in guest RAM");
    cpu->r[T32_REG_SP] = a.va + 4;
    uint32_t keep = (vc->vpsr & T32_PSR_K) ? T32_PSR_K : T32_PSR_K | T32_PSR_IE;
    vc->vpsr = (vc->vpsr & keep) | (t & ~keep & T32_PSR_MASK);
    vc->pc += 4;
    /* LAB 03 END bt-popf */
}

/*
 * The privileged instructions right after a patched pushf - the `cli` of
 * `pushf; cli`, with which every critical section starts - are emulated in
 * the same exit, as VMware's translator made one call into the monitor for
 * a run of sensitive instructions.  Each would have trapped at once, and
 * each is emulated exactly as its own exit would have been (vmm_emulate);
 * this only saves the round trips.  (Only the kernel's code is patched, so
 * all of it runs in virtual kernel mode, where a privileged instruction does
 * not trap into the guest; an rfe leaving it ends the run.)  So it stops
 * wherever that could differ:
 *
 *   - when a boundary is due (vmm_may_go_on: an event, a debugger) or an
 *     instruction leaves one something to do (VMM_NEXT_BOUNDARY);
 *   - when control leaves the straight line of the kernel's code (an rfe
 *     to anywhere, in either mode, or a trap delivered);
 *   - when the address space changes (a PTBR write, a tlbflush: the shadow
 *     epoch moves), or at the page's end: pc + 4 may then be another frame.
 *
 * The words come from the patch's own frame in guest RAM, read afresh: the
 * pushf may have stored over them.  (Out of line: most patch exits have
 * nothing to run on to, which the patch knows - bt_patch.then_privileged -
 * and never come here.)
 */
static VMM_OUT_OF_LINE vmm_next run_on(vmm_vcpu *vc, t32_cpu *cpu, uint32_t gpa)
{
    vmm_next after = VMM_NEXT_RESUME;
    uint64_t epoch = vc->vm->shadow.epoch;
    uint32_t pc = vc->pc;     /* the next instruction's, at gpa + 4 */
    while (after == VMM_NEXT_RESUME && vc->pc == pc && (vc->vpsr & T32_PSR_K) &&
           bt_privileged_next(vc->vm, gpa)) {
        if (vc->vm->shadow.epoch != epoch || !vmm_may_go_on(vc, cpu))
            break;
        gpa += 4;
        pc += 4;
        vc->vm->stats.bt_run_on++;
        after = vmm_emulate(vc, cpu, t32_load32(vc->vm->mem + gpa));
    }
    return after;
}

/* ---- the patch exit ------------------------------------------------------------ */

/* The stack word a patched instruction uses, and how: pushf stores at
 * sp - 4, popf loads from sp. */
static VMM_INLINE uint32_t stack_word(const bt_patch *p, const t32_cpu *cpu, t32_access *access)
{
    uint32_t sp = cpu->r[T32_REG_SP];
    bool push = T32_OPC(p->original) == T32_OP_PUSHF;
    *access = push ? T32_STORE : T32_LOAD;
    return push ? sp - 4 : sp;
}

/* The cycle accounting of a patch exit: the patched instruction is
 * executed by the VMM - one cycle, as on bare T32, fault or not. */
static VMM_INLINE void count_patch_exit(vmm_vcpu *vc)
{
    vmm_exit_count(vc, T32_CAUSE_ILLEGAL, VMM_TO_PATCH);
    vc->vm->stats.bt_patch_exits++;
    vmm_exit_count_emulated(vc);
}

/* Execute patch p's instruction on the virtual state, its stack word at
 * `a`, and say what follows.  A pushf leaves nothing to inject (a fault it
 * takes enters the kernel it is already in, with IE := 0), so what follows
 * it may run on.  A popf may unmask an interrupt, and a fault it takes
 * masks them: vmm_next_after_mask_change decides. */
static VMM_INLINE vmm_next execute_patched(vmm_vcpu *vc, t32_cpu *cpu, const bt_patch *p,
                                           guest_addr a)
{
    switch (T32_OPC(p->original)) {
    case T32_OP_PUSHF: {
        /* (read first: p goes if the pushf stores into its own page) */
        uint32_t gpa = p->gpa;
        bool more = p->then_privileged;
        emulate_pushf(vc, cpu, a);
        return more && a.cause == T32_CAUSE_NONE ? run_on(vc, cpu, gpa) : VMM_NEXT_RESUME;
    }
    case T32_OP_POPF:
        emulate_popf(vc, cpu, a);
        return vmm_next_after_mask_change(vc);
    default:
        vmm_invariant(false, "only pushf and popf are patched");
    }
    return VMM_NEXT_BOUNDARY;
}

/* A patch exit the whole way (where the fast path below cannot go), with
 * the patch bt_patch_seen found, or NULL: the real CPU trapped ILLEGAL on
 * one of bt's words - unless the guest executed an undefined word of its
 * own that looks like one (bt_patch_verify finds no patch there either):
 * trap-and-emulate reflects that.  The stack access may take a walk of the
 * guest's tables (guest_access), and a tracer hears of the exit. */
static VMM_OUT_OF_LINE vmm_next patch_exit(vmm_vcpu *vc, t32_cpu *cpu, const bt_patch *p)
{
    if (p == NULL)
        p = bt_patch_verify(vc, cpu->trap.epc, cpu->trap.insn);
    if (p == NULL)
        return vmm_exit_handle(vc, cpu);
    count_patch_exit(vc);
    VMM_NOTIFY(vc, .kind = VMM_EV_PATCHED, .pc = vc->pc, .insn = p->original, .gpa = p->gpa);
    t32_access access;
    uint32_t va = stack_word(p, cpu, &access);
    return execute_patched(vc, cpu, p, guest_access(vc, cpu, va, 4, access));
}

/*
 * bt's exits: a patch exit, or anything else (trap-and-emulate's).
 *
 * The fast path.  A patch exit is nearly always the usual one: a site
 * verified before, in this shadow epoch (bt_patch_seen), an aligned stack
 * word the real CPU's TLB translates, nobody listening for events.  It
 * needs no walk, has no fault to reflect and no patches to drop (the TLB
 * allows no store into a scanned page), so it is handled right here, in
 * inline code without a single call: a function that makes calls saves
 * and restores registers on every path through it (vmm/README.md,
 * "Performance").  Anything else - a site's first exit, a TLB miss, a
 * misaligned sp, a tracer - takes patch_exit.  Both execute the
 * instruction with the same code, execute_patched.
 */
static vmm_next bt_handle_exit(vmm_vcpu *vc, t32_cpu *cpu)
{
    if (cpu->trap.cause != T32_CAUSE_ILLEGAL || T32_OPC(cpu->trap.insn) != BT_PATCH_OP)
        return vmm_exit_handle(vc, cpu);   /* everything else: trap-and-emulate */
    const bt_patch *p = bt_patch_seen(vc, cpu->trap.epc, cpu->trap.insn);
    if (p == NULL || vc->vm->vmm->observer)
        return patch_exit(vc, cpu, p);
    t32_access access;
    uint32_t va = stack_word(p, cpu, &access);
    guest_addr a;
    if (!guest_access_tlb(vc->vm, cpu, va, 4, access, &a))
        return patch_exit(vc, cpu, p);
    count_patch_exit(vc);
    return execute_patched(vc, cpu, p, a);
}

/* ---- the mode ---------------------------------------------------------------- */

/* Back into guest code (trap-and-emulate's way), after what may be left
 * to do first: a lone step to arm or end (patch.c, run_alone), and
 * shadows dropped behind the CPU's back (an invalidation, a scan) - the
 * vCPU takes a fresh space.  Usually neither: bt_resume goes straight to
 * mode_trap_resume. */
static VMM_OUT_OF_LINE void bt_resume_pending(vmm_vcpu *vc, t32_cpu *cpu)
{
    bt_state *b = bt_of(vc->vm);
    /* At step_pc the lone instruction runs (again, if a fill on its way
     * came first).  Elsewhere it ran (or an interrupt came first): no other
     * instruction may use the originals' mappings.  Every fill since it was
     * armed made one, so all go. */
    if (vc->vm->single_step && (vc->pc != b->step_pc || b->step_tries++ >= 16)) {
        vc->vm->single_step = false;
        shadow_flush(vc, NULL);
    }
    if (shadow_none_loaded(&vc->vm->shadow))
        shadow_activate(vc, cpu);
    mode_trap_resume(vc, cpu);
}

static void bt_resume(vmm_vcpu *vc, t32_cpu *cpu)
{
    if (vc->vm->single_step || shadow_none_loaded(&vc->vm->shadow))
        bt_resume_pending(vc, cpu);
    else
        mode_trap_resume(vc, cpu);
}

static void bt_flush(vmm_vcpu *vc, t32_cpu *cpu)
{
    shadow_flush(vc, cpu);
}

static void bt_memory_written(vmm_vm *vm, uint32_t gpa, uint32_t len)
{
    bt_invalidate(vm, gpa, len, "dma");
}

/* Out of VMM frames: the copies are a cache of the scans, as VMware's
 * translation cache was - drop them (their shadows are gone already), and
 * each page is scanned again before it next runs in kernel mode.  Not the
 * copies of the pages the vCPUs are executing: the fault that ran out of
 * frames may be mapping one of those. */
static void bt_reclaim(vmm_vm *vm)
{
    bt_forget(vm, true);
}

/* Start: nothing scanned, and no shadow entry that maps guest code
 * executable for the kernel - so every kernel page is scanned before it
 * runs. */
static bool bt_enter(vmm_vm *vm)
{
    bt_state *b = calloc(1, sizeof *b);
    if (!b)
        return false;
    b->nframes = vm->size / T32_PAGE_SIZE;
    b->frames = calloc(b->nframes, sizeof *b->frames);
    if (!b->frames || t32_ops[BT_PATCH_OP].mnemonic != NULL) {
        free(b->frames);
        free(b);
        return false;
    }
    vm->mode_state = b;
    shadow_destroy(vm);
    return true;
}

/* Leave: the copies go, and with them every shadow that maps one. */
static void bt_leave(vmm_vm *vm)
{
    bt_state *b = bt_of(vm);
    shadow_destroy(vm);
    bt_forget(vm, false);
    free(b->patches);
    free(b->frames);
    free(b);
    vm->mode_state = NULL;
    vm->single_step = false;
}

const vmm_mode_ops mode_bt = {
    .id = VMM_MODE_BT,
    .name = "bt",
    .summary = "binary translation: kernel pushf/popf patched into traps, in a copy",
    .enter = bt_enter,
    .leave = bt_leave,
    .resume = bt_resume,
    .handle_exit = bt_handle_exit,
    .ptbr_write = bt_flush,
    .tlb_flush = bt_flush,
    .view_change = shadow_activate,
    .shadow_pte = bt_shadow_pte,
    .memory_written = bt_memory_written,
    .reclaim = bt_reclaim,
};
