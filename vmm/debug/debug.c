/*
 * debug.c - the debugger's commands: one table, gdb's words.
 *
 * A line is `WORD[/FMT] ARGS`.  WORD is a command's name, one of its
 * aliases (b, c, si, p, bt ...) or any prefix that names one command only;
 * /FMT is x's, print's and display's format (x/8xw).  A blank line typed at
 * the prompt repeats the last command (x and list go on from where they
 * stopped); in a script it does nothing.  A `#` that starts a word begins
 * a comment (cut_comment).
 *
 * Every handler checks its arguments before it changes anything, so a
 * mistake is one line of error and the guest as it was.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "outfile.h"
#include "vmm/debug/internal.h"
#include "vmm/modes/mode.h"

/* ---- errors and words ---------------------------------------------------------------------- */

bool dbg_error(debugger *d, const char *fmt, ...)
{
    if (d->error_to) {          /* a display keeps its error in its own line */
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(d->error_to, d->error_len, fmt, ap);
        va_end(ap);
        return false;
    }
    fflush(d->out);
    if (d->origin)
        fprintf(stderr, "%s:%d: ", d->origin, d->origin_line);
    fprintf(stderr, "error: ");
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    fflush(stderr);
    return false;
}

char *dbg_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

char *dbg_word(char **p)
{
    char *s = *p;
    while (isspace((unsigned char)*s))
        s++;
    if (!*s)
        return NULL;
    char *w = s;
    while (*s && !isspace((unsigned char)*s))
        s++;
    if (*s)
        *s++ = '\0';
    *p = s;
    return w;
}

/* A double-quoted word ("out/a picture.dot"): a file name with blanks.
 * Inside, \" is a quote and \\ a backslash; the name is unquoted in place.
 * A bare word is taken as it is. */
bool dbg_file_word(debugger *d, char **p, char **word)
{
    char *s = *p;
    while (isspace((unsigned char)*s))
        s++;
    if (*s != '"')
        return *word = dbg_word(p), true;
    char *w = ++s, *o = s;
    for (; *s && *s != '"'; s++)
        *o++ = s[0] == '\\' && (s[1] == '"' || s[1] == '\\') ? *++s : *s;
    if (*s != '"')
        return dbg_error(d, "a quoted name without its closing '\"'");
    if (s[1] && !isspace((unsigned char)s[1]))
        return dbg_error(d, "junk after the quoted name: '%s'", s + 1);
    if (o == w)
        return dbg_error(d, "an empty file name");
    *o = '\0';
    *p = s[1] ? s + 2 : s + 1;
    *word = w;
    return true;
}

/* ---- running commands ------------------------------------------------------------------------ */

/* A count (continue N, si N ...): 1..2^31-1.  An expression is 32 bits
 * that wrap, so -1 would be 4294967295 steps; it is refused instead. */
static bool count_arg(debugger *d, char *args, uint64_t *n)
{
    uint32_t v = 1;
    if (*args && !expr_eval(d, args, &v))
        return false;
    if (v == 0)
        return dbg_error(d, "a count must be at least 1");
    if (v > INT32_MAX)    /* (as typed: 4294967295 and -1 are the same 32 bits) */
        return dbg_error(d, "a count must be positive (at most %" PRId32 "), not %s",
                         INT32_MAX, dbg_trim(args));
    *n = v;
    return true;
}

static bool c_stepi(debugger *d, const char *fs, char *args)
{
    uint64_t n = 1;
    (void)fs;
    return count_arg(d, args, &n) && dbg_stepi(d, n, false);
}

static bool c_nexti(debugger *d, const char *fs, char *args)
{
    uint64_t n = 1;
    (void)fs;
    return count_arg(d, args, &n) && dbg_stepi(d, n, true);
}

/* continue N, as gdb: the point the guest is stopped at is passed N-1
 * more times without a stop; any other stop (another point, an event, the
 * end) ends the count there.  Only the last stop is reported. */
static bool c_continue(debugger *d, const char *fs, char *args)
{
    (void)fs;
    uint64_t n = 1;
    if (*args && !count_arg(d, args, &n))
        return false;
    if (n == 1 || !dbg_alive(d))
        return dbg_continue(d, 0, 0);
    int id = d->hit_id;            /* what stopped the guest last, if a point did ... */
    bool still = false;            /* ... and is still there (not deleted since) */
    for (int i = 0; i < DBG_MAX_POINTS && id != 0; i++)
        still |= d->pts[i].id == id;
    if (!still) {
        fprintf(d->out, "Not stopped at any breakpoint; the count %" PRIu64 " is ignored.\n", n);
        return dbg_continue(d, 0, 0);
    }
    fprintf(d->out, "Will ignore next %" PRIu64 " crossing%s of breakpoint %d.  Continuing.\n",
            n - 1, n == 2 ? "" : "s", id);
    return dbg_continue(d, id, n - 1);
}

