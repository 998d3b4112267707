/*
 * reverse.c - reverse execution: checkpoints plus deterministic replay.
 *
 *   time ->   C0 ------- C1 ------- C2 ------- C3 ---- now
 *                                    \__________/
 *                        reverse_goto(T): restore C2, run forward to T
 *
 * The debugger calls reverse_note() whenever the guest stops, and
 * reverse_tick() as a long run goes on; every `interval` cycles of virtual
 * time that passed (longer while running: reverse.h), a checkpoint is kept
 * (state/checkpoint.h).  Going to an earlier time T restores the latest
 * checkpoint at or before T and re-runs the guest to exactly T: the run
 * loop pauses at vm->pause_at (a bare machine at its cycle limit), at an
 * instruction boundary, before anything due at T is delivered.
 *
 * reverse_find() answers "when did this last happen?" (reverse-continue):
 * from the newest checkpoint before the question's time backwards, it
 * re-runs one interval at a time with an instruction hook, asking hit()
 * before every instruction, and remembers the last time it said yes (or,
 * for a change that the step into a boundary made - a DMA into a watched
 * word - the boundary before).  The first interval with a hit has the
 * answer; older ones are never looked at.
 *
 * Memory is bounded: when the checkpoints pass max_bytes, every other one
 * is dropped (the first always stays) and the interval doubles - recent
 * and old history alike get coarser, and a step back costs at most one
 * interval of replay.
 *
 * Replay is quiet: while re-running a stretch already seen, the observer
 * (--trace) and the instruction hook (--trace-insns) are detached, and the
 * console drops the bytes it already showed (checkpoint.c, "Output").
 *
 * Several VMs.  A checkpoint holds them all, but a step back follows one
 * VM's time.  VMs share nothing (each has its own RAM, devices and virtual
 * time), so each one's future depends on its own state only: after the
 * restore, the VM stepped back runs to its target and every other VM runs
 * back to exactly where it was - only the selected VM moves.  A checkpoint
 * is usable for that only if no other VM is later in it than now.
 *
 * A change made by hand (the debugger's set, mode) starts another history:
 * the guest never ran with it before.  reverse_cut() drops the checkpoints
 * (but the start, which `run` needs) and takes one at the change, the
 * *floor*: a step back goes down to it, never past it.
 */
#include <stdlib.h>
#include <string.h>

#include "vmm/debug/reverse.h"
#include "vmm/state/checkpoint.h"

typedef struct rv_point {
    checkpoint *c;
    uint64_t    t[VMM_MAX_VMS];   /* each VM's time (bare: t[0], CPU 0's cycles) */
} rv_point;

struct reverse {
    session  *s;
    size_t    max_bytes;
    uint64_t  interval;
    rv_point *pts;                /* in the order of t[0] */
    int       n, cap;
    size_t    bytes;
    int       floor;              /* the oldest one a step back may use: 0, or
                                     1 after a change by hand (pts[1] is it) */
};

/* ---- time ----------------------------------------------------------------- */

static int nvms_of(const reverse *r)
{
    vmm *v = session_vmm(r->s);
    return v ? v->nvms : 1;
}

static uint64_t time_of(const reverse *r, int vm)
{
    vmm *v = session_vmm(r->s);
    if (!v)
        return session_machine(r->s)->cpu[0].cycles;
    return vmm_vm_time(v->vms[vm]);
}

static bool vm_valid(const reverse *r, int vm)
{
    return vm >= 0 && vm < nvms_of(r);
}

/* Every VM's time now (a bare machine's in now[0]). */
static void times_now(const reverse *r, uint64_t now[VMM_MAX_VMS])
{
    for (int vm = 0; vm < nvms_of(r); vm++)
        now[vm] = time_of(r, vm);
}

/* Can the guest go on from where it is?  (A bare machine's end is the
 * debugger's note; a halted CPU is the one end the machine itself shows.) */
