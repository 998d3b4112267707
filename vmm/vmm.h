/*
 * vmm.h - the hypervisor's central types: the VMM, its VMs and their vCPUs,
 * and the functions of each mechanism (one section per .c file).
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
 * Host-physical memory, for n VMs:
 *
 *   0            base1          base2                vmm_base      vmm_limit
 *   +-------------+-------------+-- ... --+-------------+---------------+
 *   |  VM 0 RAM   |  VM 1 RAM   |         | VM n-1 RAM  |  VMM memory   |
 *   +-------------+-------------+-- ... --+-------------+---------------+
 *                                                         shadow tables
 *
 * The real CPU always runs guest code in real user mode, in the host-kernel
 * trap configuration: every trap ends t32_run() and becomes an *exit*.
 * Start reading at vmm_vm_run() in run.c.
 */
#ifndef VMM_H
#define VMM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "t32.h"
#include "image.h"
#include "vmm/memory/shadow.h"

/* How sensitive instructions are handled (DESIGN.md, "VMM modes"). */
typedef enum vmm_mode {
    VMM_MODE_BARE,   /* no VMM: the guest is the kernel (reference)     */
    VMM_MODE_TRAP    /* pure trap-and-emulate; pushf/popf run natively */
} vmm_mode;

/* Why a guest stopped running - on bare T32 or in a VM.  The `trapeze`
 * command turns it into its exit status (see vmm/README.md). */
typedef enum vmm_end {
    VMM_RUNNING,     /* not stopped yet                                    */
    VMM_END_HALT,    /* executed halt in (virtual) kernel mode             */
    VMM_END_LIMIT,   /* its instruction budget (--max-insns) is spent      */
    VMM_END_ESCAPE,  /* a trap nobody handles: taken in kernel mode while
                        TVEC = 0, so it would jump to address 0 forever     */
    VMM_END_IDLE,    /* wfi with no timer and no disk transfer that could
                        ever wake it                                       */
    VMM_END_NO_MEMORY /* the VMM ran out of its own memory (shadow tables) */
} vmm_end;

/* How a guest ended, with the facts a message needs. */
typedef struct vmm_outcome {
    vmm_end  end;
    uint32_t pc;        /* where it stopped (for ESCAPE: the trap's EPC) */
    t32_trap trap;      /* ESCAPE: the trap that escaped                 */
    uint64_t cycles;    /* (virtual) cycles it ran                       */
} vmm_outcome;

/* Exit and event counters (--stats, --stats-json). */
typedef struct vmm_stats {
    uint64_t guest_insns;      /* guest instructions retired, direct + emulated */
    uint64_t direct_insns;     /* executed directly by the real CPU */
    uint64_t emulated_insns;   /* executed by the VMM on the virtual state */
    uint64_t exits_total;
    uint64_t exits_by_cause[T32_CAUSE_LIMIT];
    uint64_t injected_irqs;    /* interrupts delivered to the guest ... */
    uint64_t irqs_in_kernel;   /* ... of which while it was in (virtual) kernel mode */
    uint64_t reflected_traps;
    uint64_t shadow_faults;    /* hidden page faults (counted by shadow.c) */
    uint64_t idle_cycles;      /* cycles spent idle in wfi: cycles - guest_insns */
} vmm_stats;

/* A virtual CPU: what the guest believes the CPU is. */
typedef struct vmm_vcpu {
    uint32_t r[T32_NREGS];     /* general registers while not on the real CPU */
    uint32_t pc;
    uint32_t vpsr;             /* virtual PSR: virtual K and IE, and the flags */
    uint32_t vsr[T32_NSYSREGS];/* virtual system registers */
    uint64_t vcycles;          /* virtual time: guest instructions + idle */
    uint64_t vtimer_deadline;  /* vcycles at which the virtual timer fires */
    uint32_t vpending;         /* latched virtual interrupt lines (the timer) */
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
    FILE       *prefix_out;    /* where prefixed lines go (NULL: no prefixing) */
    bool        at_line_start; /* the next output byte starts a line */
    uint64_t    limit;         /* virtual cycles it may run; 0 = no limit */
    uint64_t    horizon;       /* virtual time at which the current turn ends */
    vmm_outcome outcome;       /* why it stopped (end = VMM_RUNNING while not) */
    const t32_image *image;    /* the loaded image, for symbols (may be NULL) */
    FILE       *trace;         /* --trace: a line per exit and injection (NULL: off) */
} vmm_vm;

#define VMM_MAX_VMS 8
#define VMM_DEFAULT_QUANTUM 10000u   /* virtual cycles per VM per turn */