static bool c_finish(debugger *d, const char *fs, char *args)
{
    (void)fs, (void)args;
    return dbg_finish(d);
}

static bool c_advance(debugger *d, const char *fs, char *args)
{
    (void)fs;
    uint32_t a;
    if (!*args)
        return dbg_error(d, "argument required (a location)");
    return expr_code_location(d, args, &a) && dbg_run_to(d, a, false);
}

/* until: with a location, advance; without, step over calls and do not go
 * back round a loop - stop at the first pc after the current one. */
static bool c_until(debugger *d, const char *fs, char *args)
{
    if (*args)
        return c_advance(d, fs, args);
    uint32_t w, pc = dbg_pc(d);
    if (!dbg_need_alive(d))
        return false;
    bool backward = dbg_read_virt(d, pc, &w, 4) && T32_OPC(w) >= T32_OP_B &&
                    T32_OPC(w) <= T32_OP_BLEU && (int32_t)T32_OFF24(w) <= 0;
    return backward ? dbg_run_to(d, pc + 4, true) : dbg_stepi(d, 1, true);
}

static bool c_kill(debugger *d, const char *fs, char *args)
{
    (void)fs, (void)args;
    if (!dbg_need_alive(d))
        return false;
    dbg_kill(d);
    fprintf(d->out, "[guest killed]\n");
    return true;
}

static bool c_run(debugger *d, const char *fs, char *args)
{
    (void)fs, (void)args;
    dbg_restart(d);
    return true;
}

static bool c_quit(debugger *d, const char *fs, char *args)
{
    (void)fs, (void)args;
    d->done = true;
    return true;
}

/* ---- breakpoints --------------------------------------------------------------------------- */

static const struct { const char *word; dbg_kind kind; } event_words[] = {
    { "exit", BP_EXIT }, { "emulate", BP_EMULATE }, { "reflect", BP_REFLECT },
    { "inject", BP_INJECT }, { "hidden-fault", BP_HIDDEN }, { "mode-switch", BP_MODESWITCH },
    { "patch", BP_PATCH }, { "hcall", BP_HCALL },
};
#define NEVENT_WORDS (int)(sizeof event_words / sizeof event_words[0])

static bool add_break(debugger *d, char *args, bool temp)
{
    char copy[256];
    snprintf(copy, sizeof copy, "%s", args);
    char *rest = copy, *w = dbg_word(&rest);
    for (int i = 0; w && i < NEVENT_WORDS; i++)
        if (strcmp(w, event_words[i].word) == 0)
            return points_add(d, event_words[i].kind, dbg_trim(rest), temp);
    return points_add(d, BP_ADDR, args, temp);
}

static bool c_break(debugger *d, const char *fs, char *args)
{
    (void)fs;
    return add_break(d, args, false);
}

static bool c_tbreak(debugger *d, const char *fs, char *args)
{
    (void)fs;
    return add_break(d, args, true);
}

static bool c_watch(debugger *d, const char *fs, char *args)
{
    (void)fs;
    return points_add(d, BP_WATCH, args, false);
}

static bool c_rwatch(debugger *d, const char *fs, char *args)
{
    (void)fs;
    return points_add(d, BP_RWATCH, args, false);
}

static bool c_delete(debugger *d, const char *fs, char *args)
{
    (void)fs;
    return points_command(d, "delete", args);
}

static bool c_disable(debugger *d, const char *fs, char *args)
{
    (void)fs;
    return points_command(d, "disable", args);
}

static bool c_enable(debugger *d, const char *fs, char *args)
{
    (void)fs;
    return points_command(d, "enable", args);
}

/* ---- reverse execution ---------------------------------------------------------------------- */

/* Reverse execution follows one clock: the VM's time, which is vCPU 0's
 * (vmm_vm_time; reverse.h).  Another vCPU's instructions do not line up
 * with it - vCPU 1 may be halted while vCPU 0 runs on - so "one of its
 * instructions back" has no checkpoint to go to: with another vCPU
 * selected the reverse commands refuse rather than move vCPU 0. */
static bool need_reverse(debugger *d)
{
    if (!d->rev)
        return dbg_error(d, "no checkpoints: reverse execution is off (out of memory?)");
    /* kill ends the guest for good: its history is no way back to life,
     * only `run` starts it again. */
    if (d->killed)
        return dbg_need_alive(d);
    if (d->v && d->vcpu != 0)
        return dbg_error(d, "reverse execution follows vCPU 0's time (the VM's): "
                         "select it first (vcpu 0)");
    return true;
}

/* Why a step back to `cycle` failed. */
static bool cannot_go_back(debugger *d, uint64_t cycle)
{
    uint64_t cut;
    if (reverse_cut_at(d->rev, d->vm, &cut) && cycle < cut)
        return dbg_error(d, "cycle %" PRIu64 " is before the change made by hand (set, mode) "
                         "at cycle %" PRIu64 ": the guest never ran with it there", cycle, cut);
    return dbg_error(d, "cycle %" PRIu64 " is before the first checkpoint", cycle);
}

