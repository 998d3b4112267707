/*
 * cpu.c - the T32 processor: the interpreter, traps, interrupts and time.
 *
 * Start reading at t32_run().  It is a loop over *batches*:
 *
 *   at each batch boundary            the "slow" world
 *     latch the timer, poll devices    (interrupt lines)
 *     stop for a breakpoint or the end of the budget
 *     take a pending enabled interrupt (a trap with cause 16 + line)
 *   execute(): run instructions        the "fast" world
 *     until the next event is due, or until an instruction that may change
 *     interrupt state, translation or devices (sti, popf, rfe, mtsr, in,
 *     out, tlbflush, halt, wfi) or that traps.
 *
 * Nothing that can raise an interrupt happens inside a batch: the batch is
 * sized to end exactly at the next timer deadline, device event or end of
 * the budget, and every instruction that could change the picture ends its
 * batch.  So the inner loop checks one counter per instruction, and an
 * interrupt is still taken at exactly the right instruction boundary.
 *
 * Traps are data (see t32_trap in t32.h): the instruction that faults
 * records cause, EPC, BADVADDR and its own word in cpu->trap and leaves
 * through the one exit of execute(); trap_enter() then performs the entry
 * sequence of ISA.md section 6.  A faulting instruction changes nothing
 * else: every handler computes and checks first, and writes registers,
 * memory and sp only when nothing can fail any more.
 *
 * Time.  cpu->cycles counts cycles: one per instruction executed - whether
 * it completes or traps - plus the cycles spent idle in `wfi`.  (A trapping
 * instruction costs its cycle so that a fault loop, e.g. TVEC on an
 * unmapped page, still uses up the budget and never hangs the host.)
 * cpu->retired counts the instructions, so cycles = retired + idle (+ the
 * time a host kernel's trap handler charged: t32_trap_handler in t32.h).
 * Taking an interrupt costs no cycle.  The timer compares against cycles only -
 * there is no wall clock anywhere.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "t32.h"
#include "cpu_internal.h"

/* Computed goto ("labels as values") is a GCC/clang extension; anything
 * else gets the portable switch (isa/config.h). */
#if !defined(__GNUC__) && !defined(T32_SWITCH_DISPATCH)
#define T32_SWITCH_DISPATCH 1
#endif

#define TIMER_LINE (1u << T32_IRQ_TIMER)
#define NEVER      UINT64_MAX

/* Why execute() handed control back to t32_run(). */
typedef enum stop {
    STOP_BATCH,   /* the batch is used up, or state changed: re-check events */
    STOP_IO,      /* an in/out ran: device lines may have changed */
    STOP_TRAP,    /* cpu->trap holds a trap to enter */
    STOP_HANDLED, /* a trap entered and handled in place ends the run */
    STOP_HALT,    /* halt executed */
    STOP_WFI,     /* wfi with no line pending: idle (pc still at the wfi) */
    STOP_BREAK    /* pc reached a debugger breakpoint (not yet executed) */
} stop;

/* State of one t32_run() call that the batches share. */
typedef struct run_state {
    uint64_t end;        /* cycle at which the budget is spent */
    uint64_t dev_next;   /* next device event (CPU 0 only), or NEVER */
    uint32_t start_pc;   /* where the run started (breakpoints, see below) */
    uint64_t start_retired, start_traps;
} run_state;

static uint64_t min64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* ---- traps ----------------------------------------------------------------- */

/* Fill in the trap record: what happened, before anything is entered. */
static void record_trap(t32_cpu *cpu, t32_cause cause, uint32_t epc,
                        uint32_t badvaddr, uint32_t insn)
{
    cpu->trap.cause = cause;
    cpu->trap.epc = epc;
    cpu->trap.badvaddr = t32_cause_sets_badvaddr(cause) ? badvaddr : 0;
    cpu->trap.insn = insn;
}

/* The interpreter has just stored the PSR and the trap record field by
 * field; GCC's straight-line vectorizer would read neighbouring fields back
 * as one 8-byte load (psr with sr[TVEC], trap.epc with trap.badvaddr),
 * which the store buffer cannot forward, and every trap would stall (the
 * syscall round trip ~50% slower).  Trap entry stays scalar. */
#if defined(__GNUC__) && !defined(__clang__)
#define T32_SCALAR __attribute__((optimize("no-tree-slp-vectorize")))
#else
#define T32_SCALAR
#endif

/*
 * Trap entry: t32_trap_entry() (t32.h) performs ISA.md section 6 on the
 * CPU's PSR and system registers - EPSR, EPC, CAUSE, BADVADDR (only for the
 * causes that list it), K := 1, IE := 0 - and gives TVEC.  The VMM's
 * reflect.c calls the same function on a vCPU's virtual state.  In the
 * host-kernel configuration pc is left at EPC instead: the C caller is the
 * kernel and will resume with t32_rfe().
 */
