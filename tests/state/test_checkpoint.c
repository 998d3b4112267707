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

#include "tests/state/guest.h"


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
    guest_setup();
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