/* After a step back the guest is at a time it reached while running, so
 * it runs again.  A VM's outcome came back with the checkpoint; a bare
 * machine's end (a halt, --max-insns, an escaped trap) is the debugger's
 * own note, taken back here.  (Not kill's: need_reverse refuses then.) */
static void after_reverse(debugger *d)
{
    if (dbg_bare(d))
        d->bare_out = (vmm_outcome){ .end = VMM_RUNNING };
    d->hit_id = 0;
    d->nevents = 0;
    d->interrupted = 0;
    dbg_report_stop(d, false);
}

static bool c_reverse_stepi(debugger *d, const char *fs, char *args)
{
    uint64_t n = 1, now;
    (void)fs;
    if (!count_arg(d, args, &n) || !need_reverse(d))
        return false;
    now = dbg_time(d);          /* vCPU 0's: need_reverse saw to it */
    if (n > now)
        return dbg_error(d, "cannot go back %" PRIu64 " cycle%s: the run is at cycle %" PRIu64,
                         n, n == 1 ? "" : "s", now);
    if (!reverse_goto(d->rev, d->vm, now - n))
        return cannot_go_back(d, now - n);
    after_reverse(d);
    return true;
}

/* reverse-continue: the last boundary before now where a breakpoint
 * would have stopped or a VMM event point fired (after the event, as
 * continue stops), or before the instruction that stores to a watched
 * word (loads, for rwatch) or during which its value changed (a DMA, a
 * hypercall: what forward execution's watch sees, by comparing). */
static reverse_hit reverse_hit_at(void *ctx, reverse_ask at)
{
    debugger *d = ctx;
    if (at == REVERSE_FIRST)    /* an event seen now happened in another run */
        d->hit_id = 0, d->tentative_k = false;
    bool event = d->hit_id != 0 && dbg_event_stop_stands(d);   /* as continue does */
    /* (an event of this very cycle retired nothing: it came before this
     * boundary's instruction, which is to be retried) */
    bool in_place = event && d->hit_event >= 0 &&
                    d->events[d->hit_event % DBG_MAX_EVENTS].cycle == dbg_time(d);
    bool here = event, before = false;
    d->hit_id = 0;
    if (d->v)
        d->v->stop = false;
    uint32_t regs[16], word;
    for (int r = 0; r < 16; r++)
        regs[r] = dbg_reg(d, r);
    bool have = dbg_read_virt(d, dbg_pc(d), &word, 4);
    bool other = false;         /* a breakpoint or watchpoint here too: it comes first */
    if (at != REVERSE_LAST)     /* (the next interval's first boundary asked these) */
        other |= points_at(d, d->vm, dbg_pc(d)) != NULL;
    for (int i = 0; i < DBG_MAX_POINTS; i++) {
        dbg_point *p = &d->pts[i];
        uint32_t now;
        if (!p->id || !p->enabled || (p->kind != BP_WATCH && p->kind != BP_RWATCH) ||
            (p->vm >= 0 && p->vm != d->vm))
            continue;
        if (at != REVERSE_LAST)
            other |= points_about_to_touch(p, have, word, regs);
        if (p->kind == BP_WATCH && dbg_read_virt(d, p->addr, &now, 4)) {
            before |= at != REVERSE_FIRST && now != p->old;
            p->old = now;
        }
    }
    here |= other;
    reverse_hit h = here ? REVERSE_HERE : before ? REVERSE_BEFORE : REVERSE_NO;
    if (h != REVERSE_NO)        /* (the search keeps the last hit: so does this) */
        d->hit_in_place = h == REVERSE_HERE && in_place && !other;
    return h;
}

static bool c_reverse_continue(debugger *d, const char *fs, char *args)
{
    (void)fs, (void)args;
    uint64_t found;
    if (!need_reverse(d))
        return false;
    points_watch_reset(d);
    d->hit_id = 0;
    d->replaying = true;
    d->hit_in_place = false;
    bool any = reverse_find(d->rev, d->vm, dbg_time(d), reverse_hit_at, d, &found);
    d->replaying = false;
    /* An event that retired nothing (a hidden page fault) is found at the
     * boundary its instruction retries from, and the step back lands there
     * before it; forward, continue stopped after it (the shadow entry
     * filled), before the retry.  One step to that event puts the guest
     * where continue did. */
    if (any && d->hit_in_place && !dbg_redo_event_in_place(d))
        any = reverse_goto(d->rev, d->vm, found);
    if (!any) {
        uint64_t cut;
        bool was_cut = reverse_cut_at(d->rev, d->vm, &cut);
        fprintf(d->out, "No breakpoint, watchpoint or VMM event before cycle %" PRIu64
                " since %s.\n", dbg_time(d),
                was_cut ? "the last change made by hand" : "the first checkpoint");
        return true;
    }
    fprintf(d->out, "Back at cycle %" PRIu64 ".\n", found);
    after_reverse(d);
    return true;
}

