/*
 * compare.c - `trapeze compare`: one guest in every mode, side by side.
 *
 *   trapeze compare IMAGE [--disk F] [--pv-image IMAGE] [--json] [run options]
 *
 * Popek and Goldberg's three properties as one table.  The guest runs on
 * bare T32 (the reference) and then under every VMM mode of the registry
 * (modes/mode.c: a mode added there appears here by itself), each run
 * quiet and from the same start - the same image, a private copy of the
 * same disk, the same console input.  Per mode the table shows
 *
 *   performance  guest instructions, the share run directly, exits in
 *                all and per cause, every other counter of report/stats.h
 *                (hypercalls, patches, ... when a mode counts them), host
 *                time and the slowdown against bare;
 *   fidelity     whether the guest could tell: the console transcript byte
 *                by byte, the instruction count, the final registers and
 *                a hash of guest RAM - and if anything differs, the first
 *                cycle at which the guest's state differs from bare's.
 *
 * Finding that cycle: a run limited to N cycles stops at exactly the same
 * instruction boundary bare and in a VM (--max-insns counts virtual
 * cycles), so "do the two states after N cycles differ?" can be asked for
 * any N; bisection between 0 (the same image, the same state) and the end
 * finds the first N where they do - the instruction at the bare run's pc
 * after N - 1 cycles is where the mode went its own way.  (A difference
 * that heals again before the end could be stepped over; the states
 * compared include the console so far and all of RAM, so it rarely can.)
 *
 * Everything but the host-time rows is deterministic.  Those come from
 * repeated runs (time_mode): one run of a small guest is too short to
 * time.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "outfile.h"
#include "vmm/cli/commands.h"
#include "vmm/modes/mode.h"
#include "vmm/report/stats.h"
#include "vmm/session/probe.h"

/* ---- options ------------------------------------------------------------------- */

typedef struct compare_args {
    bool        json;
    const char *pv_image;       /* --pv-image: the paravirtual build for pv */
    int         images;         /* positional IMAGEs seen */
} compare_args;

static int extra_option(void *ctx, int argc, char **argv, int *i)
{
    compare_args *a = ctx;
    const char *arg = argv[*i];
    /* Positional: the one IMAGE (session_parse takes it), never a second -
     * run's hint "use --vm for several" would be wrong here. */
    if (arg[0] != '-' || arg[1] == '\0') {
        if (++a->images > 1)
            return session_usage_error("compare", "more than one IMAGE ('%s'); compare "
                                       "runs one guest, in every mode", arg);
        return -1;
    }
    if (strcmp(arg, "--json") == 0) {
        a->json = true;
        return 0;
    }
    bool inline_value = strncmp(arg, "--pv-image=", 11) == 0;
    if (!inline_value && strcmp(arg, "--pv-image") != 0)
        return -1;
    if (a->pv_image)        /* as --disk: the command line says one thing once */
        return session_usage_error("compare", "option '--pv-image' given twice");
    if (inline_value) {
        a->pv_image = arg + 11;
    } else {
        if (*i + 1 >= argc)
            return session_usage_error("compare", "option '--pv-image' needs a value");
        a->pv_image = argv[++*i];
    }
    if (a->pv_image[0] == '\0')
        return session_usage_error("compare", "option '--pv-image' needs a file name, "
                                   "not an empty one");
    return 0;
}

/* compare chooses the modes and captures the consoles itself. */
static int check_args(const session_options *o)
{
    if (o->nguests > (o->image ? 1 : 0))
        return session_usage_error("compare", "--vm is not for compare (it runs one guest, "
                                   "in every mode: give IMAGE, with --disk and --input)");
    const char *bad = o->mode_given ? "--mode/--bare"
                    : o->vcpus > 1 ? "--vcpus" : o->guests[0].console ? "--console"
                    : o->stats ? "--stats" : o->stats_json ? "--stats-json"
                    : o->trace ? "--trace" : o->trace_insns ? "--trace-insns" : NULL;
    if (bad)
        return session_usage_error("compare", "%s is not for compare (it runs one guest, "
                                   "one vCPU, in every mode, and reports itself)", bad);
    return 0;
}

