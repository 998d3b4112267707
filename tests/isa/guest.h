/*
 * guest.h - a tiny test seam for the CPU: a machine, a program poked into
 * its memory word by word with the T32_ENC_* macros, and helpers to run it.
 *
 *     guest *g = guest_new(false);          // kernel mode, paging off
 *     emit(g, I(T32_OP_ADDI, 1, 0, 5));     // addi r1, r0, 5
 *     emit(g, NONE(T32_OP_HALT));
 *     assert_int_equal(guest_run(g, 100), T32_EXIT_HALT);
 *
 * Programs start at GUEST_CODE.  guest_new(true) selects the host-kernel
 * trap configuration (every trap ends t32_run with T32_EXIT_TRAP), which is
 * how most tests observe traps; with false, traps vector to GUEST_TVEC.
 */
#ifndef TESTS_ISA_GUEST_H
#define TESTS_ISA_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "t32.h"

#define GUEST_MEMSIZE (1u << 20)   /* 1 MiB of RAM */
#define GUEST_CODE    0x1000u      /* the program */
#define GUEST_TVEC    0x8000u      /* the native trap handler, if any */
#define GUEST_DATA    0x20000u     /* scratch data */

/* Encoders, one per operand shape of ISA.md section 3. */
#define R(op, a, b, c)   T32_ENC_R(op, a, b, c)
#define I(op, a, b, imm) T32_ENC_I(op, a, b, (uint32_t)(imm))
#define J(op, off)       T32_ENC_J(op, (uint32_t)(off))
#define NONE(op)         T32_ENC_I(op, 0, 0, 0)

typedef struct guest {
    t32_machine *m;
    t32_cpu *cpu;
    uint32_t at;                   /* where emit() writes next */
} guest;

/* A fresh 1-CPU machine, pc = GUEST_CODE, TVEC = GUEST_TVEC, kernel mode. */
guest *guest_new(bool host_kernel);
/* The same with several CPUs (all start at GUEST_CODE). */
guest *guest_new_cpus(bool host_kernel, int ncpus);
void guest_free(guest *g);

/* Write a word at g->at and advance; or at a given physical address. */
void emit(guest *g, uint32_t word);
void poke(guest *g, uint32_t pa, uint32_t word);
uint32_t peek(const guest *g, uint32_t pa);

/* Word offset from the next emitted instruction to `target` (branches). */
int32_t guest_offset_to(const guest *g, uint32_t target);

/* Run cpu 0 with a budget. */
t32_exit guest_run(guest *g, uint64_t budget);

/* Set up a one-instruction test: poke `word` at GUEST_CODE, pc there, in
 * the given mode, and run exactly one cycle. */
t32_exit guest_step_one(guest *g, uint32_t word, bool kernel);

/* ---- random programs, for differential tests -------------------------------- */

/* A small deterministic generator: the same numbers on every host. */
uint32_t guest_random(uint32_t *seed);

/* A machine with `ncpus` CPUs full of random code (mostly real opcodes
 * with small immediates, so that loads, stores, branches and traps of
 * every kind happen), random registers pointing into RAM, random timers, a
 * small disk, half the time devices about to interrupt, and half the time
 * paging on through tables with random permissions.  Host-kernel
 * configuration.  Everything comes from `seed`. */
guest *guest_new_random(uint32_t seed, int ncpus);

/* The C kernel of random runs: after a trap, resume somewhere else in the
 * random code, in a random mode, with random flags (t32_rfe). */
void guest_random_resume(t32_cpu *cpu, uint32_t *seed);

#endif
