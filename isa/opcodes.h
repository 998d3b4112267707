/*
 * opcodes.h - the T32 opcode table: the single source of truth.
 *
 * Every T32 instruction is one 32-bit little-endian word.  The top byte is
 * the opcode; the rest is split into up to three 4-bit register fields and a
 * 16-bit immediate, or one 24-bit branch offset:
 *
 *    31      24 23  20 19  16 15  12 11                 0
 *   +----------+------+------+------+--------------------+
 *   |  opcode  |  A   |  B   |  C   |     (zero)         |   R   add rd, rs1, rs2
 *   +----------+------+------+------+--------------------+
 *   |  opcode  |  A   |  B   |        imm16              |   I   addi rd, rs1, imm
 *   +----------+------+------+---------------------------+
 *   |  opcode  |              off24                      |   J   b label
 *   +----------+-----------------------------------------+
 *
 * A, B and C name registers; which role each plays (destination, source,
 * base, value to store) depends on the format below.  Branch offsets count
 * words and are relative to the branch's own address: target = pc + 4*off.
 * Bits a format does not use are written as zero by t32as; the CPU ignores
 * them, and t32dis shows a word whose unused bits are not zero as `.word`.
 *
 * The table is an X-macro.  Each user defines X(NAME, mnemonic, opcode,
 * format, class) and expands T32_OPCODES(X): the interpreter builds its
 * dispatch table, the assembler its mnemonic lookup, the disassembler its
 * printer and ISA.md's virtualizability table is checked against it.
 *
 * class is the Popek-Goldberg classification (see ISA.md, Virtualizability):
 *   INNOCUOUS   behaves the same in user and kernel mode
 *   PRIVILEGED  traps with cause PRIVILEGED when executed in user mode
 *   SENSITIVE   reads or changes privileged state, yet never traps
 *               (pushf, popf: the reason T32 is not classically
 *               virtualizable)
 */
#ifndef T32_OPCODES_H
#define T32_OPCODES_H

/* Instruction formats: how the fields of a word are used, and the assembly
 * syntax that goes with each. */
typedef enum t32_format {
    T32_FMT_R,      /* A=rd B=rs1 C=rs2      add  rd, rs1, rs2              */
    T32_FMT_I,      /* A=rd B=rs1 imm signed addi rd, rs1, imm              */
    T32_FMT_IU,     /* A=rd B=rs1 imm zero-extended: andi rd, rs1, imm      */
    T32_FMT_SH,     /* A=rd B=rs1 imm 0..31  shli rd, rs1, imm              */
    T32_FMT_LUI,    /* A=rd imm              lui  rd, imm  (rd := imm<<16)  */
    T32_FMT_CMP,    /* B=rs1 C=rs2           cmp  rs1, rs2                  */
    T32_FMT_CMPI,   /* B=rs1 imm signed      cmpi rs1, imm                  */
    T32_FMT_LOAD,   /* A=rd B=base imm       ldw  rd, imm(base)             */
    T32_FMT_STORE,  /* A=src B=base imm      stw  src, imm(base)            */
    T32_FMT_J,      /* off24 words           b    label                     */
    T32_FMT_BZ,     /* A=rs off16 words      bz   rs, label                 */
    T32_FMT_JALR,   /* A=rd B=rs1 imm        jalr rd, rs1, imm              */
    T32_FMT_REG,    /* A=reg                 push rs / pop rd               */
    T32_FMT_NONE,   /* no operands           rfe                            */
    T32_FMT_U16,    /* imm zero-extended     hcall imm                      */
    T32_FMT_MFSR,   /* A=rd imm=sysreg       mfsr rd, sysreg                */
    T32_FMT_MTSR,   /* A=rs imm=sysreg       mtsr sysreg, rs                */
    T32_FMT_IN,     /* A=rd B=base imm       in   rd, imm(base)  port I/O   */
    T32_FMT_OUT,    /* A=src B=base imm      out  src, imm(base) port I/O   */
    T32_FMT_COUNT
} t32_format;

/* Popek-Goldberg class of an instruction (see the table's comment above). */
typedef enum t32_class {
    T32_INNOCUOUS,
    T32_PRIVILEGED,
    T32_SENSITIVE
} t32_class;

