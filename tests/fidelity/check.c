/*
 * check.c - a guest on bare T32 and under a VMM mode, compared (check.h).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "assembler/disasm.h"
#include "tests/fidelity/check.h"
#include "vmm/modes/mode.h"
#include "vmm/session/session.h"

#define NOP_WORD 0x01000000u       /* add r0, r0, r0 */

/* ---- one run ------------------------------------------------------------------------------ */

/* One instruction as the instruction hook saw it. */
typedef struct seen {
    bool     ran;              /* the hook was called */
    uint32_t pc, psr, word;
    bool     fetched;          /* false: fetching it trapped (word is 0) */
} seen;

/* What the instruction hook collects (hook() below). */
typedef struct hook_ctx {
    t32_machine *m;            /* bare: to translate pcs to physical */
    uint32_t *nops;            /* if set: kernel pushf/popf found (physical) */
    size_t   *nnops;
    seen      last;            /* the last instruction announced */
} hook_ctx;

static void hook(void *ctx, int vm, uint64_t cycle, uint32_t pc, uint32_t psr,
                 const uint32_t *word);

/*
 * A run in progress, bare or in a VM, that can be taken forward to any
 * cycle and looked at in between.  fid_run takes one straight to its end;
 * the search for the first divergence takes two forward together, a
 * cycle at a time or to a chosen cycle.  A run limited to N cycles stops
 * at exactly the same instruction boundary bare and in a VM, because the
 * limit counts (virtual) guest cycles - which is what makes "the state
 * after N cycles" a question with one answer on both sides.
 */
typedef struct side {
    uint64_t     limit;        /* the guest's own limit (0: none) */
    t32_machine *m;            /* bare: the machine ... */
    vmm_outcome  out;          /* ... how its last run stopped ... */
    vmm_stats    st;           /* ... and its counters */
    vmm         *v;            /* in a VM: the VMM and its one VM */
    vmm_vm      *vm;
} side;

#define SIDE_END UINT64_MAX        /* side_run: to the end of the run */

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

static void side_close(side *s)
{
    t32_machine_free(s->m);
    vmm_free(s->v);
    *s = (side){ 0 };
}

/* Build `g` ready to run in `mode`, at cycle 0.  False, with a message in
 * err, if the machine or VMM cannot be built or the image not loaded. */
static bool side_open(side *s, const fid_guest *g, int mode, char *err, size_t errlen)
{
    *s = (side){ .limit = g->limit };
    if (mode == VMM_MODE_BARE) {
        s->m = t32_machine_new(g->mem, 1);
        if (!s->m) {
            snprintf(err, errlen, "no memory for a machine of %u bytes", (unsigned)g->mem);
            return false;
        }
        if (!load(g, s->m->mem, s->m->memsize, err, errlen)) {
            side_close(s);
            return false;
        }
        guest_console(&s->m->console, g);
        if (g->disk)
            t32_disk_init_mem(&s->m->disk, g->disk, g->disklen);
        s->m->cpu[0].pc = g->img->entry;
        return true;
    }
    s->v = vmm_new((vmm_mode)mode, 1, g->mem, err, errlen);
    if (!s->v)
        return false;
    s->vm = s->v->vms[0];
    if (!vmm_vm_load(s->vm, g->img, err, errlen) || !load(g, s->vm->mem, s->vm->size, err,
                                                          errlen)) {
        side_close(s);
        return false;
    }
    guest_console(&s->vm->con, g);
    if (g->disk)
        t32_disk_init_mem(&s->vm->disk, g->disk, g->disklen);
    s->vm->limit = g->limit;
    return true;
}

/* Has the run stopped for good (its end, or the guest's limit)? */
static bool side_done(const side *s)
{
    vmm_end end = s->m ? s->out.end : s->vm->outcome.end;
    uint64_t now = s->m ? s->m->cpu[0].cycles : vmm_vm_time(s->vm);
    return (end != VMM_RUNNING && end != VMM_END_LIMIT) || (s->limit && now >= s->limit);
}

