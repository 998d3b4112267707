/*
 * target.c - the guest under the debugger: its registers, its memory, and
 * running it a little at a time.
 *
 * A session is a bare T32 machine (the guest is the kernel: its registers
 * are CPU 0's) or a VMM (the guest's registers are a vCPU's, between two
 * turns on a real CPU: run/run.c saves them back after every turn).  Every
 * command reads and writes through the functions here and never asks which.
 *
 * Running, cheapest first:
 *   - continue with nothing watched: the normal scheduler (vmm_sched_round,
 *     or vmm_bare_run_watched), in rounds, with breakpoints set on the real
 *     CPUs (t32_break_set; the run loop stops there and sets v->stop) and
 *     the VMM's events seen by an observer (points.c) that sets v->stop;
 *   - continue with a watchpoint: one instruction at a time, each checked
 *     for the memory it touches (points.c), because a T32 CPU has no
 *     watchpoint hardware to do it for us;
 *   - stepi: one instruction (a VM's vCPUs each get a turn of one cycle).
 * A continue from a breakpoint first steps the instruction under it with
 * the breakpoints out, as gdb does, or it would stop there again at once.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "assembler/disasm.h"
#include "vmm/debug/internal.h"
#include "vmm/memory/guest.h"
#include "vmm/modes/mode.h"
#include "vmm/modes/pv/pv.h"

#define BARE_CHUNK (1u << 20)   /* cycles between two looks at Ctrl-C (bare) */

bool dbg_bare(const debugger *d)
{
    return d->v == NULL;
}

vmm_vm *dbg_vm(const debugger *d)
{
    return d->v ? d->v->vms[d->vm] : NULL;
}

vmm_vcpu *dbg_vcpu(const debugger *d)
{
    return d->v ? &d->v->vms[d->vm]->vcpus[d->vcpu] : NULL;
}

const t32_image *dbg_image(const debugger *d)
{
    return session_image(d->s, d->v ? d->vm : 0);
}

static t32_cpu *bare_cpu(const debugger *d)
{
    return &d->m->cpu[0];
}

bool dbg_alive(const debugger *d)
{
    return d->v ? dbg_vm(d)->outcome.end == VMM_RUNNING : d->bare_out.end == VMM_RUNNING;
}

bool dbg_need_alive(debugger *d)
{
    if (d->killed)
        return dbg_error(d, "the guest is not running (killed: run starts it again)");
    return dbg_alive(d) || dbg_error(d, "the guest is not running");
}

uint64_t dbg_time(const debugger *d)
{
    return d->v ? dbg_vcpu(d)->vcycles : bare_cpu(d)->cycles;
}

uint32_t dbg_pc(const debugger *d)
{
    return d->v ? dbg_vcpu(d)->pc : bare_cpu(d)->pc;
}

uint32_t dbg_psr(const debugger *d)
{
    return d->v ? dbg_vcpu(d)->vpsr : bare_cpu(d)->psr;
}

uint32_t dbg_reg(const debugger *d, int r)
{
    if (r == 0)
        return 0;
    return d->v ? dbg_vcpu(d)->r[r] : bare_cpu(d)->r[r];
}

/* A system register as the guest would read it with mfsr: the computed
 * ones (cycles, cpuid, ipend) from the time and lines of now. */
uint32_t dbg_sysreg(const debugger *d, int n)
{
    if (!d->v) {
        const t32_cpu *cpu = bare_cpu(d);
        if (n == T32_SR_CYCLES)
            return (uint32_t)cpu->cycles;
        if (n == T32_SR_CPUID)
            return (uint32_t)cpu->id;
        return n == T32_SR_IPEND ? cpu->pending : cpu->sr[n];
    }
    const vmm_vcpu *vc = dbg_vcpu(d);
    if (n == T32_SR_CYCLES)
        return (uint32_t)vc->vcycles;
    if (n == T32_SR_CPUID)
        return (uint32_t)vc->id;
    return n == T32_SR_IPEND ? vc->vpending : vc->vsr[n];
}

const char *const dbg_reg_names[] = {
    "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12",
    "r13", "r14", "r15", "zero", "fp", "sp", "lr", "pc", "psr",
    "tvec", "epc", "epsr", "cause", "badvaddr", "ptbr", "scratch", "timer", "cycles",
    "cpuid", "ipend", NULL
};

/* A general register's number from its name (r0..r15, zero, fp, sp, lr). */
static int gpr_number(const char *name)
{
    static const char *const alias[] = { "zero", "fp", "sp", "lr" };
    static const int num[] = { 0, T32_REG_FP, T32_REG_SP, T32_REG_LR };
    for (int i = 0; i < 4; i++)
        if (strcmp(name, alias[i]) == 0)
            return num[i];
    if (name[0] != 'r' || name[1] < '0' || name[1] > '9')
        return -1;
    char *end;
    long n = strtol(name + 1, &end, 10);
    if (*end || n < 0 || n >= T32_NREGS || (name[1] == '0' && name[2]))
        return -1;
    return (int)n;
}

