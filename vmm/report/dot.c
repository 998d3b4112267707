/*
 * dot.c - the VMM drawn as Graphviz DOT text.
 *
 * Three pictures a lecture draws by hand, drawn from the running VMM
 * instead, so they are never out of date:
 *
 *   dot_pagetable  one guest virtual address, translated twice: by the
 *                  guest's own tables (PTBR -> L1 entry -> L2 entry ->
 *                  guest physical), then by the VM's memory map (guest
 *                  physical -> host physical); beside it, the one entry
 *                  the real MMU uses - the shadow entry, which maps guest
 *                  virtual straight to host physical
 *   dot_exits      where the exits went: cause -> handler -> what the
 *                  guest sees next, with the counters of --stats
 *   dot_vms        the machine: pCPUs, VMs with their vCPUs, and host
 *                  physical memory cut into each VM's RAM and the VMM's own
 *
 * Only text is written; `dot` does the layout.  Every string that comes
 * from outside (symbols of the guest's image) goes through put_str, which
 * escapes it, so any guest makes a valid graph.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmm/memory/guest.h"
#include "vmm/modes/mode.h"
#include "vmm/report/dot.h"

/* A DOT string's contents: quotes and backslashes escaped, control bytes
 * dropped. */
static void put_str(FILE *out, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fputc('\\', out);
        if (c >= 0x20 && c != 0x7f)
            fputc(c, out);
    }
}

static bool finish(FILE *out)
{
    fprintf(out, "}\n");
    return fflush(out) == 0 && !ferror(out);
}

/* "V R W X U A D" with the set bits in capitals, the others as '-'. */
static void pte_bits(char buf[16], uint32_t pte)
{
    static const struct { uint32_t bit; char c; } bits[] = {
        { T32_PTE_V, 'V' }, { T32_PTE_R, 'R' }, { T32_PTE_W, 'W' }, { T32_PTE_X, 'X' },
        { T32_PTE_U, 'U' }, { T32_PTE_A, 'A' }, { T32_PTE_D, 'D' },
    };
    size_t n = 0;
    for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++) {
        buf[n++] = (pte & bits[i].bit) ? bits[i].c : '-';
        buf[n++] = ' ';
    }
    buf[n - 1] = '\0';
}

/* ---- dot_pagetable ------------------------------------------------------------ */

/* The chain of a walk: PTBR, L1 entry, L2 entry, physical address (or the
 * fault where the walk stopped).  `phys` names the physical space. */
static void walk_chain(FILE *out, uint32_t ptbr, uint32_t va, t32_cause why,
                       const t32_walk_result *w, const char *phys)
{
    fprintf(out, "  va [label=\"guest virtual\\n0x%08" PRIx32 "\\nL1 index %" PRIu32
            ", L2 index %" PRIu32 ", offset 0x%03" PRIx32 "\", shape=box];\n",
            va, T32_VA_L1(va), T32_VA_L2(va), va & (T32_PAGE_SIZE - 1));
    fprintf(out, "  ptbr [label=\"PTBR\\n0x%08" PRIx32 "\\n%s\"];\n", ptbr,
            (ptbr & T32_PTBR_E) ? "paging on" : "paging off");
    fprintf(out, "  va -> ptbr;\n");
    const char *last = "ptbr";
    if (w->paged || why != T32_CAUSE_NONE) {
        if (w->l1 || why != T32_CAUSE_BUS_ERROR) {
            fprintf(out, "  l1 [label=\"L1 entry %" PRIu32 "\\n0x%08" PRIx32 "\\n%s\"];\n",
                    T32_VA_L1(va), w->l1, (w->l1 & T32_PTE_V) ? "V: L2 table at its frame" : "not valid");
            fprintf(out, "  ptbr -> l1 [label=\"root table\"];\n");
            last = "l1";
        }
        if (w->pte || w->pte_pa) {
            char bits[16];
            pte_bits(bits, w->pte);
            fprintf(out, "  l2 [label=\"L2 entry %" PRIu32 " at 0x%08" PRIx32 "\\n0x%08" PRIx32
                    "\\n%s\"];\n", T32_VA_L2(va), w->pte_pa, w->pte, bits);
            fprintf(out, "  l1 -> l2 [label=\"L2 table\"];\n");
            last = "l2";
        }
    }
    if (why != T32_CAUSE_NONE) {
        fprintf(out, "  fault [label=\"%s\", shape=octagon, color=red];\n", t32_cause_name(why));
        fprintf(out, "  %s -> fault;\n", last);
        return;
    }
    fprintf(out, "  pa [label=\"%s\\n0x%08" PRIx32 "\", shape=box];\n", phys, w->pa);
    fprintf(out, "  %s -> pa [label=\"frame + offset\"];\n", last);
}

