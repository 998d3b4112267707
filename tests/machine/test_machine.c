/*
 * test_machine.c - the machine: creation, physical memory, the port bus,
 * CPUs doing in/out, disk DMA with its completion interrupt, and the
 * deterministic round-robin of several CPUs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "t32.h"
#include "asm.h"

#define MEM   (64u << 10)
#define CODE  0x100u

/* A machine whose console writes into a buffer and reads `input`. */
static t32_machine *machine(int ncpus, const char *input)
{
    t32_machine *m = t32_machine_new(MEM, ncpus);
    assert_non_null(m);
    t32_console_init(&m->console, NULL, -1);
    t32_console_set_input(&m->console, input, strlen(input));
    for (int i = 0; i < ncpus; i++)
        m->cpu[i].pc = CODE;
    return m;
}

/* ---- creation and physical memory ------------------------------------------ */

static void test_new_rejects_bad_arguments(void **state)
{
    (void)state;
    assert_null(t32_machine_new(0, 1));
    assert_null(t32_machine_new(4096 + 4, 1));          /* not whole pages */
    assert_null(t32_machine_new((1u << 30) + 4096, 1)); /* over 1 GiB */
    assert_null(t32_machine_new(4096, 0));
    assert_null(t32_machine_new(4096, T32_MAX_CPUS + 1));
    assert_null(t32_machine_new(4096, -1));
}

static void test_new_resets_everything(void **state)
{
    (void)state;
    t32_machine *m = t32_machine_new(8192, 3);
    assert_non_null(m);
    assert_int_equal(m->memsize, 8192);
    assert_int_equal(m->ncpus, 3);
    assert_true(m->quantum > 0);
    for (int i = 0; i < 3; i++) {
        assert_ptr_equal(m->cpu[i].m, m);
        assert_int_equal(m->cpu[i].id, i);
        assert_int_equal(m->cpu[i].psr, T32_PSR_K);
        assert_false(m->cpu[i].halted);
    }
    for (uint32_t a = 0; a < 8192; a++)
        assert_int_equal(m->mem[a], 0);
    assert_ptr_equal(m->console.out, stdout);
    assert_int_equal(m->console.in_fd, 0);
    assert_int_equal(m->disk.nsectors, 0);
    assert_int_equal(m->disk.fd, -1);
    assert_int_equal(m->bad_port_accesses, 0);
    t32_machine_free(m);
    t32_machine_free(NULL);
}

static void test_phys_access_bounds(void **state)
{
    (void)state;
    t32_machine *m = t32_machine_new(4096, 1);
    uint32_t v = 0;
    uint8_t b[8] = { 0 };
    assert_true(t32_phys_write32(m, 4092, 0x11223344u));
    assert_int_equal(m->mem[4092], 0x44);               /* little-endian */
    assert_int_equal(m->mem[4095], 0x11);
    assert_true(t32_phys_read32(m, 4092, &v));
    assert_int_equal(v, 0x11223344u);
    assert_false(t32_phys_read32(m, 4093, &v));         /* crosses the end */
    assert_false(t32_phys_write32(m, 4096, 1));
    assert_false(t32_phys_read(m, 0xfffffffcu, b, 8));  /* pa + len wraps */
    assert_false(t32_phys_write(m, 1, b, (size_t)-1));
    assert_true(t32_phys_read(m, 4096, b, 0));          /* empty, at the end */
    assert_true(t32_phys_write(m, 0, b, 8));
    t32_machine_free(m);
}

/* ---- the port bus -------------------------------------------------------------- */

