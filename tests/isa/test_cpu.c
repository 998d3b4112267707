/*
 * test_cpu.c - the T32 interpreter against ISA.md: every instruction in
 * both modes, flags, traps and their priority, trap entry and return, both
 * trap configurations, interrupts, wfi, the budget and breakpoints; and
 * random programs, run whole and in random slices, which must agree.
 *
 * Expected values come from small reference functions written from ISA.md
 * (ref_alu, ref_flags, ref_branch below), computed a different way from
 * the interpreter (64-bit arithmetic, plain comparisons), never from
 * recorded outputs.  The MMU has its own file, test_mmu.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "guest.h"

#define K   T32_PSR_K
#define IE  T32_PSR_IE

/* Interesting operand values: zero, ones, the sign boundary, shift counts
 * around 32, and some ordinary numbers. */
static const uint32_t values[] = {
    0, 1, 2, 5, 31, 32, 33, 0x7fffffffu, 0x80000000u, 0x80000001u,
    0xffffffffu, 0xfffffff9u /* -7 */, 0x12345678u, 0xfedcba98u,
};
#define NVALUES (sizeof values / sizeof values[0])

/* Interesting 16-bit immediates. */
static const uint32_t imms[] = { 0, 1, 2, 31, 32, 33, 0x7fff, 0x8000, 0x8001, 0xfff9, 0xffff };
#define NIMMS (sizeof imms / sizeof imms[0])

/* ---- references, written from ISA.md section 4 ------------------------------ */

static int64_t s64(uint32_t x) { return (int64_t)(int32_t)x; }
static uint32_t sext16(uint32_t imm) { return (uint32_t)(int32_t)(int16_t)(uint16_t)imm; }

/* Arithmetic shift right as division rounding toward minus infinity. */
static uint32_t ref_sra(uint32_t x, unsigned s)
{
    int64_t v = s64(x);
    int64_t d = (int64_t)1 << s;
    int64_t q = v / d;
    if (v % d != 0 && v < 0)
        q -= 1;
    return (uint32_t)q;
}

/* rd for a register-register or register-immediate ALU op (b is already the
 * second operand: a register, or the extended immediate).  Returns false
 * where the instruction traps DIVZERO. */
static bool ref_alu(unsigned op, uint32_t a, uint32_t b, uint32_t *out)
{
    switch (op) {
    case T32_OP_ADD: case T32_OP_ADDI: *out = (uint32_t)((uint64_t)a + b); return true;
    case T32_OP_SUB: *out = (uint32_t)((uint64_t)a - b); return true;
    case T32_OP_AND: case T32_OP_ANDI: *out = a & b; return true;
    case T32_OP_OR:  case T32_OP_ORI:  *out = a | b; return true;
    case T32_OP_XOR: case T32_OP_XORI: *out = a ^ b; return true;
    case T32_OP_SHL: case T32_OP_SHLI: *out = (uint32_t)((uint64_t)a << (b % 32)); return true;
    case T32_OP_SHR: case T32_OP_SHRI: *out = a >> (b % 32); return true;
    case T32_OP_SRA: case T32_OP_SRAI: *out = ref_sra(a, b % 32); return true;
    case T32_OP_MUL: *out = (uint32_t)((uint64_t)a * b); return true;
    case T32_OP_DIV:
        if (b == 0) return false;
        *out = (uint32_t)(s64(a) / s64(b));          /* 2^31 wraps to INT_MIN */
        return true;
    case T32_OP_DIVU:
        if (b == 0) return false;
        *out = a / b;
        return true;
    case T32_OP_REM:
        if (b == 0) return false;
        *out = (uint32_t)(s64(a) % s64(b));
        return true;
    case T32_OP_REMU:
        if (b == 0) return false;
        *out = a % b;
        return true;
    case T32_OP_SLT: case T32_OP_SLTI: *out = s64(a) < s64(b); return true;
    case T32_OP_SLTU: case T32_OP_SLTIU: *out = a < b; return true;
    }
    fail_msg("no reference for opcode %#x", op);
    return false;
}

/* Flags of cmp a, b: N = bit 31 of a - b, Z, C = unsigned borrow, V =
 * the signed difference does not fit in 32 bits. */
static uint32_t ref_flags(uint32_t a, uint32_t b)
{
    uint32_t d = (uint32_t)((uint64_t)a - b);
    int64_t sd = s64(a) - s64(b);
    uint32_t f = 0;
    if (d >> 31) f |= T32_PSR_N;
    if (a == b) f |= T32_PSR_Z;
    if (a < b) f |= T32_PSR_C;
    if (sd < INT32_MIN || sd > INT32_MAX) f |= T32_PSR_V;
    return f;
}

/* Is the branch taken after cmp a, b?  As the comparison it stands for. */
static bool ref_branch(unsigned op, uint32_t a, uint32_t b)
{
    switch (op) {
    case T32_OP_B:    return true;
    case T32_OP_BEQ:  return a == b;
    case T32_OP_BNE:  return a != b;
    case T32_OP_BLT:  return s64(a) < s64(b);
    case T32_OP_BGE:  return s64(a) >= s64(b);
    case T32_OP_BGT:  return s64(a) > s64(b);
    case T32_OP_BLE:  return s64(a) <= s64(b);
    case T32_OP_BLTU: return a < b;
    case T32_OP_BGEU: return a >= b;
    case T32_OP_BGTU: return a > b;
    case T32_OP_BLEU: return a <= b;
    }
    fail_msg("no reference for branch %#x", op);
    return false;
}

/* ---- ALU ------------------------------------------------------------------- */

static const unsigned r_ops[] = {
    T32_OP_ADD, T32_OP_SUB, T32_OP_AND, T32_OP_OR, T32_OP_XOR, T32_OP_SHL,
    T32_OP_SHR, T32_OP_SRA, T32_OP_MUL, T32_OP_DIV, T32_OP_DIVU, T32_OP_REM,
    T32_OP_REMU, T32_OP_SLT, T32_OP_SLTU,
};

static void test_alu_register_ops(void **state)
{
    (void)state;
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    for (int kernel = 0; kernel <= 1; kernel++)
    for (size_t o = 0; o < sizeof r_ops / sizeof r_ops[0]; o++)
    for (size_t i = 0; i < NVALUES; i++)
    for (size_t j = 0; j < NVALUES; j++) {
        unsigned op = r_ops[o];
        uint32_t a = values[i], b = values[j], want;
        c->r[1] = a; c->r[2] = b; c->r[3] = 0xdeadbeefu;
        c->psr = T32_PSR_Z | T32_PSR_V;               /* flags must survive */
        t32_exit why = guest_step_one(g, R(op, 3, 1, 2), kernel);
        if (ref_alu(op, a, b, &want)) {
            assert_int_equal(why, T32_EXIT_BUDGET);
            assert_int_equal(c->r[3], want);
            assert_int_equal(c->pc, GUEST_CODE + 4);
            assert_int_equal(c->psr & T32_PSR_FLAGS, T32_PSR_Z | T32_PSR_V);
        } else {
            assert_int_equal(why, T32_EXIT_TRAP);
            assert_int_equal(c->trap.cause, T32_CAUSE_DIVZERO);
            assert_int_equal(c->trap.epc, GUEST_CODE);
            assert_int_equal(c->r[3], 0xdeadbeefu);  /* precise: no write */
        }
        assert_int_equal(c->r[1], a);
        assert_int_equal(c->r[2], b);
    }
    guest_free(g);
}

static void test_alu_immediate_ops(void **state)
{
    (void)state;
    static const struct { unsigned op; bool sign; } ops[] = {
        { T32_OP_ADDI, true }, { T32_OP_ANDI, false }, { T32_OP_ORI, false },
        { T32_OP_XORI, false }, { T32_OP_SHLI, false }, { T32_OP_SHRI, false },
        { T32_OP_SRAI, false }, { T32_OP_SLTI, true }, { T32_OP_SLTIU, true },
    };
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    for (int kernel = 0; kernel <= 1; kernel++)
    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++)
    for (size_t i = 0; i < NVALUES; i++)
    for (size_t j = 0; j < NIMMS; j++) {
        uint32_t a = values[i], imm = imms[j], want;
        uint32_t b = ops[o].sign ? sext16(imm) : imm;
        c->r[1] = a;
        assert_int_equal(guest_step_one(g, I(ops[o].op, 3, 1, imm), kernel), T32_EXIT_BUDGET);
        assert_true(ref_alu(ops[o].op, a, b, &want));
        assert_int_equal(c->r[3], want);
    }
    for (size_t j = 0; j < NIMMS; j++) {
        guest_step_one(g, I(T32_OP_LUI, 4, 0, imms[j]), false);
        assert_int_equal(g->cpu->r[4], imms[j] << 16);
    }
    guest_free(g);
}