bool dbg_reg_by_name(const debugger *d, const char *name, uint32_t *v)
{
    int r = gpr_number(name);
    if (r >= 0)
        *v = dbg_reg(d, r);
    else if (strcmp(name, "pc") == 0)
        *v = dbg_pc(d);
    else if (strcmp(name, "psr") == 0)
        *v = dbg_psr(d);
    else if ((r = t32_sysreg_lookup(name)) >= 0)
        *v = dbg_sysreg(d, r);
    else
        return false;
    return true;
}

/* set $sysreg: as the guest's own mtsr would have it, with its effects
 * (a new PTBR drops the shadows; a timer write re-arms the timer). */
static bool set_sysreg(debugger *d, int n, uint32_t v)
{
    if (!d->v) {
        t32_sysreg_write(bare_cpu(d), (unsigned)n, v);
        return true;
    }
    vmm_vcpu *vc = dbg_vcpu(d);
    unsigned effects = t32_sysreg_apply(vc->vsr, (unsigned)n, v);
    if (effects & T32_SRW_FLUSH_TLB) {
        shadow_flush(vc, NULL);
        for (int i = 0; i < T32_MAX_CPUS; i++)
            d->v->on_cpu[i] = NULL;      /* the real TLBs are flushed at the next load */
    }
    if (effects & T32_SRW_ARM_TIMER)
        vtimer_write(vc, v);
    return true;
}

bool dbg_reg_holds(debugger *d, const char *name, uint32_t v)
{
    uint32_t now;
    if (strcmp(name, "psr") == 0)
        v &= T32_PSR_MASK;
    else if (gpr_number(name) < 0 && strcmp(name, "pc") != 0)
        return false;           /* a system register's write acts (mtsr) */
    return dbg_reg_by_name(d, name, &now) && now == v;
}

bool dbg_set_reg(debugger *d, const char *name, uint32_t v)
{
    int r = gpr_number(name);
    if (r == 0)
        return dbg_error(d, "r0 is always zero");
    if (r > 0) {
        if (d->v)
            dbg_vcpu(d)->r[r] = v;
        else
            bare_cpu(d)->r[r] = v;
        return true;
    }
    if (strcmp(name, "pc") == 0) {
        if (v & 3)
            return dbg_error(d, "pc must be a multiple of 4");
        if (d->v)
            dbg_vcpu(d)->pc = v;
        else
            bare_cpu(d)->pc = v;
        return true;
    }
    if (strcmp(name, "psr") == 0) {
        if (d->v)   /* a VM's K and IE are virtual: the real CPU never has them */
            dbg_vcpu(d)->vpsr = v & T32_PSR_MASK;
        else
            bare_cpu(d)->psr = v & T32_PSR_MASK;
        return true;
    }
    int n = t32_sysreg_lookup(name);
    if (n < 0)
        return dbg_error(d, "no register named '%s'", name);
    if (n == T32_SR_CYCLES || n == T32_SR_CPUID || n == T32_SR_IPEND)
        return dbg_error(d, "%s is read-only", name);
    return set_sysreg(d, n, v);
}

/* ---- memory ------------------------------------------------------------------------- */

/* Guest virtual -> guest physical, through the guest's own tables (isa's
 * t32_walk): as a load in the guest's current (virtual) mode would go,
 * else as a fetch, else - so that kernel code and data can be shown while
 * the guest is in user mode - as its kernel would see them. */
static bool ram_read(void *ctx, uint32_t pa, uint32_t *w)
{
    return t32_phys_read32(ctx, pa, w);
}

static bool vm_read(void *ctx, uint32_t gpa, uint32_t *w)
{
    return guest_read32(ctx, gpa, w);
}

bool dbg_translate(const debugger *d, uint32_t va, uint32_t *pa)
{
    t32_ptmem mem = { .read = ram_read, .ctx = d->m, .size = d->m->memsize };
    uint32_t ptbr = dbg_sysreg(d, T32_SR_PTBR);
    bool k = (dbg_psr(d) & T32_PSR_K) != 0;
    t32_walk_result w;
    if (d->v)
        mem = (t32_ptmem){ .read = vm_read, .ctx = dbg_vm(d), .size = dbg_vm(d)->size };
    if (t32_walk(&mem, ptbr, va, T32_LOAD, k, &w) == T32_CAUSE_NONE ||
        t32_walk(&mem, ptbr, va, T32_FETCH, k, &w) == T32_CAUSE_NONE ||
        t32_walk(&mem, ptbr, va, T32_LOAD, true, &w) == T32_CAUSE_NONE ||
        t32_walk(&mem, ptbr, va, T32_FETCH, true, &w) == T32_CAUSE_NONE) {
        *pa = w.pa;
        return true;
    }
    return false;
}

