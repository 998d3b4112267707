/*
 * check.c - a guest on bare T32 and under a VMM mode, compared (check.h).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "assembler/disasm.h"
#include "tests/fidelity/check.h"
#include "vmm/modes/mode.h"

#define NOP_WORD 0x01000000u       /* add r0, r0, r0 */

/* ---- one run ------------------------------------------------------------------------------ */

/* One instruction of a trace. */
typedef struct step {
    uint64_t cycle;
    uint32_t pc, psr, word;
    bool     fetched;
} step;

/* What the instruction hook collects (hook() below). */
typedef struct hook_ctx {
    t32_machine *m;            /* bare: to translate pcs to physical */
    step   *steps;             /* a trace, if max_steps > 0 */
    size_t  nsteps, max_steps;
    uint32_t *nops;            /* bare: kernel pushf/popf found (physical) */
    size_t  *nnops;
} hook_ctx;

static void hook(void *ctx, int vm, uint64_t cycle, uint32_t pc, uint32_t psr,
                 const uint32_t *word);


/* The guest's console: output kept in memory, input from the guest's bytes. */
static void guest_console(t32_console *c, const fid_guest *g)
{
    t32_console_free(c);
    t32_console_init(c, NULL, -1);
    t32_console_set_input(c, g->input, g->inlen);
}

/* Load the image and overwrite the patched addresses with nop. */
static bool load(const fid_guest *g, uint8_t *mem, uint32_t size, char *err, size_t errlen)
{
    if (!t32_image_load(g->img, mem, size, err, errlen))
        return false;
    for (size_t i = 0; i < g->nnops; i++)
        if (g->nops[i] <= size - 4)
            for (int b = 0; b < 4; b++)
                mem[g->nops[i] + b] = (uint8_t)(NOP_WORD >> (8 * b));   /* little-endian */
    return true;
}

/* Keep what the guest can observe: copied, since the machine goes away. */
static void keep(fid_state *s, const t32_console *con, const uint8_t *mem, uint32_t size)
{
    s->conlen = con->outlen;
    s->con = malloc(con->outlen + 1);
    s->ram = malloc(size);
    vmm_invariant(s->con && s->ram, "memory for a final state");
    memcpy(s->con, con->outlen ? con->outbuf : "", con->outlen);
    memcpy(s->ram, mem, size);
    s->ramsize = size;
}

static bool run_bare(const fid_guest *g, fid_state *s, hook_ctx *h, char *err, size_t errlen)
{
    t32_machine *m = t32_machine_new(g->mem, 1);
    if (!m) {
        snprintf(err, errlen, "no memory for a machine of %u bytes", (unsigned)g->mem);
        return false;
    }
    bool ok = load(g, m->mem, m->memsize, err, errlen);
    if (ok) {
        guest_console(&m->console, g);
        if (g->disk)
            t32_disk_init_mem(&m->disk, g->disk, g->disklen);
        m->cpu[0].pc = g->img->entry;
        vmm_watch w = { .insn_hook = hook, .insn_ctx = h };
        if (h)
            h->m = m;                                  /* the hook translates pcs */
        s->out = vmm_bare_run_watched(m, g->limit, &s->st, h ? &w : NULL);
        const t32_cpu *cpu = &m->cpu[0];
        memcpy(s->r, cpu->r, sizeof s->r);
        memcpy(s->sr, cpu->sr, sizeof s->sr);
        s->psr = cpu->psr;
        s->cycles = cpu->cycles;
        keep(s, &m->console, m->mem, m->memsize);
    }
    t32_machine_free(m);
    return ok;
}

static bool run_vm(const fid_guest *g, int mode, fid_state *s, hook_ctx *h, char *err,
                   size_t errlen)
{
    vmm *v = vmm_new((vmm_mode)mode, 1, g->mem, err, errlen);
    if (!v)
        return false;
    vmm_vm *vm = v->vms[0];
    bool ok = vmm_vm_load(vm, g->img, err, errlen) && load(g, vm->mem, vm->size, err, errlen);
    if (ok) {
        guest_console(&vm->con, g);
        if (g->disk)
            t32_disk_init_mem(&vm->disk, g->disk, g->disklen);
        vm->limit = g->limit;
        v->insn_hook = h ? hook : NULL;
        v->insn_ctx = h;
        vmm_sched_run(v);
        const vmm_vcpu *vc = &vm->vcpus[0];
        s->out = vm->outcome;
        s->st = vm->stats;
        memcpy(s->r, vc->r, sizeof s->r);
        memcpy(s->sr, vc->vsr, sizeof s->sr);
        s->psr = vc->vpsr;
        s->cycles = vc->vcycles;
        keep(s, &vm->con, vm->mem, vm->size);
    }
    vmm_free(v);
    return ok;
}

