/*
 * vmminfo.c - the VMM's side of the guest, which no ordinary debugger can
 * show: the vCPU's virtual state next to the real CPU's, exits by cause,
 * bt's patch table, hypercalls, the VMs, a page-table walk step by step
 * down to the shadow entry the real MMU uses - and the commands that
 * change the VMM itself (vm N, mode NAME).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "assembler/disasm.h"
#include "outfile.h"
#include "vmm/debug/internal.h"
#include "vmm/memory/guest.h"
#include "vmm/modes/bt/bt.h"
#include "vmm/modes/mode.h"
#include "vmm/modes/pv/pv.h"
#include "vmm/report/dot.h"

bool dbg_need_vmm(debugger *d)
{
    return d->v ? true : dbg_error(d, "no VMM in bare mode");
}

bool dbg_need_mode(debugger *d, vmm_mode mode, const char *what)
{
    if (!dbg_need_vmm(d))
        return false;
    const vmm_vm *vm = dbg_vm(d);
    if (vm->mode->id != mode)
        return dbg_error(d, "vm%d runs in %s mode: %s exist in %s mode only", d->vm,
                         vm->mode->name, what, mode_name(mode));
    return true;
}

static t32_cpu *real_cpu(const debugger *d)
{
    const vmm_vcpu *vc = dbg_vcpu(d);
    return &d->m->cpu[(vc->vm->id + vc->id) % d->m->ncpus];
}

/* info vcpu: what the guest believes, and what the hardware really is.
 * A mode with its own `run` (emulate: mode.h) interprets every guest
 * instruction in the VMM, so no real CPU holds any of the guest's state:
 * its column says so instead of showing what the VMM left there. */
bool dc_info_vcpu(debugger *d, char *args)
{
    (void)args;
    if (!dbg_need_vmm(d))
        return false;
    const vmm_vcpu *vc = dbg_vcpu(d);
    const t32_cpu *cpu = real_cpu(d);
    bool direct = vc->vm->mode->run == NULL;
    const vmm_vcpu *last = d->v->on_cpu[cpu->id];
    const char *whose = last == vc ? ""
                      : last     ? " (another vCPU ran there last)"
                                 : " (its TLB is flushed before the next turn)";
    char real[5][160];
    if (direct) {
        fprintf(d->out, "vm%d vcpu%d, mode %s, on real CPU %d%s\n", d->vm, d->vcpu,
                vc->vm->mode->name, cpu->id, whose);
        snprintf(real[0], sizeof real[0], "0x%08" PRIx32, cpu->pc);
        snprintf(real[1], sizeof real[1], "%u   (guest code always runs with real K = 0; "
                 "between turns the CPU is left as the VMM's last exit left it)",
                 (cpu->psr & T32_PSR_K) != 0);
        snprintf(real[2], sizeof real[2], "%u", (cpu->psr & T32_PSR_IE) != 0);
        snprintf(real[3], sizeof real[3], "0x%08" PRIx32 " (shadow root)", cpu->sr[T32_SR_PTBR]);
        snprintf(real[4], sizeof real[4], "(none: traps end the run, the VMM is the kernel)");
    } else {
        fprintf(d->out, "vm%d vcpu%d, mode %s, on no real CPU: the VMM interprets every "
                "instruction\n", d->vm, d->vcpu, vc->vm->mode->name);
        for (int i = 0; i < 5; i++)
            snprintf(real[i], sizeof real[i], "-");
    }
    fprintf(d->out, "%-10s %-26s %s\n", "", "virtual (the guest's view)", "real CPU");
    fprintf(d->out, "%-10s 0x%08" PRIx32 "%16s %s\n", "pc", vc->pc, "", real[0]);
    fprintf(d->out, "%-10s %-26u %s\n", "K", (vc->vpsr & T32_PSR_K) != 0, real[1]);
    fprintf(d->out, "%-10s %-26u %s\n", "IE", (vc->vpsr & T32_PSR_IE) != 0, real[2]);
    char ptbr[32];
    snprintf(ptbr, sizeof ptbr, "0x%08" PRIx32 " (guest tables)", vc->vsr[T32_SR_PTBR]);
    fprintf(d->out, "%-10s %-26s %s\n", "ptbr", ptbr, real[3]);
    fprintf(d->out, "%-10s 0x%08" PRIx32 "%16s %s\n", "tvec", vc->vsr[T32_SR_TVEC], "", real[4]);
    fprintf(d->out, "%-10s %" PRIu64 " cycle%s\n", "time", vc->vcycles, vc->vcycles == 1 ? "" : "s");
    if (vc->vtimer_deadline != UINT64_MAX && vc->vsr[T32_SR_TIMER])
        fprintf(d->out, "%-10s every %" PRIu32 ", next at cycle %" PRIu64 "\n", "timer",
                vc->vsr[T32_SR_TIMER], vc->vtimer_deadline);
    else
        fprintf(d->out, "%-10s off\n", "timer");
    fprintf(d->out, "%-10s 0x%" PRIx32 "\n", "pending", vc->vpending);
    if (vc->pv_shared)
        fprintf(d->out, "%-10s gpa 0x%08" PRIx32 "\n", "pv page", vc->pv_page);
    return true;
}