/* The edge cases of ISA.md, spelled out. */
static void test_division_edges(void **state)
{
    (void)state;
    static const struct { unsigned op; uint32_t a, b, want; } cases[] = {
        { T32_OP_DIV,  0x80000000u, 0xffffffffu, 0x80000000u },  /* INT_MIN / -1 */
        { T32_OP_REM,  0x80000000u, 0xffffffffu, 0 },            /* INT_MIN rem -1 */
        { T32_OP_DIV,  (uint32_t)-7, 2, (uint32_t)-3 },          /* toward zero */
        { T32_OP_REM,  (uint32_t)-7, 2, (uint32_t)-1 },          /* sign of rs1 */
        { T32_OP_REM,  7, (uint32_t)-2, 1 },
        { T32_OP_DIVU, 0xffffffffu, 2, 0x7fffffffu },
        { T32_OP_REMU, 0xffffffffu, 10, 5 },
        { T32_OP_SHL,  0x12345678u, 32, 0x12345678u },          /* shift & 31 */
        { T32_OP_SHL,  1, 33, 2 },
        { T32_OP_SHR,  0x80000000u, 63, 1 },
        { T32_OP_SRA,  0x80000000u, 31, 0xffffffffu },
        { T32_OP_SRA,  0x80000000u, 32, 0x80000000u },
    };
    guest *g = guest_new(true);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        g->cpu->r[1] = cases[i].a;
        g->cpu->r[2] = cases[i].b;
        assert_int_equal(guest_step_one(g, R(cases[i].op, 3, 1, 2), true), T32_EXIT_BUDGET);
        assert_int_equal(g->cpu->r[3], cases[i].want);
    }
    /* Every divide by zero traps, in both modes, and writes nothing. */
    const unsigned divs[] = { T32_OP_DIV, T32_OP_DIVU, T32_OP_REM, T32_OP_REMU };
    for (int kernel = 0; kernel <= 1; kernel++)
        for (int i = 0; i < 4; i++) {
            g->cpu->r[1] = 10; g->cpu->r[2] = 0; g->cpu->r[3] = 77;
            g->cpu->sr[T32_SR_BADVADDR] = 0x1234;
            assert_int_equal(guest_step_one(g, R(divs[i], 3, 1, 2), kernel), T32_EXIT_TRAP);
            assert_int_equal(g->cpu->trap.cause, T32_CAUSE_DIVZERO);
            assert_int_equal(g->cpu->sr[T32_SR_EPC], GUEST_CODE);
            assert_int_equal(g->cpu->sr[T32_SR_BADVADDR], 0x1234);  /* not a memory trap */
            assert_int_equal(g->cpu->r[3], 77);
        }
    guest_free(g);
}

/* r0 reads as zero and ignores writes, whatever writes it. */
static void test_r0_is_zero(void **state)
{
    (void)state;
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    poke(g, GUEST_DATA, 0x55555555u);
    c->r[1] = 5; c->r[2] = GUEST_DATA; c->r[T32_REG_SP] = GUEST_DATA;
    const uint32_t writers[] = {
        R(T32_OP_ADD, 0, 1, 1), I(T32_OP_ADDI, 0, 1, 3), I(T32_OP_LUI, 0, 0, 0x1234),
        I(T32_OP_LDW, 0, 2, 0), I(T32_OP_POP, 0, 0, 0), I(T32_OP_JALR, 0, 0, GUEST_CODE + 4),
        I(T32_OP_MFSR, 0, 0, T32_SR_TVEC), I(T32_OP_IN, 0, 0, T32_PORT_MEMSIZE),
    };
    for (size_t i = 0; i < sizeof writers / sizeof writers[0]; i++) {
        c->r[T32_REG_SP] = GUEST_DATA;
        assert_int_equal(guest_step_one(g, writers[i], true), T32_EXIT_BUDGET);
        assert_int_equal(c->r[0], 0);
    }
    /* As a source it is 0: add r3, r0, r1 = r1. */
    guest_step_one(g, R(T32_OP_ADD, 3, 0, 1), false);
    assert_int_equal(c->r[3], 5);
    guest_free(g);
}

/* ---- flags --------------------------------------------------------------------- */

static void test_cmp_flags(void **state)
{
    (void)state;
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    for (int kernel = 0; kernel <= 1; kernel++)
    for (size_t i = 0; i < NVALUES; i++) {
        for (size_t j = 0; j < NVALUES; j++) {
            c->r[1] = values[i]; c->r[2] = values[j];
            c->psr = T32_PSR_FLAGS;                  /* stale flags */
            guest_step_one(g, R(T32_OP_CMP, 0, 1, 2), kernel);
            assert_int_equal(c->psr, ref_flags(values[i], values[j]) | (kernel ? K : 0));
        }
        for (size_t j = 0; j < NIMMS; j++) {
            c->r[1] = values[i];
            c->psr = 0;
            guest_step_one(g, I(T32_OP_CMPI, 0, 1, imms[j]), kernel);
            assert_int_equal(c->psr & T32_PSR_FLAGS, ref_flags(values[i], sext16(imms[j])));
        }
    }
    guest_free(g);
}

static void test_tst_flags(void **state)
{
    (void)state;
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    for (size_t i = 0; i < NVALUES; i++)
        for (size_t j = 0; j < NVALUES; j++) {
            uint32_t t = values[i] & values[j];
            c->r[1] = values[i]; c->r[2] = values[j];
            c->psr = T32_PSR_C | T32_PSR_V;          /* tst clears C and V */
            guest_step_one(g, R(T32_OP_TST, 0, 1, 2), false);
            uint32_t want = (t >> 31 ? T32_PSR_N : 0) | (t == 0 ? T32_PSR_Z : 0);
            assert_int_equal(c->psr, want);
        }
    guest_free(g);
}

/* ---- branches --------------------------------------------------------------------- */

static void test_conditional_branches(void **state)
{
    (void)state;
    const unsigned ops[] = { T32_OP_B, T32_OP_BEQ, T32_OP_BNE, T32_OP_BLT, T32_OP_BGE,
                             T32_OP_BGT, T32_OP_BLE, T32_OP_BLTU, T32_OP_BGEU,
                             T32_OP_BGTU, T32_OP_BLEU };
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++)
    for (size_t i = 0; i < NVALUES; i++)
    for (size_t j = 0; j < NVALUES; j++) {
        /* cmp r1, r2 ; bXX +5 words (relative to the branch itself) */
        poke(g, GUEST_CODE, R(T32_OP_CMP, 0, 1, 2));
        poke(g, GUEST_CODE + 4, J(ops[o], 5));
        c->pc = GUEST_CODE;
        c->psr = (i + j) % 2 ? K : 0;
        c->r[1] = values[i]; c->r[2] = values[j];
        assert_int_equal(t32_run(c, 2), T32_EXIT_BUDGET);
        uint32_t want = ref_branch(ops[o], values[i], values[j]) ? GUEST_CODE + 4 + 20
                                                                  : GUEST_CODE + 8;
        assert_int_equal(c->pc, want);
    }
    guest_free(g);
}

/* Offsets and links of the unconditional control transfers, in one mode. */
static void check_jumps(guest *g, bool kernel)
{
    t32_cpu *c = g->cpu;
    /* J offsets are 24-bit signed word counts from the branch. */
    guest_step_one(g, J(T32_OP_B, -2), kernel);
    assert_int_equal(c->pc, GUEST_CODE - 8);
    guest_step_one(g, J(T32_OP_B, 0x7fffff), kernel);
    assert_int_equal(c->pc, (uint32_t)(GUEST_CODE + 4u * 0x7fffffu));
    guest_step_one(g, J(T32_OP_B, 0x800000), kernel);             /* most negative */
    assert_int_equal(c->pc, (uint32_t)(GUEST_CODE - 4u * 0x800000u));
    /* bz/bnz: A = the register, 16-bit signed word offset. */
    c->r[4] = 0;
    guest_step_one(g, I(T32_OP_BZ, 4, 0, -3), kernel);
    assert_int_equal(c->pc, GUEST_CODE - 12);
    guest_step_one(g, I(T32_OP_BNZ, 4, 0, -3), kernel);
    assert_int_equal(c->pc, GUEST_CODE + 4);
    c->r[4] = 0x80000000u;
    guest_step_one(g, I(T32_OP_BNZ, 4, 0, 0x7fff), kernel);
    assert_int_equal(c->pc, GUEST_CODE + 4 * 0x7fff);
    guest_step_one(g, I(T32_OP_BZ, 4, 0, 0x7fff), kernel);
    assert_int_equal(c->pc, GUEST_CODE + 4);
    /* jal: lr := pc + 4. */
    guest_step_one(g, J(T32_OP_JAL, 16), kernel);
    assert_int_equal(c->pc, GUEST_CODE + 64);
    assert_int_equal(c->r[T32_REG_LR], GUEST_CODE + 4);
    /* jalr rd, rs1, imm: the target is computed before rd is written. */
    c->r[5] = 0x3000;
    guest_step_one(g, I(T32_OP_JALR, 5, 5, -8), kernel);
    assert_int_equal(c->pc, 0x3000 - 8);
    assert_int_equal(c->r[5], GUEST_CODE + 4);
}

static void test_branch_offsets_and_links(void **state)
{
    (void)state;
    guest *g = guest_new(true);
    check_jumps(g, false);
    check_jumps(g, true);
    guest_free(g);
}

/* A jump to an unaligned target retires; the fetch there traps with
 * EPC = BADVADDR = the target. */
static void test_unaligned_jump_traps_at_fetch(void **state)
{
    (void)state;
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    c->r[1] = 0x3002;
    emit(g, I(T32_OP_JALR, 6, 1, 0));
    assert_int_equal(guest_run(g, 10), T32_EXIT_TRAP);
    assert_int_equal(c->trap.cause, T32_CAUSE_MISALIGNED);
    assert_int_equal(c->sr[T32_SR_EPC], 0x3002);
    assert_int_equal(c->sr[T32_SR_BADVADDR], 0x3002);
    assert_int_equal(c->trap.insn, 0);                /* nothing was fetched */
    assert_int_equal(c->r[6], GUEST_CODE + 4);        /* the jalr did happen */
    assert_int_equal(c->cycles, 2);                   /* a fault costs its cycle */
    guest_free(g);
}

/* ---- loads and stores ------------------------------------------------------------------ */

