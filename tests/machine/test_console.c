/*
 * test_console.c - the console's two host-facing edges: asking for input
 * without blocking (t32_console_poll) and noticing output that the host
 * could not write (out_error, t32_console_sync).
 *
 * Every test that could block runs under alarm(): a console that waits for
 * a pipe when it should not kills the test program instead of hanging it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t32.h"

#define CON_DATA    (T32_PORT_CON_DATA - T32_PORT_CON_DATA)
#define CON_STATUS  (T32_PORT_CON_STATUS - T32_PORT_CON_DATA)
#define WATCHDOG    10      /* seconds: far more than any test needs */

/* ---- input without blocking ------------------------------------------------ */

/* A pipe whose writer is still open but silent: a blocking read would hang,
 * so poll must say WAIT - and keep saying it, without consuming anything. */
static void test_poll_pipe_without_data_would_block(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    alarm(WATCHDOG);
    t32_console c;
    t32_console_init(&c, NULL, fds[0]);
    assert_int_equal(t32_console_poll(&c), T32_CON_INPUT_WAIT);
    assert_int_equal(t32_console_poll(&c), T32_CON_INPUT_WAIT);
    assert_false(c.in_eof);
    assert_int_equal(c.inlen - c.inpos, 0);
    alarm(0);
    t32_console_free(&c);
    close(fds[0]);
    close(fds[1]);
}

/* Bytes arrive: READY, and the guest's reads then return at once, in order;
 * once the pipe is drained it is WAIT again; when the writer closes, EOF. */
static void test_poll_pipe_data_then_eof(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    alarm(WATCHDOG);
    t32_console c;
    t32_console_init(&c, NULL, fds[0]);
    assert_int_equal(t32_console_poll(&c), T32_CON_INPUT_WAIT);

    assert_int_equal(write(fds[1], "hi", 2), 2);
    assert_int_equal(t32_console_poll(&c), T32_CON_INPUT_READY);
    assert_int_equal(t32_console_in(&c, CON_STATUS), T32_CON_RXREADY);
    assert_int_equal(t32_console_in(&c, CON_DATA), 'h');
    assert_int_equal(t32_console_poll(&c), T32_CON_INPUT_READY);  /* 'i' queued */
    assert_int_equal(t32_console_in(&c, CON_DATA), 'i');
    assert_int_equal(t32_console_poll(&c), T32_CON_INPUT_WAIT);

    close(fds[1]);
    assert_int_equal(t32_console_poll(&c), T32_CON_INPUT_EOF);
    assert_int_equal(t32_console_in(&c, CON_STATUS), T32_CON_RXEOF);
    assert_int_equal(t32_console_in(&c, CON_DATA), 0xffffffffu);
    assert_int_equal(t32_console_poll(&c), T32_CON_INPUT_EOF);
    alarm(0);
    t32_console_free(&c);
    close(fds[0]);
}

/* The writer closes before anything was asked: EOF, not WAIT. */
static void test_poll_closed_pipe_is_eof(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    close(fds[1]);
    alarm(WATCHDOG);
    t32_console c;
    t32_console_init(&c, NULL, fds[0]);
    assert_int_equal(t32_console_poll(&c), T32_CON_INPUT_EOF);
    assert_true(c.in_eof);
    alarm(0);
    t32_console_free(&c);
    close(fds[0]);
}

/* A regular file never makes anyone wait: it is read as before (READY
 * while bytes remain, then EOF), deterministically. */
static void test_poll_regular_file(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    fputs("ab", f);
    fflush(f);
    rewind(f);
    alarm(WATCHDOG);
    t32_console c;
    t32_console_init(&c, NULL, fileno(f));
    assert_int_equal(t32_console_poll(&c), T32_CON_INPUT_READY);
    assert_int_equal(t32_console_in(&c, CON_DATA), 'a');
    assert_int_equal(t32_console_in(&c, CON_DATA), 'b');
    assert_int_equal(t32_console_poll(&c), T32_CON_INPUT_EOF);
    alarm(0);
    t32_console_free(&c);
    fclose(f);
}

/* No host input, or input given as a buffer: no host is asked at all. */
static void test_poll_without_host(void **state)
{
    (void)state;
    t32_console c;
    t32_console_init(&c, NULL, -1);
    assert_int_equal(t32_console_poll(&c), T32_CON_INPUT_EOF);
    t32_console_set_input(&c, "x", 1);
    assert_int_equal(t32_console_poll(&c), T32_CON_INPUT_READY);
    assert_int_equal(t32_console_in(&c, CON_DATA), 'x');
    assert_int_equal(t32_console_poll(&c), T32_CON_INPUT_EOF);
    t32_console_free(&c);
}

/* ---- output errors -------------------------------------------------------- */

static FILE *open_full(void)
{
    FILE *f = fopen("/dev/full", "w");
    if (!f)
        fail_msg("/dev/full: %s", strerror(errno));
    return f;
}

/* Buffered: the failure shows when the buffer is flushed - at the latest by
 * t32_console_sync, which reports ENOSPC. */
static void test_output_error_found_by_sync(void **state)
{
    (void)state;
    FILE *f = open_full();
    t32_console c;
    t32_console_init(&c, f, -1);
    for (int i = 0; i < 10; i++)
        t32_console_out(&c, CON_DATA, 'x');
    assert_int_equal(t32_console_sync(&c), ENOSPC);
    assert_int_equal(c.out_error, ENOSPC);
    t32_console_free(&c);
    fclose(f);
}

/* Unbuffered: the very first byte fails, and is noted at once. */
static void test_output_error_noted_at_the_write(void **state)
{
    (void)state;
    FILE *f = open_full();
    setvbuf(f, NULL, _IONBF, 0);
    t32_console c;
    t32_console_init(&c, f, -1);
    t32_console_out(&c, CON_DATA, 'x');
    assert_int_equal(c.out_error, ENOSPC);
    t32_console_free(&c);
    fclose(f);
}

/* More output than a stdio buffer holds: the error appears during the run,
 * before any sync. */
static void test_output_error_noted_during_a_long_run(void **state)
{
    (void)state;
    FILE *f = open_full();
    t32_console c;
    t32_console_init(&c, f, -1);
    for (int i = 0; i < 1 << 16; i++)
        t32_console_out(&c, CON_DATA, 'x');
    assert_int_equal(c.out_error, ENOSPC);
    t32_console_free(&c);
    fclose(f);
}

/* Output that was delivered: no error.  Only the first error is kept. */
static void test_output_without_error(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    t32_console c;
    t32_console_init(&c, f, -1);
    t32_console_out(&c, CON_DATA, 'x');
    assert_int_equal(t32_console_sync(&c), 0);
    t32_console_note_error(&c, EPIPE);
    t32_console_note_error(&c, ENOSPC);
    assert_int_equal(t32_console_sync(&c), EPIPE);
    t32_console_free(&c);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_poll_pipe_without_data_would_block),
        cmocka_unit_test(test_poll_pipe_data_then_eof),
        cmocka_unit_test(test_poll_closed_pipe_is_eof),
        cmocka_unit_test(test_poll_regular_file),
        cmocka_unit_test(test_poll_without_host),
        cmocka_unit_test(test_output_error_found_by_sync),
        cmocka_unit_test(test_output_error_noted_at_the_write),
        cmocka_unit_test(test_output_error_noted_during_a_long_run),
        cmocka_unit_test(test_output_without_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
