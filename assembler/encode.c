/*
 * encode.c - instructions and pseudo-instructions into words.
 *
 * The mnemonic is looked up in the opcode table (isa/opcodes.h), and its
 * format says which operands to expect and where each goes in the word.
 * Each format is described by a small pattern string:
 *
 *     A B C   a register into field A, B or C
 *     i       immediate, signed 16 bits       u   immediate, unsigned 16
 *     h       shift amount 0..31              S   system register (name or number)
 *     m       memory operand imm(base)        p   port operand imm(base)
 *     j       24-bit branch target            z   16-bit branch target
 *     ,       a comma between operands
 *
 * Pseudo-instructions (ISA.md section 5) are expanded here too; they are
 * built from the same opcode numbers (T32_OP_*), never from a second table
 * of mnemonics.
 */
#include <ctype.h>
#include <string.h>

#include "internal.h"

static const struct { const char *pattern, *syntax; } formats[T32_FMT_COUNT] = {
    [T32_FMT_R]     = { "A,B,C", "rd, rs1, rs2" },
    [T32_FMT_I]     = { "A,B,i", "rd, rs1, imm" },
    [T32_FMT_IU]    = { "A,B,u", "rd, rs1, imm" },
    [T32_FMT_SH]    = { "A,B,h", "rd, rs1, imm" },
    [T32_FMT_LUI]   = { "A,u",   "rd, imm" },
    [T32_FMT_CMP]   = { "B,C",   "rs1, rs2" },
    [T32_FMT_CMPI]  = { "B,i",   "rs1, imm" },
    [T32_FMT_LOAD]  = { "A,m",   "rd, imm(base)" },
    [T32_FMT_STORE] = { "A,m",   "src, imm(base)" },
    [T32_FMT_J]     = { "j",     "label" },
    [T32_FMT_BZ]    = { "A,z",   "rs, label" },
    [T32_FMT_JALR]  = { "A,B,i", "rd, rs1, imm" },
    [T32_FMT_REG]   = { "A",     "reg" },
    [T32_FMT_NONE]  = { "",      "" },
    [T32_FMT_U16]   = { "u",     "imm" },
    [T32_FMT_MFSR]  = { "A,S",   "rd, sysreg" },
    [T32_FMT_MTSR]  = { "S,A",   "sysreg, rs" },
    [T32_FMT_IN]    = { "A,p",   "rd, imm(base)" },
    [T32_FMT_OUT]   = { "A,p",   "src, imm(base)" },
};

/* What we know about the statement being encoded. */
typedef struct insn {
    as_state *as;
    lexer *lx;
    token mn;             /* the mnemonic token */
    const char *name;     /* its text */
    const char *syntax;   /* operand syntax, for messages */
    uint32_t pc;          /* address of the (first) word */
    unsigned f[3];        /* register fields A, B, C */
    uint32_t imm;         /* imm16, or off24 for J */
} insn;

uint32_t fit_field(as_state *as, token at, value v, int bits, fit_mode mode, const char *what)
{
    int64_t lo = mode == FIT_UNSIGNED ? 0 : -((int64_t)1 << (bits - 1));
    int64_t hi = mode == FIT_SIGNED ? ((int64_t)1 << (bits - 1)) - 1 : ((int64_t)1 << bits) - 1;
    uint32_t mask = bits == 32 ? 0xffffffffu : (1u << bits) - 1;
    /* A value that does not fit is an error, never a truncation: GNU as
     * only warns when a .byte or .word overflows, but a constant changed
     * behind a warning that scrolled past is a bug hunted in the debugger
     * (t32as has no warnings at all: every doubtful case is an error). */
    if (v.known && (v.v < lo || v.v > hi))
        as_error(as, at, "value %lld is out of range for %s (%lld..%lld)",
                 (long long)v.v, what, (long long)lo, (long long)hi);
    return (uint32_t)v.v & mask;
}

/* ---- operands ------------------------------------------------------------- */