/*
 * X(NAME, "mnemonic", opcode, format, class)   semantics
 *
 * Flags: cmp/cmpi compute rs1 - rs2 and set N (bit 31 of the result),
 * Z (result is zero), C (unsigned borrow: rs1 < rs2), V (signed overflow).
 * tst sets N and Z from rs1 & rs2 and clears C and V.  No other
 * instruction changes the flags except popf and rfe.
 */
#define T32_OPCODES(X)                                                              \
    /* ---- ALU, register-register: rd := rs1 op rs2 ------------------------- */ \
    X(ADD,   "add",   0x01, T32_FMT_R,    T32_INNOCUOUS)  /* rd := rs1 + rs2      */ \
    X(SUB,   "sub",   0x02, T32_FMT_R,    T32_INNOCUOUS)  /* rd := rs1 - rs2      */ \
    X(AND,   "and",   0x03, T32_FMT_R,    T32_INNOCUOUS)  /* rd := rs1 & rs2      */ \
    X(OR,    "or",    0x04, T32_FMT_R,    T32_INNOCUOUS)  /* rd := rs1 | rs2      */ \
    X(XOR,   "xor",   0x05, T32_FMT_R,    T32_INNOCUOUS)  /* rd := rs1 ^ rs2      */ \
    X(SHL,   "shl",   0x06, T32_FMT_R,    T32_INNOCUOUS)  /* rd := rs1 << (rs2&31)  */ \
    X(SHR,   "shr",   0x07, T32_FMT_R,    T32_INNOCUOUS)  /* rd := rs1 >> (rs2&31), logical */ \
    X(SRA,   "sra",   0x08, T32_FMT_R,    T32_INNOCUOUS)  /* rd := rs1 >> (rs2&31), arithmetic */ \
    X(MUL,   "mul",   0x09, T32_FMT_R,    T32_INNOCUOUS)  /* rd := low 32 bits of rs1 * rs2 */ \
    X(DIV,   "div",   0x0A, T32_FMT_R,    T32_INNOCUOUS)  /* rd := rs1 / rs2 signed; 0 traps DIVZERO */ \
    X(DIVU,  "divu",  0x0B, T32_FMT_R,    T32_INNOCUOUS)  /* rd := rs1 / rs2 unsigned; 0 traps */ \
    X(REM,   "rem",   0x0C, T32_FMT_R,    T32_INNOCUOUS)  /* rd := rs1 % rs2 signed; 0 traps */ \
    X(REMU,  "remu",  0x0D, T32_FMT_R,    T32_INNOCUOUS)  /* rd := rs1 % rs2 unsigned; 0 traps */ \
    X(SLT,   "slt",   0x0E, T32_FMT_R,    T32_INNOCUOUS)  /* rd := rs1 < rs2 signed ? 1 : 0 */ \
    X(SLTU,  "sltu",  0x0F, T32_FMT_R,    T32_INNOCUOUS)  /* rd := rs1 < rs2 unsigned ? 1 : 0 */ \
    /* ---- ALU, register-immediate ------------------------------------------ */ \
    X(ADDI,  "addi",  0x10, T32_FMT_I,    T32_INNOCUOUS)  /* rd := rs1 + sext(imm) */ \
    X(ANDI,  "andi",  0x11, T32_FMT_IU,   T32_INNOCUOUS)  /* rd := rs1 & zext(imm) */ \
    X(ORI,   "ori",   0x12, T32_FMT_IU,   T32_INNOCUOUS)  /* rd := rs1 | zext(imm) */ \
    X(XORI,  "xori",  0x13, T32_FMT_IU,   T32_INNOCUOUS)  /* rd := rs1 ^ zext(imm) */ \
    X(SHLI,  "shli",  0x14, T32_FMT_SH,   T32_INNOCUOUS)  /* rd := rs1 << (imm&31) */ \
    X(SHRI,  "shri",  0x15, T32_FMT_SH,   T32_INNOCUOUS)  /* rd := rs1 >> (imm&31), logical */ \
    X(SRAI,  "srai",  0x16, T32_FMT_SH,   T32_INNOCUOUS)  /* rd := rs1 >> (imm&31), arithmetic */ \
    X(SLTI,  "slti",  0x17, T32_FMT_I,    T32_INNOCUOUS)  /* rd := rs1 < sext(imm) signed */ \
    X(SLTIU, "sltiu", 0x18, T32_FMT_I,    T32_INNOCUOUS)  /* rd := rs1 < sext(imm) unsigned */ \
    X(LUI,   "lui",   0x19, T32_FMT_LUI,  T32_INNOCUOUS)  /* rd := imm << 16     */ \
    X(CMP,   "cmp",   0x1A, T32_FMT_CMP,  T32_INNOCUOUS)  /* flags := rs1 - rs2  */ \
    X(CMPI,  "cmpi",  0x1B, T32_FMT_CMPI, T32_INNOCUOUS)  /* flags := rs1 - sext(imm) */ \
    X(TST,   "tst",   0x1C, T32_FMT_CMP,  T32_INNOCUOUS)  /* N,Z := rs1 & rs2; C,V := 0 */ \
    /* ---- loads and stores: address = base + sext(imm), naturally aligned -- */ \
    X(LDW,   "ldw",   0x20, T32_FMT_LOAD, T32_INNOCUOUS)  /* rd := mem32[addr]   */ \
    X(LDH,   "ldh",   0x21, T32_FMT_LOAD, T32_INNOCUOUS)  /* rd := sext(mem16[addr]) */ \
    X(LDHU,  "ldhu",  0x22, T32_FMT_LOAD, T32_INNOCUOUS)  /* rd := zext(mem16[addr]) */ \
    X(LDB,   "ldb",   0x23, T32_FMT_LOAD, T32_INNOCUOUS)  /* rd := sext(mem8[addr]) */ \
    X(LDBU,  "ldbu",  0x24, T32_FMT_LOAD, T32_INNOCUOUS)  /* rd := zext(mem8[addr]) */ \
    X(STW,   "stw",   0x28, T32_FMT_STORE,T32_INNOCUOUS)  /* mem32[addr] := src  */ \
    X(STH,   "sth",   0x29, T32_FMT_STORE,T32_INNOCUOUS)  /* mem16[addr] := src & 0xffff */ \
    X(STB,   "stb",   0x2A, T32_FMT_STORE,T32_INNOCUOUS)  /* mem8[addr] := src & 0xff */ \
    /* ---- control transfer: target = pc + 4*off ---------------------------- */ \
    X(B,     "b",     0x30, T32_FMT_J,    T32_INNOCUOUS)  /* pc := target        */ \
    X(BEQ,   "beq",   0x31, T32_FMT_J,    T32_INNOCUOUS)  /* if Z                */ \
    X(BNE,   "bne",   0x32, T32_FMT_J,    T32_INNOCUOUS)  /* if !Z               */ \
    X(BLT,   "blt",   0x33, T32_FMT_J,    T32_INNOCUOUS)  /* if N != V   (signed <)  */ \
    X(BGE,   "bge",   0x34, T32_FMT_J,    T32_INNOCUOUS)  /* if N == V   (signed >=) */ \
    X(BGT,   "bgt",   0x35, T32_FMT_J,    T32_INNOCUOUS)  /* if !Z && N == V     */ \
    X(BLE,   "ble",   0x36, T32_FMT_J,    T32_INNOCUOUS)  /* if Z || N != V      */ \
    X(BLTU,  "bltu",  0x37, T32_FMT_J,    T32_INNOCUOUS)  /* if C        (unsigned <)  */ \
    X(BGEU,  "bgeu",  0x38, T32_FMT_J,    T32_INNOCUOUS)  /* if !C       (unsigned >=) */ \
    X(BGTU,  "bgtu",  0x39, T32_FMT_J,    T32_INNOCUOUS)  /* if !C && !Z         */ \
    X(BLEU,  "bleu",  0x3A, T32_FMT_J,    T32_INNOCUOUS)  /* if C || Z           */ \
    X(BZ,    "bz",    0x3B, T32_FMT_BZ,   T32_INNOCUOUS)  /* if rs == 0          */ \
    X(BNZ,   "bnz",   0x3C, T32_FMT_BZ,   T32_INNOCUOUS)  /* if rs != 0          */ \
    X(JAL,   "jal",   0x3D, T32_FMT_J,    T32_INNOCUOUS)  /* lr := pc + 4; pc := target */ \
    X(JALR,  "jalr",  0x3E, T32_FMT_JALR, T32_INNOCUOUS)  /* t := rs1 + sext(imm); rd := pc + 4; pc := t */ \
    /* ---- stack: sp is r14 -------------------------------------------------- */ \
    X(PUSH,  "push",  0x40, T32_FMT_REG,  T32_INNOCUOUS)  /* sp -= 4; mem32[sp] := rs */ \
    X(POP,   "pop",   0x41, T32_FMT_REG,  T32_INNOCUOUS)  /* t := mem32[sp]; sp += 4; rd := t */ \
    X(PUSHF, "pushf", 0x42, T32_FMT_NONE, T32_SENSITIVE)  /* sp -= 4; mem32[sp] := PSR (incl. real K) */ \
    X(POPF,  "popf",  0x43, T32_FMT_NONE, T32_SENSITIVE)  /* t := pop; flags := t; IE := t.IE only if K */ \
    /* ---- traps ------------------------------------------------------------- */ \
    X(SYSCALL,"syscall",0x48,T32_FMT_NONE,T32_INNOCUOUS)  /* trap SYSCALL, EPC := pc + 4 */ \
    X(BRK,   "brk",   0x49, T32_FMT_NONE, T32_INNOCUOUS)  /* trap BREAKPOINT, EPC := pc */ \
    X(HCALL, "hcall", 0x4A, T32_FMT_U16,  T32_INNOCUOUS)  /* trap ILLEGAL on bare T32; the VMM's hypercall */ \
    /* ---- privileged: trap PRIVILEGED in user mode ---------------------------- */ \
    X(MFSR,  "mfsr",  0x50, T32_FMT_MFSR, T32_PRIVILEGED) /* rd := sysreg        */ \
    X(MTSR,  "mtsr",  0x51, T32_FMT_MTSR, T32_PRIVILEGED) /* sysreg := rs        */ \
    X(RFE,   "rfe",   0x52, T32_FMT_NONE, T32_PRIVILEGED) /* PSR := EPSR; pc := EPC */ \
    X(CLI,   "cli",   0x53, T32_FMT_NONE, T32_PRIVILEGED) /* IE := 0             */ \
    X(STI,   "sti",   0x54, T32_FMT_NONE, T32_PRIVILEGED) /* IE := 1             */ \
    X(HALT,  "halt",  0x55, T32_FMT_NONE, T32_PRIVILEGED) /* stop this CPU       */ \
    X(WFI,   "wfi",   0x56, T32_FMT_NONE, T32_PRIVILEGED) /* idle until an interrupt is pending */ \
    X(TLBFLUSH,"tlbflush",0x57,T32_FMT_NONE,T32_PRIVILEGED)/* forget every cached translation */ \
    X(IN,    "in",    0x58, T32_FMT_IN,   T32_PRIVILEGED) /* rd := port[(base + sext(imm)) & 0xffff] */ \
    X(OUT,   "out",   0x59, T32_FMT_OUT,  T32_PRIVILEGED) /* port[(base + sext(imm)) & 0xffff] := src */