static T32_SCALAR void trap_enter(t32_cpu *cpu)
{
    const t32_trap *t = &cpu->trap;
    uint32_t tvec = t32_trap_entry(&cpu->psr, cpu->sr, t->cause, t->epc, t->badvaddr);
    cpu->pc = cpu->host_kernel ? t->epc : tvec;
    cpu->traps_taken++;
    if (t->cause >= T32_IRQ_BASE)
        cpu->irqs_taken++;
}

/* ---- interrupts and time ------------------------------------------------------ */

/* The timer: when cycles reach the deadline, line 0 becomes pending (it
 * stays latched until taken or until `timer` is written) and the next
 * deadline is one interval later. */
static void timer_tick(t32_cpu *cpu)
{
    uint32_t interval = cpu->sr[T32_SR_TIMER];
    if (interval == 0 || cpu->cycles < cpu->timer_deadline)
        return;
    cpu->pending |= TIMER_LINE;
    cpu->timer_deadline = t32_timer_next(cpu->timer_deadline, cpu->cycles, interval);
}

/* Bring the devices up to this CPU's time and latch the lines they assert.
 * Only CPU 0 gets device interrupts, and device time is CPU 0's.  Most
 * calls find them quiet (no transfer, no interrupt enabled): that answer
 * is given inline, as every run starts with it - a VMM's after each exit. */
static void devices_latch(t32_cpu *cpu, run_state *rs)
{
    uint32_t lines = t32_devices_lines(cpu->m, cpu->cycles);
    cpu->pending = (cpu->pending & TIMER_LINE) | lines;
    rs->dev_next = t32_devices_next_event(cpu->m);
}

static inline void devices_poll(t32_cpu *cpu, run_state *rs)
{
    const t32_machine *m = cpu->m;
    if (cpu->id != 0 || t32_devices_quiet(&m->console, &m->disk)) {
        cpu->pending &= TIMER_LINE;    /* (even if a snapshot said otherwise) */
        rs->dev_next = NEVER;
        return;
    }
    devices_latch(cpu, rs);
}

/* Take the lowest-numbered pending line as a trap (cause 16 + line), EPC =
 * the instruction that has not executed yet.  The timer is edge-like, so
 * taking it clears it; device lines are levels that stay up until the
 * device is serviced. */
static void take_interrupt(t32_cpu *cpu)
{
    unsigned line = 0;
    while (!(cpu->pending & (1u << line)))
        line++;
    if (line == T32_IRQ_TIMER)
        cpu->pending &= ~TIMER_LINE;
    record_trap(cpu, (t32_cause)(T32_IRQ_BASE + line), cpu->pc, 0, 0);
    trap_enter(cpu);
}

/* The next cycle at which something might raise a line by itself. */
static uint64_t next_event(const t32_cpu *cpu, const run_state *rs)
{
    uint64_t t = rs->dev_next;
    if (cpu->sr[T32_SR_TIMER] != 0)
        t = min64(t, cpu->timer_deadline);
    return t;
}

/*
 * wfi found no line pending: the CPU idles - cycles pass, nothing retires -
 * until the next event.  If a line is then pending the wfi completes right
 * there (pc moves past it, so an interrupt taken next has EPC = the
 * instruction after the wfi); a wfi that idles from cycle c and wakes at
 * cycle w has cost w - c cycles in all, one of them its own.  If the budget
 * ends first, or the event raised no line, pc stays at the wfi, which
 * executes again at the next boundary and goes on waiting: the split of a
 * wait over several runs changes nothing.  Returns false if nothing can
 * ever raise a line (timer off, no device event coming).
 */
static bool idle(t32_cpu *cpu, run_state *rs)
{
    uint64_t wake = next_event(cpu, rs);
    if (wake == NEVER)
        return false;
    if (wake <= cpu->cycles)
        wake = cpu->cycles + 1;     /* always make progress */
    if (wake > rs->end) {
        cpu->cycles = rs->end;
        return true;
    }
    cpu->cycles = wake;
    timer_tick(cpu);
    if (cpu->cycles >= rs->dev_next)
        devices_poll(cpu, rs);
    if (cpu->pending) {
        cpu->pc += 4;               /* the wfi retires at the wake-up */
        cpu->retired++;
    }
    return true;
}

/* ---- system registers ------------------------------------------------------------ */

/* mtsr: t32_sysreg_apply() (t32.h) stores what the register keeps and says
 * what else the write does; the VMM's emulate.c uses the same rule on the
 * virtual registers. */
