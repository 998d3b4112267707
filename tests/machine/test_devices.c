/*
 * test_devices.c - the console and the disk on their own, without a CPU.
 *
 * The devices are driven through their register interface exactly as the
 * port bus drives them (offsets from the device's first port), with `now`
 * standing in for CPU 0's cycle count and a plain array standing in for RAM.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t32.h"

/* Register offsets, derived from the port table. */
#define CON_DATA    (T32_PORT_CON_DATA - T32_PORT_CON_DATA)
#define CON_STATUS  (T32_PORT_CON_STATUS - T32_PORT_CON_DATA)
#define CON_CTRL    (T32_PORT_CON_CTRL - T32_PORT_CON_DATA)
#define D_SECTOR    (T32_PORT_DISK_SECTOR - T32_PORT_DISK_SECTOR)
#define D_ADDR      (T32_PORT_DISK_ADDR - T32_PORT_DISK_SECTOR)
#define D_COUNT     (T32_PORT_DISK_COUNT - T32_PORT_DISK_SECTOR)
#define D_CMD       (T32_PORT_DISK_CMD - T32_PORT_DISK_SECTOR)
#define D_STATUS    (T32_PORT_DISK_STATUS - T32_PORT_DISK_SECTOR)
#define D_CTRL      (T32_PORT_DISK_CTRL - T32_PORT_DISK_SECTOR)
#define D_SIZE      (T32_PORT_DISK_SIZE - T32_PORT_DISK_SECTOR)

/* ---- console ----------------------------------------------------------------- */

static void test_console_output_buffer(void **state)
{
    (void)state;
    t32_console c;
    t32_console_init(&c, NULL, -1);
    /* More than the first buffer size, so the buffer must grow. */
    for (int i = 0; i < 1000; i++)
        t32_console_out(&c, CON_DATA, 0x100u | (uint32_t)('a' + i % 26));
    assert_int_equal(c.outlen, 1000);
    assert_int_equal(strlen(c.outbuf), 1000);   /* NUL-terminated */
    for (int i = 0; i < 1000; i++)
        assert_int_equal(c.outbuf[i], 'a' + i % 26);  /* only the low byte */
    t32_console_free(&c);
}

/* A guest printing forever into the buffer stops growing it at 64 MiB. */
static void test_console_output_buffer_is_bounded(void **state)
{
    (void)state;
    t32_console c;
    t32_console_init(&c, NULL, -1);
    const size_t max = 64u << 20;
    for (size_t i = 0; i < max + 1000; i++)
        t32_console_out(&c, CON_DATA, 'x');
    assert_int_equal(c.outlen, max);
    assert_int_equal(c.outbuf[max - 1], 'x');
    assert_int_equal(c.outbuf[max], '\0');
    t32_console_free(&c);
}

static void test_console_output_file(void **state)
{
    (void)state;
    char buf[16] = { 0 };
    FILE *f = fmemopen(buf, sizeof buf, "w");
    assert_non_null(f);
    t32_console c;
    t32_console_init(&c, f, -1);
    t32_console_out(&c, CON_DATA, 'o');
    t32_console_out(&c, CON_DATA, 'k');
    fclose(f);
    assert_string_equal(buf, "ok");
    assert_null(c.outbuf);
    t32_console_free(&c);
}

static void test_console_buffered_input_then_eof(void **state)
{
    (void)state;
    t32_console c;
    t32_console_init(&c, NULL, -1);
    t32_console_set_input(&c, "xy", 2);
    assert_int_equal(t32_console_in(&c, CON_STATUS), T32_CON_RXREADY);
    assert_int_equal(t32_console_in(&c, CON_DATA), 'x');
    assert_int_equal(t32_console_in(&c, CON_STATUS), T32_CON_RXREADY);
    assert_int_equal(t32_console_in(&c, CON_DATA), 'y');
    assert_int_equal(t32_console_in(&c, CON_STATUS), T32_CON_RXEOF);
    assert_int_equal(t32_console_in(&c, CON_DATA), 0xffffffffu);
    assert_int_equal(t32_console_in(&c, CON_STATUS), T32_CON_RXEOF);
    t32_console_free(&c);
}

/* The console must not read the host until the guest asks: bytes waiting
 * in a pipe are invisible (no RXREADY, no interrupt) until CON_STATUS or
 * CON_DATA is read.  Otherwise a run would depend on when they arrived. */
