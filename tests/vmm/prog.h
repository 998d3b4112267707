/*
 * prog.h - a tiny in-memory assembler for the VMM's unit tests: T32 words
 * written straight into a RAM image, a kernel prologue and a trap handler
 * that records what trapped.
 *
 * The including file defines RAM, KCODE (where the prologue goes),
 * HANDLER (the trap vector), UCODE (where user code goes), STACK, and
 * `static uint8_t ram[RAM]` before including this, and includes cmocka
 * first.
 */
#ifndef TESTS_VMM_PROG_H
#define TESTS_VMM_PROG_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "t32.h"

typedef struct prog { uint32_t pc; } prog;

/* A little-endian word at `a`. */
static inline void poke(uint32_t a, uint32_t w)
{
    ram[a] = (uint8_t)w;
    ram[a + 1] = (uint8_t)(w >> 8);
    ram[a + 2] = (uint8_t)(w >> 16);
    ram[a + 3] = (uint8_t)(w >> 24);
}

static inline void emit(prog *p, uint32_t w)
{
    assert_true(p->pc + 4 <= RAM);
    poke(p->pc, w);
    p->pc += 4;
}

static inline void li(prog *p, unsigned rd, uint32_t v)
{
    emit(p, T32_ENC_I(T32_OP_LUI, rd, 0, v >> 16));
    emit(p, T32_ENC_I(T32_OP_ORI, rd, rd, v & 0xffffu));
}

static inline void op0(prog *p, unsigned op) { emit(p, T32_ENC_R(op, 0, 0, 0)); }
static inline void mfsr(prog *p, unsigned rd, unsigned sr) { emit(p, T32_ENC_I(T32_OP_MFSR, rd, 0, sr)); }
static inline void mtsr(prog *p, unsigned sr, unsigned rs) { emit(p, T32_ENC_I(T32_OP_MTSR, rs, 0, sr)); }
static inline void addi(prog *p, unsigned rd, unsigned rs, uint32_t imm)
{
    emit(p, T32_ENC_I(T32_OP_ADDI, rd, rs, imm));
}
static inline void ldw(prog *p, unsigned rd, unsigned base, uint32_t imm)
{
    emit(p, T32_ENC_I(T32_OP_LDW, rd, base, imm));
}
static inline void stw(prog *p, unsigned rs, unsigned base, uint32_t imm)
{
    emit(p, T32_ENC_I(T32_OP_STW, rs, base, imm));
}
static inline void in(prog *p, unsigned rd, uint32_t port) { emit(p, T32_ENC_I(T32_OP_IN, rd, 0, port)); }
static inline void out(prog *p, unsigned rs, uint32_t port) { emit(p, T32_ENC_I(T32_OP_OUT, rs, 0, port)); }
static inline void branch(prog *p, unsigned op, uint32_t target)
{
    emit(p, T32_ENC_J(op, (uint32_t)((int32_t)(target - p->pc) / 4)));
}
static inline void bnz(prog *p, unsigned rs, uint32_t target)
{
    emit(p, T32_ENC_I(T32_OP_BNZ, rs, 0, (uint32_t)((int32_t)(target - p->pc) / 4) & 0xffffu));
}

/* A fresh RAM image: zeroes, a stack, and (if asked) HANDLER as the trap
 * vector.  Returns the program positioned after that. */
static inline prog kernel_start(bool set_tvec)
{
    memset(ram, 0, sizeof ram);
    prog p = { KCODE };
    li(&p, T32_REG_SP, STACK);
    if (set_tvec) {
        li(&p, 9, HANDLER);
        mtsr(&p, T32_SR_TVEC, 9);
    }
    return p;
}

/* Leave the kernel for user code at UCODE: EPC := UCODE, EPSR := psr (its
 * K bit clear: user mode), rfe.  Uses r1. */
static inline void to_user(prog *p, uint32_t psr)
{
    li(p, 1, UCODE);
    mtsr(p, T32_SR_EPC, 1);
    li(p, 1, psr);
    mtsr(p, T32_SR_EPSR, 1);
    op0(p, T32_OP_RFE);
}

/* A handler that records cause, epc, epsr, badvaddr in r9..r12 and halts. */
static inline void handler_record_and_halt(void)
{
    prog h = { HANDLER };
    mfsr(&h, 9, T32_SR_CAUSE);
    mfsr(&h, 10, T32_SR_EPC);
    mfsr(&h, 11, T32_SR_EPSR);
    mfsr(&h, 12, T32_SR_BADVADDR);
    op0(&h, T32_OP_HALT);
}

#endif /* TESTS_VMM_PROG_H */