bool fid_run(const fid_guest *g, int mode, fid_state *s, char *err, size_t errlen)
{
    *s = (fid_state){ .mode = mode };
    return mode == VMM_MODE_BARE ? run_bare(g, s, NULL, err, errlen)
                                 : run_vm(g, mode, s, NULL, err, errlen);
}

void fid_state_free(fid_state *s)
{
    free(s->con);
    free(s->ram);
    s->con = NULL;
    s->ram = NULL;
}

uint64_t fid_ram_hash(const fid_state *s)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (uint32_t i = 0; i < s->ramsize; i++)
        h = (h ^ s->ram[i]) * 0x100000001b3u;
    return h;
}

/* ---- comparing final states ------------------------------------------------------------------ */

static const char *end_name(vmm_end end)
{
    static const char *const names[] = { "running", "halt", "limit", "escape", "idle",
                                         "no-memory" };
    return (unsigned)end < sizeof names / sizeof names[0] ? names[end] : "?";
}

static void where(char *buf, size_t len, const t32_image *img, uint32_t pc)
{
    uint32_t off;
    const char *sym = img ? t32_image_symbolize(img, pc, &off) : NULL;
    if (sym)
        snprintf(buf, len, "0x%08" PRIx32 " <%s+0x%" PRIx32 ">", pc, sym, off);
    else
        snprintf(buf, len, "0x%08" PRIx32, pc);
}

/* The first differing byte of two buffers (lengths may differ), or -1. */
static long first_diff(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return (long)i;
    return alen == blen ? -1 : (long)n;
}

static bool diff_outcome(const fid_state *a, const fid_state *b, const t32_image *img,
                         char *buf, size_t len)
{
    char pa[96], pb[96];
    where(pa, sizeof pa, img, a->out.pc);
    where(pb, sizeof pb, img, b->out.pc);
    if (a->out.end != b->out.end || a->out.pc != b->out.pc) {
        snprintf(buf, len, "ended differently: bare %s at %s, vm %s at %s",
                 end_name(a->out.end), pa, end_name(b->out.end), pb);
        return true;
    }
    if (a->cycles != b->cycles || a->st.guest_insns != b->st.guest_insns) {
        snprintf(buf, len, "time differs: bare %" PRIu64 " cycles, %" PRIu64 " instructions; "
                 "vm %" PRIu64 " cycles, %" PRIu64 " instructions", a->cycles,
                 a->st.guest_insns, b->cycles, b->st.guest_insns);
        return true;
    }
    return false;
}

static bool diff_registers(const fid_state *a, const fid_state *b, char *buf, size_t len)
{
    for (int i = 0; i < T32_NREGS; i++)
        if (a->r[i] != b->r[i]) {
            snprintf(buf, len, "register r%d: bare 0x%08" PRIx32 ", vm 0x%08" PRIx32, i,
                     a->r[i], b->r[i]);
            return true;
        }
    if (a->psr != b->psr) {
        snprintf(buf, len, "psr: bare 0x%08" PRIx32 ", vm 0x%08" PRIx32, a->psr, b->psr);
        return true;
    }
    for (unsigned sr = 0; sr <= T32_SR_TIMER; sr++)
        if (a->sr[sr] != b->sr[sr]) {
            snprintf(buf, len, "system register %s: bare 0x%08" PRIx32 ", vm 0x%08" PRIx32,
                     t32_sysreg_name(sr), a->sr[sr], b->sr[sr]);
            return true;
        }
    return false;
}