static void test_console_reads_host_only_on_demand(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], "ab", 2), 2);
    close(p[1]);

    t32_console c;
    t32_console_init(&c, NULL, p[0]);
    t32_console_out(&c, CON_CTRL, 1);
    assert_false(t32_console_irq(&c));      /* nothing asked for yet */
    assert_int_equal(c.inlen, 0);
    assert_int_equal(t32_console_in(&c, CON_CTRL), 1);
    assert_int_equal(c.inlen, 0);           /* CTRL does not refill */

    assert_int_equal(t32_console_in(&c, CON_STATUS), T32_CON_RXREADY);
    assert_true(t32_console_irq(&c));
    assert_int_equal(t32_console_in(&c, CON_DATA), 'a');
    assert_int_equal(t32_console_in(&c, CON_DATA), 'b');
    assert_false(t32_console_irq(&c));      /* queue empty: line drops */
    assert_int_equal(t32_console_in(&c, CON_STATUS), T32_CON_RXEOF);
    assert_int_equal(t32_console_in(&c, CON_DATA), 0xffffffffu);
    close(p[0]);
    t32_console_free(&c);
}

/* While bytes are queued the host is not asked for more: a read of a
 * terminal would otherwise wait for the user although the guest has input.
 * (The pipe is non-blocking so that asking too early shows up as "input
 * ended" instead of hanging the test.) */
static void test_console_no_read_while_bytes_queued(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
    assert_int_equal(write(p[1], "ab", 2), 2);

    t32_console c;
    t32_console_init(&c, NULL, p[0]);
    assert_int_equal(t32_console_in(&c, CON_STATUS), T32_CON_RXREADY);
    assert_int_equal(t32_console_in(&c, CON_DATA), 'a');
    assert_int_equal(t32_console_in(&c, CON_STATUS), T32_CON_RXREADY);
    assert_int_equal(t32_console_in(&c, CON_DATA), 'b');
    assert_int_equal(write(p[1], "c", 1), 1);   /* typed later */
    assert_int_equal(t32_console_in(&c, CON_STATUS), T32_CON_RXREADY);
    assert_int_equal(t32_console_in(&c, CON_DATA), 'c');
    close(p[0]);
    close(p[1]);
    t32_console_free(&c);
}

/* Reading from a descriptor that fails is the end of the input, not a
 * crash or a hang. */
static void test_console_read_error_is_eof(void **state)
{
    (void)state;
    int fd = open("/dev/null", O_WRONLY);   /* read() on it fails: EBADF */
    assert_true(fd >= 0);
    t32_console c;
    t32_console_init(&c, NULL, fd);
    assert_int_equal(t32_console_in(&c, CON_DATA), 0xffffffffu);
    assert_int_equal(t32_console_in(&c, CON_STATUS), T32_CON_RXEOF);
    close(fd);
    t32_console_free(&c);
}

static void test_console_irq_and_ctrl(void **state)
{
    (void)state;
    t32_console c;
    t32_console_init(&c, NULL, -1);
    t32_console_set_input(&c, "z", 1);
    assert_false(t32_console_irq(&c));      /* RXIE off */
    t32_console_out(&c, CON_CTRL, 0xffffffffu);
    assert_int_equal(t32_console_in(&c, CON_CTRL), 1);  /* only RXIE sticks */
    assert_true(t32_console_irq(&c));
    t32_console_out(&c, CON_STATUS, 0);     /* read-only: no effect */
    assert_true(t32_console_irq(&c));
    t32_console_out(&c, CON_CTRL, 0);
    assert_false(t32_console_irq(&c));
    t32_console_out(&c, CON_CTRL, 1);
    assert_int_equal(t32_console_in(&c, CON_DATA), 'z');
    assert_false(t32_console_irq(&c));
    t32_console_free(&c);
}

/* ---- disk -------------------------------------------------------------------- */

#define NSECT   8
#define RAMSIZE 4096

typedef struct rig {
    t32_disk d;
    uint8_t  ram[RAMSIZE];
    uint8_t  ram_before[RAMSIZE];
    uint8_t  disk_before[NSECT * T32_SECTOR_SIZE];
} rig;

static int rig_setup(void **state)
{
    rig *r = calloc(1, sizeof *r);
    if (!r)
        return -1;
    uint8_t img[NSECT * T32_SECTOR_SIZE];
    for (size_t i = 0; i < sizeof img; i++)
        img[i] = (uint8_t)(i * 7 + i / T32_SECTOR_SIZE);
    t32_disk_init_mem(&r->d, img, sizeof img);
    for (size_t i = 0; i < RAMSIZE; i++)
        r->ram[i] = (uint8_t)(0xa5 ^ i);
    *state = r;
    return 0;
}

static int rig_teardown(void **state)
{
    rig *r = *state;
    t32_disk_free(&r->d);
    free(r);
    return 0;
}