static void test_loads_extend_and_are_little_endian(void **state)
{
    (void)state;
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    const uint8_t bytes[8] = { 0x81, 0x7f, 0xfe, 0x80, 0x01, 0x02, 0x03, 0x04 };
    t32_phys_write(g->m, GUEST_DATA, bytes, sizeof bytes);
    c->r[1] = GUEST_DATA + 8;                         /* negative offsets too */
    static const struct { unsigned op; int off; uint32_t want; } cases[] = {
        { T32_OP_LDW,  -8, 0x80fe7f81u }, { T32_OP_LDW, -4, 0x04030201u },
        { T32_OP_LDH,  -8, 0x00007f81u }, { T32_OP_LDH, -6, 0xffff80feu },
        { T32_OP_LDHU, -6, 0x000080feu }, { T32_OP_LDB, -8, 0xffffff81u },
        { T32_OP_LDB,  -7, 0x0000007fu }, { T32_OP_LDBU, -8, 0x00000081u },
        { T32_OP_LDBU, -5, 0x00000080u },
    };
    for (int kernel = 0; kernel <= 1; kernel++)
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            assert_int_equal(guest_step_one(g, I(cases[i].op, 3, 1, cases[i].off), kernel),
                             T32_EXIT_BUDGET);
            assert_int_equal(c->r[3], cases[i].want);
        }
    guest_free(g);
}

static void test_stores_write_only_their_bytes(void **state)
{
    (void)state;
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    static const struct { unsigned op; int off; uint8_t want[8]; } cases[] = {
        { T32_OP_STW, 0, { 0x44, 0x33, 0x22, 0x11, 0xee, 0xee, 0xee, 0xee } },
        { T32_OP_STH, 2, { 0xee, 0xee, 0x44, 0x33, 0xee, 0xee, 0xee, 0xee } },
        { T32_OP_STB, 5, { 0xee, 0xee, 0xee, 0xee, 0xee, 0x44, 0xee, 0xee } },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t got[8];
        memset(got, 0xee, sizeof got);
        t32_phys_write(g->m, GUEST_DATA, got, sizeof got);
        c->r[1] = GUEST_DATA;
        c->r[2] = 0x11223344u;
        assert_int_equal(guest_step_one(g, I(cases[i].op, 2, 1, cases[i].off), i % 2),
                         T32_EXIT_BUDGET);
        t32_phys_read(g->m, GUEST_DATA, got, sizeof got);
        assert_memory_equal(got, cases[i].want, sizeof got);
    }
    guest_free(g);
}

/* Unaligned accesses trap MISALIGNED with BADVADDR = the address and change
 * nothing; so do accesses past the end of RAM, with BUS_ERROR. */
static void test_misaligned_and_bus_errors(void **state)
{
    (void)state;
    static const struct { unsigned op; uint32_t addr; t32_cause cause; } cases[] = {
        { T32_OP_LDW, GUEST_DATA + 1, T32_CAUSE_MISALIGNED },
        { T32_OP_LDW, GUEST_DATA + 2, T32_CAUSE_MISALIGNED },
        { T32_OP_LDW, GUEST_DATA + 3, T32_CAUSE_MISALIGNED },
        { T32_OP_LDH, GUEST_DATA + 1, T32_CAUSE_MISALIGNED },
        { T32_OP_LDHU, GUEST_DATA + 3, T32_CAUSE_MISALIGNED },
        { T32_OP_STW, GUEST_DATA + 2, T32_CAUSE_MISALIGNED },
        { T32_OP_STH, GUEST_DATA + 1, T32_CAUSE_MISALIGNED },
        { T32_OP_LDW, GUEST_MEMSIZE, T32_CAUSE_BUS_ERROR },
        { T32_OP_LDB, GUEST_MEMSIZE + 5, T32_CAUSE_BUS_ERROR },
        { T32_OP_STB, 0xffffffffu, T32_CAUSE_BUS_ERROR },
        { T32_OP_STW, GUEST_MEMSIZE, T32_CAUSE_BUS_ERROR },
        { T32_OP_LDW, GUEST_MEMSIZE + 3, T32_CAUSE_MISALIGNED },  /* alignment first */
    };
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    poke(g, GUEST_DATA, 0x01020304u);
    for (int kernel = 0; kernel <= 1; kernel++)
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            c->r[1] = cases[i].addr;
            c->r[2] = 0xabcdef12u;
            c->psr = T32_PSR_N;
            uint32_t word = I(cases[i].op, 2, 1, 0);
            assert_int_equal(guest_step_one(g, word, kernel), T32_EXIT_TRAP);
            assert_int_equal(c->trap.cause, cases[i].cause);
            assert_int_equal(c->trap.epc, GUEST_CODE);
            assert_int_equal(c->trap.badvaddr, cases[i].addr);
            assert_int_equal(c->trap.insn, word);
            assert_int_equal(c->sr[T32_SR_BADVADDR], cases[i].addr);
            assert_int_equal(c->sr[T32_SR_EPSR], T32_PSR_N | (kernel ? K : 0));
            assert_int_equal(c->r[2], 0xabcdef12u);
            assert_int_equal(peek(g, GUEST_DATA), 0x01020304u);
        }
    /* Address arithmetic wraps modulo 2^32. */
    poke(g, 4, 0x77777777u);
    c->r[1] = 0xfffffff0u;
    assert_int_equal(guest_step_one(g, I(T32_OP_LDW, 3, 1, 0x14), true), T32_EXIT_BUDGET);
    assert_int_equal(c->r[3], 0x77777777u);
    /* Fetching past the end of RAM is a BUS_ERROR with EPC = BADVADDR = pc. */
    c->pc = GUEST_MEMSIZE;
    assert_int_equal(t32_run(c, 1), T32_EXIT_TRAP);
    assert_int_equal(c->trap.cause, T32_CAUSE_BUS_ERROR);
    assert_int_equal(c->sr[T32_SR_EPC], GUEST_MEMSIZE);
    assert_int_equal(c->sr[T32_SR_BADVADDR], GUEST_MEMSIZE);
    guest_free(g);
}

/* ---- the stack ----------------------------------------------------------------------------- */

static void test_push_pop(void **state)
{
    (void)state;
    for (int kernel = 0; kernel <= 1; kernel++) {
        guest *g = guest_new(true);
        t32_cpu *c = g->cpu;
        c->psr = kernel ? K : 0;
        c->r[T32_REG_SP] = GUEST_DATA + 0x100;
        c->r[3] = 0xcafef00du;
        emit(g, I(T32_OP_PUSH, 3, 0, 0));              /* push r3 */
        emit(g, I(T32_OP_PUSH, T32_REG_SP, 0, 0));     /* push sp: the old sp */
        emit(g, I(T32_OP_POP, 4, 0, 0));               /* pop r4 */
        emit(g, I(T32_OP_POP, 5, 0, 0));               /* pop r5 */
        emit(g, I(T32_OP_PUSH, 3, 0, 0));
        emit(g, I(T32_OP_POP, T32_REG_SP, 0, 0));      /* pop sp: sp := the word */
        assert_int_equal(guest_run(g, 6), T32_EXIT_BUDGET);
        assert_int_equal(peek(g, GUEST_DATA + 0xfc), 0xcafef00du);
        assert_int_equal(c->r[4], GUEST_DATA + 0xfc);
        assert_int_equal(c->r[5], 0xcafef00du);
        assert_int_equal(c->r[T32_REG_SP], 0xcafef00du);
        guest_free(g);
    }
}

/* push, pop, pushf and popf are precise: on a fault sp, the destination,
 * the PSR and memory are unchanged. */
static void test_stack_faults_are_precise(void **state)
{
    (void)state;
    static const struct { uint32_t sp; uint32_t bad; t32_cause cause; bool store; } sps[] = {
        { GUEST_DATA + 2, GUEST_DATA - 2, T32_CAUSE_MISALIGNED, true },
        { GUEST_MEMSIZE + 4, GUEST_MEMSIZE, T32_CAUSE_BUS_ERROR, true },
        { 0, 0xfffffffcu, T32_CAUSE_BUS_ERROR, true },
        { GUEST_DATA + 2, GUEST_DATA + 2, T32_CAUSE_MISALIGNED, false },
        { GUEST_MEMSIZE, GUEST_MEMSIZE, T32_CAUSE_BUS_ERROR, false },
    };
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    for (int kernel = 0; kernel <= 1; kernel++)
        for (size_t i = 0; i < sizeof sps / sizeof sps[0]; i++) {
            unsigned ops[2] = { sps[i].store ? T32_OP_PUSH : T32_OP_POP,
                                sps[i].store ? T32_OP_PUSHF : T32_OP_POPF };
            for (int k = 0; k < 2; k++) {
                c->r[T32_REG_SP] = sps[i].sp;
                c->r[3] = 0x33333333u;
                c->psr = T32_PSR_C | (kernel ? K | IE : 0);
                uint32_t psr = c->psr;
                assert_int_equal(guest_step_one(g, I(ops[k], 3, 0, 0), kernel), T32_EXIT_TRAP);
                assert_int_equal(c->trap.cause, sps[i].cause);
                assert_int_equal(c->trap.badvaddr, sps[i].bad);
                assert_int_equal(c->r[T32_REG_SP], sps[i].sp);
                assert_int_equal(c->r[3], 0x33333333u);
                assert_int_equal(c->sr[T32_SR_EPSR], psr);
            }
        }
    guest_free(g);
}

static void test_pushf_shows_the_real_psr(void **state)
{
    (void)state;
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    for (int kernel = 0; kernel <= 1; kernel++) {
        c->r[T32_REG_SP] = GUEST_DATA + 0x10;
        c->psr = T32_PSR_N | T32_PSR_V | IE | (kernel ? K : 0);
        assert_int_equal(guest_step_one(g, NONE(T32_OP_PUSHF), kernel), T32_EXIT_BUDGET);
        assert_int_equal(peek(g, GUEST_DATA + 0xc), c->psr);
        assert_int_equal(peek(g, GUEST_DATA + 0xc) & K, kernel ? K : 0);  /* the leak */
        assert_int_equal(c->r[T32_REG_SP], GUEST_DATA + 0xc);
    }
    guest_free(g);
}

