/*
 * session.c - building what the run options describe, running it, and
 * turning the outcome into messages and an exit status.
 *
 * --mode bare needs no VMM: a T32 machine with the guest's RAM, the image
 * loaded at its physical addresses, CPU 0 at the entry point (modes/bare.c
 * runs it).  Every other mode builds the VMM (vm.c), one VM per guest, and
 * lets the scheduler (run/sched.c) run them.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "vmm/memory/guest.h"
#include "vmm/modes/mode.h"
#include "vmm/report/trace.h"
#include "vmm/session/files.h"
#include "vmm/session/session.h"

struct session {
    session_options o;
    t32_image    imgs[VMM_MAX_VMS];
    int          nimgs;         /* images read (and to free) */
    t32_machine *bare;          /* --mode bare: the machine ... */
    vmm         *v;             /* ... or the VMM */
    vmm_stats    bare_stats;
    session_files files;
    bool         opened;        /* session_open succeeded: the outputs are kept */
    volatile sig_atomic_t interrupted;   /* Ctrl-C (session_catch_interrupt) */
    bool         traced_any;    /* --trace-insns: the last line written */
    int          traced_vm;
    int          traced_vcpu;
    uint64_t     traced_cycle;
    uint32_t     traced_pc;
    char         switched[VMM_MAX_VMS][200];  /* --switch-mode: ", bt at cycle N" ... */
    int          next_switch[VMM_MAX_VMS];    /* ... each VM's first one not made ... */
    size_t       story_at[VMM_MAX_VMS][SESSION_MAX_SWITCHES];  /* ... and the length of
                                                  `switched` before each one was made */
};

vmm *session_vmm(session *s)
{
    return s->v;
}

t32_machine *session_machine(session *s)
{
    return s->v ? s->v->m : s->bare;
}

const t32_image *session_image(session *s, int i)
{
    return i >= 0 && i < s->nimgs ? &s->imgs[i] : NULL;
}

bool session_names_file(session *s, const char *path, char *what, size_t len)
{
    return files_named(&s->o, path, what, len);
}

/* ---- reporting how a guest ended --------------------------------------------
 *
 * A halt is the normal end and prints nothing (so a guest's transcript on
 * stdout is all there is).  Every other end gets one line on stderr that
 * says where the guest was, with the symbol from its image.
 */

void session_describe_pc(char *buf, size_t len, const t32_image *img, uint32_t pc)
{
    uint32_t off = 0;
    const char *sym = img ? t32_image_symbolize(img, pc, &off) : NULL;
    if (sym && off)
        snprintf(buf, len, "0x%08" PRIx32 " <%s+0x%" PRIx32 ">", pc, sym, off);
    else if (sym)
        snprintf(buf, len, "0x%08" PRIx32 " <%s>", pc, sym);
    else
        snprintf(buf, len, "0x%08" PRIx32, pc);
}