static bool running(const reverse *r, int vm)
{
    vmm *v = session_vmm(r->s);
    if (!v)
        return !session_machine(r->s)->cpu[0].halted;
    return v->vms[vm]->outcome.end == VMM_RUNNING;
}

/* ---- the checkpoints ---------------------------------------------------------- */

/* Put checkpoint c back.  It holds each VM's mode; --switch-mode's
 * switches still to come are then those after each VM's time (session.h). */
static bool restore(reverse *r, const checkpoint *c)
{
    if (!checkpoint_restore(r->s, c))
        return false;
    vmm *v = session_vmm(r->s);
    for (int vm = 0; v && vm < v->nvms; vm++)
        session_switch_rewind(r->s, v->vms[vm]);
    return true;
}

static void drop(reverse *r, int i)
{
    r->bytes -= checkpoint_bytes(r->pts[i].c);
    checkpoint_free(r->pts[i].c);
    memmove(&r->pts[i], &r->pts[i + 1], (size_t)(r->n - i - 1) * sizeof *r->pts);
    r->n--;
}

/* Over the bound: drop every other checkpoint (the first and the floor
 * stay), and take them half as often from now on. */
static void thin(reverse *r)
{
    while (r->bytes > r->max_bytes && r->n > r->floor + 2) {
        for (int i = r->floor + 1; i < r->n; i++)
            drop(r, i);
        r->interval *= 2;
    }
}

/* Keep a checkpoint of now, in time order.  False if memory is short. */
static bool take(reverse *r)
{
    if (r->n == r->cap) {
        int cap = r->cap ? 2 * r->cap : 16;
        rv_point *p = realloc(r->pts, (size_t)cap * sizeof *p);
        if (!p)
            return false;
        r->pts = p;
        r->cap = cap;
    }
    rv_point pt = { .c = checkpoint_take(r->s) };
    if (!pt.c)
        return false;
    for (int vm = 0; vm < nvms_of(r); vm++)
        pt.t[vm] = time_of(r, vm);
    int i = r->n;
    while (i > 0 && r->pts[i - 1].t[0] > pt.t[0])
        i--;
    memmove(&r->pts[i + 1], &r->pts[i], (size_t)(r->n - i) * sizeof *r->pts);
    r->pts[i] = pt;
    r->n++;
    r->bytes += checkpoint_bytes(pt.c);
    thin(r);
    return true;
}

/* The checkpoint to restore to bring VM vm to `cycle` (before it, if
 * `strict`): the one with vm's latest time at or before it, from the floor
 * on, in which no other VM is later than now[] (it could not be run back);
 * of two at the same time, the later taken.  -1 if none. */
static int latest(const reverse *r, int vm, uint64_t cycle, bool strict,
                  const uint64_t now[VMM_MAX_VMS])
{
    int best = -1;
    for (int i = r->floor; i < r->n; i++) {
        uint64_t t = r->pts[i].t[vm];
        bool usable = strict ? t < cycle : t <= cycle;
        for (int other = 0; other < nvms_of(r) && usable; other++)
            usable = other == vm || r->pts[i].t[other] <= now[other];
        if (usable && (best < 0 || t >= r->pts[best].t[vm]))
            best = i;
    }
    return best;
}

reverse *reverse_new(session *s, size_t max_bytes, uint64_t interval)
{
    reverse *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->s = s;
    r->max_bytes = max_bytes ? max_bytes : REVERSE_DEFAULT_MEM;
    r->interval = interval ? interval : REVERSE_DEFAULT_INTERVAL;
    if (!take(r)) {
        reverse_free(r);
        return NULL;
    }
    return r;
}

/* The time of the latest checkpoint at or before now (from the floor on;
 * now itself if none is). */
static uint64_t last_taken(const reverse *r)
{
    uint64_t now = time_of(r, 0), last = now;
    bool any = false;
    for (int i = r->floor; i < r->n; i++)
        if (r->pts[i].t[0] <= now && (!any || r->pts[i].t[0] > last))
            last = r->pts[i].t[0], any = true;
    return last;
}

uint64_t reverse_due(const reverse *r)
{
    return last_taken(r) + r->interval;
}