static void program(t32_disk *d, uint32_t sector, uint32_t addr, uint32_t count)
{
    t32_disk_out(d, D_SECTOR, sector, 0);
    t32_disk_out(d, D_ADDR, addr, 0);
    t32_disk_out(d, D_COUNT, count, 0);
}

static void test_disk_registers(void **state)
{
    rig *r = *state;
    assert_int_equal(t32_disk_in(&r->d, D_SIZE), NSECT);
    program(&r->d, 3, 0x200, 2);
    assert_int_equal(t32_disk_in(&r->d, D_SECTOR), 3);
    assert_int_equal(t32_disk_in(&r->d, D_ADDR), 0x200);
    assert_int_equal(t32_disk_in(&r->d, D_COUNT), 2);
    assert_int_equal(t32_disk_in(&r->d, D_STATUS), T32_DISK_IDLE);
    t32_disk_out(&r->d, D_CTRL, 0xff, 0);
    assert_int_equal(t32_disk_in(&r->d, D_CTRL), 1);
    t32_disk_out(&r->d, D_SIZE, 1234, 0);          /* read-only */
    assert_int_equal(t32_disk_in(&r->d, D_SIZE), NSECT);
    t32_disk_out(&r->d, D_CMD, 7, 0);               /* not a command */
    assert_int_equal(t32_disk_in(&r->d, D_STATUS), T32_DISK_IDLE);
}

/* A read completes at exactly now + 200 + 50 * count, not a cycle early. */
static void test_disk_read_latency_exact(void **state)
{
    rig *r = *state;
    const uint64_t now = 1000;
    const uint64_t done = now + 200 + 50 * 3;
    program(&r->d, 2, 0x400, 3);
    t32_disk_out(&r->d, D_CMD, T32_DISK_CMD_READ, now);
    assert_int_equal(t32_disk_in(&r->d, D_STATUS), T32_DISK_BUSY);
    assert_int_equal(r->d.done_at, done);

    memcpy(r->ram_before, r->ram, RAMSIZE);
    t32_disk_tick(&r->d, done - 1, r->ram, RAMSIZE);
    assert_int_equal(t32_disk_in(&r->d, D_STATUS), T32_DISK_BUSY);
    assert_memory_equal(r->ram, r->ram_before, RAMSIZE);

    t32_disk_tick(&r->d, done, r->ram, RAMSIZE);
    assert_int_equal(t32_disk_in(&r->d, D_STATUS), T32_DISK_DONE);
    assert_memory_equal(r->ram + 0x400, r->d.data + 2 * T32_SECTOR_SIZE, 3 * T32_SECTOR_SIZE);
    assert_memory_equal(r->ram, r->ram_before, 0x400);      /* nothing else */
    assert_memory_equal(r->ram + 0x400 + 1536, r->ram_before + 0x400 + 1536,
                        RAMSIZE - 0x400 - 1536);
}

static void test_disk_write(void **state)
{
    rig *r = *state;
    program(&r->d, 7, 0x600, 1);
    t32_disk_out(&r->d, D_CMD, T32_DISK_CMD_WRITE, 0);
    t32_disk_tick(&r->d, 250, r->ram, RAMSIZE);
    assert_int_equal(t32_disk_in(&r->d, D_STATUS), T32_DISK_DONE);
    assert_memory_equal(r->d.data + 7 * T32_SECTOR_SIZE, r->ram + 0x600, T32_SECTOR_SIZE);
}

/* Start a transfer that must fail: at its completion time the status is
 * ERROR and neither RAM nor the disk has changed. */
static void expect_error(rig *r, uint32_t cmd, uint32_t sector, uint32_t addr,
                         uint32_t count)
{
    memcpy(r->ram_before, r->ram, RAMSIZE);
    memcpy(r->disk_before, r->d.data, sizeof r->disk_before);
    t32_disk_out(&r->d, D_STATUS, 0, 0);    /* acknowledge any previous */
    program(&r->d, sector, addr, count);
    t32_disk_out(&r->d, D_CMD, cmd, 0);
    assert_int_equal(t32_disk_in(&r->d, D_STATUS), T32_DISK_BUSY);
    t32_disk_tick(&r->d, r->d.done_at, r->ram, RAMSIZE);
    assert_int_equal(t32_disk_in(&r->d, D_STATUS), T32_DISK_ERROR);
    assert_memory_equal(r->ram, r->ram_before, RAMSIZE);
    assert_memory_equal(r->d.data, r->disk_before, sizeof r->disk_before);
}