/* reverse-finish: back to the call of the current frame - the call
 * instruction that made it, not merely the last time the function's first
 * instruction ran (with recursion that is an inner call, already
 * returned), and not a label (a loop's) taken for a function.  No symbols
 * are used: the calls and returns that ran before now are counted.  Going
 * back from now, a return closes a frame the next call (further back)
 * opened; the first call with no such return is this frame's:
 *
 *     call A ... call B ... ret ... call C ... ret ... now
 *       ^ the answer: B and C returned, A did not
 *
 * Only the calls and returns of this frame's context count (dbg_context:
 * not an interrupt handler's, not another process's).
 *
 * reverse_find stops in the newest checkpoint interval that has a call
 * (hit says yes at every call), and every call and return it passed on the
 * way is noted.  If those calls are all matched, the search goes on before
 * the oldest one noted.  A guest that was never called (the top of
 * _start, its loop) has no call to go back to: an error, and the guest
 * stays where it was. */
typedef struct rf_event {
    uint64_t cycle;
    bool     call;          /* else a return */
} rf_event;

typedef struct rf_search {
    debugger *d;
    uint64_t  context;      /* the frame's (dbg_context) */
    rf_event *ev;           /* calls and returns seen by the last search */
    size_t    n, cap;
    bool      nomem;
} rf_search;

static reverse_hit rf_note(void *ctx, reverse_ask at)
{
    rf_search *f = ctx;
    uint32_t pc = dbg_pc(f->d);
    if (at == REVERSE_LAST || dbg_context(f->d) != f->context)
        return REVERSE_NO;    /* (the last: noted as the next interval's first) */
    bool call = dbg_is_call(f->d, pc);
    if (!call && !dbg_is_return(f->d, pc))
        return REVERSE_NO;
    if (f->n == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 256;
        rf_event *ev = realloc(f->ev, cap * sizeof *ev);
        if (!ev) {
            f->nomem = true;
            return REVERSE_NO;
        }
        f->ev = ev, f->cap = cap;
    }
    f->ev[f->n++] = (rf_event){ dbg_time(f->d), call };
    return call ? REVERSE_HERE : REVERSE_NO;
}