/* Take the run forward to cycle `cycle` (SIDE_END: to its end), each
 * instruction shown to h's hook if h is set.  A VM is paused there as the
 * debugger pauses one (vm->pause_at), so that it can go on later. */
static void side_run(side *s, uint64_t cycle, hook_ctx *h)
{
    if (side_done(s))
        return;
    if (s->m) {
        uint64_t limit = cycle == SIDE_END ? s->limit
                       : s->limit && s->limit < cycle ? s->limit : cycle;
        vmm_watch w = { .insn_hook = hook, .insn_ctx = h };
        if (h)
            h->m = s->m;                                /* the hook translates pcs */
        s->out = vmm_bare_run_watched(s->m, limit, &s->st, h ? &w : NULL);
        return;
    }
    s->v->insn_hook = h ? hook : NULL;
    s->v->insn_ctx = h;
    if (cycle == SIDE_END) {
        vmm_sched_run(s->v);
        return;
    }
    s->vm->pause_at = cycle;
    while (s->vm->outcome.end == VMM_RUNNING && vmm_vm_time(s->vm) < cycle) {
        uint64_t before = vmm_vm_time(s->vm);
        vmm_sched_round(s->v);
        if (vmm_vm_time(s->vm) == before)
            break;                     /* cannot move (never for a running VM) */
    }
    s->vm->pause_at = 0;
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

/* The final state of a run that has stopped. */
static void final_state(const side *sd, fid_state *s)
{
    if (sd->m) {
        const t32_cpu *cpu = &sd->m->cpu[0];
        s->out = sd->out;
        s->st = sd->st;
        memcpy(s->r, cpu->r, sizeof s->r);
        memcpy(s->sr, cpu->sr, sizeof s->sr);
        s->psr = cpu->psr;
        s->cycles = cpu->cycles;
        keep(s, &sd->m->console, sd->m->mem, sd->m->memsize);
    } else {
        const vmm_vcpu *vc = &sd->vm->vcpus[0];
        s->out = sd->vm->outcome;
        s->st = sd->vm->stats;
        memcpy(s->r, vc->r, sizeof s->r);
        memcpy(s->sr, vc->vsr, sizeof s->sr);
        s->psr = vc->vpsr;
        s->cycles = vc->vcycles;
        keep(s, &sd->vm->con, sd->vm->mem, sd->vm->size);
    }
}

bool fid_run(const fid_guest *g, int mode, fid_state *s, char *err, size_t errlen)
{
    side sd;
    *s = (fid_state){ .mode = mode };
    if (!side_open(&sd, g, mode, err, errlen))
        return false;
    side_run(&sd, SIDE_END, NULL);
    final_state(&sd, s);
    side_close(&sd);
    return true;
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
                                         "no-memory", "output-error", "interrupted",
                                         "stuck" };
    return (unsigned)end < sizeof names / sizeof names[0] ? names[end] : "?";
}

/* "0x00001010 <main+0x10>", as trapeze shows an address. */
static void where(char *buf, size_t len, const t32_image *img, uint32_t pc)
{
    session_describe_pc(buf, len, img, pc);
}

/* A console byte as a reader wants it: 0x41 'A', 0x0a, or none. */
static void byte_shown(char *buf, size_t len, const char *con, size_t conlen, size_t at)
{
    if (at >= conlen)
        snprintf(buf, len, "none (%zu bytes)", conlen);
    else if (con[at] >= 0x20 && con[at] < 0x7f)
        snprintf(buf, len, "0x%02x '%c'", (uint8_t)con[at], con[at]);
    else
        snprintf(buf, len, "0x%02x", (uint8_t)con[at]);
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
    const char *who = mode_name((vmm_mode)b->mode);
    where(pa, sizeof pa, img, a->out.pc);
    where(pb, sizeof pb, img, b->out.pc);
    if (a->out.end != b->out.end || a->out.pc != b->out.pc) {
        snprintf(buf, len, "ended differently: bare %s at %s, %s %s at %s",
                 end_name(a->out.end), pa, who, end_name(b->out.end), pb);
        return true;
    }
    if (a->cycles != b->cycles || a->st.guest_insns != b->st.guest_insns) {
        snprintf(buf, len, "time differs: bare %" PRIu64 " cycles, %" PRIu64 " instructions; "
                 "%s %" PRIu64 " cycles, %" PRIu64 " instructions", a->cycles,
                 a->st.guest_insns, who, b->cycles, b->st.guest_insns);
        return true;
    }
    return false;
}