static void print_help(void)
{
    fputs("usage: trapeze compare [OPTIONS] [--] IMAGE\n"
          "\n"
          "Run IMAGE on bare T32 and under every VMM mode, each from the same start\n"
          "(a private copy of the disk, the same console input), and print one table:\n"
          "guest instructions, the share run directly, exits in all and per cause, the\n"
          "other counters of each mode, host time and slowdown against bare, and a\n"
          "fidelity verdict - identical to bare (console transcript byte for byte,\n"
          "instruction count, final registers, a hash of guest RAM), or its first\n"
          "divergence: the first cycle at which the guest's state differs, found by\n"
          "bisection (a difference undone before the end - a stack word written\n"
          "otherwise, then overwritten alike - can hide an earlier one, and a later\n"
          "cycle is given).  Consoles are captured, not printed.  Everything but the\n"
          "host times is deterministic.\n"
          "\n"
          "Host time: one run of a small guest takes a few ms, too little to time\n"
          "once.  Each mode is run again until its runs add up to 150 ms (or 300 ms\n"
          "have passed with each run's setup, or 100 runs), and the table shows the\n"
          "fastest run's time - noise only adds time - and how many runs there were;\n"
          "the slowdown is that time over bare's.  A run of 150 ms or more is not\n"
          "repeated.\n"
          "\n"
          "options:\n"
          "  --disk FILE          the guest's disk; every run gets a copy in memory,\n"
          "                       so FILE is never written\n"
          "  --input FILE         console input, read once: every run gets the same\n"
          "                       bytes (default: none, input ended; '-' is refused:\n"
          "                       /dev/stdin reads standard input)\n"
          "  --pv-image IMAGE     the paravirtual build of the guest, run by --mode pv\n"
          "                       (default: IMAGE); its fidelity is its transcript:\n"
          "                       the same, or how many lines either side lacks and\n"
          "                       whether the rest keep bare's order (another kernel's\n"
          "                       ticks fall elsewhere: \"1 line differs\" can be its\n"
          "                       tick count).\n"
          "                       A paravirtual kernel as IMAGE stops at its first\n"
          "                       hcall in every other mode: compare says so\n"
          "  --json               the same as JSON on stdout: one object per mode,\n"
          "                       with the table's counters and a \"fidelity\" object of\n"
          "                       the same shape in every mode: \"reference\" (true for\n"
          "                       bare), \"identical\", and each thing compared with\n"
          "                       bare (\"end\", \"console\"; with the same image\n"
          "                       \"cycles\", \"registers\", \"ram\"), and where they\n"
          "                       differ (\"console_differs_at\", \"first_divergence\")\n"
          "  --mem SIZE           RAM per machine or VM (default 16M)\n"
          "  --max-insns N        stop every run after N cycles; without it, bare runs\n"
          "                       to its end, at most 200000000 cycles, and every mode\n"
          "                       stops where bare did, or if bare halted, at most at\n"
          "                       2 x bare's cycles + 1000000 (it has diverged by then);\n"
          "                       on a terminal, a comparison still going after 10 s -\n"
          "                       $TRAPEZE_HINT_SECONDS - says so\n"
          "  --quantum N          virtual cycles per turn (default 10000)\n"
          "  -h, --help           show this help\n"
          "\n"
          "modes: ", stdout);
    fputs(mode_names(), stdout);
    fputs("\n"
          "\n"
          "exit status:\n"
          "  0  every mode is identical to bare\n"
          "  1  a mode diverges from bare, or a file could not be used\n"
          "  2  bad command line\n", stdout);
}

/* ---- one mode's run and its verdict ------------------------------------------------- */

typedef struct verdict {
    bool     end, cycles, console, regs, ram;   /* each the same as bare's? */
    size_t   console_at;        /* first byte that differs */
    char     regs_differ[256];  /* "pc r3 r5": all of them (room for every one) */
    bool     identical;
    size_t   lines_differ;      /* another image: lines of either transcript that
                                   the other lacks (the larger count) ... */
    bool     same_order;        /* ... and whether the rest come in the same order */
    uint64_t diverge_at;        /* first cycle whose state differs; 0: none */
    uint32_t diverge_pc;        /* bare's pc just before it */
} verdict;

typedef struct result {
    vmm_mode    mode;
    const char *image;
    bool        same_image;     /* the image bare ran */
    probe       p;
    verdict     v;
    double      best;           /* host seconds of its fastest run ... */
    int         runs;           /* ... of this many (see time_mode) */
} result;

/* The first byte at which two transcripts differ (one ending early is a
 * difference at its length); SIZE_MAX if they are the same. */
static size_t first_byte_differing(const probe *a, const probe *b)
{
    size_t n = a->conlen < b->conlen ? a->conlen : b->conlen;
    for (size_t i = 0; i < n; i++)
        if (a->console[i] != b->console[i])
            return i;
    return a->conlen == b->conlen ? SIZE_MAX : n;
}

/* ---- another image: the same work, line by line ------------------------------------ */

/* A transcript cut into its lines (the last one may lack its newline). */
typedef struct lines {
    const char **at;
    size_t *len, n;
} lines;

static bool split_lines(const probe *p, lines *l)
{
    size_t n = 0;
    for (size_t i = 0; i < p->conlen; i++)
        n += p->console[i] == '\n' || i + 1 == p->conlen;
    l->at = malloc((n + 1) * sizeof *l->at);
    l->len = malloc((n + 1) * sizeof *l->len);
    l->n = 0;
    if (!l->at || !l->len)
        return false;
    for (size_t i = 0, start = 0; i < p->conlen; i++)
        if (p->console[i] == '\n' || i + 1 == p->conlen) {
            l->at[l->n] = p->console + start;
            l->len[l->n++] = i + 1 - start;
            start = i + 1;
        }
    return true;
}

static bool line_eq(const lines *a, size_t i, const lines *b, size_t j)
{
    return a->len[i] == b->len[j] && memcmp(a->at[i], b->at[j], a->len[i]) == 0;
}

