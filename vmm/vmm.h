/*
 * vmm.h - the hypervisor's central types: the VMM, its VMs and their vCPUs,
 * and the functions of each mechanism (one section per .c file).
 *
 * Picture the physical machine (isa/t32.h) with its real CPUs (pCPUs).  The
 * VMM is C code - it plays the real kernel.  Each VM gets:
 *   - a contiguous block of the machine's physical memory as its
 *     guest-physical memory (guest physical 0 .. size-1 lives at host
 *     physical base .. base+size-1);
 *   - an array of vCPUs: the guest's *virtual* T32 CPUs.  A vCPU's general
 *     registers and flags run on a real CPU during its turn; its kernel-mode
 *     bit, interrupt enable and system registers exist only in the vCPU, in
 *     `vpsr` and `vsr`;
 *   - virtual devices: console, disk, and a timer per vCPU;
 *   - a mode (modes/mode.h): how its sensitive instructions are handled -
 *     trap-and-emulate, binary translation, paravirtualization or
 *     emulation - chosen per VM and switchable while it runs;
 *   - shadow page tables (memory/shadow.h), in frames of the VMM's own
 *     memory that no guest can map (bt's patched copies live there too).
 *
 * Host-physical memory, for n VMs:
 *
 *   0            base1          base2                vmm_base      vmm_limit
 *   +-------------+-------------+-- ... --+-------------+---------------+
 *   |  VM 0 RAM   |  VM 1 RAM   |         | VM n-1 RAM  |  VMM memory   |
 *   +-------------+-------------+-- ... --+-------------+---------------+
 *                                                      shadow tables, bt copies
 *
 * The real CPU always runs guest code in real user mode, in the host-kernel
 * trap configuration: every trap becomes an *exit*, handled by the VMM at
 * the trap itself (run/run.c, exit_in_place).
 * Start reading at vmm_vcpu_run() in run/run.c.
 *
 * Names: every function is named after the file it lives in - shadow_* in
 * memory/shadow.c, vtimer_* in run/vtimer.c, vdev_* in devices/vdev.c,
 * stats_* in report/stats.c, trace_* in report/trace.c, mode_* in
 * modes/mode.c - and vmm_* for the core a front end calls (vm.c, run/).
 */
#ifndef VMM_H
#define VMM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "t32.h"
#include "image.h"
#include "vmm/memory/shadow.h"
#include "vmm/report/stats.h"

/* Which mode a VM runs in (docs/ARCHITECTURE.md, "VMM modes"; modes/mode.h has the
 * interface each one implements). */
typedef enum vmm_mode {
    VMM_MODE_BARE,   /* no VMM: the guest is the kernel (reference)     */
    VMM_MODE_TRAP,   /* pure trap-and-emulate; pushf/popf run natively */
    VMM_MODE_BT,     /* binary translation: kernel pushf/popf patched      */
    VMM_MODE_PV,     /* paravirtual: the guest makes hypercalls (hcall)  */
    VMM_MODE_EMULATE, /* no direct execution: the VMM interprets every insn */
    VMM_NMODES
} vmm_mode;

/* Why a guest stopped running - on bare T32 or in a VM.  The front ends
 * turn it into an exit status (session/session.h). */
typedef enum vmm_end {
    VMM_RUNNING,     /* not stopped yet                                    */
    VMM_END_HALT,    /* executed halt in (virtual) kernel mode             */
    VMM_END_LIMIT,   /* its instruction budget (--max-insns) is spent      */
    VMM_END_ESCAPE,  /* a trap nobody handles: taken in kernel mode while
                        TVEC = 0, so it would jump to address 0 forever     */
    VMM_END_IDLE,    /* wfi with no timer and no disk transfer that could
                        ever wake it                                       */
    VMM_END_NO_MEMORY, /* the VMM ran out of its own memory (shadow tables,
                          bt's copies) */
    VMM_END_OUTPUT,  /* its console, or a trace of the run, cannot be written
                        (a full disk, a closed pipe): nobody would see the
                        rest of its run.  A front end's decision (`run`'s:
                        session/session.c), never the run loop's            */
    VMM_END_INTERRUPTED, /* the user stopped the run (Ctrl-C in `run`): also
                            a front end's decision                         */
    VMM_END_STUCK    /* the VMM made no progress: one access was a hidden
                        fault again and again (run/exit.c) - a bug of the
                        VMM's own code, as a lab's shadow_pte may have     */
} vmm_end;

