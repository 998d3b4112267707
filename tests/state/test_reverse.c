/*
 * test_reverse.c - reverse execution (vmm/debug/reverse.c) on guestos.
 *
 * A first run watches guestos and notes when interesting things happen:
 * a timer interrupt is delivered, a disk transfer completes (its
 * interrupt), a page fault is reflected or fixed behind the guest's back,
 * the console gives the guest input (the shell scenario).  A second run,
 * with checkpoints, stops at times around each of them and records the
 * whole guest-visible state; then it goes back to each time - newest first,
 * then oldest first - and must find exactly that state again: registers,
 * virtual state, every byte of RAM, the disk, the console.  Bare and every
 * VMM mode.  Then reverse_find: the latest entry into the trap vector
 * before a time, against what the first run saw; and the memory bound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "vmm/debug/reverse.h"

#include "tests/state/guest.h"

/* ---- the first run: when things happen -------------------------------------------- */

#define MAX_TIMES 64

typedef struct events {
    uint64_t t[MAX_TIMES];
    int      n;
    bool     timer, disk, fault, console;
    uint64_t last_tvec;          /* the last instruction at TVEC before `before` */
    uint64_t before;
} events;

static void note(events *e, uint64_t t)
{
    for (int d = -2; d <= 2 && e->n < MAX_TIMES; d++)
        if (t + (uint64_t)d > 0)
            e->t[e->n++] = t + (uint64_t)d;
}

static void observe(void *ctx, const vmm_vcpu *vc, const vmm_event *ev)
{
    events *e = ctx;
    uint64_t t = vc->vcycles;
    if (ev->kind == VMM_EV_INJECT && ev->cause == T32_CAUSE_IRQ_TIMER && !e->timer && t > 50000) {
        e->timer = true;
        note(e, t);
    }
    if (ev->kind == VMM_EV_INJECT && ev->cause == T32_CAUSE_IRQ_DISK && !e->disk) {
        e->disk = true;
        note(e, t);
    }
    if ((ev->kind == VMM_EV_HIDDEN ||
         (ev->kind == VMM_EV_REFLECT && ev->cause >= T32_CAUSE_FETCH_FAULT &&
          ev->cause <= T32_CAUSE_STORE_FAULT)) && !e->fault && t > 100000) {
        e->fault = true;
        note(e, t);
    }
}

static void watch_insn(void *ctx, int vm, uint64_t cycle, uint32_t pc, uint32_t psr,
                       const uint32_t *word)
{
    (void)vm;
    (void)psr;
    (void)word;
    events *e = ctx;
    (void)pc;
    (void)cycle;
    (void)e;
}

/* Run a fresh guestos to `end` under the VMM (trap mode), noting events. */
static void first_run(events *e, const char *disk, const char *input, uint64_t end)
{
    run r;
    open_guestos(&r, "trap", disk, input);
    vmm *v = session_vmm(r.s);
    v->observer = observe;
    v->observer_ctx = e;
    size_t inpos = 0;
    for (uint64_t t = 1000; t <= end; t += 1000) {
        run_to(r.s, t);
        if (console_of(r.s)->inpos != inpos && !e->console && e->n < MAX_TIMES - 5) {
            e->console = true;
            note(e, t - 500);
        }
        inpos = console_of(r.s)->inpos;
        const t32_disk *d = &session_vmm(r.s)->vms[0]->disk;
        if (d->status == T32_DISK_BUSY && !e->disk && t > 100000) {
            e->disk = true;             /* a transfer in flight: its end */
            note(e, d->done_at);
        }
    }
    (void)watch_insn;
    close_run(&r);
}