/* popf restores the flags in both modes; IE only in kernel mode; K never. */
static void test_popf_in_both_modes(void **state)
{
    (void)state;
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    for (int kernel = 0; kernel <= 1; kernel++)
        for (uint32_t ie_before = 0; ie_before <= IE; ie_before += IE)
            for (uint32_t popped_ie = 0; popped_ie <= IE; popped_ie += IE) {
                uint32_t popped = T32_PSR_Z | T32_PSR_C | popped_ie | (kernel ? 0 : K) | 0x0ff00f00u;
                poke(g, GUEST_DATA, popped);
                c->r[T32_REG_SP] = GUEST_DATA;
                c->psr = T32_PSR_N | ie_before | (kernel ? K : 0);
                c->pending = 0;
                assert_int_equal(guest_step_one(g, NONE(T32_OP_POPF), kernel), T32_EXIT_BUDGET);
                uint32_t ie_after = kernel ? popped_ie : ie_before;
                assert_int_equal(c->psr, T32_PSR_Z | T32_PSR_C | ie_after | (kernel ? K : 0));
                assert_int_equal(c->r[T32_REG_SP], GUEST_DATA + 4);
            }
    guest_free(g);
}

/* ---- decode traps ------------------------------------------------------------------------------- */

static void test_unknown_opcodes_are_illegal(void **state)
{
    (void)state;
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    int checked = 0;
    for (unsigned op = 0; op < 256; op++) {
        if (t32_ops[op].mnemonic)
            continue;
        for (int kernel = 0; kernel <= 1; kernel++) {
            uint32_t word = (uint32_t)op << 24 | 0x123456u;
            c->r[1] = 0x1111;
            assert_int_equal(guest_step_one(g, word, kernel), T32_EXIT_TRAP);
            assert_int_equal(c->trap.cause, T32_CAUSE_ILLEGAL);  /* even in user mode */
            assert_int_equal(c->trap.epc, GUEST_CODE);
            assert_int_equal(c->trap.insn, word);
            assert_int_equal(c->r[1], 0x1111);
            checked++;
        }
    }
    assert_true(checked > 300);
    /* Zeroed memory is not code. */
    assert_int_equal(guest_step_one(g, 0, true), T32_EXIT_TRAP);
    assert_int_equal(c->trap.cause, T32_CAUSE_ILLEGAL);
    guest_free(g);
}

/* Every privileged instruction of the table traps PRIVILEGED in user mode,
 * before anything else about it is looked at, and changes nothing. */
static void test_privileged_instructions_trap_in_user_mode(void **state)
{
    (void)state;
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    int n = 0;
    for (unsigned op = 0; op < 256; op++) {
        if (!t32_ops[op].mnemonic || t32_ops[op].cls != T32_PRIVILEGED)
            continue;
        for (uint32_t imm = 0; imm <= 0xffff; imm += 0xffff) {   /* bad sysreg too */
            uint32_t word = I(op, 3, 1, imm);
            c->r[1] = 0; c->r[3] = 0x3333;
            c->psr = IE | T32_PSR_Z;
            c->sr[T32_SR_EPSR] = K;
            assert_int_equal(guest_step_one(g, word, false), T32_EXIT_TRAP);
            assert_int_equal(c->trap.cause, T32_CAUSE_PRIVILEGED);
            assert_int_equal(c->sr[T32_SR_EPC], GUEST_CODE);
            assert_int_equal(c->sr[T32_SR_EPSR], IE | T32_PSR_Z);
            assert_int_equal(c->r[3], 0x3333);
            assert_false(c->halted);
            n++;
        }
    }
    assert_int_equal(n, 2 * 10);
    guest_free(g);
}

static void test_unknown_sysreg_is_illegal_in_kernel_mode(void **state)
{
    (void)state;
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    const uint32_t words[] = { I(T32_OP_MFSR, 3, 0, T32_NSYSREGS), I(T32_OP_MTSR, 3, 0, 0xffff) };
    for (int i = 0; i < 2; i++) {
        c->r[3] = 0x3333;
        assert_int_equal(guest_step_one(g, words[i], true), T32_EXIT_TRAP);
        assert_int_equal(c->trap.cause, T32_CAUSE_ILLEGAL);
        assert_int_equal(c->r[3], 0x3333);
    }
    guest_free(g);
}

/* ---- system registers ------------------------------------------------------------------------------ */

static void test_sysregs(void **state)
{
    (void)state;
    guest *g = guest_new_cpus(true, 2);
    t32_cpu *c = g->cpu;
    c->r[1] = 0x12345678u;
    emit(g, I(T32_OP_MTSR, 1, 0, T32_SR_SCRATCH));
    emit(g, I(T32_OP_MFSR, 2, 0, T32_SR_SCRATCH));
    emit(g, I(T32_OP_MTSR, 1, 0, T32_SR_CYCLES));   /* read-only: ignored */
    emit(g, I(T32_OP_MTSR, 1, 0, T32_SR_CPUID));
    emit(g, I(T32_OP_MTSR, 1, 0, T32_SR_IPEND));
    for (int i = 0; i < 3; i++)
        emit(g, R(T32_OP_ADD, 0, 0, 0));            /* nop: now mid-batch */
    emit(g, I(T32_OP_MFSR, 3, 0, T32_SR_CYCLES));   /* the 9th instruction: 8 */
    emit(g, I(T32_OP_MFSR, 4, 0, T32_SR_CPUID));
    emit(g, I(T32_OP_MFSR, 5, 0, T32_SR_IPEND));
    emit(g, I(T32_OP_MTSR, 1, 0, T32_SR_EPSR));     /* a PSR: other bits read 0 */
    emit(g, I(T32_OP_MFSR, 6, 0, T32_SR_EPSR));
    emit(g, NONE(T32_OP_HALT));
    assert_int_equal(guest_run(g, 100), T32_EXIT_HALT);
    assert_int_equal(c->r[2], 0x12345678u);
    assert_int_equal(c->r[3], 8);
    assert_int_equal(c->r[4], 0);
    assert_int_equal(c->r[5], 0);
    assert_int_equal(c->r[6], 0x12345678u & T32_PSR_MASK);
    /* CPU 1 reads its own number. */
    t32_cpu *c1 = &g->m->cpu[1];
    assert_int_equal(t32_run(c1, 10), T32_EXIT_BUDGET);
    assert_int_equal(c1->r[4], 1);
    guest_free(g);
}

/* in/out reach the port bus; the port number is (base + imm) & 0xffff. */
static void test_port_io(void **state)
{
    (void)state;
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    c->r[1] = 0x10000;                                 /* wraps to port 0 */
    c->r[2] = 'k';
    emit(g, I(T32_OP_IN, 3, 1, T32_PORT_MEMSIZE));
    emit(g, I(T32_OP_IN, 4, 0, 0x7777));              /* no such port */
    emit(g, I(T32_OP_OUT, 2, 0, T32_PORT_CON_DATA));
    emit(g, NONE(T32_OP_HALT));
    assert_int_equal(guest_run(g, 100), T32_EXIT_HALT);
    assert_int_equal(c->r[3], GUEST_MEMSIZE);
    assert_int_equal(c->r[4], 0xffffffffu);
    assert_int_equal(g->m->console.outlen, 1);
    assert_int_equal(g->m->console.outbuf[0], 'k');
    guest_free(g);
}

/* ---- trap entry and return ------------------------------------------------------------------------------ */

/* syscall/brk/hcall: the causes and EPCs of ISA.md section 6. */
static void test_trap_instructions(void **state)
{
    (void)state;
    static const struct { unsigned op; t32_cause cause; uint32_t epc; } cases[] = {
        { T32_OP_SYSCALL, T32_CAUSE_SYSCALL, GUEST_CODE + 4 },
        { T32_OP_BRK, T32_CAUSE_BREAKPOINT, GUEST_CODE },
        { T32_OP_HCALL, T32_CAUSE_ILLEGAL, GUEST_CODE },
    };
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    for (int kernel = 0; kernel <= 1; kernel++)
        for (size_t i = 0; i < 3; i++) {
            uint32_t word = I(cases[i].op, 0, 0, 0x42);
            c->sr[T32_SR_BADVADDR] = 0xbad;
            assert_int_equal(guest_step_one(g, word, kernel), T32_EXIT_TRAP);
            assert_int_equal(c->trap.cause, cases[i].cause);
            assert_int_equal(c->trap.epc, cases[i].epc);
            assert_int_equal(c->trap.badvaddr, 0);
            assert_int_equal(c->trap.insn, word);
            assert_int_equal(c->sr[T32_SR_EPC], cases[i].epc);
            assert_int_equal(c->sr[T32_SR_CAUSE], cases[i].cause);
            assert_int_equal(c->sr[T32_SR_BADVADDR], 0xbad);   /* kept */
            assert_int_equal(c->pc, cases[i].epc);  /* host kernel: pc = EPC */
        }
    guest_free(g);
}

/* The native configuration: the entry sequence of ISA.md section 6, then
 * the kernel's handler at TVEC, then rfe back. */
static void test_native_trap_entry_and_rfe(void **state)
{
    (void)state;
    guest *g = guest_new(false);
    t32_cpu *c = g->cpu;
    /* user: syscall ; pushf ; brk          kernel handler at TVEC:
     *   r8 := cause; if cause == SYSCALL { r6++; rfe } else halt */
    c->r[T32_REG_SP] = GUEST_DATA + 0x40;
    emit(g, NONE(T32_OP_SYSCALL));
    emit(g, NONE(T32_OP_PUSHF));
    emit(g, NONE(T32_OP_BRK));
    g->at = GUEST_TVEC;
    emit(g, I(T32_OP_MFSR, 8, 0, T32_SR_CAUSE));
    emit(g, I(T32_OP_MFSR, 9, 0, T32_SR_EPSR));
    emit(g, I(T32_OP_CMPI, 0, 8, T32_CAUSE_SYSCALL));
    emit(g, J(T32_OP_BNE, 3));
    emit(g, I(T32_OP_ADDI, 6, 6, 1));
    emit(g, NONE(T32_OP_RFE));
    emit(g, NONE(T32_OP_HALT));
    c->psr = T32_PSR_V | T32_PSR_C;                   /* user mode, IE = 0 */
    c->sr[T32_SR_BADVADDR] = 0x5555;
    assert_int_equal(guest_run(g, 100), T32_EXIT_HALT);
    assert_int_equal(c->r[6], 1);
    assert_int_equal(c->r[8], T32_CAUSE_BREAKPOINT);
    assert_int_equal(c->r[9], T32_PSR_V | T32_PSR_C);    /* EPSR: the user's PSR */
    assert_int_equal(peek(g, GUEST_DATA + 0x3c), T32_PSR_V | T32_PSR_C);  /* K = 0 */
    assert_int_equal(c->sr[T32_SR_EPC], GUEST_CODE + 8);
    assert_int_equal(c->psr & (K | IE), K);
    assert_int_equal(c->sr[T32_SR_BADVADDR], 0x5555);
    assert_int_equal(c->traps_taken, 2);
    assert_int_equal(c->irqs_taken, 0);
    guest_free(g);
}