/* The hypervisor: the physical machine and everything running on it. */
struct vmm {
    t32_machine *m;
    vmm_mode     mode;
    vmm_vm      *vms[VMM_MAX_VMS];
    int          nvms;
    uint32_t     quantum;      /* cycles per VM per turn on the real CPU */
    vmm_vm      *on_cpu;       /* the VM whose translations the real TLB may hold */
    /* Frames of host-physical memory that belong to the VMM itself (shadow
     * page tables live here): [vmm_base, vmm_limit), handed out by
     * vmm_frame_alloc(). */
    uint32_t     vmm_base, vmm_limit, vmm_next;
    uint32_t    *free_frames;  /* frames given back, reused first */
    uint32_t     nfree, capfree;
};

/* ---- vm.c: building the VMM and its VMs ----------------------------------- */

/* Bytes of VMM memory (for shadow tables) reserved per VM. */
#define VMM_MEM_PER_VM (4u << 20)

/* Create the VMM and the physical machine under it: one CPU, and RAM for
 * `nvms` VMs of `vm_size` bytes each (a multiple of the page size) plus the
 * VMM's own memory.  The VMs are created empty (all memory zero, vCPU at
 * reset, console on stdout/stdin, no disk).  Returns NULL with a message in
 * err if the sizes are impossible or memory cannot be had. */
vmm *vmm_new(vmm_mode mode, int nvms, uint32_t vm_size, char *err, size_t errlen);

/* Free the VMM, its VMs (consoles, disks, shadows) and the machine. */
void vmm_free(vmm *v);

/* Load an image into a VM's guest-physical memory and point its vCPU at the
 * entry.  The image must outlive the VM (it is kept for symbols). */
bool vmm_vm_load(vmm_vm *vm, const t32_image *img, char *err, size_t errlen);

/* Allocate one zeroed 4 KiB frame of VMM memory; returns its host-physical
 * address, or 0 when VMM memory is exhausted. */
uint32_t vmm_frame_alloc(vmm *v);
/* Give a frame back. */
void vmm_frame_free(vmm *v, uint32_t frame);

/* ---- run.c: the run loop - run the guest, take an exit, resume ------------ */

/* Run a VM's vCPU on the real CPU for at most `quantum` virtual cycles (fewer
 * if it stops).  Loads the vCPU onto the CPU first and saves it back after,
 * so VMs can take turns.  Returns vm->outcome.end. */
vmm_end vmm_vm_run(vmm_vm *vm, uint64_t quantum);

/* Resume the guest: the single way back into guest code.  Puts the vCPU's pc
 * and flags in the real EPC/EPSR (real K = 0, real IE = 0: the guest kernel
 * is deprivileged and the VMM delivers its interrupts) and executes the
 * real return-from-exception, t32_rfe(). */
void vmm_resume(vmm_vm *vm, t32_cpu *cpu);

/* Stop a VM for good with the given reason, at the vCPU's current pc. */
void vmm_vm_stop(vmm_vm *vm, vmm_end end);

/* ---- exit.c: what to do with one exit -------------------------------------- */

/* Handle the trap the real CPU just took while running the guest
 * (cpu->trap): emulate, reflect, fix a hidden page fault, or stop the VM.
 * On return vm->vcpu.pc/vpsr say where the guest goes next. */
void vmm_exit_handle(vmm_vm *vm, t32_cpu *cpu);

/* ---- emulate.c: privileged instructions on the virtual state -------------- */

/* Emulate the privileged instruction `insn` at vcpu.pc, executed by the
 * guest in virtual kernel mode, on the vCPU's virtual state.  Advances the
 * virtual pc (or sets it, for rfe), or reflects a trap if the instruction
 * would trap on bare T32 (an unknown system register). */
void vmm_emulate(vmm_vm *vm, t32_cpu *cpu, uint32_t insn);

/* ---- reflect.c: delivering traps and interrupts into the guest ------------ */

/* Deliver a trap to the guest as bare T32 would (ISA.md, "Trap entry"):
 * virtual EPSR := virtual PSR, virtual EPC := epc, CAUSE, BADVADDR (for the
 * causes that set it), virtual K := 1, IE := 0, pc := virtual TVEC.  A trap
 * taken in virtual kernel mode with TVEC = 0 stops the VM (VMM_END_ESCAPE). */
void vmm_reflect(vmm_vm *vm, t32_cpu *cpu, t32_cause cause, uint32_t epc,
                 uint32_t badvaddr);

/* At an instruction boundary: if virtual IE = 1 and a virtual interrupt line
 * is pending, deliver the lowest-numbered one.  Returns true if it did. */
