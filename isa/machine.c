/*
 * machine.c - the T32 machine: physical memory, several CPUs, the port bus.
 *
 * A T32 machine is a block of RAM starting at physical address 0, one to
 * T32_MAX_CPUS CPUs sharing it, and three devices: a per-CPU timer (inside
 * cpu.c), the console and the disk.  This file glues them together:
 *
 *   - t32_machine_run() shares the host among the CPUs in a fixed
 *     round-robin of `quantum` cycles each, so a multi-CPU run is exactly as
 *     deterministic as a single-CPU one (ISA.md section 11);
 *   - t32_port_in()/t32_port_out() are the I/O bus: the interpreter calls
 *     them for `in`/`out` and they route each port to its device;
 *   - t32_devices_next_event()/t32_devices_lines() are the device side of
 *     the CPU-device handshake: when does a device next change by itself,
 *     and which interrupt lines does it assert now.
 *
 * Device time is CPU 0's cycle count: the disk's latency is counted in
 * cycles of CPU 0, and device interrupts go to CPU 0 (ISA.md section 7).
 */
#include <stdlib.h>
#include <string.h>

#include "t32.h"

#define MAX_MEMSIZE      (1u << 30)   /* 1 GiB of RAM at most */
#define DEFAULT_QUANTUM  10000u       /* cycles per CPU per round-robin turn */

/* ---- creating and freeing a machine ------------------------------------- */

t32_machine *t32_machine_new(uint32_t memsize, int ncpus)
{
    if (memsize == 0 || memsize > MAX_MEMSIZE || memsize % T32_PAGE_SIZE != 0)
        return NULL;
    if (ncpus < 1 || ncpus > T32_MAX_CPUS)
        return NULL;

    t32_machine *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->mem = calloc(memsize, 1);    /* RAM powers up as zeros */
    if (!m->mem) {
        free(m);
        return NULL;
    }
    m->memsize = memsize;
    m->ncpus = ncpus;
    m->quantum = DEFAULT_QUANTUM;

    for (int i = 0; i < ncpus; i++) {
        t32_cpu *cpu = &m->cpu[i];
        cpu->m = m;
        cpu->id = i;    /* before reset, which shows it in `cpuid` */
        t32_cpu_reset(cpu);
    }
    t32_console_init(&m->console, stdout, 0);
    t32_disk_init_mem(&m->disk, NULL, 0);   /* no disk: zero sectors */
    return m;
}

void t32_machine_free(t32_machine *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->ncpus; i++)
        free(m->cpu[i].breaks);
    t32_console_free(&m->console);
    t32_disk_free(&m->disk);
    free(m->mem);
    free(m);
}

/* ---- the round-robin scheduler -------------------------------------------- */

/*
 * The CPUs take turns: the CPU whose turn it is (m->rr_cpu) runs until it
 * has used `quantum` cycles of its turn (m->rr_used counts them), then the
 * next CPU that has not halted gets a fresh turn.  The turn state lives in
 * the machine, not in this call, so a run that stops early (a breakpoint, a
 * trap for the host) and is resumed interleaves exactly as one that did not
 * stop.  Each CPU may spend at most `budget` cycles in one call.
 *
 * A CPU that waits in wfi for an interrupt that can never come (T32 has no
 * inter-processor interrupts, so nothing another CPU does can wake it) is
 * left out for the rest of the call, like a parked CPU on a real machine;
 * the machine as a whole is IDLE only when no CPU can run at all.
 */

/* What each CPU can still do in this call of t32_machine_run. */
typedef struct turns {
    uint64_t left[T32_MAX_CPUS];    /* budget left */
    bool     idle[T32_MAX_CPUS];    /* waits for an interrupt that cannot come */
} turns;

/* Move the turn to the next CPU, with a fresh quantum. */
static void next_turn(t32_machine *m)
{
    m->rr_cpu = (m->rr_cpu + 1) % m->ncpus;
    m->rr_used = 0;
}

static bool all_halted(const t32_machine *m)
{
    for (int i = 0; i < m->ncpus; i++)
        if (!m->cpu[i].halted)
            return false;
    return true;
}

/* Can any CPU still run in this call (not halted, not idle, budget left)? */
static bool any_runnable(const t32_machine *m, const turns *t)
{
    for (int i = 0; i < m->ncpus; i++)
        if (!m->cpu[i].halted && !t->idle[i] && t->left[i] > 0)
            return true;
    return false;
}

/* The first CPU that is idle for good if every CPU still running is, or -1. */
static int all_idle(const t32_machine *m, const turns *t)
{
    int first = -1;
    for (int i = m->ncpus - 1; i >= 0; i--) {
        if (m->cpu[i].halted)
            continue;
        if (!t->idle[i])
            return -1;
        first = i;
    }
    return first;
}

/* Let CPU i use the rest of its turn, or what is left of its budget if
 * that is less.  Returns why the CPU stopped. */
static t32_exit run_turn(t32_machine *m, int i, turns *t)
{
    t32_cpu *cpu = &m->cpu[i];
    uint64_t slice = m->quantum - m->rr_used;
    if (slice > t->left[i])
        slice = t->left[i];

    uint64_t start = cpu->cycles;
    t32_exit why = t32_run(cpu, slice);

    /* A BUDGET exit means the whole slice is spent; otherwise count what
     * the CPU really used (never more than the slice). */
    uint64_t used = cpu->cycles - start;
    if (why == T32_EXIT_BUDGET || used > slice)
        used = slice;
    t->left[i] -= used;
    m->rr_used += used;
    if (why == T32_EXIT_HALT)
        cpu->halted = true;
    if (why == T32_EXIT_IDLE)
        t->idle[i] = true;
    if (why == T32_EXIT_HALT || why == T32_EXIT_IDLE)
        next_turn(m);
    return why;
}