/* A bare machine: the CPU's own tables in physical memory, walked by the
 * one walker (t32_walk) over the machine's RAM. */
static bool phys_read(void *ctx, uint32_t pa, uint32_t *word)
{
    return t32_phys_read32(ctx, pa, word);
}

static bool pagetable_bare(FILE *out, t32_machine *m, uint32_t va)
{
    const t32_cpu *cpu = &m->cpu[0];
    t32_ptmem mem = { .read = phys_read, .ctx = m, .size = m->memsize };
    t32_walk_result w = { 0 };
    bool kernel = (cpu->psr & T32_PSR_K) != 0;
    t32_cause why = t32_walk(&mem, cpu->sr[T32_SR_PTBR], va, T32_LOAD, kernel, &w);
    fprintf(out, "digraph pagetable {\n  rankdir=LR;\n  node [shape=record, fontname=\"monospace\"];\n");
    fprintf(out, "  label=\"bare T32: %s mode\";\n", kernel ? "kernel" : "user");
    walk_chain(out, cpu->sr[T32_SR_PTBR], va, why, &w, "physical");
    return finish(out);
}

bool dot_pagetable(FILE *out, session *s, int vmi, int vcpu, uint32_t va)
{
    vmm *v = session_vmm(s);
    if (!v)
        return pagetable_bare(out, session_machine(s), va);
    if (vmi < 0 || vmi >= v->nvms)
        return false;
    vmm_vm *vm = v->vms[vmi];
    if (vcpu < 0 || vcpu >= vm->nvcpus)
        vcpu = 0;
    const vmm_vcpu *vc = &vm->vcpus[vcpu];
    t32_walk_result w = { 0 };
    t32_cause why = guest_walk(vc, va, T32_LOAD, &w);
    fprintf(out, "digraph pagetable {\n  rankdir=LR;\n  node [shape=record, fontname=\"monospace\"];\n");
    fprintf(out, "  label=\"vm%d, vCPU %d in virtual %s mode (%s)\";\n", vm->id, vcpu,
            (vc->vpsr & T32_PSR_K) ? "kernel" : "user", vm->mode->name);
    walk_chain(out, vc->vsr[T32_SR_PTBR], va, why, &w, "guest physical");
    if (why == T32_CAUSE_NONE) {
        fprintf(out, "  hpa [label=\"host physical\\n0x%08" PRIx32 "\", shape=box];\n",
                vm->base + w.pa);
        fprintf(out, "  pa -> hpa [label=\"+ VM base 0x%08" PRIx32 "\"];\n", vm->base);
    }
    /* The real MMU never sees the guest's tables: it walks the shadow - in
     * the modes that run guest code on it (mode.h: a mode with its own
     * `run` interprets the guest and keeps no shadow). */
    uint32_t spte = vm->mode->run ? 0 : shadow_entry(vc, va);
    if (vm->mode->run) {
        fprintf(out, "  shadow [label=\"no shadow tables\\n(%s mode runs no guest instruction "
                "on the real CPU)\", color=blue, style=dashed];\n", vm->mode->name);
        fprintf(out, "  va -> shadow [style=dashed, color=blue];\n");
    } else if (spte) {
        char bits[16];
        pte_bits(bits, spte);
        fprintf(out, "  shadow [label=\"shadow L2 entry (real MMU)\\n0x%08" PRIx32 "\\n%s\", "
                "color=blue];\n", spte, bits);
        fprintf(out, "  va -> shadow [style=dashed, color=blue, label=\"what the CPU uses\"];\n");
        fprintf(out, "  shadowpa [label=\"host physical\\n0x%08" PRIx32 "\", shape=box, "
                "color=blue];\n", (spte & T32_PTE_FRAME) | (va & (T32_PAGE_SIZE - 1)));
        fprintf(out, "  shadow -> shadowpa [color=blue];\n");
    } else if (why != T32_CAUSE_NONE) {
        fprintf(out, "  shadow [label=\"shadow: nothing mapped\\n(the guest's own walk faults: "
                "the fault is the guest's)\", color=blue, style=dashed];\n");
        fprintf(out, "  va -> shadow [style=dashed, color=blue];\n");
    } else {
        fprintf(out, "  shadow [label=\"shadow: not filled yet\\n(the next access is a hidden "
                "page fault)\", color=blue, style=dashed];\n");
        fprintf(out, "  va -> shadow [style=dashed, color=blue];\n");
    }
    return finish(out);
}