/* The paravirtual kernel is another program: its transcript cannot be
 * bare's byte for byte when anything it prints depends on when the timer
 * fell (a tick count; with several processes, the order of their lines).
 * So it is judged by its lines: how many of either side's the other lacks
 * (each line matched once), and whether the matched ones keep bare's
 * order.  Quadratic, on transcripts of a few hundred lines. */
static void judge_lines(const probe *bare, const probe *p, verdict *v)
{
    lines a = { 0 }, b = { 0 };
    bool *used = NULL;
    if (split_lines(bare, &a) && split_lines(p, &b) && (used = calloc(b.n + 1, sizeof *used))) {
        size_t matched = 0, last = 0;
        v->same_order = true;
        for (size_t i = 0; i < a.n; i++)
            for (size_t j = 0; j < b.n; j++)
                if (!used[j] && line_eq(&a, i, &b, j)) {
                    used[j] = true;
                    v->same_order &= matched == 0 || j > last;
                    last = j;
                    matched++;
                    break;
                }
        size_t lost = a.n - matched, extra = b.n - matched;
        v->lines_differ = lost > extra ? lost : extra;
    }
    free(used);
    free(a.at);
    free(a.len);
    free(b.at);
    free(b.len);
}

static void add_name(char *buf, size_t len, const char *name)
{
    size_t used = strlen(buf);
    snprintf(buf + used, len - used, "%s%s", used ? " " : "", name);
}

/* Which registers differ: pc, psr, r0..r15, the stored system registers. */
static bool same_registers(const probe *a, const probe *b, char *names, size_t len)
{
    names[0] = '\0';
    if (a->pc != b->pc)
        add_name(names, len, "pc");
    if (a->psr != b->psr)
        add_name(names, len, "psr");
    for (int i = 0; i < T32_NREGS; i++) {
        char rn[16];
        snprintf(rn, sizeof rn, "r%d", i);
        if (a->r[i] != b->r[i])
            add_name(names, len, rn);
    }
    for (unsigned sr = 0; sr < T32_NSYSREGS; sr++)
        if (probe_sysreg_stored(sr) && a->sr[sr] != b->sr[sr])
            add_name(names, len, t32_sysreg_name(sr));
    return names[0] == '\0';
}

/* Compare a run with bare's, aspect by aspect. */
static verdict judge(const probe *bare, const probe *p, bool same_image)
{
    verdict v = { 0 };
    v.end = bare->out.end == p->out.end;
    v.cycles = bare->cycles == p->cycles;
    v.console_at = first_byte_differing(bare, p);
    v.console = v.console_at == SIZE_MAX;
    v.regs = same_registers(bare, p, v.regs_differ, sizeof v.regs_differ);
    v.ram = bare->ram_hash == p->ram_hash;
    v.identical = same_image ? v.end && v.cycles && v.console && v.regs && v.ram
                             : v.end && v.console;
    if (!same_image && !v.console)
        judge_lines(bare, p, &v);
    return v;
}

/* ---- bisection: the first cycle at which the states differ ----------------------- */

typedef struct context {
    probe_input in;
    const t32_image *img;       /* bare's image: entry point and symbols */
} context;

/* Do bare and `mode` differ after `n` cycles?  -1 if a run failed. */
static int differs_at(const context *cx, vmm_mode mode, uint64_t n, uint32_t *bare_pc)
{
    probe b, p;
    if (probe_run(&b, &cx->in, VMM_MODE_BARE, n) != 0)
        return -1;
    if (probe_run(&p, &cx->in, mode, n) != 0) {
        probe_free(&b);
        return -1;
    }
    verdict v = judge(&b, &p, true);
    *bare_pc = b.pc;
    probe_free(&b);
    probe_free(&p);
    return !v.identical;
}

/* Between lo (same: both start from the image) and hi (known to differ).
 * Returns an exit status (0: found). */
static int bisect(const context *cx, result *r, uint64_t hi)
{
    uint64_t lo = 0;
    uint32_t lo_pc = cx->img->entry, pc;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        int d = differs_at(cx, r->mode, mid, &pc);
        if (d < 0)
            return SESSION_ERROR;
        if (d) {
            hi = mid;
        } else {
            lo = mid;
            lo_pc = pc;
        }
    }
    r->v.diverge_at = hi;
    r->v.diverge_pc = lo_pc;
    return 0;
}

/* ---- running every mode -------------------------------------------------------- */

/* Without --max-insns, bare runs at most this many cycles: a guest that
 * never halts (a server loop, `b .`) must not hang the comparison.  A few
 * seconds of host time per run; every mode then stops at the same cycle. */
#define BARE_LIMIT 200000000u

static uint64_t bare_limit(const session_options *o)
{
    return o->max_insns ? o->max_insns : BARE_LIMIT;
}

/* The limit of a mode's run: the user's; bare's default limit if bare hit
 * it; or enough to finish whatever bare did - a run that needs more than
 * twice as long has diverged anyway. */