/* The system registers the hardware stores: cycles, cpuid and ipend are
 * computed when read. */
static bool sysreg_stored(unsigned sr)
{
    return sr <= T32_SR_TIMER;
}

static bool diff_registers(const fid_state *a, const fid_state *b, char *buf, size_t len)
{
    const char *who = mode_name((vmm_mode)b->mode);
    for (int i = 0; i < T32_NREGS; i++)
        if (a->r[i] != b->r[i]) {
            snprintf(buf, len, "register r%d: bare 0x%08" PRIx32 ", %s 0x%08" PRIx32, i,
                     a->r[i], who, b->r[i]);
            return true;
        }
    if (a->psr != b->psr) {
        snprintf(buf, len, "psr: bare 0x%08" PRIx32 ", %s 0x%08" PRIx32, a->psr, who, b->psr);
        return true;
    }
    for (unsigned sr = 0; sr < T32_NSYSREGS; sr++)
        if (sysreg_stored(sr) && a->sr[sr] != b->sr[sr]) {
            snprintf(buf, len, "system register %s: bare 0x%08" PRIx32 ", %s 0x%08" PRIx32,
                     t32_sysreg_name(sr), a->sr[sr], who, b->sr[sr]);
            return true;
        }
    return false;
}

static bool diff_memory(const fid_state *a, const fid_state *b, char *buf, size_t len)
{
    const char *who = mode_name((vmm_mode)b->mode);
    long at = first_diff((const uint8_t *)a->con, a->conlen, (const uint8_t *)b->con, b->conlen);
    if (at >= 0) {
        char ca[48], cb[48];
        byte_shown(ca, sizeof ca, a->con, a->conlen, (size_t)at);
        byte_shown(cb, sizeof cb, b->con, b->conlen, (size_t)at);
        snprintf(buf, len, "console byte %ld: bare %s, %s %s", at, ca, who, cb);
        return true;
    }
    at = first_diff(a->ram, a->ramsize, b->ram, b->ramsize);
    if (at >= 0) {
        uint32_t w = (uint32_t)at & ~3u, wa = 0, wb = 0;
        memcpy(&wa, a->ram + w, w + 4 <= a->ramsize ? 4 : 0);
        memcpy(&wb, b->ram + w, w + 4 <= b->ramsize ? 4 : 0);
        snprintf(buf, len, "memory word at physical 0x%08" PRIx32 ": bare 0x%08" PRIx32
                 ", %s 0x%08" PRIx32, w, wa, who, wb);
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

/* ---- kernel pushf/popf --------------------------------------------------------------------- */

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
    (void)vm, (void)cycle;
    hook_ctx *h = ctx;
    if (h->nops && word && (psr & T32_PSR_K) &&
        (T32_OPC(*word) == T32_OP_PUSHF || T32_OPC(*word) == T32_OP_POPF))
        add_nop(h, pc);
    /* The VMM may announce an instruction again after an exit retries it
     * (a hidden page fault, an emulated instruction): the last one ran. */
    h->last = (seen){ true, pc, psr, word ? *word : 0, word != NULL };
}

/* The kernel's pushf/popf that the bare run executes, added to g->nops.
 * Returns how many were new. */
static size_t collect_sensitive(fid_guest *g)
{
    size_t before = g->nnops;
    hook_ctx h = { .nops = g->nops, .nnops = &g->nnops };
    side s;
    char err[256];
    if (side_open(&s, g, VMM_MODE_BARE, err, sizeof err)) {
        side_run(&s, SIDE_END, &h);
        side_close(&s);
    }
    return g->nnops - before;
}

/* ---- the first divergence ------------------------------------------------------------------ */

/*
 * Where do the two runs part?  The first cycle after which anything the
 * guest can observe differs: a register (r0-r15, pc, the PSR with its
 * flags, K and IE, a system register the hardware stores), a word of RAM,
 * a console byte, or how far it got (one side halted, the other not).
 * The instruction that ran in that cycle is where the mode went its own
 * way.
 *
 * Two ways to find it, the exact one first:
 *
 *   lockstep   both runs taken forward together one cycle at a time, all
 *              of their state compared after each.  Exact, but every
 *              cycle compares all of RAM, so it covers only the first
 *              LOCKSTEP_BYTES / RAM cycles (32768 for a random program's
 *              128 KiB, 256 for a test guest's 16 MiB; a fraction of a
 *              second) - where the kernel pushf/popf of trap-and-emulate
 *              usually strikes.
 *   bisection  beyond that, as `trapeze compare` does (vmm/cli/compare.c):
 *              run both from the start to cycle N and compare; the states
 *              are known the same at the end of the lockstep and to differ
 *              at the end, so halving the interval finds a cycle N whose
 *              states differ while those of N - 1 do not, in log2(cycles)
 *              pairs of runs.  A difference that heals again (a stack word
 *              written differently, then overwritten alike) can be stepped
 *              over, and a later N found.
 *
 * Only a failing check pays for either: the passing path runs each guest
 * once bare and once in the mode, nothing more.
 */
#define LOCKSTEP_BYTES (4ull << 30)    /* RAM compared, at most */
#define LOCKSTEP_MIN   64u             /* cycles, at least */

/* What the guest can observe of a run, looked at in place. */
typedef struct view {
    vmm_end         end;       /* VMM_RUNNING while it may go on (its limit too) */
    uint64_t        cycles, insns;
    uint32_t        pc, psr;
    const uint32_t *r, *sr;
    const char     *con;
    size_t          conlen;
    const uint8_t  *ram;
    uint32_t        ramsize;
} view;

static view side_view(const side *s)
{
    view v;
    if (s->m) {
        const t32_cpu *cpu = &s->m->cpu[0];
        v = (view){ s->out.end, cpu->cycles, cpu->retired, cpu->pc, cpu->psr, cpu->r, cpu->sr,
                    s->m->console.outbuf, s->m->console.outlen, s->m->mem, s->m->memsize };
    } else {
        const vmm_vcpu *vc = &s->vm->vcpus[0];
        v = (view){ s->vm->outcome.end, vc->vcycles, s->vm->stats.guest_insns, vc->pc, vc->vpsr,
                    vc->r, vc->vsr, s->vm->con.outbuf, s->vm->con.outlen, s->vm->mem,
                    s->vm->size };
    }
    if (v.end == VMM_END_LIMIT)
        v.end = VMM_RUNNING;           /* a pause, or the limit both sides share */
    return v;
}

/* A little-endian word of guest RAM (0 past its end). */
static uint32_t ram_word(const uint8_t *ram, uint32_t size, uint32_t addr)
{
    if (addr > size - 4)
        return 0;
    return (uint32_t)ram[addr] | (uint32_t)ram[addr + 1] << 8 | (uint32_t)ram[addr + 2] << 16 |
           (uint32_t)ram[addr + 3] << 24;
}

/* The PSR bits that are set, by name ("Z K IE"; "-": none). */
static void psr_bits(char *buf, size_t len, uint32_t psr)
{
    static const struct { uint32_t bit; const char *name; } bits[] = {
        { T32_PSR_N, "N" }, { T32_PSR_Z, "Z" }, { T32_PSR_C, "C" }, { T32_PSR_V, "V" },
        { T32_PSR_K, "K" }, { T32_PSR_IE, "IE" },
    };
    snprintf(buf, len, "-");
    size_t used = 0;
    for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
        if ((psr & bits[i].bit) && used < len)
            used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? " " : "",
                                     bits[i].name);
}