void reverse_note(reverse *r)
{
    if (time_of(r, 0) >= reverse_due(r))
        take(r);            /* out of memory: no checkpoint this time */
}

void reverse_tick(reverse *r)
{
    uint64_t gap = REVERSE_RUN_CYCLES_PER_BYTE * (uint64_t)checkpoint_bytes(r->pts[0].c);
    if (gap < r->interval)
        gap = r->interval;
    if (time_of(r, 0) >= last_taken(r) + gap)
        take(r);
}

void reverse_cut(reverse *r)
{
    while (r->n > 1)
        drop(r, r->n - 1);
    r->floor = 0;
    /* Out of memory: no floor to go back to, so the floor is past every
     * checkpoint and no step back is possible (better than a wrong one). */
    r->floor = take(r) ? r->n - 1 : r->n;
}

bool reverse_cut_at(const reverse *r, int vm, uint64_t *cycle)
{
    if (r->floor == 0 || !vm_valid(r, vm))
        return false;
    *cycle = r->floor < r->n ? r->pts[r->floor].t[vm] : time_of(r, vm);
    return true;
}

bool reverse_restart(reverse *r)
{
    if (!restore(r, r->pts[0].c))
        return false;
    if (r->floor > 0) {       /* the later ones hold a change the start never had */
        while (r->n > 1)
            drop(r, r->n - 1);
        r->floor = 0;
    }
    return true;
}

size_t reverse_bytes(const reverse *r)
{
    return r->bytes;
}

int reverse_count(const reverse *r)
{
    return r->n;
}

void reverse_free(reverse *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->n; i++)
        checkpoint_free(r->pts[i].c);
    free(r->pts);
    free(r);
}

/* ---- running forward to an exact time ----------------------------------------- */

/* One VM to exactly `cycle` of its time (only that VM runs: the others stay
 * where the checkpoint put them).  A debugger breakpoint (v->stop) does not
 * stop a replay.  It pauses, as the first run did, at each --switch-mode
 * time on the way to make the switch there - and at `cycle` too, since
 * the state the debugger stopped at had made it.  False if the guest
 * ended first. */
static bool run_vm_to(session *s, vmm_vm *vm, uint64_t cycle)
{
    vmm *v = session_vmm(s);
    while (vm->outcome.end == VMM_RUNNING && vmm_vm_time(vm) < cycle) {
        uint64_t before = vmm_vm_time(vm);
        uint64_t next_switch = session_switch_modes(s, vm);
        v->stop = false;
        vm->pause_at = next_switch != 0 && next_switch < cycle ? next_switch : cycle;
        vmm_vm_run(vm, v->quantum);
        vdev_console_flush(vm, vm->outcome.end != VMM_RUNNING);
        if (vmm_vm_time(vm) == before && !v->stop)
            break;          /* no vCPU can move (never for a running VM) */
    }
    vm->pause_at = session_switch_modes(s, vm);
    v->stop = false;
    return vmm_vm_time(vm) == cycle;
}

static bool run_bare_to(session *s, uint64_t cycle)
{
    t32_machine *m = session_machine(s);
    if (m->cpu[0].cycles < cycle)
        session_bare_run(s, cycle, NULL, false);
    return m->cpu[0].cycles == cycle;
}

/* A replay goes past the debugger's breakpoints: they are put aside
 * (the real CPUs' lists kept, their lengths 0) while it runs. */
static void breaks_aside(t32_machine *m, size_t saved[T32_MAX_CPUS])
{
    for (int i = 0; i < m->ncpus; i++) {
        saved[i] = m->cpu[i].nbreaks;
        m->cpu[i].nbreaks = 0;
    }
}

static void breaks_back(t32_machine *m, const size_t saved[T32_MAX_CPUS])
{
    for (int i = 0; i < m->ncpus; i++)
        m->cpu[i].nbreaks = saved[i];
}

/* Forward, quietly (no trace lines for a stretch already run): VM vm to
 * `cycle`, every other VM to its time in now[] (where it was before the
 * step back began).  False if one of them ended first. */