static uint64_t mode_limit(const session_options *o, const probe *bare)
{
    if (o->max_insns)
        return o->max_insns;
    if (bare->out.end == VMM_END_LIMIT)
        return BARE_LIMIT;
    return 2 * bare->cycles + 1000000u;
}

static const char *image_of(vmm_mode m, const char *image, const compare_args *a)
{
    if (a->pv_image && strcmp(mode_name(m), "pv") == 0)
        return a->pv_image;
    return image;
}

/* Host time is noise at the scale of one run of a small guest: guestos
 * runs for ~2 ms, and a timer tick, a cold cache or the other programs on
 * the host can double that.  The runs are deterministic, so a mode is run
 * again and again until its runs add up to TIME_BUDGET seconds (or the
 * timing, with each run's setup, has taken twice that, or there have been
 * TIME_RUNS runs), and the fastest run is the one reported: noise only
 * ever adds time.  A run that took TIME_BUDGET by itself - a guest that
 * runs for seconds - is not repeated.  (print_help gives these numbers.) */
#define TIME_BUDGET 0.15
#define TIME_RUNS   100

static int time_mode(const probe_input *in, result *r, uint64_t limit)
{
    double ran = r->p.seconds, started = probe_now();
    r->best = r->p.seconds;
    r->runs = 1;
    while (ran < TIME_BUDGET && probe_now() - started < 2 * TIME_BUDGET &&
           r->runs < TIME_RUNS) {
        double seconds;
        int rc = probe_time(in, r->mode, limit, &seconds);
        if (rc)
            return rc;
        ran += seconds;
        r->runs++;
        if (seconds < r->best)
            r->best = seconds;
    }
    return 0;
}

static int run_mode(const context *cx, const compare_args *a, result *rows, int *n, vmm_mode m)
{
    result *r = &rows[*n];
    const probe *bare = &rows[0].p;
    context mine = *cx;
    r->mode = m;
    r->image = image_of(m, cx->in.image, a);
    /* --pv-image naming IMAGE itself (another path to the same file) is
     * the same image: judged by its whole state, as every other mode. */
    r->same_image = r->image == cx->in.image || t32_out_same_file(r->image, cx->in.image);
    mine.in.image = r->image;
    uint64_t limit = m == VMM_MODE_BARE ? bare_limit(cx->in.o) : mode_limit(cx->in.o, bare);
    int rc = probe_run(&r->p, &mine.in, m, limit);
    if (rc)
        return rc;
    ++*n;
    rc = time_mode(&mine.in, r, limit);
    if (rc)
        return rc;
    r->v = judge(bare, &r->p, r->same_image);   /* bare: itself, identical */
    if (r->v.identical || !r->same_image)
        return 0;
    uint64_t end = bare->cycles > r->p.cycles ? bare->cycles : r->p.cycles;
    return bisect(cx, r, end ? end : 1);
}

/* ---- the table ------------------------------------------------------------------ */

#define MAX_ROWS  64
#define CELL      96

typedef struct table {
    char cells[MAX_ROWS][VMM_NMODES + 1][CELL];
    int  nrows, ncols;
} table;

/* The text of one cell. */
static char *cell(table *t, int row, int col)
{
    return t->cells[row][col];
}

static int add_row(table *t, const char *label)
{
    int r = t->nrows < MAX_ROWS ? t->nrows++ : MAX_ROWS - 1;
    snprintf(cell(t, r, 0), CELL, "%s", label);
    return r;
}

static void set_cell(table *t, int r, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void set_cell(table *t, int r, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cell(t, r, col), CELL, fmt, ap);
    va_end(ap);
}

static const char *end_name(vmm_end end)
{
    switch (end) {
    case VMM_RUNNING:       return "running";
    case VMM_END_HALT:      return "halt";
    case VMM_END_LIMIT:     return "limit";
    case VMM_END_ESCAPE:    return "escape";
    case VMM_END_IDLE:      return "idle";
    case VMM_END_NO_MEMORY: return "no-memory";
    case VMM_END_OUTPUT:    return "output-error";
    case VMM_END_INTERRUPTED: return "interrupted";   /* (compare does not catch Ctrl-C) */
    case VMM_END_STUCK:     return "stuck";
    }
    return "?";
}

/* The share of guest instructions run directly, in percent.  When no
 * instruction ran there is no share - not 100%, which under emulate would
 * say the opposite of what happened - and the callers show "-" (null). */
static double direct_percent(const vmm_stats *st)
{
    return 100.0 * (double)st->direct_insns / (double)st->guest_insns;
}

/* Exits per cause: a row for each cause some mode exited on. */
static void exit_rows(table *t, const result *rows, int n)
{
    for (int c = 0; c < T32_CAUSE_LIMIT; c++) {
        bool any = false;
        for (int i = 0; i < n; i++)
            any |= rows[i].p.stats.exits_by_cause[c] != 0;
        if (!any)
            continue;
        char label[40];
        snprintf(label, sizeof label, "  %s", t32_cause_name((t32_cause)c));
        int r = add_row(t, label);
        for (int i = 0; i < n; i++) {
            if (rows[i].mode == VMM_MODE_BARE)
                set_cell(t, r, i + 1, "-");
            else
                set_cell(t, r, i + 1, "%" PRIu64, rows[i].p.stats.exits_by_cause[c]);
        }
    }
}

