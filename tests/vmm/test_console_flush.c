/*
 * test_console_flush.c - several VMs on one terminal: vdev_console_flush.
 *
 * The flush is driven directly, as the scheduler drives it after each turn:
 * bytes go into a VM's console with t32_console_out (what a guest's `out`
 * does), then vdev_console_flush prints whole lines behind the prefix into
 * a temporary file that the test reads back.  The rules checked here are
 * the ones at the top of the console part of vmm/devices/vdev.c: whole
 * lines only, guest bytes shown and not obeyed, every byte examined once,
 * at most 4096 bytes held back, write errors noted.
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

#include "vmm/vmm.h"

#define CON_DATA  (T32_PORT_CON_DATA - T32_PORT_CON_DATA)
#define LINE_MAX_BYTES 4096     /* VDEV_LINE_MAX, as vmm/README.md states it */

typedef struct fixture {
    vmm_vm vm;
    FILE  *out;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->out = tmpfile();
    assert_non_null(f->out);
    t32_console_init(&f->vm.con, NULL, -1);    /* collected, as with several VMs */
    f->vm.prefix = "[vm0] ";
    f->vm.prefix_out = f->out;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    t32_console_free(&f->vm.con);
    if (f->out)
        fclose(f->out);
    free(f);
    return 0;
}

/* The guest writes `len` bytes. */
static void guest_prints(fixture *f, const char *bytes, size_t len)
{
    for (size_t i = 0; i < len; i++)
        t32_console_out(&f->vm.con, CON_DATA, (unsigned char)bytes[i]);
}

static void guest_says(fixture *f, const char *s)
{
    guest_prints(f, s, strlen(s));
}

/* Everything printed so far (malloc'd, NUL-terminated), and its length. */
static char *printed(fixture *f, size_t *len)
{
    fflush(f->out);
    long n = ftell(f->out);
    assert_true(n >= 0);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    rewind(f->out);
    assert_int_equal(fread(s, 1, (size_t)n, f->out), (size_t)n);
    s[n] = '\0';
    fseek(f->out, 0, SEEK_END);
    if (len)
        *len = (size_t)n;
    return s;
}

static void assert_printed(fixture *f, const char *want)
{
    char *got = printed(f, NULL);
    assert_string_equal(got, want);
    free(got);
}

/* ---- lines ---------------------------------------------------------------------- */

/* Whole lines go out after a turn; the unfinished one waits, and is ended
 * with a newline when the VM is done. */
static void test_whole_lines_only(void **state)
{
    fixture *f = *state;
    guest_says(f, "ab\ncd");
    vdev_console_flush(&f->vm, false);
    assert_printed(f, "[vm0] ab\n");
    guest_says(f, "e\nf");
    vdev_console_flush(&f->vm, false);
    assert_printed(f, "[vm0] ab\n[vm0] cde\n");
    vdev_console_flush(&f->vm, true);
    assert_printed(f, "[vm0] ab\n[vm0] cde\n[vm0] f\n");
    assert_int_equal(f->vm.con.outlen, 0);
}

/* ---- escaping --------------------------------------------------------------------- */

/* A guest cannot overwrite its prefix with \r and pass as another VM, nor
 * send the terminal escape sequences: its bytes are shown.  Tab stays. */
static void test_control_bytes_are_shown(void **state)
{
    fixture *f = *state;
    static const char guest[] = "\r[vm1] forged\n\033[2Jclear\ta\\b\x7f\x80\xff\x01\n";
    guest_prints(f, guest, sizeof guest - 1);
    vdev_console_flush(&f->vm, true);
    assert_printed(f, "[vm0] \\r[vm1] forged\n"
                      "[vm0] \\x1b[2Jclear\ta\\\\b\\x7f\\x80\\xff\\x01\n");
}

/* A NUL byte in the middle of a line is shown too, and does not end it. */
static void test_nul_byte_is_shown(void **state)
{
    fixture *f = *state;
    guest_prints(f, "a\0b\n", 4);
    vdev_console_flush(&f->vm, false);
    assert_printed(f, "[vm0] a\\x00b\n");
}

/* ---- long lines --------------------------------------------------------------------- */

/* Count the lines of out, checking each one's prefix; the longest line's
 * length (without the newline) and the number of payload bytes. */