static bool diff_memory(const fid_state *a, const fid_state *b, char *buf, size_t len)
{
    long at = first_diff((const uint8_t *)a->con, a->conlen, (const uint8_t *)b->con, b->conlen);
    if (at >= 0) {
        int ca = (size_t)at < a->conlen ? (uint8_t)a->con[at] : -1;
        int cb = (size_t)at < b->conlen ? (uint8_t)b->con[at] : -1;
        snprintf(buf, len, "console byte %ld: bare %d, vm %d (-1: none; %zu and %zu bytes)",
                 at, ca, cb, a->conlen, b->conlen);
        return true;
    }
    at = first_diff(a->ram, a->ramsize, b->ram, b->ramsize);
    if (at >= 0) {
        uint32_t w = (uint32_t)at & ~3u, wa = 0, wb = 0;
        memcpy(&wa, a->ram + w, w + 4 <= a->ramsize ? 4 : 0);
        memcpy(&wb, b->ram + w, w + 4 <= b->ramsize ? 4 : 0);
        snprintf(buf, len, "memory word at physical 0x%08" PRIx32 ": bare 0x%08" PRIx32
                 ", vm 0x%08" PRIx32, w, wa, wb);
        return true;
    }
    return false;
}

bool fid_diff(const fid_state *bare, const fid_state *vm, const t32_image *img, char *buf,
              size_t len)
{
    buf[0] = '\0';
    return diff_outcome(bare, vm, img, buf, len) || diff_registers(bare, vm, buf, len) ||
           diff_memory(bare, vm, buf, len);
}

/* ---- instruction traces ----------------------------------------------------------------------- */

/* Kernel pushf/popf: remember where (physical), for the nop patch. */
static void add_nop(hook_ctx *h, uint32_t pc)
{
    uint32_t pa;
    if (t32_translate(&h->m->cpu[0], pc, T32_FETCH, true, &pa) != T32_CAUSE_NONE)
        return;
    for (size_t i = 0; i < *h->nnops; i++)
        if (h->nops[i] == pa)
            return;
    if (*h->nnops < FID_MAX_NOPS)
        h->nops[(*h->nnops)++] = pa;
}

static void hook(void *ctx, int vm, uint64_t cycle, uint32_t pc, uint32_t psr,
                 const uint32_t *word)
{
    (void)vm;
    hook_ctx *h = ctx;
    if (h->nops && word && (psr & T32_PSR_K) &&
        (T32_OPC(*word) == T32_OP_PUSHF || T32_OPC(*word) == T32_OP_POPF))
        add_nop(h, pc);
    /* The VMM may announce an instruction again after an exit retries it
     * (a hidden page fault, an emulated instruction): one step each. */
    const step *last = h->nsteps ? &h->steps[h->nsteps - 1] : NULL;
    if (last && last->cycle == cycle && last->pc == pc)
        return;
    if (h->nsteps < h->max_steps)
        h->steps[h->nsteps++] = (step){ cycle, pc, psr, word ? *word : 0, word != NULL };
}

/* Run one way with the hook; false if the run could not be built. */
static bool run_hooked(const fid_guest *g, int mode, hook_ctx *h)
{
    fid_state s = { .mode = mode };
    char err[256];
    bool ok = mode == VMM_MODE_BARE ? run_bare(g, &s, h, err, sizeof err)
                                    : run_vm(g, mode, &s, h, err, sizeof err);
    fid_state_free(&s);
    return ok;
}

/* The kernel's pushf/popf that the bare run executes, added to g->nops.
 * Returns how many were new. */
static size_t collect_sensitive(fid_guest *g)
{
    size_t before = g->nnops;
    hook_ctx h = { .nops = g->nops, .nnops = &g->nnops };
    run_hooked(g, VMM_MODE_BARE, &h);
    return g->nnops - before;
}

static void print_step(FILE *out, const char *who, const step *s, const t32_image *img)
{
    char text[128] = "(the fetch traps)", at[96];
    if (s->fetched)
        dis_insn(s->word, s->pc, img, text, sizeof text);
    where(at, sizeof at, img, s->pc);
    fprintf(out, "    %-5s cycle %" PRIu64 ", pc %s, K=%u IE=%u: %s\n", who, s->cycle, at,
            (s->psr & T32_PSR_K) != 0, (s->psr & T32_PSR_IE) != 0, text);
}

#define TRACE_MAX (8u << 20)       /* steps kept per run: 8 M instructions */