/* A counter of a run, by its offset in vmm_stats. */
static uint64_t counter(const vmm_stats *st, size_t off)
{
    uint64_t value;
    memcpy(&value, (const char *)st + off, sizeof value);
    return value;
}

/* The counters a comparison is about - instructions patched (bt) and
 * hypercalls (pv) - get a row even when every mode counted none: that no
 * mode made a hypercall is a finding too. */
static bool always_shown(size_t off)
{
    return off == offsetof(vmm_stats, bt_patches) || off == offsetof(vmm_stats, hypercalls);
}

/* One counter's row.  A bare machine has only the STATS_ALL counters (the
 * others show "-"); a mode's own other counters (STATS_BT, STATS_PV) get a row
 * only when some mode counted something. */
static void stat_row(table *t, const result *rows, int n, const char *label, int shown,
                     size_t off)
{
    bool any = always_shown(off);
    for (int i = 0; i < n; i++)
        any |= counter(&rows[i].p.stats, off) != 0;
    if ((shown == STATS_BT || shown == STATS_PV) && !any)
        return;
    int r = add_row(t, label);
    for (int i = 0; i < n; i++) {
        if (rows[i].mode == VMM_MODE_BARE && shown != STATS_ALL)
            set_cell(t, r, i + 1, "-");
        else
            set_cell(t, r, i + 1, "%" PRIu64, counter(&rows[i].p.stats, off));
    }
}

/* Every counter of report/stats.h, in its order, with its label, the
 * direct share after the instruction split and the causes after exits. */
static void stats_rows(table *t, const result *rows, int n)
{
#define STAT_ROW(field, label, shown)                                           \
    stat_row(t, rows, n, label, shown, offsetof(vmm_stats, field));             \
    if (offsetof(vmm_stats, field) == offsetof(vmm_stats, emulated_insns)) {    \
        int r_ = add_row(t, "  direct share");                                  \
        for (int i = 0; i < n; i++)                                             \
            if (rows[i].p.stats.guest_insns == 0)                               \
                set_cell(t, r_, i + 1, "-");                                    \
            else                                                                \
                set_cell(t, r_, i + 1, "%.2f%%", direct_percent(&rows[i].p.stats)); \
    }                                                                           \
    if (offsetof(vmm_stats, field) == offsetof(vmm_stats, exits_total))         \
        exit_rows(t, rows, n);
    VMM_STATS(STAT_ROW)
#undef STAT_ROW
}

/* The registers cell: a run that went its own way differs in most of
 * them, and a list of twenty would push the table apart - so up to three
 * are named ("r1, r2 and r9"), more are counted ("pc, psr and 15 more").
 * --json has them all. */
static void registers_cell(table *t, int row, int col, const char *names)
{
    char copy[sizeof ((verdict *)0)->regs_differ];
    const char *name[3];
    int n = 0;
    snprintf(copy, sizeof copy, "%s", names);
    for (char *w = strtok(copy, " "); w; w = strtok(NULL, " "), n++)
        if (n < 3)
            name[n] = w;
    if (n == 1)
        set_cell(t, row, col, "%s", name[0]);
    else if (n == 2)
        set_cell(t, row, col, "%s and %s", name[0], name[1]);
    else if (n == 3)
        set_cell(t, row, col, "%s, %s and %s", name[0], name[1], name[2]);
    else
        set_cell(t, row, col, "%s, %s and %d more", name[0], name[1], n - 2);
}

static void verdict_cells(table *t, const context *cx, const result *r, int col, int rows_at)
{
    const verdict *v = &r->v;
    if (r->mode == VMM_MODE_BARE) {
        set_cell(t, rows_at, col, "%zu byte%s", r->p.conlen, r->p.conlen == 1 ? "" : "s");
        set_cell(t, rows_at + 1, col, "reference");
        set_cell(t, rows_at + 2, col, "%016" PRIx64, r->p.ram_hash);
        set_cell(t, rows_at + 3, col, "reference");
        return;
    }
    if (v->console)
        set_cell(t, rows_at, col, "same");
    else
        set_cell(t, rows_at, col, "differs at byte %zu", v->console_at);
    if (!r->same_image) {
        set_cell(t, rows_at + 1, col, "(other image)");
        set_cell(t, rows_at + 2, col, "(other image)");
        if (v->identical)
            set_cell(t, rows_at + 3, col, "same transcript");
        else if (!v->end)
            set_cell(t, rows_at + 3, col, "ends otherwise");
        else if (v->lines_differ == 0)
            set_cell(t, rows_at + 3, col, "same lines, other order");
        else
            set_cell(t, rows_at + 3, col, "%s%zu line%s differ%s", v->same_order ? "" : "reordered, ",
                     v->lines_differ, v->lines_differ == 1 ? "" : "s",
                     v->lines_differ == 1 ? "s" : "");
        return;
    }
    if (v->regs)
        set_cell(t, rows_at + 1, col, "same");
    else
        registers_cell(t, rows_at + 1, col, v->regs_differ);
    set_cell(t, rows_at + 2, col, "%s", v->ram ? "same" : "differs");
    if (v->identical) {
        set_cell(t, rows_at + 3, col, "identical");
    } else {
        char where[256];
        session_describe_pc(where, sizeof where, cx->img, v->diverge_pc);
        set_cell(t, rows_at + 3, col, "first divergence at cycle %" PRIu64, v->diverge_at);
        set_cell(t, rows_at + 4, col, "%s", where);
    }
}

