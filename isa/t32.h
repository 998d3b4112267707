/*
 * t32.h - the T32 machine: CPUs, physical memory, devices, the run loop.
 *
 * This is the whole public interface of the isa/ library.  ISA.md is the
 * normative description of what the hardware does; this header is how C code
 * (the `trapeze` command, the VMM, the debugger, the tests) drives it.
 *
 * The centre of it is the run loop:
 *
 *     t32_exit why = t32_run(cpu, budget);
 *
 * runs at most `budget` cycles on one CPU and returns why it stopped.  In the
 * *native* trap configuration a trap vectors to TVEC in kernel mode, exactly
 * as ISA.md says, and the guest OS's own handler runs.  In the *host-kernel*
 * configuration (cpu->host_kernel = true) the same trap entry is performed,
 * but instead of jumping to TVEC the CPU stops and returns T32_EXIT_TRAP with
 * a trap record in cpu->trap: the C caller is the kernel.  It can emulate the
 * instruction and resume with t32_rfe(), the same return-from-exception the
 * `rfe` instruction performs.  The VMM is built on that second configuration.
 */
#ifndef T32_H
#define T32_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "opcodes.h"

/* ---- architectural constants (ISA.md is the reference) ----------------- */

#define T32_NREGS      16
#define T32_REG_ZERO   0    /* r0 always reads as zero; writes are ignored */
#define T32_REG_FP     13
#define T32_REG_SP     14
#define T32_REG_LR     15

/* PSR bits. */
#define T32_PSR_K      (1u << 0)   /* kernel mode */
#define T32_PSR_IE     (1u << 1)   /* interrupts enabled */
#define T32_PSR_V      (1u << 28)  /* signed overflow */
#define T32_PSR_C      (1u << 29)  /* unsigned borrow */
#define T32_PSR_Z      (1u << 30)  /* zero */
#define T32_PSR_N      (1u << 31)  /* negative */
#define T32_PSR_FLAGS  (T32_PSR_N | T32_PSR_Z | T32_PSR_C | T32_PSR_V)
#define T32_PSR_MASK   (T32_PSR_FLAGS | T32_PSR_K | T32_PSR_IE) /* other bits read 0 */

/* System registers, reached only by mfsr/mtsr (privileged).  The names are
 * the ones the assembler accepts, in lower case. */
#define T32_SYSREGS(X)                                                       \
    X(TVEC,     "tvec",     0)  /* trap vector: where traps enter the kernel */ \
    X(EPC,      "epc",      1)  /* PC to return to (see the cause table)     */ \
    X(EPSR,     "epsr",     2)  /* PSR at the moment of the trap             */ \
    X(CAUSE,    "cause",    3)  /* why the last trap happened (T32_CAUSE_*)  */ \
    X(BADVADDR, "badvaddr", 4)  /* faulting address for memory traps         */ \
    X(PTBR,     "ptbr",     5)  /* root page table frame | E (bit 0: paging on) */ \
    X(SCRATCH,  "scratch",  6)  /* free for the kernel (e.g. kernel stack)   */ \
    X(TIMER,    "timer",    7)  /* timer interval in cycles; 0 = off         */ \
    X(CYCLES,   "cycles",   8)  /* read-only: low 32 bits of the cycle count */ \
    X(CPUID,    "cpuid",    9)  /* read-only: this CPU's number              */ \
    X(IPEND,    "ipend",   10)  /* read-only: pending interrupt lines        */
enum {
#define T32_X_SR(name, str, num) T32_SR_##name = num,
    T32_SYSREGS(T32_X_SR)
#undef T32_X_SR
    T32_NSYSREGS = 11
};
#define T32_PTBR_E     1u          /* PTBR bit 0: paging enabled */

/* Trap causes (CAUSE register).  Interrupts are 16 + line number. */
#define T32_CAUSES(X)                                                          \
    X(NONE,       "none",        0)                                            \
    X(ILLEGAL,    "illegal",     1)  /* unknown opcode or operand; hcall on bare */ \
    X(PRIVILEGED, "privileged",  2)  /* privileged instruction in user mode   */ \
    X(SYSCALL,    "syscall",     3)  /* syscall instruction; EPC = pc + 4     */ \
    X(BREAKPOINT, "breakpoint",  4)  /* brk instruction; EPC = pc             */ \
    X(DIVZERO,    "divzero",     5)  /* div/divu/rem/remu by zero             */ \
    X(MISALIGNED, "misaligned",  6)  /* unaligned load/store/fetch address    */ \
    X(FETCH_FAULT,"fetch-fault", 7)  /* page fault on instruction fetch       */ \
    X(LOAD_FAULT, "load-fault",  8)  /* page fault on a load                  */ \
    X(STORE_FAULT,"store-fault", 9)  /* page fault on a store                 */ \
    X(BUS_ERROR,  "bus-error",  10)  /* physical address outside RAM          */ \
    X(IRQ_TIMER,  "irq-timer",  16)  /* interrupt line 0                      */ \
    X(IRQ_CONSOLE,"irq-console",17)  /* interrupt line 1                      */ \
    X(IRQ_DISK,   "irq-disk",   18)  /* interrupt line 2                      */