static void test_ports_from_c(void **state)
{
    (void)state;
    t32_machine *m = machine(2, "q");
    t32_cpu *cpu = &m->cpu[0];
    assert_int_equal(t32_port_in(m, cpu, T32_PORT_MEMSIZE), MEM);
    assert_int_equal(t32_port_in(m, cpu, T32_PORT_NCPUS), 2);
    t32_port_out(m, cpu, T32_PORT_MEMSIZE, 5);          /* read-only */
    assert_int_equal(t32_port_in(m, cpu, T32_PORT_MEMSIZE), MEM);
    assert_int_equal(m->bad_port_accesses, 0);

    /* Holes between and after the devices read all ones and count. */
    const uint32_t holes[] = { 0x02, 0x0f, 0x13, 0x1f, 0x27, 0x30, 0xffff };
    for (size_t i = 0; i < sizeof holes / sizeof holes[0]; i++)
        assert_int_equal(t32_port_in(m, cpu, holes[i]), 0xffffffffu);
    assert_int_equal(m->bad_port_accesses, 7);
    uint8_t before[MEM];
    memcpy(before, m->mem, MEM);
    t32_port_out(m, cpu, 0x13, 0x41);
    assert_int_equal(m->bad_port_accesses, 8);
    assert_memory_equal(before, m->mem, MEM);
    assert_int_equal(m->console.outlen, 0);

    /* Only the low 16 bits select the port. */
    assert_int_equal(t32_port_in(m, cpu, 0x10000u | T32_PORT_CON_DATA), 'q');
    t32_port_out(m, cpu, 0xabcd0000u | T32_PORT_CON_DATA, '!');
    assert_string_equal(m->console.outbuf, "!");
    t32_port_out(m, cpu, T32_PORT_DISK_CTRL, 1);
    assert_int_equal(t32_port_in(m, cpu, T32_PORT_DISK_CTRL), 1);
    assert_int_equal(m->bad_port_accesses, 8);
    t32_machine_free(m);
}

static void test_device_events_and_lines(void **state)
{
    (void)state;
    t32_machine *m = machine(1, "k");
    uint8_t img[2 * T32_SECTOR_SIZE];
    memset(img, 0x3c, sizeof img);
    t32_disk_init_mem(&m->disk, img, sizeof img);
    assert_true(t32_devices_next_event(m) == UINT64_MAX);
    assert_int_equal(t32_devices_lines(m, 0), 0);

    m->cpu[0].cycles = 500;         /* device time is CPU 0's */
    t32_port_out(m, &m->cpu[0], T32_PORT_DISK_COUNT, 2);
    t32_port_out(m, &m->cpu[0], T32_PORT_DISK_CTRL, 1);
    t32_port_out(m, &m->cpu[0], T32_PORT_DISK_CMD, T32_DISK_CMD_READ);
    assert_int_equal(t32_devices_next_event(m), 500 + 200 + 100);
    assert_int_equal(t32_devices_lines(m, 799), 0);
    assert_int_equal(m->mem[0], 0);
    assert_int_equal(t32_devices_lines(m, 800), 1u << T32_IRQ_DISK);
    assert_int_equal(m->mem[0], 0x3c);
    assert_int_equal(m->mem[1023], 0x3c);
    assert_true(t32_devices_next_event(m) == UINT64_MAX);

    t32_port_out(m, &m->cpu[0], T32_PORT_CON_CTRL, 1);
    assert_int_equal(t32_port_in(m, &m->cpu[0], T32_PORT_CON_STATUS), T32_CON_RXREADY);
    assert_int_equal(t32_devices_lines(m, 800), (1u << T32_IRQ_DISK) | (1u << T32_IRQ_CONSOLE));
    t32_port_out(m, &m->cpu[0], T32_PORT_DISK_STATUS, 0);
    assert_int_equal(t32_devices_lines(m, 800), 1u << T32_IRQ_CONSOLE);
    t32_machine_free(m);
}

/*
 * A hostile guest programs the disk with edge values in random order.
 * Checked against a model written independently here: a transfer ends DONE
 * exactly when its sectors and its memory range fit (computed in 64-bit),
 * then the data moved; otherwise ERROR and RAM and disk are untouched.
 * (Under ASan any stray DMA would also be caught on the spot.)
 */
#define HOSTILE_SECTORS 8u

typedef struct model {
    bool     busy;
    uint32_t cmd, sector, addr, count;
    uint8_t  ram[MEM];                          /* RAM and disk at the command */
    uint8_t  disk[HOSTILE_SECTORS * T32_SECTOR_SIZE];
} model;