int session_report(const char *who, const t32_image *img, const vmm_outcome *out)
{
    char where[512];
    /* An escaped trap is told at the instruction that trapped: its EPC,
     * except for syscall, whose EPC is the one after it (ISA.md). */
    bool after = out->end == VMM_END_ESCAPE && out->trap.cause == T32_CAUSE_SYSCALL;
    session_describe_pc(where, sizeof where, img, after ? out->pc - 4 : out->pc);
    switch (out->end) {
    case VMM_RUNNING:
    case VMM_END_HALT:
        return SESSION_HALT;
    case VMM_END_LIMIT:
        fprintf(stderr, "trapeze: %sinstruction limit reached after %" PRIu64
                " cycles, at pc %s\n", who, out->cycles, where);
        return SESSION_LIMIT;
    case VMM_END_ESCAPE:
        fprintf(stderr, "trapeze: %sunhandled trap: %s taken in kernel mode with "
                "tvec = 0, at pc %s", who, t32_cause_name(out->trap.cause), where);
        if (t32_cause_sets_badvaddr(out->trap.cause))
            fprintf(stderr, " (badvaddr 0x%08" PRIx32 ")", out->trap.badvaddr);
        if (T32_OPC(out->trap.insn) == T32_OP_HCALL)   /* a PV guest, no VMM */
            fprintf(stderr, ": it was an hcall (hypercall %" PRIu32 "); a paravirtual "
                    "guest needs --mode pv", T32_IMM16(out->trap.insn));
        fprintf(stderr, "\n");
        return SESSION_ESCAPE;
    case VMM_END_IDLE:
        fprintf(stderr, "trapeze: %swfi with no timer or disk transfer that could "
                "wake it, at pc %s (console input cannot: it comes only when the guest "
                "reads CON_STATUS or CON_DATA, ISA.md section 9)\n", who, where);
        return SESSION_IDLE;
    case VMM_END_NO_MEMORY:
        fprintf(stderr, "trapeze: %sthe VMM ran out of its own memory (shadow page "
                "tables, bt's patched copies), at pc %s\n", who, where);
        return SESSION_NO_MEMORY;
    case VMM_END_OUTPUT:    /* which output and why follow, from session_close */
        fprintf(stderr, "trapeze: %sstopped after %" PRIu64 " cycles, at pc %s: its "
                "output cannot be written\n", who, out->cycles, where);
        return SESSION_ERROR;
    case VMM_END_INTERRUPTED:
        fprintf(stderr, "trapeze: %sinterrupted (Ctrl-C) after %" PRIu64 " cycles, at pc %s\n",
                who, out->cycles, where);
        return SESSION_INTERRUPTED;
    case VMM_END_STUCK:
        fprintf(stderr, "trapeze: %sthe VMM is stuck: the %s at 0x%08" PRIx32 " was a hidden "
                "page fault %u times at cycle %" PRIu64 ", pc %s - the shadow entry filled "
                "for it does not allow it (a VMM bug: shadow_pte in memory/shadow.c, or "
                "the mode's)\n", who, t32_cause_name(out->trap.cause), out->trap.badvaddr,
                VMM_HIDDEN_PER_CYCLE, out->cycles, where);
        return SESSION_STUCK;
    }
    return SESSION_ERROR;
}

/* The mode guest i ended in: after --switch-mode it is not the one it
 * started in. */
static const char *final_mode(session *s, int i)
{
    return s->v ? s->v->vms[i]->mode->name : mode_name(s->o.mode);
}

/* The mode of the --stats title: the final one, and the way there
 * ("bt; started in trap, bt at cycle 300000"). */
static void mode_story(char *buf, size_t len, session *s, int i)
{
    if (s->switched[i][0] == '\0')
        snprintf(buf, len, "%s", final_mode(s, i));
    else
        snprintf(buf, len, "%s; started in %s%s", final_mode(s, i), mode_name(s->o.mode),
                 s->switched[i]);
}

/* --stats and --stats-json, for `n` guests.  Each VM's mode is the one it
 * ended in; the totals' mode is the one every VM ended in, or "mixed" if
 * they differ (a switch that failed, or a VM that ended before its switch
 * came). */
static int write_stats(session *s, const vmm_stats *const *st, int n)
{
    char mode[sizeof s->switched[0] + 64];
    const char *modes[VMM_MAX_VMS];
    const char *end_mode = final_mode(s, 0);
    bool with_vmm = s->v != NULL;
    int rc = 0;
    for (int i = 0; i < n; i++) {
        modes[i] = final_mode(s, i);
        if (strcmp(modes[i], end_mode) != 0)
            end_mode = "mixed";
    }
    if (s->o.stats) {
        vmm_stats total = { 0 };
        for (int i = 0; i < n; i++) {
            char title[32];
            snprintf(title, sizeof title, "vm%d", i);
            mode_story(mode, sizeof mode, s, i);
            if (n > 1)
                stats_print(stderr, title, mode, with_vmm, st[i]);
            stats_add(&total, st[i]);
        }
        if (n > 1)
            snprintf(mode, sizeof mode, "%s", end_mode);
        stats_print(stderr, n > 1 ? "all VMs" : "trapeze statistics", mode, with_vmm, &total);
        /* The statistics are output like any other: a failed write is
         * status 1 (with no message - there is nowhere left to say it). */
        if (fflush(stderr) != 0 || ferror(stderr))
            rc = SESSION_ERROR;
    }
    if (s->files.stats_json.f)
        stats_write_json(s->files.stats_json.f, end_mode, modes, st, n);   /* checked on close */
    return rc;
}

/* ---- the hint for a run that goes on and on ----------------------------------
 *
 * A guest stuck in `b .` runs silently forever, as a machine would.  When a
 * person is watching (stderr is a terminal), say after 10 s of host time
 * ($TRAPEZE_HINT_SECONDS, 1 to 3600) what is going on and how to stop it.
 * Only stderr sees it: it changes nothing the guest can see, so runs stay
 * deterministic.  (The message is made before the alarm: a signal handler
 * may only write.)
 */