typedef enum t32_cause {
#define T32_X_CAUSE(name, str, num) T32_CAUSE_##name = num,
    T32_CAUSES(T32_X_CAUSE)
#undef T32_X_CAUSE
    T32_CAUSE_LIMIT = 19
} t32_cause;

#define T32_IRQ_BASE    16
#define T32_IRQ_TIMER   0
#define T32_IRQ_CONSOLE 1
#define T32_IRQ_DISK    2
#define T32_NIRQS       3

/* Page tables: 10 + 10 + 12 bit split, 4 KiB pages, PTE bits. */
#define T32_PAGE_SIZE  4096u
#define T32_PAGE_SHIFT 12
#define T32_PTE_V      (1u << 0)
#define T32_PTE_R      (1u << 1)
#define T32_PTE_W      (1u << 2)
#define T32_PTE_X      (1u << 3)
#define T32_PTE_U      (1u << 4)
#define T32_PTE_A      (1u << 5)
#define T32_PTE_D      (1u << 6)
#define T32_PTE_FRAME  0xfffff000u
#define T32_VA_L1(va)  ((uint32_t)(va) >> 22)
#define T32_VA_L2(va)  (((uint32_t)(va) >> 12) & 0x3ffu)

/* I/O ports (ISA.md, "Devices").  An unknown port reads 0xffffffff and
 * ignores writes. */
#define T32_PORT_MEMSIZE     0x00  /* read-only: bytes of RAM */
#define T32_PORT_NCPUS       0x01  /* read-only: number of CPUs */
#define T32_PORT_CON_DATA    0x10  /* in: next input byte (0xffffffff if none); out: write byte */
#define T32_PORT_CON_STATUS  0x11  /* bit 0 RXREADY, bit 1 RXEOF */
#define T32_PORT_CON_CTRL    0x12  /* bit 0 RXIE: interrupt while input is ready */
#define T32_PORT_DISK_SECTOR 0x20  /* first sector of the transfer */
#define T32_PORT_DISK_ADDR   0x21  /* physical DMA address */
#define T32_PORT_DISK_COUNT  0x22  /* sectors to transfer */
#define T32_PORT_DISK_CMD    0x23  /* out 1 = read disk->memory, 2 = write memory->disk */
#define T32_PORT_DISK_STATUS 0x24  /* 0 idle, 1 busy, 2 done, 3 error; out acknowledges */
#define T32_PORT_DISK_CTRL   0x25  /* bit 0: interrupt on completion */
#define T32_PORT_DISK_SIZE   0x26  /* read-only: capacity in sectors */
#define T32_CON_RXREADY 1u
#define T32_CON_RXEOF   2u
#define T32_DISK_IDLE   0u
#define T32_DISK_BUSY   1u
#define T32_DISK_DONE   2u
#define T32_DISK_ERROR  3u
#define T32_DISK_CMD_READ  1u
#define T32_DISK_CMD_WRITE 2u
#define T32_SECTOR_SIZE 512u

/* ---- why t32_run() returned --------------------------------------------- */

typedef enum t32_exit {
    T32_EXIT_HALT,        /* the CPU executed halt (pc is past it)            */
    T32_EXIT_BUDGET,      /* the cycle budget is spent                        */
    T32_EXIT_TRAP,        /* host-kernel configuration: a trap for the caller */
    T32_EXIT_BREAKPOINT,  /* pc reached a breakpoint set with t32_break_set() */
    T32_EXIT_IDLE         /* wfi with nothing that could ever wake the CPU    */
} t32_exit;

/* The trap record filled on every trap (both configurations).  In the
 * host-kernel configuration it is what the caller handles. */
typedef struct t32_trap {
    t32_cause cause;
    uint32_t  epc;       /* as written to EPC */
    uint32_t  badvaddr;  /* as written to BADVADDR (memory traps), else 0 */
    uint32_t  insn;      /* the instruction word, when one was fetched; else 0 */
} t32_trap;

/* Little-endian loads and stores through host pointers: T32 memory, and
 * the words of T32 files.  Written byte by byte so they are right on any
 * host; compilers turn each load into one move on a little-endian host.
 * Not always a store: of a value with bytes it knows (bt's pushf stores
 * the virtual PSR, whose middle bytes are 0), gcc makes three narrower
 * stores, and a 32-bit load of the word soon after - the guest's pop -
 * cannot be forwarded from them.  So on a little-endian host a store is
 * one memcpy, which is one move. */
static inline uint32_t t32_load32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static inline uint32_t t32_load16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static inline void t32_store32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static inline void t32_store16(uint8_t *p, uint32_t v)
{
    uint16_t h = (uint16_t)v;
    memcpy(p, &h, 2);
}
#else
static inline void t32_store32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void t32_store16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
#endif

/* ---- the software TLB (internals: see mmu.c) ---------------------------- */

#define T32_TLB_SIZE 256   /* entries per mode, direct-mapped by page number */

typedef struct t32_tlb_entry {
    uint32_t vpage;        /* virtual page number + 1; 0 = empty */
    uint32_t pte;          /* the PTE as loaded (permissions, A, D) */
    uint8_t *host;         /* host pointer to the start of the frame */
} t32_tlb_entry;

