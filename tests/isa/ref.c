/*
 * ref.c - the reference T32 CPU (see ref.h): ISA.md, one instruction at a
 * time, with nothing clever in it.
 */
#include <string.h>

#include "ref.h"

#define K  T32_PSR_K
#define IE T32_PSR_IE

void ref_flush(ref_cpu *ref)
{
    memset(ref->tlb, 0, sizeof ref->tlb);
}

void ref_init(ref_cpu *ref, t32_cpu *cpu)
{
    ref->cpu = cpu;
    ref_flush(ref);
}

/* ---- physical memory, little-endian ------------------------------------------ */

static bool in_ram(const t32_machine *m, uint32_t pa, uint32_t len)
{
    return pa < m->memsize && len <= m->memsize - pa;
}

static uint32_t read_le(const t32_machine *m, uint32_t pa, unsigned len)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < len; i++)
        v |= (uint32_t)m->mem[pa + i] << (8 * i);
    return v;
}

static void write_le(t32_machine *m, uint32_t pa, uint32_t v, unsigned len)
{
    for (unsigned i = 0; i < len; i++)
        m->mem[pa + i] = (uint8_t)(v >> (8 * i));
}

/* ---- translation (ISA.md section 8) ------------------------------------------- */

static t32_cause page_fault(t32_access access)
{
    return access == T32_FETCH ? T32_CAUSE_FETCH_FAULT
         : access == T32_LOAD  ? T32_CAUSE_LOAD_FAULT : T32_CAUSE_STORE_FAULT;
}

static uint32_t permission(t32_access access)
{
    return access == T32_FETCH ? T32_PTE_X : access == T32_LOAD ? T32_PTE_R : T32_PTE_W;
}

static t32_cause walk(ref_cpu *ref, uint32_t va, t32_access access, uint32_t *pa)
{
    t32_cpu *c = ref->cpu;
    t32_machine *m = c->m;
    bool kernel = c->psr & K;
    uint32_t l1_pa = (c->sr[T32_SR_PTBR] & T32_PTE_FRAME) + 4 * (va >> 22);
    if (!in_ram(m, l1_pa, 4))
        return T32_CAUSE_BUS_ERROR;
    uint32_t l1 = read_le(m, l1_pa, 4);
    if (!(l1 & T32_PTE_V))
        return page_fault(access);
    uint32_t l2_pa = (l1 & T32_PTE_FRAME) + 4 * ((va >> 12) & 0x3ff);
    if (!in_ram(m, l2_pa, 4))
        return T32_CAUSE_BUS_ERROR;
    uint32_t pte = read_le(m, l2_pa, 4);
    if (!(pte & T32_PTE_V) || !(pte & permission(access)) || (!kernel && !(pte & T32_PTE_U)))
        return page_fault(access);
    if (!in_ram(m, pte & T32_PTE_FRAME, T32_PAGE_SIZE))
        return T32_CAUSE_BUS_ERROR;
    pte |= T32_PTE_A | (access == T32_STORE ? T32_PTE_D : 0);
    write_le(m, l2_pa, pte, 4);
    ref->tlb[kernel][(va >> 12) % T32_TLB_SIZE] = (ref_tlb){ true, va >> 12, pte };
    *pa = (pte & T32_PTE_FRAME) | (va & 0xfff);
    return T32_CAUSE_NONE;
}

static t32_cause translate(ref_cpu *ref, uint32_t va, t32_access access, uint32_t *pa)
{
    t32_cpu *c = ref->cpu;
    if (!(c->sr[T32_SR_PTBR] & T32_PTBR_E)) {
        if (va >= c->m->memsize)
            return T32_CAUSE_BUS_ERROR;
        *pa = va;
        return T32_CAUSE_NONE;
    }
    const ref_tlb *e = &ref->tlb[(c->psr & K) != 0][(va >> 12) % T32_TLB_SIZE];
    uint32_t need = permission(access) | (access == T32_STORE ? T32_PTE_D : 0);
    if (e->valid && e->vpn == va >> 12 && (e->pte & need) == need) {
        *pa = (e->pte & T32_PTE_FRAME) | (va & 0xfff);
        return T32_CAUSE_NONE;
    }
    return walk(ref, va, access, pa);
}