/* ---- dot_exits --------------------------------------------------------------- */

/* The handlers of the exit path: the route that sends exits there, and
 * the counter of --stats that counts what the handler did (an instruction
 * emulated, a trap reflected, ...: bt's run-on and a pushf's fault add
 * to those without an exit of their own). */
typedef struct handler {
    const char    *id, *label, *unit, *outcome;
    vmm_exit_route route;
    uint64_t       count;
} handler;

/* The exits that went from cause c to route r, over every cause. */
static uint64_t routed(const vmm_stats *st, vmm_exit_route r)
{
    uint64_t n = 0;
    for (int c = 0; c < T32_CAUSE_LIMIT; c++)
        n += st->exits_by_route[r][c];
    return n;
}

bool dot_exits(FILE *out, session *s, int vmi)
{
    vmm *v = session_vmm(s);
    if (!v || vmi < 0 || vmi >= v->nvms)
        return false;
    const vmm_vm *vm = v->vms[vmi];
    const vmm_stats *st = &vm->stats;
    handler hs[] = {
        { "emulate", "emulate\\n(run/emulate.c)", "instructions", "resume after the instruction",
          VMM_TO_EMULATE, st->emulated_insns },
        { "reflect", "reflect\\n(run/reflect.c)", "traps", "guest's trap handler (TVEC)",
          VMM_TO_REFLECT, st->reflected_traps },
        { "hidden", "hidden page fault\\n(memory/shadow.c)", "entries filled",
          "retry the instruction", VMM_TO_HIDDEN, st->shadow_faults },
        { "patch", "bt patch\\n(modes/bt)", "patch exits", "emulated original, resume",
          VMM_TO_PATCH, st->bt_patch_exits },
        { "hcall", "hypercall\\n(modes/pv)", "hypercalls", "resume after the hcall",
          VMM_TO_HCALL, st->hypercalls },
        { "stop", "out of VMM memory\\n(memory/frames.c)", "exits", "the VM stops",
          VMM_TO_STOP, routed(st, VMM_TO_STOP) },
    };
    fprintf(out, "digraph exits {\n  rankdir=LR;\n  node [fontname=\"sans-serif\"];\n");
    fprintf(out, "  label=\"vm%d (%s): %" PRIu64 " exits, %" PRIu64 " guest instructions, %"
            PRIu64 " interrupts injected\";\n", vm->id, vm->mode->name, st->exits_total,
            st->guest_insns, st->injected_irqs);
    for (size_t h = 0; h < sizeof hs / sizeof hs[0]; h++) {
        if (hs[h].count == 0 && routed(st, hs[h].route) == 0)
            continue;
        fprintf(out, "  %s [shape=box, label=\"%s\\n%" PRIu64 " %s\"];\n", hs[h].id,
                hs[h].label, hs[h].count, hs[h].unit);
        fprintf(out, "  %s_out [shape=ellipse, style=dashed, label=\"%s\"];\n", hs[h].id,
                hs[h].outcome);
        fprintf(out, "  %s -> %s_out [label=\"%" PRIu64 "\"];\n", hs[h].id, hs[h].id, hs[h].count);
    }
    /* cause -> handler: how many exits of the cause the VMM sent there. */
    for (int c = 0; c < T32_CAUSE_LIMIT; c++) {
        uint64_t n = st->exits_by_cause[c];
        if (n == 0)
            continue;
        fprintf(out, "  cause%d [shape=octagon, label=\"%s\\n%" PRIu64 " exit%s\"];\n", c,
                t32_cause_name((t32_cause)c), n, n == 1 ? "" : "s");
        for (size_t h = 0; h < sizeof hs / sizeof hs[0]; h++) {
            uint64_t e = st->exits_by_route[hs[h].route][c];
            if (e != 0)
                fprintf(out, "  cause%d -> %s [label=\"%" PRIu64 "\"];\n", c, hs[h].id, e);
        }
    }
    /* The emulate box also counts instructions that no exit of their own
     * sent there: bt's patched originals, with the privileged instruction
     * run on after one (modes/bt), and pv's hypercalls, each an instruction
     * the VMM carried out.  A dashed edge says where they came from, so the
     * edges into the box add up to its count. */
    if (st->bt_patch_exits)
        fprintf(out, "  patch -> emulate [style=dashed, label=\"%" PRIu64 " (originals, "
                "and %" PRIu64 " run on)\"];\n", st->bt_patch_exits + st->bt_run_on,
                st->bt_run_on);
    if (st->hypercalls)
        fprintf(out, "  hcall -> emulate [style=dashed, label=\"%" PRIu64 " (each hcall)\"];\n",
                st->hypercalls);
    if (vm->mode->run)      /* emulate mode: its interpreter sends every instruction */
        fprintf(out, "  interpreted [shape=octagon, label=\"every instruction\\n(modes/emulate: "
                "no exits)\"];\n  interpreted -> emulate [label=\"%" PRIu64 "\"];\n",
                st->emulated_insns);
    if (st->injected_irqs) {
        fprintf(out, "  inject [shape=box, label=\"inject interrupt\\n(run/reflect.c)\\n%" PRIu64
                " interrupts\"];\n  inject_out [shape=ellipse, style=dashed, label=\"guest's trap "
                "handler (TVEC)\"];\n  inject -> inject_out [label=\"%" PRIu64 "\"];\n",
                st->injected_irqs, st->injected_irqs);
    }
    return finish(out);
}