void t32_sysreg_write(t32_cpu *cpu, unsigned sr, uint32_t value)
{
    unsigned effects = t32_sysreg_apply(cpu->sr, sr, value);
    if (effects & T32_SRW_FLUSH_TLB)
        t32_tlb_flush(cpu);                   /* new tables: forget the old */
    if (effects & T32_SRW_ARM_TIMER) {
        /* "Now" is the start of the instruction doing the write. */
        cpu->pending &= ~TIMER_LINE;
        cpu->timer_deadline = t32_timer_arm(cpu->cycles, value);
    }
}

/* mfsr: most registers are stored; three are computed. `now` is the cycle
 * count at the start of the mfsr. */
static uint32_t sysreg_read(const t32_cpu *cpu, unsigned sr, uint64_t now)
{
    switch (sr) {
    case T32_SR_CYCLES: return (uint32_t)now;
    case T32_SR_CPUID:  return (uint32_t)cpu->id;
    case T32_SR_IPEND:  return cpu->pending;
    default:            return cpu->sr[sr];
    }
}

/* ---- the interpreter ---------------------------------------------------------------- */

/* (The flags rule, t32_sub_flags, and the arithmetic shift, t32_sra, are
 * in t32.h: the VMM's emulator uses them too.) */

#define NO_PAGE    T32_NO_PAGE   /* (cpu_internal.h) */
/* Every handler ends with its own copy of "fetch the next instruction and
 * jump to its handler", so the host's branch predictor learns which
 * instruction tends to follow which.  GCC's cross-jumping would merge those
 * identical copies into one shared indirect jump (about 20% slower); this
 * turns it off for the interpreter only.  Clang merges them too and has no
 * such switch, so clang builds are slower (isa/README.md). */
#if defined(__GNUC__) && !defined(__clang__)
#define T32_KEEP_DISPATCH_COPIES __attribute__((optimize("no-crossjumping")))
#else
#define T32_KEEP_DISPATCH_COPIES
#endif

/* Is there a debugger breakpoint at this address, or in its page? */
static bool at_breakpoint(const t32_cpu *cpu, uint32_t pc)
{
    for (size_t i = 0; i < cpu->nbreaks; i++)
        if (cpu->breaks[i] == pc)
            return true;
    return false;
}

static bool page_has_breakpoint(const t32_cpu *cpu, uint32_t pc)
{
    for (size_t i = 0; i < cpu->nbreaks; i++)
        if ((cpu->breaks[i] ^ pc) < T32_PAGE_SIZE)
            return true;
    return false;
}

/* pc bits that must equal code_va for a fast fetch: the page number, and
 * the two alignment bits (which must be zero). */
#define FETCH_MASK (~(T32_PAGE_SIZE - 1u) | 3u)

/* execute()'s locals back into the CPU: where it is, and the code page it
 * has cached, for the next batch while the TLB stands. */
static inline void save_state(t32_cpu *cpu, bool kernel, uint32_t pc, uint32_t psr,
                              uint32_t code_va, const uint8_t *code)
{
    cpu->code_va[kernel] = code_va;
    cpu->code_host[kernel] = code;
    cpu->pc = pc;
    cpu->psr = psr;
}

/*
 * execute - run at most n instructions in the current mode.
 *
 * The only long function of Trapeze: a flat fetch / dispatch / execute loop.
 * pc, the flags (psr) and the remaining count live in locals; the host
 * pointer of the current code page is cached so a fetch is one compare and
 * one load - and kept in cpu->code_va/code_host from one batch to the next
 * (a VMM resumes its guest after every exit), until the TLB changes.  The
 * mode cannot change inside (every mode change ends the batch), so the TLB
 * of the current mode is fixed for the whole call.
 */