/* How a guest ended, with the facts a message needs. */
typedef struct vmm_outcome {
    vmm_end  end;
    uint32_t pc;        /* where it stopped (for ESCAPE: the trap's EPC) */
    t32_trap trap;      /* ESCAPE: the trap that escaped                 */
    uint64_t cycles;    /* (virtual) cycles it ran                       */
    int      vcpu;      /* the vCPU that stopped it                      */
} vmm_outcome;

typedef struct vmm vmm;
typedef struct vmm_vm vmm_vm;
typedef struct vmm_mode_ops vmm_mode_ops;

/* What an exit leaves the run loop to do (run/run.c).  Most exits change
 * nothing that an instruction boundary decides - an mfsr, a cli, a hidden
 * page fault: no virtual interrupt can become deliverable, no virtual event
 * moves - and the guest goes straight back in, up to the same next event.
 * The others may have: interrupt state (a trap delivered; sti, popf and
 * rfe when they unmask an interrupt that is pending), the timer, a
 * device, the VM's mode or its end. */
typedef enum vmm_next {
    VMM_NEXT_RESUME,     /* nothing the boundary decides changed: resume   */
    VMM_NEXT_BOUNDARY    /* latch the timer, inject, find the next event   */
} vmm_next;

/* A virtual CPU: what the guest believes a CPU is. */
typedef struct vmm_vcpu {
    vmm_vm  *vm;               /* the VM it belongs to */
    int      id;               /* its number in the VM: the guest's CPUID */
    uint32_t r[T32_NREGS];     /* general registers while not on a real CPU */
    uint32_t pc;
    uint32_t vpsr;             /* virtual PSR: virtual K and IE, and the flags */
    uint32_t vsr[T32_NSYSREGS];/* virtual system registers */
    uint64_t vcycles;          /* virtual time: guest instructions + idle */
    uint64_t vtimer_deadline;  /* vcycles at which the virtual timer fires */
    uint32_t vpending;         /* latched virtual interrupt lines (the timer) */
    bool     halted;
    bool     parked;           /* its last turn ended in a wfi that nothing could
                                  wake (run/run.c, vmm_vcpu_ended) */
    t32_cpu *cpu;              /* the real CPU it is on, during its turn; else NULL */
    uint64_t horizon;          /* virtual time at which the current turn ends */
    uint64_t run_until;        /* ... and the current direct run (the next
                                  virtual event, or the horizon: run.c) */
    uint64_t run_from;         /* the real CPU's cycle count where the guest
                                  last resumed (run.c: cycles it ran since) */
    vmm_next exit_next;        /* what the exit that ended the run decided */
    bool     pv_shared;        /* --mode pv: a shared page is registered ... */
    uint32_t pv_page;          /* ... at this guest-physical address (modes/pv) */
    bool     pv_unread;        /* ... and the guest ran since the VMM wrote it */
    bool     irq_point;        /* the last direct run ended where the guest's own
                                  run decides an interrupt may come: at a virtual
                                  event, or after an exit that asked for a
                                  boundary - not at a turn's end (run.c, step) */
    uint64_t hidden_cycle;     /* the hidden faults at one virtual cycle ... */
    unsigned hidden_faults;    /* ... counted, to catch a shadow entry that never
                                  lets its access through (run/exit.c) */
} vmm_vcpu;

#define VMM_HIDDEN_PER_CYCLE 1024u   /* hidden faults at one cycle: stuck (run/exit.c) */

#define VMM_MAX_VMS   8
#define VMM_MAX_VCPUS T32_MAX_CPUS
#define VMM_DEFAULT_QUANTUM 10000u   /* virtual cycles per vCPU per turn */