static char hint[160];

static void long_run_hint(int sig)
{
    (void)sig;
    ssize_t ignored = write(STDERR_FILENO, hint, strlen(hint));
    (void)ignored;
}

static long hint_seconds(void)
{
    const char *env = getenv("TRAPEZE_HINT_SECONDS");
    char *end;
    long s = env && isdigit((unsigned char)env[0]) ? strtol(env, &end, 10) : 0;
    return s >= 1 && s <= 3600 && *end == '\0' ? s : 10;    /* "1x", " 1": 10 */
}

void session_hint(bool on)
{
    if (!isatty(STDERR_FILENO))
        return;
    long seconds = hint_seconds();
    struct itimerval t = { .it_value = { .tv_sec = on ? seconds : 0 } };
    if (on) {
        snprintf(hint, sizeof hint, "trapeze: still running after %ld s; the guest may be in "
                 "a loop (Ctrl-C stops it; --max-insns N stops a run after N cycles)\n",
                 seconds);
        signal(SIGALRM, long_run_hint);
    }
    setitimer(ITIMER_REAL, &t, NULL);
}

/* ---- building ------------------------------------------------------------------ */

static int read_images(session *s)
{
    char err[256];
    for (int i = 0; i < s->o.nguests; i++) {
        if (!t32_image_read(s->o.guests[i].image, &s->imgs[i], err, sizeof err)) {
            fprintf(stderr, "%s: error: %s\n", s->o.guests[i].image, err);
            return SESSION_ERROR;
        }
        s->nimgs = i + 1;
    }
    return 0;
}

static int open_bare(session *s)
{
    char err[256];
    s->bare = t32_machine_new(s->o.mem, 1);
    if (!s->bare) {
        fprintf(stderr, "trapeze: error: out of memory for the machine's RAM\n");
        return SESSION_ERROR;
    }
    if (!t32_image_load(&s->imgs[0], s->bare->mem, s->bare->memsize, err, sizeof err)) {
        fprintf(stderr, "%s: error: %s\n", s->o.guests[0].image, err);
        return SESSION_ERROR;
    }
    s->bare->cpu[0].pc = s->imgs[0].entry;
    return files_attach(&s->files, &s->o.guests[0], 0, 1, &s->bare->console,
                        &s->bare->disk);
}

/* The prefix of VM i's console lines when several VMs share stdout. */
static const char *prefix_of(int i)
{
    static char prefixes[VMM_MAX_VMS][24];   /* room for any int */
    snprintf(prefixes[i], sizeof prefixes[i], "[vm%d] ", i);
    return prefixes[i];
}

static int setup_vm(session *s, int i)
{
    char err[256];
    vmm_vm *vm = s->v->vms[i];
    vmm_vm_set_vcpus(vm, s->o.vcpus);
    if (!vmm_vm_load(vm, &s->imgs[i], err, sizeof err)) {
        fprintf(stderr, "%s: error: %s\n", s->o.guests[i].image, err);
        return SESSION_ERROR;
    }
    int rc = files_attach(&s->files, &s->o.guests[i], i, s->o.nguests, &vm->con, &vm->disk);
    if (rc)
        return rc;
    vm->limit = s->o.max_insns;
    if (s->o.nguests > 1 && !s->o.guests[i].console) {
        vm->prefix = prefix_of(i);
        vm->prefix_out = s->files.console_out;
    }
    return 0;
}

static int open_vmm(session *s)
{
    char err[256];
    s->v = vmm_new(s->o.mode, s->o.nguests, s->o.mem, err, sizeof err);
    if (!s->v) {
        fprintf(stderr, "trapeze: error: %s\n", err);
        return SESSION_ERROR;
    }
    s->v->quantum = s->o.quantum;
    for (int i = 0; i < s->o.nguests; i++) {
        int rc = setup_vm(s, i);
        if (rc)
            return rc;
    }
    return 0;
}

/* The vCPU of VM i whose instruction is being reported: the one on a real
 * CPU (the hook is called during its turn). */
static int running_vcpu(session *s, int i)
{
    const vmm_vm *vm = s->v->vms[i];
    for (int k = 0; k < vm->nvcpus; k++)
        if (vm->vcpus[k].cpu)
            return k;
    return 0;
}