/* The next token must start an operand: not the end of the line. */
static bool more(insn *in)
{
    token t = lx_peek(in->lx);
    if (t.kind != T_EOL)
        return true;
    as_error(in->as, t, "too few operands for '%s' (expected '%s %s')", in->name, in->name,
             in->syntax);
    return false;
}

static bool comma(insn *in)
{
    token t = lx_next(in->lx);
    if (lx_is(t, ','))
        return true;
    char buf[48];
    if (t.kind == T_EOL)
        as_error(in->as, t, "too few operands for '%s' (expected '%s %s')", in->name, in->name,
                 in->syntax);
    else if (t.kind != T_ERROR)
        as_error(in->as, t, "expected ',' between operands, found %s",
                 tok_describe(in->lx, t, buf, sizeof buf));
    return false;
}

static bool reg(insn *in, unsigned *r)
{
    if (!more(in))
        return false;
    token t = lx_next(in->lx);
    char name[16], buf[48];
    if (t.kind == T_IDENT && t.len < sizeof name) {
        lx_text(in->lx, t, name, sizeof name);
        int n = as_register(name);
        if (n >= 0) {
            *r = (unsigned)n;
            return true;
        }
    }
    if (t.kind != T_ERROR)
        as_error(in->as, t, "expected a register (r0-r15, zero, fp, sp, lr), found %s",
                 tok_describe(in->lx, t, buf, sizeof buf));
    return false;
}

static bool imm(insn *in, fit_mode mode, int bits, const char *what)
{
    value v;
    token at;
    if (!more(in) || !expr(in->as, in->lx, 0, &v, &at))
        return false;
    in->imm = fit_field(in->as, at, v, bits, mode, what);
    return true;
}

/* `(reg)` at the lexer's position?  1: consumed it; 0: something else is
 * there (an expression: `(4)`, `(x+1)(r2)`), left unread; -1: `(reg`
 * without its `)`, an error already reported. */
static int paren_reg(insn *in, unsigned *r)
{
    lexer save = *in->lx;
    token open = lx_next(in->lx), name = lx_next(in->lx), close = lx_next(in->lx);
    char text[16];
    if (lx_is(open, '(') && name.kind == T_IDENT && name.len < sizeof text) {
        lx_text(in->lx, name, text, sizeof text);
        int n = as_register(text);
        if (n >= 0 && lx_is(close, ')')) {
            *r = (unsigned)n;
            return 1;
        }
        if (n >= 0) {
            if (close.kind != T_ERROR)
                as_error(in->as, close, "expected ')' after the base register");
            return -1;
        }
    }
    *in->lx = save;
    return 0;
}

/* imm(base), (base), or a bare expression meaning expr(r0). */
static bool mem(insn *in, fit_mode mode)
{
    if (!more(in))
        return false;
    int base = paren_reg(in, &in->f[1]);
    if (base) {
        in->imm = 0;
        return base > 0;
    }
    value v;
    token at;
    if (!expr(in->as, in->lx, 0, &v, &at))
        return false;
    if (lx_accept(in->lx, '(')) {
        if (!reg(in, &in->f[1]))
            return false;
        token close = lx_next(in->lx);
        if (!lx_is(close, ')')) {
            if (close.kind != T_ERROR)
                as_error(in->as, close, "expected ')' after the base register");
            return false;
        }
        in->imm = fit_field(in->as, at, v, 16, mode,
                            mode == FIT_EITHER ? "a port offset" : "a 16-bit offset");
        return true;
    }
    in->f[1] = T32_REG_ZERO;
    if (v.known && (v.v < -32768 || v.v > (mode == FIT_EITHER ? 65535 : 32767))) {
        as_error(in->as, at, "address %s0x%llx is out of reach of a 16-bit offset from r0; "
                 "put it in a register first (la)", v.v < 0 ? "-" : "",
                 (unsigned long long)(v.v < 0 ? -(uint64_t)v.v : (uint64_t)v.v));
        return false;
    }
    in->imm = (uint32_t)v.v & 0xffffu;
    return true;
}

