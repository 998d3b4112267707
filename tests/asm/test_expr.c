/*
 * test_expr.c - assembler expressions: literals, every operator, C
 * precedence and associativity, symbols, `.`, and the errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static void literals(void **state)
{
    (void)state;
    assert_int_equal(eval("42"), 42);
    assert_int_equal(eval("0x2a"), 42);
    assert_int_equal(eval("0X2A"), 42);
    assert_int_equal(eval("0b101010"), 42);
    assert_int_equal(eval("052"), 52);                  /* no octal: decimal */
    assert_int_equal(eval("'*'"), 42);
    assert_int_equal(eval("'\\n'"), 10);
    assert_int_equal(eval("'\\x41'"), 0x41);
    assert_int_equal(eval("'\\101'"), 0x41);
    assert_int_equal(eval("'\\\\'"), '\\');
    assert_int_equal(eval("'\\''"), '\'');
    assert_int_equal(eval("'\\0'"), 0);
    /* Octal escapes are C's: 1 to 3 digits, a leading 0 included. */
    assert_int_equal(eval("'\\012'"), 10);
    assert_int_equal(eval("'\\07'"), 7);
    assert_int_equal(eval("'\\377'"), 255);
    asm_run r = run("_start: .ascii \"\\0101\\08\\00\"\n");
    assert_true(r.ok);
    assert_int_equal(r.img.segs[0].size, 5);
    assert_int_equal(word_at(&r.img, 0x1000), 0x38003108u);   /* 08 '1' 00 '8' */
    assert_int_equal(byte_at(&r.img, 0x1004), 0);
    run_free(&r);
    expect_error(".word '\\400'\n", "t.s:1:8: error: octal escape sequence out of range (at most \\377)");
    expect_error(".ascii \"a\\xg\"\n", "t.s:1:10: error: \\x used with no following hex digits");
    expect_error(".ascii \"\\q\"\n", "t.s:1:9: error: unknown escape sequence");
    assert_int_equal(eval("0xffffffff"), 0xffffffffu);
    /* Literals are 64-bit values like every other (README: "64-bit
     * arithmetic"); only the field that stores one checks its size. */
    assert_int_equal(eval("0x100000000 >> 4"), 0x10000000u);
    assert_int_equal(eval("0x7fffffffffffffff >> 60"), 7);
    assert_int_equal(eval("9223372036854775807 >> 62"), 1);
}

static void arithmetic(void **state)
{
    (void)state;
    assert_int_equal(eval("7 + 5"), 12);
    assert_int_equal(eval("7 - 9"), (uint32_t)-2);
    assert_int_equal(eval("6 * 7"), 42);
    assert_int_equal(eval("-7 / 2"), (uint32_t)-3);      /* C: toward zero */
    assert_int_equal(eval("-7 % 2"), (uint32_t)-1);      /* sign of the dividend */
    assert_int_equal(eval("1 << 31"), 0x80000000u);
    assert_int_equal(eval("0x80000000 >> 31"), 1);       /* 64-bit values: positive */
    assert_int_equal(eval("-16 >> 2"), (uint32_t)-4);    /* arithmetic shift */
    assert_int_equal(eval("0xf0 & 0x3c"), 0x30);
    assert_int_equal(eval("0xf0 | 0x0f"), 0xff);
    assert_int_equal(eval("0xff ^ 0x0f"), 0xf0);
    assert_int_equal(eval("~0"), 0xffffffffu);
    assert_int_equal(eval("!0"), 1);
    assert_int_equal(eval("!5"), 0);
    assert_int_equal(eval("-(-3)"), 3);
    assert_int_equal(eval("+3"), 3);
}

static void comparisons_and_logic(void **state)
{
    (void)state;
    assert_int_equal(eval("3 < 4"), 1);
    assert_int_equal(eval("4 <= 4"), 1);
    assert_int_equal(eval("3 > 4"), 0);
    assert_int_equal(eval("4 >= 5"), 0);
    assert_int_equal(eval("4 == 4"), 1);
    assert_int_equal(eval("4 != 4"), 0);
    assert_int_equal(eval("0xffffffff > 0"), 1);         /* not a negative 32-bit int */
    assert_int_equal(eval("-1 < 0"), 1);
    assert_int_equal(eval("2 && 3"), 1);
    assert_int_equal(eval("2 && 0"), 0);
    assert_int_equal(eval("0 || 7"), 1);
    assert_int_equal(eval("0 || 0"), 0);
    assert_int_equal(eval("1 ? 10 : 20"), 10);
    assert_int_equal(eval("0 ? 10 : 20"), 20);
}