/* The instruction hook of --trace-insns: one line per instruction, named
 * as --trace names it (vm0, or vm0.1 for vCPU 1 when there are several).
 * In a VM an instruction can come round twice at the same time and pc -
 * retried after a hidden page fault - and is reported once; two vCPUs at
 * the same time and pc are two instructions.  Bare T32 idles in a wfi a
 * cycle at a time and asks at each: the same wfi one cycle after its last
 * ask is still the one reported (a VM's wfi is one step: one line). */
static void insn_line(void *ctx, int vm, uint64_t cycle, uint32_t pc, uint32_t psr,
                      const uint32_t *word)
{
    session *s = ctx;
    int i = vm < 0 ? 0 : vm;
    int vcpu = vm < 0 ? 0 : running_vcpu(s, vm);
    char who[32] = "bare";
    if (vm >= 0 && s->v->vms[vm]->nvcpus > 1)
        snprintf(who, sizeof who, "vm%d.%d", vm, vcpu);
    else if (vm >= 0)
        snprintf(who, sizeof who, "vm%d", vm);
    bool same = s->traced_any && s->traced_vm == i && s->traced_vcpu == vcpu &&
                s->traced_pc == pc;
    bool idling = word && T32_OPC(*word) == T32_OP_WFI && s->traced_cycle + 1 == cycle;
    if (same && (s->traced_cycle == cycle || idling)) {
        s->traced_cycle = cycle;
        return;
    }
    s->traced_any = true;
    s->traced_vm = i;
    s->traced_vcpu = vcpu;
    s->traced_cycle = cycle;
    s->traced_pc = pc;
    trace_insn(s->files.itrace.f, who, session_image(s, i), cycle, pc, psr, word);
    t32_out_note_error(&s->files.itrace);   /* why a write failed, while errno says */
}

vmm_outcome session_bare_run(session *s, uint64_t limit, bool *stopped, bool told)
{
    vmm_watch w = { .stopped = stopped, .insn_ctx = s };
    if (told) {
        w.trace = s->files.trace.f;
        if (s->files.itrace.f)
            w.insn_hook = insn_line;
    }
    vmm_stats st;
    vmm_outcome out = vmm_bare_run_watched(s->bare, limit, &st, &w);
    /* Instructions and idle cycles are the CPU's own totals; the rest is
     * what this run counted. */
    stats_add(&s->bare_stats, &st);
    s->bare_stats.guest_insns = st.guest_insns;
    s->bare_stats.direct_insns = st.direct_insns;
    s->bare_stats.idle_cycles = st.idle_cycles;
    return out;
}

vmm_stats *session_bare_stats(session *s)
{
    return s->bare ? &s->bare_stats : NULL;
}

/* The observer of --trace in a VM: trace_event's line, and the reason if
 * writing it failed (bare T32's trap lines: bare_output_failed). */
static void trace_line(void *ctx, const vmm_vcpu *vc, const vmm_event *ev)
{
    session *s = ctx;
    trace_event(s->files.trace.f, vc, ev);
    t32_out_note_error(&s->files.trace);
}

static void watch_vmm(session *s)
{
    if (s->files.trace.f) {
        s->v->observer = trace_line;
        s->v->observer_ctx = s;
    }
    if (s->files.itrace.f) {
        s->v->insn_hook = insn_line;
        s->v->insn_ctx = s;
    }
}

int session_open(session **sp, const session_options *o)
{
    session *s = calloc(1, sizeof *s);
    *sp = s;
    if (!s) {
        fprintf(stderr, "trapeze: error: out of memory\n");
        return SESSION_ERROR;
    }
    s->o = *o;
    files_init(&s->files);
    /* Ctrl-C or kill: no temporary output file left behind, and the usual
     * status 128 + signal (isa/outfile.h). */
    t32_out_cleanup_on_signals();
    int rc = files_check_aliases(o);
    if (rc == 0)
        rc = read_images(s);
    if (rc == 0)
        rc = files_open_outputs(&s->files, o);
    if (rc == 0)
        rc = o->mode == VMM_MODE_BARE ? open_bare(s) : open_vmm(s);
    if (rc == 0 && s->v)
        watch_vmm(s);
    s->opened = rc == 0;
    return rc;
}