/* A branch target; `bits` is the width of the word-offset field. */
static bool target(insn *in, int bits)
{
    value v;
    token at;
    if (!more(in) || !expr(in->as, in->lx, 0, &v, &at))
        return false;
    if (!v.known)
        return true;
    int64_t off = (int32_t)((uint32_t)v.v - in->pc);
    int64_t reach = (int64_t)1 << (bits - 1);
    if (v.v < INT32_MIN || v.v > (int64_t)UINT32_MAX) {
        as_error(in->as, at, "branch target %lld is not an address", (long long)v.v);
        return false;
    }
    if (off % 4) {
        as_error(in->as, at, "branch target 0x%x is not word-aligned", (uint32_t)v.v);
        return false;
    }
    if (off / 4 < -reach || off / 4 >= reach) {
        as_error(in->as, at, "branch target 0x%x is out of range: %lld words away, '%s' "
                 "reaches %lld..%lld words", (uint32_t)v.v, (long long)(off / 4), in->name,
                 (long long)-reach, (long long)reach - 1);
        as_diag(in->as, DIAG_NOTE, at.pos, at.len, "to go further, load the address and jump "
                "through a register: 'la r7, target' then 'jalr r0, r7, 0'");
        return false;
    }
    in->imm = (uint32_t)(off / 4) & ((1u << bits) - 1);
    return true;
}

static bool sysreg(insn *in)
{
    if (!more(in))
        return false;
    token t = lx_peek(in->lx);
    char name[32];
    if (t.kind == T_IDENT && t.len < sizeof name) {
        lx_text(in->lx, t, name, sizeof name);
        int sr = t32_sysreg_lookup(name);
        if (sr >= 0) {
            lx_next(in->lx);
            in->imm = (uint32_t)sr;
            return true;
        }
        if (!sym_find(in->as, name)) {
            lx_next(in->lx);
            as_error(in->as, t, "unknown system register '%s'", name);
            return false;
        }
    }
    return imm(in, FIT_UNSIGNED, 16, "a system register number");
}

/* Parse the operands of `pattern` into in->f / in->imm. */
static bool operands(insn *in, const char *pattern)
{
    for (const char *p = pattern; *p; p++) {
        bool ok = true;
        switch (*p) {
        case ',': ok = comma(in); break;
        case 'A': case 'B': case 'C': ok = reg(in, &in->f[*p - 'A']); break;
        case 'i': ok = imm(in, FIT_SIGNED, 16, "a signed 16-bit immediate"); break;
        case 'u': ok = imm(in, FIT_UNSIGNED, 16, "an unsigned 16-bit immediate"); break;
        case 'h': ok = imm(in, FIT_UNSIGNED, 5, "a shift amount"); break;
        case 'm': ok = mem(in, FIT_SIGNED); break;
        case 'p': ok = mem(in, FIT_EITHER); break;
        case 'j': ok = target(in, 24); break;
        case 'z': ok = target(in, 16); break;
        case 'S': ok = sysreg(in); break;
        default:  break;
        }
        if (!ok)
            return false;
    }
    return true;
}

/* Nothing may follow the operands. */
static bool end_of_operands(insn *in)
{
    token t = lx_next(in->lx);
    if (t.kind == T_EOL)
        return true;
    char buf[48];
    if (t.kind != T_ERROR)
        as_error(in->as, t, "unexpected %s after the operands of '%s' (expected '%s%s%s')",
                 tok_describe(in->lx, t, buf, sizeof buf), in->name, in->name,
                 in->syntax[0] ? " " : "", in->syntax);
    return false;
}

/* ---- emitting ---------------------------------------------------------------- */

static uint32_t word(int op, const insn *in)
{
    if (t32_ops[op].format == T32_FMT_J)
        return T32_ENC_J(op, in->imm);
    return T32_ENC_R(op, in->f[0], in->f[1], in->f[2]) | (in->imm & 0xffffu);
}

