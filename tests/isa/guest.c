/*
 * guest.c - the CPU test seam (see guest.h).
 */
#include <stdlib.h>

#include "guest.h"

guest *guest_new_cpus(bool host_kernel, int ncpus)
{
    guest *g = calloc(1, sizeof *g);
    if (!g)
        abort();
    g->m = t32_machine_new(GUEST_MEMSIZE, ncpus);
    if (!g->m)
        abort();
    t32_console_init(&g->m->console, NULL, -1);   /* output to a buffer */
    for (int i = 0; i < ncpus; i++) {
        t32_cpu *cpu = &g->m->cpu[i];
        cpu->pc = GUEST_CODE;
        cpu->sr[T32_SR_TVEC] = GUEST_TVEC;
        cpu->host_kernel = host_kernel;
    }
    g->cpu = &g->m->cpu[0];
    g->at = GUEST_CODE;
    return g;
}

guest *guest_new(bool host_kernel)
{
    return guest_new_cpus(host_kernel, 1);
}

void guest_free(guest *g)
{
    t32_machine_free(g->m);
    free(g);
}

void poke(guest *g, uint32_t pa, uint32_t word)
{
    if (!t32_phys_write32(g->m, pa, word))
        abort();
}

uint32_t peek(const guest *g, uint32_t pa)
{
    uint32_t v;
    if (!t32_phys_read32(g->m, pa, &v))
        abort();
    return v;
}

void emit(guest *g, uint32_t word)
{
    poke(g, g->at, word);
    g->at += 4;
}

int32_t guest_offset_to(const guest *g, uint32_t target)
{
    return ((int32_t)target - (int32_t)g->at) / 4;
}

t32_exit guest_run(guest *g, uint64_t budget)
{
    return t32_run(g->cpu, budget);
}

t32_exit guest_step_one(guest *g, uint32_t word, bool kernel)
{
    poke(g, GUEST_CODE, word);
    g->cpu->pc = GUEST_CODE;
    g->cpu->psr = (g->cpu->psr & ~T32_PSR_K) | (kernel ? T32_PSR_K : 0);
    return t32_run(g->cpu, 1);
}

/* ---- random programs ---------------------------------------------------------- */

uint32_t guest_random(uint32_t *seed)
{
    *seed = *seed * 1664525u + 1013904223u;
    return *seed >> 8 ^ *seed << 13;
}

static uint32_t random_word(uint32_t *seed)
{
    uint32_t w = guest_random(seed);
    uint32_t op = w >> 24;
    if (w % 8 != 0)                                    /* 7 in 8: a real opcode */
        while (!t32_ops[op].mnemonic)
            op = (op + 1) % 256;
    uint32_t imm = guest_random(seed) % 4 == 0 ? guest_random(seed) & 0xffffu
                                               : (guest_random(seed) % 64 - 16) & 0xffffu;
    return op << 24 | (guest_random(seed) & 0x00ff0000u) | imm;
}

/* Paging through one L2 table at 0x11000 that maps the first 1 MiB
 * one-to-one, mostly with every permission, sometimes with random bits. */
static void random_paging(guest *g, t32_cpu *cpu, uint32_t *seed)
{
    poke(g, 0x10000, 0x11000 | T32_PTE_V);
    for (uint32_t page = 0; page < 256; page++) {
        uint32_t bits = guest_random(seed) % 4 ? 0x1f : guest_random(seed) & 0x7f;
        poke(g, 0x11000 + 4 * page, page << T32_PAGE_SHIFT | bits);
    }
    t32_sysreg_write(cpu, T32_SR_PTBR, 0x10000 | T32_PTBR_E);
}

/* Devices that will raise lines by themselves: a disk transfer with its
 * interrupt enabled, console input with RXIE set. */
static void random_devices(guest *g, uint32_t *seed)
{
    t32_machine *m = g->m;
    t32_port_out(m, g->cpu, T32_PORT_DISK_CTRL, 1);
    t32_port_out(m, g->cpu, T32_PORT_DISK_SECTOR, guest_random(seed) % 4);
    t32_port_out(m, g->cpu, T32_PORT_DISK_COUNT, 1 + guest_random(seed) % 3);
    t32_port_out(m, g->cpu, T32_PORT_DISK_ADDR, guest_random(seed) % 0x10000);
    t32_port_out(m, g->cpu, T32_PORT_DISK_CMD, 1 + guest_random(seed) % 2);
    uint8_t input[3] = { (uint8_t)guest_random(seed), (uint8_t)guest_random(seed), '\n' };
    t32_console_set_input(&m->console, input, sizeof input);
    t32_port_out(m, g->cpu, T32_PORT_CON_CTRL, 1);
}

/* Random registers, pc, mode and timer for one CPU. */
static void random_cpu(t32_cpu *c, uint32_t *seed)
{
    for (int i = 1; i < T32_NREGS; i++)
        c->r[i] = guest_random(seed) % 0x10000 & ~3u;
    c->pc = guest_random(seed) % 0x10000 & ~3u;
    c->psr = guest_random(seed) & (T32_PSR_K | T32_PSR_IE);
    t32_sysreg_write(c, T32_SR_TIMER, guest_random(seed) % 64);
}

guest *guest_new_random(uint32_t seed, int ncpus)
{
    guest *g = guest_new_cpus(true, ncpus);
    for (uint32_t a = 0; a < 0x10000; a += 4)
        poke(g, a, random_word(&seed));
    for (int i = 0; i < ncpus; i++)
        random_cpu(&g->m->cpu[i], &seed);
    uint8_t disk[4 * T32_SECTOR_SIZE];
    for (size_t i = 0; i < sizeof disk; i++)
        disk[i] = (uint8_t)guest_random(&seed);
    t32_disk_init_mem(&g->m->disk, disk, sizeof disk);
    if (guest_random(&seed) % 2)
        random_devices(g, &seed);
    if (guest_random(&seed) % 2)
        for (int i = 0; i < ncpus; i++)
            random_paging(g, &g->m->cpu[i], &seed);
    return g;
}

void guest_random_resume(t32_cpu *cpu, uint32_t *seed)
{
    cpu->sr[T32_SR_EPC] = guest_random(seed) % 0x10000 & ~(guest_random(seed) % 8 ? 3u : 0u);
    cpu->sr[T32_SR_EPSR] = guest_random(seed);
    t32_rfe(cpu);
}