/* ---- dot_vms ------------------------------------------------------------------ */

static void vm_cluster(FILE *out, const vmm_vm *vm, const t32_image *img)
{
    uint32_t off = 0;
    const char *entry = img ? t32_image_symbolize(img, img->entry, &off) : NULL;
    fprintf(out, "  subgraph cluster_vm%d {\n    label=\"vm%d: mode %s", vm->id, vm->id,
            vm->mode->name);
    if (entry) {
        fprintf(out, ", entry ");
        put_str(out, entry);
    }
    fprintf(out, "\";\n");
    for (int i = 0; i < vm->nvcpus; i++) {
        const vmm_vcpu *vc = &vm->vcpus[i];
        fprintf(out, "    vm%d_vcpu%d [shape=box, label=\"vCPU %d\\npc 0x%08" PRIx32
                "\\nvirtual %s, IE %d\\n%" PRIu64 " cycles\"];\n", vm->id, i, i, vc->pc,
                (vc->vpsr & T32_PSR_K) ? "kernel" : "user", (vc->vpsr & T32_PSR_IE) ? 1 : 0,
                vc->vcycles);
    }
    fprintf(out, "    vm%d_ram [shape=cylinder, label=\"guest physical\\n0x00000000 - 0x%08"
            PRIx32 "\"];\n  }\n", vm->id, vm->size - 1);
}

static bool vms_bare(FILE *out, t32_machine *m)
{
    fprintf(out, "digraph vms {\n  node [fontname=\"sans-serif\"];\n"
            "  label=\"bare T32: no VMM, the guest is the kernel\";\n");
    fprintf(out, "  cpu0 [shape=box3d, label=\"CPU 0\\npc 0x%08" PRIx32 "\"];\n", m->cpu[0].pc);
    fprintf(out, "  ram [shape=cylinder, label=\"physical memory\\n0x00000000 - 0x%08" PRIx32
            "\"];\n  cpu0 -> ram;\n", m->memsize - 1);
    return finish(out);
}