static T32_KEEP_DISPATCH_COPIES stop execute(t32_cpu *cpu, uint64_t n)
{
    uint32_t *const r = cpu->r;
    const bool kernel = cpu->psr & T32_PSR_K;
    t32_tlb_entry *const tlb = cpu->tlb[kernel];
    const uint64_t start = cpu->cycles;
    uint64_t left = n;
    uint32_t pc = cpu->pc;
    uint32_t psr = cpu->psr;
    uint32_t code_va = cpu->code_va[kernel];    /* virtual page of the cached */
    const uint8_t *code = cpu->code_host[kernel]; /* code page, its host pointer */
    uint32_t w = 0;                    /* the instruction word */
    stop why;

/* Fields of w (ISA.md section 3). */
#define RA      r[T32_FA(w)]
#define RB      r[T32_FB(w)]
#define RC      r[T32_FC(w)]
#define SIMM    T32_SIMM16(w)
#define UIMM    T32_IMM16(w)
/* Write rd, keeping r0 zero. */
#define SET_RA(v) do { r[T32_FA(w)] = (v); r[0] = 0; } while (0)
/* The cycle count at the start of the current instruction. */
#define NOW()   (start + (n - left) - 1)
/* Condition flags as 0/1. */
#define FN      (psr >> 31)
#define FZ      ((psr >> 30) & 1u)
#define FC      ((psr >> 29) & 1u)
#define FV      ((psr >> 28) & 1u)

/* Raise a trap: record it and leave through the one exit. */
#define TRAP(cause, epc, bad) \
    do { record_trap(cpu, (cause), (epc), (bad), w); goto trapped; } while (0)
/* Privileged instructions trap in user mode. */
#define PRIVILEGED() do { if (!kernel) TRAP(T32_CAUSE_PRIVILEGED, pc, 0); } while (0)
/* Finish an instruction that may change interrupt state: end the batch. */
#define END_BATCH(reason) do { why = (reason); goto leave; } while (0)

/* Host pointer `p` for an access of `size` bytes at `va`: alignment, then
 * the TLB (its hit rule, t32_tlb_hit in t32.h), then the slow path (mmu.c).  (U
 * needs no check here: the user-mode TLB only ever holds translations that
 * a user-mode walk allowed.)  The cached code page is a copy of a TLB entry;
 * a fill may replace that entry, so the slow path forgets the code page:
 * fetches then see exactly what the TLB holds, however the run is cut into
 * batches. */
#define MEM(p, va, size, access)                                              \
    do {                                                                      \
        if (T32_UNLIKELY((va) & ((size) - 1u)))                               \
            TRAP(T32_CAUSE_MISALIGNED, pc, (va));                             \
        const t32_tlb_entry *e_ = &tlb[T32_TLB_SLOT(va)];                     \
        if (T32_LIKELY(t32_tlb_hit(e_, (va), t32_tlb_bits(access)))) {        \
            p = e_->host + T32_PAGE_OFFSET(va);                               \
        } else {                                                              \
            t32_cause c_ = t32_mmu_access(cpu, (va), (access), &p);           \
            code_va = NO_PAGE;       /* the fill may have evicted its entry */\
            if (c_ != T32_CAUSE_NONE)                                         \
                TRAP(c_, pc, (va));                                           \
        }                                                                     \
    } while (0)
#define LOAD_PTR(p, va, size)  MEM(p, va, size, T32_LOAD)
#define STORE_PTR(p, va, size) MEM(p, va, size, T32_STORE)

/* Dispatch: computed goto, or a switch that jumps to the same labels. */
#ifdef T32_SWITCH_DISPATCH
#define DISPATCH() goto dispatch_switch
#else
    /* One label per opcode of the table; every other byte is ILLEGAL.  (The
     * GNU range initializer sets the default, which the table overrides.) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
    static void *const dispatch[256] = {
        [0 ... 255] = &&op_UNKNOWN,
#define X(name, mnem, code, fmt, cls) [code] = &&op_##name,
        T32_OPCODES(X)
#undef X
    };
#pragma GCC diagnostic pop
#define DISPATCH() goto *dispatch[T32_OPC(w)]
#endif

/* Fetch and dispatch the next instruction: the end of every handler.  A
 * fetch costs its cycle even if it faults. */
#define NEXT()                                                                \
    do {                                                                      \
        if (T32_UNLIKELY(left == 0))                                          \
            END_BATCH(STOP_BATCH);                                            \
        left--;                                                               \
        if (T32_UNLIKELY((pc & FETCH_MASK) != code_va))                       \
            goto fetch_slow;                                                  \
        w = t32_load32(code + T32_PAGE_OFFSET(pc));                           \
        DISPATCH();                                                           \
    } while (0)

    NEXT();

fetch_slow:
    /* A new code page (or a bad pc): translate pc as a fetch, which needs X
     * (a misaligned pc traps with EPC = BADVADDR = pc), and cache the host
     * pointer of its page until the batch ends or the TLB is refilled. */
    w = 0;
    {
        uint8_t *p;
        MEM(p, pc, 4, T32_FETCH);
        if (T32_UNLIKELY(cpu->nbreaks > 0) && page_has_breakpoint(cpu, pc)) {
            /* A page with a debugger breakpoint is never cached as the
             * code page, so each of its fetches comes here and is checked
             * - pages without one run at full speed.  (The batch's first
             * instruction was checked at its boundary: t32_run.) */
            if (left + 1 < n && at_breakpoint(cpu, pc)) {
                left++;                  /* not executed: no cycle */
                END_BATCH(STOP_BREAK);
            }
            w = t32_load32(p);
            DISPATCH();
        }
        code = p - T32_PAGE_OFFSET(pc);
        code_va = pc & ~(T32_PAGE_SIZE - 1u);
        w = t32_load32(p);
    }
    DISPATCH();

#ifdef T32_SWITCH_DISPATCH
dispatch_switch:
    switch (T32_OPC(w)) {
#define X(name, mnem, code, fmt, cls) case code: goto op_##name;
    T32_OPCODES(X)
#undef X
    default: goto op_UNKNOWN;
    }
#endif

    /* ---- ALU, register-register ---- */
op_ADD:  SET_RA(RB + RC); pc += 4; NEXT();
op_SUB:  SET_RA(RB - RC); pc += 4; NEXT();
op_AND:  SET_RA(RB & RC); pc += 4; NEXT();
op_OR:   SET_RA(RB | RC); pc += 4; NEXT();
op_XOR:  SET_RA(RB ^ RC); pc += 4; NEXT();
op_SHL:  SET_RA(RB << (RC & 31u)); pc += 4; NEXT();
op_SHR:  SET_RA(RB >> (RC & 31u)); pc += 4; NEXT();
op_SRA:  SET_RA(t32_sra(RB, RC & 31u)); pc += 4; NEXT();
op_MUL:  SET_RA(RB * RC); pc += 4; NEXT();
op_DIV:
    if (RC == 0)
        TRAP(T32_CAUSE_DIVZERO, pc, 0);
    if (RB == 0x80000000u && RC == 0xffffffffu)
        SET_RA(0x80000000u);                 /* INT_MIN / -1 wraps */
    else
        SET_RA((uint32_t)((int32_t)RB / (int32_t)RC));
    pc += 4; NEXT();
op_DIVU:
    if (RC == 0)
        TRAP(T32_CAUSE_DIVZERO, pc, 0);
    SET_RA(RB / RC); pc += 4; NEXT();
op_REM:
    if (RC == 0)
        TRAP(T32_CAUSE_DIVZERO, pc, 0);
    if (RB == 0x80000000u && RC == 0xffffffffu)
        SET_RA(0);                           /* INT_MIN rem -1 */
    else
        SET_RA((uint32_t)((int32_t)RB % (int32_t)RC));
    pc += 4; NEXT();
op_REMU:
    if (RC == 0)
        TRAP(T32_CAUSE_DIVZERO, pc, 0);
    SET_RA(RB % RC); pc += 4; NEXT();
op_SLT:  SET_RA((int32_t)RB < (int32_t)RC); pc += 4; NEXT();
op_SLTU: SET_RA(RB < RC); pc += 4; NEXT();

    /* ---- ALU, register-immediate ---- */
op_ADDI:  SET_RA(RB + SIMM); pc += 4; NEXT();
op_ANDI:  SET_RA(RB & UIMM); pc += 4; NEXT();
op_ORI:   SET_RA(RB | UIMM); pc += 4; NEXT();
op_XORI:  SET_RA(RB ^ UIMM); pc += 4; NEXT();
op_SHLI:  SET_RA(RB << (UIMM & 31u)); pc += 4; NEXT();
op_SHRI:  SET_RA(RB >> (UIMM & 31u)); pc += 4; NEXT();
op_SRAI:  SET_RA(t32_sra(RB, UIMM & 31u)); pc += 4; NEXT();
op_SLTI:  SET_RA((int32_t)RB < (int32_t)SIMM); pc += 4; NEXT();
op_SLTIU: SET_RA(RB < SIMM); pc += 4; NEXT();
op_LUI:   SET_RA(UIMM << 16); pc += 4; NEXT();

    /* ---- flags ---- */
op_CMP:  psr = (psr & ~T32_PSR_FLAGS) | t32_sub_flags(RB, RC); pc += 4; NEXT();
op_CMPI: psr = (psr & ~T32_PSR_FLAGS) | t32_sub_flags(RB, SIMM); pc += 4; NEXT();
op_TST: {
    uint32_t t = RB & RC;
    psr &= ~T32_PSR_FLAGS;
    psr |= (t & T32_PSR_N) | (t == 0 ? T32_PSR_Z : 0);
    pc += 4; NEXT();
}

    /* ---- loads and stores: address = base + sext(imm) ---- */
op_LDW:  { uint32_t va = RB + SIMM; uint8_t *p; LOAD_PTR(p, va, 4);
           SET_RA(t32_load32(p)); pc += 4; NEXT(); }
op_LDH:  { uint32_t va = RB + SIMM; uint8_t *p; LOAD_PTR(p, va, 2);
           SET_RA((uint32_t)(int32_t)(int16_t)t32_load16(p)); pc += 4; NEXT(); }
op_LDHU: { uint32_t va = RB + SIMM; uint8_t *p; LOAD_PTR(p, va, 2);
           SET_RA(t32_load16(p)); pc += 4; NEXT(); }
op_LDB:  { uint32_t va = RB + SIMM; uint8_t *p; LOAD_PTR(p, va, 1);
           SET_RA((uint32_t)(int32_t)(int8_t)p[0]); pc += 4; NEXT(); }
op_LDBU: { uint32_t va = RB + SIMM; uint8_t *p; LOAD_PTR(p, va, 1);
           SET_RA(p[0]); pc += 4; NEXT(); }
op_STW:  { uint32_t va = RB + SIMM; uint8_t *p; STORE_PTR(p, va, 4);
           t32_store32(p, RA); pc += 4; NEXT(); }
op_STH:  { uint32_t va = RB + SIMM; uint8_t *p; STORE_PTR(p, va, 2);
           t32_store16(p, RA); pc += 4; NEXT(); }
op_STB:  { uint32_t va = RB + SIMM; uint8_t *p; STORE_PTR(p, va, 1);
           p[0] = (uint8_t)RA; pc += 4; NEXT(); }

    /* ---- branches: target = pc + 4 * offset ---- */
#define BRANCH_IF(cond) do { pc += (cond) ? 4u * T32_OFF24(w) : 4u; NEXT(); } while (0)
op_B:    BRANCH_IF(1);
op_BEQ:  BRANCH_IF(FZ);
op_BNE:  BRANCH_IF(!FZ);
op_BLT:  BRANCH_IF(FN != FV);
op_BGE:  BRANCH_IF(FN == FV);
op_BGT:  BRANCH_IF(!FZ && FN == FV);
op_BLE:  BRANCH_IF(FZ || FN != FV);
op_BLTU: BRANCH_IF(FC);
op_BGEU: BRANCH_IF(!FC);
op_BGTU: BRANCH_IF(!FC && !FZ);
op_BLEU: BRANCH_IF(FC || FZ);
op_BZ:   pc += RA == 0 ? 4u * SIMM : 4u; NEXT();
op_BNZ:  pc += RA != 0 ? 4u * SIMM : 4u; NEXT();
op_JAL:  r[T32_REG_LR] = pc + 4; pc += 4u * T32_OFF24(w); NEXT();
op_JALR: { uint32_t target = RB + SIMM; SET_RA(pc + 4); pc = target; NEXT(); }
    /* (An unaligned target traps MISALIGNED when it is fetched.) */

    /* ---- the stack: precise, so sp moves only after the access worked ---- */
op_PUSH: { uint32_t va = r[T32_REG_SP] - 4; uint8_t *p; STORE_PTR(p, va, 4);
           t32_store32(p, RA); r[T32_REG_SP] = va; pc += 4; NEXT(); }
op_POP:  { uint32_t va = r[T32_REG_SP]; uint8_t *p; LOAD_PTR(p, va, 4);
           uint32_t t = t32_load32(p);
           r[T32_REG_SP] = va + 4; SET_RA(t); pc += 4; NEXT(); }  /* pop sp: sp := t */
op_PUSHF: { uint32_t va = r[T32_REG_SP] - 4; uint8_t *p; STORE_PTR(p, va, 4);
            t32_store32(p, psr);              /* the real PSR, K included */
            r[T32_REG_SP] = va; pc += 4; NEXT(); }
op_POPF: { uint32_t va = r[T32_REG_SP]; uint8_t *p; LOAD_PTR(p, va, 4);
           uint32_t t = t32_load32(p);
           r[T32_REG_SP] = va + 4;
           uint32_t keep = kernel ? T32_PSR_K : T32_PSR_K | T32_PSR_IE;
           psr = (psr & keep) | (t & ~keep & T32_PSR_MASK);  /* user: IE stays */
           pc += 4; END_BATCH(STOP_BATCH); }

    /* ---- traps ---- */
op_SYSCALL: TRAP(T32_CAUSE_SYSCALL, pc + 4, 0);
op_BRK:     TRAP(T32_CAUSE_BREAKPOINT, pc, 0);
op_HCALL:   TRAP(T32_CAUSE_ILLEGAL, pc, 0);   /* no hypervisor on bare T32 */
op_UNKNOWN: TRAP(T32_CAUSE_ILLEGAL, pc, 0);

    /* ---- privileged ---- */
op_MFSR:
    PRIVILEGED();
    if (UIMM >= T32_NSYSREGS)
        TRAP(T32_CAUSE_ILLEGAL, pc, 0);
    SET_RA(sysreg_read(cpu, UIMM, NOW())); pc += 4; NEXT();
op_MTSR:
    PRIVILEGED();
    if (UIMM >= T32_NSYSREGS)
        TRAP(T32_CAUSE_ILLEGAL, pc, 0);
    cpu->cycles = NOW();                     /* the timer arms from here */
    t32_sysreg_write(cpu, UIMM, RA);
    code_va = NO_PAGE;                       /* (a PTBR write flushed the TLB) */
    pc += 4; END_BATCH(STOP_BATCH);          /* PTBR, timer may have changed */
op_RFE:
    PRIVILEGED();
    psr = t32_trap_return(cpu->sr, &pc);
    END_BATCH(STOP_BATCH);                   /* mode and IE may have changed */
op_CLI:  PRIVILEGED(); psr &= ~T32_PSR_IE; pc += 4; NEXT();
op_STI:  PRIVILEGED(); psr |= T32_PSR_IE; pc += 4; END_BATCH(STOP_BATCH);
op_HALT: PRIVILEGED(); pc += 4; END_BATCH(STOP_HALT);
op_WFI:
    PRIVILEGED();
    if (cpu->pending) {                      /* a line is up: wfi is a nop */
        pc += 4; NEXT();
    }
    left++;                                  /* no instruction retires yet */
    END_BATCH(STOP_WFI);
op_TLBFLUSH: PRIVILEGED(); t32_tlb_flush(cpu); code_va = NO_PAGE; pc += 4; END_BATCH(STOP_BATCH);
op_IN: {
    PRIVILEGED();
    uint32_t port = (RB + SIMM) & 0xffffu;
    cpu->cycles = NOW();                     /* devices see the current time */
    SET_RA(t32_port_in(cpu->m, cpu, port));
    pc += 4; END_BATCH(STOP_IO);
}
op_OUT: {
    PRIVILEGED();
    uint32_t port = (RB + SIMM) & 0xffffu;
    cpu->cycles = NOW();
    t32_port_out(cpu->m, cpu, port, RA);
    pc += 4; END_BATCH(STOP_IO);
}

trapped:
    /* A host kernel's handler in place (t32_trap_handler in t32.h): the
     * trap entry, the handler, and - if it resumed user code - on with the
     * batch, from where it resumed.  (Only user code traps to the host
     * kernel; the batch's TLB is the user one throughout.) */
    if (cpu->on_trap && cpu->host_kernel && !kernel) {
        save_state(cpu, kernel, pc, psr, code_va, code);
        uint64_t now = start + (n - left);     /* the trap's cycle included */
        cpu->cycles = now;
        uint32_t lines = cpu->pending;
        uint64_t deadline = cpu->timer_deadline;
        trap_enter(cpu);
        if (!cpu->on_trap(cpu->on_trap_ctx, cpu)) {
            why = STOP_HANDLED;
            goto count;
        }
        uint64_t more = cpu->cycles - now;     /* time the handler charged */
        if (T32_UNLIKELY(more >= left)) {      /* the batch is over */
            cpu->retired += n - left;
            return STOP_BATCH;                 /* (cycles, pc, psr: the handler's) */
        }
        left -= more;
        cpu->retired -= more;   /* not instructions: taken off what `count` adds */
        pc = cpu->pc;
        psr = cpu->psr;
        code_va = cpu->code_va[kernel];        /* the handler may have flushed */
        code = cpu->code_host[kernel];
        /* Resumed in kernel mode (a new TLB), or with new lines or a new
         * timer deadline (the batch was sized for the old ones): the
         * boundary decides. */
        if (T32_UNLIKELY((psr & T32_PSR_K) || cpu->pending != lines ||
                         cpu->timer_deadline != deadline))
            END_BATCH(STOP_BATCH);
        NEXT();
    }
    why = STOP_TRAP;

leave:
    save_state(cpu, kernel, pc, psr, code_va, code);
count:
    cpu->cycles = start + (n - left);
    cpu->retired += n - left;
    return why;

#undef RA
#undef RB
#undef RC
#undef SIMM
#undef UIMM
#undef SET_RA
#undef NOW
#undef FN
#undef FZ
#undef FC
#undef FV
#undef TRAP
#undef PRIVILEGED
#undef END_BATCH
#undef MEM
#undef LOAD_PTR
#undef STORE_PTR
#undef DISPATCH
#undef NEXT
#undef BRANCH_IF
}