bool vmm_inject_pending(vmm_vm *vm, t32_cpu *cpu);

/* ---- vdev.c: the virtual devices (ports, console, disk) ------------------- */

/* Port I/O by the guest, on its virtual devices.  Unknown ports read
 * 0xffffffff and ignore writes, as on bare T32. */
uint32_t vdev_in(vmm_vm *vm, uint32_t port);
void vdev_out(vmm_vm *vm, uint32_t port, uint32_t value);

/* Bring the virtual devices up to the vCPU's virtual time (complete a due
 * disk transfer) and return the device interrupt lines they assert. */
uint32_t vdev_lines(vmm_vm *vm);

/* The virtual time at which a device changes state by itself, or UINT64_MAX. */
uint64_t vdev_next_event(const vmm_vm *vm);

/* Write the whole lines of console output that collected in vm->con to
 * vm->prefix_out, each behind vm->prefix (several VMs sharing one
 * terminal).  `final`: the VM is done - write the rest too, ending an
 * unfinished line.  Guest control bytes are shown escaped, a line over
 * 4096 bytes is cut with a trailing "\", write errors go to con.out_error
 * (vdev.c and vmm/README.md give the rules). */
void vdev_console_flush(vmm_vm *vm, bool final);

/* ---- vtimer.c: virtual time and the virtual timer ------------------------- */

/* Advance the virtual timer to the current virtual time: latch the timer
 * line if its deadline has come. */
void vtimer_update(vmm_vcpu *vc);

/* mtsr timer, value: (re)arm, or stop for 0, and clear a pending tick. */
void vtimer_write(vmm_vcpu *vc, uint32_t value);

/* The next virtual time at which something happens by itself (a timer tick
 * or a disk completion), or UINT64_MAX. */
uint64_t vtimer_next_event(const vmm_vm *vm);

/* What wfi found. */
typedef enum vtimer_wait_result {
    VTIMER_PENDING,  /* a line was already pending: wfi completes (1 cycle) */
    VTIMER_WOKEN,    /* idled until an event raised a line: wfi completes,
                        its cycle being the last idle one                   */
    VTIMER_IDLED,    /* virtual time moved on; wfi must execute again      */
    VTIMER_NEVER     /* nothing could ever raise a line                    */
} vtimer_wait_result;

/* wfi: if no line is pending, let virtual time pass up to the next virtual
 * event (but not beyond `until`). */
vtimer_wait_result vtimer_wait(vmm_vm *vm, uint64_t until);

/* ---- trace.c: a line per VMM decision (--trace) -------------------------- */

/* The guest kernel's privileged instruction `insn` at `pc` is about to be
 * emulated (`cpu` holds the guest's registers, for in/out's port). */
void vmm_trace_emulate(const vmm_vm *vm, const t32_cpu *cpu, uint32_t pc, uint32_t insn);

/* A trap (or interrupt) at `pc`: `what` is "reflect", "hidden" or
 * "inject"; badvaddr is shown for memory faults. */
void vmm_trace_trap(const vmm_vm *vm, const char *what, uint32_t pc, t32_cause cause,
                    uint32_t badvaddr);

/* ---- sched.c: several VMs on one CPU --------------------------------------- */

/* Run every VM round robin, `quantum` virtual cycles per turn, until all
 * have stopped.  Each VM's own instruction budget is vm->limit. */
void vmm_sched_run(vmm *v);

/* ---- bare.c: the reference - a guest on bare T32, no VMM ------------------ */

/* Run the machine's CPU 0 natively (the guest is the kernel) until it halts,
 * escapes, idles forever or has run `limit` cycles (0 = no limit).  Fills
 * *st with what bare T32 can count (instructions). */
vmm_outcome vmm_bare_run(t32_machine *m, uint64_t limit, vmm_stats *st);

/* ---- stats.c: reporting ----------------------------------------------------- */

/* Print the statistics as a table (--stats). */
void vmm_stats_print(FILE *out, const char *title, vmm_mode mode, const vmm_stats *st);

/* Write them as JSON (--stats-json): one object with the totals over the
 * `n` VMs and, when n > 1, a "vms" array with each VM's own numbers.
 * Returns false if the file cannot be written. */
bool vmm_stats_write_json(const char *path, vmm_mode mode, const vmm_stats *const *st,
                          int n);

/* sum += st, counter by counter. */
void vmm_stats_add(vmm_stats *sum, const vmm_stats *st);

/* The name of a mode, as --mode spells it. */
const char *vmm_mode_name(vmm_mode mode);

#endif /* VMM_H */