static void emit(insn *in, uint32_t w)
{
    sec_emit_word(in->as, in->mn, w);
    in->pc += 4;
}

static void emit_r(insn *in, int op, unsigned a, unsigned b, unsigned c)
{
    emit(in, T32_ENC_R(op, a, b, c));
}

static void emit_i(insn *in, int op, unsigned a, unsigned b, uint32_t imm)
{
    emit(in, T32_ENC_I(op, a, b, imm));
}

/* A real instruction from the opcode table. */
static bool real(insn *in, int op)
{
    t32_format fmt = t32_ops[op].format;
    in->syntax = formats[fmt].syntax;
    bool ok = operands(in, formats[fmt].pattern);
    if (ok && fmt == T32_FMT_REG) {
        /* push ra, rb, ... is one push per register, left to right. */
        emit(in, word(op, in));
        while (ok && lx_accept(in->lx, ',')) {
            ok = reg(in, &in->f[0]);
            if (ok)
                emit(in, word(op, in));
        }
        return ok && end_of_operands(in);
    }
    ok = ok && end_of_operands(in);
    emit(in, ok ? word(op, in) : 0);     /* a word either way: sizes must not change */
    return ok;
}

/* ---- pseudo-instructions --------------------------------------------------------- */

static void load_constant(insn *in, unsigned rd, uint32_t v)
{
    emit_i(in, T32_OP_LUI, rd, 0, v >> 16);
    emit_i(in, T32_OP_ORI, rd, rd, v & 0xffffu);
}

static bool pseudo_li(insn *in, bool always_long)
{
    unsigned rd = 0;
    value v = { 0, false, false, false };
    token at = in->mn;
    bool ok = reg(in, &rd) && comma(in) && more(in) && expr(in->as, in->lx, 0, &v, &at) &&
              end_of_operands(in);
    uint32_t w = fit_field(in->as, at, v, 32, FIT_EITHER, "a 32-bit value");
    /* The short form only for a constant known here, so that the size of li
     * never depends on a forward reference or on where code is placed. */
    if (!always_long && v.known && v.constant && (int32_t)w >= -32768 && (int32_t)w <= 32767)
        emit_i(in, T32_OP_ADDI, rd, T32_REG_ZERO, w);
    else
        load_constant(in, rd, w);
    return ok;
}

static bool pseudo_two_regs(insn *in, unsigned *rd, unsigned *rs)
{
    in->syntax = "rd, rs";
    return reg(in, rd) && comma(in) && reg(in, rs) && end_of_operands(in);
}

static bool pseudo_branch(insn *in, int op)
{
    in->syntax = t32_ops[op].format == T32_FMT_BZ ? "rs, label" : "label";
    bool ok = operands(in, formats[t32_ops[op].format].pattern) && end_of_operands(in);
    emit(in, ok ? word(op, in) : 0);
    return ok;
}

static bool p_li(insn *in)   { in->syntax = "rd, expr"; return pseudo_li(in, false); }
static bool p_la(insn *in)   { in->syntax = "rd, expr"; return pseudo_li(in, true); }
static bool p_call(insn *in) { return pseudo_branch(in, T32_OP_JAL); }
static bool p_j(insn *in)    { return pseudo_branch(in, T32_OP_B); }
static bool p_beqz(insn *in) { return pseudo_branch(in, T32_OP_BZ); }
static bool p_bnez(insn *in) { return pseudo_branch(in, T32_OP_BNZ); }

static bool p_mov(insn *in)
{
    unsigned rd = 0, rs = 0;
    bool ok = pseudo_two_regs(in, &rd, &rs);
    emit_r(in, T32_OP_ADD, rd, rs, T32_REG_ZERO);
    return ok;
}