static void test_rfe_restores_everything(void **state)
{
    (void)state;
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    c->sr[T32_SR_EPSR] = T32_PSR_N | T32_PSR_Z | IE;   /* user, IE on */
    c->sr[T32_SR_EPC] = 0x4000;
    assert_int_equal(guest_step_one(g, NONE(T32_OP_RFE), true), T32_EXIT_BUDGET);
    assert_int_equal(c->psr, T32_PSR_N | T32_PSR_Z | IE);
    assert_int_equal(c->pc, 0x4000);
    /* t32_rfe is the same operation; stray EPSR bits are not PSR bits. */
    c->sr[T32_SR_EPSR] = 0xffffffffu;
    c->sr[T32_SR_EPC] = 0x5000;
    t32_rfe(c);
    assert_int_equal(c->psr, T32_PSR_MASK);
    assert_int_equal(c->pc, 0x5000);
    guest_free(g);
}

/* The host-kernel configuration: a trap record, pc = EPC, the caller
 * emulates and resumes with t32_rfe. */
static void test_host_kernel_emulation(void **state)
{
    (void)state;
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    emit(g, NONE(T32_OP_CLI));                  /* user mode: traps */
    emit(g, I(T32_OP_ADDI, 2, 0, 9));
    emit(g, NONE(T32_OP_HALT));
    c->psr = IE | T32_PSR_Z;
    assert_int_equal(guest_run(g, 100), T32_EXIT_TRAP);
    assert_int_equal(c->trap.cause, T32_CAUSE_PRIVILEGED);
    assert_int_equal(c->trap.epc, GUEST_CODE);
    assert_int_equal(c->trap.insn, NONE(T32_OP_CLI));
    assert_int_equal(c->pc, GUEST_CODE);
    assert_int_equal(c->psr, K | T32_PSR_Z);            /* entered: K, IE off */
    assert_int_equal(c->sr[T32_SR_EPSR], IE | T32_PSR_Z);
    /* Emulate cli on the saved state, skip it, resume. */
    c->sr[T32_SR_EPSR] &= ~IE;
    c->sr[T32_SR_EPC] += 4;
    t32_rfe(c);
    assert_int_equal(guest_run(g, 100), T32_EXIT_TRAP);  /* the user-mode halt */
    assert_int_equal(c->trap.cause, T32_CAUSE_PRIVILEGED);
    assert_int_equal(c->trap.epc, GUEST_CODE + 8);
    assert_int_equal(c->r[2], 9);
    assert_int_equal(c->sr[T32_SR_EPSR], T32_PSR_Z);
    assert_int_equal(c->traps_taken, 2);
    guest_free(g);
}

/* A handler in place (t32_trap_handler): it emulates `cli` by skipping
 * it, and lets the run go on - but ends the run at the halt. */
typedef struct in_place {
    unsigned calls;
    uint64_t charge;          /* cycles it charges for each cli */
    uint64_t cycles_seen;     /* cpu->cycles at the last call */
    uint32_t psr_seen;        /* the PSR it was called with */
} in_place;

static bool skip_cli(void *ctx, t32_cpu *cpu)
{
    in_place *ip = ctx;
    ip->calls++;
    ip->cycles_seen = cpu->cycles;
    ip->psr_seen = cpu->psr;
    if (cpu->trap.insn != NONE(T32_OP_CLI))
        return false;               /* the halt: for the caller */
    cpu->sr[T32_SR_EPSR] &= ~IE;
    cpu->sr[T32_SR_EPC] += 4;
    t32_rfe(cpu);
    cpu->cycles += ip->charge;
    return true;
}

static void test_trap_handler_in_place(void **state)
{
    (void)state;
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    in_place ip = {0};
    c->on_trap = skip_cli;
    c->on_trap_ctx = &ip;
    emit(g, I(T32_OP_ADDI, 1, 0, 5));
    emit(g, NONE(T32_OP_CLI));                   /* user mode: traps, handled */
    emit(g, I(T32_OP_ADDI, 2, 0, 9));            /* ... and the run goes on */
    emit(g, NONE(T32_OP_CLI));
    emit(g, NONE(T32_OP_HALT));                  /* traps, left to the caller */
    c->psr = IE | T32_PSR_Z;
    assert_int_equal(guest_run(g, 100), T32_EXIT_TRAP);
    assert_int_equal(ip.calls, 3);
    assert_int_equal(ip.psr_seen, K | T32_PSR_Z);     /* called after the entry */
    assert_int_equal(ip.cycles_seen, 5);              /* the trap's cycle counted */
    assert_int_equal(c->r[1], 5);
    assert_int_equal(c->r[2], 9);
    assert_int_equal(c->trap.epc, GUEST_CODE + 16);
    assert_int_equal(c->pc, GUEST_CODE + 16);         /* pc = EPC, entered once */
    assert_int_equal(c->sr[T32_SR_EPSR], T32_PSR_Z);  /* the cli's effect */
    assert_int_equal(c->psr, K | T32_PSR_Z);
    assert_int_equal(c->traps_taken, 3);
    assert_int_equal(c->cycles, 5);
    assert_int_equal(c->retired, 5);

    /* The budget is the run's, exits or not: 2 cycles end at the addi
     * after the first cli. */
    t32_cpu_reset(c);
    assert_ptr_equal(c->on_trap, skip_cli);          /* configuration, kept */
    c->pc = GUEST_CODE;
    c->psr = IE;
    assert_int_equal(guest_run(g, 2), T32_EXIT_BUDGET);
    assert_int_equal(c->pc, GUEST_CODE + 8);
    assert_int_equal(c->psr, 0);                     /* back in user mode, IE off */
    assert_int_equal(c->cycles, 2);
    assert_int_equal(guest_run(g, 1), T32_EXIT_BUDGET);
    assert_int_equal(c->r[2], 9);

    /* Time it charges counts against the budget, not as instructions:
     * 3 cycles charged at the first cli, so a budget of 5 ends right
     * after it, before the addi. */
    t32_cpu_reset(c);
    c->pc = GUEST_CODE;
    c->psr = IE;
    c->r[2] = 0;
    ip.charge = 3;
    assert_int_equal(guest_run(g, 5), T32_EXIT_BUDGET);
    assert_int_equal(c->pc, GUEST_CODE + 8);
    assert_int_equal(c->r[2], 0);
    assert_int_equal(c->cycles, 5);
    assert_int_equal(c->retired, 2);
    /* Charged past the budget: the run ends, the time is all counted. */
    ip.charge = 50;
    assert_int_equal(guest_run(g, 3), T32_EXIT_BUDGET);
    assert_int_equal(c->pc, GUEST_CODE + 16);          /* the addi, the second cli */
    assert_int_equal(c->r[2], 9);
    assert_int_equal(c->cycles, 5 + 2 + 50);
    assert_int_equal(c->retired, 4);
    guest_free(g);
}

/* A handler that arms the timer and goes on: the interrupt still comes at
 * its cycle, not at the end of a batch sized before the timer was set. */
static bool cli_arms_timer(void *ctx, t32_cpu *cpu)
{
    (void)ctx;
    cpu->sr[T32_SR_EPC] += 4;          /* skipped, IE left on */
    t32_sysreg_write(cpu, T32_SR_TIMER, 2);
    t32_rfe(cpu);
    return true;
}

static void test_trap_handler_arms_timer(void **state)
{
    (void)state;
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    c->on_trap = cli_arms_timer;
    emit(g, NONE(T32_OP_CLI));
    for (int i = 0; i < 60; i++)
        emit(g, I(T32_OP_ADDI, 1, 1, 1));
    c->psr = IE;
    assert_int_equal(guest_run(g, 100), T32_EXIT_TRAP);   /* the timer's interrupt */
    assert_int_equal(c->trap.cause, T32_IRQ_BASE + T32_IRQ_TIMER);
    assert_int_equal(c->cycles, 3);
    assert_int_equal(c->r[1], 2);
    guest_free(g);
}

static void test_halt(void **state)
{
    (void)state;
    guest *g = guest_new(false);
    t32_cpu *c = g->cpu;
    emit(g, NONE(T32_OP_HALT));
    assert_int_equal(guest_run(g, 100), T32_EXIT_HALT);
    assert_true(c->halted);
    assert_int_equal(c->pc, GUEST_CODE + 4);
    assert_int_equal(c->cycles, 1);
    assert_int_equal(guest_run(g, 100), T32_EXIT_HALT);  /* stays stopped */
    assert_int_equal(c->cycles, 1);
    guest_free(g);
}

