/*
 * asm.h - a tiny in-memory assembler for machine tests.
 *
 * Tests build their guest programs word by word with the encoders of
 * opcodes.h, straight into a machine's physical memory, so they do not
 * depend on t32as.  Branches are emitted to known targets; a forward branch
 * is emitted as a placeholder and patched once its target is known.
 */
#ifndef TESTS_MACHINE_ASM_H
#define TESTS_MACHINE_ASM_H

#include <stdlib.h>

#include "t32.h"

typedef struct prog {
    t32_machine *m;
    uint32_t     pc;    /* where the next word goes */
} prog;

static inline void emit(prog *p, uint32_t word)
{
    if (!t32_phys_write32(p->m, p->pc, word))
        abort();        /* a test wrote its program outside RAM */
    p->pc += 4;
}

/* rd := value, as the `la` pseudo-instruction: lui + ori. */
static inline void li(prog *p, unsigned rd, uint32_t value)
{
    emit(p, T32_ENC_I(T32_OP_LUI, rd, 0, value >> 16));
    emit(p, T32_ENC_I(T32_OP_ORI, rd, rd, value & 0xffffu));
}

static inline void in(prog *p, unsigned rd, uint32_t port)
{
    emit(p, T32_ENC_I(T32_OP_IN, rd, 0, port));
}

static inline void out(prog *p, unsigned rs, uint32_t port)
{
    emit(p, T32_ENC_I(T32_OP_OUT, rs, 0, port));
}

static inline void mfsr(prog *p, unsigned rd, unsigned sr)
{
    emit(p, T32_ENC_I(T32_OP_MFSR, rd, 0, sr));
}

static inline void mtsr(prog *p, unsigned sr, unsigned rs)
{
    emit(p, T32_ENC_I(T32_OP_MTSR, rs, 0, sr));
}

static inline void op0(prog *p, unsigned op)
{
    emit(p, T32_ENC_R(op, 0, 0, 0));
}

/* A J-format branch (b, beq, ..., jal) from here to `target`. */
static inline void branch(prog *p, unsigned op, uint32_t target)
{
    emit(p, T32_ENC_J(op, (uint32_t)((int32_t)(target - p->pc) / 4)));
}

/* bz/bnz rs, target. */
static inline void branch_reg(prog *p, unsigned op, unsigned rs, uint32_t target)
{
    emit(p, T32_ENC_I(op, rs, 0, (uint32_t)((int32_t)(target - p->pc) / 4)));
}

#endif /* TESTS_MACHINE_ASM_H */
