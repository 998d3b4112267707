/*
 * ref.h - a reference T32 CPU for differential tests.
 *
 * The opposite of isa/cpu.c: one instruction at a time, a plain switch,
 * every interrupt check at every boundary, wfi idling cycle by cycle, the
 * MMU walked straight from ISA.md section 8 - slow and obvious.  It keeps
 * its architectural state in an ordinary t32_cpu of its own machine (so
 * the devices see its time, and states compare field by field) and models
 * the TLB with its own table, following the rules isa/README.md states:
 * direct-mapped by page number, one per mode, filled only by a successful
 * walk, consulted only with paging on, re-walked when the cached PTE lacks
 * the permission (or D, for a store), flushed by tlbflush and PTBR writes.
 */
#ifndef TESTS_ISA_REF_H
#define TESTS_ISA_REF_H

#include <stdbool.h>
#include <stdint.h>

#include "t32.h"

typedef struct ref_tlb {
    bool     valid;
    uint32_t vpn;
    uint32_t pte;
} ref_tlb;

typedef struct ref_cpu {
    t32_cpu *cpu;                       /* the state: cpu 0 of its own machine */
    ref_tlb  tlb[2][T32_TLB_SIZE];
} ref_cpu;

/* Start a reference CPU on `cpu` (whose state is already set up). */
void ref_init(ref_cpu *ref, t32_cpu *cpu);

/* t32_run(), the slow way: the same exits, at the same points. */
t32_exit ref_run(ref_cpu *ref, uint64_t budget);

/* t32_rfe and the TLB flush (for a C kernel driving the reference). */
void ref_flush(ref_cpu *ref);

#endif