static void test_reset(void **state)
{
    (void)state;
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    for (int i = 0; i < T32_NREGS; i++)
        c->r[i] = 0x1111u * (uint32_t)i;
    for (int i = 0; i < T32_NSYSREGS; i++)
        c->sr[i] = 0xffffu;
    c->psr = IE | T32_PSR_N;
    c->cycles = 99;
    c->pending = 1;
    c->halted = true;
    c->tlb[1][3].vpage = 4;
    t32_cpu_reset(c);
    for (int i = 0; i < T32_NREGS; i++)
        assert_int_equal(c->r[i], 0);
    for (int i = 0; i < T32_NSYSREGS; i++)
        assert_int_equal(c->sr[i], 0);
    assert_int_equal(c->psr, K);
    assert_int_equal(c->cycles, 0);
    assert_int_equal(c->pending, 0);
    assert_false(c->halted);
    assert_int_equal(c->tlb[1][3].vpage, 0);
    assert_true(c->host_kernel);                 /* configuration, kept */
    guest_free(g);
}

/* ---- interrupts ------------------------------------------------------------------------------------ */

/* kernel, IE = 1: mtsr timer, r1 ; then addi r2, r2, 1 forever. */
static guest *timer_program(uint32_t interval, bool ie)
{
    guest *g = guest_new(true);
    g->cpu->r[1] = interval;
    g->cpu->psr = K | (ie ? IE : 0);
    emit(g, I(T32_OP_MTSR, 1, 0, T32_SR_TIMER));
    for (int i = 0; i < 400; i++)
        emit(g, I(T32_OP_ADDI, 2, 2, 1));
    emit(g, J(T32_OP_B, 0));
    return g;
}

/* Interval N: the interrupt is taken before exactly the N-th instruction
 * after the mtsr that armed it, whatever the budget slices are. */
static void test_timer_fires_before_nth_instruction(void **state)
{
    (void)state;
    const uint32_t intervals[] = { 1, 2, 3, 10, 100, 399 };
    for (size_t i = 0; i < sizeof intervals / sizeof intervals[0]; i++)
        for (int sliced = 0; sliced <= 1; sliced++) {
            uint32_t n = intervals[i];
            guest *g = timer_program(n, true);
            t32_cpu *c = g->cpu;
            t32_exit why;
            do
                why = guest_run(g, sliced ? 1 + c->cycles % 3 : 10000);
            while (why == T32_EXIT_BUDGET);
            assert_int_equal(why, T32_EXIT_TRAP);
            assert_int_equal(c->trap.cause, T32_CAUSE_IRQ_TIMER);
            assert_int_equal(c->trap.epc, GUEST_CODE + 4 * n);   /* the N-th after mtsr */
            assert_int_equal(c->r[2], n - 1);
            assert_int_equal(c->cycles, n);                      /* entry is free */
            assert_int_equal(c->irqs_taken, 1);
            assert_int_equal(c->sr[T32_SR_EPSR], K | IE);
            assert_int_equal(c->pending & 1, 0);                 /* taken: cleared */
            guest_free(g);
        }
}

/* A run whose budget ends exactly where the interrupt is due stops before
 * taking it; the next run takes it before anything else. */
static void test_budget_ends_at_interrupt_boundary(void **state)
{
    (void)state;
    guest *g = timer_program(20, true);
    t32_cpu *c = g->cpu;
    assert_int_equal(guest_run(g, 20), T32_EXIT_BUDGET);
    assert_int_equal(c->pc, GUEST_CODE + 4 * 20);
    assert_int_equal(c->irqs_taken, 0);
    assert_int_equal(guest_run(g, 20), T32_EXIT_TRAP);
    assert_int_equal(c->trap.cause, T32_CAUSE_IRQ_TIMER);
    assert_int_equal(c->trap.epc, GUEST_CODE + 4 * 20);
    assert_int_equal(c->cycles, 20);
    guest_free(g);
}

/* The timer is periodic: every N cycles from the write. */
static void test_timer_is_periodic(void **state)
{
    (void)state;
    guest *g = timer_program(37, true);
    t32_cpu *c = g->cpu;
    for (uint64_t k = 1; k <= 5; k++) {
        assert_int_equal(guest_run(g, 1000), T32_EXIT_TRAP);
        assert_int_equal(c->trap.cause, T32_CAUSE_IRQ_TIMER);
        assert_int_equal(c->cycles, 37 * k);
        t32_rfe(c);
    }
    guest_free(g);
}

/* With IE = 0 the line waits (ipend shows it); sti makes it taken at the
 * very next boundary. */
static void test_masked_timer_then_sti(void **state)
{
    (void)state;
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    c->r[1] = 3;
    emit(g, I(T32_OP_MTSR, 1, 0, T32_SR_TIMER));
    for (int i = 0; i < 10; i++)
        emit(g, I(T32_OP_ADDI, 2, 2, 1));
    emit(g, I(T32_OP_MFSR, 5, 0, T32_SR_IPEND));
    emit(g, NONE(T32_OP_STI));
    emit(g, I(T32_OP_ADDI, 3, 3, 1));
    assert_int_equal(guest_run(g, 1000), T32_EXIT_TRAP);
    assert_int_equal(c->trap.cause, T32_CAUSE_IRQ_TIMER);
    assert_int_equal(c->r[2], 10);
    assert_int_equal(c->r[5], 1u << T32_IRQ_TIMER);
    assert_int_equal(c->trap.epc, GUEST_CODE + 4 * 13);   /* right after sti */
    assert_int_equal(c->r[3], 0);
    guest_free(g);
}

/* rfe and kernel popf that set IE also take a pending interrupt before the
 * next instruction.  (Interval 3: pending from cycle 3, next deadline at 6,
 * so only the rule itself can stop the instruction at cycle 5.) */
static void test_rfe_and_popf_take_pending_interrupts(void **state)
{
    (void)state;
    for (int use_popf = 0; use_popf <= 1; use_popf++) {
        guest *g = guest_new(true);
        t32_cpu *c = g->cpu;
        c->r[1] = 3;
        c->r[T32_REG_SP] = GUEST_DATA;
        poke(g, GUEST_DATA, K | IE);
        c->sr[T32_SR_EPSR] = K | IE;
        c->sr[T32_SR_EPC] = 0x3000;
        poke(g, 0x3000, I(T32_OP_ADDI, 4, 4, 1));
        emit(g, I(T32_OP_MTSR, 1, 0, T32_SR_TIMER));   /* pending at cycle 3 */
        for (int i = 0; i < 3; i++)
            emit(g, I(T32_OP_ADDI, 2, 2, 1));
        emit(g, use_popf ? NONE(T32_OP_POPF) : NONE(T32_OP_RFE));   /* cycle 4 */
        emit(g, I(T32_OP_ADDI, 3, 3, 1));
        assert_int_equal(guest_run(g, 1000), T32_EXIT_TRAP);
        assert_int_equal(c->trap.cause, T32_CAUSE_IRQ_TIMER);
        assert_int_equal(c->trap.epc, use_popf ? GUEST_CODE + 20 : 0x3000);
        assert_int_equal(c->cycles, 5);
        assert_int_equal(c->r[2], 3);
        assert_int_equal(c->r[3] + c->r[4], 0);
        guest_free(g);
    }
}

/* Writing timer clears a pending timer interrupt; so does taking it. */
static void test_timer_write_clears_pending(void **state)
{
    (void)state;
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    c->r[1] = 2;
    emit(g, I(T32_OP_MTSR, 1, 0, T32_SR_TIMER));
    emit(g, I(T32_OP_ADDI, 2, 2, 1));
    emit(g, I(T32_OP_ADDI, 2, 2, 1));
    emit(g, I(T32_OP_MFSR, 5, 0, T32_SR_IPEND));      /* 1: pending */
    emit(g, I(T32_OP_MTSR, 0, 0, T32_SR_TIMER));      /* timer off */
    emit(g, I(T32_OP_MFSR, 6, 0, T32_SR_IPEND));      /* 0 */
    emit(g, NONE(T32_OP_STI));
    emit(g, NONE(T32_OP_HALT));
    assert_int_equal(guest_run(g, 1000), T32_EXIT_HALT);
    assert_int_equal(c->r[5], 1);
    assert_int_equal(c->r[6], 0);
    assert_int_equal(c->irqs_taken, 0);
    guest_free(g);
}

/* A pending enabled interrupt beats whatever the next instruction would
 * have raised (priority 1 of ISA.md section 6). */
static void test_interrupt_beats_instruction_trap(void **state)
{
    (void)state;
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    c->r[1] = 1;
    c->psr = K | IE;
    emit(g, I(T32_OP_MTSR, 1, 0, T32_SR_TIMER));
    emit(g, 0xff000000u);                              /* illegal */
    assert_int_equal(guest_run(g, 10), T32_EXIT_TRAP);
    assert_int_equal(c->trap.cause, T32_CAUSE_IRQ_TIMER);
    assert_int_equal(c->trap.epc, GUEST_CODE + 4);
    t32_rfe(c);
    t32_sysreg_write(c, T32_SR_TIMER, 0);
    assert_int_equal(guest_run(g, 10), T32_EXIT_TRAP);
    assert_int_equal(c->trap.cause, T32_CAUSE_ILLEGAL);
    guest_free(g);
}

/* Console input raises line 1 while a byte is ready and RXIE is set; the
 * interrupt comes right after the out that enabled it. */
static void test_console_interrupt(void **state)
{
    (void)state;
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    t32_console_set_input(&g->m->console, "x", 1);
    c->psr = T32_PSR_K | IE;
    c->r[1] = 1;
    emit(g, I(T32_OP_ADDI, 2, 2, 1));
    emit(g, I(T32_OP_IN, 3, 0, T32_PORT_CON_STATUS));
    emit(g, I(T32_OP_OUT, 1, 0, T32_PORT_CON_CTRL));
    emit(g, I(T32_OP_ADDI, 2, 2, 1));
    assert_int_equal(guest_run(g, 100), T32_EXIT_TRAP);
    assert_int_equal(c->trap.cause, T32_CAUSE_IRQ_CONSOLE);
    assert_int_equal(c->trap.epc, GUEST_CODE + 12);
    assert_int_equal(c->r[3] & T32_CON_RXREADY, T32_CON_RXREADY);
    assert_int_equal(c->r[2], 1);
    /* Reading the byte drops the line: the handler's rfe returns for good. */
    c->sr[T32_SR_EPC] = GUEST_CODE + 12;
    poke(g, 0x3000, I(T32_OP_IN, 4, 0, T32_PORT_CON_DATA));
    poke(g, 0x3004, NONE(T32_OP_RFE));
    c->pc = 0x3000;
    assert_int_equal(guest_run(g, 3), T32_EXIT_BUDGET);
    assert_int_equal(c->r[4], 'x');
    assert_int_equal(c->r[2], 2);
    assert_int_equal(c->irqs_taken, 1);
    guest_free(g);
}

