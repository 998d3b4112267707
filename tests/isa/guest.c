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