/* ---- the run loop ------------------------------------------------------------------ */

/* How many cycles the next batch may run: up to the end of the budget or
 * the next event, whichever is first.  (Breakpoints do not shorten it:
 * execute() checks every fetch from a page that has one.) */
static uint64_t batch_size(const t32_cpu *cpu, const run_state *rs)
{
    uint64_t limit = min64(rs->end, next_event(cpu, rs));
    if (limit <= cpu->cycles)
        return 1;       /* an event due now was already handled */
    return limit - cpu->cycles;
}

/* Is the run still where it started - same pc, nothing executed, no trap
 * taken?  Then a breakpoint there is the one we are continuing from. */
static bool still_at_start(const t32_cpu *cpu, const run_state *rs)
{
    return cpu->pc == rs->start_pc && cpu->retired == rs->start_retired &&
           cpu->traps_taken == rs->start_traps;
}

/* The instruction boundary: bring time and lines up to date, then stop
 * for a breakpoint (checked first, so none is missed) or the budget.
 * Returns true, with the reason, if the run ends here. */
static bool boundary_ends_run(t32_cpu *cpu, run_state *rs, t32_exit *exit)
{
    timer_tick(cpu);
    if (cpu->cycles >= rs->dev_next)
        devices_poll(cpu, rs);
    if (cpu->nbreaks > 0 && !still_at_start(cpu, rs) && at_breakpoint(cpu, cpu->pc)) {
        *exit = T32_EXIT_BREAKPOINT;
        return true;
    }
    if (cpu->cycles >= rs->end) {
        *exit = T32_EXIT_BUDGET;
        return true;
    }
    return false;
}