/* What the VMM tells an observer (report/trace.c, the debugger): one event
 * per decision it takes, at the virtual time and guest pc it concerns. */
typedef enum vmm_event_kind {
    VMM_EV_EMULATE,  /* a privileged instruction executed on the virtual state */
    VMM_EV_REFLECT,  /* a trap delivered into the guest's own handler          */
    VMM_EV_HIDDEN,   /* a page fault the guest never sees (shadow filled)       */
    VMM_EV_INJECT,   /* a virtual interrupt delivered at a boundary             */
    VMM_EV_MODE,     /* the VM switched VMM mode                                */
    VMM_EV_HCALL,    /* a hypercall of a paravirtual guest (insn: the hcall)    */
    VMM_EV_SCAN,     /* bt: a code page scanned before it runs in kernel mode   */
    VMM_EV_PATCH,    /* bt: a sensitive instruction patched in the page's copy  */
    VMM_EV_PATCHED,  /* bt: a patched instruction trapped and was emulated      */
    VMM_EV_UNPATCH   /* bt: a page written (store or DMA): its patches dropped  */
} vmm_event_kind;

typedef struct vmm_event {
    vmm_event_kind kind;
    uint32_t  pc;          /* the guest instruction concerned */
    uint32_t  insn;        /* EMULATE: its word */
    t32_cause cause;       /* REFLECT, HIDDEN, INJECT */
    uint32_t  badvaddr;    /* memory causes */
    uint32_t  port;        /* EMULATE of in/out: the port */
    uint32_t  gpa;         /* SCAN, PATCH, UNPATCH: the guest-physical address */
    uint32_t  count;       /* SCAN: instructions patched in the page */
    const char *why;       /* UNPATCH: "store" or "dma" */
} vmm_event;

/* An observer: called for every event of every VM (NULL: none). */
typedef void vmm_observer(void *ctx, const vmm_vcpu *vc, const vmm_event *ev);

/* An instruction hook: called before each guest instruction, which then
 * runs alone (single-stepped), with the guest's VM number (-1 on bare
 * T32), its (virtual) time, pc, (virtual) PSR and the instruction word
 * (NULL if fetching it traps). */
typedef void vmm_insn_hook(void *ctx, int vm, uint64_t cycle, uint32_t pc, uint32_t psr,
                           const uint32_t *word);

/* What a front end watches a run with (every member may be NULL). */
typedef struct vmm_watch {
    FILE          *trace;      /* bare T32: a line per trap taken */
    vmm_insn_hook *insn_hook;  /* every instruction */
    void          *insn_ctx;
    bool          *stopped;    /* non-NULL: stop at a breakpoint set with
                                  t32_break_set (a debugger's) and set it true */
    vmm_end      (*front_end_end)(void *ctx);  /* asked between batches: an
                                  end other than VMM_RUNNING ends the run
                                  there - VMM_END_OUTPUT (a console or trace
                                  the host can no longer write) or
                                  VMM_END_INTERRUPTED; ctx is insn_ctx */
} vmm_watch;

/* A virtual machine. */
struct vmm_vm {
    int         id;
    vmm        *vmm;
    const vmm_mode_ops *mode;  /* how its sensitive instructions are handled */
    void       *mode_state;    /* the mode's own state, if it keeps any (its
                                  leave() frees it) */
    bool        single_step;   /* set by the mode: the next direct run must be
                                  a single instruction (bt lets one
                                  instruction use a mapping no other may) */
    uint32_t    base;          /* host-physical address of guest-physical 0 */
    uint32_t    size;          /* bytes of guest-physical memory */
    uint8_t    *mem;           /* host pointer to guest-physical 0 */
    vmm_vcpu    vcpus[VMM_MAX_VCPUS];
    int         nvcpus;
    t32_console con;           /* virtual console */
    t32_disk    disk;          /* virtual disk (DMA into guest-physical memory) */
    vmm_shadow  shadow;        /* shadow page tables (memory/shadow.h) */
    vmm_stats   stats;
    const char *prefix;        /* console line prefix when several VMs share stdout */
    FILE       *prefix_out;    /* where prefixed lines go (NULL: no prefixing) */
    uint64_t    limit;         /* virtual cycles each vCPU may run; 0 = no limit */
    bool        waiting_input; /* its console `in` waited for the host this turn */
    uint64_t    pause_at;      /* virtual time at which the run loop stops for
                                  the front end (a mode switch, a debugger's
                                  step); 0 = never */
    vmm_outcome outcome;       /* why it stopped (end = VMM_RUNNING while not) */
    const t32_image *image;    /* the loaded image, for symbols (may be NULL) */
};