/* ---- a CPU --------------------------------------------------------------- */

typedef struct t32_machine t32_machine;
typedef struct t32_cpu t32_cpu;

/*
 * A trap handler in place.  In the host-kernel configuration every trap of
 * user-mode code is the host kernel's - a VMM's exit.  Without a handler,
 * t32_run() returns it (T32_EXIT_TRAP) and the caller handles it and
 * resumes with a new t32_run().  With one, the CPU calls it at each
 * exception of user-mode code itself, after the trap entry (K = 1, pc =
 * EPC, the record in cpu->trap), as real hardware jumps to a kernel's trap
 * vector.  (An interrupt is not offered: it still ends the run with
 * T32_EXIT_TRAP.)  The handler returns:
 *
 *   true   the handler has dealt with the trap and resumed user-mode code
 *          (t32_rfe); the run goes on within the same budget, without
 *          returning - the cheap path for the many exits that only need
 *          an instruction emulated;
 *   false  the handler has dealt with the trap (or left it for its caller)
 *          and wants the run to end: t32_run() returns T32_EXIT_TRAP.
 *
 * It may change registers, memory, system registers and the TLB; if it
 * changed the CPU's timer or pending lines, the run goes on only to the
 * next boundary, which sees them.  (A handler that drives the machine's
 * devices should return false.)  It may advance cpu->cycles by the time
 * the trap took beyond its own cycle (a VMM that emulated several
 * instructions in one exit): that time counts against the run's budget -
 * past it, if it takes more than is left - and, like idle time, not in
 * cpu->retired.  It must not call t32_run() on the same CPU.
 */
typedef bool t32_trap_handler(void *ctx, t32_cpu *cpu);

struct t32_cpu {
    /* Architectural state (ISA.md). */
    uint32_t r[T32_NREGS];
    uint32_t pc;
    uint32_t psr;
    uint32_t sr[T32_NSYSREGS];

    /* Time: cycles = retired instructions + cycles spent idle in wfi. */
    uint64_t cycles;
    uint64_t retired;          /* instructions retired */
    uint64_t timer_deadline;   /* cycle at which the timer fires next */
    uint32_t pending;          /* latched interrupt lines (bit = line) */
    bool     halted;

    /* Trap configuration and the last trap. */
    bool     host_kernel;
    t32_trap trap;

    /* The host kernel's trap handler, called in place (host-kernel
     * configuration only; NULL: every trap ends t32_run).  See
     * t32_trap_handler below. */
    t32_trap_handler *on_trap;
    void            *on_trap_ctx;

    /* Debug breakpoints (virtual addresses). */
    uint32_t *breaks;
    size_t    nbreaks, cap_breaks;

    /* Software TLB: one per mode, so a mode switch costs nothing.  The
     * slots filled since the last flush are listed (kernel * SIZE + slot),
     * so a flush clears only those - a VMM flushes at every guest kernel
     * entry and exit; tlb_nfilled > 2 * T32_TLB_SIZE means "not listed:
     * clear them all". */
    t32_tlb_entry tlb[2][T32_TLB_SIZE];
    uint16_t tlb_filled[2 * T32_TLB_SIZE];
    uint32_t tlb_nfilled;

    /* The code page the interpreter fetched from last, per mode, kept from
     * one run to the next (a VMM resumes a guest after every exit): a copy
     * of a TLB entry - virtual page and host pointer - so it is forgotten
     * whenever the TLB changes (a fill, a flush) and when a breakpoint is
     * set (a page with one is never cached).  Internals: cpu.c. */
    uint32_t code_va[2];
    const uint8_t *code_host[2];

    /* Counters, for statistics and tests. */
    uint64_t traps_taken;
    uint64_t irqs_taken;

    t32_machine *m;
    int id;
};

/* Run at most `budget` cycles (plus what a trap handler in place charged
 * past it, t32_trap_handler).  Returns at an instruction boundary. */
t32_exit t32_run(t32_cpu *cpu, uint64_t budget);

/* Return from exception, exactly as the rfe instruction: PSR := EPSR,
 * PC := EPC (t32_trap_return, below).  The host-kernel caller uses it to
 * resume after a trap. */
static inline void t32_rfe(t32_cpu *cpu);

/* Forget every cached translation (the tlbflush instruction). */
void t32_tlb_flush(t32_cpu *cpu);

/* Reset one CPU to the architectural reset state (ISA.md, "Reset"). */
void t32_cpu_reset(t32_cpu *cpu);

/* Write a system register as mtsr would (so TIMER re-arms, PTBR flushes the
 * TLB, read-only registers ignore the write). */
void t32_sysreg_write(t32_cpu *cpu, unsigned sr, uint32_t value);

/* Breakpoints for debuggers: t32_run() stops before executing an
 * instruction at a breakpoint address, except the very first instruction of
 * a run (so "continue" from a breakpoint makes progress). */
bool t32_break_set(t32_cpu *cpu, uint32_t vaddr);
bool t32_break_clear(t32_cpu *cpu, uint32_t vaddr);