bool dot_vms(FILE *out, session *s)
{
    vmm *v = session_vmm(s);
    if (!v)
        return vms_bare(out, session_machine(s));
    t32_machine *m = v->m;
    fprintf(out, "digraph vms {\n  compound=true;\n  node [fontname=\"sans-serif\"];\n");
    fprintf(out, "  label=\"%d VM(s) on %d real CPU(s), quantum %" PRIu32 " cycles\";\n",
            v->nvms, m->ncpus, v->quantum);
    for (int i = 0; i < m->ncpus; i++)
        fprintf(out, "  pcpu%d [shape=box3d, label=\"pCPU %d\"];\n", i, i);
    /* Host physical memory as one record, cut where the VMs' RAM lies. */
    fprintf(out, "  host [shape=record, label=\"{host physical memory|");
    for (int i = 0; i < v->nvms; i++)
        fprintf(out, "<vm%d> vm%d RAM\\n0x%08" PRIx32 " - 0x%08" PRIx32 "|", i, i,
                v->vms[i]->base, v->vms[i]->base + v->vms[i]->size - 1);
    fprintf(out, "<vmm> VMM memory (shadow tables)\\n0x%08" PRIx32 " - 0x%08" PRIx32 "}\"];\n",
            v->vmm_base, v->vmm_limit - 1);
    for (int i = 0; i < v->nvms; i++) {
        const vmm_vm *vm = v->vms[i];
        vm_cluster(out, vm, session_image(s, i));
        for (int k = 0; k < vm->nvcpus; k++)     /* the scheduler's placement (sched.c) */
            fprintf(out, "  vm%d_vcpu%d -> pcpu%d [style=dashed, label=\"runs on\"];\n", i, k,
                    (vm->id + k) % m->ncpus);
        fprintf(out, "  vm%d_ram -> host:vm%d [label=\"+ 0x%08" PRIx32 "\"];\n", i, i, vm->base);
    }
    return finish(out);
}

/* ---- writing a picture: text, or rendered by Graphviz ---------------------------------- */

bool dot_kind_named(const char *name, dot_kind *kind)
{
    static const char *const names[] = { [DOT_PAGETABLE] = "pagetable", [DOT_EXITS] = "exits",
                                         [DOT_VMS] = "vms" };
    for (int k = 0; k < 3; k++) {
        if (strcmp(name, names[k]) == 0) {
            *kind = (dot_kind)k;
            return true;
        }
    }
    return false;
}

const char *dot_format_of(const char *path)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    if (dot && strcmp(dot, ".svg") == 0)
        return "svg";
    if (dot && strcmp(dot, ".png") == 0)
        return "png";
    return NULL;
}

static bool draw(FILE *out, session *s, const dot_picture *p)
{
    switch (p->kind) {
    case DOT_PAGETABLE: return dot_pagetable(out, s, p->vm, p->vcpu, p->va);
    case DOT_EXITS:     return dot_exits(out, s, p->vm);
    case DOT_VMS:       return dot_vms(out, s);
    }
    return false;
}

/* Graphviz renders the text in `text` (a file at offset 0) into `out`.
 * The child says nothing itself: a missing `dot` is the parent's message
 * (status 127, as a shell reports a command not found). */
static bool render(FILE *text, FILE *out, const char *format, char *err, size_t errlen)
{
    char flag[16];
    snprintf(flag, sizeof flag, "-T%s", format);
    fflush(out);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "cannot run Graphviz's 'dot': %s", strerror(errno));
        return false;
    }
    if (pid == 0) {
        dup2(fileno(text), STDIN_FILENO);
        dup2(fileno(out), STDOUT_FILENO);
        signal(SIGPIPE, SIG_DFL);   /* trapeze ignores it; Graphviz gets the default */
        execlp("dot", "dot", flag, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            snprintf(err, errlen, "cannot wait for Graphviz's 'dot': %s", strerror(errno));
            return false;
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return true;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        snprintf(err, errlen, "cannot run Graphviz's 'dot'; install graphviz, or write "
                 "the DOT text to a FILE.dot");
    else
        snprintf(err, errlen, "Graphviz's 'dot' failed to render the graph");
    return false;
}

dot_result dot_write(FILE *out, const char *format, session *s, const dot_picture *p,
                     char *err, size_t errlen)
{
    FILE *text = format ? tmpfile() : out;
    if (!text) {
        snprintf(err, errlen, "no temporary file: %s", strerror(errno));
        return DOT_FAILED;
    }
    dot_result r = DOT_WRITTEN;
    if (!draw(text, s, p)) {
        if (ferror(text)) {
            snprintf(err, errlen, "cannot write the graph: %s", strerror(errno));
            r = DOT_FAILED;
        } else {
            r = DOT_NOT_DRAWABLE;
        }
    } else if (format) {
        rewind(text);
        if (!render(text, out, format, err, errlen))
            r = DOT_FAILED;
    }
    if (format)
        fclose(text);
    return r;
}