/* Act on why a batch stopped.  Returns true, with the reason, if the run
 * ends here. */
static bool batch_ends_run(t32_cpu *cpu, run_state *rs, stop why, t32_exit *exit)
{
    switch (why) {
    case STOP_BATCH:
        return false;
    case STOP_IO:
        devices_poll(cpu, rs);
        return false;
    case STOP_TRAP:
        trap_enter(cpu);
        *exit = T32_EXIT_TRAP;
        return cpu->host_kernel;     /* native: carry on at TVEC */
    case STOP_HANDLED:
        *exit = T32_EXIT_TRAP;       /* entered and handled already */
        return true;
    case STOP_HALT:
        cpu->halted = true;
        *exit = T32_EXIT_HALT;
        return true;
    case STOP_WFI:
        *exit = T32_EXIT_IDLE;
        return !idle(cpu, rs);
    case STOP_BREAK:
        *exit = T32_EXIT_BREAKPOINT;
        return true;
    }
    return false;
}

t32_exit t32_run(t32_cpu *cpu, uint64_t budget)
{
    if (cpu->halted)
        return T32_EXIT_HALT;
    run_state rs = {
        .end = cpu->cycles + budget < cpu->cycles ? NEVER : cpu->cycles + budget,
        .start_pc = cpu->pc,
        .start_retired = cpu->retired,
        .start_traps = cpu->traps_taken,
    };
    devices_poll(cpu, &rs);

    t32_exit exit;
    for (;;) {
        if (boundary_ends_run(cpu, &rs, &exit))
            break;
        if ((cpu->psr & T32_PSR_IE) && cpu->pending) {
            take_interrupt(cpu);
            exit = T32_EXIT_TRAP;
            if (cpu->host_kernel)
                break;
            continue;                /* native: the handler's first boundary */
        }
        stop why = execute(cpu, batch_size(cpu, &rs));
        if (batch_ends_run(cpu, &rs, why, &exit))
            break;
    }
    /* Keep the computed registers current for tools that read cpu->sr. */
    cpu->sr[T32_SR_CYCLES] = (uint32_t)cpu->cycles;
    cpu->sr[T32_SR_IPEND] = cpu->pending;
    return exit;
}