static uint32_t lcg(uint32_t *x)
{
    *x = *x * 1103515245u + 12345u;
    return *x >> 8;
}

static uint32_t edge_value(uint32_t *x)
{
    static const uint32_t edges[] = {
        0, 1, 2, 3, HOSTILE_SECTORS - 1, HOSTILE_SECTORS, MEM - 512, MEM - 511,
        MEM, 0x7fffffffu, 0x80000000u, 0xfffffe00u, 0xffffffffu, 0x00800001u,
    };
    return edges[lcg(x) % (sizeof edges / sizeof edges[0])];
}

/* Half the time a plausible value for the register, half an edge. */
static uint32_t hostile_value(uint32_t port, uint32_t *x)
{
    if (lcg(x) % 2)
        return edge_value(x);
    switch (port) {
    case T32_PORT_DISK_SECTOR: return lcg(x) % (HOSTILE_SECTORS + 2);
    case T32_PORT_DISK_ADDR:   return lcg(x) % (MEM + 1024);
    case T32_PORT_DISK_COUNT:  return lcg(x) % 5;
    case T32_PORT_DISK_CMD:    return 1 + lcg(x) % 2;
    default:                   return lcg(x);
    }
}

static void check_completion(const t32_machine *m, const model *md)
{
    uint64_t bytes = (uint64_t)md->count * T32_SECTOR_SIZE;
    bool fits = md->count > 0 && (uint64_t)md->sector + md->count <= HOSTILE_SECTORS &&
                (uint64_t)md->addr + bytes <= MEM;
    assert_int_equal(m->disk.status, fits ? T32_DISK_DONE : T32_DISK_ERROR);
    if (!fits) {
        assert_memory_equal(m->mem, md->ram, MEM);
        assert_memory_equal(m->disk.data, md->disk, sizeof md->disk);
    } else if (md->cmd == T32_DISK_CMD_READ) {
        assert_memory_equal(m->mem + md->addr, md->disk + md->sector * T32_SECTOR_SIZE, bytes);
    } else {
        assert_memory_equal(m->disk.data + md->sector * T32_SECTOR_SIZE, md->ram + md->addr, bytes);
    }
}

static void hostile_step(t32_machine *m, model *md, uint32_t *x)
{
    t32_cpu *cpu0 = &m->cpu[0];
    uint32_t port = T32_PORT_DISK_SECTOR + lcg(x) % 7;
    uint32_t value = hostile_value(port, x);
    if (port == T32_PORT_DISK_CMD && !md->busy &&
        (value == T32_DISK_CMD_READ || value == T32_DISK_CMD_WRITE)) {
        md->busy = true;
        md->cmd = value;
        md->sector = t32_port_in(m, cpu0, T32_PORT_DISK_SECTOR);
        md->addr = t32_port_in(m, cpu0, T32_PORT_DISK_ADDR);
        md->count = t32_port_in(m, cpu0, T32_PORT_DISK_COUNT);
        memcpy(md->ram, m->mem, MEM);
        memcpy(md->disk, m->disk.data, sizeof md->disk);
    }
    t32_port_out(m, cpu0, port, value);
    if (lcg(x) % 4 == 0)
        cpu0->cycles += lcg(x) % 700;           /* time passes on CPU 0 */
    if (lcg(x) % 40 == 0)
        cpu0->cycles += 1ull << 38;             /* past any huge COUNT */
    t32_devices_lines(m, cpu0->cycles);
    if (md->busy && m->disk.status != T32_DISK_BUSY) {
        check_completion(m, md);
        md->busy = false;
    }
}