void fid_first_divergence(const fid_guest *g, int mode, FILE *out)
{
    hook_ctx a = { .max_steps = TRACE_MAX }, b = { .max_steps = TRACE_MAX };
    a.steps = malloc(TRACE_MAX * sizeof *a.steps);
    b.steps = malloc(TRACE_MAX * sizeof *b.steps);
    if (a.steps && b.steps && run_hooked(g, VMM_MODE_BARE, &a) && run_hooked(g, mode, &b)) {
        size_t i = 0, n = a.nsteps < b.nsteps ? a.nsteps : b.nsteps;
        while (i < n && a.steps[i].cycle == b.steps[i].cycle && a.steps[i].pc == b.steps[i].pc &&
               a.steps[i].psr == b.steps[i].psr && a.steps[i].word == b.steps[i].word)
            i++;
        if (i == n && a.nsteps == b.nsteps) {
            fprintf(out, "  the instruction traces are the same (%zu instructions): the "
                    "difference is in a value, not in the path\n", n);
        } else {
            fprintf(out, "  first divergence at instruction %zu (bare ran %zu, %s %zu):\n", i,
                    a.nsteps, mode_name((vmm_mode)mode), b.nsteps);
            if (i > 0)
                print_step(out, "both", &a.steps[i - 1], g->img);
            if (i < a.nsteps)
                print_step(out, "bare", &a.steps[i], g->img);
            if (i < b.nsteps)
                print_step(out, mode_name((vmm_mode)mode), &b.steps[i], g->img);
        }
    } else {
        fprintf(out, "  (no instruction trace: out of memory)\n");
    }
    free(a.steps);
    free(b.steps);
}

/* ---- the check ------------------------------------------------------------------------------- */

/* bare vs mode once; true if they agree.  Fills res's counts, and buf with
 * the first difference. */
static bool compare_once(const fid_guest *g, int mode, fid_result *res, char *buf, size_t len)
{
    if (res->bare) {
        fid_state_free(res->bare);
        *res->bare = (fid_state){ 0 };
    }
    fid_state a, b;
    char err[256];
    if (!fid_run(g, VMM_MODE_BARE, &a, err, sizeof err)) {
        snprintf(buf, len, "bare run: %s", err);
        return false;
    }
    if (!fid_run(g, mode, &b, err, sizeof err)) {
        snprintf(buf, len, "%s run: %s", mode_name((vmm_mode)mode), err);
        fid_state_free(&a);
        return false;
    }
    bool same = !fid_diff(&a, &b, g->img, buf, len);
    res->bare_insns = a.st.guest_insns;
    res->vm_insns = b.st.guest_insns;
    res->direct_insns = b.st.direct_insns;
    res->ram_hash = fid_ram_hash(&a);
    res->end = a.out.end;
    if (res->bare)
        *res->bare = a;
    else
        fid_state_free(&a);
    fid_state_free(&b);
    return same;
}

bool fid_check(const fid_guest *g0, int mode, bool popf_allowed, FILE *out, fid_result *res)
{
    static fid_guest g;              /* with its nop list: not on the stack */
    char diff[512], first[512] = "";
    g = *g0;
    *res = (fid_result){ .bare = res->bare };
    bool same = compare_once(&g, mode, res, diff, sizeof diff);
    snprintf(first, sizeof first, "%s", diff);
    for (int round = 0; !same && popf_allowed && round < 6; round++) {
        if (collect_sensitive(&g) == 0)
            break;                   /* nothing new to take away */
        same = compare_once(&g, mode, res, diff, sizeof diff);
        res->popf_explained = same;
    }
    res->nops = g.nnops;
    bool direct_ok = !(same && strcmp(mode_name((vmm_mode)mode), "emulate") == 0 &&
                       res->direct_insns != 0);
    res->ok = same && direct_ok;
    if (res->ok)
        return true;
    fprintf(out, "FAIL %s: %s differs from bare T32\n", g.name, mode_name((vmm_mode)mode));
    if (!direct_ok)
        fprintf(out, "  %" PRIu64 " instructions ran directly under emulate (expected 0)\n",
                res->direct_insns);
    else
        fprintf(out, "  %s\n", first);
    if (g.nnops > 0)
        fprintf(out, "  with the %zu kernel pushf/popf the bare run executes made nops: %s\n",
                g.nnops, diff);
    if (!same)
        fid_first_divergence(&g, mode, out);
    return false;
}