bool dc_info_exits(debugger *d, char *args)
{
    (void)args;
    if (!dbg_need_vmm(d))
        return false;
    const vmm_stats *st = &dbg_vm(d)->stats;
    fprintf(d->out, "vm%d: %" PRIu64 " exit%s in %" PRIu64 " guest instruction%s (%" PRIu64
            " run directly, %" PRIu64 " emulated)\n", d->vm, st->exits_total,
            st->exits_total == 1 ? "" : "s", st->guest_insns, st->guest_insns == 1 ? "" : "s",
            st->direct_insns, st->emulated_insns);
    /* Each cause, then where the VMM sent its exits. */
    static const char *const routes[VMM_EXIT_ROUTES] = {
        [VMM_TO_EMULATE] = "emulated", [VMM_TO_REFLECT] = "reflected",
        [VMM_TO_HIDDEN] = "hidden", [VMM_TO_PATCH] = "patch", [VMM_TO_HCALL] = "hypercall",
        [VMM_TO_STOP] = "stopped the VM",
    };
    for (int c = 0; c < T32_CAUSE_LIMIT; c++) {
        if (!st->exits_by_cause[c])
            continue;
        fprintf(d->out, "  %-12s %-8" PRIu64, t32_cause_name((t32_cause)c), st->exits_by_cause[c]);
        const char *sep = " ";
        for (int r = 0; r < VMM_EXIT_ROUTES; r++) {
            if (st->exits_by_route[r][c]) {
                fprintf(d->out, "%s%s %" PRIu64, sep, routes[r], st->exits_by_route[r][c]);
                sep = ", ";
            }
        }
        fprintf(d->out, "\n");
    }
    fprintf(d->out, "reflected %" PRIu64 ", hidden page faults %" PRIu64 ", interrupts "
            "injected %" PRIu64 "\n", st->reflected_traps, st->shadow_faults, st->injected_irqs);
    return true;
}

bool dc_info_patches(debugger *d, char *args)
{
    (void)args;
    if (!dbg_need_mode(d, VMM_MODE_BT, "patches"))
        return false;
    const bt_state *bt = bt_of(dbg_vm(d));
    uint32_t scanned = 0, copies = 0, live = 0;
    for (uint32_t f = 0; f < bt->nframes; f++) {
        scanned += bt->frames[f] != BT_UNSCANNED;
        copies += bt->frames[f] > BT_CLEAN;
    }
    fprintf(d->out, "vm%d: %" PRIu32 " page%s scanned, %" PRIu32 " with a patched copy\n",
            d->vm, scanned, scanned == 1 ? "" : "s", copies);
    for (uint32_t i = 0; i < bt->npatches; i++) {
        const bt_patch *p = &bt->patches[i];
        if (p->gpa == UINT32_MAX)
            continue;
        char text[96];
        dis_insn(p->original, p->gpa, NULL, text, sizeof text);
        if (live++ == 0)
            fprintf(d->out, "  #     guest-phys  patch word  original\n");
        fprintf(d->out, "  %-5" PRIu32 " 0x%08" PRIx32 "  0x%08" PRIx32 "  %s\n", i, p->gpa,
                BT_PATCH_WORD(i), text);
    }
    if (live == 0)
        fprintf(d->out, "  no instruction patched\n");
    return true;
}