static void fidelity_rows(table *t, const context *cx, const result *rows, int n)
{
    int at = add_row(t, "console");
    add_row(t, "registers");
    add_row(t, "guest RAM");
    add_row(t, "fidelity");
    add_row(t, "  at bare pc");
    for (int i = 0; i < n; i++) {
        set_cell(t, at + 4, i + 1, "-");
        verdict_cells(t, cx, &rows[i], i + 1, at);
    }
}

/* The fastest of each mode's timed runs, and how many there were. */
static void time_rows(table *t, const result *rows, int n)
{
    int ms = add_row(t, "host time (ms)");
    int runs = add_row(t, "  best of runs");
    int slow = add_row(t, "slowdown");
    double base = rows[0].best;
    for (int i = 0; i < n; i++) {
        double ms_best = rows[i].best * 1e3;     /* small guests: 3 significant digits */
        set_cell(t, ms, i + 1, ms_best >= 1 ? "%.3f" : "%.3g", ms_best);
        set_cell(t, runs, i + 1, "%d", rows[i].runs);
        if (base > 0)
            set_cell(t, slow, i + 1, "%.2fx", rows[i].best / base);
        else
            set_cell(t, slow, i + 1, "-");
    }
}

static void print_table(const table *t)
{
    int width[VMM_NMODES + 1] = { 0 };
    for (int r = 0; r < t->nrows; r++)
        for (int c = 0; c < t->ncols; c++) {
            int len = (int)strlen(t->cells[r][c]);
            width[c] = len > width[c] ? len : width[c];
        }
    for (int r = 0; r < t->nrows; r++) {
        printf("%-*s", width[0], t->cells[r][0]);
        for (int c = 1; c < t->ncols; c++)
            printf("  %*s", width[c], t->cells[r][c]);
        printf("\n");
    }
}

static void print_text(const context *cx, const result *rows, int n, const char *disk)
{
    table *t = calloc(1, sizeof *t);
    if (!t) {
        fprintf(stderr, "trapeze compare: error: out of memory\n");
        return;
    }
    t->ncols = n + 1;
    printf("trapeze compare: %s%s%s\n\n", cx->in.image, disk ? " --disk " : "", disk ? disk : "");
    int head = add_row(t, "");
    int images = -1;
    for (int i = 0; i < n; i++) {
        set_cell(t, head, i + 1, "%s", mode_name(rows[i].mode));
        if (!rows[i].same_image && images < 0)
            images = add_row(t, "image");
    }
    for (int i = 0; images >= 0 && i < n; i++)
        set_cell(t, images, i + 1, "%s", rows[i].same_image ? "IMAGE" : "--pv-image");
    int end = add_row(t, "end");
    int cycles = add_row(t, "cycles");
    for (int i = 0; i < n; i++) {
        set_cell(t, end, i + 1, "%s", end_name(rows[i].p.out.end));
        set_cell(t, cycles, i + 1, "%" PRIu64, rows[i].p.cycles);
    }
    stats_rows(t, rows, n);
    fidelity_rows(t, cx, rows, n);
    time_rows(t, rows, n);
    print_table(t);
    free(t);
}

/* ---- JSON ------------------------------------------------------------------------- */

/* Every string goes through the shared writer: it escapes what is not
 * printable ASCII (an image name need not be UTF-8). */
static void json_string(const char *s)
{
    stats_json_string(stdout, s);
}

