/*
 * points.c - where the guest should stop: breakpoints, watchpoints, and the
 * VMM's own events.
 *
 * Breakpoints are guest-virtual addresses handed to the real CPUs
 * (t32_break_set) while the guest runs: the CPU stops before executing
 * one, and so does the run loop at every boundary (run/run.c).  With
 * several VMs a breakpoint belongs to the VM selected when it was set (its
 * symbols are that VM's image's); the real CPUs are shared, so another VM
 * at the same address stops too, and is stepped past it (target.c).
 *
 * Watchpoints have no hardware under them (T32 has none), so a watched
 * continue goes one instruction at a time.  Before each, the instruction is
 * decoded for the memory it will touch (loads, stores, push and pop: base +
 * offset, or sp); after it, a write watchpoint fires if the instruction
 * wrote the range or the value there changed (a DMA or a hypercall
 * writes memory without an instruction), a read watchpoint if it read it.
 *
 * VMM events are the observer's: the VMM tells it every decision it takes
 * (vmm.h, vmm_event), and a matching point sets v->stop, so the run loop
 * stops at the next boundary - right after the VMM has handled the exit.
 */
#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "assembler/disasm.h"
#include "vmm/debug/internal.h"
#include "vmm/modes/mode.h"
#include "vmm/modes/pv/pv.h"

static const char *const kind_names[] = {
    [BP_ADDR] = "breakpoint", [BP_WATCH] = "watchpoint", [BP_RWATCH] = "read watchpoint",
    [BP_EXIT] = "exit", [BP_EMULATE] = "emulate", [BP_REFLECT] = "reflect",
    [BP_INJECT] = "inject", [BP_HIDDEN] = "hidden-fault", [BP_MODESWITCH] = "mode-switch",
    [BP_PATCH] = "patch", [BP_HCALL] = "hcall",
};

/* The debugger's own points (advance, until, ni over a call) are numbered down
 * from -1, as gdb's internal breakpoints: they take no user number, so the
 * next `break` is numbered as if they had never been. */
static bool is_internal(const dbg_point *p)
{
    return p->id < 0;
}

static dbg_point *new_point(debugger *d, dbg_kind kind, bool internal)
{
    for (int i = 0; i < DBG_MAX_POINTS; i++) {
        if (d->pts[i].id == 0) {
            dbg_point *p = &d->pts[i];
            int id = internal ? --d->next_internal : ++d->next_id;
            *p = (dbg_point){ .id = id, .kind = kind, .enabled = true, .arg = -1, .vm = -1 };
            return p;
        }
    }
    dbg_error(d, "too many breakpoints (%d)", DBG_MAX_POINTS);
    return NULL;
}

static dbg_point *find(debugger *d, int id)
{
    for (int i = 0; i < DBG_MAX_POINTS; i++)
        if (d->pts[i].id == id && id != 0)
            return &d->pts[i];
    return NULL;
}

/* A cause by name ("syscall", "privileged", "load-fault" ...). */
static int cause_lookup(const char *name)
{
    for (int c = 0; c < T32_CAUSE_LIMIT; c++)
        if (strcmp(t32_cause_name((t32_cause)c), name) == 0 && strcmp(name, "?") != 0)
            return c;
    return -1;
}

/* The optional argument of an event point. */
static bool event_arg(debugger *d, dbg_point *p, const char *arg)
{
    if (!arg || !*arg)
        return true;
    switch (p->kind) {
    case BP_EXIT:
    case BP_REFLECT:
        /* Only a trap the guest's own instruction takes exits: an
         * interrupt is injected by the VMM, and "none" is no trap - a
         * point on either would never stop. */
        p->arg = cause_lookup(arg);
        if (p->arg > T32_CAUSE_NONE && p->arg < T32_IRQ_BASE)
            return true;
        if (p->arg >= T32_IRQ_BASE)
            return dbg_error(d, "%s is an interrupt, not an exit: the VMM injects it "
                             "(break inject)", arg);
        return dbg_error(d, "no trap cause named '%s' (try: privileged, syscall, load-fault ...)",
                         arg);
    case BP_EMULATE:
        if ((p->arg = t32_op_lookup(arg)) >= 0)
            return true;
        return dbg_error(d, "no instruction named '%s'", arg);
    case BP_HCALL: {
        for (uint32_t n = 0; n < 64; n++)
            if (pv_hcall_name(n) && strcmp(pv_hcall_name(n), arg) == 0)
                return (p->arg = (int)n), true;
        /* A word is a hypercall's name: "no symbol" would mislead. */
        if (isalpha((unsigned char)arg[0]) || arg[0] == '_') {
            char names[256] = "";
            for (uint32_t n = 1; n < 64; n++)
                if (pv_hcall_name(n) && strlen(names) + strlen(pv_hcall_name(n)) + 3 < sizeof names)
                    strcat(strcat(names, names[0] ? ", " : ""), pv_hcall_name(n));
            return dbg_error(d, "no hypercall named '%s' (%s; or a number)", arg, names);
        }
        uint32_t v;
        if (!expr_eval(d, arg, &v))
            return false;
        if (v > 0xffff)
            return dbg_error(d, "a hypercall number is 0..65535");
        p->arg = (int)v;
        return true;
    }
    default:
        return dbg_error(d, "'break %s' takes no argument", kind_names[p->kind]);
    }
}

