/*
 * test_insn.c - instruction encoding for every format of the opcode table,
 * the pseudo-instructions (including li's size rule), operand errors and
 * branch ranges.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "t32.h"

/* Operands written for each format, and the fields they must produce:
 * registers 3, 4, 5 and immediate 0x1234 (or branch offset 3 words). */
static const struct { const char *operands; uint32_t fields; } sample[T32_FMT_COUNT] = {
    [T32_FMT_R]     = { "r3, r4, r5",    0x00345000u },
    [T32_FMT_I]     = { "r3, r4, -2",    0x0034fffeu },
    [T32_FMT_IU]    = { "r3, r4, 0xfffe", 0x0034fffeu },
    [T32_FMT_SH]    = { "r3, r4, 31",    0x0034001fu },
    [T32_FMT_LUI]   = { "r3, 0x1234",    0x00301234u },
    [T32_FMT_CMP]   = { "r4, r5",        0x00045000u },
    [T32_FMT_CMPI]  = { "r4, -300",      0x0004fed4u },
    [T32_FMT_LOAD]  = { "r3, -8(r4)",    0x0034fff8u },
    [T32_FMT_STORE] = { "r3, 12(sp)",    0x003e000cu },
    [T32_FMT_J]     = { "0x100c",        0x00000003u },
    [T32_FMT_BZ]    = { "r3, 0xffc",     0x0030ffffu },
    [T32_FMT_JALR]  = { "r3, lr, 8",     0x003f0008u },
    [T32_FMT_REG]   = { "fp",            0x00d00000u },
    [T32_FMT_NONE]  = { "",              0x00000000u },
    [T32_FMT_U16]   = { "0xbeef",        0x0000beefu },
    [T32_FMT_MFSR]  = { "r3, badvaddr",  0x00300004u },
    [T32_FMT_MTSR]  = { "ptbr, r3",      0x00300005u },
    [T32_FMT_IN]    = { "r3, 0x11(r0)",  0x00300011u },
    [T32_FMT_OUT]   = { "r3, 0xfff0(r4)", 0x0034fff0u },
};

static void every_opcode(void **state)
{
    (void)state;
    int tested = 0;
    for (int op = 0; op < 256; op++) {
        const t32_opinfo *info = &t32_ops[op];
        if (!info->mnemonic)
            continue;
        char src[128];
        snprintf(src, sizeof src, "  %s %s\n", info->mnemonic, sample[info->format].operands);
        uint32_t w = first_word(src);
        uint32_t want = (uint32_t)op << 24 | sample[info->format].fields;
        if (w != want)
            fail_msg("'%s' assembled to %08x, expected %08x", src, w, want);
        tested++;
    }
    assert_true(tested >= 60);
}

static void registers(void **state)
{
    (void)state;
    assert_int_equal(first_word("add zero, fp, sp\n"), T32_ENC_R(T32_OP_ADD, 0, 13, 14));
    assert_int_equal(first_word("add lr, r15, r10\n"), T32_ENC_R(T32_OP_ADD, 15, 15, 10));
    assert_int_equal(first_word("ldw r1, (r2)\n"), T32_ENC_I(T32_OP_LDW, 1, 2, 0));
    assert_int_equal(first_word("ldw r1, 0x40\n"), T32_ENC_I(T32_OP_LDW, 1, 0, 0x40));
    assert_int_equal(first_word("stw r1, (4+4)(r2)\n"), T32_ENC_I(T32_OP_STW, 1, 2, 8));
    assert_int_equal(first_word("mfsr r1, 10\n"), T32_ENC_I(T32_OP_MFSR, 1, 0, 10));
}

