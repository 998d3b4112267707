/*
 * vmm.h - the hypervisor's central types: the VMM, its VMs and their vCPUs.
 *
 * Picture the physical machine (isa/t32.h) with one real CPU.  The VMM is C
 * code - it plays the real kernel.  Each VM gets:
 *   - a contiguous block of the machine's physical memory as its
 *     guest-physical memory (guest physical 0 .. size-1 lives at host
 *     physical base .. base+size-1);
 *   - one vCPU: the guest's *virtual* T32 state.  The guest's general
 *     registers and flags run on the real CPU; its kernel-mode bit, interrupt
 *     enable and system registers exist only here, in `vpsr` and `vsr`;
 *   - virtual devices: console, disk, timer;
 *   - shadow page tables (shadow.h), in frames of the VMM's own memory that
 *     no guest can map.
 *
 * The real CPU always runs guest code in real user mode, in the host-kernel
 * trap configuration: every trap ends t32_run() and becomes an *exit*.
 */
#ifndef VMM_H
#define VMM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "t32.h"
#include "shadow.h"

/* How sensitive instructions are handled (DESIGN.md, "VMM modes"). */
typedef enum vmm_mode {
    VMM_MODE_BARE,   /* no VMM: the guest is the kernel (reference)     */
    VMM_MODE_TRAP    /* pure trap-and-emulate; pushf/popf run natively */
} vmm_mode;

/* Exit and event counters (--stats, --stats-json). */
typedef struct vmm_stats {
    uint64_t guest_insns;      /* guest instructions retired, direct + emulated */
    uint64_t direct_insns;     /* executed directly by the real CPU */
    uint64_t emulated_insns;   /* executed by the VMM on the virtual state */
    uint64_t exits_total;
    uint64_t exits_by_cause[T32_CAUSE_LIMIT];
    uint64_t injected_irqs;
    uint64_t reflected_traps;
    uint64_t shadow_faults;    /* hidden page faults: filled by the VMM */
} vmm_stats;

/* A virtual CPU: what the guest believes the CPU is. */
typedef struct vmm_vcpu {
    uint32_t r[T32_NREGS];     /* general registers while not on the real CPU */
    uint32_t pc;
    uint32_t vpsr;             /* virtual PSR: virtual K and IE, and the flags */
    uint32_t vsr[T32_NSYSREGS];/* virtual system registers */
    uint64_t vcycles;          /* virtual time: guest instructions + idle */
    uint64_t vtimer_deadline;  /* vcycles at which the virtual timer fires */
    uint32_t vpending;         /* pending virtual interrupt lines */
    bool     halted;
} vmm_vcpu;

typedef struct vmm vmm;

/* A virtual machine. */
typedef struct vmm_vm {
    int         id;
    vmm        *vmm;
    uint32_t    base;          /* host-physical address of guest-physical 0 */
    uint32_t    size;          /* bytes of guest-physical memory */
    uint8_t    *mem;           /* host pointer to guest-physical 0 */
    vmm_vcpu    vcpu;
    t32_console con;           /* virtual console */
    t32_disk    disk;          /* virtual disk (DMA into guest-physical memory) */
    vmm_shadow  shadow;        /* shadow page tables (shadow.h) */
    vmm_stats   stats;
    const char *prefix;        /* console line prefix when several VMs share stdout */
} vmm_vm;

#define VMM_MAX_VMS 8

/* The hypervisor: the physical machine and everything running on it. */
struct vmm {
    t32_machine *m;
    vmm_mode     mode;
    vmm_vm      *vms[VMM_MAX_VMS];
    int          nvms;
    uint32_t     quantum;      /* cycles per VM per turn on the real CPU */
    /* Frames of host-physical memory that belong to the VMM itself (shadow
     * page tables live here): [vmm_base, vmm_limit), handed out by
     * vmm_frame_alloc(). */
    uint32_t     vmm_base, vmm_limit, vmm_next;
    uint32_t    *free_frames;  /* frames given back, reused first */
    uint32_t     nfree, capfree;
};

/* Allocate one zeroed 4 KiB frame of VMM memory; returns its host-physical
 * address, or 0 when VMM memory is exhausted. */
uint32_t vmm_frame_alloc(vmm *v);
/* Give a frame back. */
void vmm_frame_free(vmm *v, uint32_t frame);

#endif /* VMM_H */