static void test_hostile_disk_programming(void **state)
{
    (void)state;
    t32_machine *m = machine(1, "");
    static uint8_t img[HOSTILE_SECTORS * T32_SECTOR_SIZE];
    for (size_t i = 0; i < sizeof img; i++)
        img[i] = (uint8_t)(i * 5 + 3);
    t32_disk_init_mem(&m->disk, img, sizeof img);
    for (uint32_t a = 0; a < MEM; a++)
        m->mem[a] = (uint8_t)(a * 11);
    static model md;
    uint32_t x = 2024;
    int done = 0, errors = 0;
    for (int step = 0; step < 20000; step++) {
        uint32_t before = m->disk.status;
        hostile_step(m, &md, &x);
        done += before == T32_DISK_BUSY && m->disk.status == T32_DISK_DONE;
        errors += before == T32_DISK_BUSY && m->disk.status == T32_DISK_ERROR;
    }
    assert_true(done > 50);         /* both outcomes really happened */
    assert_true(errors > 50);
    assert_int_equal(m->bad_port_accesses, 0);
    t32_machine_free(m);
}

/* ---- a CPU using the devices ------------------------------------------------------- */

static void test_cpu_in_out(void **state)
{
    (void)state;
    t32_machine *m = machine(2, "ab");
    prog p = { m, CODE };
    in(&p, 1, T32_PORT_MEMSIZE);
    in(&p, 2, T32_PORT_NCPUS);
    in(&p, 3, 0x55);                            /* no such port */
    li(&p, 4, 'O');
    out(&p, 4, T32_PORT_CON_DATA);
    li(&p, 4, 'K');
    out(&p, 4, T32_PORT_CON_DATA);
    in(&p, 5, T32_PORT_CON_DATA);               /* 'a' */
    out(&p, 5, T32_PORT_CON_DATA);
    in(&p, 6, T32_PORT_CON_DATA);               /* 'b' */
    out(&p, 6, T32_PORT_CON_DATA);
    in(&p, 7, T32_PORT_CON_STATUS);             /* input has ended */
    in(&p, 8, T32_PORT_CON_DATA);               /* nothing left */
    op0(&p, T32_OP_HALT);
    m->cpu[1].halted = true;

    int which = -1;
    assert_int_equal(t32_machine_run(m, 1000, &which), T32_EXIT_HALT);
    t32_cpu *c = &m->cpu[0];
    assert_int_equal(c->r[1], MEM);
    assert_int_equal(c->r[2], 2);
    assert_int_equal(c->r[3], 0xffffffffu);
    assert_int_equal(c->r[7], T32_CON_RXEOF);
    assert_int_equal(c->r[8], 0xffffffffu);
    assert_string_equal(m->console.outbuf, "OKab");
    assert_int_equal(m->bad_port_accesses, 1);
    t32_machine_free(m);
}

/* The disk programmed by the guest, completion by interrupt while the CPU
 * waits in wfi.  The handler reads the cycle counter first thing: it must
 * be exactly 200 + 50 x count cycles after the `out` to DISK_CMD. */