bool dbg_read_phys(const debugger *d, uint32_t pa, void *buf, size_t len)
{
    if (!d->v)
        return t32_phys_read(d->m, pa, buf, len);
    const vmm_vm *vm = dbg_vm(d);
    if (pa >= vm->size || len > vm->size - pa)
        return false;
    memcpy(buf, vm->mem + pa, len);
    return true;
}

/* Byte by byte, so an access that crosses into an unmapped page fails
 * whole (checked before anything is copied). */
bool dbg_read_virt(const debugger *d, uint32_t va, void *buf, size_t len)
{
    uint8_t *b = buf;
    for (size_t i = 0; i < len; i++) {
        uint32_t pa;
        if (!dbg_translate(d, va + (uint32_t)i, &pa) || !dbg_read_phys(d, pa, b + i, 1))
            return false;
    }
    return true;
}

bool dbg_write_virt(debugger *d, uint32_t va, const void *buf, size_t len)
{
    uint32_t pa[8];
    if (len > 8)
        return false;
    for (size_t i = 0; i < len; i++) {
        uint8_t probe;
        if (!dbg_translate(d, va + (uint32_t)i, &pa[i]) || !dbg_read_phys(d, pa[i], &probe, 1))
            return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!d->v) {
            t32_phys_write(d->m, pa[i], (const uint8_t *)buf + i, 1);
            continue;
        }
        vmm_vm *vm = dbg_vm(d);
        vm->mem[pa[i]] = ((const uint8_t *)buf)[i];
        if (vm->mode->memory_written)   /* bt: a patched page was written */
            vm->mode->memory_written(vm, pa[i], 1);
    }
    return true;
}

/* The nearest symbol at or below addr names it only if addr is the
 * symbol's own address or lies in the same segment of the image as the
 * symbol: past the end of the code and data (a user program at 0x400000,
 * the top of memory) a name is no help - "stack_top + 4294962827". */
const char *dbg_symbol(const t32_image *img, uint32_t addr, uint32_t *off)
{
    return img ? t32_image_symbolize(img, addr, off) : NULL;
}

void dbg_where(const debugger *d, char *buf, size_t len, uint32_t addr)
{
    session_describe_pc(buf, len, dbg_image(d), addr);
}

/* FNV-1a over the guest's RAM: equal states, equal hashes (info state). */
uint64_t dbg_memhash(const debugger *d)
{
    const uint8_t *p = d->v ? dbg_vm(d)->mem : d->m->mem;
    size_t n = d->v ? dbg_vm(d)->size : d->m->memsize;
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211u;
    return h;
}

/* ---- running ------------------------------------------------------------------------ */

/* Bare: run to the absolute cycle `limit` (or --max-insns) or, with
 * stop_at_breaks, a breakpoint.  True if a breakpoint stopped it. */
static bool bare_run(debugger *d, uint64_t limit, bool stop_at_breaks)
{
    bool stopped = false;
    uint64_t max = d->bare_limit;
    if (max != 0 && limit > max)
        limit = max;
    vmm_outcome out = session_bare_run(d->s, limit, stop_at_breaks ? &stopped : NULL, true);
    fflush(d->m->console.out);
    if (out.end == VMM_END_LIMIT && (max == 0 || bare_cpu(d)->cycles < max))
        return stopped;                       /* our own limit, not --max-insns */
    if (out.end != VMM_RUNNING)
        d->bare_out = out;
    return stopped;
}

/* --switch-mode: every VM makes the switches its time has reached and
 * pauses at its next one (session.h), as `trapeze run` does - after every
 * run or step, so the state at a stop (shown, or kept as a checkpoint)
 * has made every switch up to its time. */
void dbg_switch_modes(debugger *d)
{
    for (int i = 0; d->v && i < d->v->nvms; i++)
        d->v->vms[i]->pause_at = session_switch_modes(d->s, d->v->vms[i]);
}

/* A stop: guest RAM as the guests will find it (mode_ops.show - the
 * paravirtual shared page), for what the debugger shows and compares. */
static void show_guests(debugger *d)
{
    for (int i = 0; d->v && i < d->v->nvms; i++) {
        vmm_vm *vm = d->v->vms[i];
        for (int k = 0; vm->mode->show && k < vm->nvcpus; k++)
            vm->mode->show(&vm->vcpus[k]);
    }
}

/* One boundary of a VM: each of its vCPUs runs one cycle (an instruction
 * that took a hidden page fault is retried until vCPU vc has run one). */