static void precedence(void **state)
{
    (void)state;
    assert_int_equal(eval("2 + 3 * 4"), 14);             /* * before + */
    assert_int_equal(eval("(2 + 3) * 4"), 20);
    assert_int_equal(eval("1 << 2 + 1"), 8);             /* + before << */
    assert_int_equal(eval("1 | 2 ^ 3 & 4"), 3);          /* & then ^ then | */
    assert_int_equal(eval("1 + 2 == 3"), 1);             /* + before == */
    assert_int_equal(eval("1 < 2 == 1"), 1);             /* < before == */
    assert_int_equal(eval("3 & 1 == 1"), 1);             /* == before & (C's trap) */
    assert_int_equal(eval("1 || 0 && 0"), 1);            /* && before || */
    assert_int_equal(eval("-2 * -3"), 6);                /* unary binds tightest */
    assert_int_equal(eval("~1 + 1"), (uint32_t)-1);
    assert_int_equal(eval("0 ? 1 : 2 ? 3 : 4"), 3);      /* ?: is right-associative */
    assert_int_equal(eval("1 ? 0 ? 5 : 6 : 7"), 6);
    assert_int_equal(eval("10 - 4 - 3"), 3);             /* left-associative */
    assert_int_equal(eval("64 / 4 / 2"), 8);
    assert_int_equal(eval("2 * 3 % 4"), 2);
}

static void symbols_and_dot(void **state)
{
    (void)state;
    assert_int_equal(first_word(".equ A, 5\n.equ B, A * 2 + 1\n.word B\n"), 11);
    assert_int_equal(first_word(".word C\n.equ C, 9\n"), 9);         /* forward */
    assert_int_equal(first_word(".word .\n"), 0x1000);
    assert_int_equal(first_word(".word 0\n.word . - 4\n") , 0);
    asm_run r = run("a: .word b - a\nb: .word . - a\n");
    assert_true(r.ok);
    assert_int_equal(word_at(&r.img, 0x1000), 4);
    assert_int_equal(word_at(&r.img, 0x1004), 4);
    run_free(&r);
    r = run(".set X, 1\n.word X\n.set X, X + 1\n.word X\n");
    assert_true(r.ok);
    assert_int_equal(word_at(&r.img, 0x1000), 1);
    assert_int_equal(word_at(&r.img, 0x1004), 2);
    run_free(&r);
}

static void errors(void **state)
{
    (void)state;
    expect_error(".word 1 / 0\n", "t.s:1:9: error: division by zero in expression");
    expect_error(".word 1 % (2 - 2)\n", "division by zero");
    expect_error(".word 1 << 64\n", "shift count 64 is out of range (0..63)");
    expect_error(".word (1 + 2\n", "expected ')' to close the '(' at column 7");
    expect_error(".word 1 +\n", "expected an expression, found end of line");
    expect_error(".word 1 ? 2\n", "expected ':' in a '?:' expression");
    expect_error(".word nowhere\n", "t.s:1:7: error: undefined symbol 'nowhere'\n");
    expect_error("count: .word coutn\n", "undefined symbol 'coutn'; did you mean 'count'?");
    expect_error(".word r3 + 1\n", "register 'r3' cannot be used in an expression");
    expect_error(".word 0x100000000\n",
                 "t.s:1:7: error: value 4294967296 is out of range for a word "
                 "(-2147483648..4294967295)");
    expect_error(".word 0x8000000000000000\n", "t.s:1:7: error: integer constant is too "
                 "large (expressions are 64-bit: 0..9223372036854775807)");
    expect_error(".word 99999999999999999999\n", "integer constant is too large");
    expect_error(".word 12abc\n", "invalid suffix 'abc' on integer constant");
    expect_error(".word ''\n", "empty character constant");
    expect_error(".word 'ab'\n", "character constant holds more than one character");
    expect_error(".word 'a\n", "missing terminating ' character");
    expect_error(".word '\\q'\n", "unknown escape sequence");
    /* A backslash that ends the line escapes nothing: the quote is missing. */
    expect_error(".word '\\\n", "t.s:1:7: error: missing terminating ' character");
    expect_error(".ascii \"a\\\n", "t.s:1:8: error: missing terminating \" character");
    expect_error(".word 1 @ 2\n", "stray '@' in program");
    /* A macro's \@ outside a macro, in a label: the backslash is the error. */
    expect_error("x\\@: halt\n", "t.s:1:2: error: stray '\\' in program");
    expect_error(".space later\nlater:\n", "'later' is used before its definition");
}

/* A result that does not fit in 64 bits is an error at its operator,
 * never a wrap (which could land inside a field's range: 0 here). */
