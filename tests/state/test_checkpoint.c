/*
 * test_checkpoint.c - checkpoints (vmm/state/checkpoint.c): take one at
 * cycle N, run to M, restore, run to M again - the guest must be in exactly
 * the same state: registers, virtual state, every byte of RAM, the console
 * transcript and input position, the disk.  On guestos (default.disk: disk
 * loads, page faults, timer preemption, many processes; shell.disk: console
 * input from a file and from a pipe), bare and under every VMM mode.
 *
 * Also the console's input replay on its own (isa/console.c): the bytes a
 * pipe gave come again, in the same portions, without reading the pipe.
 *
 * Images come from $BUILD/guestos (BUILD defaults to build).  The disk is
 * copied first: a session writes through to its disk file.
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

#include "vmm/state/checkpoint.h"

/* ---- sessions on guestos ------------------------------------------------------ */

static char gos[512];

static void guestos_path(char *buf, size_t len, const char *file)
{
    snprintf(buf, len, "%s/%s", gos, file);
}

/* A scratch copy of a disk image (the session writes through to it). */
static void copy_disk(const char *from, char *to, size_t len)
{
    snprintf(to, len, "/tmp/trapeze-ck-XXXXXX");
    int fd = mkstemp(to);
    assert_true(fd >= 0);
    FILE *in = fopen(from, "rb");
    assert_non_null(in);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        assert_true(write(fd, buf, n) == (ssize_t)n);
    fclose(in);
    close(fd);
}

typedef struct run {
    session *s;
    char disk[64];
} run;

static t32_console *console_of(session *s)
{
    vmm *v = session_vmm(s);
    return v ? &v->vms[0]->con : &session_machine(s)->console;
}

/* guestos with `disk` (a scenario) in `mode`, console output into a
 * buffer, input from `input` (NULL: none). */
static void open_guestos(run *r, const char *mode, const char *disk, const char *input)
{
    char img[600], src[600];
    guestos_path(img, sizeof img, strcmp(mode, "pv") == 0 ? "kernel-pv.img" : "kernel.img");
    guestos_path(src, sizeof src, disk);
    copy_disk(src, r->disk, sizeof r->disk);
    char *argv[12];
    int argc = 0;
    argv[argc++] = "test";
    argv[argc++] = "--mode";
    argv[argc++] = (char *)mode;
    argv[argc++] = "--disk";
    argv[argc++] = r->disk;
    if (input) {
        argv[argc++] = "--input";
        argv[argc++] = (char *)input;
    } else {
        argv[argc++] = "--input";
        argv[argc++] = "/dev/null";
    }
    argv[argc++] = img;
    argv[argc] = NULL;
    session_options o;
    assert_int_equal(session_parse(&o, argc, argv, "test", NULL, NULL), 0);
    assert_int_equal(session_open(&r->s, &o), 0);
    console_of(r->s)->out = NULL;      /* collect the transcript */
}

static void close_run(run *r)
{
    session_close(r->s, 0);
    unlink(r->disk);
}

static uint64_t now(session *s)
{
    vmm *v = session_vmm(s);
    return v ? vmm_vm_time(v->vms[0]) : session_machine(s)->cpu[0].cycles;
}

/* Run to exactly `cycle` (or the guest's end). */
static void run_to(session *s, uint64_t cycle)
{
    vmm *v = session_vmm(s);
    if (!v) {
        vmm_stats st;
        vmm_bare_run_watched(session_machine(s), cycle, &st, NULL);
        return;
    }
    vmm_vm *vm = v->vms[0];
    while (vm->outcome.end == VMM_RUNNING && vmm_vm_time(vm) < cycle) {
        vm->pause_at = cycle;
        vmm_sched_round(v);
    }
    vm->pause_at = 0;
}

/* ---- the state a guest can see, as values to compare ------------------------------ */

