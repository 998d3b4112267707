/*
 * test_snapshot.c - snapshots reproduce a run exactly, and snapshot bytes
 * from outside are validated.
 *
 * The workload keeps every part of the machine busy: CPU 0 takes timer
 * interrupts (printing '.'), runs back-to-back disk transfers that
 * interrupt on completion (printing '#', alternating reads and writes),
 * and echoes console input one byte per timer tick; CPU 1 meanwhile fills
 * a log through a non-atomic counter that the quantum cuts at odd places.
 * If any piece of state were missing from the snapshot, the replay would
 * print something else or end somewhere else.
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
#include "asm.h"

#define MEM       (128u << 10)
#define CODE0     0x100u
#define HANDLER   0x400u
#define CODE1     0x800u
#define DMA       0x3000u
#define COUNTER   0x4000u
#define LOG       0x8000u
#define NSECT     4
#define INPUT     "The quick brown fox jumps over the lazy dog; snapshots replay it."

/* ---- the workload ------------------------------------------------------------- */

static void write_handler(prog *p)
{
    p->pc = HANDLER;
    mfsr(p, 10, T32_SR_CAUSE);
    emit(p, T32_ENC_I(T32_OP_CMPI, 0, 10, T32_CAUSE_IRQ_TIMER));
    uint32_t to_disk = p->pc;
    emit(p, 0);                                     /* bne disk (patched) */
    emit(p, T32_ENC_I(T32_OP_ADDI, 12, 12, 1));     /* ticks++ */
    li(p, 11, '.');
    out(p, 11, T32_PORT_CON_DATA);
    op0(p, T32_OP_RFE);

    uint32_t disk = p->pc;
    prog fix = { p->m, to_disk };
    branch(&fix, T32_OP_BNE, disk);
    out(p, 0, T32_PORT_DISK_STATUS);                /* acknowledge */
    emit(p, T32_ENC_I(T32_OP_ANDI, 11, 12, NSECT - 1));
    out(p, 11, T32_PORT_DISK_SECTOR);               /* sector = ticks % 4 */
    emit(p, T32_ENC_I(T32_OP_ANDI, 11, 12, 1));
    emit(p, T32_ENC_I(T32_OP_ADDI, 11, 11, 1));
    out(p, 11, T32_PORT_DISK_CMD);                  /* read or write */
    li(p, 11, '#');
    out(p, 11, T32_PORT_CON_DATA);
    op0(p, T32_OP_RFE);
}

static void write_cpu0(prog *p)
{
    p->pc = CODE0;
    li(p, 1, HANDLER);
    mtsr(p, T32_SR_TVEC, 1);
    li(p, 1, DMA);
    out(p, 1, T32_PORT_DISK_ADDR);
    li(p, 1, 1);
    out(p, 1, T32_PORT_DISK_COUNT);
    out(p, 1, T32_PORT_DISK_CTRL);
    out(p, 1, T32_PORT_DISK_CMD);                   /* first read */
    li(p, 1, 97);
    mtsr(p, T32_SR_TIMER, 1);
    op0(p, T32_OP_STI);
    uint32_t loop = p->pc;                          /* wait for a new tick */
    emit(p, T32_ENC_R(T32_OP_CMP, 0, 12, 13));
    branch(p, T32_OP_BEQ, loop);
    emit(p, T32_ENC_R(T32_OP_ADD, 13, 12, 0));
    in(p, 2, T32_PORT_CON_STATUS);
    emit(p, T32_ENC_I(T32_OP_ANDI, 3, 2, T32_CON_RXREADY));
    branch_reg(p, T32_OP_BZ, 3, loop);
    in(p, 4, T32_PORT_CON_DATA);
    emit(p, T32_ENC_I(T32_OP_ADDI, 4, 4, 1));       /* echo, shifted by one */
    out(p, 4, T32_PORT_CON_DATA);
    branch(p, T32_OP_B, loop);
}