static int rf_newest_first(const void *a, const void *b)
{
    uint64_t x = ((const rf_event *)a)->cycle, y = ((const rf_event *)b)->cycle;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* The cycle of this frame's call, if the history has it. */
static bool rf_find_call(debugger *d, uint64_t *call)
{
    rf_search f = { .d = d, .context = dbg_context(d) };
    uint64_t before = dbg_time(d), found;
    uint64_t open = 0;          /* returns seen whose calls are further back */
    bool ok = false;
    d->replaying = true;
    while (!ok && !f.nomem && reverse_find(d->rev, d->vm, before, rf_note, &f, &found)) {
        qsort(f.ev, f.n, sizeof *f.ev, rf_newest_first);
        for (size_t i = 0; i < f.n && !ok; i++) {
            if (!f.ev[i].call)
                open++;
            else if (open == 0)
                ok = true, *call = f.ev[i].cycle;
            else
                open--;
        }
        before = f.n ? f.ev[f.n - 1].cycle : found;   /* each event counted once */
        f.n = 0;
    }
    d->replaying = false;
    free(f.ev);
    return ok && !f.nomem;
}

static bool c_reverse_finish(debugger *d, const char *fs, char *args)
{
    (void)fs, (void)args;
    if (!need_reverse(d))
        return false;
    uint64_t now = dbg_time(d), call, cut;
    if (!rf_find_call(d, &call) || !reverse_goto(d->rev, d->vm, call)) {
        reverse_goto(d->rev, d->vm, now);   /* a failed command leaves the guest as it was */
        if (reverse_cut_at(d->rev, d->vm, &cut))
            return dbg_error(d, "no call of this frame since the last change made by hand "
                             "(cycle %" PRIu64 ")", cut);
        return dbg_error(d, "no call of this frame since the first checkpoint "
                         "(it was never called: the top of the program?)");
    }
    fprintf(d->out, "Run back to the call\n");
    after_reverse(d);
    return true;
}

/* ---- info ------------------------------------------------------------------------------------ */

static bool i_breakpoints(debugger *d, char *args)
{
    (void)args;
    points_info(d);
    return true;
}

static bool i_display(debugger *d, char *args)
{
    (void)args;
    show_display_list(d);
    return true;
}

static bool i_all_registers(debugger *d, char *args)
{
    return dc_info_registers(d, args) && dc_info_sysregs(d, args);
}

static bool i_checkpoints(debugger *d, char *args)
{
    (void)args;
    if (!d->rev)
        return dbg_error(d, "no checkpoints: reverse execution is off (out of memory?)");
    int n = reverse_count(d->rev);
    fprintf(d->out, "%d checkpoint%s, %zu bytes\n", n, n == 1 ? "" : "s", reverse_bytes(d->rev));
    return true;
}

static const struct info_cmd {
    const char *name;
    bool (*fn)(debugger *d, char *args);
    const char *help;
} infos[] = {
    { "registers", dc_info_registers, "general registers, pc and psr (or the ones named)" },
    { "all-registers", i_all_registers, "every register, system registers too" },
    { "sysregs", dc_info_sysregs, "the system registers (a VM's: virtual)" },
    { "breakpoints", i_breakpoints, "breakpoints, watchpoints and VMM event points" },
    { "watchpoints", i_breakpoints, "the same as info breakpoints" },
    { "display", i_display, "the expressions shown at every stop" },
    { "symbol", dc_info_symbol, "the symbol an address is in: info symbol ADDR" },
    { "line", dc_info_line, "the source line of an address: info line [LOCATION]" },
    { "state", dc_info_state, "cycle, pc and hashes of registers and memory" },
    { "checkpoints", i_checkpoints, "how many checkpoints reverse execution holds" },
    { "vcpu", dc_info_vcpu, "the vCPU's virtual state next to the real CPU's" },
    { "exits", dc_info_exits, "exits to the VMM, by cause, and where each went" },
    { "patches", dc_info_patches, "bt: the patch table" },
    { "hypercalls", dc_info_hypercalls, "pv: hypercalls by number" },
    { "vm", dc_info_vm, "the VMs: mode, memory, state" },
    { "pagetable", dc_info_pagetable, "a guest virtual address, walked step by step" },
};
#define NINFOS (int)(sizeof infos / sizeof infos[0])

/* The info sub-commands that take something: names, an address, a
 * location.  The others refuse extra words rather than ignore them. */
static bool info_takes_args(bool (*fn)(debugger *d, char *args))
{
    return fn == dc_info_registers || fn == i_all_registers || fn == dc_info_symbol ||
           fn == dc_info_line || fn == dc_info_pagetable;
}

static bool c_info(debugger *d, const char *fs, char *args)
{
    (void)fs;
    char *w = dbg_word(&args);
    if (!w) {
        fprintf(d->out, "info needs a sub-command:\n");
        for (int i = 0; i < NINFOS; i++)
            fprintf(d->out, "  info %-14s %s\n", infos[i].name, infos[i].help);
        return true;
    }
    int found = -1, n = 0;
    for (int i = 0; i < NINFOS; i++) {
        if (strcmp(infos[i].name, w) == 0) {
            found = i, n = 1;
            break;
        }
        if (strncmp(infos[i].name, w, strlen(w)) == 0)
            found = i, n++;
    }
    if (n == 0)
        return dbg_error(d, "undefined info command: \"%s\" (try: help info)", w);
    if (n > 1 && strcmp(w, "r") != 0 && strcmp(w, "b") != 0)
        return dbg_error(d, "ambiguous info command \"%s\"", w);
    if (n > 1)
        found = w[0] == 'r' ? 0 : 3;
    args = dbg_trim(args);
    if (*args && !info_takes_args(infos[found].fn))
        return dbg_error(d, "info %s takes no arguments", infos[found].name);
    return infos[found].fn(d, args);
}

/* ---- the table ------------------------------------------------------------------------------- */

static bool c_help(debugger *d, const char *fs, char *args);

/* What a blank line at the prompt does after each command, as in gdb: the
 * same command again (REPEAT: the steps, print, info ...), or x and list
 * going on from where they stopped (NO_ARGS_REPEAT); 0 for a command that
 * changes the session's setup (break, set, display, mode, run ...) - done
 * twice by a stray Enter it would set a second breakpoint, or start over. */
enum { REPEAT = 1, NO_ARGS_REPEAT = 2 };

static const struct command {
    const char *name, *aliases;   /* aliases: space-separated, each exact */
    dbg_command *fn;
    int repeat;
    const char *usage, *help;
} commands[] = {
    { "break", "b br", c_break, 0, "break [LOCATION] | break EVENT [ARG]",
      "stop before the instruction at LOCATION (*ADDR, SYMBOL[+OFF], FILE:LINE, LINE), or at a\n"
      "VMM event: exit [CAUSE], emulate [MNEMONIC], reflect [CAUSE], inject, hidden-fault,\n"
      "mode-switch (virtual K changes), patch (bt), hcall [N|NAME] (pv)" },
    { "tbreak", NULL, c_tbreak, 0, "tbreak LOCATION|EVENT", "a breakpoint deleted when it stops" },
    { "watch", NULL, c_watch, 0, "watch [*]ADDR", "stop after an instruction writes the word at ADDR (or it changes)" },
    { "rwatch", NULL, c_rwatch, 0, "rwatch [*]ADDR", "stop after an instruction reads the word at ADDR" },
    { "delete", "d", c_delete, 0, "delete [N...]", "delete breakpoints (all without N)" },
    { "disable", NULL, c_disable, 0, "disable [N...]", "disable breakpoints" },
    { "enable", NULL, c_enable, 0, "enable [N...]", "enable breakpoints" },
    { "continue", "c cont fg", c_continue, REPEAT, "continue [N]",
      "run until a breakpoint, an event or the end (Ctrl-C stops it);\n"
      "N: pass the breakpoint it is stopped at N-1 more times" },
    { "stepi", "si", c_stepi, REPEAT, "stepi [N]", "execute N instructions (1); exits to the VMM are told in words" },
    { "nexti", "ni", c_nexti, REPEAT, "nexti [N]", "like stepi, but a call runs to its return" },
    { "finish", "fin", c_finish, REPEAT, "finish", "run until the current function returns" },
    { "until", "u", c_until, REPEAT, "until [LOCATION]", "next instruction, not back round a loop; or advance" },
    { "advance", NULL, c_advance, 0, "advance LOCATION", "run until LOCATION (or another stop)" },
    { "reverse-stepi", "rsi", c_reverse_stepi, REPEAT, "reverse-stepi [N]", "go back N cycles of virtual time" },
    { "reverse-continue", "rc", c_reverse_continue, REPEAT, "reverse-continue", "go back to the last breakpoint, watchpoint or VMM event" },
    { "reverse-finish", NULL, c_reverse_finish, 0, "reverse-finish", "go back to the call of the current function" },
    { "x", NULL, dc_x, NO_ARGS_REPEAT, "x/NFU [ADDR]", "examine guest-virtual memory (through the guest's page tables);\nF: x d u o t c a s i, U: b h w" },
    { "xp", NULL, dc_xp, NO_ARGS_REPEAT, "xp/NFU [ADDR]", "examine guest-physical memory" },
    { "print", "p inspect", dc_print, REPEAT, "print[/F] EXPR", "evaluate: registers ($pc), symbols, *ADDR, C operators" },
    { "set", NULL, dc_set, 0, "set var LHS = EXPR | set $REG = EXPR", "change a register or a word of memory" },
    { "display", NULL, dc_display, 0, "display[/FMT] EXPR", "show EXPR at every stop" },
    { "undisplay", NULL, dc_undisplay, 0, "undisplay [N...]", "stop showing displays" },
    { "disassemble", "disas", dc_disassemble, REPEAT, "disassemble [ADDR | START,END | START,+LEN]", "instructions with symbols and source lines" },
    { "list", "l", dc_list, NO_ARGS_REPEAT, "list [LOC | - | FIRST,LAST]", "source lines (from the image's line table and the files on disk)" },
    { "backtrace", "bt where", dc_backtrace, REPEAT, "backtrace [N]", "the call chain: pc, then the fp chain (or lr)" },
    { "info", "i", c_info, REPEAT, "info WHAT", "registers, sysregs, breakpoints, symbol, line, vcpu, exits, patches, ..." },
    { "vm", NULL, dc_vm, 0, "vm [N]", "select VM N (list the VMs without N)" },
    { "vcpu", NULL, dc_vcpu, 0, "vcpu [N]", "select vCPU N of the VM (without N: which is selected)" },
    { "mode", NULL, dc_mode, 0, "mode [NAME]", "switch the VM to another VMM mode, here and now" },
    { "dot", NULL, dc_dot, 0, "dot pagetable VADDR FILE | dot exits FILE | dot vms FILE", "write a Graphviz picture" },
    { "kill", "k", c_kill, 0, "kill", "stop the guest for good (run starts it again)" },
    { "run", "r", c_run, 0, "run", "start over from the first instruction" },
    { "quit", "q exit", c_quit, 0, "quit", "leave the debugger" },
    { "help", "h", c_help, 0, "help [COMMAND]", "list the commands, or describe one" },
};
#define NCOMMANDS (int)(sizeof commands / sizeof commands[0])

static bool has_alias(const struct command *c, const char *w)
{
    if (!c->aliases)
        return false;
    size_t n = strlen(w);
    for (const char *a = c->aliases; *a;) {
        size_t len = strcspn(a, " ");
        if (len == n && strncmp(a, w, n) == 0)
            return true;
        a += len + (a[len] == ' ');
    }
    return false;
}

/* Exact name, exact alias, then a prefix of exactly one name. */
static const struct command *lookup(debugger *d, const char *w, bool complain)
{
    const struct command *found = NULL;
    int n = 0;
    for (int i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, w) == 0 || has_alias(&commands[i], w))
            return &commands[i];
    char names[512] = "";
    for (int i = 0; i < NCOMMANDS; i++) {
        if (strncmp(commands[i].name, w, strlen(w)) != 0)
            continue;
        found = &commands[i], n++;
        if (strlen(names) + strlen(commands[i].name) + 3 < sizeof names)
            strcat(strcat(names, n > 1 ? ", " : ""), commands[i].name);
    }
    if (n == 1)
        return found;
    if (complain && n == 0)
        dbg_error(d, "undefined command: \"%s\" (try: help)", w);
    else if (complain)
        dbg_error(d, "ambiguous command \"%s\": %s", w, names);
    return NULL;
}