/* Which mode an event point needs (patch: bt, hcall: pv). */
static bool mode_allows(debugger *d, dbg_kind kind)
{
    if (kind == BP_PATCH)
        return dbg_need_mode(d, VMM_MODE_BT, "patches");
    if (kind == BP_HCALL)
        return dbg_need_mode(d, VMM_MODE_PV, "hypercalls");
    return kind < BP_EXIT || dbg_need_vmm(d);
}

static bool add_watch(debugger *d, dbg_point *p, const char *args)
{
    if (*args == '*')
        args++;
    uint32_t addr;
    if (!expr_eval(d, args, &addr))
        return false;
    if (addr & 3)     /* a word is aligned: no load or store touches one that is not */
        return dbg_error(d, "0x%08" PRIx32 " is not a word address (a multiple of 4)", addr);
    p->addr = addr;
    p->len = 4;
    if (!dbg_read_virt(d, addr, &p->old, 4))
        p->old = 0;
    snprintf(p->what, sizeof p->what, "*0x%08" PRIx32, addr);
    return true;
}

bool points_add(debugger *d, dbg_kind kind, const char *args, bool temp)
{
    if (!mode_allows(d, kind))
        return false;
    if ((kind == BP_WATCH || kind == BP_RWATCH) && !*args)
        return dbg_error(d, "argument required (an address to watch)");
    uint32_t addr = 0;
    if (kind == BP_ADDR && *args && !expr_code_location(d, args, &addr))
        return false;
    if (kind == BP_ADDR && !*args)
        addr = dbg_pc(d);
    dbg_point *p = new_point(d, kind, false);
    if (!p)
        return false;
    p->temporary = temp;
    bool ok = true;
    if (kind == BP_WATCH || kind == BP_RWATCH)
        ok = add_watch(d, p, args);
    else if (kind != BP_ADDR)
        ok = event_arg(d, p, args);
    if (!ok) {
        p->id = 0;
        d->next_id--;
        return false;
    }
    char where[256], vm[16] = "";
    if (kind == BP_ADDR) {
        p->addr = addr;
        p->vm = d->v ? d->vm : -1;
        if (d->v && d->v->nvms > 1)
            snprintf(vm, sizeof vm, " in vm%d", d->vm);
        dbg_where(d, where, sizeof where, addr);
        snprintf(p->what, sizeof p->what, "%.*s%s", (int)(sizeof p->what - sizeof vm), where, vm);
        fprintf(d->out, "%s %d at %s%s\n", temp ? "Temporary breakpoint" : "Breakpoint", p->id,
                where, vm);
    } else if (kind == BP_WATCH || kind == BP_RWATCH) {
        p->vm = d->v ? d->vm : -1;      /* the selected VM's memory, as a breakpoint's */
        if (d->v && d->v->nvms > 1) {
            size_t n = strlen(p->what);
            snprintf(p->what + n, sizeof p->what - n, " in vm%d", d->vm);
        }
        fprintf(d->out, "%s %d: %s\n", kind == BP_WATCH ? "Watchpoint" : "Read watchpoint",
                p->id, p->what);
    } else {
        snprintf(p->what, sizeof p->what, "%s%s%s", kind_names[kind], *args ? " " : "", args);
        fprintf(d->out, "%sVMM event %d: %s\n", temp ? "Temporary " : "", p->id, p->what);
    }
    return true;
}

int points_add_internal(debugger *d, uint32_t addr)
{
    dbg_point *p = new_point(d, BP_ADDR, true);
    if (!p)
        return 0;
    p->temporary = true;
    p->addr = addr;
    p->vm = d->v ? d->vm : -1;
    return p->id;
}