/* Start a one-sector disk read with interrupts on: line 2 goes up
 * 200 + 50 cycles after the DISK_CMD write. */
static void emit_disk_read(guest *g)
{
    g->cpu->r[7] = 1;
    g->cpu->r[8] = GUEST_DATA;
    emit(g, I(T32_OP_OUT, 7, 0, T32_PORT_DISK_CTRL));
    emit(g, I(T32_OP_OUT, 7, 0, T32_PORT_DISK_COUNT));
    emit(g, I(T32_OP_OUT, 8, 0, T32_PORT_DISK_ADDR));
    emit(g, I(T32_OP_OUT, 7, 0, T32_PORT_DISK_CMD));   /* the 4th instruction */
}

/* Lines are taken lowest first; device lines are levels, so the disk stays
 * pending after the timer is taken. */
static void test_lowest_line_first(void **state)
{
    (void)state;
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    uint8_t sector[T32_SECTOR_SIZE] = { 0x5a };
    t32_disk_init_mem(&g->m->disk, sector, sizeof sector);
    emit_disk_read(g);
    c->r[1] = 400;
    emit(g, I(T32_OP_MTSR, 1, 0, T32_SR_TIMER));
    uint32_t loop = g->at;
    emit(g, I(T32_OP_MFSR, 5, 0, T32_SR_IPEND));
    emit(g, I(T32_OP_ANDI, 5, 5, 5));
    emit(g, I(T32_OP_CMPI, 0, 5, 5));
    emit(g, J(T32_OP_BNE, guest_offset_to(g, loop)));
    emit(g, NONE(T32_OP_STI));
    assert_int_equal(guest_run(g, 10000), T32_EXIT_TRAP);
    assert_int_equal(c->trap.cause, T32_CAUSE_IRQ_TIMER);
    t32_rfe(c);
    assert_int_equal(guest_run(g, 10000), T32_EXIT_TRAP);
    assert_int_equal(c->trap.cause, T32_CAUSE_IRQ_DISK);
    assert_int_equal(c->trap.epc, g->at);
    assert_int_equal(peek(g, GUEST_DATA) & 0xff, 0x5a);
    guest_free(g);
}

/* The disk interrupt arrives at exactly the cycle the spec gives, and only
 * on CPU 0. */
static void test_disk_interrupt_timing_and_cpu0_only(void **state)
{
    (void)state;
    guest *g = guest_new_cpus(true, 2);
    t32_cpu *c = g->cpu;
    uint8_t sector[T32_SECTOR_SIZE] = { 0 };
    t32_disk_init_mem(&g->m->disk, sector, sizeof sector);
    c->psr = K | IE;
    emit_disk_read(g);
    uint32_t loop = g->at;
    emit(g, I(T32_OP_ADDI, 2, 2, 1));
    emit(g, J(T32_OP_B, guest_offset_to(g, loop)));
    assert_int_equal(guest_run(g, 100000), T32_EXIT_TRAP);
    assert_int_equal(c->trap.cause, T32_CAUSE_IRQ_DISK);
    assert_int_equal(c->cycles, 3 + 200 + 50);          /* the DISK_CMD out at cycle 3 */
    /* CPU 1 runs with IE = 1 while line 2 is up: nothing for it. */
    t32_cpu *c1 = &g->m->cpu[1];
    c1->psr = K | IE;
    c1->pc = loop;
    c1->pending = 1u << T32_IRQ_DISK;          /* stale, as a bad snapshot may say */
    assert_int_equal(t32_run(c1, 50), T32_EXIT_BUDGET);
    assert_int_equal(c1->irqs_taken, 0);
    poke(g, 0x3000, I(T32_OP_MFSR, 5, 0, T32_SR_IPEND));
    c1->pc = 0x3000;
    t32_run(c1, 1);
    assert_int_equal(c1->r[5], 0);
    guest_free(g);
}

/* ---- wfi --------------------------------------------------------------------------------------- */

/* wfi idles until the timer line is up and then goes on (IE = 0): the time
 * passes in one step, however long. */
static void test_wfi_waits_for_the_timer(void **state)
{
    (void)state;
    const uint32_t intervals[] = { 1, 2, 50, 2000000000u };
    for (size_t i = 0; i < sizeof intervals / sizeof intervals[0]; i++) {
        uint32_t n = intervals[i];
        guest *g = guest_new(false);
        t32_cpu *c = g->cpu;
        c->r[1] = n;
        emit(g, I(T32_OP_MTSR, 1, 0, T32_SR_TIMER));   /* cycle 0: deadline n */
        emit(g, NONE(T32_OP_WFI));                     /* cycle 1 */
        emit(g, I(T32_OP_MFSR, 2, 0, T32_SR_CYCLES));
        emit(g, NONE(T32_OP_HALT));
        assert_int_equal(guest_run(g, UINT64_MAX), T32_EXIT_HALT);
        uint64_t woke = n > 2 ? n : 2;                 /* wfi itself takes a cycle */
        assert_int_equal(c->r[2], (uint32_t)woke);
        assert_int_equal(c->cycles, woke + 2);
        assert_int_equal(c->retired, 4);
        guest_free(g);
    }
}

/* With IE = 1 the interrupt is taken after the wfi: EPC points past it. */
static void test_wfi_then_interrupt(void **state)
{
    (void)state;
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    c->r[1] = 100;
    c->psr = K | IE;
    emit(g, I(T32_OP_MTSR, 1, 0, T32_SR_TIMER));
    emit(g, NONE(T32_OP_WFI));
    assert_int_equal(guest_run(g, 1000), T32_EXIT_TRAP);
    assert_int_equal(c->trap.cause, T32_CAUSE_IRQ_TIMER);
    assert_int_equal(c->trap.epc, GUEST_CODE + 8);
    assert_int_equal(c->cycles, 100);
    guest_free(g);
}

/* A wait split over many budget slices ends at the same cycle. */
static void test_wfi_split_by_budget(void **state)
{
    (void)state;
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    c->r[1] = 1000;
    c->psr = K | IE;
    emit(g, I(T32_OP_MTSR, 1, 0, T32_SR_TIMER));
    emit(g, NONE(T32_OP_WFI));
    t32_exit why;
    int runs = 0;
    do {
        why = guest_run(g, 77);
        runs++;
        if (why == T32_EXIT_BUDGET && c->cycles > 1)
            assert_int_equal(c->pc, GUEST_CODE + 4);    /* still in the wfi */
    } while (why == T32_EXIT_BUDGET);
    assert_int_equal(why, T32_EXIT_TRAP);
    assert_int_equal(c->trap.epc, GUEST_CODE + 8);
    assert_int_equal(c->cycles, 1000);
    assert_int_equal(runs, 13);                /* 12 full slices, the trap in the 13th */
    guest_free(g);
}

/* A line already pending makes wfi a one-cycle no-op, whatever IE says.
 * (Interval 3: pending from cycle 3, the next deadline is 6.) */
static void test_wfi_with_line_pending(void **state)
{
    (void)state;
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    c->r[1] = 3;
    emit(g, I(T32_OP_MTSR, 1, 0, T32_SR_TIMER));
    for (int i = 0; i < 3; i++)
        emit(g, I(T32_OP_ADDI, 2, 2, 1));
    emit(g, NONE(T32_OP_WFI));                         /* cycle 4 */
    emit(g, NONE(T32_OP_HALT));                        /* cycle 5 */
    assert_int_equal(guest_run(g, 1000), T32_EXIT_HALT);
    assert_int_equal(c->cycles, 6);
    guest_free(g);
}

/* Nothing can ever wake it: IDLE, pc at the wfi, no time spent. */
static void test_wfi_idle(void **state)
{
    (void)state;
    guest *g = guest_new(false);
    t32_cpu *c = g->cpu;
    c->psr = K | IE;
    emit(g, I(T32_OP_ADDI, 2, 2, 1));
    emit(g, NONE(T32_OP_WFI));
    assert_int_equal(guest_run(g, 1000), T32_EXIT_IDLE);
    assert_int_equal(c->pc, GUEST_CODE + 4);
    assert_int_equal(c->cycles, 1);
    guest_free(g);
}

/* A disk completion wakes wfi at exactly its cycle. */
static void test_wfi_woken_by_disk(void **state)
{
    (void)state;
    guest *g = guest_new(false);
    t32_cpu *c = g->cpu;
    uint8_t sector[T32_SECTOR_SIZE] = { 0 };
    t32_disk_init_mem(&g->m->disk, sector, sizeof sector);
    emit_disk_read(g);
    emit(g, NONE(T32_OP_WFI));
    emit(g, NONE(T32_OP_HALT));
    assert_int_equal(guest_run(g, 100000), T32_EXIT_HALT);
    assert_int_equal(c->cycles, 3 + 250 + 1);
    guest_free(g);
}

/* ---- the budget --------------------------------------------------------------------------- */

/* A program that does a bit of everything: loads and stores, a native
 * syscall handler, timer interrupts every 7 cycles, a stack. */