/* ---- running ---------------------------------------------------------------------- */

/* An output the host can no longer write - a full disk, /dev/full, a
 * closed pipe - ends the run, as `yes` ends at its first failed write: a
 * guest that prints for ever would otherwise run for ever with every byte
 * lost.  The guest never sees the error; session_close says what it was.
 * (The debugger, which replays runs, lets them go on: it is `run`'s rule.)
 * A trace (--trace, --trace-insns) that fails ends every guest. */
static bool traces_failed(const session *s)
{
    return (s->files.trace.f && ferror(s->files.trace.f)) ||
           (s->files.itrace.f && ferror(s->files.itrace.f));
}

/* ... and a console that fails ends its own guest.  A Ctrl-C ends every
 * guest (session_catch_interrupt).  Bare T32's, between its batches: */
static vmm_end bare_front_end_end(void *ctx)
{
    session *s = ctx;
    t32_out_note_error(&s->files.trace);    /* a trap line of the step just run */
    if (s->interrupted)
        return VMM_END_INTERRUPTED;
    if (s->bare->console.out_error != 0 || traces_failed(s))
        return VMM_END_OUTPUT;
    return VMM_RUNNING;
}

/* ... or, at the end of each round of turns, a VM's. */
static void front_end_ends(session *s)
{
    bool traces = traces_failed(s);
    for (int i = 0; i < s->v->nvms; i++) {
        vmm_vm *vm = s->v->vms[i];
        if (vm->outcome.end != VMM_RUNNING)
            continue;
        if (s->interrupted)
            vmm_vm_stop(vm, vmm_live_vcpu(vm), VMM_END_INTERRUPTED);
        else if (traces || vm->con.out_error != 0)
            vmm_vm_stop(vm, vmm_live_vcpu(vm), VMM_END_OUTPUT);
        if (vm->outcome.end != VMM_RUNNING)
            vdev_console_flush(vm, true);    /* its unfinished line, as at any end */
    }
}

/* Bare T32 to its end, or to cycle `at` (0: none): a guest still running
 * there has not ended, and gets no message. */
static int run_bare(session *s, uint64_t at)
{
    const vmm_stats *stp = &s->bare_stats;
    vmm_watch w = { .trace = s->files.trace.f, .front_end_end = bare_front_end_end,
                    .insn_ctx = s };
    if (s->files.itrace.f)
        w.insn_hook = insn_line;
    uint64_t max = s->o.max_insns;
    bool stop_early = at != 0 && (max == 0 || at < max);
    vmm_outcome out = vmm_bare_run_watched(s->bare, stop_early ? at : max, &s->bare_stats, &w);
    if (stop_early && out.end == VMM_END_LIMIT)
        out.end = VMM_RUNNING;
    t32_console_sync(&s->bare->console);   /* the transcript before any message */
    int status = session_report("", &s->imgs[0], &out);
    int srt = write_stats(s, &stp, 1);
    return srt ? srt : status;     /* a failed write first (session_close) */
}

/* --switch-mode: each VM pauses at the time of its next switch, changes
 * mode there, and goes on.  A switch to the mode the VM is in already
 * changes nothing, and is not told in the --stats title. */
uint64_t session_switch_modes(session *s, vmm_vm *vm)
{
    int *next = &s->next_switch[vm->id];
    while (*next < s->o.nswitches && vmm_vm_reached(vm, s->o.switches[*next].at)) {
        char *story = s->switched[vm->id];
        size_t used = strlen(story);
        s->story_at[vm->id][*next] = used;
        const struct session_switch *sw = &s->o.switches[(*next)++];
        if (vm->mode->id == sw->mode)
            continue;                   /* there already */
        if (vmm_vm_set_mode(vm, sw->mode))
            snprintf(story + used, sizeof s->switched[0] - used, ", %s at cycle %" PRIu64,
                     vm->mode->name, sw->at);
        else
            fprintf(stderr, "trapeze: vm%d: cannot switch to mode %s (no memory); "
                    "staying in %s\n", vm->id, mode_name(sw->mode), vm->mode->name);
    }
    return *next < s->o.nswitches ? s->o.switches[*next].at : 0;
}

void session_switch_rewind(session *s, vmm_vm *vm)
{
    int next = 0;
    while (next < s->o.nswitches && vmm_vm_reached(vm, s->o.switches[next].at))
        next++;
    if (next < s->next_switch[vm->id])   /* the switches after it are no longer history */
        s->switched[vm->id][s->story_at[vm->id][next]] = '\0';
    s->next_switch[vm->id] = next;
}