bool dc_info_hypercalls(debugger *d, char *args)
{
    (void)args;
    if (!dbg_need_mode(d, VMM_MODE_PV, "hypercalls"))
        return false;
    const vmm_vm *vm = dbg_vm(d);
    fprintf(d->out, "vm%d: %" PRIu64 " hypercalls (mode %s)\n", d->vm, vm->stats.hypercalls,
            vm->mode->name);
    for (uint32_t n = 0; n < VMM_STATS_HCALLS; n++)
        if (pv_hcall_name(n))
            fprintf(d->out, "  %2" PRIu32 " %-12s %" PRIu64 "\n", n, pv_hcall_name(n),
                    vm->stats.hypercalls_by_number[n]);
    return true;
}

static const char *end_name(vmm_end e)
{
    switch (e) {        /* a switch: a new end is a compiler warning, not a wild read */
    case VMM_RUNNING:       return "running";
    case VMM_END_HALT:      return "halted";
    case VMM_END_LIMIT:     return "limit";
    case VMM_END_ESCAPE:    return "escaped";
    case VMM_END_IDLE:      return "idle";
    case VMM_END_NO_MEMORY: return "no memory";
    case VMM_END_OUTPUT:    return "output error";
    case VMM_END_INTERRUPTED: return "interrupted";
    case VMM_END_STUCK:     return "stuck";
    }
    return "?";
}

bool dc_info_vm(debugger *d, char *args)
{
    (void)args;
    if (!dbg_need_vmm(d))
        return false;
    for (int i = 0; i < d->v->nvms; i++) {
        const vmm_vm *vm = d->v->vms[i];
        fprintf(d->out, "%c vm%d  mode %-7s %d vCPU%s  guest-physical 0..0x%08" PRIx32
                " at host-physical 0x%08" PRIx32 "  %s, cycle %" PRIu64 "\n",
                i == d->vm ? '*' : ' ', i, vm->mode->name, vm->nvcpus, vm->nvcpus > 1 ? "s" : "",
                vm->size - 1, vm->base, d->killed_vm[i] ? "killed" : end_name(vm->outcome.end),
                vmm_vm_time(vm));
    }
    return true;
}

bool dc_vm(debugger *d, const char *fs, char *args)
{
    (void)fs;
    if (!dbg_need_vmm(d))
        return false;
    if (!*args)
        return dc_info_vm(d, args);
    char *end;
    long n = strtol(args, &end, 10);
    if (*end || end == args || n < 0 || n >= d->v->nvms)
        return dbg_error(d, "no VM %s (there %s %d: 0..%d)", args, d->v->nvms == 1 ? "is" : "are",
                         d->v->nvms, d->v->nvms - 1);
    d->vm = (int)n;
    d->vcpu = 0;
    d->list_line = 0;
    fprintf(d->out, "[vm%d, mode %s]\n", d->vm, dbg_vm(d)->mode->name);
    if (dbg_alive(d))
        show_insn(d, dbg_pc(d), false);
    return true;
}

bool dc_vcpu(debugger *d, const char *fs, char *args)
{
    (void)fs;
    if (!dbg_need_vmm(d))
        return false;
    if (!*args) {            /* as vm without N: say which one is selected */
        fprintf(d->out, "vcpu%d of vm%d selected (vm%d has %d vCPU%s: vcpu N selects one)\n",
                d->vcpu, d->vm, d->vm, dbg_vm(d)->nvcpus, dbg_vm(d)->nvcpus > 1 ? "s" : "");
        return true;
    }
    char *end;
    long n = strtol(args, &end, 10);
    if (*end || end == args || n < 0 || n >= dbg_vm(d)->nvcpus)
        return dbg_error(d, "no vCPU %s in vm%d (it has %d: 0..%d)", args, d->vm,
                         dbg_vm(d)->nvcpus, dbg_vm(d)->nvcpus - 1);
    d->vcpu = (int)n;
    show_insn(d, dbg_pc(d), false);
    return true;
}

/* The modes a VM can run in: every mode but bare (no VMM at all). */
static const char *vm_mode_names(void)
{
    static char list[128];
    if (list[0] == '\0')
        for (int m = 0; m < VMM_NMODES; m++)
            if (m != VMM_MODE_BARE && mode_get((vmm_mode)m))
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                         list[0] ? ", " : "", mode_name((vmm_mode)m));
    return list;
}