/* Memory access kinds, for translation. */
typedef enum t32_access { T32_FETCH, T32_LOAD, T32_STORE } t32_access;

/* Translate a virtual address as the CPU would in the given mode (kernel =
 * true/false), without touching the TLB and without setting A/D.  Returns
 * T32_CAUSE_NONE and stores the physical address, or the fault cause. */
t32_cause t32_translate(const t32_cpu *cpu, uint32_t va, t32_access access,
                        bool kernel, uint32_t *pa);

/* ---- the TLB's hit rule --------------------------------------------------
 *
 * The same for every access, the interpreter's and a VMM's: the entry in
 * va's slot holds va's page, and its PTE has every bit the access needs -
 * X for a fetch, R for a load, W and D for a store (a store through an entry
 * whose D is clear walks again, to set D: ISA.md section 8).  Anything else
 * is a miss, and the CPU walks (mmu.c). */
#define T32_PAGE_OFFSET(a) ((uint32_t)(a) & (T32_PAGE_SIZE - 1u))
#define T32_VPN(a)         ((uint32_t)(a) >> T32_PAGE_SHIFT)
#define T32_TLB_SLOT(a)    (T32_VPN(a) % T32_TLB_SIZE)   /* direct-mapped */

static inline uint32_t t32_tlb_bits(t32_access access)
{
    return access == T32_FETCH ? T32_PTE_X
         : access == T32_LOAD  ? T32_PTE_R
         : T32_PTE_W | T32_PTE_D;
}

static inline bool t32_tlb_hit(const t32_tlb_entry *e, uint32_t va, uint32_t bits)
{
    return e->vpage == T32_VPN(va) + 1u && (e->pte & bits) == bits;
}

/* What the TLB of the given mode holds for `va`: a host pointer to the byte
 * at `va` if an access would use it without walking, else NULL.  Nothing
 * changes.  A VMM uses it to make an access on a guest's behalf through the
 * very translation the guest's own instruction would have used. */
static inline const uint8_t *t32_tlb_lookup(const t32_cpu *cpu, bool kernel, uint32_t va,
                                            t32_access access)
{
    const t32_tlb_entry *e = &cpu->tlb[kernel][T32_TLB_SLOT(va)];
    return t32_tlb_hit(e, va, t32_tlb_bits(access)) ? e->host + T32_PAGE_OFFSET(va) : NULL;
}

/* ---- the page-table walk (mmu.c) ------------------------------------------
 *
 * The two-level walk of ISA.md section 8, written once for every walker:
 * the CPU's TLB refill and t32_translate (tables in the machine's RAM), the
 * VMM's shadow paging (tables in a VM's guest-physical memory) and nested
 * paging.  The walker reaches the tables only through a t32_ptmem, so it
 * does not care what kind of "physical" memory it walks. */

/* The memory a walk reads its tables from: `size` bytes of (guest-)
 * physical RAM starting at 0.  read() fetches the little-endian word at
 * `pa` (4-byte aligned) and returns false if it lies outside that RAM - a
 * table there is a BUS_ERROR.  write() stores one (for A/D); false if it
 * cannot.  A page frame at or beyond `size` is a BUS_ERROR too (`size` is
 * a whole number of pages). */
typedef struct t32_ptmem {
    bool   (*read)(void *ctx, uint32_t pa, uint32_t *word);
    bool   (*write)(void *ctx, uint32_t pa, uint32_t word);
    void    *ctx;
    uint32_t size;
} t32_ptmem;

/* What a walk found. */
typedef struct t32_walk_result {
    bool     paged;    /* false: paging was off (identity; no entries read) */
    uint32_t l1;       /* the L1 entry as read (0 if not reached)           */
    uint32_t pte;      /* the L2 entry as read (0 if not reached)           */
    uint32_t pte_pa;   /* physical address of that L2 entry                 */
    uint32_t pa;       /* the physical address of the access (on success)   */
} t32_walk_result;

/* Translate `va` for `access` in kernel or user mode through the tables
 * that `ptbr` (a PTBR value: root frame | E) names, checking in the order
 * ISA.md section 8 gives: root table outside RAM (BUS_ERROR), L1.V, L2 table
 * outside RAM (BUS_ERROR), the L2 entry's V/R/W/X/U, and last the page's
 * frame (BUS_ERROR).  With E = 0 the address is physical, checked against
 * mem->size.  Returns T32_CAUSE_NONE with *out filled, or the exact cause
 * bare T32 raises (with BADVADDR = va).  Reads only: A and D are the
 * caller's business (t32_walk_mark). */
t32_cause t32_walk(const t32_ptmem *mem, uint32_t ptbr, uint32_t va,
                   t32_access access, bool kernel, t32_walk_result *out);

/* The A/D rule: after a successful walk the hardware sets A in the L2 entry
 * in memory, and D too for a store; a fault never sets them.  Updates
 * w->pte and writes it back through mem->write when it changed (nothing for
 * a paging-off walk).  False only if that write failed. */
bool t32_walk_mark(const t32_ptmem *mem, t32_walk_result *w, t32_access access);

/* ---- devices -------------------------------------------------------------- */

/* The console: output goes to a FILE or is collected in a buffer; input
 * comes from a file descriptor (read on demand, see ISA.md) or a buffer. */