static bool run_to(reverse *r, int vm, uint64_t cycle, const uint64_t now[VMM_MAX_VMS])
{
    vmm *v = session_vmm(r->s);
    size_t breaks[T32_MAX_CPUS];
    breaks_aside(session_machine(r->s), breaks);
    bool ok;
    if (!v) {
        ok = run_bare_to(r->s, cycle);
    } else {
        vmm_observer *obs = v->observer;
        vmm_insn_hook *hook = v->insn_hook;
        v->observer = NULL;
        v->insn_hook = NULL;
        ok = run_vm_to(r->s, v->vms[vm], cycle);
        for (int other = 0; other < v->nvms; other++)
            if (other != vm && vmm_vm_time(v->vms[other]) < now[other])
                ok &= run_vm_to(r->s, v->vms[other], now[other]);
        v->observer = obs;
        v->insn_hook = hook;
    }
    breaks_back(session_machine(r->s), breaks);
    return ok;
}

/* reverse_goto, the other VMs going back to now[]. */
static bool goto_at(reverse *r, int vm, uint64_t cycle, const uint64_t now[VMM_MAX_VMS])
{
    int i = latest(r, vm, cycle, false, now);
    if (i < 0)
        return false;
    uint64_t t = time_of(r, vm);
    /* Already between that checkpoint and `cycle`, still running: just run
     * on.  (A guest that ended, even at `cycle`, is restored: `run` after
     * `kill` at cycle 0 must bring it back.) */
    bool run_on = t <= cycle && t >= r->pts[i].t[vm] && running(r, vm);
    if (!run_on && !restore(r, r->pts[i].c))
        return false;
    return run_to(r, vm, cycle, now);
}

bool reverse_goto(reverse *r, int vm, uint64_t cycle)
{
    if (!vm_valid(r, vm))
        return false;
    uint64_t now[VMM_MAX_VMS];
    times_now(r, now);
    return goto_at(r, vm, cycle, now);
}

/* ---- searching backwards ------------------------------------------------------- */

/* What the instruction hook of a search knows. */
typedef struct search {
    session  *s;
    vmm      *v;
    vmm_vm   *vm;
    uint64_t  end;             /* look before this time ... */
    bool      at_end;          /* ... or at it, too (an older interval) */
    reverse_hit (*hit)(void *ctx, reverse_ask ask);
    void     *ctx;
    bool      any;
    uint64_t  last;            /* the latest time hit() said yes ... */
    uint32_t  last_pc;         /* ... and the pc it said it at */
    bool      seen;            /* a boundary asked since the restore: */
    uint64_t  cur, prev;       /* the last one's time and the one before's */
    uint32_t  cur_pc, prev_pc;
} search;

/* Ask hit() at the boundary (cycle, pc), and note a hit. */
static void ask(search *f, uint64_t cycle, uint32_t pc)
{
    if (cycle > f->end || (cycle == f->end && !f->at_end))
        return;
    reverse_ask at = !f->seen ? REVERSE_FIRST : cycle == f->end ? REVERSE_LAST : REVERSE_NEXT;
    if (at == REVERSE_FIRST || cycle != f->cur) {  /* (a retried instruction: the same boundary) */
        f->prev = f->cur, f->prev_pc = f->cur_pc;
        f->cur = cycle, f->cur_pc = pc;
        f->seen = true;
    }
    reverse_hit h = f->hit(f->ctx, at);
    if (h == REVERSE_HERE)
        f->any = true, f->last = cycle, f->last_pc = pc;
    else if (h == REVERSE_BEFORE && at != REVERSE_FIRST)
        f->any = true, f->last = f->prev, f->last_pc = f->prev_pc;
}

/* During a turn the vCPU's general registers live in the real CPU it was
 * loaded on (run/run.c): copy them into the vCPU so hit() sees them. */