static t32_cause load(ref_cpu *ref, uint32_t va, unsigned len, uint32_t *v)
{
    uint32_t pa;
    if (va % len)
        return T32_CAUSE_MISALIGNED;
    t32_cause cause = translate(ref, va, T32_LOAD, &pa);
    if (cause == T32_CAUSE_NONE)
        *v = read_le(ref->cpu->m, pa, len);
    return cause;
}

static t32_cause store(ref_cpu *ref, uint32_t va, unsigned len, uint32_t v)
{
    uint32_t pa;
    if (va % len)
        return T32_CAUSE_MISALIGNED;
    t32_cause cause = translate(ref, va, T32_STORE, &pa);
    if (cause == T32_CAUSE_NONE)
        write_le(ref->cpu->m, pa, v, len);
    return cause;
}

/* ---- traps, interrupts, time ------------------------------------------------------ */

static bool lists_badvaddr(t32_cause cause)
{
    return cause >= T32_CAUSE_MISALIGNED && cause <= T32_CAUSE_BUS_ERROR;
}

static void enter(t32_cpu *c, t32_cause cause, uint32_t epc, uint32_t bad, uint32_t insn)
{
    c->trap = (t32_trap){ cause, epc, lists_badvaddr(cause) ? bad : 0, insn };
    c->sr[T32_SR_EPSR] = c->psr;
    c->sr[T32_SR_EPC] = epc;
    c->sr[T32_SR_CAUSE] = cause;
    if (lists_badvaddr(cause))
        c->sr[T32_SR_BADVADDR] = bad;
    c->psr = (c->psr | K) & ~IE;
    c->pc = c->host_kernel ? epc : c->sr[T32_SR_TVEC];
    c->traps_taken++;
    if (cause >= T32_IRQ_BASE)
        c->irqs_taken++;
}

/* Every boundary: the timer, then the device lines (CPU 0 only). */
static void tick(t32_cpu *c)
{
    uint32_t n = c->sr[T32_SR_TIMER];
    if (n != 0 && c->cycles >= c->timer_deadline) {
        c->pending |= 1u << T32_IRQ_TIMER;
        while (c->timer_deadline <= c->cycles)
            c->timer_deadline += n;
    }
    c->pending &= 1u << T32_IRQ_TIMER;
    if (c->id == 0)
        c->pending |= t32_devices_lines(c->m, c->cycles);
}

static bool can_wake(const t32_cpu *c)
{
    return c->sr[T32_SR_TIMER] != 0 ||
           (c->id == 0 && t32_devices_next_event(c->m) != UINT64_MAX);
}

static void sysreg_write(ref_cpu *ref, unsigned sr, uint32_t v, uint64_t now)
{
    t32_cpu *c = ref->cpu;
    if (sr == T32_SR_CYCLES || sr == T32_SR_CPUID || sr == T32_SR_IPEND)
        return;
    c->sr[sr] = sr == T32_SR_EPSR ? v & T32_PSR_MASK : v;
    if (sr == T32_SR_PTBR)
        ref_flush(ref);
    if (sr == T32_SR_TIMER) {
        c->pending &= ~(1u << T32_IRQ_TIMER);
        c->timer_deadline = v ? now + v : UINT64_MAX;
    }
}

static uint32_t sysreg_read(const t32_cpu *c, unsigned sr, uint64_t now)
{
    if (sr == T32_SR_CYCLES)
        return (uint32_t)now;
    if (sr == T32_SR_CPUID)
        return (uint32_t)c->id;
    if (sr == T32_SR_IPEND)
        return c->pending;
    return c->sr[sr];
}

/* ---- one instruction ------------------------------------------------------------------ */