typedef struct t32_console {
    FILE    *out;               /* if non-NULL, output bytes are written here */
    char    *outbuf;            /* else collected here (malloc'd, NUL-ended) */
    size_t   outlen, outcap;
    size_t   outseen;           /* bytes of outbuf its reader has already
                                   examined (the VMM's line splitter); only
                                   reset here */
    int      out_error;         /* errno of the first failed output write, 0 */
    int      in_fd;             /* -1: input only from inbuf */
    uint8_t *inbuf;             /* pending input bytes */
    size_t   inlen, inpos, incap;
    bool     in_eof;
    volatile sig_atomic_t in_waiting;  /* in a blocking read() of the host's
                                   input (bare T32's `in`): a front end's
                                   Ctrl-C handler asks, as the run cannot
                                   stop there */
    const volatile sig_atomic_t *stop_asked;  /* a front end's: non-zero when
                                   a Ctrl-C came and the run should stop -
                                   then a wait for input does not begin, it
                                   raises SIGINT again (NULL: none) */
    uint32_t ctrl;              /* CON_CTRL */
    /* Replay (checkpoints, reverse execution): after
     * t32_console_keep_input() the bytes the guest has read stay in inbuf
     * (inpos and inlen then never move back by themselves) and the end of
     * every refill is noted, so moving inpos, inlen and in_eof back to
     * earlier values makes the guest get the same bytes again, in the same
     * portions, without asking the host a second time. */
    bool     in_keep;
    size_t   in_known;          /* bytes of inbuf the host has given (>= inlen) */
    bool     in_host_eof;       /* the host's input ended after them */
    size_t  *in_ends;           /* inlen after each refill, increasing */
    size_t   nends, capends;
    /* Bytes the guest has written (out_count), and how many of them were
     * delivered to `out` or outbuf (out_shown).  After a restore moves
     * out_count back, the bytes the guest writes again were shown already
     * and are dropped until out_count catches up. */
    uint64_t out_count, out_shown;
} t32_console;

/* The disk: a block device backed by an image file (or memory only). */
typedef struct t32_disk {
    uint8_t *data;              /* the whole disk in memory */
    uint32_t nsectors;
    int      fd;                /* backing file, written through; -1 = none */
    int      write_error;       /* the first failed write-through's errno, 0 if none */
    bool     dirty;             /* written through since opened: sync must flush */
    uint32_t sector, addr, count, status, ctrl;
    uint32_t cmd;               /* command in flight */
    uint64_t done_at;           /* cycle of CPU 0 when the transfer completes */
} t32_disk;

/* ---- the machine ------------------------------------------------------------ */

#define T32_MAX_CPUS 8
#define T32_DEFAULT_MEM (16u << 20)

struct t32_machine {
    uint8_t *mem;               /* physical memory, `memsize` bytes */
    uint32_t memsize;
    t32_cpu  cpu[T32_MAX_CPUS];
    int      ncpus;
    uint32_t quantum;           /* cycles per CPU per round in t32_machine_run */
    t32_console console;
    t32_disk    disk;
    uint64_t bad_port_accesses; /* I/O to ports that do not exist */
    int      rr_cpu;            /* t32_machine_run: whose turn it is ... */
    uint64_t rr_used;           /* ... and cycles of that turn already used */
};

/* Create a machine with `memsize` bytes of RAM (a multiple of the page size)
 * and `ncpus` CPUs, all reset, console output to stdout and input from
 * stdin.  Returns NULL (and prints nothing) if memory cannot be had.
 * memsize must be 4 KiB..1 GiB and ncpus 1..T32_MAX_CPUS (else NULL); the
 * machine starts with no disk (0 sectors) and a quantum of 10000 cycles. */
t32_machine *t32_machine_new(uint32_t memsize, int ncpus);
/* Free the machine, its devices and its CPUs' breakpoints (NULL is fine). */
void t32_machine_free(t32_machine *m);

/* Run every CPU for up to `budget` cycles each, in a fixed round-robin
 * interleaving of `quantum` cycles.  Returns when all CPUs have halted (HALT),
 * the budget is spent (BUDGET), or a CPU stops for another reason (that
 * reason; *which is set to the CPU).  The turn position is kept in the
 * machine (rr_cpu, rr_used), so a run resumed after such an early stop
 * interleaves exactly as if it had not stopped.  A CPU idle for good (wfi,
 * nothing can wake it) sits out the rest of the call; IDLE is returned,
 * with *which = the first such CPU, only when no CPU can run at all. */
t32_exit t32_machine_run(t32_machine *m, uint64_t budget, int *which);

/* Physical memory access from C (bounds-checked; false if outside RAM). */
bool t32_phys_read(const t32_machine *m, uint32_t pa, void *buf, size_t len);
bool t32_phys_write(t32_machine *m, uint32_t pa, const void *buf, size_t len);
bool t32_phys_read32(const t32_machine *m, uint32_t pa, uint32_t *value);
bool t32_phys_write32(t32_machine *m, uint32_t pa, uint32_t value);