static uint64_t hash(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

typedef struct state {
    uint32_t r[T32_NREGS], pc, psr, sr[T32_NSYSREGS];
    uint64_t cycles, timer, pending, halted;
    uint64_t ram, disk, disk_regs, out, out_len, in_pos, insns, irqs;
    bool     pv_shared, pv_unread;
    uint32_t pv_page;
} state;

static void console_state(state *st, const t32_console *c)
{
    st->out = hash(c->outbuf, c->outlen);
    st->out_len = c->outlen;
    st->in_pos = c->inpos * 2 + c->in_eof;
}

static void disk_state(state *st, const t32_disk *d)
{
    st->disk = d->data ? hash(d->data, (size_t)d->nsectors * T32_SECTOR_SIZE) : 0;
    uint32_t regs[] = { d->sector, d->addr, d->count, d->status, d->ctrl, d->cmd };
    st->disk_regs = hash(regs, sizeof regs) ^ d->done_at;
}

static state state_of(session *s)
{
    state st = { 0 };
    vmm *v = session_vmm(s);
    if (!v) {
        const t32_machine *m = session_machine(s);
        const t32_cpu *c = &m->cpu[0];
        memcpy(st.r, c->r, sizeof st.r);
        memcpy(st.sr, c->sr, sizeof st.sr);
        st.pc = c->pc;
        st.psr = c->psr;
        st.cycles = c->cycles;
        st.timer = c->timer_deadline;
        st.pending = c->pending;
        st.halted = c->halted;
        st.insns = c->retired;
        st.ram = hash(m->mem, m->memsize);
        disk_state(&st, &m->disk);
        console_state(&st, &m->console);
        return st;
    }
    const vmm_vm *vm = v->vms[0];
    const vmm_vcpu *c = &vm->vcpus[0];
    memcpy(st.r, c->r, sizeof st.r);
    memcpy(st.sr, c->vsr, sizeof st.sr);
    st.pc = c->pc;
    st.psr = c->vpsr;
    st.cycles = c->vcycles;
    st.timer = c->vtimer_deadline;
    st.pending = c->vpending;
    st.halted = c->halted;
    st.pv_shared = c->pv_shared;
    st.pv_page = c->pv_page;
    st.pv_unread = c->pv_unread;
    st.insns = vm->stats.guest_insns;
    st.irqs = vm->stats.injected_irqs;
    st.ram = hash(vm->mem, vm->size);
    disk_state(&st, &vm->disk);
    console_state(&st, &vm->con);
    return st;
}

static void assert_same(const state *a, const state *b)
{
    for (int i = 0; i < T32_NREGS; i++)
        assert_int_equal(a->r[i], b->r[i]);
    for (int i = 0; i < T32_NSYSREGS; i++)
        assert_int_equal(a->sr[i], b->sr[i]);
    assert_int_equal(a->pc, b->pc);
    assert_int_equal(a->psr, b->psr);
    assert_int_equal(a->cycles, b->cycles);
    assert_int_equal(a->timer, b->timer);
    assert_int_equal(a->pending, b->pending);
    assert_int_equal(a->halted, b->halted);
    assert_int_equal(a->pv_shared, b->pv_shared);
    assert_int_equal(a->pv_page, b->pv_page);
    assert_int_equal(a->pv_unread, b->pv_unread);
    assert_int_equal(a->insns, b->insns);
    assert_int_equal(a->irqs, b->irqs);
    assert_int_equal(a->ram, b->ram);
    assert_int_equal(a->disk, b->disk);
    assert_int_equal(a->disk_regs, b->disk_regs);
    assert_int_equal(a->out_len, b->out_len);
    assert_int_equal(a->out, b->out);
    assert_int_equal(a->in_pos, b->in_pos);
}

/* ---- take at N, run to M, restore, run to M again ----------------------------------- */

/* The console's transcript goes back to what it was at the checkpoint and
 * the guest writes it again - so the second run's bytes are compared too
 * (the debugger instead lets the console drop the bytes it showed). */
static void rewind_transcript(t32_console *c, size_t len)
{
    c->outlen = len;
    if (c->outbuf)
        c->outbuf[len] = '\0';
    c->outseen = c->outseen < len ? c->outseen : len;
    c->out_shown = c->out_count;
}

static void round_trip(const char *mode, const char *disk, const char *input,
                       uint64_t n, uint64_t m)
{
    run r;
    open_guestos(&r, mode, disk, input);
    run_to(r.s, n);
    assert_int_equal(now(r.s), n);
    state at_n = state_of(r.s);
    size_t out_n = console_of(r.s)->outlen;
    checkpoint *c = checkpoint_take(r.s);
    assert_non_null(c);
    assert_true(checkpoint_bytes(c) > 0);
    run_to(r.s, m);
    assert_int_equal(now(r.s), m);
    state at_m = state_of(r.s);
    assert_true(at_m.ram != at_n.ram);        /* the stretch did something */

    for (int again = 0; again < 2; again++) {  /* a checkpoint can be used twice */
        assert_true(checkpoint_restore(r.s, c));
        state back = state_of(r.s);
        back.out = at_n.out;                   /* the transcript is host-side ... */
        back.out_len = at_n.out_len;
        assert_same(&at_n, &back);
        rewind_transcript(console_of(r.s), out_n);   /* ... rewound by hand */
        run_to(r.s, m);
        state again_m = state_of(r.s);
        assert_same(&at_m, &again_m);
    }
    checkpoint_free(c);
    close_run(&r);
}

/* Restore without rewinding the transcript: the console drops what it
 * already showed, so the transcript reads as if nothing had happened. */
static void no_repeats(const char *mode)
{
    run a, b;
    open_guestos(&a, mode, "default.disk", NULL);
    open_guestos(&b, mode, "default.disk", NULL);
    run_to(a.s, 300000);
    checkpoint *c = checkpoint_take(a.s);
    run_to(a.s, 500000);
    assert_true(checkpoint_restore(a.s, c));
    run_to(a.s, 700000);
    run_to(b.s, 700000);
    state sa = state_of(a.s), sb = state_of(b.s);
    assert_same(&sa, &sb);
    checkpoint_free(c);
    close_run(&a);
    close_run(&b);
}

#define MODES(X) X(bare) X(trap) X(bt) X(pv) X(emulate)

/* default.disk: the disk loads programs (DMA), processes fault their pages
 * in, the timer preempts them. */
#define ROUND_TRIP(m)                                                      \
    static void test_default_##m(void **st)                                \
    {                                                                      \
        (void)st;                                                          \
        round_trip(#m, "default.disk", NULL, 150000, 450000);              \
    }                                                                      \
    static void test_no_repeats_##m(void **st)                             \
    {                                                                      \
        (void)st;                                                          \
        no_repeats(#m);                                                    \
    }
MODES(ROUND_TRIP)

static char shell_in[600];

/* The shell reads its input from a file: the checkpoint sits before some
 * of it was read. */
static void test_shell_file(void **st)
{
    (void)st;
    round_trip("trap", "shell.disk", shell_in, 5000, 25000);
    round_trip("bare", "shell.disk", shell_in, 5000, 25000);
}

/* From a pipe, which cannot be read twice: the replay must come from the
 * console's memory (the pipe is empty and closed when it replays). */
static void shell_pipe(const char *mode)
{
    FILE *f = fopen(shell_in, "rb");
    assert_non_null(f);
    char text[4096];
    size_t len = fread(text, 1, sizeof text, f);
    fclose(f);
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_true(write(p[1], text, len) == (ssize_t)len);
    close(p[1]);
    char path[64];
    snprintf(path, sizeof path, "/dev/fd/%d", p[0]);
    run r;
    open_guestos(&r, mode, "shell.disk", path);
    close(p[0]);
    run_to(r.s, 5000);
    checkpoint *c = checkpoint_take(r.s);
    size_t out_n = console_of(r.s)->outlen;
    run_to(r.s, 2000000);
    state end = state_of(r.s);
    assert_true(console_of(r.s)->inpos > 0);
    assert_true(checkpoint_restore(r.s, c));
    rewind_transcript(console_of(r.s), out_n);
    run_to(r.s, 2000000);
    state again = state_of(r.s);
    assert_same(&end, &again);
    checkpoint_free(c);
    close_run(&r);
}

static void test_shell_pipe(void **st)
{
    (void)st;
    shell_pipe("trap");
    shell_pipe("bare");
    shell_pipe("emulate");
}

/* ---- the console's replay, unit by unit ------------------------------------------------ */

static void test_console_replay(void **st)
{
    (void)st;
    int p[2];
    assert_int_equal(pipe(p), 0);
    t32_console c;
    t32_console_init(&c, NULL, p[0]);
    assert_true(t32_console_keep_input(&c));
    assert_true(write(p[1], "ab", 2) == 2);
    assert_int_equal(t32_console_in(&c, 0), 'a');
    size_t pos = c.inpos, len = c.inlen;     /* a checkpoint here: 'b' queued */
    assert_int_equal(t32_console_in(&c, 0), 'b');
    assert_true(write(p[1], "cd", 2) == 2);
    close(p[1]);
    assert_int_equal(t32_console_in(&c, 0), 'c');   /* a second portion */
    assert_int_equal(t32_console_in(&c, 0), 'd');
    assert_int_equal(t32_console_in(&c, 1), T32_CON_RXEOF);

    c.inpos = pos;                           /* restore */
    c.inlen = len;
    c.in_eof = false;
    c.ctrl = 1;                              /* RXIE: the line shows the portions */
    assert_true(t32_console_irq(&c));
    assert_int_equal(t32_console_in(&c, 0), 'b');
    assert_false(t32_console_irq(&c));       /* as before: "cd" not given yet */
    assert_int_equal(t32_console_in(&c, 1), T32_CON_RXREADY);   /* given now */
    assert_true(t32_console_irq(&c));
    assert_int_equal(t32_console_in(&c, 0), 'c');
    assert_int_equal(t32_console_in(&c, 0), 'd');
    assert_false(t32_console_irq(&c));
    assert_int_equal(t32_console_poll(&c), T32_CON_INPUT_EOF);
    assert_int_equal(t32_console_in(&c, 0), 0xffffffffu);
    close(p[0]);
    t32_console_free(&c);
}

/* Output written again after a restore is dropped until it passes what
 * was shown. */
static void test_console_no_repeat(void **st)
{
    (void)st;
    t32_console c;
    t32_console_init(&c, NULL, -1);
    for (const char *s = "hello"; *s; s++)
        t32_console_out(&c, 0, (uint8_t)*s);
    c.out_count = 2;                         /* back to "he" */
    for (const char *s = "llo!"; *s; s++)
        t32_console_out(&c, 0, (uint8_t)*s);
    assert_string_equal(c.outbuf, "hello!");
    t32_console_free(&c);
}

static int setup(void **st)
{
    (void)st;
    const char *build = getenv("BUILD");
    snprintf(gos, sizeof gos, "%s/guestos", build ? build : "build");
    snprintf(shell_in, sizeof shell_in, "tests/guestos/shell.in");
    return 0;
}

int main(void)
{
#define ENTRY(m) cmocka_unit_test(test_default_##m), cmocka_unit_test(test_no_repeats_##m),
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_console_replay),
        cmocka_unit_test(test_console_no_repeat),
        MODES(ENTRY)
        cmocka_unit_test(test_shell_file),
        cmocka_unit_test(test_shell_pipe),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