static void run_dma_with_interrupt(uint32_t count, uint32_t expect_status,
                                   bool use_wfi)
{
    t32_machine *m = machine(1, "");
    uint8_t img[4 * T32_SECTOR_SIZE];
    for (size_t i = 0; i < sizeof img; i++)
        img[i] = (uint8_t)(i * 13 + 1);
    t32_disk_init_mem(&m->disk, img, sizeof img);

    const uint32_t handler = 0x800, dma = 0x3000;
    prog p = { m, CODE };
    li(&p, 1, handler);
    mtsr(&p, T32_SR_TVEC, 1);
    li(&p, 1, 1);
    out(&p, 1, T32_PORT_DISK_SECTOR);
    li(&p, 1, dma);
    out(&p, 1, T32_PORT_DISK_ADDR);
    li(&p, 1, count);
    out(&p, 1, T32_PORT_DISK_COUNT);
    li(&p, 1, 1);
    out(&p, 1, T32_PORT_DISK_CTRL);
    op0(&p, T32_OP_STI);
    li(&p, 1, T32_DISK_CMD_READ);
    mfsr(&p, 7, T32_SR_CYCLES);                 /* the cycle before the out */
    out(&p, 1, T32_PORT_DISK_CMD);
    uint32_t loop = p.pc;
    if (use_wfi)
        op0(&p, T32_OP_WFI);
    else
        emit(&p, T32_ENC_I(T32_OP_ADDI, 9, 9, 1));  /* count spins */
    branch(&p, T32_OP_B, loop);

    p.pc = handler;
    mfsr(&p, 6, T32_SR_CYCLES);
    mfsr(&p, 5, T32_SR_CAUSE);
    in(&p, 4, T32_PORT_DISK_STATUS);
    out(&p, 0, T32_PORT_DISK_STATUS);           /* acknowledge */
    in(&p, 3, T32_PORT_DISK_STATUS);
    op0(&p, T32_OP_HALT);

    assert_int_equal(t32_machine_run(m, 100000, NULL), T32_EXIT_HALT);
    t32_cpu *c = &m->cpu[0];
    assert_int_equal(c->r[6] - c->r[7], 1 + 200 + 50 * count);
    assert_int_equal(c->r[5], T32_CAUSE_IRQ_DISK);
    assert_int_equal(c->r[4], expect_status);
    assert_int_equal(c->r[3], T32_DISK_IDLE);
    assert_int_equal(t32_devices_lines(m, c->cycles), 0);
    if (expect_status == T32_DISK_DONE)
        assert_memory_equal(m->mem + dma, img + T32_SECTOR_SIZE, count * T32_SECTOR_SIZE);
    else
        assert_int_equal(m->mem[dma], 0);
    t32_machine_free(m);
}

static void test_disk_dma_interrupt_wfi(void **state)
{
    (void)state;
    run_dma_with_interrupt(2, T32_DISK_DONE, true);
    run_dma_with_interrupt(3, T32_DISK_DONE, true);
}

static void test_disk_dma_interrupt_busy_loop(void **state)
{
    (void)state;
    run_dma_with_interrupt(1, T32_DISK_DONE, false);
    run_dma_with_interrupt(3, T32_DISK_DONE, false);
}

static void test_disk_dma_error_interrupts(void **state)
{
    (void)state;
    run_dma_with_interrupt(4, T32_DISK_ERROR, true);    /* sectors 1..4 of 4 */
    run_dma_with_interrupt(0, T32_DISK_ERROR, false);   /* zero count */
}

/* Console input raises line 1 once the guest has asked for input. */
static void test_console_interrupt(void **state)
{
    (void)state;
    t32_machine *m = machine(1, "x");
    const uint32_t handler = 0x800;
    prog p = { m, CODE };
    li(&p, 1, handler);
    mtsr(&p, T32_SR_TVEC, 1);
    li(&p, 1, 1);
    out(&p, 1, T32_PORT_CON_CTRL);
    in(&p, 2, T32_PORT_CON_STATUS);             /* asks: the byte arrives */
    op0(&p, T32_OP_STI);
    uint32_t loop = p.pc;
    branch(&p, T32_OP_B, loop);
    p.pc = handler;
    mfsr(&p, 5, T32_SR_CAUSE);
    in(&p, 3, T32_PORT_CON_DATA);
    op0(&p, T32_OP_HALT);

    assert_int_equal(t32_machine_run(m, 10000, NULL), T32_EXIT_HALT);
    assert_int_equal(m->cpu[0].r[2], T32_CON_RXREADY);
    assert_int_equal(m->cpu[0].r[5], T32_CAUSE_IRQ_CONSOLE);
    assert_int_equal(m->cpu[0].r[3], 'x');
    t32_machine_free(m);
}

/*
 * "Typed or piped, the same bytes give the same run" (ISA.md section 9).
 * The guest echoes every byte followed by the low bits of the cycle
 * counter.  The input arrives once as a buffer and once through a
 * SOCK_SEQPACKET socket, whose reads return one message at a time - like
 * a user typing in bursts.  Output, time and registers must not differ.
 */