/* Port I/O as the in/out instructions perform it (used by the interpreter,
 * and by the VMM for devices it passes through).  `cpu` is the CPU doing
 * the access (devices use its time). */
uint32_t t32_port_in(t32_machine *m, t32_cpu *cpu, uint32_t port);
void t32_port_out(t32_machine *m, t32_cpu *cpu, uint32_t port, uint32_t value);

/* The CPU-device handshake (machine.c), used by the interpreter.  Device
 * time is CPU 0's cycle count.
 *   t32_devices_next_event: the earliest cycle at which a device changes
 *     state by itself (a disk transfer completing), or UINT64_MAX.  The
 *     interpreter never runs past it without calling t32_devices_lines.
 *   t32_devices_lines: bring the devices up to `now` (complete due DMA) and
 *     return the level-triggered interrupt lines they assert, as bits
 *     (1 << T32_IRQ_CONSOLE, 1 << T32_IRQ_DISK), for CPU 0. */
uint64_t t32_devices_next_event(const t32_machine *m);
uint32_t t32_devices_lines(t32_machine *m, uint64_t now);

/* Devices, usable on their own (the VMM's virtual devices reuse them).
 * Console and disk ports are given as offsets from the device's first port.
 * `now` is the cycle count that the device's time follows; DMA goes to
 * `dma`/`dmasize` (the machine's RAM, or a VM's guest-physical memory). */
/* Console (console.c): init with output to `out` (NULL: into outbuf) and
 * input from `in_fd` (-1: none); in/out perform a port access at offset
 * `off` (a read of CON_STATUS/CON_DATA with an empty queue waits for the
 * host, ISA.md 9); irq is the level of line 1; free releases the buffers. */
void     t32_console_init(t32_console *c, FILE *out, int in_fd);
void     t32_console_set_input(t32_console *c, const void *bytes, size_t len); /* buffer input, then EOF */
/* Keep every input byte from now on, for replay (see the fields above).
 * False if memory is short. */
bool     t32_console_keep_input(t32_console *c);
uint32_t t32_console_in(t32_console *c, unsigned off);
void     t32_console_out(t32_console *c, unsigned off, uint32_t value);
bool     t32_console_irq(const t32_console *c);
void     t32_console_free(t32_console *c);

/* Would a guest read of CON_STATUS or CON_DATA have to wait for the host?
 * Asks without blocking: READY (a byte is queued, perhaps just read from
 * in_fd), EOF (input has ended: the read returns at once too) or WAIT (a
 * pipe or terminal with nothing to read yet: the read would block).  A
 * regular file or /dev/null never gives WAIT, so it is read as before.  The
 * VMM uses it to run other VMs while one waits; what the guest sees is the
 * same either way (ISA.md 9). */
typedef enum t32_con_input {
    T32_CON_INPUT_READY,
    T32_CON_INPUT_EOF,
    T32_CON_INPUT_WAIT
} t32_con_input;
t32_con_input t32_console_poll(t32_console *c);

/* Output errors.  A failed write to `out` is never visible to the guest; the
 * first one's errno is kept in out_error.  sync flushes `out`, notes a
 * failure, and returns out_error (0: every byte so far was delivered) - call
 * it at the end of a run, before closing `out`.  note_error records `err`
 * (EIO if 0) unless an error is already recorded: for code that writes the
 * console's bytes elsewhere (the VMM's prefixed lines). */
int      t32_console_sync(t32_console *c);
void     t32_console_note_error(t32_console *c, int err);

/* Attach a disk image file (read into memory, written through).  Returns
 * false and sets *err to a message if the file is unusable. */
bool     t32_disk_open(t32_disk *d, const char *path, const char **err);
/* The same, but the file is only read: the disk lives in memory and the
 * guest's writes never reach the file (which may be read-only). */
bool     t32_disk_open_copy(t32_disk *d, const char *path, const char **err);
/* The other disk functions (disk.c): init_mem makes a disk in memory only
 * from `len` bytes (rounded up to whole sectors; bytes NULL: zeros; len 0
 * or over 64 MiB: no disk, 0 sectors); in/out perform a port access at
 * offset `off`, `now` being the device time (CMD starts a transfer that
 * completes at now + 200 + 50 x COUNT); tick completes a due transfer with
 * DMA into `dma`/`dmasize`; irq is the level of line 2; free closes and
 * releases. */
void     t32_disk_init_mem(t32_disk *d, const void *bytes, size_t len);
uint32_t t32_disk_in(t32_disk *d, unsigned off);
void     t32_disk_out(t32_disk *d, unsigned off, uint32_t value, uint64_t now);
void     t32_disk_tick(t32_disk *d, uint64_t now, uint8_t *dma, uint32_t dmasize);
bool     t32_disk_irq(const t32_disk *d);
void     t32_disk_free(t32_disk *d);
/* How long a transfer of `count` sectors takes: 200 + 50 x count cycles. */
uint64_t t32_disk_latency(uint32_t count);
/* Write bytes [offset, offset+len) of the disk's contents through to its
 * image file (nothing for a disk in memory only).  A failure cannot be
 * told to the guest, whose run must not depend on the host; it is kept in
 * write_error (the first one) for t32_disk_sync. */