typedef enum outcome { DONE, TRAPPED, HALTED, WAITING } outcome;

static uint32_t flags_of_sub(uint32_t a, uint32_t b)
{
    uint32_t d = a - b;
    int64_t sd = (int64_t)(int32_t)a - (int64_t)(int32_t)b;
    return (d >> 31 ? T32_PSR_N : 0) | (a == b ? T32_PSR_Z : 0) | (a < b ? T32_PSR_C : 0) |
           (sd < INT32_MIN || sd > INT32_MAX ? T32_PSR_V : 0);
}

static bool condition(unsigned op, uint32_t psr)
{
    bool n = psr & T32_PSR_N, z = psr & T32_PSR_Z, c = psr & T32_PSR_C, v = psr & T32_PSR_V;
    switch (op) {
    case T32_OP_BEQ:  return z;
    case T32_OP_BNE:  return !z;
    case T32_OP_BLT:  return n != v;
    case T32_OP_BGE:  return n == v;
    case T32_OP_BGT:  return !z && n == v;
    case T32_OP_BLE:  return z || n != v;
    case T32_OP_BLTU: return c;
    case T32_OP_BGEU: return !c;
    case T32_OP_BGTU: return !c && !z;
    case T32_OP_BLEU: return c || z;
    default:          return true;      /* b, jal */
    }
}

/* Register-register and register-immediate arithmetic; false: DIVZERO. */
static bool alu(unsigned op, uint32_t a, uint32_t b, uint32_t *out)
{
    int64_t sa = (int32_t)a, sb = (int32_t)b;
    switch (op) {
    case T32_OP_ADD: case T32_OP_ADDI: *out = a + b; break;
    case T32_OP_SUB:  *out = a - b; break;
    case T32_OP_AND: case T32_OP_ANDI: *out = a & b; break;
    case T32_OP_OR:  case T32_OP_ORI:  *out = a | b; break;
    case T32_OP_XOR: case T32_OP_XORI: *out = a ^ b; break;
    case T32_OP_SHL: case T32_OP_SHLI: *out = a << (b & 31); break;
    case T32_OP_SHR: case T32_OP_SHRI: *out = a >> (b & 31); break;
    case T32_OP_SRA: case T32_OP_SRAI: *out = (uint32_t)(sa >> (b & 31)); break;
    case T32_OP_MUL:  *out = (uint32_t)((uint64_t)a * b); break;
    case T32_OP_DIV:  if (!b) return false; *out = (uint32_t)(sa / sb); break;
    case T32_OP_DIVU: if (!b) return false; *out = a / b; break;
    case T32_OP_REM:  if (!b) return false; *out = (uint32_t)(sa % sb); break;
    case T32_OP_REMU: if (!b) return false; *out = a % b; break;
    case T32_OP_SLT: case T32_OP_SLTI:  *out = sa < sb; break;
    case T32_OP_SLTU: case T32_OP_SLTIU: *out = a < b; break;
    case T32_OP_LUI:  *out = b << 16; break;
    }
    return true;
}

/* The second ALU operand of an instruction word. */
static uint32_t operand(const t32_cpu *c, uint32_t w)
{
    switch (t32_ops[w >> 24].format) {
    case T32_FMT_R:  return c->r[(w >> 12) & 15];
    case T32_FMT_I:  return (uint32_t)(int32_t)(int16_t)(w & 0xffff);
    default:         return w & 0xffff;     /* IU, SH, LUI */
    }
}

static unsigned access_size(unsigned op)
{
    switch (op) {
    case T32_OP_LDW: case T32_OP_STW: return 4;
    case T32_OP_LDH: case T32_OP_LDHU: case T32_OP_STH: return 2;
    default: return 1;
    }
}

static uint32_t extend(unsigned op, uint32_t v)
{
    if (op == T32_OP_LDH)
        return (uint32_t)(int32_t)(int16_t)v;
    if (op == T32_OP_LDB)
        return (uint32_t)(int32_t)(int8_t)v;
    return v;
}