/* Each comparison below prints what differs when `out` is set; without
 * it, it only says whether anything does, and stops at the first. */

static bool progress_differs(const view *a, const view *b, const char *who, FILE *out)
{
    if (a->end == b->end && a->cycles == b->cycles && a->insns == b->insns)
        return false;
    if (out)
        fprintf(out, "    progress: bare %s at cycle %" PRIu64 " (%" PRIu64 " instructions), "
                "%s %s at cycle %" PRIu64 " (%" PRIu64 " instructions)\n", end_name(a->end),
                a->cycles, a->insns, who, end_name(b->end), b->cycles, b->insns);
    return true;
}

static bool registers_differ(const view *a, const view *b, const char *who,
                             const t32_image *img, FILE *out)
{
    bool any = false;
    if (a->pc != b->pc) {
        char pa[96], pb[96];
        if (!out)
            return true;
        where(pa, sizeof pa, img, a->pc);
        where(pb, sizeof pb, img, b->pc);
        fprintf(out, "    pc: bare %s, %s %s\n", pa, who, pb);
        any = true;
    }
    for (int i = 0; i < T32_NREGS; i++)
        if (a->r[i] != b->r[i]) {
            if (!out)
                return true;
            fprintf(out, "    r%d: bare 0x%08" PRIx32 ", %s 0x%08" PRIx32 "\n", i, a->r[i], who,
                    b->r[i]);
            any = true;
        }
    if (a->psr != b->psr) {
        char ba[32], bb[32];
        if (!out)
            return true;
        psr_bits(ba, sizeof ba, a->psr);
        psr_bits(bb, sizeof bb, b->psr);
        fprintf(out, "    psr: bare 0x%08" PRIx32 " (%s), %s 0x%08" PRIx32 " (%s)\n", a->psr,
                ba, who, b->psr, bb);
        any = true;
    }
    for (unsigned sr = 0; sr < T32_NSYSREGS; sr++)
        if (sysreg_stored(sr) && a->sr[sr] != b->sr[sr]) {
            if (!out)
                return true;
            fprintf(out, "    %s: bare 0x%08" PRIx32 ", %s 0x%08" PRIx32 "\n",
                    t32_sysreg_name(sr), a->sr[sr], who, b->sr[sr]);
            any = true;
        }
    return any;
}