static guest *busy_program(void)
{
    guest *g = guest_new(false);
    t32_cpu *c = g->cpu;
    c->r[1] = 7;
    c->r[T32_REG_SP] = GUEST_DATA + 0x1000;
    emit(g, I(T32_OP_MTSR, 1, 0, T32_SR_TIMER));
    emit(g, NONE(T32_OP_STI));
    uint32_t loop = g->at;
    emit(g, I(T32_OP_LDW, 3, 0, GUEST_DATA));
    emit(g, I(T32_OP_ADDI, 3, 3, 3));
    emit(g, I(T32_OP_STW, 3, 0, GUEST_DATA));
    emit(g, I(T32_OP_PUSH, 3, 0, 0));
    emit(g, NONE(T32_OP_SYSCALL));
    emit(g, I(T32_OP_POP, 4, 0, 0));
    emit(g, J(T32_OP_B, guest_offset_to(g, loop)));
    /* handler: count causes in r9 (syscalls) and r10 (interrupts) */
    g->at = GUEST_TVEC;
    emit(g, I(T32_OP_MFSR, 8, 0, T32_SR_CAUSE));
    emit(g, I(T32_OP_CMPI, 0, 8, T32_CAUSE_SYSCALL));
    emit(g, J(T32_OP_BEQ, 3));
    emit(g, I(T32_OP_ADDI, 10, 10, 1));
    emit(g, NONE(T32_OP_RFE));
    emit(g, I(T32_OP_ADDI, 9, 9, 1));
    emit(g, NONE(T32_OP_RFE));
    return g;
}

static void assert_same_state(const guest *a, const guest *b)
{
    assert_memory_equal(a->cpu->r, b->cpu->r, sizeof a->cpu->r);
    assert_memory_equal(a->cpu->sr, b->cpu->sr, sizeof a->cpu->sr);
    assert_int_equal(a->cpu->pc, b->cpu->pc);
    assert_int_equal(a->cpu->psr, b->cpu->psr);
    assert_int_equal(a->cpu->cycles, b->cpu->cycles);
    assert_int_equal(a->cpu->retired, b->cpu->retired);
    assert_int_equal(a->cpu->traps_taken, b->cpu->traps_taken);
    assert_int_equal(peek(a, GUEST_DATA), peek(b, GUEST_DATA));
}

/* t32_run(budget) stops after exactly `budget` cycles, and any split of a
 * run into slices reaches the same state as one run. */
static void test_budget_is_exact(void **state)
{
    (void)state;
    guest *whole = busy_program();
    guest *sliced = busy_program();
    uint32_t seed = 12345;
    for (uint64_t k = 0; k < 300; k++) {
        uint64_t before = whole->cpu->cycles;
        assert_int_equal(guest_run(whole, k), T32_EXIT_BUDGET);
        assert_int_equal(whole->cpu->cycles, before + k);
        uint64_t done = 0;
        while (done < k) {
            seed = seed * 1103515245u + 12345u;        /* deterministic slices */
            uint64_t slice = 1 + (seed >> 16) % 5;
            if (slice > k - done)
                slice = k - done;
            assert_int_equal(guest_run(sliced, slice), T32_EXIT_BUDGET);
            done += slice;
        }
        assert_same_state(whole, sliced);
    }
    assert_true(whole->cpu->r[9] > 100);          /* syscalls happened */
    assert_true(whole->cpu->r[10] > 100);         /* and interrupts */
    assert_int_equal(guest_run(whole, 0), T32_EXIT_BUDGET);
    guest_free(whole);
    guest_free(sliced);
}

/* ---- random programs ---------------------------------------------------------------------- */

#define RANDOM_CYCLES 20000u

/* Run a random guest for RANDOM_CYCLES, in one run per trap or (sliced)
 * in random slices, checking the invariants after every run. */
static t32_exit run_random(guest *g, uint32_t seed, bool sliced)
{
    t32_cpu *c = g->cpu;
    uint32_t kernel_seed = seed, slice_seed = ~seed;
    t32_exit why = T32_EXIT_BUDGET;
    while (c->cycles < RANDOM_CYCLES) {
        uint64_t before = c->cycles, budget = RANDOM_CYCLES - before;
        uint64_t slice = 1 + guest_random(&slice_seed) % 50;
        if (sliced && budget > slice)
            budget = slice;
        why = guest_run(g, budget);
        assert_int_equal(c->r[0], 0);
        assert_int_equal(c->psr & ~T32_PSR_MASK, 0);
        assert_true(c->cycles - before <= budget);
        assert_true(c->retired <= c->cycles);
        if (why == T32_EXIT_BUDGET)
            assert_int_equal(c->cycles - before, budget);
        else if (why == T32_EXIT_TRAP)
            guest_random_resume(c, &kernel_seed);
        else
            break;                               /* halt or idle: the end */
    }
    return why;
}

/* Random code never breaks the machine's invariants (and, under the
 * sanitizers, never makes the interpreter touch memory it should not); and
 * running it in one go or in random slices gives the same machine. */
static void test_random_programs(void **state)
{
    (void)state;
    uint64_t traps = 0, irqs = 0;
    for (uint32_t seed = 1; seed <= 100; seed++) {
        guest *whole = guest_new_random(seed, 1), *sliced = guest_new_random(seed, 1);
        t32_exit why = run_random(whole, seed, false);
        assert_int_equal(run_random(sliced, seed, true), why);
        assert_same_state(whole, sliced);
        assert_memory_equal(whole->m->mem, sliced->m->mem, GUEST_MEMSIZE);
        traps += whole->cpu->traps_taken;
        irqs += whole->cpu->irqs_taken;
        guest_free(whole);
        guest_free(sliced);
    }
    assert_true(traps > 5000);           /* the runs did go places */
    assert_true(irqs > 200);
}

/* ---- breakpoints ----------------------------------------------------------------------------- */

static void test_breakpoints(void **state)
{
    (void)state;
    guest *g = guest_new(false);
    t32_cpu *c = g->cpu;
    c->r[1] = 3;
    uint32_t loop = g->at;
    emit(g, I(T32_OP_ADDI, 2, 2, 1));
    uint32_t bp = g->at;
    emit(g, I(T32_OP_ADDI, 1, 1, -1));
    emit(g, I(T32_OP_BNZ, 1, 0, guest_offset_to(g, loop)));
    emit(g, NONE(T32_OP_HALT));
    assert_true(t32_break_set(c, bp));
    assert_true(t32_break_set(c, bp));              /* twice is once */
    for (uint32_t i = 1; i <= 3; i++) {
        assert_int_equal(guest_run(g, 1000), T32_EXIT_BREAKPOINT);
        assert_int_equal(c->pc, bp);
        assert_int_equal(c->r[2], i);                /* stopped before the bp insn */
        assert_int_equal(c->r[1], 4 - i);
    }
    assert_true(t32_break_clear(c, bp));
    assert_false(t32_break_clear(c, bp));
    assert_int_equal(guest_run(g, 1000), T32_EXIT_HALT);
    assert_int_equal(c->r[2], 3);
    /* A breakpoint on the first instruction of a run does not stop it. */
    t32_cpu_reset(c);
    c->pc = loop;
    c->r[1] = 2;
    assert_true(t32_break_set(c, loop));
    assert_int_equal(guest_run(g, 1000), T32_EXIT_BREAKPOINT);
    assert_int_equal(c->r[2], 1);
    assert_int_equal(c->cycles, 3);
    guest_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alu_register_ops),
        cmocka_unit_test(test_alu_immediate_ops),
        cmocka_unit_test(test_division_edges),
        cmocka_unit_test(test_r0_is_zero),
        cmocka_unit_test(test_cmp_flags),
        cmocka_unit_test(test_tst_flags),
        cmocka_unit_test(test_conditional_branches),
        cmocka_unit_test(test_branch_offsets_and_links),
        cmocka_unit_test(test_unaligned_jump_traps_at_fetch),
        cmocka_unit_test(test_loads_extend_and_are_little_endian),
        cmocka_unit_test(test_stores_write_only_their_bytes),
        cmocka_unit_test(test_misaligned_and_bus_errors),
        cmocka_unit_test(test_push_pop),
        cmocka_unit_test(test_stack_faults_are_precise),
        cmocka_unit_test(test_pushf_shows_the_real_psr),
        cmocka_unit_test(test_popf_in_both_modes),
        cmocka_unit_test(test_unknown_opcodes_are_illegal),
        cmocka_unit_test(test_privileged_instructions_trap_in_user_mode),
        cmocka_unit_test(test_unknown_sysreg_is_illegal_in_kernel_mode),
        cmocka_unit_test(test_sysregs),
        cmocka_unit_test(test_port_io),
        cmocka_unit_test(test_trap_instructions),
        cmocka_unit_test(test_native_trap_entry_and_rfe),
        cmocka_unit_test(test_rfe_restores_everything),
        cmocka_unit_test(test_host_kernel_emulation),
        cmocka_unit_test(test_trap_handler_in_place),
        cmocka_unit_test(test_trap_handler_arms_timer),
        cmocka_unit_test(test_halt),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_timer_fires_before_nth_instruction),
        cmocka_unit_test(test_budget_ends_at_interrupt_boundary),
        cmocka_unit_test(test_timer_is_periodic),
        cmocka_unit_test(test_masked_timer_then_sti),
        cmocka_unit_test(test_rfe_and_popf_take_pending_interrupts),
        cmocka_unit_test(test_timer_write_clears_pending),
        cmocka_unit_test(test_interrupt_beats_instruction_trap),
        cmocka_unit_test(test_console_interrupt),
        cmocka_unit_test(test_lowest_line_first),
        cmocka_unit_test(test_disk_interrupt_timing_and_cpu0_only),
        cmocka_unit_test(test_wfi_waits_for_the_timer),
        cmocka_unit_test(test_wfi_then_interrupt),
        cmocka_unit_test(test_wfi_split_by_budget),
        cmocka_unit_test(test_wfi_with_line_pending),
        cmocka_unit_test(test_wfi_idle),
        cmocka_unit_test(test_wfi_woken_by_disk),
        cmocka_unit_test(test_budget_is_exact),
        cmocka_unit_test(test_random_programs),
        cmocka_unit_test(test_breakpoints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