static t32_machine *echo_machine(void)
{
    t32_machine *m = machine(1, "");
    prog p = { m, CODE };
    uint32_t loop = p.pc;
    in(&p, 2, T32_PORT_CON_STATUS);
    emit(&p, T32_ENC_I(T32_OP_ANDI, 3, 2, T32_CON_RXEOF));
    uint32_t to_end = p.pc;
    emit(&p, 0);                                    /* bnz r3, end (patched) */
    emit(&p, T32_ENC_I(T32_OP_ANDI, 3, 2, T32_CON_RXREADY));
    branch_reg(&p, T32_OP_BZ, 3, loop);             /* nothing yet: ask again */
    in(&p, 4, T32_PORT_CON_DATA);
    out(&p, 4, T32_PORT_CON_DATA);
    mfsr(&p, 5, T32_SR_CYCLES);
    emit(&p, T32_ENC_I(T32_OP_ANDI, 5, 5, 0x3f));
    emit(&p, T32_ENC_I(T32_OP_ADDI, 5, 5, '0'));
    out(&p, 5, T32_PORT_CON_DATA);
    branch(&p, T32_OP_B, loop);
    uint32_t end = p.pc;
    op0(&p, T32_OP_HALT);
    prog fix = { m, to_end };
    branch_reg(&fix, T32_OP_BNZ, 3, end);
    return m;
}

static void test_input_arrival_does_not_change_the_run(void **state)
{
    (void)state;
    static const char *const bursts[] = { "ls", " -l\n", "c", "at fi", "le\n" };
    char all[64] = "";
    for (size_t i = 0; i < 5; i++)
        strcat(all, bursts[i]);

    t32_machine *a = echo_machine();
    t32_console_set_input(&a->console, all, strlen(all));
    assert_int_equal(t32_machine_run(a, 100000, NULL), T32_EXIT_HALT);

    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(write(sv[1], bursts[i], strlen(bursts[i])),
                         (ssize_t)strlen(bursts[i]));
    shutdown(sv[1], SHUT_WR);
    t32_machine *b = echo_machine();
    t32_console_init(&b->console, NULL, sv[0]);
    assert_int_equal(t32_machine_run(b, 100000, NULL), T32_EXIT_HALT);

    assert_int_equal(strlen(a->console.outbuf), 2 * strlen(all));
    assert_string_equal(a->console.outbuf, b->console.outbuf);
    assert_int_equal(a->cpu[0].cycles, b->cpu[0].cycles);
    assert_memory_equal(a->cpu[0].r, b->cpu[0].r, sizeof a->cpu[0].r);
    close(sv[0]);
    close(sv[1]);
    t32_machine_free(a);
    t32_machine_free(b);
}

/* ---- several CPUs ---------------------------------------------------------------------- */

#define COUNTER 0x1000u
#define LOG     0x2000u

/*
 * Every CPU runs the same loop `iters` times, then halts:
 *     loop: ldw  r2, COUNTER        ; n = counter
 *           shli r3, r2, 2
 *           stw  r1, LOG(r3)        ; log[n] = my tag (r1 = cpu id + 1)
 *           addi r2, r2, 1
 *           stw  r2, COUNTER        ; counter = n + 1
 *           addi r5, r5, -1
 *           bnz  r5, loop
 *           halt
 * Seven cycles per iteration.  The counter update is not atomic, so where
 * the quantum cuts the loop decides what the log says.
 */
#define LOOP_CYCLES 7

static t32_machine *logging_machine(int ncpus, uint32_t quantum, uint32_t iters)
{
    t32_machine *m = machine(ncpus, "");
    m->quantum = quantum;
    prog p = { m, CODE };
    emit(&p, T32_ENC_I(T32_OP_LDW, 2, 0, COUNTER));
    emit(&p, T32_ENC_I(T32_OP_SHLI, 3, 2, 2));
    emit(&p, T32_ENC_I(T32_OP_STW, 1, 3, LOG));
    emit(&p, T32_ENC_I(T32_OP_ADDI, 2, 2, 1));
    emit(&p, T32_ENC_I(T32_OP_STW, 2, 0, COUNTER));
    emit(&p, T32_ENC_I(T32_OP_ADDI, 5, 5, 0xffff));
    branch_reg(&p, T32_OP_BNZ, 5, CODE);
    op0(&p, T32_OP_HALT);
    for (int i = 0; i < ncpus; i++) {
        m->cpu[i].r[1] = (uint32_t)i + 1;
        m->cpu[i].r[5] = iters;
    }
    return m;
}