static void vm_step_of(debugger *d, vmm_vm *vm, const vmm_vcpu *vc, bool until_event)
{
    uint64_t before = vc->vcycles;
    dbg_switch_modes(d);
    for (int tries = 0; tries < 8 && vc->vcycles == before && vm->outcome.end == VMM_RUNNING &&
         !vc->halted && !(until_event && d->hit_id); tries++) {
        d->v->stop = false;
        vmm_vm_run(vm, 1);
    }
    d->v->stop = false;
    dbg_switch_modes(d);
    vdev_console_flush(vm, vm->outcome.end != VMM_RUNNING);
    show_guests(d);
}

/* A long run takes checkpoints as it goes, at the pauses it makes anyway
 * (reverse_tick): a step back after it replays a stretch, not the run. */
static void checkpoint_on_the_way(debugger *d)
{
    if (d->rev)
        reverse_tick(d->rev);
}

/* One instruction of the selected vCPU.  An exit that retires nothing - a
 * hidden page fault - is followed by the instruction's retry, unless
 * until_event and it met a VMM event point: a continue stops there, as it
 * would had the fault come later in the run (run_fast stops at the event);
 * a step goes on to finish its instruction. */
static void step_one(debugger *d, bool until_event)
{
    if (d->v) {
        /* The step is counted on the selected vCPU - or, if it has halted
         * (continue runs the others), on one that still runs, which is
         * then the one selected (as a breakpoint selects where it hit). */
        if (dbg_vcpu(d)->halted && !vmm_live_vcpu(dbg_vm(d))->halted)
            d->vcpu = vmm_live_vcpu(dbg_vm(d))->id;
        vm_step_of(d, dbg_vm(d), dbg_vcpu(d), until_event);
    }
    else
        bare_run(d, bare_cpu(d)->cycles + 1, false);
    checkpoint_on_the_way(d);
}

/* Is the instruction at pc a call (jal, or jalr writing lr)? */
bool dbg_is_call(const debugger *d, uint32_t pc)
{
    uint32_t w;
    if (!dbg_read_virt(d, pc, &w, 4))
        return false;
    return T32_OPC(w) == T32_OP_JAL || (T32_OPC(w) == T32_OP_JALR && T32_FA(w) == T32_REG_LR);
}

/* A return: jalr r0, lr, 0 (ret) or any jalr that does not link. */
bool dbg_is_return(const debugger *d, uint32_t pc)
{
    uint32_t w;
    return dbg_read_virt(d, pc, &w, 4) && T32_OPC(w) == T32_OP_JALR && T32_FA(w) == 0;
}

/*
 * Frames are told apart by their stack pointer, as gdb compares frames -
 * within one thread of code.  A guest OS runs several: each user process
 * has its own address space, where another process runs the same
 * addresses with a stack at the same addresses, and an interrupt runs the
 * kernel's code in between.  So a call and a return belong together only
 * if both ran in the same context: kernel mode (the kernel's own frames,
 * sp tells them apart), or user mode in the same address space.  Without
 * paging, user mode is one space.
 */
uint64_t dbg_context(const debugger *d)
{
    if (dbg_psr(d) & T32_PSR_K)
        return UINT64_C(1) << 32;
    uint32_t ptbr = dbg_sysreg(d, T32_SR_PTBR);
    return (ptbr & T32_PTBR_E) ? ptbr & (T32_PTE_FRAME | T32_PTBR_E) : 0;
}

static bool anything_alive(const debugger *d)
{
    if (!d->v)
        return dbg_alive(d);
    for (int i = 0; i < d->v->nvms; i++)
        if (d->v->vms[i]->outcome.end == VMM_RUNNING)
            return true;
    return false;
}

/* Run with the breakpoints in the real CPUs, until something stops it:
 * the normal scheduler, in rounds (Ctrl-C is looked at between two). */
static void run_fast(debugger *d)
{
    points_arm(d, true);
    if (d->v) {
        d->v->stop = false;
        dbg_switch_modes(d);      /* a VM paused for a switch makes it, then goes on */
        while (!d->interrupted && !d->v->stop && vmm_sched_round(d->v)) {
            dbg_switch_modes(d);
            checkpoint_on_the_way(d);
        }
        dbg_switch_modes(d);
        d->v->stop = false;
    } else {
        while (!d->interrupted && dbg_alive(d) &&
               !bare_run(d, bare_cpu(d)->cycles + BARE_CHUNK, true))
            checkpoint_on_the_way(d);
    }
    points_arm(d, false);
}

/* After run_fast: which VM (and vCPU) is at one of its own breakpoints, if
 * one is. */
static void note_breakpoint(debugger *d)
{
    if (d->hit_id || d->interrupted)
        return;
    for (int i = 0; d->v && i < d->v->nvms; i++) {
        vmm_vm *vm = d->v->vms[i];
        for (int c = 0; c < vm->nvcpus; c++)
            if (vm->outcome.end == VMM_RUNNING && points_at(d, i, vm->vcpus[c].pc)) {
                d->vm = i;
                d->vcpu = c;
            }
    }
    dbg_point *p = dbg_alive(d) ? points_at(d, d->vm, dbg_pc(d)) : NULL;
    if (p) {
        d->hit_id = p->id;
        points_hit(d, p);
    }
}