/* The hypervisor: the physical machine and everything running on it. */
struct vmm {
    t32_machine *m;
    vmm_vm      *vms[VMM_MAX_VMS];
    int          nvms;
    uint32_t     quantum;      /* cycles per vCPU per turn on a real CPU */
    /* Which vCPU last ran on each real CPU: its translations may still be
     * in that CPU's TLB. */
    const vmm_vcpu *on_cpu[T32_MAX_CPUS];
    bool         stop;         /* a front end (or its observer) asks the run
                                  loop to stop at the next instruction
                                  boundary: a breakpoint was hit, a debugger
                                  wants the prompt.  The front end clears it. */
    vmm_observer *observer;    /* events of every VM (NULL: none) */
    void        *observer_ctx;
    vmm_insn_hook *insn_hook;  /* every guest instruction (NULL: none) */
    void        *insn_ctx;
    /* Frames of host-physical memory that belong to the VMM itself (shadow
     * page tables live here): [vmm_base, vmm_limit), handed out by
     * vmm_frame_alloc() (memory/frames.c). */
    uint32_t     vmm_base, vmm_limit, vmm_next;
    uint32_t    *free_frames;  /* frames given back, reused first */
    uint32_t     nfree, capfree;
};

/* A broken invariant of the VMM itself - never something a guest did, which
 * is always a value handled by the caller: print and abort.  (Inline: the
 * exit path checks a few; only a failure leaves it, for invariant.c.) */
_Noreturn void vmm_invariant_broken(const char *what);
static inline void vmm_invariant(bool holds, const char *what)
{
    if (!holds)
        vmm_invariant_broken(what);
}

/* ---- vm.c: building the VMM and its VMs ----------------------------------- */

/* Bytes of VMM memory (for shadow tables) reserved per VM. */
#define VMM_MEM_PER_VM (4u << 20)

/* Create the VMM and the physical machine under it: one real CPU, and RAM
 * for `nvms` VMs of `vm_size` bytes each (a multiple of the page size) plus
 * the VMM's own memory.  The VMs are created empty (all memory zero, one
 * vCPU at reset, console on stdout/stdin, no disk) in `mode`.  Returns NULL
 * with a message in err if the sizes are impossible or memory cannot be
 * had. */
vmm *vmm_new(vmm_mode mode, int nvms, uint32_t vm_size, char *err, size_t errlen);

/* Free the VMM, its VMs (consoles, disks, shadows) and the machine. */
void vmm_free(vmm *v);

/* Give a VM `n` vCPUs (1..VMM_MAX_VCPUS), all at reset: before it runs. */
bool vmm_vm_set_vcpus(vmm_vm *vm, int n);

/* Load an image into a VM's guest-physical memory and point its vCPUs at
 * the entry.  The image must outlive the VM (it is kept for symbols). */
bool vmm_vm_load(vmm_vm *vm, const t32_image *img, char *err, size_t errlen);

/* Switch the VM to another mode, at an instruction boundary (between two
 * turns, or between two exits): the old mode lets go of its state, the new
 * one takes over, and the guest goes on where it was.  False (nothing
 * changed) for a mode that cannot run a VM (bare). */
bool vmm_vm_set_mode(vmm_vm *vm, vmm_mode mode);

/* Device time: the virtual time of vCPU 0 (on bare T32 the devices follow
 * CPU 0's cycle count, and their interrupts go to CPU 0). */