static bool console_differs(const view *a, const view *b, const char *who, FILE *out)
{
    long at = first_diff((const uint8_t *)a->con, a->conlen, (const uint8_t *)b->con, b->conlen);
    if (at < 0 || !out)
        return at >= 0;
    char ca[48], cb[48];
    byte_shown(ca, sizeof ca, a->con, a->conlen, (size_t)at);
    byte_shown(cb, sizeof cb, b->con, b->conlen, (size_t)at);
    fprintf(out, "    console byte %ld: bare %s, %s %s\n", at, ca, who, cb);
    return true;
}

/* The first word of RAM that differs, with the symbol of the image's data
 * or code it lies in (none on the stack or in unused memory), and how many
 * others do. */
static bool memory_differs(const view *a, const view *b, const char *who, const t32_image *img,
                           FILE *out)
{
    if (a->ramsize == b->ramsize && memcmp(a->ram, b->ram, a->ramsize) == 0)
        return false;
    if (!out)
        return true;
    long at = first_diff(a->ram, a->ramsize, b->ram, b->ramsize);
    uint32_t first = (uint32_t)at & ~3u, more = 0;
    for (uint32_t w = first + 4; w + 4 <= a->ramsize && w + 4 <= b->ramsize; w += 4)
        more += ram_word(a->ram, a->ramsize, w) != ram_word(b->ram, b->ramsize, w);
    char addr[96] = "";
    if (t32_image_segment_at(img, first))
        where(addr, sizeof addr, img, first);
    else
        snprintf(addr, sizeof addr, "0x%08" PRIx32, first);
    fprintf(out, "    memory word %s: bare 0x%08" PRIx32 ", %s 0x%08" PRIx32, addr,
            ram_word(a->ram, a->ramsize, first), who, ram_word(b->ram, b->ramsize, first));
    if (more)
        fprintf(out, " (and %" PRIu32 " more word%s)", more, more == 1 ? "" : "s");
    fprintf(out, "\n");
    return true;
}