/* After run_fast, when no VM stopped at its own breakpoint: a VM that the
 * real CPU stopped at another VM's (the real CPUs are shared) goes one
 * instruction on, with the breakpoints out, as a continue steps off its
 * own - or it would stop there again at once. */
static void step_foreign(debugger *d)
{
    for (int i = 0; d->v && i < d->v->nvms; i++) {
        vmm_vm *vm = d->v->vms[i];
        for (int c = 0; c < vm->nvcpus; c++) {
            if (vm->outcome.end == VMM_RUNNING && points_foreign(d, i, vm->vcpus[c].pc)) {
                vm_step_of(d, vm, &vm->vcpus[c], false);
                break;          /* the step ran each of its vCPUs */
            }
        }
    }
}

/* One instruction, checked: true if a watchpoint, a breakpoint at the new
 * pc, a VMM event, an end or Ctrl-C stops here (until_event: see step_one). */
static bool careful_step(debugger *d, bool until_event)
{
    uint32_t regs[16];
    for (int r = 0; r < 16; r++)
        regs[r] = dbg_reg(d, r);
    uint32_t pc = dbg_pc(d), word = 0;
    bool have_word = dbg_read_virt(d, pc, &word, 4);
    step_one(d, until_event);
    if (d->hit_id || !dbg_alive(d) || d->interrupted)
        return true;
    dbg_point *p = points_watch_check(d, pc, word, have_word, regs);
    if (!p && (p = points_at(d, d->vm, dbg_pc(d))) == NULL)
        return false;
    d->hit_id = p->id;
    points_hit(d, p);
    return true;
}

static void begin_run(debugger *d)
{
    d->running = true;
    d->hit_id = 0;
    d->hit_event = -1;
    d->nevents = 0;
    d->interrupted = 0;
    d->tentative_k = false;
    points_watch_reset(d);
}

/* A mode-switch point asks for a stop at every event that may change the
 * virtual K; the stop stands only if K really changed.  Asked at the
 * boundary after the event, going forward (continue) and back (rc). */
bool dbg_event_stop_stands(debugger *d)
{
    if (!d->tentative_k)
        return true;
    d->tentative_k = false;
    if (d->k_changed || ((dbg_psr(d) ^ d->k_before) & T32_PSR_K) != 0)
        return true;
    for (int i = 0; i < DBG_MAX_POINTS; i++)
        if (d->pts[i].id == d->hit_id && d->pts[i].kind == BP_MODESWITCH && !d->replaying)
            d->pts[i].hits--;       /* a replay did not count it (points_observe) */
    d->hit_id = 0;
    d->hit_event = -1;
    return false;
}

/* The heart of continue, advance, until: step off where we are, then run
 * fast (or carefully, if a watchpoint needs it) until something stops. */
/* A watched continue with several VMs: one instruction of every running
 * VM, each checked as careful_step checks one (its own watchpoints and
 * breakpoints).  True if one stopped - it is then the one selected - or
 * Ctrl-C came, or the VM selected (if it ran) or every VM has ended. */
static bool careful_round(debugger *d, bool selected)
{
    if (!d->v || d->v->nvms == 1)
        return careful_step(d, true);
    int vm = d->vm, vcpu = d->vcpu;
    for (int i = 0; i < d->v->nvms && !d->interrupted; i++) {
        if (d->v->vms[i]->outcome.end != VMM_RUNNING)
            continue;
        d->vm = i;
        d->vcpu = i == vm ? vcpu : 0;
        if (careful_step(d, true) && d->hit_id)
            return true;                /* stays selected: where it stopped */
    }
    d->vm = vm;
    d->vcpu = vcpu;
    return d->interrupted || (selected && !dbg_alive(d)) || !anything_alive(d);
}

static void run_until_stop(debugger *d)
{
    /* A watchpoint or an event stopped the guest at a breakpoint's pc,
     * before its instruction ran: the breakpoint is met first now, not
     * stepped off as one already told would be. */
    dbg_point *b = d->bp_unreported && dbg_alive(d) && dbg_time(d) == d->bp_unreported_at
                 ? points_at(d, d->vm, dbg_pc(d)) : NULL;
    bool pending = b && b->id == d->bp_unreported;
    d->bp_unreported = 0;
    if (pending) {
        d->hit_id = b->id;
        points_hit(d, b);
        return;
    }
    /* With several VMs the selected one may have ended while others run:
     * continue runs those (and a stop in one of them selects it). */
    bool selected = dbg_alive(d);
    if (selected && careful_step(d, true) && (d->hit_id == 0 || dbg_event_stop_stands(d)))
        return;
    for (;;) {
        if (points_have_watch(d)) {
            while (!careful_round(d, selected))
                ;
        } else {
            run_fast(d);
            note_breakpoint(d);
            if (!d->hit_id && !d->interrupted)
                step_foreign(d);
        }
        if (d->interrupted || (selected && !dbg_alive(d)) || !anything_alive(d))
            return;
        if (d->hit_id && dbg_event_stop_stands(d))
            return;
    }
}