static bool c_help(debugger *d, const char *fs, char *args)
{
    (void)fs;
    char *w = dbg_word(&args);
    if (!w) {
        fprintf(d->out, "Commands (any unambiguous prefix works; a blank line repeats the "
                "last one, unless it changed the setup: break, set, run ...):\n");
        for (int i = 0; i < NCOMMANDS; i++)
            fprintf(d->out, "  %-44s %s\n", commands[i].usage,
                    strchr(commands[i].help, '\n') ? "(help for more)" : commands[i].help);
        fprintf(d->out, "vmm/debug/README.md describes them all.\n");
        return true;
    }
    if (*dbg_trim(args))
        return dbg_error(d, "help takes one command name, not \"%s\"", dbg_trim(args));
    const struct command *c = lookup(d, w, true);
    if (!c)
        return false;
    fprintf(d->out, "usage: %s\n%s\n", c->usage, c->help);
    if (c->aliases)
        fprintf(d->out, "aliases: %s\n", c->aliases);
    if (c->fn == c_info)
        for (int i = 0; i < NINFOS; i++)
            fprintf(d->out, "  info %-14s %s\n", infos[i].name, infos[i].help);
    return true;
}

/* A comment runs from a '#' that starts a word to the end of the line, as
 * in sh: "si 2  # two" steps twice.  A '#' inside a double-quoted name or
 * a character literal ('#', '\'') is no comment, nor one inside a word
 * ("p 1#2" is an error, not 1). */
