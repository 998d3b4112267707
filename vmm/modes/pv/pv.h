/*
 * pv.h - `--mode pv`: the paravirtual interface's numbers, shared by
 * pv.c (the mode) and hcall.c (the calls).  vmm/HYPERCALLS.md is the ABI
 * in words; guestos/include/hcall.s gives the guest the same numbers, and
 * tests/vmm/pv.sh checks that all three agree.
 */
#ifndef VMM_PV_H
#define VMM_PV_H

#include "vmm/vmm.h"

/*
 * X(NAME, number, name in traces) - every hypercall.  `hcall N` carries
 * the number in its 16-bit immediate; the arguments are in r1..r3, the
 * result comes back in r1 (>= 0 success, < 0 a PV_E_* code).
 */
#define PV_HCALLS(X)                                                          \
    X(SHARED_PAGE,  1, "shared-page")   /* r1 = guest-physical page, or 0 */ \
    X(CONSOLE,      2, "console")       /* r1 = buffer (virtual), r2 = len */ \
    X(SET_TVEC,     3, "set-tvec")      /* r1 = trap vector                */ \
    X(SET_PTBR,     4, "set-ptbr")      /* r1 = PTBR value                 */ \
    X(MMU_UPDATE,   5, "mmu-update")    /* r1 = pairs (virtual), r2 = count */ \
    X(SET_TIMER,    6, "set-timer")     /* r1 = interval, 0 = off          */ \
    X(IDLE,         7, "idle")          /* unmask and wait for an interrupt */ \
    X(HALT,         8, "halt")          /* stop this vCPU                  */ \
    X(IRET,         9, "iret")          /* return from trap (rfe)          */ \
    X(PENDING,     10, "pending")       /* take the pending interrupts now */

enum {
#define PV_HCALL_ENUM(name, num, str) PV_HC_##name = num,
    PV_HCALLS(PV_HCALL_ENUM)
#undef PV_HCALL_ENUM
    PV_NHCALLS
};

/* Error codes returned in r1. */
#define PV_E_FAULT  (-1)   /* a pointer outside guest RAM or not mapped       */
#define PV_E_NOSYS  (-2)   /* no hypercall has that number                    */
#define PV_E_INVAL  (-3)   /* a bad length, alignment or value                */
#define PV_E_FRAME  (-4)   /* a frame (page-table root, PTE target) not in RAM */

/* Limits. */
#define PV_CONSOLE_MAX 4096u   /* bytes per console call           */
#define PV_MMU_MAX     1024u   /* (pte, value) pairs per mmu-update */

/*
 * The shared page: one 4 KiB page of guest RAM, registered per vCPU with
 * SHARED_PAGE, that guest and VMM both read and write.  Word offsets:
 */
#define PV_SH_IE        0   /* virtual IE: 1 enabled, 0 masked (guest writes) */
#define PV_SH_PENDING   4   /* pending virtual lines, bit n = line n (VMM)    */
#define PV_SH_EPC       8   /* the trap registers: the VMM writes them when  */
#define PV_SH_EPSR     12   /* it delivers a trap, the guest reads them -    */
#define PV_SH_CAUSE    16   /* and writes EPC/EPSR before IRET - instead of  */
#define PV_SH_BADVADDR 20   /* mfsr/mtsr, each an exit                        */
#define PV_SH_SCRATCH  24   /* the scratch register (guest writes)           */
#define PV_SH_PSR      28   /* the virtual PSR at the last resume (VMM)       */

/* The name of hypercall `num` ("console", ...), or NULL. */
const char *pv_hcall_name(uint32_t num);

/* Take in what the guest keeps in its shared page (virtual IE and the trap
 * registers) into the vCPU; and the other way, at each resume.  Nothing
 * without a registered page. */
void pv_pull(vmm_vcpu *vc);
void pv_push(vmm_vcpu *vc);

/* hcall.c: perform hypercall `num` for the vCPU (virtual kernel mode), the
 * hcall instruction at vc->pc; sets r1 and steps past it.  Returns what the
 * run loop has left to do (vmm.h, vmm_next). */
vmm_next pv_hcall(vmm_vcpu *vc, t32_cpu *cpu, uint32_t num);

#endif /* VMM_PV_H */