/* With a quantum of a whole number of iterations, the log is made of runs
 * of quantum / 7 entries, taking turns in CPU order. */
static void test_round_robin_follows_quantum(void **state)
{
    (void)state;
    const uint32_t per_turn = 10, iters = 50;
    t32_machine *m = logging_machine(2, per_turn * LOOP_CYCLES, iters);
    int which = -1;
    assert_int_equal(t32_machine_run(m, 1000000, &which), T32_EXIT_HALT);
    uint32_t counter;
    assert_true(t32_phys_read32(m, COUNTER, &counter));
    assert_int_equal(counter, 2 * iters);
    for (uint32_t k = 0; k < 2 * iters; k++) {
        uint32_t tag;
        assert_true(t32_phys_read32(m, LOG + 4 * k, &tag));
        assert_int_equal(tag, 1 + (k / per_turn) % 2);
    }
    t32_machine_free(m);
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3u;
    return h;
}

/* An awkward quantum that cuts the read-modify-write: updates get lost,
 * but in exactly the same way every time. */
static void test_round_robin_deterministic(void **state)
{
    (void)state;
    uint64_t hash[2];
    uint32_t counter[2];
    for (int run = 0; run < 2; run++) {
        t32_machine *m = logging_machine(3, 37, 200);
        assert_int_equal(t32_machine_run(m, 1000000, NULL), T32_EXIT_HALT);
        hash[run] = fnv1a(m->mem, m->memsize);
        assert_true(t32_phys_read32(m, COUNTER, &counter[run]));
        t32_machine_free(m);
    }
    assert_true(hash[0] == hash[1]);
    assert_int_equal(counter[0], counter[1]);
    assert_true(counter[0] < 3 * 200);      /* the race really happened */
}

/* Stopping at breakpoints and resuming must not change the interleaving:
 * the round-robin position lives in the machine, not in one call. */
static void test_resume_keeps_interleaving(void **state)
{
    (void)state;
    t32_machine *a = logging_machine(2, 37, 100);
    assert_int_equal(t32_machine_run(a, 1000000, NULL), T32_EXIT_HALT);

    t32_machine *b = logging_machine(2, 37, 100);
    assert_true(t32_break_set(&b->cpu[1], CODE + 8));   /* the stw to the log */
    int stops = 0, which = -1;
    t32_exit why;
    while ((why = t32_machine_run(b, 1000000, &which)) == T32_EXIT_BREAKPOINT) {
        assert_int_equal(which, 1);
        stops++;
    }
    assert_int_equal(why, T32_EXIT_HALT);
    assert_true(stops > 10);
    assert_memory_equal(a->mem, b->mem, MEM);
    assert_int_equal(a->cpu[0].cycles, b->cpu[0].cycles);
    assert_int_equal(a->cpu[1].cycles, b->cpu[1].cycles);
    t32_machine_free(a);
    t32_machine_free(b);
}

/* Each CPU gets the budget, in quantum-sized turns; halted CPUs are skipped. */
static void test_budget_and_halt(void **state)
{
    (void)state;
    t32_machine *m = logging_machine(2, 70, 1000000);
    assert_int_equal(t32_machine_run(m, 500, NULL), T32_EXIT_BUDGET);
    assert_int_equal(m->cpu[0].cycles, 500);
    assert_int_equal(m->cpu[1].cycles, 500);
    assert_int_equal(t32_machine_run(m, 0, NULL), T32_EXIT_BUDGET);
    assert_int_equal(m->cpu[0].cycles, 500);

    m->cpu[0].halted = true;
    assert_int_equal(t32_machine_run(m, 300, NULL), T32_EXIT_BUDGET);
    assert_int_equal(m->cpu[0].cycles, 500);
    assert_int_equal(m->cpu[1].cycles, 800);
    m->cpu[1].r[5] = 1;     /* CPU 1 leaves the loop at its next bnz */
    assert_int_equal(t32_machine_run(m, 300, NULL), T32_EXIT_HALT);
    assert_true(m->cpu[1].halted);
    assert_true(m->cpu[1].cycles < 800 + LOOP_CYCLES + 1);
    t32_machine_free(m);
}