/* Execute the instruction at pc.  Every instruction that is fetched costs a
 * cycle, completed or trapped (isa/README.md); a waiting wfi costs none. */
static outcome step(ref_cpu *ref)
{
    t32_cpu *c = ref->cpu;
    const uint64_t now = c->cycles;
    const uint32_t pc = c->pc;
    const bool kernel = c->psr & K;
    uint32_t w = 0, pa, v = 0, next = pc + 4;
    t32_cause cause = T32_CAUSE_NONE;
    uint32_t epc = pc, bad = 0;
    outcome out = DONE;

    if (pc & 3)
        cause = T32_CAUSE_MISALIGNED, bad = pc;
    else if ((cause = translate(ref, pc, T32_FETCH, &pa)) != T32_CAUSE_NONE)
        bad = pc;
    else
        w = read_le(c->m, pa, 4);

    unsigned op = w >> 24, a = (w >> 20) & 15, b = (w >> 16) & 15;
    uint32_t imm = w & 0xffff, simm = (uint32_t)(int32_t)(int16_t)imm;
    uint32_t *r = c->r;
    if (cause != T32_CAUSE_NONE) {
        /* the fetch faulted */
    } else if (!t32_ops[op].mnemonic) {
        cause = T32_CAUSE_ILLEGAL;
    } else if (t32_ops[op].cls == T32_PRIVILEGED && !kernel) {
        cause = T32_CAUSE_PRIVILEGED;
    } else if ((op == T32_OP_MFSR || op == T32_OP_MTSR) && imm >= T32_NSYSREGS) {
        cause = T32_CAUSE_ILLEGAL;
    } else if (op <= T32_OP_LUI) {
        if (!alu(op, r[b], operand(c, w), &v))
            cause = T32_CAUSE_DIVZERO;
        else if (a)
            r[a] = v;
    } else if (op == T32_OP_CMP || op == T32_OP_CMPI || op == T32_OP_TST) {
        uint32_t rhs = op == T32_OP_CMP || op == T32_OP_TST ? r[(w >> 12) & 15] : simm;
        uint32_t f = op == T32_OP_TST ? ((r[b] & rhs) >> 31 ? T32_PSR_N : 0) |
                                        ((r[b] & rhs) == 0 ? T32_PSR_Z : 0)
                                      : flags_of_sub(r[b], rhs);
        c->psr = (c->psr & ~T32_PSR_FLAGS) | f;
    } else if (op >= T32_OP_LDW && op <= T32_OP_LDBU) {
        bad = r[b] + simm;
        if ((cause = load(ref, bad, access_size(op), &v)) == T32_CAUSE_NONE && a)
            r[a] = extend(op, v);
    } else if (op >= T32_OP_STW && op <= T32_OP_STB) {
        bad = r[b] + simm;
        cause = store(ref, bad, access_size(op), r[a]);
    } else if (op >= T32_OP_B && op <= T32_OP_BLEU) {
        if (condition(op, c->psr))
            next = pc + 4 * (uint32_t)((int32_t)(w << 8) >> 8);
    } else if (op == T32_OP_BZ || op == T32_OP_BNZ) {
        if ((r[a] == 0) == (op == T32_OP_BZ))
            next = pc + 4 * simm;
    } else if (op == T32_OP_JAL) {
        r[T32_REG_LR] = pc + 4;
        next = pc + 4 * (uint32_t)((int32_t)(w << 8) >> 8);
    } else if (op == T32_OP_JALR) {
        next = r[b] + simm;
        if (a)
            r[a] = pc + 4;
    } else if (op == T32_OP_PUSH || op == T32_OP_PUSHF) {
        bad = r[T32_REG_SP] - 4;
        if ((cause = store(ref, bad, 4, op == T32_OP_PUSH ? r[a] : c->psr)) == T32_CAUSE_NONE)
            r[T32_REG_SP] = bad;
    } else if (op == T32_OP_POP || op == T32_OP_POPF) {
        bad = r[T32_REG_SP];
        if ((cause = load(ref, bad, 4, &v)) == T32_CAUSE_NONE) {
            r[T32_REG_SP] += 4;
            if (op == T32_OP_POP && a)
                r[a] = v;
            if (op == T32_OP_POPF) {
                uint32_t mine = kernel ? K : K | IE;     /* what popf may not touch */
                c->psr = (c->psr & mine) | (v & ~mine & T32_PSR_MASK);
            }
        }
    } else if (op == T32_OP_SYSCALL) {
        cause = T32_CAUSE_SYSCALL, epc = pc + 4;
    } else if (op == T32_OP_BRK) {
        cause = T32_CAUSE_BREAKPOINT;
    } else if (op == T32_OP_HCALL) {
        cause = T32_CAUSE_ILLEGAL;
    } else if (op == T32_OP_MFSR) {
        if (a)
            r[a] = sysreg_read(c, imm, now);
    } else if (op == T32_OP_MTSR) {
        sysreg_write(ref, imm, r[a], now);
    } else if (op == T32_OP_RFE) {
        c->psr = c->sr[T32_SR_EPSR] & T32_PSR_MASK;
        next = c->sr[T32_SR_EPC];
    } else if (op == T32_OP_CLI || op == T32_OP_STI) {
        c->psr = op == T32_OP_STI ? c->psr | IE : c->psr & ~IE;
    } else if (op == T32_OP_HALT) {
        out = HALTED;
    } else if (op == T32_OP_WFI) {
        if (!c->pending)
            return WAITING;
    } else if (op == T32_OP_TLBFLUSH) {
        ref_flush(ref);
    } else if (op == T32_OP_IN) {
        v = t32_port_in(c->m, c, (r[b] + simm) & 0xffff);
        if (a)
            r[a] = v;
    } else if (op == T32_OP_OUT) {
        t32_port_out(c->m, c, (r[b] + simm) & 0xffff, r[a]);
    }

    c->cycles = now + 1;
    c->retired++;
    if (cause != T32_CAUSE_NONE) {
        enter(c, cause, epc, bad, w);
        return TRAPPED;
    }
    c->pc = next;
    return out;
}