/* The VMs' rounds, with the --switch-mode pauses, until every VM has
 * stopped - or its output has failed - or, with `at` (0: none), reached
 * virtual time `at` (where it makes a switch due then, as at any pause). */
static void run_rounds(session *s, uint64_t at)
{
    bool running = true;
    while (running) {
        running = false;
        for (int i = 0; i < s->v->nvms; i++) {
            vmm_vm *vm = s->v->vms[i];
            uint64_t next = s->o.nswitches > 0 ? session_switch_modes(s, vm) : 0;
            if (at != 0 && (next == 0 || next > at))
                next = at;
            vm->pause_at = next;
            running |= vm->outcome.end == VMM_RUNNING && (at == 0 || !vmm_vm_reached(vm, at));
        }
        if (running) {
            vmm_sched_round(s->v);
            front_end_ends(s);
        }
    }
}

/* A trap a VM escaped on was reflected (run/reflect.c), and carries no
 * instruction word.  For an ILLEGAL one, read the word at its pc as the
 * guest's CPU fetched it - guest RAM holds what bare T32's would - so the
 * message can say what bare's says of an hcall: the image is a
 * paravirtual kernel, run in a mode without hypercalls.  (Under pv an
 * escaping hcall is the guest's own mistake, not the wrong mode.) */
static void find_escaped_insn(vmm_vm *vm)
{
    t32_trap *t = &vm->outcome.trap;
    t32_walk_result w;
    uint32_t word;
    if (vm->outcome.end != VMM_END_ESCAPE || t->cause != T32_CAUSE_ILLEGAL || t->insn != 0 ||
        vm->mode->id == VMM_MODE_PV)
        return;
    const vmm_vcpu *vc = &vm->vcpus[vm->outcome.vcpu];
    if (guest_walk(vc, t->epc, T32_FETCH, &w) == T32_CAUSE_NONE && guest_read32(vm, w.pa, &word))
        t->insn = word;
}

/* Run the VMs and report on each; the status is the first VM's that did
 * not halt - or, if a Ctrl-C stopped any, the interruption's, unless a
 * write failed (session_close). */
static int run_vms(session *s, uint64_t at)
{
    vmm *v = s->v;
    const vmm_stats *st[VMM_MAX_VMS];
    int status = SESSION_HALT;
    bool interrupted = false;
    run_rounds(s, at);
    for (int i = 0; i < v->nvms; i++)
        t32_console_sync(&v->vms[i]->con);   /* the transcripts before any message */
    for (int i = 0; i < v->nvms; i++) {
        char who[32] = "";                      /* which VM, and which of its vCPUs */
        const vmm_vm *vm = v->vms[i];
        int n = v->nvms > 1 ? snprintf(who, sizeof who, "vm%d: ", i) : 0;
        if (vm->nvcpus > 1)
            snprintf(who + n, sizeof who - (size_t)n, "vcpu%d: ", vm->outcome.vcpu);
        find_escaped_insn(v->vms[i]);
        int rc = session_report(who, &s->imgs[i], &v->vms[i]->outcome);
        status = status ? status : rc;
        interrupted |= rc == SESSION_INTERRUPTED;
        st[i] = &v->vms[i]->stats;
    }
    if (interrupted && status != SESSION_ERROR)
        status = SESSION_INTERRUPTED;
    int srt = write_stats(s, st, v->nvms);
    return srt ? srt : status;     /* a failed write first (session_close) */
}

/* ---- Ctrl-C ---------------------------------------------------------------------- */

static session *interruptible;            /* the session a Ctrl-C stops */
static struct sigaction before_catch;     /* SIGINT's action before: a second one's */

/* The flag for the front end, and the VMM's stop (as the debugger's Ctrl-C
 * sets it): the run loop stops at the next instruction boundary, and a
 * scheduler waiting for typed input stops waiting.  Bare T32 waiting for
 * typed input is in the middle of an `in`, with no boundary to stop at:
 * there the Ctrl-C ends trapeze at once, as a second one does. */
static void on_interrupt(int sig)
{
    session *s = interruptible;
    sigaction(SIGINT, &before_catch, NULL);
    if (s->bare && s->bare->console.in_waiting) {
        raise(sig);             /* delivered to before_catch's handler on return */
        return;
    }
    s->interrupted = 1;
    if (s->v)
        s->v->stop = true;
}