/* Any other exit stops the whole run and names the CPU. */
static void test_other_exit_names_cpu(void **state)
{
    (void)state;
    t32_machine *m = machine(2, "");
    prog p = { m, CODE };
    emit(&p, T32_ENC_I(T32_OP_ADDI, 1, 1, 1));
    branch(&p, T32_OP_B, CODE);
    p.pc = 0x400;
    op0(&p, T32_OP_SYSCALL);
    m->cpu[1].pc = 0x400;
    m->cpu[1].host_kernel = true;

    int which = -1;
    assert_int_equal(t32_machine_run(m, 100000, &which), T32_EXIT_TRAP);
    assert_int_equal(which, 1);
    assert_int_equal(m->cpu[1].trap.cause, T32_CAUSE_SYSCALL);
    assert_int_equal(m->cpu[0].r[1], m->quantum / 2);   /* CPU 0 had its turn */
    t32_machine_free(m);
}

/* A CPU parked in wfi with nothing that can wake it (interrupts off, no
 * timer, no IPIs in T32) does not stop the others; the machine is IDLE
 * only when no CPU can run at all. */
static void test_parked_cpu_does_not_stop_the_others(void **state)
{
    (void)state;
    t32_machine *m = machine(3, "");
    m->quantum = 100;
    prog p = { m, CODE };
    emit(&p, T32_ENC_I(T32_OP_ADDI, 1, 1, 1));          /* CPU 0: count ... */
    emit(&p, T32_ENC_I(T32_OP_CMPI, 0, 1, 1000));
    branch(&p, T32_OP_BNE, CODE);
    op0(&p, T32_OP_HALT);                               /* ... to 1000, halt */
    p.pc = 0x400;
    op0(&p, T32_OP_WFI);                                /* CPUs 1, 2: park */
    m->cpu[1].pc = m->cpu[2].pc = 0x400;

    int which = -1;
    assert_int_equal(t32_machine_run(m, 1000000, &which), T32_EXIT_IDLE);
    assert_int_equal(which, 1);
    assert_true(m->cpu[0].halted);
    assert_int_equal(m->cpu[0].r[1], 1000);
    assert_int_equal(t32_machine_run(m, 1000000, &which), T32_EXIT_IDLE);

    m->cpu[1].halted = true;
    which = -1;
    assert_int_equal(t32_machine_run(m, 1000000, &which), T32_EXIT_IDLE);
    assert_int_equal(which, 2);
    t32_machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_rejects_bad_arguments),
        cmocka_unit_test(test_new_resets_everything),
        cmocka_unit_test(test_phys_access_bounds),
        cmocka_unit_test(test_ports_from_c),
        cmocka_unit_test(test_device_events_and_lines),
        cmocka_unit_test(test_hostile_disk_programming),
        cmocka_unit_test(test_cpu_in_out),
        cmocka_unit_test(test_disk_dma_interrupt_wfi),
        cmocka_unit_test(test_disk_dma_interrupt_busy_loop),
        cmocka_unit_test(test_disk_dma_error_interrupts),
        cmocka_unit_test(test_console_interrupt),
        cmocka_unit_test(test_input_arrival_does_not_change_the_run),
        cmocka_unit_test(test_round_robin_follows_quantum),
        cmocka_unit_test(test_round_robin_deterministic),
        cmocka_unit_test(test_resume_keeps_interleaving),
        cmocka_unit_test(test_budget_and_halt),
        cmocka_unit_test(test_other_exit_names_cpu),
        cmocka_unit_test(test_parked_cpu_does_not_stop_the_others),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