bool dbg_continue(debugger *d, int id, uint64_t ignore)
{
    if (!anything_alive(d) || d->killed)
        return dbg_need_alive(d);  /* (says why) */
    begin_run(d);
    run_until_stop(d);
    for (; ignore > 0 && id != 0 && d->hit_id == id && dbg_alive(d) && !d->interrupted;
         ignore--) {
        points_drop_spent(d);      /* a temporary point stops once: the count ends */
        begin_run(d);
        run_until_stop(d);
    }
    dbg_report_stop(d, false);
    return true;
}

/* advance / until LOCATION, and ni over a call: a temporary stop at addr,
 * reported as getting there, not as a breakpoint. */
static void run_to(debugger *d, uint32_t addr)
{
    int id = points_add_internal(d, addr);
    run_until_stop(d);
    if (d->hit_id == id)
        d->hit_id = 0;
    points_remove(d, id);
}

/* Run to addr in this frame: a recursive call that comes back to the
 * same address in a deeper frame (its sp below ours - T32's stack grows
 * down, and call pushes nothing, so the frame that made the call has the
 * sp it had then) goes on, as gdb compares frames; so does another
 * process reaching the same address in its own space (dbg_context).
 * Stops early as run_to does: another point, the end, Ctrl-C. */
static void run_to_in_frame(debugger *d, uint32_t addr)
{
    uint32_t sp = dbg_reg(d, T32_REG_SP);
    uint64_t context = dbg_context(d);
    do
        run_to(d, addr);
    while (dbg_alive(d) && !d->interrupted && !d->hit_id && dbg_pc(d) == addr &&
           (dbg_reg(d, T32_REG_SP) < sp || dbg_context(d) != context));
}

bool dbg_run_to(debugger *d, uint32_t addr, bool in_frame)
{
    if (!dbg_need_alive(d))
        return false;
    begin_run(d);
    if (in_frame)
        run_to_in_frame(d, addr);
    else
        run_to(d, addr);
    dbg_report_stop(d, false);
    return true;
}

bool dbg_redo_event_in_place(debugger *d)
{
    uint64_t t = dbg_time(d);
    if (!d->v)
        return false;
    d->replaying = true;       /* told and counted the first time */
    d->hit_id = 0;
    d->hit_event = -1;
    step_one(d, true);
    d->replaying = false;
    bool in_place = d->hit_id != 0 && points_is_event(d, d->hit_id) && dbg_time(d) == t;
    d->hit_id = 0;
    d->v->stop = false;
    return in_place;
}

/* Has the selected vCPU halted (its VM may run on, on the others)? */
static bool dbg_vcpu_halted(const debugger *d)
{
    return d->v && dbg_vcpu(d)->halted;
}

/* A step moves the selected vCPU, and a halted one never moves again
 * (its VM's other vCPUs may: continue runs them). */
static bool need_vcpu_running(debugger *d)
{
    if (d->v && dbg_vcpu(d)->halted)
        return dbg_error(d, "vcpu%d has halted: it runs no more (select another: vcpu N)",
                         d->vcpu);
    return true;
}

bool dbg_stepi(debugger *d, uint64_t n, bool over)
{
    if (!dbg_need_alive(d) || !need_vcpu_running(d))
        return false;
    begin_run(d);
    bool stepped = true;          /* the last instruction was stepped, not run over */
    for (uint64_t i = 0; i < n && dbg_alive(d) && !d->interrupted && !d->hit_id; i++) {
        uint32_t pc = dbg_pc(d);
        /* Narrate the last instruction's exits only, so that "resume at"
         * is where that instruction's exits resumed the guest. */
        d->nevents = 0;
        stepped = !(over && dbg_is_call(d, pc));
        if (!stepped) {           /* told as continue tells: only what stopped it */
            run_to_in_frame(d, pc + 4);
            continue;
        }
        bool last = i + 1 == n;
        careful_step(d, false);
        /* As in gdb, a breakpoint or watchpoint met on the way ends the
         * count there.  So does a VMM event point - except on the last
         * step, which tells its events in words rather than stopping. */
        if (d->hit_id && points_is_event(d, d->hit_id) &&
            (!dbg_event_stop_stands(d) || last)) {
            d->hit_id = 0;
            d->hit_event = -1;
        }
    }
    dbg_report_stop(d, stepped);
    return true;
}