/* ---- reset and breakpoints ------------------------------------------------------------ */

void t32_cpu_reset(t32_cpu *cpu)
{
    memset(cpu->r, 0, sizeof cpu->r);
    memset(cpu->sr, 0, sizeof cpu->sr);
    cpu->sr[T32_SR_CPUID] = (uint32_t)cpu->id;
    cpu->pc = 0;                     /* the loader sets the entry point */
    cpu->psr = T32_PSR_K;            /* kernel mode, IE = 0, flags clear */
    cpu->cycles = 0;
    cpu->retired = 0;
    cpu->timer_deadline = NEVER;
    cpu->pending = 0;
    cpu->halted = false;
    memset(&cpu->trap, 0, sizeof cpu->trap);
    cpu->traps_taken = 0;
    cpu->irqs_taken = 0;
    memset(cpu->tlb, 0, sizeof cpu->tlb);    /* every slot, listed or not */
    cpu->tlb_nfilled = 0;
    t32_forget_code_pages(cpu);
    /* Not architectural, so kept: m, id, host_kernel, on_trap and the
     * breakpoints. */
}

bool t32_break_set(t32_cpu *cpu, uint32_t vaddr)
{
    if (at_breakpoint(cpu, vaddr))
        return true;
    if (cpu->nbreaks == cpu->cap_breaks) {
        size_t cap = cpu->cap_breaks ? 2 * cpu->cap_breaks : 8;
        uint32_t *grown = realloc(cpu->breaks, cap * sizeof *grown);
        if (!grown)
            return false;
        cpu->breaks = grown;
        cpu->cap_breaks = cap;
    }
    cpu->breaks[cpu->nbreaks++] = vaddr;
    t32_forget_code_pages(cpu);      /* its page may be the cached one */
    return true;
}

bool t32_break_clear(t32_cpu *cpu, uint32_t vaddr)
{
    for (size_t i = 0; i < cpu->nbreaks; i++) {
        if (cpu->breaks[i] == vaddr) {
            cpu->breaks[i] = cpu->breaks[--cpu->nbreaks];
            return true;
        }
    }
    return false;
}
