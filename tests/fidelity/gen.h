/*
 * gen.h - random T32 programs that check themselves, for differential runs.
 *
 * gen_program(seed) writes a whole guest - a small kernel with a trap
 * handler, page tables, a timer, and user code it enters with rfe - as a
 * T32 image.  The same seed always gives the same image.  Each program:
 *
 *   - runs random straight-line code, bounded loops and forward branches in
 *     kernel mode and in user mode: every control transfer goes forward
 *     except a loop's, whose counter (r10) nothing else writes;
 *   - raises traps on purpose: syscall, brk, hcall, illegal words, division
 *     by zero, misaligned loads and stores, page faults, bus errors, and
 *     privileged instructions from user mode; the handler counts every
 *     cause, logs the last 64 (cause, epc) pairs, skips the instruction
 *     that faulted and, after GEN_MAX_TRAPS traps, goes to the finish;
 *   - takes timer interrupts (random intervals, re-armed at random), uses
 *     cli/sti, wfi, ports, and the sensitive pushf/popf in kernel mode
 *     (the idiom `pushf; cli; ...; popf`, a pushf read back, a popf of a
 *     chosen value) and in user mode;
 *   - runs with paging on or off; with paging on, kernel pages are U = 0,
 *     the user's code, data and stack U = 1 with random permissions on the
 *     data page, some pages unmapped or mapped outside RAM, and the kernel
 *     re-maps the data page now and then (always followed by tlbflush, as
 *     ISA.md section 8 asks);
 *   - ends at `finish`: timer off, paging off, a checksum of its registers
 *     and of every data page (trap counts, stacks, page tables) printed as
 *     "sum XXXXXXXX traps XXXXXXXX", then halt.
 *
 * Programs always end: the code is finite and goes forward, loops are
 * bounded, each user excursion ends at the exit syscall, and the trap
 * count bounds everything else.  GEN_LIMIT cycles is a backstop the
 * checker passes as the instruction limit.
 *
 * Physical layout (the image is loaded at its physical addresses; paging,
 * when on, maps virtual = physical):
 *
 *   0x1000 init, finish      0x8000 kernel data: trap counts, log, saves
 *   0x2000 trap handler      0x9000 user data (random permissions)
 *   0x3000 kernel body       0xa000 L1 table, 0xb000 L2 table
 *   0x6000 user code         0xc000 kernel stack (top 0xd000)
 *   0x7ff8 user exit stub    0xe000 user stack (top 0xf000)
 */
#ifndef FIDELITY_GEN_H
#define FIDELITY_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "image.h"

#define GEN_MEM        0x20000u   /* RAM the programs need (128 KiB) */
#define GEN_LIMIT      400000u    /* instruction limit: a backstop only */
#define GEN_MAX_TRAPS  400u       /* after this many traps: finish */

/* What a generated program contains (for the report and the tests). */
typedef struct gen_info {
    bool     paging;       /* PTBR.E set by init */
    bool     timer;        /* timer armed by init */
    unsigned kernel_insns; /* instructions in the kernel body */
    unsigned user_insns;   /* in the user excursions */
    unsigned sensitive;    /* pushf/popf words written in kernel code */
} gen_info;

/* Write program `seed` into *img (initialised here; free it with
 * t32_image_free).  False only if memory runs out. */
bool gen_program(uint32_t seed, t32_image *img, gen_info *info);

#endif /* FIDELITY_GEN_H */