static void test_disk_bounds(void **state)
{
    rig *r = *state;
    for (uint32_t cmd = T32_DISK_CMD_READ; cmd <= T32_DISK_CMD_WRITE; cmd++) {
        expect_error(r, cmd, 0, 0, 0);                  /* zero count */
        expect_error(r, cmd, NSECT, 0, 1);              /* sector past the end */
        expect_error(r, cmd, NSECT - 1, 0, 2);          /* runs past the end */
        expect_error(r, cmd, 0xffffffffu, 0, 2);        /* sector + count wraps */
        expect_error(r, cmd, 0, RAMSIZE - 256, 1);      /* DMA past RAM */
        expect_error(r, cmd, 0, RAMSIZE, 1);            /* DMA starts at the end */
        expect_error(r, cmd, 0, 0xfffffe00u, 2);        /* address wraps to 0x200 */
        expect_error(r, cmd, 0, 0, 0x00800001u);        /* count * 512 wraps to 512 */
        expect_error(r, cmd, 1, 0, 0xffffffffu);        /* huge count */
    }
    /* The largest legal transfers still work: last sector, last bytes of RAM. */
    t32_disk_out(&r->d, D_STATUS, 0, 0);
    program(&r->d, NSECT - 1, RAMSIZE - T32_SECTOR_SIZE, 1);
    t32_disk_out(&r->d, D_CMD, T32_DISK_CMD_READ, 0);
    t32_disk_tick(&r->d, r->d.done_at, r->ram, RAMSIZE);
    assert_int_equal(t32_disk_in(&r->d, D_STATUS), T32_DISK_DONE);
}

/* Once a transfer is running its parameters cannot change: otherwise a
 * guest could redirect DMA after the command was accepted. */
static void test_disk_busy_locks_registers(void **state)
{
    rig *r = *state;
    program(&r->d, 1, 0, 1);
    t32_disk_out(&r->d, D_CMD, T32_DISK_CMD_READ, 0);
    uint64_t done = r->d.done_at;
    program(&r->d, 0xffffffffu, 0xffffffffu, 0xffffffffu);
    t32_disk_out(&r->d, D_CMD, T32_DISK_CMD_WRITE, 100);    /* ignored while BUSY */
    t32_disk_out(&r->d, D_STATUS, 0, 0);                    /* cannot cancel */
    assert_int_equal(t32_disk_in(&r->d, D_SECTOR), 1);
    assert_int_equal(t32_disk_in(&r->d, D_COUNT), 1);
    assert_int_equal(r->d.done_at, done);
    assert_int_equal(t32_disk_in(&r->d, D_STATUS), T32_DISK_BUSY);
    t32_disk_tick(&r->d, done, r->ram, RAMSIZE);
    assert_int_equal(t32_disk_in(&r->d, D_STATUS), T32_DISK_DONE);
    assert_memory_equal(r->ram, r->d.data + T32_SECTOR_SIZE, T32_SECTOR_SIZE);
}

static void test_disk_irq_and_ack(void **state)
{
    rig *r = *state;
    program(&r->d, 0, 0, 1);
    t32_disk_out(&r->d, D_CMD, T32_DISK_CMD_READ, 0);
    t32_disk_tick(&r->d, r->d.done_at, r->ram, RAMSIZE);
    assert_false(t32_disk_irq(&r->d));      /* CTRL bit 0 is off */
    t32_disk_out(&r->d, D_CTRL, 1, 0);
    assert_true(t32_disk_irq(&r->d));
    t32_disk_out(&r->d, D_STATUS, 0, 0);    /* acknowledge */
    assert_int_equal(t32_disk_in(&r->d, D_STATUS), T32_DISK_IDLE);
    assert_false(t32_disk_irq(&r->d));

    expect_error(r, T32_DISK_CMD_READ, NSECT, 0, 1);
    assert_true(t32_disk_irq(&r->d));       /* ERROR interrupts too */
    t32_disk_out(&r->d, D_STATUS, 0, 0);
    assert_false(t32_disk_irq(&r->d));

    program(&r->d, 0, 0, 1);
    t32_disk_out(&r->d, D_CMD, T32_DISK_CMD_READ, 0);
    assert_false(t32_disk_irq(&r->d));      /* BUSY does not interrupt */
}

static void test_disk_done_at_saturates(void **state)
{
    rig *r = *state;
    program(&r->d, 0, 0, 1);
    t32_disk_out(&r->d, D_CMD, T32_DISK_CMD_READ, UINT64_MAX - 10);
    assert_true(r->d.done_at == UINT64_MAX);
}