static bool p_neg(insn *in)
{
    unsigned rd = 0, rs = 0;
    bool ok = pseudo_two_regs(in, &rd, &rs);
    emit_r(in, T32_OP_SUB, rd, T32_REG_ZERO, rs);
    return ok;
}

static bool p_not(insn *in)
{
    unsigned rd = 0, rs = 0;
    bool ok = pseudo_two_regs(in, &rd, &rs);
    emit_r(in, T32_OP_SUB, rd, T32_REG_ZERO, rs);      /* not x = -x - 1 */
    emit_i(in, T32_OP_ADDI, rd, rd, 0xffffu);
    return ok;
}

static bool p_nop(insn *in)
{
    bool ok = end_of_operands(in);
    emit_r(in, T32_OP_ADD, 0, 0, 0);
    return ok;
}

static bool p_ret(insn *in)
{
    bool ok = end_of_operands(in);
    emit_i(in, T32_OP_JALR, T32_REG_ZERO, T32_REG_LR, 0);
    return ok;
}

static bool p_subi(insn *in)
{
    unsigned rd = 0, rs = 0;
    value v = { 0, false, false, false };
    token at = in->mn;
    in->syntax = "rd, rs, imm";
    bool ok = reg(in, &rd) && comma(in) && reg(in, &rs) && comma(in) && more(in) &&
              expr(in->as, in->lx, 0, &v, &at) && end_of_operands(in);
    /* addi's signed 16 bits, negated: -32767..32768. */
    if (v.known && (v.v < -32767 || v.v > 32768))
        as_error(in->as, at, "value %lld is out of range for 'subi' (-32767..32768: it "
                 "becomes addi's signed 16-bit immediate, negated)", (long long)v.v);
    emit_i(in, T32_OP_ADDI, rd, rs, (uint32_t)-v.v & 0xffffu);
    return ok;
}

/* The pseudo-instructions of ISA.md section 5 (push/pop with several
 * registers are handled with the real push/pop). */
static const struct { const char *name; bool (*assemble)(insn *); } pseudos[] = {
    { "li", p_li },     { "la", p_la },     { "mov", p_mov },   { "nop", p_nop },
    { "call", p_call }, { "ret", p_ret },   { "j", p_j },       { "subi", p_subi },
    { "neg", p_neg },   { "not", p_not },   { "beqz", p_beqz }, { "bnez", p_bnez },
};

/* What other assemblers call T32's instructions: a name from x86, ARM,
 * MIPS, RISC-V or 68k gets T32's own, which edit distance would miss
 * (`jmp` is one letter from `cmp`, two from `j`).  Every right-hand name
 * is a T32 mnemonic or a pseudo-instruction above. */
static const struct { const char *foreign, *t32; } aliases[] = {
    { "jmp", "j" },       { "jump", "j" },      { "bra", "b" },       { "br", "b" },
    { "jr", "jalr" },     { "bl", "call" },     { "jsr", "call" },    { "blx", "call" },
    { "rts", "ret" },     { "return", "ret" },  { "move", "mov" },    { "mv", "mov" },
    { "ldi", "li" },      { "movi", "li" },     { "lw", "ldw" },      { "ld", "ldw" },
    { "ldr", "ldw" },     { "lh", "ldh" },      { "lhu", "ldhu" },    { "lb", "ldb" },
    { "lbu", "ldbu" },    { "ldrb", "ldbu" },   { "ldrh", "ldhu" },   { "sw", "stw" },
    { "st", "stw" },      { "str", "stw" },     { "sh", "sth" },      { "sb", "stb" },
    { "strb", "stb" },    { "strh", "sth" },    { "je", "beq" },      { "jne", "bne" },
    { "jz", "bz" },       { "jnz", "bnz" },     { "jl", "blt" },      { "jg", "bgt" },
    { "jle", "ble" },     { "jge", "bge" },     { "jb", "bltu" },     { "ja", "bgtu" },
    { "sll", "shl" },     { "srl", "shr" },     { "lsl", "shl" },     { "lsr", "shr" },
    { "asr", "sra" },     { "slli", "shli" },   { "srli", "shri" },   { "sal", "shl" },
    { "sar", "sra" },     { "orr", "or" },      { "eor", "xor" },     { "int", "syscall" },
    { "ecall", "syscall" }, { "svc", "syscall" }, { "swi", "syscall" }, { "trap", "syscall" },
    { "ebreak", "brk" },  { "bkpt", "brk" },    { "int3", "brk" },    { "hlt", "halt" },
    { "iret", "rfe" },    { "eret", "rfe" },    { "reti", "rfe" },    { "mret", "rfe" },
    { "sret", "rfe" },    { "di", "cli" },      { "ei", "sti" },      { "invlpg", "tlbflush" },
    { "csrr", "mfsr" },   { "csrw", "mtsr" },   { "mfc0", "mfsr" },   { "mtc0", "mtsr" },
    { "inc", "addi" },    { "dec", "subi" },    { "mult", "mul" },    { "test", "tst" },
};