/* finish: step until the current function returns - a return executed at
 * the call depth we started at (calls made on the way go one deeper, and
 * their returns come back up), counting only the calls and returns of
 * this frame's context (dbg_context: not an interrupt handler's, not
 * another process's).  In the outermost frame there is no return to wait
 * for: it would run to the end of the program.  As gdb, refuse. */
bool dbg_finish(debugger *d)
{
    if (!dbg_need_alive(d) || !need_vcpu_running(d))
        return false;
    if (!dbg_has_caller(d))
        return dbg_error(d, "\"finish\" not meaningful in the outermost frame "
                         "(backtrace finds no caller)");
    begin_run(d);
    int depth = 0;
    uint64_t context = dbg_context(d);
    fprintf(d->out, "Run till exit\n");
    while (dbg_alive(d) && !d->interrupted) {
        uint32_t pc = dbg_pc(d);
        bool ours = dbg_context(d) == context;
        bool call = ours && dbg_is_call(d, pc), ret = ours && dbg_is_return(d, pc);
        if (careful_step(d, true))
            break;
        depth += call;
        if (ret && depth-- == 0)
            break;
    }
    dbg_report_stop(d, false);
    return true;
}

/* ---- how it stopped --------------------------------------------------------------------- */

static void report_end(debugger *d)
{
    const vmm_outcome *out = d->v ? &dbg_vm(d)->outcome : &d->bare_out;
    char where[256];
    dbg_where(d, where, sizeof where, out->pc);
    char who[32] = "";
    if (d->v)
        snprintf(who, sizeof who, "vm%d: ", d->vm);
    if (out->end == VMM_END_HALT) {
        /* A halt leaves pc past itself (pc := pc + 4), often on the next
         * function's first word: "halted at <timer_tick>" would send the
         * reader to the wrong place.  Name the instruction that halted. */
        uint32_t w = 0;
        int selected = d->vcpu;
        if (d->v)
            d->vcpu = out->vcpu;    /* read it as the vCPU that halted sees it */
        bool by_insn = dbg_read_virt(d, out->pc - 4, &w, 4) &&
                       (T32_OPC(w) == T32_OP_HALT ||
                        (d->v && T32_OPC(w) == T32_OP_HCALL && T32_IMM16(w) == PV_HC_HALT));
        d->vcpu = selected;
        if (by_insn)
            dbg_where(d, where, sizeof where, out->pc - 4);
        char name[16];      /* "guest", "vm", or with several VMs "vm1" */
        snprintf(name, sizeof name, "%s", !d->v ? "guest" : "vm");
        if (d->v && d->v->nvms > 1)
            snprintf(name, sizeof name, "vm%d", d->vm);
        fprintf(d->out, "[%s halted %s%s after %" PRIu64 " cycle%s]\n", name,
                !by_insn ? "at " : T32_OPC(w) == T32_OP_HALT ? "by the halt at "
                : "by hcall halt at ", where, out->cycles, out->cycles == 1 ? "" : "s");
        return;
    }
    fflush(d->out);
    session_report(who, dbg_image(d), out);
    fflush(stderr);
}

/* With several VMs, the others run on while the selected one is stepped
 * or continued, and may end meanwhile: each end is told once, at the
 * first stop after it (a step back that brings a VM back to life lets its
 * next end be told again). */
static void report_other_ends(debugger *d)
{
    int selected_vm = d->vm, selected_vcpu = d->vcpu;
    for (int i = 0; i < d->v->nvms; i++) {
        bool ended = d->v->vms[i]->outcome.end != VMM_RUNNING;
        if (i != selected_vm && ended && !d->end_told[i]) {
            d->vm = i;
            d->vcpu = 0;
            report_end(d);
        }
        d->end_told[i] = ended;
    }
    d->vm = selected_vm;
    d->vcpu = selected_vcpu;
}

/* The VMM's side of the last stop, in words: every event of a step, or
 * the event that stopped a continue and those after it. */
static void report_events(debugger *d, bool all)
{
    int n = d->nevents < DBG_MAX_EVENTS ? d->nevents : DBG_MAX_EVENTS;
    int first = d->nevents - n;
    if (!all && (d->hit_event < first || d->hit_event < 0))
        return;
    if (!all)
        first = d->hit_event;
    for (int i = first; i < d->nevents; i++) {
        char line[320];
        points_describe_event(d, &d->events[i % DBG_MAX_EVENTS], line, sizeof line);
        fprintf(d->out, "%s\n", line);
    }
    if (n > 0 && dbg_alive(d) && !dbg_vcpu_halted(d)) {
        char where[256];
        dbg_where(d, where, sizeof where, dbg_pc(d));
        fprintf(d->out, "  -> resume at %s\n", where);
    }
}