/* ---- the run loop -------------------------------------------------------------------- */

static t32_exit finish(t32_cpu *c, t32_exit why)
{
    c->sr[T32_SR_CYCLES] = (uint32_t)c->cycles;
    c->sr[T32_SR_IPEND] = c->pending;
    return why;
}

t32_exit ref_run(ref_cpu *ref, uint64_t budget)
{
    t32_cpu *c = ref->cpu;
    if (c->halted)
        return T32_EXIT_HALT;
    uint64_t end = c->cycles + budget < c->cycles ? UINT64_MAX : c->cycles + budget;
    for (;;) {
        tick(c);
        if (c->cycles >= end)
            return finish(c, T32_EXIT_BUDGET);
        if ((c->psr & IE) && c->pending) {
            unsigned line = 0;
            while (!(c->pending & (1u << line)))
                line++;
            if (line == T32_IRQ_TIMER)
                c->pending &= ~(1u << T32_IRQ_TIMER);
            enter(c, (t32_cause)(T32_IRQ_BASE + line), c->pc, 0, 0);
            if (c->host_kernel)
                return finish(c, T32_EXIT_TRAP);
            continue;
        }
        switch (step(ref)) {
        case DONE:
            break;
        case TRAPPED:
            if (c->host_kernel)
                return finish(c, T32_EXIT_TRAP);
            break;
        case HALTED:
            c->halted = true;
            return finish(c, T32_EXIT_HALT);
        case WAITING:
            /* Idle one cycle; when a line is up, the wfi is done. */
            if (!can_wake(c))
                return finish(c, T32_EXIT_IDLE);
            c->cycles++;
            tick(c);
            if (c->pending) {
                c->pc += 4;
                c->retired++;
            }
            break;
        }
    }
}