void session_catch_interrupt(session *s)
{
    struct sigaction sa = { .sa_handler = on_interrupt };
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, NULL, &before_catch) != 0 || before_catch.sa_handler == SIG_IGN)
        return;        /* ignored from the start (a background job's): it stays so */
    interruptible = s;
    if (s->bare)
        s->bare->console.stop_asked = &s->interrupted;
    sigaction(SIGINT, &sa, NULL);
}

/* No handler may reach a session that is gone. */
static void release_interrupt(session *s)
{
    if (interruptible != s)
        return;
    sigaction(SIGINT, &before_catch, NULL);
    if (s->bare)
        s->bare->console.stop_asked = NULL;
    interruptible = NULL;
}

int session_run_to(session *s, uint64_t at)
{
    session_hint(true);
    int status = s->v ? run_vms(s, at) : run_bare(s, at);
    session_hint(false);
    return status;
}

int session_run(session *s)
{
    return session_run_to(s, 0);
}

int session_write_stats(session *s)
{
    const vmm_stats *st[VMM_MAX_VMS] = { &s->bare_stats };
    int n = 1;
    if (s->v) {
        n = s->v->nvms;
        for (int i = 0; i < n; i++)
            st[i] = &s->v->vms[i]->stats;
    }
    return write_stats(s, st, n);
}

/* The guests' console output reached the host (a full disk, /dev/full and
 * a closed pipe are noticed here, with the reason).  0 or SESSION_ERROR. */
static int sync_consoles(session *s)
{
    int rc = 0, n = s->bare ? 1 : s->v ? s->v->nvms : 0;
    for (int i = 0; i < n; i++) {
        int err = t32_console_sync(s->bare ? &s->bare->console : &s->v->vms[i]->con);
        if (err == 0)
            continue;
        /* Which console: with several VMs its VM, and where it went. */
        const char *file = i < s->o.nguests ? s->o.guests[i].console : NULL;
        char who[16] = "";
        if (n > 1)
            snprintf(who, sizeof who, "vm%d: ", i);
        fprintf(stderr, "trapeze: %serror: console output (%s): %s\n", who,
                file ? file : s->files.console_out == stderr ? "standard error"
                                                               : "standard output",
                strerror(err));
        rc = SESSION_ERROR;
    }
    return rc;
}

/* Every guest write reached its disk image (a full file system or an I/O
 * error loses sectors the guest believes written: the run failed, even
 * if the guest ended well).  0 or SESSION_ERROR. */
static int sync_disks(session *s)
{
    int rc = 0;
    int n = s->bare ? 1 : s->v ? s->v->nvms : 0;
    for (int i = 0; i < n && i < s->o.nguests; i++) {
        int err = t32_disk_sync(s->bare ? &s->bare->disk : &s->v->vms[i]->disk);
        if (err && s->o.guests[i].disk) {
            fprintf(stderr, "%s: error: cannot write the disk image: %s: some of what "
                    "the guest wrote is not in the file\n", s->o.guests[i].disk, strerror(err));
            rc = SESSION_ERROR;
        }
    }
    return rc;
}

/* A write that failed - a console, a trace, the statistics, standard
 * output, a disk image - makes the status 1, whatever the guests' ends:
 * a run whose results are not all there failed, and a script that reads
 * status 3 as "the limit was reached, the output is whole" must not be
 * misled.  (The guest's end has been said already, on stderr.)  Only a
 * usage error found after the opening (dot's graph of a bare run) stays 2:
 * the command line is the first thing to fix. */
int session_close(session *s, int status)
{
    if (!s)
        return status;
    release_interrupt(s);
    int consoles = sync_consoles(s);
    int disks = sync_disks(s);
    /* A setup that failed (a missing disk or input, an image that does not
     * fit) ran no guest: its outputs would be a trace header, empty JSON. */
    int files = files_close(&s->files, consoles != 0, s->opened);
    if ((files || consoles || disks) && status != SESSION_USAGE)
        status = SESSION_ERROR;
    vmm_free(s->v);
    t32_machine_free(s->bare);
    for (int i = 0; i < s->nimgs; i++)
        t32_image_free(&s->imgs[i]);
    free(s);
    return status;
}