static void cut_comment(char *s)
{
    char quote = 0;
    for (char *p = s; *p; p++) {
        if (quote) {
            if (*p == '\\' && p[1])
                p++;                    /* \' and \" do not close it */
            else if (*p == quote)
                quote = 0;
        } else if (*p == '"' || *p == '\'') {
            quote = *p;
        } else if (*p == '#' && (p == s || isspace((unsigned char)p[-1]))) {
            *p = '\0';
            return;
        }
    }
}

static int run_line(debugger *d, char *line)
{
    cut_comment(line);
    char *rest = dbg_trim(line);
    char *w = dbg_word(&rest);
    if (!w)
        return 0;
    char *fs = strchr(w, '/');
    if (fs)
        *fs++ = '\0';
    const struct command *c = lookup(d, w, true);
    if (!c)
        return 1;
    bool formats = c->fn == dc_x || c->fn == dc_xp || c->fn == dc_print || c->fn == dc_display;
    if (fs && !formats)
        return dbg_error(d, "%s takes no /FORMAT", c->name), 1;
    rest = dbg_trim(rest);
    if (!fs && formats && rest[0] == '/') {   /* "p /x 255", as gdb takes it too: no
                                                 expression starts with '/' */
        fs = dbg_word(&rest) + 1;
        rest = dbg_trim(rest);
    }
    if (*rest && !strchr(c->usage, ' '))   /* its usage is its name alone: "finish" */
        return dbg_error(d, "%s takes no arguments", c->name), 1;
    if (c->repeat == NO_ARGS_REPEAT)
        snprintf(d->last, sizeof d->last, "%s%s%s", c->name, fs ? "/" : "", fs ? fs : "");
    else if (c->repeat == REPEAT)
        snprintf(d->last, sizeof d->last, "%s %s", c->name, rest);
    else
        d->last[0] = '\0';
    return c->fn(d, fs, dbg_trim(rest)) ? 0 : 1;
}

int debug_exec(debugger *d, const char *line)
{
    char buf[1024];
    if (strlen(line) >= sizeof buf) {
        d->failures++;
        return dbg_error(d, "line too long (at most %zu characters)", sizeof buf - 1), 1;
    }
    snprintf(buf, sizeof buf, "%s", line);
    char *t = dbg_trim(buf);
    if (!*t) {
        if (d->scripted || !d->last[0])
            return 0;
        snprintf(buf, sizeof buf, "%s", d->last);
    }
    int rc = run_line(d, buf);
    d->failures += rc;
    /* The debugger's own output may fail (a full disk): the first reason
     * is kept for the end of the session (debug_output_error). */
    if (fflush(d->out) != 0 && d->out_errno == 0)
        d->out_errno = errno ? errno : EIO;
    return rc;
}

/* ---- completion ------------------------------------------------------------------------------ */

static char *dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    return c ? memcpy(c, s, n) : NULL;
}

/* The candidates after the command word `cmd`, in order: the state-th
 * that starts with text. */