/* The known mnemonic closest to `name` (a likely typo), or NULL.  Another
 * assembler's name for an instruction wins over spelling. */
static const char *closest_mnemonic(const char *name)
{
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(name, aliases[i].foreign) == 0)
            return aliases[i].t32;
    const char *best = NULL;
    int best_score = 99, max = strlen(name) > 3 ? 2 : 1;  /* only close matches */
    for (int op = 0; op < 256; op++) {
        int score = t32_ops[op].mnemonic ? typo_score(name, t32_ops[op].mnemonic, max) : -1;
        if (score >= 0 && score < best_score)
            best = t32_ops[op].mnemonic, best_score = score;
    }
    for (size_t i = 0; i < sizeof pseudos / sizeof pseudos[0]; i++) {
        int score = typo_score(name, pseudos[i].name, max);
        if (score >= 0 && score < best_score)
            best = pseudos[i].name, best_score = score;
    }
    return best;
}

static void unknown_mnemonic(insn *in)
{
    /* `x\@:` outside a macro: the lexer says what `\` is. */
    const lexer *lx = in->lx;
    size_t end = in->mn.pos + in->mn.len;
    if (lx->pos == end && end < lx->len && lx->s[end] == '\\' && lx_next(in->lx).kind == T_ERROR)
        return;
    char lower[32];
    size_t n = strlen(in->name);
    if (n < sizeof lower) {
        for (size_t i = 0; i <= n; i++)
            lower[i] = (char)tolower((unsigned char)in->name[i]);
        if (strcmp(lower, in->name) != 0 && t32_op_lookup(lower) >= 0) {
            as_error(in->as, in->mn, "unknown mnemonic '%s' (mnemonics are lower case: '%s')",
                     in->name, lower);
            return;
        }
    }
    const char *guess = closest_mnemonic(in->name);
    if (guess)
        as_error(in->as, in->mn, "unknown mnemonic '%s'; did you mean '%s'?", in->name, guess);
    else
        as_error(in->as, in->mn, "unknown mnemonic '%s'", in->name);
}

bool encode_insn(as_state *as, lexer *lx, token mn, const char *name)
{
    insn in = { .as = as, .lx = lx, .mn = mn, .name = name, .syntax = "", .pc = sec_here(as) };
    int op = t32_op_lookup(name);
    size_t pseudo = 0;
    while (op < 0 && pseudo < sizeof pseudos / sizeof pseudos[0] &&
           strcmp(name, pseudos[pseudo].name) != 0)
        pseudo++;
    if (op < 0 && pseudo == sizeof pseudos / sizeof pseudos[0]) {
        unknown_mnemonic(&in);      /* not an instruction: its address does not matter */
        return false;
    }
    if (in.pc % 4)
        as_error(as, mn, "instruction at unaligned address 0x%x (instructions must be "
                 "word-aligned: add '.align 4')", in.pc);
    return op >= 0 ? real(&in, op) : pseudos[pseudo].assemble(&in);
}