bool dc_mode(debugger *d, const char *fs, char *args)
{
    (void)fs;
    if (!dbg_need_vmm(d))
        return false;
    if (!*args) {
        fprintf(d->out, "vm%d runs in %s mode (modes: %s)\n", d->vm, dbg_vm(d)->mode->name,
                vm_mode_names());
        return true;
    }
    int m = mode_lookup(args);
    if (m < 0)
        return dbg_error(d, "no mode named '%s' (modes: %s)", args, vm_mode_names());
    if (m == VMM_MODE_BARE)
        return dbg_error(d, "a VM cannot switch to bare: bare means no VMM");
    if (!dbg_need_alive(d))
        return false;
    if (dbg_vm(d)->mode->id == (vmm_mode)m) {   /* nothing changes: history stays */
        fprintf(d->out, "vm%d already runs in %s mode\n", d->vm, dbg_vm(d)->mode->name);
        return true;
    }
    if (!vmm_vm_set_mode(dbg_vm(d), (vmm_mode)m))
        return dbg_error(d, "cannot switch vm%d to %s (no memory)", d->vm, args);
    dbg_changed(d);
    fprintf(d->out, "vm%d now runs in %s mode\n", d->vm, dbg_vm(d)->mode->name);
    return true;
}

/* ---- info pagetable ---------------------------------------------------------------------- */

static void pte_bits(char *buf, size_t len, uint32_t e)
{
    snprintf(buf, len, "%s%s%s%s%s%s%s", e & T32_PTE_V ? "V" : "-", e & T32_PTE_R ? "R" : "-",
             e & T32_PTE_W ? "W" : "-", e & T32_PTE_X ? "X" : "-", e & T32_PTE_U ? "U" : "-",
             e & T32_PTE_A ? "A" : "-", e & T32_PTE_D ? "D" : "-");
}

static bool ram_read(void *ctx, uint32_t pa, uint32_t *w)
{
    return t32_phys_read32(ctx, pa, w);
}

/* The walk itself is isa's (t32_walk); here it is only told. */
bool dc_info_pagetable(debugger *d, char *args)
{
    uint32_t va;
    if (!*args)
        return dbg_error(d, "argument required (a guest virtual address)");
    if (!expr_eval(d, args, &va))
        return false;
    uint32_t ptbr = dbg_sysreg(d, T32_SR_PTBR), psr = dbg_psr(d);
    bool k = (psr & T32_PSR_K) != 0;
    t32_walk_result w = { 0 };
    t32_cause c;
    if (d->v) {
        c = guest_walk(dbg_vcpu(d), va, T32_LOAD, &w);
    } else {
        t32_ptmem mem = { .read = ram_read, .ctx = d->m, .size = d->m->memsize };
        c = t32_walk(&mem, ptbr, va, T32_LOAD, k, &w);
    }
    fprintf(d->out, "guest virtual 0x%08" PRIx32 ", %s mode (%s)\n", va, k ? "kernel" : "user",
            d->v ? "virtual K" : "K");
    fprintf(d->out, "%sPTBR 0x%08" PRIx32 ": ", d->v ? "guest " : "", ptbr);
    if (!(ptbr & T32_PTBR_E)) {
        fprintf(d->out, "paging off: guest physical = guest virtual\n");
    } else {
        char bits[16];
        uint32_t root = ptbr & T32_PTE_FRAME;
        fprintf(d->out, "root table at physical 0x%08" PRIx32 "\n", root);
        fprintf(d->out, "L1[%" PRIu32 "] at 0x%08" PRIx32 " = 0x%08" PRIx32, T32_VA_L1(va),
                root + 4 * T32_VA_L1(va), w.l1);
        /* An entry without V points nowhere: the walk stops there. */
        pte_bits(bits, sizeof bits, w.l1);
        if (w.l1 & T32_PTE_V)
            fprintf(d->out, " %s -> L2 table at 0x%08" PRIx32 "\n", bits, w.l1 & T32_PTE_FRAME);
        else
            fprintf(d->out, " %s: not valid, no L2 table\n", bits);
        if (w.pte_pa || w.pte) {
            pte_bits(bits, sizeof bits, w.pte);
            fprintf(d->out, "L2[%" PRIu32 "] at 0x%08" PRIx32 " = 0x%08" PRIx32 " %s",
                    T32_VA_L2(va), w.pte_pa, w.pte, bits);
            if (w.pte & T32_PTE_V)
                fprintf(d->out, " -> frame 0x%08" PRIx32 "\n", w.pte & T32_PTE_FRAME);
            else
                fprintf(d->out, ": not valid, no frame\n");
        }
    }
    if (c != T32_CAUSE_NONE) {
        fprintf(d->out, "the walk faults: %s (a load here would trap)\n", t32_cause_name(c));
        return true;
    }
    if (!d->v) {
        fprintf(d->out, "physical 0x%08" PRIx32 "\n", w.pa);
        return true;
    }
    const vmm_vm *vm = dbg_vm(d);
    fprintf(d->out, "guest physical 0x%08" PRIx32 " -> host physical 0x%08" PRIx32
            " (vm%d's RAM starts at 0x%08" PRIx32 ")\n", w.pa, vm->base + w.pa, d->vm, vm->base);
    if (vm->mode->run) {    /* mode.h: it runs the guest itself, not on the real CPU */
        fprintf(d->out, "shadow entry: none (%s mode runs no guest instruction on the real "
                "CPU: it keeps no shadow tables and walks the guest's own)\n", vm->mode->name);
        return true;
    }
    uint32_t se = shadow_entry(dbg_vcpu(d), va);
    if (se) {
        char bits[16];
        pte_bits(bits, sizeof bits, se);
        fprintf(d->out, "shadow entry (what the real MMU uses) = 0x%08" PRIx32 " %s -> host "
                "frame 0x%08" PRIx32 "\n", se, bits, se & T32_PTE_FRAME);
    } else {
        fprintf(d->out, "shadow entry: not filled yet (the first access takes a hidden page "
                "fault)\n");
    }
    return true;
}