static void measure(const char *out, size_t *lines, size_t *longest, size_t *payload,
                    size_t *cuts)
{
    *lines = *longest = *payload = *cuts = 0;
    for (const char *p = out; *p; ) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        size_t n = (size_t)(nl - p);
        assert_true(n >= 6 && memcmp(p, "[vm0] ", 6) == 0);
        bool cut = p[n - 1] == '\\';
        *cuts += cut;
        *payload += n - 6 - cut;
        if (n > *longest)
            *longest = n;
        (*lines)++;
        p = nl + 1;
    }
}

/* A VM that never ends its line holds back at most 4096 bytes, turn after
 * turn; the long line comes out cut into 4096-byte pieces, each marked
 * with a trailing backslash, and nothing is lost. */
static void test_long_line_is_cut_and_bounded(void **state)
{
    fixture *f = *state;
    char chunk[1000];
    memset(chunk, 'x', sizeof chunk);
    for (int turn = 0; turn < 50; turn++) {         /* 50000 bytes, no newline */
        guest_prints(f, chunk, sizeof chunk);
        vdev_console_flush(&f->vm, false);
        assert_true(f->vm.con.outlen <= LINE_MAX_BYTES);
    }
    vdev_console_flush(&f->vm, true);
    char *out = printed(f, NULL);
    size_t lines, longest, payload, cuts;
    measure(out, &lines, &longest, &payload, &cuts);
    assert_int_equal(payload, 50000);
    assert_int_equal(cuts, 50000 / LINE_MAX_BYTES);
    assert_int_equal(lines, cuts + 1);
    assert_int_equal(longest, 6 + LINE_MAX_BYTES + 1);
    /* The first line: the prefix, 4096 x's, the marker. */
    assert_int_equal(out[6 + LINE_MAX_BYTES], '\\');
    assert_int_equal(out[6 + LINE_MAX_BYTES + 1], '\n');
    free(out);
}

/* A line of exactly 4096 bytes is not cut: only a longer one is. */
static void test_line_of_the_limit_is_whole(void **state)
{
    fixture *f = *state;
    char *line = malloc(LINE_MAX_BYTES + 1);
    assert_non_null(line);
    memset(line, 'y', LINE_MAX_BYTES);
    line[LINE_MAX_BYTES] = '\n';
    guest_prints(f, line, LINE_MAX_BYTES);
    vdev_console_flush(&f->vm, false);
    guest_prints(f, line + LINE_MAX_BYTES, 1);
    vdev_console_flush(&f->vm, false);
    size_t len;
    char *out = printed(f, &len);
    assert_int_equal(len, 6 + LINE_MAX_BYTES + 1);
    assert_int_equal(out[len - 2], 'y');
    free(out);
    free(line);
}

/* Every byte is examined once: after a flush, the bytes held back are not
 * looked at again (the flush resumes where it stopped), which is what makes
 * a long unfinished line cost linear time instead of quadratic.  To see it,
 * the test changes a held-back byte behind the flush's back: a flush that
 * rescanned the whole line would find that newline and print. */
static void test_held_back_bytes_are_not_rescanned(void **state)
{
    fixture *f = *state;
    guest_says(f, "held back");
    vdev_console_flush(&f->vm, false);
    assert_int_equal(f->vm.con.outseen, f->vm.con.outlen);
    f->vm.con.outbuf[4] = '\n';         /* not the guest: the test */
    guest_says(f, "more");
    vdev_console_flush(&f->vm, false);
    assert_printed(f, "");
    assert_int_equal(f->vm.con.outseen, strlen("held backmore"));
}

/* ---- write errors -------------------------------------------------------------------- */

/* Prefixed output that cannot be written (a full disk) is noted in the
 * VM's console, for the front end to report. */
static void test_write_error_is_noted(void **state)
{
    fixture *f = *state;
    fclose(f->out);
    f->out = fopen("/dev/full", "w");
    assert_non_null(f->out);
    f->vm.prefix_out = f->out;
    guest_says(f, "lost\n");
    vdev_console_flush(&f->vm, false);
    vdev_console_flush(&f->vm, true);
    assert_int_equal(f->vm.con.out_error, ENOSPC);
    assert_int_equal(t32_console_sync(&f->vm.con), ENOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_whole_lines_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_control_bytes_are_shown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nul_byte_is_shown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_line_is_cut_and_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_line_of_the_limit_is_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(test_held_back_bytes_are_not_rescanned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_error_is_noted, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