t32_exit t32_machine_run(t32_machine *m, uint64_t budget, int *which)
{
    turns t = { .left = { 0 } };
    for (int i = 0; i < m->ncpus; i++)
        t.left[i] = budget;
    if (m->quantum == 0)
        m->quantum = DEFAULT_QUANTUM;
    if (m->rr_cpu < 0 || m->rr_cpu >= m->ncpus)
        m->rr_cpu = 0, m->rr_used = 0;

    for (;;) {
        if (all_halted(m))
            return T32_EXIT_HALT;
        if (!any_runnable(m, &t)) {
            int idle = all_idle(m, &t);
            if (idle < 0)
                return T32_EXIT_BUDGET;
            if (which)
                *which = idle;
            return T32_EXIT_IDLE;
        }

        int i = m->rr_cpu;
        if (m->cpu[i].halted || t.idle[i] || t.left[i] == 0 || m->rr_used >= m->quantum) {
            next_turn(m);   /* nothing (more) to do in this turn */
            continue;
        }
        t32_exit why = run_turn(m, i, &t);
        if (why != T32_EXIT_HALT && why != T32_EXIT_BUDGET && why != T32_EXIT_IDLE) {
            if (which)
                *which = i;
            return why;     /* the caller deals with it; the turn goes on */
        }
    }
}

/* ---- physical memory from C ------------------------------------------------ */

/* Is [pa, pa + len) inside RAM?  Written so that nothing can overflow. */
static bool in_ram(const t32_machine *m, uint32_t pa, size_t len)
{
    return pa <= m->memsize && len <= (size_t)(m->memsize - pa);
}

bool t32_phys_read(const t32_machine *m, uint32_t pa, void *buf, size_t len)
{
    if (!in_ram(m, pa, len))
        return false;
    memcpy(buf, m->mem + pa, len);
    return true;
}

bool t32_phys_write(t32_machine *m, uint32_t pa, const void *buf, size_t len)
{
    if (!in_ram(m, pa, len))
        return false;
    memcpy(m->mem + pa, buf, len);
    return true;
}

/* Words are little-endian whatever the host is (ISA.md section 1). */
bool t32_phys_read32(const t32_machine *m, uint32_t pa, uint32_t *value)
{
    uint8_t b[4];
    if (!t32_phys_read(m, pa, b, 4))
        return false;
    *value = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
             (uint32_t)b[3] << 24;
    return true;
}

bool t32_phys_write32(t32_machine *m, uint32_t pa, uint32_t value)
{
    uint8_t b[4] = { (uint8_t)value, (uint8_t)(value >> 8),
                     (uint8_t)(value >> 16), (uint8_t)(value >> 24) };
    return t32_phys_write(m, pa, b, 4);
}

/* ---- the I/O bus ------------------------------------------------------------- */

/* Device time: the cycle count of CPU 0 (ISA.md section 9). */
static uint64_t device_now(const t32_machine *m)
{
    return m->cpu[0].cycles;
}

/* Bring the disk up to date before a port access, so that a guest polling
 * DISK_STATUS sees DONE at exactly the cycle the transfer completes. */
static void disk_catch_up(t32_machine *m)
{
    t32_disk_tick(&m->disk, device_now(m), m->mem, m->memsize);
}

/* Which device answers a port is the port map of t32.h (t32_port_decode),
 * the one the VMM's virtual devices use too. */
uint32_t t32_port_in(t32_machine *m, t32_cpu *cpu, uint32_t port)
{
    (void)cpu;  /* every CPU sees the same devices; time is CPU 0's */
    unsigned off;
    switch (t32_port_decode(port, &off)) {
    case T32_DEV_MEMSIZE:
        return m->memsize;
    case T32_DEV_NCPUS:
        return (uint32_t)m->ncpus;
    case T32_DEV_CONSOLE:
        return t32_console_in(&m->console, off);
    case T32_DEV_DISK:
        disk_catch_up(m);
        return t32_disk_in(&m->disk, off);
    case T32_DEV_NONE:
        break;
    }
    /* No device answers: the bus floats high, the guest reads all ones. */
    m->bad_port_accesses++;
    return 0xffffffffu;
}

void t32_port_out(t32_machine *m, t32_cpu *cpu, uint32_t port, uint32_t value)
{
    (void)cpu;
    unsigned off;
    switch (t32_port_decode(port, &off)) {
    case T32_DEV_MEMSIZE:
    case T32_DEV_NCPUS:
        return;     /* read-only ports: the write is ignored */
    case T32_DEV_CONSOLE:
        t32_console_out(&m->console, off, value);
        return;
    case T32_DEV_DISK:
        disk_catch_up(m);
        t32_disk_out(&m->disk, off, value, device_now(m));
        return;
    case T32_DEV_NONE:
        break;
    }
    m->bad_port_accesses++;     /* nothing there: the write goes nowhere */
}

/* ---- the CPU-device handshake ----------------------------------------------- */

uint64_t t32_devices_next_event(const t32_machine *m)
{
    /* The console never changes by itself (its input is read on demand),
     * so the only device event is a disk transfer completing. */
    if (m->disk.status == T32_DISK_BUSY)
        return m->disk.done_at;
    return UINT64_MAX;
}

uint32_t t32_devices_lines(t32_machine *m, uint64_t now)
{
    t32_disk_tick(&m->disk, now, m->mem, m->memsize);
    uint32_t lines = 0;
    if (t32_console_irq(&m->console))
        lines |= 1u << T32_IRQ_CONSOLE;
    if (t32_disk_irq(&m->disk))
        lines |= 1u << T32_IRQ_DISK;
    return lines;
}
