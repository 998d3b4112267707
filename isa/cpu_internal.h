/*
 * cpu_internal.h - what the interpreter (cpu.c) and the MMU (mmu.c) share.
 *
 * Not part of the public API (that is t32.h): only isa/ includes this.
 */
#ifndef T32_CPU_INTERNAL_H
#define T32_CPU_INTERNAL_H

#include <stdint.h>

#include "t32.h"

/* Branch hints for the hot paths.  They change speed, never meaning. */
#if defined(__GNUC__)
#define T32_LIKELY(x)   __builtin_expect(!!(x), 1)
#define T32_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define T32_LIKELY(x)   (x)
#define T32_UNLIKELY(x) (x)
#endif

/* (The TLB's hit rule - t32_tlb_hit, T32_TLB_SLOT - is in t32.h.) */

/*
 * The slow path of every memory access, taken when the TLB has no entry
 * for the page (or one whose permissions, or D bit, do not allow this
 * access).  It translates `va` for `access` in the CPU's current mode -
 * paging off: identity, checked against the size of RAM; paging on: the
 * two-level walk of ISA.md section 8, setting A (and D for a store) in the
 * page table - and on success fills the TLB slot and stores in *host the
 * host pointer to the byte at `va`.  Returns T32_CAUSE_NONE, or the cause
 * of the fault (the caller raises it with BADVADDR = va).
 */
t32_cause t32_mmu_access(t32_cpu *cpu, uint32_t va, t32_access access,
                         uint8_t **host);

/* A pc value that can never match (pc & FETCH_MASK in cpu.c): no code page
 * cached. */
#define T32_NO_PAGE 0xffffffffu

/* Forget the cached code pages (t32_cpu.code_va): the TLB they copy, or
 * the breakpoints that keep a page from being cached, changed. */
static inline void t32_forget_code_pages(t32_cpu *cpu)
{
    cpu->code_va[0] = cpu->code_va[1] = T32_NO_PAGE;
}

/* (t32_load32 and friends, the little-endian accesses, are in t32.h.) */

#endif /* T32_CPU_INTERNAL_H */