void points_remove(debugger *d, int id)
{
    dbg_point *p = find(d, id);
    if (p)
        p->id = 0;
}

void points_drop_spent(debugger *d)
{
    for (int i = 0; i < DBG_MAX_POINTS; i++)
        if (d->pts[i].id && d->pts[i].temporary && d->pts[i].hits > 0 && !is_internal(&d->pts[i]))
            d->pts[i].id = 0;
}

/* delete / disable / enable [N ...]: no numbers means every point. */
bool points_command(debugger *d, const char *cmd, char *args)
{
    char *w = dbg_word(&args);
    bool all = w == NULL;
    for (; w || all; w = dbg_word(&args)) {
        char *end;
        long id = all ? 0 : strtol(w, &end, 10);
        if (!all && (*end || id <= 0 || id > INT_MAX || !find(d, (int)id)))
            return dbg_error(d, "no breakpoint number %s", w);
        for (int i = 0; i < DBG_MAX_POINTS; i++) {
            dbg_point *p = &d->pts[i];
            if (p->id == 0 || is_internal(p) || (!all && p->id != id))
                continue;
            if (cmd[0] == 'd' && cmd[1] == 'e')
                p->id = 0;
            else
                p->enabled = cmd[0] == 'e';
        }
        if (all)
            break;
    }
    return true;
}

void points_info(debugger *d)
{
    bool any = false;
    for (int i = 0; i < DBG_MAX_POINTS; i++) {
        const dbg_point *p = &d->pts[i];
        if (p->id == 0 || is_internal(p))
            continue;
        if (!any)
            fprintf(d->out, "Num  Type             Disp Enb What\n");
        any = true;
        const char *type = p->kind >= BP_EXIT ? "vmm event" : kind_names[p->kind];
        fprintf(d->out, "%-4d %-16s %-4s %-3s %s\n", p->id, type, p->temporary ? "del" : "keep",
                p->enabled ? "y" : "n", p->what);
        if (p->hits)
            fprintf(d->out, "\thit %" PRIu64 " time%s\n", p->hits, p->hits == 1 ? "" : "s");
    }
    if (!any)
        fprintf(d->out, "No breakpoints or watchpoints.\n");
}

/* Put our breakpoints into every real CPU (on), or take them all out. */
void points_arm(debugger *d, bool on)
{
    for (int c = 0; c < d->m->ncpus; c++) {
        t32_cpu *cpu = &d->m->cpu[c];
        for (int i = 0; i < DBG_MAX_POINTS; i++) {
            const dbg_point *p = &d->pts[i];
            if (p->id == 0 || p->kind != BP_ADDR || !p->enabled)
                continue;
            if (on)
                t32_break_set(cpu, p->addr);
            else
                t32_break_clear(cpu, p->addr);
        }
    }
}

bool points_have_watch(const debugger *d)
{
    for (int i = 0; i < DBG_MAX_POINTS; i++)
        if (d->pts[i].id && d->pts[i].enabled &&
            (d->pts[i].kind == BP_WATCH || d->pts[i].kind == BP_RWATCH))
            return true;
    return false;
}

bool points_is_event(const debugger *d, int id)
{
    for (int i = 0; i < DBG_MAX_POINTS; i++)
        if (d->pts[i].id == id)
            return d->pts[i].kind > BP_RWATCH;
    return false;
}

dbg_point *points_at(debugger *d, int vm, uint32_t pc)
{
    for (int i = 0; i < DBG_MAX_POINTS; i++) {
        const dbg_point *p = &d->pts[i];
        if (p->id && p->enabled && p->kind == BP_ADDR && p->addr == pc &&
            (p->vm < 0 || p->vm == vm))
            return &d->pts[i];
    }
    return NULL;
}

bool points_foreign(debugger *d, int vm, uint32_t pc)
{
    for (int i = 0; i < DBG_MAX_POINTS; i++)
        if (d->pts[i].id && d->pts[i].enabled && d->pts[i].kind == BP_ADDR &&
            d->pts[i].addr == pc)
            return points_at(d, vm, pc) == NULL;
    return false;
}

void points_hit(debugger *d, dbg_point *p)
{
    (void)d;
    p->hits++;
}