/* CPU 1: log[counter % 8192] = 2; counter++ (not atomic). */
static void write_cpu1(prog *p)
{
    p->pc = CODE1;
    emit(p, T32_ENC_I(T32_OP_LDW, 2, 0, COUNTER));
    emit(p, T32_ENC_I(T32_OP_ANDI, 3, 2, 0x1fff));
    emit(p, T32_ENC_I(T32_OP_SHLI, 3, 3, 2));
    li(p, 6, LOG);
    emit(p, T32_ENC_R(T32_OP_ADD, 3, 3, 6));
    emit(p, T32_ENC_I(T32_OP_STW, 1, 3, 0));
    emit(p, T32_ENC_I(T32_OP_ADDI, 2, 2, 1));
    emit(p, T32_ENC_I(T32_OP_STW, 2, 0, COUNTER));
    branch(p, T32_OP_B, CODE1);
}

static t32_machine *workload(void)
{
    t32_machine *m = t32_machine_new(MEM, 2);
    assert_non_null(m);
    m->quantum = 53;
    t32_console_init(&m->console, NULL, -1);
    t32_console_set_input(&m->console, INPUT, strlen(INPUT));
    uint8_t img[NSECT * T32_SECTOR_SIZE];
    for (size_t i = 0; i < sizeof img; i++)
        img[i] = (uint8_t)(i * 31 + 7);
    t32_disk_init_mem(&m->disk, img, sizeof img);

    prog p = { m, 0 };
    write_handler(&p);
    write_cpu0(&p);
    write_cpu1(&p);
    m->cpu[0].pc = CODE0;
    m->cpu[1].pc = CODE1;
    m->cpu[1].r[1] = 2;
    return m;
}

/* ---- helpers --------------------------------------------------------------------- */

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3u;
    return h;
}

static uint8_t *to_bytes(const t32_snapshot *s, size_t *len)
{
    *len = t32_snapshot_size(s);
    uint8_t *buf = malloc(*len);
    assert_non_null(buf);
    assert_false(t32_snapshot_serialize(s, buf, *len - 1));     /* too small */
    assert_true(t32_snapshot_serialize(s, buf, *len));
    return buf;
}

/* A hash of the machine's whole guest-visible state. */
static uint64_t state_hash(const t32_machine *m)
{
    t32_snapshot *s = t32_snapshot_take(m);
    assert_non_null(s);
    size_t len;
    uint8_t *buf = to_bytes(s, &len);
    uint64_t h = fnv1a(buf, len);
    free(buf);
    t32_snapshot_free(s);
    return h;
}

/* Run `cycles` and return what the console printed meanwhile (malloc'd). */
static char *run_and_capture(t32_machine *m, uint64_t cycles)
{
    size_t start = m->console.outlen;
    assert_int_equal(t32_machine_run(m, cycles, NULL), T32_EXIT_BUDGET);
    size_t n = m->console.outlen - start;
    char *text = malloc(n + 1);
    assert_non_null(text);
    memcpy(text, m->console.outbuf + start, n);
    text[n] = '\0';
    return text;
}

#define FIRST  3000     /* cycles before the snapshot: input is half read */
#define SECOND 6000     /* cycles replayed after it */

/* ---- replay -------------------------------------------------------------------------- */

static void test_restore_replays_exactly(void **state)
{
    (void)state;
    t32_machine *m = workload();
    assert_int_equal(t32_machine_run(m, FIRST, NULL), T32_EXIT_BUDGET);
    t32_snapshot *s = t32_snapshot_take(m);
    assert_non_null(s);
    uint64_t at_snapshot = state_hash(m);

    char *first = run_and_capture(m, SECOND);
    uint64_t after_first = state_hash(m);
    /* The workload really exercised everything after the snapshot. */
    assert_non_null(strchr(first, '.'));
    assert_non_null(strchr(first, '#'));
    assert_non_null(strchr(first, 'z' + 1));        /* echo of "lazy" */
    assert_true(m->console.inlen == m->console.inpos);

    assert_true(t32_snapshot_restore(m, s));
    assert_true(state_hash(m) == at_snapshot);
    char *second = run_and_capture(m, SECOND);
    assert_string_equal(first, second);
    assert_true(state_hash(m) == after_first);

    free(first);
    free(second);
    t32_snapshot_free(s);
    t32_machine_free(m);
}