static inline uint64_t vmm_vm_time(const vmm_vm *vm)
{
    return vm->vcpus[0].vcycles;
}

/* ---- memory/frames.c: the VMM's own memory --------------------------------- */

/* Allocate one zeroed 4 KiB frame of VMM memory; returns its host-physical
 * address, or 0 when VMM memory is exhausted. */
uint32_t vmm_frame_alloc(vmm *v);
/* Give a frame back. */
void vmm_frame_free(vmm *v, uint32_t frame);

/* ---- run/run.c: the run loop - run the guest, take an exit, resume -------- */

/* Run one vCPU on the real CPU `cpu` for at most `quantum` virtual cycles
 * (fewer if its VM stops).  Loads the vCPU onto the CPU first and saves it
 * back after, so vCPUs can take turns.  Returns vm->outcome.end. */
vmm_end vmm_vcpu_run(vmm_vcpu *vc, t32_cpu *cpu, uint64_t quantum);

/* Run a VM's vCPUs, each for one turn of `quantum` cycles (or to
 * vm->pause_at, or until v->stop), each on the real CPU the scheduler
 * picks.  Returns vm->outcome.end. */
vmm_end vmm_vm_run(vmm_vm *vm, uint64_t quantum);

/* Whether vCPU vc can run no further: halted, at the VM's --max-insns, or
 * parked in a wfi that nothing can wake (asked again each time: another
 * vCPU may yet start what wakes it). */
bool vmm_vcpu_done(vmm_vcpu *vc);

/* The first vCPU of vm that can still run (vCPU 0 may have halted long
 * before): where a stop or a switch made from outside is told.  vCPU 0 if
 * none can. */
vmm_vcpu *vmm_live_vcpu(vmm_vm *vm);

/* Whether every vCPU of the VM that can still run has reached virtual time
 * t - where each pauses for a switch of mode or a front end's stop.  (The
 * VM's time is vCPU 0's, vmm_vm_time; but a vCPU 0 that has halted stands
 * still for ever, while the others run on to t.) */
bool vmm_vm_reached(vmm_vm *vm, uint64_t t);

/* vCPU vc has halted, run the VM's --max-insns, or parked in a wfi that
 * nothing can wake.  Once every vCPU has, the VM stops: VMM_END_IDLE if
 * one is parked, else VMM_END_LIMIT if one is at the limit, else
 * VMM_END_HALT. */
void vmm_vcpu_ended(vmm_vcpu *vc);

/* Stop a VM for good with the given reason, at vCPU `vc`'s current pc. */
void vmm_vm_stop(vmm_vm *vm, const vmm_vcpu *vc, vmm_end end);

/* May the guest, in the middle of a direct run on `cpu`, go on to its next
 * instruction without an instruction boundary's checks?  Yes while its next
 * event (vc->run_until) is still ahead, it runs, and nobody watches
 * boundaries one by one (a tracer, a debugger's breakpoints, a mode's
 * single step).  The run loop asks after every exit; bt's patch exits ask
 * before emulating the instruction after a patch too. */
bool vmm_may_go_on(const vmm_vcpu *vc, const t32_cpu *cpu);

/* VMM_OUT_OF_LINE: a function on a rare path that the compiler must not
 * fold into the hot one calling it - folded in, its register saves would
 * be paid by every call of the hot function, taken or not (bt's whole
 * patch exit, say, by every other exit).  VMM_INLINE, its opposite: a
 * piece of a hot path that must be folded into it even where it has two
 * callers, which a compiler may otherwise keep as a call of its own (clang
 * does, for bt's fast patch exit). */
#if defined(__GNUC__) || defined(__clang__)
#define VMM_OUT_OF_LINE __attribute__((noinline))
#define VMM_INLINE      inline __attribute__((always_inline))
#else
#define VMM_OUT_OF_LINE
#define VMM_INLINE      inline
#endif