void points_watch_reset(debugger *d)
{
    int vm = d->vm, vcpu = d->vcpu;
    for (int i = 0; i < DBG_MAX_POINTS; i++) {
        dbg_point *p = &d->pts[i];
        if (!p->id || (p->kind != BP_WATCH && p->kind != BP_RWATCH))
            continue;
        if (p->vm >= 0 && p->vm != vm)  /* read as its own VM sees it */
            d->vm = p->vm, d->vcpu = 0;
        if (!dbg_read_virt(d, p->addr, &p->old, 4))
            p->old = 0;
        d->vm = vm, d->vcpu = vcpu;
    }
}

/* The memory one instruction touches: false if none. */
static bool insn_access(uint32_t w, const uint32_t regs[16], uint32_t *addr, uint32_t *size,
                        bool *store)
{
    unsigned op = T32_OPC(w);
    uint32_t sp = regs[T32_REG_SP];
    switch (op) {
    case T32_OP_LDW: case T32_OP_LDH: case T32_OP_LDHU: case T32_OP_LDB: case T32_OP_LDBU:
    case T32_OP_STW: case T32_OP_STH: case T32_OP_STB:
        *addr = regs[T32_FB(w)] + T32_SIMM16(w);
        *size = (op == T32_OP_LDW || op == T32_OP_STW) ? 4
              : (op == T32_OP_LDB || op == T32_OP_LDBU || op == T32_OP_STB) ? 1 : 2;
        *store = op >= T32_OP_STW;
        return true;
    case T32_OP_PUSH: case T32_OP_PUSHF:
        *addr = sp - 4, *size = 4, *store = true;
        return true;
    case T32_OP_POP: case T32_OP_POPF:
        *addr = sp, *size = 4, *store = false;
        return true;
    default:
        return false;
    }
}

/* Reverse execution: does the instruction about to run at this boundary
 * access p's range the way p watches (a store for watch, a load for
 * rwatch)? */
bool points_about_to_touch(const dbg_point *p, bool have_word, uint32_t word,
                           const uint32_t regs[16])
{
    uint32_t addr, size;
    bool store;
    if (!have_word || !insn_access(word, regs, &addr, &size, &store))
        return false;
    return addr < p->addr + p->len && p->addr < addr + size && store == (p->kind == BP_WATCH);
}

dbg_point *points_watch_check(debugger *d, uint32_t pc, uint32_t word, bool have_word,
                              const uint32_t regs[16])
{
    uint32_t addr = 0, size = 0;
    bool store = false;
    bool touches = have_word && insn_access(word, regs, &addr, &size, &store);
    bool retired = dbg_alive(d) && dbg_pc(d) == pc + 4;
    for (int i = 0; i < DBG_MAX_POINTS; i++) {
        dbg_point *p = &d->pts[i];
        if (!p->id || !p->enabled || (p->kind != BP_WATCH && p->kind != BP_RWATCH) ||
            (p->vm >= 0 && p->vm != d->vm))
            continue;                   /* (another VM's word) */
        bool overlap = touches && addr < p->addr + p->len && p->addr < addr + size;
        uint32_t now = 0;
        bool readable = dbg_read_virt(d, p->addr, &now, 4);
        p->prev = p->old;
        bool changed = readable && now != p->old;
        if (readable)
            p->old = now;
        if (p->kind == BP_WATCH && (changed || (overlap && store && retired)))
            return p;
        if (p->kind == BP_RWATCH && overlap && !store && retired)
            return p;
    }
    return NULL;
}

void points_report_watch(debugger *d, dbg_point *p)
{
    if (p->kind == BP_WATCH)
        fprintf(d->out, "\nWatchpoint %d: %s\n\nOld value = 0x%08" PRIx32
                "\nNew value = 0x%08" PRIx32 "\n", p->id, p->what, p->prev, p->old);
    else
        fprintf(d->out, "\nRead watchpoint %d: %s\n\nValue = 0x%08" PRIx32 "\n", p->id,
                p->what, p->old);
}

/* ---- the VMM's events ------------------------------------------------------------------ */

/* Does the event count as an exit with this cause (any if arg < 0)?  In a
 * mode that interprets every instruction nothing exits: no event does. */
static bool exit_matches(const vmm_event *ev, bool interpreted, int arg)
{
    if (interpreted)
        return false;
    t32_cause cause;
    switch (ev->kind) {
    case VMM_EV_EMULATE: cause = T32_CAUSE_PRIVILEGED; break;
    case VMM_EV_REFLECT:
    case VMM_EV_HIDDEN:  cause = ev->cause; break;
    case VMM_EV_HCALL:
    case VMM_EV_PATCHED: cause = T32_CAUSE_ILLEGAL; break;
    default: return false;
    }
    return arg < 0 || (int)cause == arg;
}