static const char *candidate(debugger *d, const struct command *cmd, const char *text, int k)
{
    size_t n = strlen(text);
    int seen = 0;
#define OFFER(s) do { const char *s_ = (s); if (s_ && strncmp(s_, text, n) == 0 && seen++ == k) return s_; } while (0)
    if (!cmd) {
        for (int i = 0; i < NCOMMANDS; i++)
            OFFER(commands[i].name);
        return NULL;
    }
    if (cmd->fn == c_info)
        for (int i = 0; i < NINFOS; i++)
            OFFER(infos[i].name);
    if (cmd->fn == c_help)
        for (int i = 0; i < NCOMMANDS; i++)
            OFFER(commands[i].name);
    if (cmd->fn == c_break || cmd->fn == c_tbreak)
        for (int i = 0; i < NEVENT_WORDS; i++)
            OFFER(event_words[i].word);
    if (cmd->fn == dc_mode)
        for (int i = 0; i < VMM_NMODES; i++)
            OFFER(i == VMM_MODE_BARE ? NULL : mode_name((vmm_mode)i));
    if (text[0] == '$') {
        static char reg[16];
        for (int i = 0; dbg_reg_names[i]; i++) {
            snprintf(reg, sizeof reg, "$%s", dbg_reg_names[i]);
            OFFER(reg);
        }
        return NULL;
    }
    const t32_image *img = dbg_image(d);
    for (size_t i = 0; img && i < img->nsyms; i++)
        OFFER(img->syms[i].name);
#undef OFFER
    return NULL;
}

char *debug_complete(debugger *d, const char *line, int start, const char *text, int state)
{
    char first[64] = "";
    const struct command *cmd = NULL;
    size_t skip = strspn(line, " \t");
    size_t len = strcspn(line + skip, " \t/");
    if ((size_t)start > skip) {
        snprintf(first, sizeof first, "%.*s", (int)(len < 63 ? len : 63), line + skip);
        cmd = lookup(d, first, false);
        if (!cmd)
            return NULL;
    }
    const char *c = candidate(d, cmd, text, state);
    return c ? dup(c) : NULL;
}

/* ---- the debugger ------------------------------------------------------------------------------ */

debugger *debug_new(session *s, FILE *out, size_t checkpoint_mem)
{
    debugger *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->s = s;
    d->v = session_vmm(s);
    d->m = session_machine(s);
    d->out = out;
    d->hit_event = -1;
    d->bare_out.end = VMM_RUNNING;
    d->checkpoint_mem = checkpoint_mem;
    if (d->v) {
        d->chain = d->v->observer;
        d->chain_ctx = d->v->observer_ctx;
        d->v->observer = points_observe;
        d->v->observer_ctx = d;
    } else {
        d->m->cpu[0].host_kernel = true;
    }
    d->rev = reverse_new(s, checkpoint_mem, 0);   /* its first checkpoint: the start */
    dbg_switch_modes(d);                           /* where --switch-mode pauses first */
    return d;
}

void debug_set_limit(debugger *d, uint64_t max_insns)
{
    d->bare_limit = max_insns;
}

void debug_set_origin(debugger *d, const char *file, int line)
{
    d->origin = file;
    d->origin_line = line;
    d->scripted = file != NULL;
}

bool debug_done(const debugger *d)
{
    return d->done;
}

void debug_interrupt(debugger *d)
{
    d->interrupted = 1;
    if (d->v)
        d->v->stop = true;
}

int debug_status(const debugger *d)
{
    return d->failures || d->out_errno ? 1 : 0;
}

int debug_output_error(const debugger *d)
{
    return d->out_errno;
}

void debug_show_start(debugger *d)
{
    show_insn(d, dbg_pc(d), false);
    show_source_line(d, dbg_pc(d));
}

bool debug_protect_file(debugger *d, const char *path, const char *what)
{
    if (d->nown == d->capown) {     /* (as many as -x was given) */
        int cap = d->capown ? 2 * d->capown : 8;
        struct own_file *grown = realloc(d->own, (size_t)cap * sizeof *grown);
        if (!grown)
            return false;
        d->own = grown;
        d->capown = cap;
    }
    char *copy = strdup(path);
    if (!copy)
        return false;
    d->own[d->nown++] = (struct own_file){ copy, what };
    return true;
}

/* Is path one of the session's files, or the front end's own? */
bool dbg_file_in_use(debugger *d, const char *path, char *what, size_t len)
{
    if (session_names_file(d->s, path, what, len))
        return true;
    for (int i = 0; i < d->nown; i++)
        if (t32_out_same_file(d->own[i].path, path)) {
            snprintf(what, len, "%s", d->own[i].what);
            return true;
        }
    return false;
}

void debug_free(debugger *d)
{
    if (!d)
        return;
    for (int i = 0; i < d->nown; i++)
        free(d->own[i].path);
    free(d->own);
    points_arm(d, false);
    if (d->v) {
        d->v->observer = d->chain;
        d->v->observer_ctx = d->chain_ctx;
    }
    reverse_free(d->rev);
    free(d);
}