void dbg_report_stop(debugger *d, bool show_events)
{
    d->running = false;
    show_guests(d);         /* (a step back lands here too) */
    fflush(stdout);
    if (d->interrupted)
        fprintf(d->out, "\nInterrupted.\n");
    dbg_point *p = NULL;
    for (int i = 0; i < DBG_MAX_POINTS && d->hit_id; i++)
        if (d->pts[i].id == d->hit_id)
            p = &d->pts[i];
    dbg_point *b = p && p->kind != BP_ADDR && dbg_alive(d) ? points_at(d, d->vm, dbg_pc(d)) : NULL;
    d->bp_unreported = b ? b->id : 0;   /* (run_until_stop) */
    d->bp_unreported_at = dbg_time(d);
    if (p && (p->kind == BP_WATCH || p->kind == BP_RWATCH))
        points_report_watch(d, p);
    else if (p && p->kind != BP_ADDR)
        fprintf(d->out, "\n%sVMM event %d (%s):\n", p->temporary ? "Temporary " : "", p->id,
                p->what);
    if (d->v)
        report_events(d, show_events);
    bool told = d->v && d->end_told[d->vm];   /* the selected VM ended before this run */
    if (d->v && d->v->nvms > 1)
        report_other_ends(d);
    if (!dbg_alive(d)) {
        if (!told)
            report_end(d);
        return;
    }
    if (dbg_vcpu_halted(d)) {   /* the VM runs on, on its other vCPUs */
        char where[256];
        dbg_where(d, where, sizeof where, dbg_pc(d) - 4);   /* the halt, not past it */
        fprintf(d->out, "[vm%d.%d halted at %s: it runs no more; the VM's other "
                "vCPUs go on (vcpu N selects one)]\n", d->vm, d->vcpu, where);
        return;
    }
    /* After the events a step told on its way there: "Breakpoint N, "
     * heads the instruction line it stopped at. */
    if (p && p->kind == BP_ADDR)
        fprintf(d->out, "\n%s %d, ", p->temporary ? "Temporary breakpoint" : "Breakpoint", p->id);
    if (d->v && d->v->nvms > 1)
        fprintf(d->out, "[vm%d] ", d->vm);
    show_insn(d, dbg_pc(d), false);
    show_source_line(d, dbg_pc(d));
    d->list_line = 0;           /* the next `list`: around this stop, as gdb's */
    show_displays(d);
    if (d->rev)
        reverse_note(d->rev);
    points_drop_spent(d);
}

/* ---- kill and run --------------------------------------------------------------------- */

void dbg_kill(debugger *d)
{
    if (d->v) {
        for (int i = 0; i < d->v->nvms; i++)
            if (d->v->vms[i]->outcome.end == VMM_RUNNING) {
                vmm_vm_stop(d->v->vms[i], &d->v->vms[i]->vcpus[0], VMM_END_HALT);
                d->killed_vm[i] = d->end_told[i] = true;
            }
    } else {
        d->bare_out = (vmm_outcome){ .end = VMM_END_HALT, .pc = bare_cpu(d)->pc,
                                     .cycles = bare_cpu(d)->cycles };
    }
    d->killed = true;
}

/* A register, memory or the VM's mode was changed by hand: the history
 * recorded so far ran without the change, so reverse execution starts
 * again from here (reverse.h, reverse_cut). */
void dbg_changed(debugger *d)
{
    if (d->rev)
        reverse_cut(d->rev);
    /* The console drops what a replay writes again until it passes what
     * was shown (out_shown).  From here the guest runs a new history: what
     * it writes next is new, even where the old history had written more
     * before a step back - so what was shown ends here. */
    if (!d->v) {
        d->m->console.out_shown = d->m->console.out_count;
        return;
    }
    for (int i = 0; i < d->v->nvms; i++)
        d->v->vms[i]->con.out_shown = d->v->vms[i]->con.out_count;
}

/* run: back to the state the session had when the debugger started -
 * reverse execution's first checkpoint, which is always kept - every VM. */
void dbg_restart(debugger *d)
{
    if (!d->rev || !reverse_restart(d->rev)) {
        dbg_error(d, "cannot restart: no checkpoint of the start (out of memory)");
        return;
    }
    d->bare_out = (vmm_outcome){ .end = VMM_RUNNING };
    d->killed = false;
    memset(d->killed_vm, 0, sizeof d->killed_vm);
    memset(d->end_told, 0, sizeof d->end_told);
    d->hit_id = 0;              /* at the start, stopped by no point */
    fprintf(d->out, "Starting over at cycle 0.\n");
    show_insn(d, dbg_pc(d), false);
    show_source_line(d, dbg_pc(d));
    d->list_line = 0;
    show_displays(d);           /* a stop like any other */
}