static bool event_matches(const dbg_point *p, const dbg_event *e)
{
    const vmm_event *ev = &e->ev;
    switch (p->kind) {
    case BP_EXIT:
        return exit_matches(ev, e->interpreted, p->arg);
    case BP_EMULATE:
        return (ev->kind == VMM_EV_EMULATE || ev->kind == VMM_EV_PATCHED) &&
               (p->arg < 0 || (int)T32_OPC(ev->insn) == p->arg);
    case BP_REFLECT:
        return ev->kind == VMM_EV_REFLECT && (p->arg < 0 || (int)ev->cause == p->arg);
    case BP_INJECT:
        return ev->kind == VMM_EV_INJECT;
    case BP_HIDDEN:
        return ev->kind == VMM_EV_HIDDEN;
    case BP_MODESWITCH:   /* may change K: verified after the VMM is done */
        return ev->kind == VMM_EV_REFLECT || ev->kind == VMM_EV_INJECT ||
               ev->kind == VMM_EV_HCALL || ev->kind == VMM_EV_PATCHED ||
               (ev->kind == VMM_EV_EMULATE && T32_OPC(ev->insn) == T32_OP_RFE);
    case BP_PATCH:
        return ev->kind == VMM_EV_PATCH || ev->kind == VMM_EV_PATCHED;
    case BP_HCALL:
        return ev->kind == VMM_EV_HCALL && (p->arg < 0 || (int)T32_IMM16(ev->insn) == p->arg);
    default:
        return false;
    }
}

/* A --switch-mode switch is no exit and stops nothing, but a run that
 * makes one says so at once - a step, si N or continue alike, whichever
 * step of it reaches the switch (not a replay: it was told the first time,
 * nor `mode`, which says it itself). */
static void tell_mode_switch(debugger *d, const vmm_vcpu *vc, const vmm_event *ev)
{
    if (!d->running || d->replaying)
        return;
    dbg_event e = { .ev = *ev, .vm = vc->vm->id, .vcpu = vc->id, .cycle = vc->vcycles };
    char line[320];
    points_describe_event(d, &e, line, sizeof line);
    fflush(stdout);
    fprintf(d->out, "%s\n", line);
}

void points_observe(void *ctx, const vmm_vcpu *vc, const vmm_event *ev)
{
    debugger *d = ctx;
    if (d->chain && !d->replaying)
        d->chain(d->chain_ctx, vc, ev);
    if (ev->kind == VMM_EV_MODE) {
        tell_mode_switch(d, vc, ev);
        return;
    }
    int idx = d->nevents++;
    d->events[idx % DBG_MAX_EVENTS] = (dbg_event){
        .ev = *ev, .vm = vc->vm->id, .vcpu = vc->id, .cycle = vc->vcycles,
        .vpsr = vc->vpsr, .tvec = vc->vsr[T32_SR_TVEC],
        .interpreted = vc->vm->mode->run != NULL };
    if (d->hit_id) {
        /* A mode-switch stop waits for the boundary to see whether K really
         * changed.  Going forward that is the next one, but a replay looks
         * only before instructions - after an interrupt delivered there,
         * which may have switched K back (rfe to user mode, then the tick
         * pending since the kernel ran): the change is noted as it is seen. */
        if (d->tentative_k && vc->vm->id == d->vm && vc->id == d->vcpu &&
            ((vc->vpsr ^ d->k_before) & T32_PSR_K))
            d->k_changed = true;
        return;
    }
    for (int i = 0; i < DBG_MAX_POINTS; i++) {
        dbg_point *p = &d->pts[i];
        if (!p->id || !p->enabled || p->kind < BP_EXIT ||
            !event_matches(p, &d->events[idx % DBG_MAX_EVENTS]))
            continue;
        p->hits += !d->replaying;
        d->hit_id = p->id;
        d->hit_event = idx;
        d->vm = vc->vm->id;
        d->vcpu = vc->id;
        d->tentative_k = p->kind == BP_MODESWITCH;
        d->k_before = vc->vpsr;
        d->k_changed = false;
        d->v->stop = true;
        return;
    }
}

/* ---- the events in words ---------------------------------------------------------------- */

/* Is e the trap the VM stopped at, instead of reflecting it (vmm_reflect:
 * a trap in kernel mode with no vector escapes)?  The VM's outcome says:
 * that trap, taken then (the trap's own cycle counted, or not yet). */