static void pseudo_instructions(void **state)
{
    (void)state;
    asm_run r = run("mov r1, r2\nnop\ncall f\nf: ret\nj f\nsubi r1, r2, 5\nneg r3, r4\n"
                    "not r5, r6\nbeqz r1, f\nbnez r2, f\npush r1, r2\npop r2, r1\nla r7, 0x12345678\n");
    assert_true(r.ok);
    const uint32_t want[] = {
        T32_ENC_R(T32_OP_ADD, 1, 2, 0), 0x01000000u, T32_ENC_J(T32_OP_JAL, 1),
        T32_ENC_I(T32_OP_JALR, 0, 15, 0), T32_ENC_J(T32_OP_B, -1),
        T32_ENC_I(T32_OP_ADDI, 1, 2, -5), T32_ENC_R(T32_OP_SUB, 3, 0, 4),
        T32_ENC_R(T32_OP_SUB, 5, 0, 6), T32_ENC_I(T32_OP_ADDI, 5, 5, -1),
        T32_ENC_I(T32_OP_BZ, 1, 0, -6), T32_ENC_I(T32_OP_BNZ, 2, 0, -7),
        T32_ENC_R(T32_OP_PUSH, 1, 0, 0), T32_ENC_R(T32_OP_PUSH, 2, 0, 0),
        T32_ENC_R(T32_OP_POP, 2, 0, 0), T32_ENC_R(T32_OP_POP, 1, 0, 0),
        T32_ENC_I(T32_OP_LUI, 7, 0, 0x1234), T32_ENC_I(T32_OP_ORI, 7, 7, 0x5678),
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (word_at(&r.img, 0x1000 + 4 * (uint32_t)i) != want[i])
            fail_msg("word %zu: %08x, expected %08x", i, word_at(&r.img, 0x1000 + 4 * (uint32_t)i),
                     want[i]);
    assert_int_equal(r.img.segs[0].size, 4 * sizeof want / sizeof want[0]);
    run_free(&r);
}

/* Size of the code for one li, in bytes. */
static uint32_t li_size(const char *src)
{
    asm_run r = run(src);
    if (!r.ok)
        fail_msg("assembly failed:\n%s", r.diag);
    uint32_t v;
    assert_true(t32_image_lookup(&r.img, "end", &v));
    run_free(&r);
    return v - 0x1000;
}

static void li_size_rule(void **state)
{
    (void)state;
    assert_int_equal(li_size("li r1, 5\nend:\n"), 4);
    assert_int_equal(li_size("li r1, -32768\nend:\n"), 4);
    assert_int_equal(li_size("li r1, 32767\nend:\n"), 4);
    assert_int_equal(li_size("li r1, 32768\nend:\n"), 8);
    assert_int_equal(li_size("li r1, 0xffffffff\nend:\n"), 4);       /* -1 as a 32-bit value */
    assert_int_equal(li_size(".equ K, 12\nli r1, K\nend:\n"), 4);    /* constant defined above */
    assert_int_equal(li_size("li r1, K\nend:\n.equ K, 12\n"), 8);    /* forward: long form */
    assert_int_equal(li_size("a: li r1, a\nend:\n"), 8);             /* an address: long form */
    assert_int_equal(li_size("li r1, .\nend:\n"), 8);
    assert_int_equal(li_size(".equ A, x\nx: li r1, A\nend:\n"), 8);  /* address via .equ */
    assert_int_equal(li_size(".equ A, K\nli r1, A\nend:\n.equ K, 1\n"), 8); /* above, from below */
    assert_int_equal(li_size("la r1, 5\nend:\n"), 8);                /* la: always two words */
    assert_int_equal(first_word("li r2, -2\n"), T32_ENC_I(T32_OP_ADDI, 2, 0, -2));
    asm_run r = run("li r2, 0x8000\n");
    assert_int_equal(word_at(&r.img, 0x1000), T32_ENC_I(T32_OP_LUI, 2, 0, 0));
    assert_int_equal(word_at(&r.img, 0x1004), T32_ENC_I(T32_OP_ORI, 2, 2, 0x8000));
    run_free(&r);
    r = run("li r2, fwd\nfwd: .equ X, 1\n");
    assert_int_equal(word_at(&r.img, 0x1000), T32_ENC_I(T32_OP_LUI, 2, 0, 0));
    assert_int_equal(word_at(&r.img, 0x1004), T32_ENC_I(T32_OP_ORI, 2, 2, 0x1008));
    run_free(&r);
}

static void branches(void **state)
{
    (void)state;
    asm_run r = run("b 0x1000 + 4 * 0x7fffff\nb 0x1004 - 4 * 0x800000\nbz r1, 0x1008 + 4 * 32767\n");
    assert_true(r.ok);
    assert_int_equal(word_at(&r.img, 0x1000), T32_ENC_J(T32_OP_B, 0x7fffff));
    assert_int_equal(word_at(&r.img, 0x1004), T32_ENC_J(T32_OP_B, 0x800000));
    assert_int_equal(word_at(&r.img, 0x1008), T32_ENC_I(T32_OP_BZ, 1, 0, 32767));
    run_free(&r);
    expect_error("b 0x1000 + 4 * 0x800000\n", "is out of range: 8388608 words away, 'b' reaches "
                 "-8388608..8388607 words");
    expect_error("bz r1, 0x1000 + 4 * 32768\n", "out of range");
    expect_error("bz r1, 0x1000 + 4 * 32768\n", "note: to go further, load the address");
    expect_error("b 0x1002\n", "branch target 0x1002 is not word-aligned");
    expect_error("b nowhere\n", "undefined symbol 'nowhere'");
}

static void operand_errors(void **state)
{
    (void)state;
    expect_error("add r1, r2\n", "t.s:1:11: error: too few operands for 'add' (expected 'add rd, rs1, rs2')");
    expect_error("add r1, r2, r3, r4\n", "unexpected ',' after the operands of 'add'");
    expect_error("add r1, r2 r3\n", "expected ',' between operands, found 'r3'");
    expect_error("add r1, r16, r3\n", "expected a register (r0-r15, zero, fp, sp, lr), found 'r16'");
    expect_error("ldw r1, 4(r2\n", "expected ')' after the base register");
    expect_one_error("stw r1, (r2\n", "t.s:1:12: error: expected ')' after the base register");
    expect_error("ldw r1, 0x10000\n", "address 0x10000 is out of reach of a 16-bit offset from r0");
    expect_error("ldw r1, -40000\n", "address -0x9c40 is out of reach");
    expect_error("mfsr r1, epcc\n", "unknown system register 'epcc'");
    expect_error("halt r1\n", "unexpected 'r1' after the operands of 'halt' (expected 'halt')");
    expect_error("ADD r1, r2, r3\n", "unknown mnemonic 'ADD' (mnemonics are lower case: 'add')");
    expect_error("frob r1\n", "t.s:1:1: error: unknown mnemonic 'frob'\n");
    expect_error("lw r1, 0(r2)\n", "unknown mnemonic 'lw'; did you mean 'ldw'?");
    expect_error("hlt\n", "unknown mnemonic 'hlt'; did you mean 'halt'?");
    expect_error(".byte 1\nnop\n", "instruction at unaligned address 0x1001");
    expect_one_error(".byte 1\nfoo r1\n", "unknown mnemonic 'foo'");   /* nothing about alignment */
    expect_error("li r1\n", "too few operands for 'li' (expected 'li rd, expr')");
    expect_error("5\n", "expected a label, instruction or directive, found '5'");
    expect_error(".frob\n", "unknown directive '.frob'");
}

/* Another assembler's name for an instruction suggests T32's, even where
 * spelling alone would point elsewhere (jmp is one edit from cmp); each
 * suggestion is itself a mnemonic or a pseudo-instruction. */
static void foreign_mnemonics(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        { "jmp", "j" },     { "bl", "call" },   { "jsr", "call" },  { "rts", "ret" },
        { "mv", "mov" },    { "move", "mov" },  { "jr", "jalr" },   { "sw", "stw" },
        { "lbu", "ldbu" },  { "sll", "shl" },   { "iret", "rfe" },  { "ecall", "syscall" },
        { "int3", "brk" },  { "jnz", "bnz" },   { "ldi", "li" },    { "bra", "b" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char src[32], msg[96];
        snprintf(src, sizeof src, "%s\n", cases[i][0]);
        snprintf(msg, sizeof msg, "unknown mnemonic '%s'; did you mean '%s'?\n",
                 cases[i][0], cases[i][1]);
        expect_error(src, msg);
        snprintf(src, sizeof src, "%s\n", cases[i][1]);
        asm_run r = run(src);
        assert_null(strstr(r.diag, "unknown mnemonic"));
        run_free(&r);
    }
}

/* Every immediate field refuses a value outside its range, with the range
 * in the message (ISA.md, "Field ranges"); the extremes are accepted. */
static void field_ranges(void **state)
{
    (void)state;
    expect_error("addi r1, r0, 40000\n", "t.s:1:14: error: value 40000 is out of range for "
                 "a signed 16-bit immediate (-32768..32767)");
    expect_error("addi r1, r0, -32769\n", "(-32768..32767)");
    expect_error("andi r1, r1, -1\n", "value -1 is out of range for an unsigned 16-bit "
                 "immediate (0..65535)");
    expect_error("lui r1, 0x10000\n", "value 65536 is out of range for an unsigned 16-bit "
                 "immediate (0..65535)");
    expect_error("shli r1, r1, 32\n", "value 32 is out of range for a shift amount (0..31)");
    expect_error("srai r1, r1, -1\n", "(0..31)");
    expect_error("ldw r1, 40000(r2)\n", "value 40000 is out of range for a 16-bit offset "
                 "(-32768..32767)");
    expect_error("stb r1, -32769(r2)\n", "(-32768..32767)");
    expect_error("subi r1, r1, 32769\n", "value 32769 is out of range for 'subi' "
                 "(-32767..32768");
    expect_error("subi r1, r1, -32768\n", "value -32768 is out of range for 'subi'");
    expect_error("mfsr r1, 0x10000\n", "(0..65535)");
    expect_error("li r1, 0xffffffff + 1\n", "value 4294967296 is out of range for a 32-bit value "
                 "(-2147483648..4294967295)");
    expect_error("out r1, 0x10000(r0)\n", "(-32768..65535)");
    asm_run r = run("addi r1, r0, -32768\naddi r1, r0, 32767\nori r1, r1, 65535\n"
                    "lui r1, 0xffff\nshli r1, r1, 31\nshri r1, r1, 0\n"
                    "ldw r1, -32768(r2)\nldw r1, 32767(r2)\nsubi r1, r1, 32768\n"
                    "li r1, -0x80000000\nli r1, 0xffffffff\n"
                    "in r1, -1(r0)\nout r1, 0xffff(r0)\n");
    assert_true(r.ok);
    assert_int_equal(r.res.warnings, 0);
    assert_int_equal(word_at(&r.img, 0x1010), T32_ENC_I(T32_OP_SHLI, 1, 1, 31));
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_opcode),
        cmocka_unit_test(registers),
        cmocka_unit_test(pseudo_instructions),
        cmocka_unit_test(li_size_rule),
        cmocka_unit_test(branches),
        cmocka_unit_test(operand_errors),
        cmocka_unit_test(foreign_mnemonics),
        cmocka_unit_test(field_ranges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