/* The same through bytes, into a freshly built machine. */
static void test_bytes_round_trip_replays(void **state)
{
    (void)state;
    t32_machine *m = workload();
    assert_int_equal(t32_machine_run(m, FIRST, NULL), T32_EXIT_BUDGET);
    t32_snapshot *s = t32_snapshot_take(m);
    size_t len;
    uint8_t *bytes = to_bytes(s, &len);
    char *first = run_and_capture(m, SECOND);
    uint64_t after_first = state_hash(m);

    const char *err = NULL;
    t32_snapshot *back = t32_snapshot_deserialize(bytes, len, &err);
    assert_non_null(back);
    size_t len2;
    uint8_t *bytes2 = to_bytes(back, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(bytes, bytes2, len);        /* the format is canonical */

    assert_int_equal(t32_snapshot_memsize(back), MEM);
    assert_int_equal(t32_snapshot_ncpus(back), 2);
    t32_machine *fresh = t32_machine_new(t32_snapshot_memsize(back), t32_snapshot_ncpus(back));
    t32_console_init(&fresh->console, NULL, -1);
    assert_true(t32_snapshot_restore(fresh, back));   /* adopts the disk */
    assert_int_equal(fresh->disk.nsectors, NSECT);
    char *second = run_and_capture(fresh, SECOND);
    assert_string_equal(first, second);
    assert_true(state_hash(fresh) == after_first);

    free(first);
    free(second);
    free(bytes);
    free(bytes2);
    t32_snapshot_free(s);
    t32_snapshot_free(back);
    t32_machine_free(m);
    t32_machine_free(fresh);
}

/* ---- what restore keeps and refuses -------------------------------------------------- */

static void test_restore_refuses_other_shapes(void **state)
{
    (void)state;
    t32_machine *m = workload();
    t32_snapshot *s = t32_snapshot_take(m);
    t32_machine *small = t32_machine_new(MEM / 2, 2);
    t32_machine *single = t32_machine_new(MEM, 1);
    t32_machine *other_disk = t32_machine_new(MEM, 2);
    uint8_t sector[T32_SECTOR_SIZE] = { 1 };
    t32_disk_init_mem(&other_disk->disk, sector, sizeof sector);
    uint64_t before = state_hash(other_disk);

    assert_false(t32_snapshot_restore(small, s));
    assert_false(t32_snapshot_restore(single, s));
    assert_false(t32_snapshot_restore(other_disk, s));
    assert_true(state_hash(other_disk) == before);  /* untouched */

    t32_snapshot_free(s);
    t32_machine_free(m);
    t32_machine_free(small);
    t32_machine_free(single);
    t32_machine_free(other_disk);
}

/* Restore empties the TLBs (they may point at translations the snapshot
 * never had) and keeps host-side state: breakpoints, machine, CPU number. */
static void test_restore_flushes_tlb_keeps_host_state(void **state)
{
    (void)state;
    t32_machine *m = workload();
    t32_snapshot *s = t32_snapshot_take(m);
    assert_true(t32_break_set(&m->cpu[1], 0x1234));
    m->cpu[0].tlb[0][5].vpage = 6;                  /* a stale translation */
    m->cpu[1].tlb[1][9].vpage = 10;
    assert_int_equal(t32_machine_run(m, 500, NULL), T32_EXIT_BUDGET);

    assert_true(t32_snapshot_restore(m, s));
    for (int c = 0; c < 2; c++)
        for (int mode = 0; mode < 2; mode++)
            for (int i = 0; i < T32_TLB_SIZE; i++)
                assert_int_equal(m->cpu[c].tlb[mode][i].vpage, 0);
    assert_int_equal(m->cpu[1].nbreaks, 1);
    assert_int_equal(m->cpu[1].breaks[0], 0x1234);
    assert_ptr_equal(m->cpu[1].m, m);
    assert_int_equal(m->cpu[1].id, 1);
    assert_int_equal(m->cpu[0].cycles, 0);
    t32_snapshot_free(s);
    t32_machine_free(m);
}

/* A disk backed by a file: restoring puts the file back as well. */
static void test_restore_rewrites_disk_file(void **state)
{
    (void)state;
    char path[] = "/tmp/t32snapXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    uint8_t img[NSECT * T32_SECTOR_SIZE];
    memset(img, 0x11, sizeof img);
    assert_int_equal(write(fd, img, sizeof img), (ssize_t)sizeof img);
    close(fd);

    t32_machine *m = t32_machine_new(MEM, 1);
    const char *err = NULL;
    assert_true(t32_disk_open(&m->disk, path, &err));
    t32_snapshot *s = t32_snapshot_take(m);

    memset(m->mem + DMA, 0x99, T32_SECTOR_SIZE);    /* write sector 2 */
    t32_port_out(m, &m->cpu[0], T32_PORT_DISK_SECTOR, 2);
    t32_port_out(m, &m->cpu[0], T32_PORT_DISK_ADDR, DMA);
    t32_port_out(m, &m->cpu[0], T32_PORT_DISK_COUNT, 1);
    t32_port_out(m, &m->cpu[0], T32_PORT_DISK_CMD, T32_DISK_CMD_WRITE);
    t32_devices_lines(m, m->disk.done_at);
    assert_int_equal(m->disk.status, T32_DISK_DONE);

    uint8_t back[T32_SECTOR_SIZE];
    fd = open(path, O_RDONLY);
    assert_int_equal(pread(fd, back, sizeof back, 2 * T32_SECTOR_SIZE), T32_SECTOR_SIZE);
    assert_int_equal(back[0], 0x99);
    assert_true(t32_snapshot_restore(m, s));
    assert_int_equal(m->disk.status, T32_DISK_IDLE);
    assert_int_equal(m->disk.data[2 * T32_SECTOR_SIZE], 0x11);
    assert_int_equal(pread(fd, back, sizeof back, 2 * T32_SECTOR_SIZE), T32_SECTOR_SIZE);
    assert_int_equal(back[0], 0x11);
    assert_int_equal(back[T32_SECTOR_SIZE - 1], 0x11);
    close(fd);
    unlink(path);
    t32_snapshot_free(s);
    t32_machine_free(m);
}

/* ---- untrusted bytes ---------------------------------------------------------------------- */

/* A small valid snapshot: 1 page of RAM, 1 CPU, 1 disk sector, 3 queued
 * input bytes. */
static uint8_t *small_snapshot(size_t *len)
{
    t32_machine *m = t32_machine_new(4096, 1);
    t32_console_init(&m->console, NULL, -1);
    t32_console_set_input(&m->console, "abc", 3);
    uint8_t sector[T32_SECTOR_SIZE] = { 42 };
    t32_disk_init_mem(&m->disk, sector, sizeof sector);
    m->mem[100] = 7;
    t32_snapshot *s = t32_snapshot_take(m);
    uint8_t *buf = to_bytes(s, len);
    t32_snapshot_free(s);
    t32_machine_free(m);
    return buf;
}

static void expect_rejected(const uint8_t *buf, size_t len)
{
    const char *err = NULL;
    t32_snapshot *s = t32_snapshot_deserialize(buf, len, &err);
    if (s)
        fail_msg("accepted a bad snapshot of %zu bytes", len);
    assert_non_null(err);
}

static void test_deserialize_rejects_truncation(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = small_snapshot(&len);
    const char *err = NULL;
    t32_snapshot *ok = t32_snapshot_deserialize(buf, len, &err);
    assert_non_null(ok);
    t32_snapshot_free(ok);
    for (size_t cut = 0; cut < len; cut++)
        expect_rejected(buf, cut);

    uint8_t *longer = malloc(len + 1);
    memcpy(longer, buf, len);
    longer[len] = 0;
    expect_rejected(longer, len + 1);               /* trailing garbage */
    free(longer);
    free(buf);
}

/* Byte offsets in the format (see snapshot.c), for a 1-CPU snapshot. */
enum {
    OFF_VERSION = 8, OFF_MEMSIZE = 12, OFF_NCPUS = 16, OFF_QUANTUM = 20,
    OFF_RR_CPU = 24, OFF_RR_USED = 28,
    OFF_CPU = 44,                           /* r[16] pc psr sr[11] ... */
    OFF_PSR = OFF_CPU + 68, OFF_SR = OFF_CPU + 72, OFF_CYCLES = OFF_CPU + 116,
    OFF_DEADLINE = OFF_CPU + 132, OFF_PENDING = OFF_CPU + 140,
    OFF_HALTED = OFF_CPU + 144, OFF_CAUSE = OFF_CPU + 152,
    OFF_CON = OFF_CPU + 184,                /* ctrl eof queued(8) bytes */
    OFF_DISK = OFF_CON + 16 + 3,            /* nsectors sector addr count status ctrl cmd */
};

static void put32_at(uint8_t *b, size_t off, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b[off + (size_t)i] = (uint8_t)(v >> (8 * i));
}

/* Patch one 32-bit field of a valid snapshot and expect rejection. */
static void expect_field_rejected(size_t off, uint32_t value)
{
    size_t len;
    uint8_t *buf = small_snapshot(&len);
    put32_at(buf, off, value);
    expect_rejected(buf, len);
    free(buf);
}

static void test_deserialize_rejects_bad_fields(void **state)
{
    (void)state;
    expect_field_rejected(0, 0x30323354);                   /* magic */
    expect_field_rejected(OFF_VERSION, 2);
    expect_field_rejected(OFF_MEMSIZE, 0);
    expect_field_rejected(OFF_MEMSIZE, 4097);
    expect_field_rejected(OFF_MEMSIZE, 8192);               /* not what follows */
    expect_field_rejected(OFF_MEMSIZE, 0x80000000u);        /* 2 GiB: no alloc */
    expect_field_rejected(OFF_NCPUS, 0);
    expect_field_rejected(OFF_NCPUS, T32_MAX_CPUS + 1);
    expect_field_rejected(OFF_NCPUS, 2);                    /* lengths no longer fit */
    expect_field_rejected(OFF_QUANTUM, 0);
    expect_field_rejected(OFF_RR_CPU, 1);
    expect_field_rejected(OFF_RR_USED, 0xffffffffu);
    expect_field_rejected(OFF_CPU, 5);                      /* r0 != 0 */
    expect_field_rejected(OFF_PSR, 0x100);
    /* EPSR holds a PSR: its reserved bits read as zero (ISA.md 2), and
     * mfsr epsr would show them.  cpuid is the CPU's own number. */
    expect_field_rejected(OFF_SR + 4 * T32_SR_EPSR, 0xffffffffu);
    expect_field_rejected(OFF_SR + 4 * T32_SR_EPSR, T32_PSR_K | 0x4);
    expect_field_rejected(OFF_SR + 4 * T32_SR_CPUID, 1);
    expect_field_rejected(OFF_PENDING, 8);
    expect_field_rejected(OFF_HALTED, 2);
    expect_field_rejected(OFF_CAUSE, 11);
    expect_field_rejected(OFF_CAUSE, 0xffffffffu);
    expect_field_rejected(OFF_CON, 2);                      /* ctrl */
    expect_field_rejected(OFF_CON + 4, 7);                  /* eof */
    expect_field_rejected(OFF_CON + 8, 0xffffffffu);        /* queued */
    expect_field_rejected(OFF_CON + 12, 1);                 /* queued, high word */
    expect_field_rejected(OFF_DISK, 0x7fffffffu);           /* nsectors */
    expect_field_rejected(OFF_DISK, 2);                     /* lengths no longer fit */
    expect_field_rejected(OFF_DISK + 16, 4);                /* status */
    expect_field_rejected(OFF_DISK + 20, 2);                /* ctrl */
    expect_field_rejected(OFF_DISK + 24, 3);                /* cmd */

    /* BUSY with no command in flight cannot happen. */
    size_t len;
    uint8_t *buf = small_snapshot(&len);
    /* (A full PSR in EPSR is fine: the offset is right.) */
    put32_at(buf, OFF_SR + 4 * T32_SR_EPSR, T32_PSR_MASK);
    /* A timer of 100 cycles fires within 100 cycles of now, never later. */
    put32_at(buf, OFF_SR + 4 * T32_SR_TIMER, 100);
    put32_at(buf, OFF_CYCLES, 1000);
    put32_at(buf, OFF_DEADLINE, 1101);
    put32_at(buf, OFF_DEADLINE + 4, 0);
    expect_rejected(buf, len);
    put32_at(buf, OFF_DEADLINE + 4, 1);             /* 2^32 + 1101 */
    expect_rejected(buf, len);
    put32_at(buf, OFF_DEADLINE + 4, 0);
    put32_at(buf, OFF_DEADLINE, 1100);
    put32_at(buf, OFF_DISK + 16, T32_DISK_BUSY);
    put32_at(buf, OFF_DISK + 24, 0);
    expect_rejected(buf, len);
    /* ...but BUSY with a read in flight is fine: the offsets are right. */
    put32_at(buf, OFF_DISK + 24, T32_DISK_CMD_READ);
    /* A transfer completes 200 + 50 x COUNT cycles of CPU 0 after its
     * command at the latest: a later completion is not a state a run can
     * reach (the disk would stay BUSY longer than the guest was promised). */
    put32_at(buf, OFF_CYCLES, 1000);
    put32_at(buf, OFF_DISK + 12, 2);                        /* count */
    put32_at(buf, OFF_DISK + 28, 1000 + 300 + 1);           /* done_at */
    expect_rejected(buf, len);
    put32_at(buf, OFF_DISK + 32, 1);                        /* 2^32 later still */
    put32_at(buf, OFF_DISK + 28, 1000);
    expect_rejected(buf, len);
    put32_at(buf, OFF_DISK + 32, 0);
    put32_at(buf, OFF_DISK + 28, 1000 + 300);
    const char *err = NULL;
    t32_snapshot *s = t32_snapshot_deserialize(buf, len, &err);
    assert_non_null(s);
    t32_snapshot_free(s);
    free(buf);
}

/* Noise, and noise behind a valid magic: rejected, never a crash. */
static void test_deserialize_rejects_noise(void **state)
{
    (void)state;
    uint32_t x = 12345;
    uint8_t buf[600];
    for (int round = 0; round < 200; round++) {
        for (size_t i = 0; i < sizeof buf; i++) {
            x = x * 1103515245u + 12345u;
            buf[i] = (uint8_t)(x >> 16);
        }
        if (round % 2)
            memcpy(buf, "T32SNAP\n\1\0\0\0", 12);
        expect_rejected(buf, (size_t)(x % sizeof buf));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_restore_replays_exactly),
        cmocka_unit_test(test_bytes_round_trip_replays),
        cmocka_unit_test(test_restore_refuses_other_shapes),
        cmocka_unit_test(test_restore_flushes_tlb_keeps_host_state),
        cmocka_unit_test(test_restore_rewrites_disk_file),
        cmocka_unit_test(test_deserialize_rejects_truncation),
        cmocka_unit_test(test_deserialize_rejects_bad_fields),
        cmocka_unit_test(test_deserialize_rejects_noise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