static bool ended_the_vm(const debugger *d, const dbg_event *e)
{
    const vmm_outcome *out = &d->v->vms[e->vm]->outcome;
    return out->end == VMM_END_ESCAPE && out->vcpu == e->vcpu && out->trap.cause == e->ev.cause &&
           out->trap.epc == e->ev.pc && e->cycle <= out->cycles && out->cycles - e->cycle <= 1;
}

void points_describe_event(debugger *d, const dbg_event *e, char *buf, size_t len)
{
    const vmm_event *ev = &e->ev;
    const t32_image *img = session_image(d->s, e->vm);
    char at[200], insn[96], vm[24] = "";
    /* A syscall's EPC is the instruction after it (ISA.md); it is told at
     * the syscall itself, as the run's own report does. */
    bool after = ev->kind == VMM_EV_REFLECT && ev->cause == T32_CAUSE_SYSCALL;
    session_describe_pc(at, sizeof at, img, after ? ev->pc - 4 : ev->pc);
    dis_insn(ev->insn, ev->pc, img, insn, sizeof insn);
    /* Whose event: the VM (with several), and its vCPU (with several: a
     * step runs every vCPU of the VM one instruction), as --trace names
     * them (vm0.1). */
    if (d->v->vms[e->vm]->nvcpus > 1)
        snprintf(vm, sizeof vm, "[vm%d.%d] ", e->vm, e->vcpu);
    else if (d->v->nvms > 1)
        snprintf(vm, sizeof vm, "[vm%d] ", e->vm);
    const char *cause = t32_cause_name(ev->cause);
    const char *hc = pv_hcall_name(T32_IMM16(ev->insn));
    /* emulate mode: the VMM's own interpreter met it, nothing exited */
    const char *exit = e->interpreted ? "no exit (emulate mode)" : "exit";
    switch (ev->kind) {
    case VMM_EV_EMULATE:
        snprintf(buf, len, "%s%s: privileged %s at %s (virtual K=%u) -> emulated on the "
                 "virtual state", vm, exit, insn, at, (e->vpsr & T32_PSR_K) != 0);
        break;
    case VMM_EV_REFLECT:
        if (ended_the_vm(d, e))
            snprintf(buf, len, "%s%s: %s at %s -> not reflected: the guest has no handler "
                     "(tvec 0 in kernel mode), so the VM stops", vm, exit, cause, at);
        else
            snprintf(buf, len, "%s%s: %s at %s -> reflected into the guest: virtual EPC, "
                     "CAUSE, K=1, pc := tvec 0x%08" PRIx32, vm, exit, cause, at, e->tvec);
        break;
    case VMM_EV_HIDDEN:
        snprintf(buf, len, "%sexit: %s 0x%08" PRIx32 " at %s -> hidden page fault: shadow "
                 "entry filled, instruction retried", vm, cause, ev->badvaddr, at);
        break;
    case VMM_EV_INJECT:
        snprintf(buf, len, "%sinject: %s at %s -> virtual trap entry, pc := tvec 0x%08" PRIx32,
                 vm, cause, at, e->tvec);
        break;
    case VMM_EV_MODE:
        snprintf(buf, len, "%smode: vm%d switched to %s at %s", vm, e->vm,
                 d->v->vms[e->vm]->mode->name, at);
        break;
    case VMM_EV_HCALL:
        snprintf(buf, len, "%sexit: hcall %" PRIu32 " (%s) at %s -> hypercall done by the VMM",
                 vm, T32_IMM16(ev->insn), hc ? hc : "unknown", at);
        break;
    case VMM_EV_SCAN:
        snprintf(buf, len, "%sbt: page 0x%08" PRIx32 " scanned before it runs in kernel mode: "
                 "%" PRIu32 " to patch", vm, ev->gpa, ev->count);
        break;
    case VMM_EV_PATCH:
        snprintf(buf, len, "%sbt: %s at guest-physical 0x%08" PRIx32 " patched in the page's "
                 "copy", vm, insn, ev->gpa);
        break;
    case VMM_EV_PATCHED:
        snprintf(buf, len, "%sexit: patched %s at %s -> emulated on the virtual state", vm,
                 insn, at);
        break;
    case VMM_EV_UNPATCH:
        snprintf(buf, len, "%sbt: page 0x%08" PRIx32 " written (%s): its patches dropped", vm,
                 ev->gpa, ev->why ? ev->why : "?");
        break;
    }
}