static void json_stats(const vmm_stats *st)
{
    printf("      \"stats\": {");
    const char *sep = "";
#define MEMBER(field, label, on_bare)                                 \
    printf("%s\"" #field "\": %" PRIu64, sep, st->field);            \
    sep = ", ";
    VMM_STATS(MEMBER)
#undef MEMBER
    printf(", \"exits_by_cause\": {");
    sep = "";
    for (int c = 0; c < T32_CAUSE_LIMIT; c++) {
        if (st->exits_by_cause[c] == 0)
            continue;
        printf("%s", sep);
        json_string(t32_cause_name((t32_cause)c));
        printf(": %" PRIu64, st->exits_by_cause[c]);
        sep = ", ";
    }
    printf("}},\n");
}

/* One shape for every mode, bare included (the reference, identical to
 * itself), so a reader takes fidelity.identical of any mode alike. */
static void json_verdict(const context *cx, const result *r)
{
    const verdict *v = &r->v;
    printf("      \"fidelity\": {\"reference\": %s, \"identical\": %s, \"end\": %s, "
           "\"console\": %s", r->mode == VMM_MODE_BARE ? "true" : "false",
           v->identical ? "true" : "false", v->end ? "true" : "false",
           v->console ? "true" : "false");
    if (!v->console)
        printf(", \"console_differs_at\": %zu", v->console_at);
    if (!r->same_image && !v->console)
        printf(", \"lines_differ\": %zu, \"same_order\": %s", v->lines_differ,
               v->same_order ? "true" : "false");
    if (r->same_image) {
        printf(", \"cycles\": %s, \"registers\": %s, \"ram\": %s",
               v->cycles ? "true" : "false", v->regs ? "true" : "false",
               v->ram ? "true" : "false");
        if (!v->regs) {
            printf(", \"registers_differing\": ");
            json_string(v->regs_differ);
        }
    }
    if (v->diverge_at) {
        char where[256];
        session_describe_pc(where, sizeof where, cx->img, v->diverge_pc);
        printf(", \"first_divergence\": {\"cycle\": %" PRIu64 ", \"bare_pc\": ", v->diverge_at);
        json_string(where);
        printf("}");
    }
    printf("},\n");
}

/* One object per mode; the host times on lines of their own, last. */
static void print_json(const context *cx, const result *rows, int n, const char *disk)
{
    printf("{\n  \"image\": ");
    json_string(cx->in.image);
    printf(",\n  \"disk\": ");
    if (disk)
        json_string(disk);
    else
        printf("null");
    printf(",\n  \"modes\": [\n");
    for (int i = 0; i < n; i++) {
        const probe *p = &rows[i].p;
        printf("    {\n      \"mode\": ");
        json_string(mode_name(rows[i].mode));
        printf(",\n      \"image\": ");
        json_string(rows[i].image);
        printf(",\n      \"end\": ");
        json_string(end_name(p->out.end));
        printf(",\n      \"cycles\": %" PRIu64 ",\n", p->cycles);
        json_stats(&p->stats);
        if (p->stats.guest_insns == 0)
            printf("      \"direct_percent\": null,\n");
        else
            printf("      \"direct_percent\": %.2f,\n", direct_percent(&p->stats));
        printf("      \"console_bytes\": %zu,\n", p->conlen);
        printf("      \"ram_hash\": \"%016" PRIx64 "\",\n", p->ram_hash);
        json_verdict(cx, &rows[i]);
        printf("      \"host_ms\": %.4f,\n", rows[i].best * 1e3);
        printf("      \"host_runs\": %d,\n", rows[i].runs);
        if (rows[0].best > 0)
            printf("      \"slowdown\": %.3f\n", rows[i].best / rows[0].best);
        else
            printf("      \"slowdown\": null\n");
        printf("    }%s\n", i + 1 < n ? "," : "");
    }
    printf("  ]\n}\n");
}

/* ---- the command ------------------------------------------------------------------ */

/* A paravirtual kernel given as IMAGE stops at its first hcall on bare T32
 * (hcall is ILLEGAL there) and so in every mode but pv: the table shows
 * runs of a few cycles that "escape", and a pv column that "diverges".
 * Say why, and how to compare it: the unmodified kernel as IMAGE, this
 * one as --pv-image. */
static void explain_pv_image(const context *cx, const probe *bare, const char *disk)
{
    const vmm_outcome *out = &bare->out;
    if (out->end != VMM_END_ESCAPE || out->trap.cause != T32_CAUSE_ILLEGAL ||
        T32_OPC(out->trap.insn) != T32_OP_HCALL)
        return;
    char where[256];
    session_describe_pc(where, sizeof where, cx->img, out->pc);
    fflush(stdout);
    fprintf(stderr, "trapeze compare: %s is a paravirtual kernel: it stops at its first hcall "
            "(hypercall %" PRIu32 ", at pc %s) on bare T32 and in every mode but pv\n",
            cx->in.image, T32_IMM16(out->trap.insn), where);
    fprintf(stderr, "trapeze compare: to compare it, give the unmodified kernel as IMAGE and "
            "this one to pv: trapeze compare --pv-image %s%s%s KERNEL\n", cx->in.image,
            disk ? " --disk " : "", disk ? disk : "");
}

/* The disk's bytes, read once: every run gets its own copy in memory. */
static int read_disk(const char *path, uint8_t **bytes, size_t *len)
{
    t32_disk d;
    const char *err = NULL;
    *bytes = NULL;
    *len = 0;
    if (!path)
        return 0;
    if (!t32_disk_open_copy(&d, path, &err)) {
        fprintf(stderr, "%s: error: %s\n", path, err ? err : "cannot use this disk image");
        return SESSION_ERROR;
    }
    *len = (size_t)d.nsectors * T32_SECTOR_SIZE;
    *bytes = malloc(*len);
    if (*bytes)
        memcpy(*bytes, d.data, *len);
    t32_disk_free(&d);
    if (!*bytes) {
        fprintf(stderr, "trapeze compare: error: out of memory for the disk\n");
        return SESSION_ERROR;
    }
    return 0;
}

/* The console input's bytes, read once: every run is given the same ones,
 * where reading the file again would give a pipe's or a fifo's bytes to
 * the first run alone.  (A fifo that no process writes reads as empty
 * after a short grace: t32_in_open.) */
#define INPUT_MAX (64u << 20)
static int read_input(const char *path, uint8_t **bytes, size_t *len)
{
    *bytes = NULL;
    *len = 0;
    if (!path)
        return 0;
    FILE *f = t32_in_open(path);
    if (!f) {
        fprintf(stderr, "%s: error: %s\n", path, strerror(errno));
        return SESSION_ERROR;
    }
    /* Room for one byte past the bound, which only tells it is exceeded
     * (untouched pages of a large malloc cost nothing). */
    struct stat st;
    bool dir = fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode);
    *bytes = dir ? NULL : malloc(INPUT_MAX + 1);
    *len = *bytes ? fread(*bytes, 1, INPUT_MAX + 1, f) : 0;
    const char *problem = dir ? "is a directory" : !*bytes ? "out of memory for the console input"
                        : ferror(f) ? "read failed"
                        : *len > INPUT_MAX ? "console input larger than 64 MiB" : NULL;
    fclose(f);
    if (problem) {
        fprintf(stderr, "%s: error: %s\n", path, problem);
        free(*bytes);
        *bytes = NULL;
        *len = 0;
        return SESSION_ERROR;
    }
    uint8_t *fit = realloc(*bytes, *len ? *len : 1);   /* give the rest back */
    *bytes = fit ? fit : *bytes;
    return 0;
}