static bool views_differ(const view *a, const view *b, const char *who, const t32_image *img,
                         FILE *out)
{
    if (!out)
        return progress_differs(a, b, who, NULL) || registers_differ(a, b, who, img, NULL) ||
               console_differs(a, b, who, NULL) || memory_differs(a, b, who, img, NULL);
    bool any = progress_differs(a, b, who, out);
    any |= registers_differ(a, b, who, img, out);
    any |= console_differs(a, b, who, out);
    any |= memory_differs(a, b, who, img, out);
    return any;
}

/* The two runs of one guest, bare and in a mode, taken forward together. */
typedef struct pair {
    const fid_guest *g;
    int       mode;
    side      bare, vm;
    hook_ctx  hbare, hvm;      /* the instruction each ran in the last step */
    uint64_t  insns_before;    /* bare's instructions before the last step */
} pair;

static bool pair_open(pair *p, const fid_guest *g, int mode)
{
    char err[256];
    *p = (pair){ .g = g, .mode = mode };
    if (!side_open(&p->bare, g, VMM_MODE_BARE, err, sizeof err))
        return false;
    if (!side_open(&p->vm, g, mode, err, sizeof err)) {
        side_close(&p->bare);
        return false;
    }
    return true;
}

static void pair_close(pair *p)
{
    side_close(&p->bare);
    side_close(&p->vm);
}

static void pair_run(pair *p, uint64_t cycle)
{
    side_run(&p->bare, cycle, NULL);
    side_run(&p->vm, cycle, NULL);
}

static bool pair_differ(const pair *p, FILE *out)
{
    view a = side_view(&p->bare), b = side_view(&p->vm);
    return views_differ(&a, &b, mode_name((vmm_mode)p->mode), p->g->img, out);
}

/* Both runs from cycle n (where both are) to n + 1, each instruction
 * watched.  True if they then differ. */
static bool pair_step(pair *p, uint64_t n)
{
    p->hbare.last = p->hvm.last = (seen){ 0 };
    p->insns_before = side_view(&p->bare).insns;
    side_run(&p->bare, n + 1, &p->hbare);
    side_run(&p->vm, n + 1, &p->hvm);
    return pair_differ(p, NULL);
}

/* "pc 0x00001008 <_start+0x8>, K=1 IE=0: pushf" */
static void insn_text(char *buf, size_t len, const seen *s, const t32_image *img)
{
    char text[128] = "(the fetch traps)", at[96];
    if (!s->ran) {
        snprintf(buf, len, "(ran no instruction: stopped)");
        return;
    }
    if (s->fetched)
        dis_insn(s->word, s->pc, img, text, sizeof text);
    where(at, sizeof at, img, s->pc);
    snprintf(buf, len, "pc %s, K=%u IE=%u: %s", at, (s->psr & T32_PSR_K) != 0,
             (s->psr & T32_PSR_IE) != 0, text);
}

/* The report, after pair_step(p, n) found the states differ: the
 * instruction (one line if both sides ran the same one), then everything
 * that differs after it. */
