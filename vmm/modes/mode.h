/*
 * mode.h - the mode interface: how a VMM mode handles a guest's sensitive
 * instructions, as one small table of operations.
 *
 * The lecture's answers to "how does a VMM keep control?" differ in a few
 * places only: how the guest gets back onto the CPU, what an exit means,
 * and what happens when the guest changes its address space.  Each mode
 * fills in this table (modes/trap.c is the simplest); the run loop
 * (run/run.c), the scheduler and the front ends call through it and never
 * ask which mode is active.  A VM can change mode at any instruction
 * boundary (vmm_vm_set_mode), so the same guest can be watched under one
 * mode and then another without losing its progress.
 *
 *   operation     called when                           trap-and-emulate does
 *   -----------   -----------------------------------   ------------------------------
 *   enter/leave   the VM starts/stops using the mode     nothing to set up
 *   resume        the vCPU goes back into guest code     real K = 0, IE as virtual, rfe
 *   handle_exit   the real CPU trapped in guest code     emulate, reflect, or fill
 *   ptbr_write    the guest wrote PTBR                   drop the shadow tables
 *   tlb_flush     the guest executed tlbflush            drop the shadow tables
 *   view_change   the guest's virtual K changed          switch shadow view
 *   run           the guest runs, not on the real CPU    (none: it runs directly)
 *   pull          before deciding on an interrupt        (nothing to read)
 *   show          a front end stopped: RAM as the guest   (nothing kept outside RAM)
 *                 will find it
 *   shadow_pte    a shadow entry is about to be filled   (nothing to change)
 *   memory_written  guest memory written behind the guest  (nothing to do)
 *                 (DMA, a debugger's set)
 *   reclaim       the VMM ran out of its own frames       (nothing cached)
 */
#ifndef VMM_MODE_H
#define VMM_MODE_H

#include "vmm/vmm.h"

struct vmm_mode_ops {
    vmm_mode    id;
    const char *name;        /* as --mode spells it */
    const char *summary;     /* one line for --help and `trapeze compare` */

    /* The VM starts (or stops) running in this mode, at an instruction
     * boundary; every vCPU is off the real CPUs.  enter returns false (and
     * leaves nothing behind) if it cannot have what it needs.  May be NULL. */
    bool (*enter)(vmm_vm *vm);
    void (*leave)(vmm_vm *vm);

    /* Put the vCPU's pc and flags back on the real CPU and return to guest
     * code: the one way into the guest. */
    void (*resume)(vmm_vcpu *vc, t32_cpu *cpu);

    /* The real CPU took a trap (cpu->trap) while running the guest: decide
     * what it means.  On return vc->pc and vc->vpsr say where the guest
     * goes next (or the VM has stopped), and the result whether it may go
     * straight back in (vmm.h, vmm_next). */
    vmm_next (*handle_exit)(vmm_vcpu *vc, t32_cpu *cpu);

    /* The guest changed what its virtual addresses mean: a new PTBR value
     * (already in vc->vsr), or a tlbflush. */
    void (*ptbr_write)(vmm_vcpu *vc, t32_cpu *cpu);
    void (*tlb_flush)(vmm_vcpu *vc, t32_cpu *cpu);

    /* The guest's virtual mode (K) just changed: a trap entered its kernel,
     * or rfe returned to its user code. */
    void (*view_change)(vmm_vcpu *vc, t32_cpu *cpu);

    /* Run the guest some other way than directly on the real CPU: up to
     * virtual time `until` (a virtual event or the end of the turn; at
     * least one instruction), or sooner, after an instruction that may
     * change what the next boundary decides (interrupt state, devices, a
     * trap).  NULL: resume, t32_run and handle_exit, as trap-and-emulate
     * does; a mode with `run` needs neither resume nor handle_exit. */
    void (*run)(vmm_vcpu *vc, t32_cpu *cpu, uint64_t until);

    /* The VMM is about to decide on a virtual interrupt (run/reflect.c):
     * take in virtual state the guest keeps in its own memory - the
     * paravirtual guest's interrupt mask in its shared page.  May be NULL. */
    void (*pull)(vmm_vcpu *vc);

    /* A front end stopped here (a debugger's prompt, its watchpoint
     * check): make guest RAM show the virtual state the guest will find
     * in it when it runs on - the paravirtual shared page, which the VMM
     * otherwise writes only at the resume.  Nothing the guest sees
     * changes.  May be NULL. */
    void (*show)(vmm_vcpu *vc);

    /* Shadow paging is about to install `spte` (built from the guest's
     * walk `w` for `access` at guest virtual `va`): return the entry to
     * install instead, or 0 if the VMM is out of memory.  May be NULL
     * (install it as it is). */
    uint32_t (*shadow_pte)(vmm_vcpu *vc, t32_cpu *cpu, uint32_t va,
                           const t32_walk_result *w, t32_access access, uint32_t spte);

    /* Guest-physical [gpa, gpa + len) was written behind the CPU's back
     * (disk DMA, a debugger's `set`).  May be NULL. */
    void (*memory_written)(vmm_vm *vm, uint32_t gpa, uint32_t len);

    /* The VMM's frames ran out: give back those the mode keeps only as a
     * cache (bt's patched copies: they can be made again).  Every shadow
     * space of the VM has been dropped already.  May be NULL. */
    void (*reclaim)(vmm_vm *vm);
};

/* The mode with this id, or NULL (bare has no table: no VMM runs). */
const vmm_mode_ops *mode_get(vmm_mode id);

/* The mode --mode names `name` ("bare" included), or -1. */
int mode_lookup(const char *name);

/* The name of a mode id, as --mode spells it ("bare", "trap", ...). */
const char *mode_name(vmm_mode id);

/* "bare, trap": every name --mode accepts, for messages and --help. */
const char *mode_names(void);

/* The modes, each in its own file. */
extern const vmm_mode_ops mode_trap;   /* modes/trap.c */
extern const vmm_mode_ops mode_emulate; /* modes/emulate/emulate.c */
extern const vmm_mode_ops mode_bt;     /* modes/bt/ */
extern const vmm_mode_ops mode_pv;     /* modes/pv/pv.c */

/* Trap-and-emulate's resume (real K = 0, real IE = virtual IE, rfe), which
 * the modes built on trap-and-emulate share. */
void mode_trap_resume(vmm_vcpu *vc, t32_cpu *cpu);

#endif /* VMM_MODE_H */
