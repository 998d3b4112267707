/*
 * bench.c - how fast the T32 interpreter runs (`make bench`).
 *
 * Each benchmark builds a small guest program with the T32_ENC_* macros of
 * opcodes.h, runs it on a fresh machine and prints one line per figure,
 * `NAME: VALUE UNIT`, plus the number of guest instructions it used:
 *
 *   alu_mips         add, xor, shli, addi, bnz in a loop; kernel mode,
 *                    paging off
 *   alu_paged_mips   the same loop in user mode with paging on
 *   alu_paged_cost   how much slower paging + user mode make it, in percent
 *   mem_mips         one load and one store in every 8 instructions, user
 *                    mode, paging on (16 pages, so the TLB hits)
 *   trap_roundtrip   syscall from user mode into a native kernel handler
 *                    that returns with rfe; nanoseconds per round trip
 *
 * Host time is the CPU time of this thread around t32_run()
 * (CLOCK_THREAD_CPUTIME_ID), so other programs sharing the machine do not
 * distort the figures; the guest never sees it.  Usage: t32bench [SCALE [NAME]] - SCALE multiplies every
 * instruction count (default 1; the figures are per instruction, so they
 * do not depend on it beyond noise); NAME (alu, paged, mem, trap) runs one
 * benchmark only, for profiling.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "outfile.h"
#include "t32.h"

#define CODE      0x1000u      /* where each guest program starts */
#define HANDLER   0x2000u      /* the trap handler (trap benchmark) */
#define L1_TABLE  0x10000u     /* page tables for the paged runs */
#define L2_TABLE  0x11000u
#define DATA      0x110000u    /* the mem benchmark's buffer: 16 pages whose
                                  TLB slots (16-31) differ from the code's */
#define MEMSIZE   (4u << 20)

/* A guest program being written, one word at a time. */
typedef struct prog {
    t32_machine *m;
    uint32_t at;
} prog;

static void emit(prog *p, uint32_t word)
{
    t32_phys_write32(p->m, p->at, word);
    p->at += 4;
}

/* rd := a 32-bit constant (lui + ori, as t32as's `la`). */
static void emit_const(prog *p, unsigned rd, uint32_t value)
{
    emit(p, T32_ENC_I(T32_OP_LUI, rd, 0, value >> 16));
    emit(p, T32_ENC_I(T32_OP_ORI, rd, rd, value & 0xffffu));
}

