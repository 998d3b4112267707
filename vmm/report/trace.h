/*
 * trace.h - watching the VMM work: one line per decision (--trace), and
 * one line per instruction (--trace-insns).
 */
#ifndef VMM_TRACE_H
#define VMM_TRACE_H

#include <stdio.h>

#include "vmm/vmm.h"

/* Write the header that names the columns. */
void trace_header(FILE *out);

/* The observer (vmm_observer) that writes a line per VMM event to the FILE
 * given as `ctx`: set v->observer = trace_event, v->observer_ctx = file. */
void trace_event(void *ctx, const vmm_vcpu *vc, const vmm_event *ev);

/* A line for a trap that bare T32 took (the guest is the kernel: no VMM
 * decides anything, the CPU vectors to TVEC).  `cpu` has just entered it. */
void trace_bare_trap(FILE *out, const t32_cpu *cpu);

/* itrace.c: a line for the instruction `word` at guest virtual `pc`, about
 * to execute (word NULL: fetching it will trap), disassembled with symbols
 * from `img` (may be NULL); `who` names the guest ("bare", "vm0"), `psr`
 * holds the guest's (virtual) K and IE.  (In a file of its own: it needs the
 * disassembler, which the rest of the VMM does not.) */
void trace_insn(FILE *out, const char *who, const t32_image *img, uint64_t cycle,
                uint32_t pc, uint32_t psr, const uint32_t *word);

#endif /* VMM_TRACE_H */