static void report(const pair *p, uint64_t n, FILE *out)
{
    const char *who = mode_name((vmm_mode)p->mode);
    const seen *a = &p->hbare.last, *b = &p->hvm.last;
    uint64_t insns = side_view(&p->bare).insns;
    char ta[256], tb[256];
    insn_text(ta, sizeof ta, a, p->g->img);
    insn_text(tb, sizeof tb, b, p->g->img);
    if (insns > p->insns_before)
        fprintf(out, "  first divergence at instruction %" PRIu64 " (cycle %" PRIu64 ")", insns,
                n + 1);
    else
        fprintf(out, "  first divergence at cycle %" PRIu64 " (bare retired no instruction in "
                "it, %" PRIu64 " before)", n + 1, insns);
    bool same = a->ran == b->ran && a->pc == b->pc && a->psr == b->psr && a->word == b->word &&
                a->fetched == b->fetched;
    if (same)
        fprintf(out, ": %s\n", ta);
    else
        fprintf(out, ":\n    bare  %s\n    %-5s %s\n", ta, who, tb);
    if (!pair_differ(p, out))
        fprintf(out, "    (the states differ after a run straight to cycle %" PRIu64 ", not "
                "after this step from a pause at cycle %" PRIu64 ")\n", n + 1, n);
}

/* Lockstep over the first cycles.  1: found and reported; 0: not within
 * them (*covered: how many cycles are known alike); -1: no runs. */
static int lockstep(const fid_guest *g, int mode, FILE *out, uint64_t *covered)
{
    pair p;
    if (!pair_open(&p, g, mode))
        return -1;
    uint64_t steps = LOCKSTEP_BYTES / g->mem, n = 0;
    if (steps < LOCKSTEP_MIN)
        steps = LOCKSTEP_MIN;
    bool found = false;
    while (n < steps && !(side_done(&p.bare) && side_done(&p.vm)) && !(found = pair_step(&p, n)))
        n++;
    if (found)
        report(&p, n, out);
    pair_close(&p);
    *covered = n;
    return found;
}

/* Do the runs differ after `n` cycles (SIDE_END: at their ends)?  -1: no
 * runs.  *last: the later of the cycles they stopped at. */
static int differs_at(const fid_guest *g, int mode, uint64_t n, uint64_t *last)
{
    pair p;
    if (!pair_open(&p, g, mode))
        return -1;
    pair_run(&p, n);
    view a = side_view(&p.bare), b = side_view(&p.vm);
    *last = a.cycles > b.cycles ? a.cycles : b.cycles;
    bool d = pair_differ(&p, NULL);
    pair_close(&p);
    return d;
}

/* Bisection between cycle `first` (alike) and the end.  As lockstep() returns. */
static int bisect(const fid_guest *g, int mode, uint64_t first, FILE *out)
{
    uint64_t lo = first, hi, unused;
    int d = differs_at(g, mode, SIDE_END, &hi);
    if (d <= 0 || hi <= lo)
        return d < 0 ? -1 : 0;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if ((d = differs_at(g, mode, mid, &unused)) < 0)
            return -1;
        if (d)
            hi = mid;
        else
            lo = mid;
    }
    pair p;
    if (!pair_open(&p, g, mode))
        return -1;
    pair_run(&p, lo);
    pair_step(&p, lo);
    report(&p, lo, out);
    pair_close(&p);
    fprintf(out, "    (by bisection beyond cycle %" PRIu64 ": a difference that healed before "
            "could be missed)\n", first);
    return 1;
}

void fid_first_divergence(const fid_guest *g, int mode, FILE *out)
{
    uint64_t covered = 0;
    int found = lockstep(g, mode, out, &covered);
    if (found == 0)
        found = bisect(g, mode, covered, out);
    if (found < 0)
        fprintf(out, "  (no first divergence: the runs could not be built again)\n");
    else if (found == 0)
        fprintf(out, "  (no cycle after which the guest's state differs: the difference is "
                "only in the final counts)\n");
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