/* Offset, in words, from the instruction about to be emitted to `target`. */
static uint32_t words_to(const prog *p, uint32_t target)
{
    return (uint32_t)((int32_t)(target - p->at) / 4);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static t32_machine *new_machine(void)
{
    t32_machine *m = t32_machine_new(MEMSIZE, 1);
    if (!m) {
        fprintf(stderr, "t32bench: error: cannot create a machine\n");
        exit(1);
    }
    return m;
}

/* Identity-map all of RAM with V R W X U, one L2 table (4 MiB), paging on,
 * and drop the CPU to user mode. */
static void enter_paged_user_mode(t32_machine *m)
{
    t32_phys_write32(m, L1_TABLE, L2_TABLE | T32_PTE_V);
    for (uint32_t page = 0; page < MEMSIZE / T32_PAGE_SIZE; page++)
        t32_phys_write32(m, L2_TABLE + 4 * page, page << T32_PAGE_SHIFT |
                         T32_PTE_V | T32_PTE_R | T32_PTE_W | T32_PTE_X | T32_PTE_U);
    t32_cpu *cpu = &m->cpu[0];
    t32_sysreg_write(cpu, T32_SR_PTBR, L1_TABLE | T32_PTBR_E);
    cpu->psr = 0;
}

/* Run until the program stops itself (halt, or a trap for the host when a
 * user-mode program executes halt); returns host seconds. */
static double run_timed(t32_cpu *cpu)
{
    double t0 = now_seconds();
    t32_exit why = t32_run(cpu, UINT64_MAX);
    double t = now_seconds() - t0;
    if (why != T32_EXIT_HALT && why != T32_EXIT_TRAP) {
        fprintf(stderr, "t32bench: error: guest stopped: %s\n", t32_exit_name(why));
        exit(1);
    }
    return t;
}

/* The ALU loop: 5 instructions per iteration, `iters` iterations. */
static double alu_mips(uint64_t iters, bool paged, uint64_t *insns)
{
    t32_machine *m = new_machine();
    t32_cpu *cpu = &m->cpu[0];
    prog p = { m, CODE };
    emit_const(&p, 1, (uint32_t)iters);
    emit(&p, T32_ENC_I(T32_OP_ADDI, 3, 0, 7));
    uint32_t loop = p.at;
    emit(&p, T32_ENC_R(T32_OP_ADD, 2, 2, 3));
    emit(&p, T32_ENC_R(T32_OP_XOR, 4, 4, 2));
    emit(&p, T32_ENC_I(T32_OP_SHLI, 5, 2, 3));
    emit(&p, T32_ENC_I(T32_OP_ADDI, 1, 1, -1));
    emit(&p, T32_ENC_I(T32_OP_BNZ, 1, 0, words_to(&p, loop)));
    emit(&p, T32_ENC_I(T32_OP_HALT, 0, 0, 0));
    cpu->pc = CODE;
    if (paged) {
        enter_paged_user_mode(m);
        cpu->host_kernel = true;      /* halt in user mode ends the run */
    }
    double t = run_timed(cpu);
    *insns = cpu->retired;
    t32_machine_free(m);
    return (double)*insns / t / 1e6;
}

/* One load and one store in every 8 instructions, paging on, user mode. */
static double mem_mips(uint64_t iters, uint64_t *insns)
{
    t32_machine *m = new_machine();
    t32_cpu *cpu = &m->cpu[0];
    prog p = { m, CODE };
    emit_const(&p, 1, (uint32_t)iters);
    emit_const(&p, 8, 0xfff8u);              /* 64 KiB window, word pairs */
    emit_const(&p, 9, DATA);
    uint32_t loop = p.at;
    emit(&p, T32_ENC_R(T32_OP_AND, 10, 7, 8));
    emit(&p, T32_ENC_R(T32_OP_ADD, 10, 10, 9));
    emit(&p, T32_ENC_I(T32_OP_LDW, 6, 10, 0));
    emit(&p, T32_ENC_R(T32_OP_ADD, 2, 2, 6));
    emit(&p, T32_ENC_I(T32_OP_STW, 2, 10, 4));
    emit(&p, T32_ENC_I(T32_OP_ADDI, 7, 7, 8));
    emit(&p, T32_ENC_I(T32_OP_ADDI, 1, 1, -1));
    emit(&p, T32_ENC_I(T32_OP_BNZ, 1, 0, words_to(&p, loop)));
    emit(&p, T32_ENC_I(T32_OP_HALT, 0, 0, 0));
    cpu->pc = CODE;
    enter_paged_user_mode(m);
    cpu->host_kernel = true;
    double t = run_timed(cpu);
    *insns = cpu->retired;
    t32_machine_free(m);
    return (double)*insns / t / 1e6;
}

/* syscall from user mode; the native handler is a lone rfe.  The user loop
 * is `syscall; b loop`, so a round trip is 3 instructions and 1 trap. */
static double trap_roundtrip_ns(uint64_t trips, uint64_t *insns)
{
    t32_machine *m = new_machine();
    t32_cpu *cpu = &m->cpu[0];
    prog p = { m, CODE };
    emit(&p, T32_ENC_I(T32_OP_SYSCALL, 0, 0, 0));
    emit(&p, T32_ENC_J(T32_OP_B, words_to(&p, CODE)));
    p.at = HANDLER;
    emit(&p, T32_ENC_I(T32_OP_RFE, 0, 0, 0));
    cpu->pc = CODE;
    cpu->sr[T32_SR_TVEC] = HANDLER;
    enter_paged_user_mode(m);

    double t0 = now_seconds();
    t32_exit why = t32_run(cpu, 3 * trips);
    double t = now_seconds() - t0;
    if (why != T32_EXIT_BUDGET || cpu->traps_taken != trips) {
        fprintf(stderr, "t32bench: error: trap loop went wrong (%s)\n", t32_exit_name(why));
        exit(1);
    }
    *insns = cpu->retired;
    t32_machine_free(m);
    return t / (double)trips * 1e9;
}

/* Should the benchmark `name` run (all of them when none was chosen)? */
static bool wanted(const char *chosen, const char *name)
{
    return !chosen || strcmp(chosen, name) == 0;
}

int main(int argc, char **argv)
{
    double scale = argc > 1 ? atof(argv[1]) : 1.0;
    const char *only = argc > 2 ? argv[2] : NULL;
    /* SCALE multiplies every loop's iterations; the smallest loop (the
     * memory one, 5e7) must still run at least once, and the largest fit
     * in the loop counter, a 32-bit register. */
    /* A NAME that is none of the four would run nothing and say nothing
     * (a figure's name, alu_mips, is not a benchmark's): refused. */
    bool known = !only || strcmp(only, "alu") == 0 || strcmp(only, "paged") == 0 ||
                 strcmp(only, "mem") == 0 || strcmp(only, "trap") == 0;
    if (!known)
        fprintf(stderr, "t32bench: error: no benchmark is named '%s'\n", only);
    if (!(scale >= 1e-7 && scale <= 20) || argc > 3 || !known) {
        fprintf(stderr, "usage: t32bench [SCALE [alu|paged|mem|trap]]  (SCALE: 1e-7 .. 20)\n");
        return 2;
    }
    uint64_t n;
    double alu = 0, paged = 0;
    if (wanted(only, "alu")) {
        alu = alu_mips((uint64_t)(2e8 * scale), false, &n);
        printf("alu_mips: %.0f MIPS\nalu_instructions: %llu instructions\n", alu,
               (unsigned long long)n);
    }
    if (wanted(only, "paged")) {
        paged = alu_mips((uint64_t)(2e8 * scale), true, &n);
        printf("alu_paged_mips: %.0f MIPS\nalu_paged_instructions: %llu instructions\n",
               paged, (unsigned long long)n);
    }
    if (alu > 0 && paged > 0)
        printf("alu_paged_cost: %.1f %%\n", (alu / paged - 1.0) * 100.0);
    if (wanted(only, "mem")) {
        double mem = mem_mips((uint64_t)(5e7 * scale), &n);
        printf("mem_mips: %.0f MIPS\nmem_instructions: %llu instructions\n", mem,
               (unsigned long long)n);
    }
    if (wanted(only, "trap")) {
        double trap = trap_roundtrip_ns((uint64_t)(2e7 * scale), &n);
        printf("trap_roundtrip_ns: %.1f ns\ntrap_instructions: %llu instructions\n", trap,
               (unsigned long long)n);
    }
    return t32_out_stdout_flushed("t32bench") ? 0 : 1;   /* figures lost are a failure */
}