/* ---- dot ------------------------------------------------------------------------------------ */

/* A file name as a shell command takes it: quoted if it has more than
 * letters, digits and . / _ - + (the hint's `dot -Tsvg NAME`). */
static void shell_name(FILE *out, const char *name)
{
    if (name[strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                          "0123456789./_-+")] == '\0') {
        fputs(name, out);
        return;
    }
    fputc('\'', out);
    for (const char *c = name; *c; c++) {
        if (*c == '\'')
            fputs("'\\''", out);     /* close, a quoted quote, open again */
        else
            fputc(*c, out);
    }
    fputc('\'', out);
}

/* dot KIND [VADDR] FILE: the pictures of `trapeze dot`, written the same
 * way - DOT text, or .svg/.png rendered by Graphviz, "-" the debugger's
 * standard output.  FILE may be double-quoted ("out/a picture.dot").  The
 * file is replaced whole or not at all (outfile.h), and never one the
 * session uses: `dot vms kernel.img` must not destroy the image, nor a
 * disk the guest is writing. */
bool dc_dot(debugger *d, const char *fs, char *args)
{
    (void)fs;
    static const char usage[] = "usage: dot pagetable VADDR FILE | dot exits FILE | dot vms FILE";
    char *what = dbg_word(&args), *va = NULL, *file;
    dot_picture p = { .vm = d->vm, .vcpu = d->vcpu };   /* the walk info pagetable shows */
    if (!what)
        return dbg_error(d, "%s", usage);
    if (!dot_kind_named(what, &p.kind))
        return dbg_error(d, "no picture named '%s' (pagetable, exits, vms)", what);
    bool page = p.kind == DOT_PAGETABLE;
    if (page)
        va = dbg_word(&args);
    if (!dbg_file_word(d, &args, &file))
        return false;
    if (!file || *dbg_trim(args))
        return dbg_error(d, "%s", usage);
    if (page && !expr_eval(d, va, &p.va))
        return false;
    if (p.kind == DOT_EXITS && !dbg_need_vmm(d))
        return false;
    char err[256];
    if (dbg_file_in_use(d, file, err, sizeof err))
        return dbg_error(d, "'%s' is %s of this session: it would be overwritten", file, err);
    t32_out o;
    if (!t32_out_open(&o, file, err, sizeof err))
        return dbg_error(d, "%s: %s", file, err);
    const char *format = dot_format_of(file);
    fflush(d->out);
    dot_result r = dot_write(o.f, format, d->s, &p, err, sizeof err);
    if (r != DOT_WRITTEN) {
        t32_out_abort(&o);
        return dbg_error(d, "%s", r == DOT_FAILED ? err : "no such picture in this session");
    }
    bool to_stdout = o.kind == T32_OUT_STDOUT;
    if (!t32_out_commit(&o, err, sizeof err))
        return dbg_error(d, "%s: %s", file, err);
    if (to_stdout)
        return true;
    fprintf(d->out, "wrote %s", file);
    if (!format) {
        fputs(" (render it: dot -Tsvg ", d->out);
        shell_name(d->out, file);
        fputs(" -o picture.svg)", d->out);
    }
    fputc('\n', d->out);
    return true;
}