static void test_disk_no_disk(void **state)
{
    (void)state;
    t32_disk d;
    uint8_t ram[1024] = { 0 };
    t32_disk_init_mem(&d, NULL, 0);
    assert_int_equal(t32_disk_in(&d, D_SIZE), 0);
    program(&d, 0, 0, 1);
    t32_disk_out(&d, D_CMD, T32_DISK_CMD_READ, 0);
    t32_disk_tick(&d, d.done_at, ram, sizeof ram);
    assert_int_equal(t32_disk_in(&d, D_STATUS), T32_DISK_ERROR);
    t32_disk_free(&d);
}

/* ---- disk image files ----------------------------------------------------------- */

/* Create a temporary file with `len` bytes of a pattern; returns its path. */
static char *temp_image(size_t len)
{
    char *path = strdup("/tmp/t32diskXXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    for (size_t i = 0; i < len; i++) {
        uint8_t b = (uint8_t)(i ^ (i >> 9));
        assert_int_equal(write(fd, &b, 1), 1);
    }
    close(fd);
    return path;
}

static void expect_refused(size_t len)
{
    char *path = temp_image(len);
    t32_disk d;
    const char *err = NULL;
    assert_false(t32_disk_open(&d, path, &err));
    assert_non_null(err);
    assert_null(d.data);
    assert_int_equal(d.fd, -1);
    unlink(path);
    free(path);
}

static void test_disk_open_refuses_bad_images(void **state)
{
    (void)state;
    expect_refused(0);
    expect_refused(511);
    expect_refused(513);
    t32_disk d;
    const char *err = NULL;
    assert_false(t32_disk_open(&d, "/nonexistent/disk.img", &err));
    assert_non_null(err);
    err = NULL;
    assert_false(t32_disk_open(&d, "/tmp", &err));  /* a directory */
    assert_non_null(err);
}

/* An image is read whole, and writes reach the file. */
static void test_disk_open_and_write_through(void **state)
{
    (void)state;
    char *path = temp_image(4 * T32_SECTOR_SIZE);
    t32_disk d;
    const char *err = NULL;
    assert_true(t32_disk_open(&d, path, &err));
    assert_int_equal(t32_disk_in(&d, D_SIZE), 4);
    assert_int_equal(d.data[1000], (uint8_t)(1000 ^ (1000 >> 9)));

    uint8_t ram[T32_SECTOR_SIZE];
    memset(ram, 0x5c, sizeof ram);
    program(&d, 2, 0, 1);
    t32_disk_out(&d, D_CMD, T32_DISK_CMD_WRITE, 0);
    t32_disk_tick(&d, d.done_at, ram, sizeof ram);
    assert_int_equal(t32_disk_in(&d, D_STATUS), T32_DISK_DONE);
    t32_disk_free(&d);

    uint8_t back[T32_SECTOR_SIZE];
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, back, sizeof back, 2 * T32_SECTOR_SIZE), T32_SECTOR_SIZE);
    assert_memory_equal(back, ram, sizeof back);
    assert_int_equal(pread(fd, back, 1, T32_SECTOR_SIZE), 1);   /* neighbours intact */
    assert_int_equal(back[0], (uint8_t)(512 ^ 1));
    close(fd);
    unlink(path);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_console_output_buffer),
        cmocka_unit_test(test_console_output_buffer_is_bounded),
        cmocka_unit_test(test_console_output_file),
        cmocka_unit_test(test_console_buffered_input_then_eof),
        cmocka_unit_test(test_console_reads_host_only_on_demand),
        cmocka_unit_test(test_console_no_read_while_bytes_queued),
        cmocka_unit_test(test_console_read_error_is_eof),
        cmocka_unit_test(test_console_irq_and_ctrl),
        cmocka_unit_test_setup_teardown(test_disk_registers, rig_setup, rig_teardown),
        cmocka_unit_test_setup_teardown(test_disk_read_latency_exact, rig_setup, rig_teardown),
        cmocka_unit_test_setup_teardown(test_disk_write, rig_setup, rig_teardown),
        cmocka_unit_test_setup_teardown(test_disk_bounds, rig_setup, rig_teardown),
        cmocka_unit_test_setup_teardown(test_disk_busy_locks_registers, rig_setup, rig_teardown),
        cmocka_unit_test_setup_teardown(test_disk_irq_and_ack, rig_setup, rig_teardown),
        cmocka_unit_test_setup_teardown(test_disk_done_at_saturates, rig_setup, rig_teardown),
        cmocka_unit_test(test_disk_no_disk),
        cmocka_unit_test(test_disk_open_refuses_bad_images),
        cmocka_unit_test(test_disk_open_and_write_through),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