/* Opcode numbers as an enum: T32_OP_ADD, T32_OP_SUB, ... */
typedef enum t32_opcode {
#define T32_X_ENUM(name, mnem, code, fmt, cls) T32_OP_##name = code,
    T32_OPCODES(T32_X_ENUM)
#undef T32_X_ENUM
    T32_OP_LIMIT = 0x100
} t32_opcode;

/* Field extraction, shared by everything that decodes a word. */
#define T32_OPC(w)    ((unsigned)((w) >> 24))
#define T32_FA(w)     ((unsigned)(((w) >> 20) & 15u))
#define T32_FB(w)     ((unsigned)(((w) >> 16) & 15u))
#define T32_FC(w)     ((unsigned)(((w) >> 12) & 15u))
#define T32_IMM16(w)  ((uint32_t)((w) & 0xffffu))
#define T32_SIMM16(w) ((uint32_t)(int32_t)(int16_t)((w) & 0xffffu))
#define T32_OFF24(w)  ((uint32_t)(((int32_t)((uint32_t)(w) << 8)) >> 8))

/* Field insertion, for the assembler and for tests that build code. */
#define T32_ENC_R(op, a, b, c) \
    (((uint32_t)(op) << 24) | ((uint32_t)(a) << 20) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 12))
#define T32_ENC_I(op, a, b, imm) \
    (((uint32_t)(op) << 24) | ((uint32_t)(a) << 20) | ((uint32_t)(b) << 16) | ((uint32_t)(imm) & 0xffffu))
#define T32_ENC_J(op, off) (((uint32_t)(op) << 24) | ((uint32_t)(off) & 0xffffffu))

#endif /* T32_OPCODES_H */