/* Tell the observer (if any) about an event of vCPU `vc`.  Callers write
 * VMM_NOTIFY(vc, .kind = ..., .pc = ...): the event is built only when
 * someone listens, since the exit path is hot. */
void vmm_notify(const vmm_vcpu *vc, const vmm_event *ev);
#define VMM_NOTIFY(vc, ...)                                             \
    do {                                                                \
        if ((vc)->vm->vmm->observer)                                    \
            vmm_notify((vc), &(vmm_event){ __VA_ARGS__ });              \
    } while (0)

/* ---- run/exit.c: what to do with one exit ---------------------------------- */

/* Handle the trap the real CPU just took while running the guest
 * (cpu->trap) as trap-and-emulate does: emulate, reflect, fix a hidden page
 * fault, or stop the VM.  The modes' exit handlers end here.  On return
 * vc->pc/vpsr say where the guest goes next. */
vmm_next vmm_exit_handle(vmm_vcpu *vc, t32_cpu *cpu);

/* One exit, of the real CPU's trap `cause`, and the route the VMM sent it
 * (--stats counts exits by cause, `dot exits` by cause and route). */
static inline void vmm_exit_count(vmm_vcpu *vc, t32_cause cause, vmm_exit_route route)
{
    vmm_stats *st = &vc->vm->stats;
    st->exits_total++;
    st->exits_by_cause[cause]++;
    st->exits_by_route[route][cause]++;
}

/* The cycle accounting of an exit.  The real CPU charged the trapping
 * instruction one cycle, as bare T32 charges any instruction that traps;
 * the run loop leaves that cycle out (run.c), and whoever handles the exit
 * charges it if bare T32 would have spent it: as run directly (the
 * instruction trapped on bare T32 too), or as executed by the VMM instead
 * (an emulated or patched instruction).  A hidden page fault charges
 * nothing.  Inline: every exit does it. */
static inline void vmm_exit_count_direct(vmm_vcpu *vc)
{
    vc->vcycles++;
    vc->vm->stats.direct_insns++;
    vc->vm->stats.guest_insns++;
}

static inline void vmm_exit_count_emulated(vmm_vcpu *vc)
{
    vc->vcycles++;
    vc->vm->stats.emulated_insns++;
    vc->vm->stats.guest_insns++;
}

/* ---- run/emulate.c: privileged instructions on the virtual state ---------- */

/* Emulate the privileged instruction `insn` at vc->pc, executed by the
 * guest in virtual kernel mode, on the vCPU's virtual state.  Advances the
 * virtual pc (or sets it, for rfe), or reflects a trap if the instruction
 * would trap on bare T32 (an unknown system register). */
vmm_next vmm_emulate(vmm_vcpu *vc, t32_cpu *cpu, uint32_t insn);

/* What follows a change to the guest's interrupt mask - an instruction
 * that may have unmasked interrupts (sti, rfe, bt's popf, a hypercall),
 * once emulated, or a trap delivered (which masks them): a boundary if an
 * interrupt will be injected there - virtual IE = 1 and a line pending -
 * else the guest goes on. */
vmm_next vmm_next_after_mask_change(vmm_vcpu *vc);

/* ---- run/reflect.c: delivering traps and interrupts into the guest -------- */

/* Deliver a trap to the guest as bare T32 would (ISA.md, "Trap entry"):
 * virtual EPSR := virtual PSR, virtual EPC := epc, CAUSE, BADVADDR (for the
 * causes that set it), virtual K := 1, IE := 0, pc := virtual TVEC.  A trap
 * taken in virtual kernel mode with TVEC = 0 stops the VM (VMM_END_ESCAPE). */
void vmm_reflect(vmm_vcpu *vc, t32_cpu *cpu, t32_cause cause, uint32_t epc,
                 uint32_t badvaddr);

/* A trap the guest is owed (not an interrupt): vmm_reflect, counted in
 * --stats' "reflected traps" when it was delivered - not when the guest
 * had no handler and the VM stopped, which is no reflection. */