void     t32_disk_write_through(t32_disk *d, uint64_t offset, size_t len);
/* At the end of a run: flush the image file and say whether every write
 * reached it.  0, or the errno of the first failure (the file then lacks
 * some of what the guest wrote). */
int      t32_disk_sync(t32_disk *d);

/* A console and a disk that assert no line and cannot raise one by
 * themselves: no transfer under way, and both interrupts off (their CTRL
 * registers hold nothing but the enable bit).  The cheap check before the
 * work of finding the lines - most of the time it is so, and the CPU and
 * the VMM ask at every run. */
static inline bool t32_devices_quiet(const t32_console *c, const t32_disk *d)
{
    return d->status != T32_DISK_BUSY && d->ctrl == 0 && c->ctrl == 0;
}

/* ---- snapshots ---------------------------------------------------------- */

/* The whole machine state (CPUs, RAM, device registers, disk contents,
 * console input position), captured in memory.  Host-side attachments (the
 * output FILE, input fd) are not part of it. */
typedef struct t32_snapshot t32_snapshot;
t32_snapshot *t32_snapshot_take(const t32_machine *m);
bool t32_snapshot_restore(t32_machine *m, const t32_snapshot *s);
void t32_snapshot_free(t32_snapshot *s);

/* Snapshots as bytes (for files and migration): a versioned, little-endian
 * format.  t32_snapshot_size gives the exact length t32_snapshot_serialize
 * writes (it returns false if `len` is too small).  t32_snapshot_deserialize
 * treats the bytes as untrusted: it returns NULL and sets *err to a message
 * for anything truncated, malformed or out of range. */
size_t t32_snapshot_size(const t32_snapshot *s);
bool t32_snapshot_serialize(const t32_snapshot *s, void *buf, size_t len);
t32_snapshot *t32_snapshot_deserialize(const void *buf, size_t len, const char **err);
/* The shape of the machine a snapshot fits (to create one to restore into). */
uint32_t t32_snapshot_memsize(const t32_snapshot *s);
int t32_snapshot_ncpus(const t32_snapshot *s);

/* ---- architectural rules, written once ----------------------------------------
 *
 * Rules of ISA.md that more than the interpreter must follow: the VMM
 * applies them to a vCPU's *virtual* state, which keeps a PSR and a
 * system-register array in the same layout as t32_cpu's psr and sr.  A
 * second copy of a rule would be a fidelity bug waiting to happen, so
 * everyone calls these.  (Static inline: trap entry is on the
 * interpreter's hot path.) */

/* Does a trap with this cause write BADVADDR?  MISALIGNED, the three page
 * faults and BUS_ERROR do (ISA.md section 6, the cause table); for every
 * other cause BADVADDR keeps its value. */
static inline bool t32_cause_sets_badvaddr(t32_cause cause)
{
    return cause >= T32_CAUSE_MISALIGNED && cause <= T32_CAUSE_BUS_ERROR;
}

/* Trap entry (ISA.md section 6), on a PSR and a system-register array, in
 * the order the spec gives: EPSR := PSR; EPC := epc; CAUSE := cause;
 * BADVADDR := badvaddr (only if the cause sets it); K := 1; IE := 0, flags
 * unchanged.  Returns TVEC, where bare T32 continues (pc := TVEC). */
static inline uint32_t t32_trap_entry(uint32_t *psr, uint32_t sr[T32_NSYSREGS],
                                      t32_cause cause, uint32_t epc,
                                      uint32_t badvaddr)
{
    sr[T32_SR_EPSR] = *psr;
    sr[T32_SR_EPC] = epc;
    sr[T32_SR_CAUSE] = (uint32_t)cause;
    if (t32_cause_sets_badvaddr(cause))
        sr[T32_SR_BADVADDR] = badvaddr;
    *psr = (*psr | T32_PSR_K) & ~T32_PSR_IE;
    return sr[T32_SR_TVEC];
}

/* Return from exception (ISA.md section 6), on a system-register array:
 * the PSR becomes EPSR's PSR bits (stray bits are not PSR bits) and the pc
 * EPC.  Returns the PSR.  The rfe instruction and t32_rfe use it. */
static inline uint32_t t32_trap_return(const uint32_t sr[T32_NSYSREGS], uint32_t *pc)
{
    *pc = sr[T32_SR_EPC];
    return sr[T32_SR_EPSR] & T32_PSR_MASK;
}

static inline void t32_rfe(t32_cpu *cpu)
{
    cpu->psr = t32_trap_return(cpu->sr, &cpu->pc);
}

/* What a system-register write asks of its caller, besides the store
 * (bits, or-ed together; 0 = nothing more). */
#define T32_SRW_FLUSH_TLB  1u   /* PTBR: new tables - forget every cached translation */
#define T32_SRW_ARM_TIMER  2u   /* TIMER: (re)arm - the next interrupt `value` cycles
                                   from the start of the write (0: off) - and clear a
                                   pending timer line */
#define T32_SRW_ILLEGAL    4u   /* no such register: mtsr traps ILLEGAL, nothing stored */