static void sync_registers(vmm *v, vmm_vcpu *vc)
{
    for (int i = 0; i < v->m->ncpus; i++)
        if (v->on_cpu[i] == vc)
            memcpy(vc->r, v->m->cpu[i].r, sizeof vc->r);
}

/* Called before every instruction of every vCPU of the VM: ask hit() at
 * each of vCPU 0's instruction boundaries (the VM's time is vCPU 0's). */
static void search_hook(void *ctx, int vm, uint64_t cycle, uint32_t pc,
                        uint32_t psr, const uint32_t *word)
{
    search *f = ctx;
    vmm_vcpu *vc = &f->vm->vcpus[0];
    (void)vm;
    (void)psr;
    (void)word;
    if (vc->vcycles != cycle || vc->pc != pc)
        return;
    sync_registers(f->v, vc);
    ask(f, cycle, pc);
}

/* Re-run the VM from where it is to f->end, asking hit() all the way (at
 * f->end too if f->at_end: the run goes one cycle further, so that the
 * hook sees that boundary as the run loop is about to run from it). */
static void search_vm(search *f)
{
    vmm_insn_hook *hook = f->v->insn_hook;
    void *hook_ctx = f->v->insn_ctx;
    f->v->insn_hook = search_hook;
    f->v->insn_ctx = f;
    run_vm_to(f->s, f->vm, f->end + f->at_end);
    f->v->insn_hook = hook;
    f->v->insn_ctx = hook_ctx;
}

/* The same on a bare machine, one instruction at a time. */
static void search_bare(search *f, t32_machine *m)
{
    while (m->cpu[0].cycles < f->end + f->at_end) {
        ask(f, m->cpu[0].cycles, m->cpu[0].pc);
        vmm_outcome out = session_bare_run(f->s, m->cpu[0].cycles + 1, NULL, false);
        if (out.end != VMM_END_LIMIT)
            break;
    }
}

/* Land on the hit: at its time, and - if an interrupt was delivered at
 * that boundary before the instruction hit() looked at - past the
 * delivery, as the run loop's next step would do it first thing. */
static bool land(reverse *r, int vm, const search *f, const uint64_t now[VMM_MAX_VMS])
{
    if (!goto_at(r, vm, f->last, now))
        return false;
    vmm *v = session_vmm(r->s);
    if (!v)
        return true;
    vmm_vcpu *vc = &v->vms[vm]->vcpus[0];
    if (vc->pc != f->last_pc) {
        vtimer_update(vc);
        vmm_inject_pending(vc, &v->m->cpu[vm % v->m->ncpus]);
        for (int i = 0; i < T32_MAX_CPUS; i++)
            v->on_cpu[i] = NULL;     /* the real CPU is reloaded on the next turn */
    }
    return true;
}

bool reverse_find(reverse *r, int vm, uint64_t before,
                  reverse_hit (*hit)(void *ctx, reverse_ask ask), void *ctx, uint64_t *found)
{
    if (!vm_valid(r, vm))
        return false;
    vmm *v = session_vmm(r->s);
    uint64_t now[VMM_MAX_VMS];
    times_now(r, now);
    uint64_t origin = now[vm];
    search f = { .s = r->s, .v = v, .vm = v ? v->vms[vm] : NULL, .end = before, .hit = hit,
                 .ctx = ctx };
    for (int i = latest(r, vm, f.end, true, now); i >= 0; i = latest(r, vm, f.end, true, now)) {
        if (!restore(r, r->pts[i].c))
            break;
        size_t breaks[T32_MAX_CPUS];
        breaks_aside(session_machine(r->s), breaks);
        f.seen = false;
        if (v)
            search_vm(&f);
        else
            search_bare(&f, session_machine(r->s));
        breaks_back(session_machine(r->s), breaks);
        if (f.any && land(r, vm, &f, now)) {
            *found = f.last;
            return true;
        }
        /* The interval before ends where this one began: its last
         * boundary is asked too, for what the step into it did. */
        f.end = r->pts[i].t[vm];
        f.at_end = true;
    }
    goto_at(r, vm, origin, now);
    return false;
}