static int run_all(context *cx, const compare_args *a, result *rows, int *n)
{
    session_hint(true);
    int rc = run_mode(cx, a, rows, n, VMM_MODE_BARE);
    if (rc == 0 && !cx->in.o->max_insns && rows[0].p.out.end == VMM_END_LIMIT)
        fprintf(stderr, "trapeze compare: the guest did not halt on bare T32 within %u "
                "cycles; every mode stops there (--max-insns N sets the limit)\n",
                BARE_LIMIT);
    for (int m = 0; rc == 0 && m < VMM_NMODES; m++)
        if (mode_get((vmm_mode)m))
            rc = run_mode(cx, a, rows, n, (vmm_mode)m);
    session_hint(false);
    return rc;
}

/* Is PATH an image a run can load?  Asked of --pv-image before any mode
 * runs, as of IMAGE: a bad file argument is refused up front, not after
 * every other mode has taken its turn. */
static bool image_usable(const char *path)
{
    t32_image img;
    char err[256];
    if (!t32_image_read(path, &img, err, sizeof err)) {
        fprintf(stderr, "%s: error: %s\n", path, err);
        return false;
    }
    t32_image_free(&img);
    return true;
}

static int compare(const session_options *o, const compare_args *a)
{
    t32_image img;
    char err[256];
    if (!t32_image_read(o->guests[0].image, &img, err, sizeof err)) {
        fprintf(stderr, "%s: error: %s\n", o->guests[0].image, err);
        return SESSION_ERROR;
    }
    if (a->pv_image && !image_usable(a->pv_image)) {
        t32_image_free(&img);
        return SESSION_ERROR;
    }
    context cx = { .in = { .o = o, .image = o->guests[0].image }, .img = &img };
    uint8_t *disk, *input = NULL;
    result rows[VMM_NMODES];
    int n = 0;
    int rc = read_disk(o->guests[0].disk, &disk, &cx.in.disklen);
    cx.in.disk = disk;
    if (rc == 0)
        rc = read_input(o->guests[0].input, &input, &cx.in.inputlen);
    cx.in.input = input;
    if (rc == 0)
        rc = run_all(&cx, a, rows, &n);
    if (rc == 0) {
        if (a->json)
            print_json(&cx, rows, n, o->guests[0].disk);
        else
            print_text(&cx, rows, n, o->guests[0].disk);
        explain_pv_image(&cx, &rows[0].p, o->guests[0].disk);
        for (int i = 1; i < n; i++)
            rc |= !rows[i].v.identical;
    }
    for (int i = 0; i < n; i++)
        probe_free(&rows[i].p);
    free(disk);
    free(input);
    t32_image_free(&img);
    if (session_check_stdout("compare") != 0)
        return SESSION_ERROR;
    return rc ? SESSION_ERROR : 0;
}

int cmd_compare(int argc, char **argv)
{
    if (session_asks_help(argc, argv)) {
        print_help();
        return 0;
    }
    /* Found before session_parse, which would take compare's guest for a
     * bare run and suggest --mode - which compare refuses too. */
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--switch-mode") == 0 || strncmp(argv[i], "--switch-mode=", 14) == 0)
            return session_usage_error("compare", "--switch-mode is not for compare (it "
                                       "runs one guest, one vCPU, in every mode, and reports "
                                       "itself)");
    session_options o;
    compare_args a = { 0 };
    int rc = session_parse(&o, argc, argv, "compare", extra_option, &a);
    if (rc == 0)
        rc = check_args(&o);
    if (rc == 0)
        rc = compare(&o, &a);
    return rc;
}