/* mtsr's effect on the register array (ISA.md section 2): EPSR keeps only
 * the bits a PSR has; the read-only registers (cycles, cpuid, ipend) ignore
 * the write; every other register stores the value.  Returns the T32_SRW_*
 * effects the caller performs on its own state (its TLB or shadows, its
 * timer). */
static inline unsigned t32_sysreg_apply(uint32_t sr[T32_NSYSREGS], unsigned n,
                                        uint32_t value)
{
    switch (n) {
    case T32_SR_EPSR:
        sr[n] = value & T32_PSR_MASK;
        return 0;
    case T32_SR_CYCLES:
    case T32_SR_CPUID:
    case T32_SR_IPEND:
        return 0;
    case T32_SR_PTBR:
        sr[n] = value;
        return T32_SRW_FLUSH_TLB;
    case T32_SR_TIMER:
        sr[n] = value;
        return T32_SRW_ARM_TIMER;
    default:
        if (n >= T32_NSYSREGS)
            return T32_SRW_ILLEGAL;
        sr[n] = value;
        return 0;
    }
}

/* The flags of a - b, as cmp and cmpi set them (ISA.md section 2): N and Z
 * of the difference, C the unsigned borrow, V signed overflow. */
static inline uint32_t t32_sub_flags(uint32_t a, uint32_t b)
{
    uint32_t d = a - b;
    uint32_t f = d & T32_PSR_N;                       /* bit 31 is N */
    if (d == 0)
        f |= T32_PSR_Z;
    if (a < b)
        f |= T32_PSR_C;
    if ((a ^ b) & (a ^ d) & 0x80000000u)             /* signs differ, result flipped */
        f |= T32_PSR_V;
    return f;
}

/* sra/srai: arithmetic shift right, spelled out so it does not depend on
 * how the C compiler shifts negative numbers. */
static inline uint32_t t32_sra(uint32_t x, unsigned s)
{
    uint32_t sign = (x & 0x80000000u) ? ~(0xffffffffu >> s) : 0;
    return (x >> s) | sign;
}

/* The timer's deadline after `mtsr timer, value` at cycle `now` (ISA.md
 * section 7): `value` cycles later, so the interrupt comes before exactly
 * the value-th instruction after the write; UINT64_MAX (never) for 0. */
static inline uint64_t t32_timer_arm(uint64_t now, uint32_t value)
{
    return value ? now + value : UINT64_MAX;
}

/* The timer fired: its deadline came at or before cycle `now` (interval
 * non-zero).  The next deadline is the first one after `now` on the same
 * grid, deadline + k x interval: ticks missed while nobody looked (the line
 * is one latched bit) are not owed twice. */
static inline uint64_t t32_timer_next(uint64_t deadline, uint64_t now, uint32_t interval)
{
    return deadline + ((now - deadline) / interval + 1) * interval;
}

/* The port map (ISA.md section 9): which device answers a port. */
typedef enum t32_port_dev {
    T32_DEV_NONE,      /* nothing: in reads 0xffffffff, out is ignored   */
    T32_DEV_MEMSIZE,   /* MEMSIZE: read-only, bytes of RAM               */
    T32_DEV_NCPUS,     /* NCPUS: read-only, number of CPUs               */
    T32_DEV_CONSOLE,   /* CON_DATA .. CON_CTRL (offset from CON_DATA)    */
    T32_DEV_DISK       /* DISK_SECTOR .. DISK_SIZE (offset from SECTOR)  */
} t32_port_dev;

/* Decode a port number (only its low 16 bits count: the port space is 16
 * bits wide) to the device that answers it and, for the console and the
 * disk, the register offset to pass to t32_console_in/out, t32_disk_in/out
 * (*off is 0 for the others). */
static inline t32_port_dev t32_port_decode(uint32_t port, unsigned *off)
{
    port &= 0xffffu;
    *off = 0;
    if (port == T32_PORT_MEMSIZE)
        return T32_DEV_MEMSIZE;
    if (port == T32_PORT_NCPUS)
        return T32_DEV_NCPUS;
    if (port >= T32_PORT_CON_DATA && port <= T32_PORT_CON_CTRL) {
        *off = port - T32_PORT_CON_DATA;
        return T32_DEV_CONSOLE;
    }
    if (port >= T32_PORT_DISK_SECTOR && port <= T32_PORT_DISK_SIZE) {
        *off = port - T32_PORT_DISK_SECTOR;
        return T32_DEV_DISK;
    }
    return T32_DEV_NONE;
}

/* ---- names, for messages and tools ------------------------------------------ */

const char *t32_cause_name(t32_cause cause);     /* "page-fault" ... or "?" */
const char *t32_sysreg_name(unsigned sr);        /* "tvec" ... or NULL */
int         t32_sysreg_lookup(const char *name); /* -1 if unknown */
const char *t32_exit_name(t32_exit why);

/* Opcode table lookups (isa/opinfo.c). */
typedef struct t32_opinfo {
    const char *mnemonic;   /* NULL for an unassigned opcode */
    t32_format  format;
    t32_class   cls;
} t32_opinfo;
extern const t32_opinfo t32_ops[256];
int t32_op_lookup(const char *mnemonic);          /* opcode, or -1 */

#endif /* T32_H */