static inline void vmm_reflect_trap(vmm_vcpu *vc, t32_cpu *cpu, t32_cause cause, uint32_t epc,
                                    uint32_t badvaddr)
{
    vmm_reflect(vc, cpu, cause, epc, badvaddr);
    vc->vm->stats.reflected_traps += vc->vm->outcome.end != VMM_END_ESCAPE;
}

/* At an instruction boundary: if virtual IE = 1 and a virtual interrupt line
 * is pending, deliver the lowest-numbered one.  Returns true if it did. */
bool vmm_inject_pending(vmm_vcpu *vc, t32_cpu *cpu);

/* ---- devices/vdev.c: the virtual devices (ports, console, disk) ----------- */

/* Port I/O by the guest, on its virtual devices.  Unknown ports read
 * 0xffffffff and ignore writes, as on bare T32. */
uint32_t vdev_in(vmm_vm *vm, uint32_t port);
void vdev_out(vmm_vm *vm, uint32_t port, uint32_t value);

/* Bring the virtual devices up to the VM's device time (complete a due
 * disk transfer) and return the device interrupt lines they assert. */
uint32_t vdev_lines(vmm_vm *vm);

/* The virtual time at which a device changes state by itself, or UINT64_MAX. */
uint64_t vdev_next_event(const vmm_vm *vm);

/* Would the guest's `in` of `port` have to wait for the host (console
 * input on a pipe or terminal, nothing there yet)?  Never for a file. */
bool vdev_input_would_wait(vmm_vm *vm, uint32_t port);

/* Every running VM is waiting for console input: block until the host has
 * some for one of them (or its end). */
void vdev_wait_input(vmm *v);

/* Write the whole lines of console output that collected in vm->con to
 * vm->prefix_out, each behind vm->prefix (several VMs sharing one
 * terminal).  `final`: the VM is done - write the rest too, ending an
 * unfinished line.  Guest control bytes are shown escaped, a line over
 * 4096 bytes is cut with a trailing "\", write errors go to con.out_error
 * (vdev.c and vmm/README.md give the rules). */
void vdev_console_flush(vmm_vm *vm, bool final);

/* ---- run/vtimer.c: virtual time and the virtual timer --------------------- */

/* Advance the virtual timer to the current virtual time: latch the timer
 * line if its deadline has come. */
void vtimer_update(vmm_vcpu *vc);

/* mtsr timer, value: (re)arm, or stop for 0, and clear a pending tick. */
void vtimer_write(vmm_vcpu *vc, uint32_t value);

/* The interrupt lines pending at vCPU `vc` now: its timer, and - for
 * vCPU 0, which takes the device interrupts - the devices'. */
uint32_t vtimer_lines(vmm_vcpu *vc);

/* The next virtual time at which something happens by itself for this
 * vCPU (a timer tick or a disk completion), or UINT64_MAX. */
uint64_t vtimer_next_event(const vmm_vcpu *vc);

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
vtimer_wait_result vtimer_wait(vmm_vcpu *vc, uint64_t until);

/* ---- run/sched.c: several VMs on the real CPUs ------------------------------ */

/* Run every VM's vCPUs round robin, `quantum` virtual cycles per turn,
 * until all have stopped.  Each vCPU's own instruction budget is vm->limit. */
void vmm_sched_run(vmm *v);

/* One round: every running VM's vCPUs get one turn each (a round ends
 * early when v->stop is set).  False when no VM is left running. */
bool vmm_sched_round(vmm *v);

/* ---- modes/bare.c: the reference - a guest on bare T32, no VMM ------------ */

/* Run the machine's CPU 0 natively (the guest is the kernel) until it halts,
 * escapes, idles forever or has run `limit` cycles (0 = no limit).  Fills
 * *st with what bare T32 can count (instructions, interrupts). */
vmm_outcome vmm_bare_run(t32_machine *m, uint64_t limit, vmm_stats *st);

/* The same, watched: traps taken and instructions (w may be NULL). */
vmm_outcome vmm_bare_run_watched(t32_machine *m, uint64_t limit, vmm_stats *st,
                                 const vmm_watch *w);

#endif /* VMM_H */