static void overflow(void **state)
{
    (void)state;
    const char *range = "overflows the 64-bit range of expressions "
                        "(-9223372036854775808..9223372036854775807)";
    char want[200];
    snprintf(want, sizeof want, "t.s:1:14: error: 4611686018427387904 * 4 %s", range);
    expect_error(".word (1<<62)*4\n", want);
    snprintf(want, sizeof want, "t.s:1:26: error: 9223372036854775807 + 1 %s", range);
    expect_error(".word 0x7fffffffffffffff + 1\n", want);
    snprintf(want, sizeof want, "-9223372036854775807 - 2 %s", range);
    expect_error(".word -0x7fffffffffffffff - 2\n", want);
    snprintf(want, sizeof want, "t.s:1:9: error: 1 << 63 %s", range);
    expect_error(".word 1 << 63\n", want);
    expect_error(".word 3 << 62\n", "3 << 62 overflows");
    snprintf(want, sizeof want, "t.s:1:7: error: -(-9223372036854775808) %s", range);
    expect_error(".word -(-0x7fffffffffffffff - 1)\n", want);
    expect_error(".word (-0x7fffffffffffffff - 1) / -1\n", "-9223372036854775808 / -1 overflows");
    expect_error(".equ BIG, 0x4000000000000000\n.word BIG + BIG\n", "overflows");
    /* Up to the edge is fine. */
    assert_int_equal(eval("(0x7fffffffffffffff - 1 + 1) >> 63"), 0);
    assert_int_equal(eval("(-0x7fffffffffffffff - 1) >> 63"), 0xffffffffu);
    assert_int_equal(eval("(-1 << 63) >> 63"), 0xffffffffu);
    assert_int_equal(eval("(1 << 62) >> 62"), 1);
    assert_int_equal(eval("(-0x7fffffffffffffff - 1) % -1"), 0);
    assert_int_equal(eval("-0x80000000 << 32 >> 32"), 0x80000000u);
}

/* && || ?: evaluate like C: the operand C skips cannot fail by its
 * arithmetic (a division guarded by a test), but must still name symbols
 * that exist; the operand C evaluates fails as always. */
static void short_circuit(void **state)
{
    (void)state;
    assert_int_equal(eval("0 && 1 / 0"), 0);
    assert_int_equal(eval("1 || 1 % 0"), 1);
    assert_int_equal(eval("0 ? 1 / 0 : 2"), 2);
    assert_int_equal(eval("1 ? 3 : 1 << 64"), 3);
    assert_int_equal(eval("0 && -(-0x7fffffffffffffff - 1)"), 0);
    assert_int_equal(eval("1 ? 2 : (1 << 62) * 4"), 2);
    asm_run r = run(".equ N, 0\n.if N != 0 && 100 / N > 3\n.word 1\n.else\n.word 2\n.endif\n");
    assert_true(r.ok);
    assert_int_equal(word_at(&r.img, 0x1000), 2);
    run_free(&r);
    /* A forward symbol decides in the final pass. */
    assert_int_equal(eval("f && 1 / 0\n.equ f, 0"), 0);
    expect_error(".word f && 1 / 0\n.equ f, 1\n", "t.s:1:14: error: division by zero");
    expect_error(".word 1 && 1 / 0\n", "t.s:1:14: error: division by zero");
    expect_error(".word 0 ? 1 : 1 << 64\n", "shift count 64 is out of range");
    expect_error(".word 0 && nosuch\n", "undefined symbol 'nosuch'");
}

static void deep_nesting(void **state)
{
    (void)state;
    /* 256 levels are fine; a hostile line of 100 000 must not overflow the
     * stack (it once did). */
    char ok_src[1100] = ".word ";
    for (int i = 0; i < 256; i++)
        strcat(ok_src, "(");
    strcat(ok_src, "7");
    for (int i = 0; i < 256; i++)
        strcat(ok_src, ")");
    assert_int_equal(first_word(strcat(ok_src, "\n")), 7);
    const char *kinds[] = { "(", "-", "1?" };
    for (size_t k = 0; k < 3; k++) {
        size_t n = 100000, len = strlen(kinds[k]);
        char *src = malloc(n * len + 16);
        strcpy(src, ".word ");
        for (size_t i = 0; i < n; i++)
            memcpy(src + 6 + i * len, kinds[k], len);
        strcpy(src + 6 + n * len, "1\n");
        expect_error(src, "expression nested too deeply (more than 256 levels)");
        free(src);
    }
}

static void caret_under_expression(void **state)
{
    (void)state;
    /* The caret line underlines the whole offending expression. */
    expect_error("  addi r1, r2, 1 / 0\n", "    1 |   addi r1, r2, 1 / 0\n"
                                           "      |                  ^\n");
    expect_error("  addi r1, r1, 70000 + 1\n", "      |                ^~~~~~~~~\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(literals),
        cmocka_unit_test(arithmetic),
        cmocka_unit_test(comparisons_and_logic),
        cmocka_unit_test(precedence),
        cmocka_unit_test(symbols_and_dot),
        cmocka_unit_test(errors),
        cmocka_unit_test(overflow),
        cmocka_unit_test(short_circuit),
        cmocka_unit_test(deep_nesting),
        cmocka_unit_test(caret_under_expression),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