static int by_time(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* ---- the second run: back and forth -------------------------------------------------- */

/* The transcript is host-side: after going back it still holds what was
 * shown (the console drops what the guest writes again); the guest's
 * position in it (`written`) is compared. */
static void assert_same_but_transcript(const state *a, state b)
{
    b.out = a->out;
    b.out_len = a->out_len;
    assert_same(a, &b);
}

static void back_and_forth(const char *mode, const char *disk, const char *input,
                           const events *e, uint64_t interval)
{
    uint64_t t[MAX_TIMES];
    int n = e->n;
    memcpy(t, e->t, sizeof t);
    qsort(t, (size_t)n, sizeof t[0], by_time);
    state *at = calloc((size_t)n, sizeof *at);
    assert_non_null(at);

    run r;
    open_guestos(&r, mode, disk, input);
    reverse *rv = reverse_new(r.s, 0, interval);
    assert_non_null(rv);
    for (int i = 0; i < n; i++) {
        while (now(r.s) < t[i]) {          /* a debugger's continue, in slices */
            uint64_t due = reverse_due(rv);
            run_to(r.s, due < t[i] ? due : t[i]);
            reverse_note(rv);
        }
        assert_int_equal(now(r.s), t[i]);
        at[i] = state_of(r.s);
    }
    assert_true(reverse_count(rv) > 1);
    for (int i = n - 1; i >= 0; i--) {     /* newest first: step after step back */
        assert_true(reverse_goto(rv, 0, t[i]));
        assert_same_but_transcript(&at[i], state_of(r.s));
    }
    for (int i = 0; i < n; i++) {          /* and forward again */
        assert_true(reverse_goto(rv, 0, t[i]));
        assert_same_but_transcript(&at[i], state_of(r.s));
    }
    state s = state_of(r.s);                /* shown once: nothing repeated */
    assert_same(&at[n - 1], &s);
    assert_false(reverse_goto(rv, 1, t[0]));  /* no VM 1 */
    reverse_free(rv);
    free(at);
    close_run(&r);
}

static events default_events, shell_events;

static void test_events_found(void **st)
{
    (void)st;
    assert_true(default_events.timer);
    assert_true(default_events.disk);
    assert_true(default_events.fault);
    assert_true(shell_events.console);
}

#define MODES(X) X(bare) X(trap) X(bt) X(pv) X(emulate)
#define BACK(m)                                                            \
    static void test_back_##m(void **st)                                   \
    {                                                                      \
        (void)st;                                                          \
        back_and_forth(#m, "default.disk", NULL, &default_events, 20000);         \
        back_and_forth(#m, "shell.disk", shell_in, &shell_events, 1000);         \
    }
MODES(BACK)

/* ---- reverse_find ------------------------------------------------------------------------ */

typedef struct at_tvec {
    session *s;
} at_tvec;

/* The guest is about to run the first instruction of its trap handler. */
static bool hit_tvec(void *ctx)
{
    at_tvec *a = ctx;
    vmm *v = session_vmm(a->s);
    if (!v) {
        const t32_cpu *c = &session_machine(a->s)->cpu[0];
        return c->pc == c->sr[T32_SR_TVEC] && (c->psr & T32_PSR_K);
    }
    const vmm_vcpu *c = &v->vms[0]->vcpus[0];
    return c->pc == c->vsr[T32_SR_TVEC] && (c->vpsr & T32_PSR_K);
}

/* The same, for a timer interrupt: delivered at a boundary, so the hit is
 * where the run loop has delivered it but not yet run the handler. */
static bool hit_timer(void *ctx)
{
    at_tvec *a = ctx;
    vmm *v = session_vmm(a->s);
    if (!v) {
        const t32_cpu *c = &session_machine(a->s)->cpu[0];
        return hit_tvec(ctx) && c->sr[T32_SR_CAUSE] == T32_CAUSE_IRQ_TIMER;
    }
    return hit_tvec(ctx) && v->vms[0]->vcpus[0].vsr[T32_SR_CAUSE] == T32_CAUSE_IRQ_TIMER;
}

/* reverse_find asks them: a pc is seen at a boundary, not in the step into it. */
static reverse_hit ask_tvec(void *ctx, reverse_ask at)
{
    return at != REVERSE_LAST && hit_tvec(ctx) ? REVERSE_HERE : REVERSE_NO;
}

static reverse_hit ask_timer(void *ctx, reverse_ask at)
{
    return at != REVERSE_LAST && hit_timer(ctx) ? REVERSE_HERE : REVERSE_NO;
}

static bool timer_only;

/* Where a plain run (no checkpoints) last entered the handler before
 * `before`: cycle by cycle, with an instruction hook. */
typedef struct last_entry {
    session *s;
    uint64_t before, last;
} last_entry;

static void entry_hook(void *ctx, int vm, uint64_t cycle, uint32_t pc, uint32_t psr,
                       const uint32_t *word)
{
    last_entry *l = ctx;
    const vmm_vcpu *c = &session_vmm(l->s)->vms[0]->vcpus[0];
    (void)vm;
    (void)word;
    if (cycle < l->before && pc == c->vsr[T32_SR_TVEC] && (psr & T32_PSR_K) &&
        (!timer_only || c->vsr[T32_SR_CAUSE] == T32_CAUSE_IRQ_TIMER))
        l->last = cycle;
}

static void find(const char *mode, bool timer)
{
    bool (*hit)(void *) = timer ? hit_timer : hit_tvec;
    reverse_hit (*ask)(void *, reverse_ask) = timer ? ask_timer : ask_tvec;
    timer_only = timer;
    const uint64_t before = 300001;   /* guestos takes its first trap near 140000 */
    uint64_t expect = 0;
    if (strcmp(mode, "bare") != 0) {
        run p;
        open_guestos(&p, mode, "default.disk", NULL);
        last_entry l = { .s = p.s, .before = before };
        session_vmm(p.s)->insn_hook = entry_hook;
        session_vmm(p.s)->insn_ctx = &l;
        run_to(p.s, before);
        expect = l.last;
        assert_true(expect > 0);
        close_run(&p);
    }
    run r;
    open_guestos(&r, mode, "default.disk", NULL);
    reverse *rv = reverse_new(r.s, 0, 10000);
    while (now(r.s) < 350000) {
        run_to(r.s, reverse_due(rv) < 350000 ? reverse_due(rv) : 350000);
        reverse_note(rv);
    }
    state end = state_of(r.s);
    at_tvec a = { r.s };
    uint64_t found = 0;
    assert_true(reverse_find(rv, 0, before, ask, &a, &found));
    if (expect)
        assert_int_equal(found, expect);
    assert_true(found < before && found > 100000);
    assert_int_equal(now(r.s), found);
    assert_true(hit(&a));                   /* it stands on the handler */
    /* Nothing before the first checkpoint: back where it was. */
    assert_true(reverse_goto(rv, 0, 350000));
    uint64_t none;
    assert_false(reverse_find(rv, 0, 3, ask_tvec, &a, &none));
    assert_int_equal(now(r.s), 350000);
    assert_same_but_transcript(&end, state_of(r.s));
    reverse_free(rv);
    close_run(&r);
}

static void test_find(void **st)
{
    (void)st;
    for (int timer = 0; timer < 2; timer++) {
        find("trap", timer);
        find("bt", timer);
        find("emulate", timer);
        if (!timer)             /* bare: asked between cycles, before delivery */
            find("bare", timer);
    }
}

/* ---- a change no instruction makes: the disk's DMA ------------------------------------ */

/* The first word of guestos's directory buffer, which the disk fills by
 * DMA: no store instruction writes it. */
typedef struct watched {
    session *s;
    uint32_t addr, seen;
} watched;

static uint32_t watched_word(const watched *w)
{
    vmm *v = session_vmm(w->s);
    const uint8_t *mem = v ? v->vms[0]->mem : session_machine(w->s)->mem;
    uint32_t x;
    memcpy(&x, mem + w->addr, 4);
    return x;
}

/* The step into this boundary changed it: the hit is the boundary before. */
static reverse_hit ask_changed(void *ctx, reverse_ask at)
{
    watched *w = ctx;
    uint32_t x = watched_word(w);
    bool changed = at != REVERSE_FIRST && x != w->seen;
    w->seen = x;
    return changed ? REVERSE_BEFORE : REVERSE_NO;
}

/* reverse_find lands before the step that changed the word - also when
 * that step ends where a checkpoint was taken, so that only the interval
 * before it, re-run to its last boundary, sees the change. */
static void find_change(const char *mode)
{
    run p;
    open_guestos(&p, mode, "default.disk", NULL);
    watched w = { .s = p.s };
    assert_true(t32_image_lookup(session_image(p.s, 0), "DIRBUF", &w.addr));
    uint32_t before = watched_word(&w);
    while (watched_word(&w) == before && now(p.s) < 100000)
        run_to(p.s, now(p.s) + 1);
    uint64_t changed = now(p.s);         /* the first boundary with the new value */
    assert_true(changed > 1000 && changed < 100000);
    close_run(&p);

    run r;
    open_guestos(&r, mode, "default.disk", NULL);
    reverse *rv = reverse_new(r.s, 0, changed);
    run_to(r.s, changed);
    reverse_note(rv);                    /* a checkpoint right after the change */
    assert_int_equal(reverse_count(rv), 2);
    run_to(r.s, changed + 300);
    uint64_t found = 0;
    w.s = r.s;
    assert_true(reverse_find(rv, 0, now(r.s), ask_changed, &w, &found));
    assert_int_equal(found, changed - 1);
    assert_int_equal(now(r.s), changed - 1);
    assert_int_equal(watched_word(&w), before);
    reverse_free(rv);
    close_run(&r);
}

static void test_find_change(void **st)
{
    (void)st;
    find_change("trap");
    find_change("bare");
}

/* ---- the memory bound ---------------------------------------------------------------------- */

static void test_bound(void **st)
{
    (void)st;
    run r;
    open_guestos(&r, "trap", "default.disk", NULL);
    size_t one = 16u << 20;                 /* about one checkpoint of a 16 MiB VM */
    reverse *rv = reverse_new(r.s, 4 * one, 10000);
    int most = 0;
    while (now(r.s) < 400000) {
        run_to(r.s, reverse_due(rv) < 400000 ? reverse_due(rv) : 400000);
        reverse_note(rv);
        assert_true(reverse_bytes(rv) <= 5 * one);
        most = reverse_count(rv) > most ? reverse_count(rv) : most;
    }
    assert_true(most >= 3);
    assert_true(reverse_due(rv) - now(r.s) > 10000);   /* the interval grew */
    state end = state_of(r.s);
    assert_true(reverse_goto(rv, 0, 5));    /* the first checkpoint stays */
    assert_true(reverse_goto(rv, 0, now(r.s) + 394000));
    assert_true(reverse_goto(rv, 0, 400000));
    state back = state_of(r.s);
    assert_same(&end, &back);               /* nothing printed twice */
    reverse_free(rv);
    close_run(&r);
}

static int setup(void **st)
{
    (void)st;
    guest_setup();
    first_run(&default_events, "default.disk", NULL, 400000);
    first_run(&shell_events, "shell.disk", shell_in, 25000);
    return 0;
}

int main(void)
{
#define ENTRY(m) cmocka_unit_test(test_back_##m),
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events_found),
        MODES(ENTRY)
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_find_change),
        cmocka_unit_test(test_bound),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
