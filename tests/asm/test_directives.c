/*
 * test_directives.c - every directive, sections and layout, macros,
 * conditionals, -D, .include, listing and map, and the diagnostics format.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

static void data_directives(void **state)
{
    (void)state;
    asm_run r = run(".word 0x11223344, -1\n.half 0xbeef, -2\n.byte 1, 255, -128\n"
                    ".ascii \"ab\", \"c\"\n.asciz \"d\\n\"\n");
    assert_true(r.ok);
    assert_int_equal(word_at(&r.img, 0x1000), 0x11223344);
    assert_int_equal(word_at(&r.img, 0x1004), 0xffffffff);
    assert_int_equal(byte_at(&r.img, 0x1008), 0xef);      /* little-endian half */
    assert_int_equal(byte_at(&r.img, 0x1009), 0xbe);
    assert_int_equal(byte_at(&r.img, 0x100a), 0xfe);
    assert_int_equal(byte_at(&r.img, 0x100c), 1);
    assert_int_equal(byte_at(&r.img, 0x100d), 255);
    assert_int_equal(byte_at(&r.img, 0x100e), 0x80);
    assert_memory_equal(r.img.segs[0].data + 0xf, "abcd\n", 6);  /* .asciz adds the NUL */
    assert_int_equal(r.img.segs[0].size, 0xf + 6);
    run_free(&r);
}

/* A value that does not fit is an error naming the range, never a
 * truncation; the extremes of each range are accepted. */
static void data_ranges(void **state)
{
    (void)state;
    asm_run r = run(".byte 256\n.half 0x10000\n.word 0xffffffff + 1\n.space 1, 256\n");
    assert_false(r.ok);
    assert_int_equal(r.res.errors, 4);
    assert_int_equal(r.res.warnings, 0);
    assert_non_null(strstr(r.diag, "t.s:1:7: error: value 256 is out of range for a byte "
                                   "(-128..255)"));
    assert_non_null(strstr(r.diag, "value 65536 is out of range for a half-word (-32768..65535)"));
    assert_non_null(strstr(r.diag, "value 4294967296 is out of range for a word "
                                   "(-2147483648..4294967295)"));
    assert_non_null(strstr(r.diag, "value 256 is out of range for a fill byte (-128..255)"));
    run_free(&r);
    r = run(".byte -128, 255\n.half -32768, 65535\n.word -0x80000000, 0xffffffff\n");
    assert_true(r.ok);
    assert_int_equal(r.res.warnings, 0);
    run_free(&r);
}

/* Bytes that directives store in .text are recorded as data ranges (for
 * t32dis); instructions, .data and .bss are not. */
static void data_in_text(void **state)
{
    (void)state;
    asm_run r = run("_start: halt\nmsg: .asciz \"hi\"\n.align 4\n.word 7\nnop\n"
                    ".space 2\n.byte 1\n.align 4\nhalt\n.data\n.word 1\n.bss\n.space 8\n");
    assert_true(r.ok);
    assert_int_equal(r.img.ndata, 2);
    assert_int_equal(r.img.data[0].addr, 0x1004);       /* "hi\0", the padding, .word 7 */
    assert_int_equal(r.img.data[0].size, 8);
    assert_int_equal(r.img.data[1].addr, 0x1010);       /* .space, .byte, .align */
    assert_int_equal(r.img.data[1].size, 4);
    assert_null(t32_image_data_at(&r.img, 0x100c));     /* the nop */
    assert_null(t32_image_data_at(&r.img, 0x1014));     /* the halt */
    run_free(&r);
    r = run("_start: halt\n");
    assert_true(r.ok);
    assert_int_equal(r.img.ndata, 0);                   /* written as version 1 */
    run_free(&r);
}

static void space_align_org(void **state)
{
    (void)state;
    asm_run r = run(".byte 1\n.align 4\n.word 2\n.space 3, 0xaa\n.align 8, 0x55\n.word 3\n"
                    ".org 0x1100\n.word 4\n");
    assert_true(r.ok);
    assert_int_equal(word_at(&r.img, 0x1004), 2);
    assert_int_equal(byte_at(&r.img, 0x1001), 0);         /* .align pads with 0 */
    assert_int_equal(byte_at(&r.img, 0x1008), 0xaa);
    assert_int_equal(byte_at(&r.img, 0x100a), 0xaa);
    assert_int_equal(byte_at(&r.img, 0x100b), 0x55);
    assert_int_equal(word_at(&r.img, 0x1010), 3);
    assert_int_equal(r.img.nsegs, 2);                     /* .org forward: a new segment */
    assert_int_equal(r.img.segs[1].addr, 0x1100);
    assert_int_equal(word_at(&r.img, 0x1100), 4);
    run_free(&r);
    expect_error(".word 1\n.org 0\n", ".org 0x0 would move backwards: .text is already at 0x1004");
    expect_error(".space -1\n", ".space size -1 is negative");
    expect_error(".align 0\n", ".align 0 is out of range");
    expect_error(".space 0x7fffffff\n", "program too large");
    expect_error(".org 0xfffffffc\n.word 1, 2\n", "past the end of the 32-bit address space");
    expect_error(".org 0xffffffff + 1\n", "outside the 32-bit address space");
    char *many = malloc(300 * 32);
    many[0] = '\0';
    for (int i = 0; i < 300; i++)
        sprintf(many + strlen(many), ".org 0x%x\n.byte 1\n", 0x1000 + 16 * i);
    expect_error(many, "too many .org jumps: an image holds at most 256 separate pieces");
    free(many);
}

/* A label names the address its next byte goes to: one just before an
 * .org that places its section - or moves a chunk still empty - names the
 * .org's address, not the default one (numeric labels too, in every
 * section).  After bytes, a label names the end of them. */
static void label_before_org(void **state)
{
    (void)state;
    asm_run r = run(".text\nstart:\n1:\n.org 0x2000\n_start: halt\n.word start, 1b\nend:\n"
                    ".org 0x3000\nlater:\n.org 0x3800\n.word later, end\n"
                    ".data\nd:\n.org 0x5000\n.word d\n.bss\nb:\n.org 0x8000\n.space 4\n");
    assert_true(r.ok);
    uint32_t v;
    assert_true(t32_image_lookup(&r.img, "start", &v));
    assert_int_equal(v, 0x2000);
    assert_int_equal(word_at(&r.img, 0x2004), 0x2000);   /* start */
    assert_int_equal(word_at(&r.img, 0x2008), 0x2000);   /* 1b */
    assert_int_equal(word_at(&r.img, 0x3800), 0x3800);   /* later, moved twice */
    assert_int_equal(word_at(&r.img, 0x3804), 0x200c);   /* end: after the bytes */
    assert_int_equal(word_at(&r.img, 0x5000), 0x5000);   /* d */
    assert_true(t32_image_lookup(&r.img, "b", &v));
    assert_int_equal(v, 0x8000);
    run_free(&r);
    /* An .equ above the .org reads the label where the .org puts it. */
    r = run(".text\nstart:\n1:\n.equ x, start\n.equ y, 1b + 4\n.org 0x2000\n.word x, y\n");
    assert_true(r.ok);
    assert_true(t32_image_lookup(&r.img, "x", &v));
    assert_int_equal(v, 0x2000);
    assert_int_equal(word_at(&r.img, 0x2000), 0x2000);
    assert_int_equal(word_at(&r.img, 0x2004), 0x2004);
    run_free(&r);
    /* A size cannot depend on it: the .org it waits for would move it. */
    expect_error(".text\nstart: .org start + 0x100\nhalt\n",
                 "'start' is where an .org at or after this point places its section");
    expect_error(".text\n1: .org 1b + 0x100\nhalt\n",
                 "'1b' is where an .org at or after this point places its section");
    r = run(".text\nstart:\n.space 8 - (. - start)\n.org 0x2000\nhalt\n");   /* no .org yet */
    assert_true(r.ok);
    run_free(&r);
}

static void sections_layout(void **state)
{
    (void)state;
    asm_run r = run(".text\n_start: nop\n.data\nd: .word 1\n.bss\nb: .space 8\n"
                    ".text\n nop\n.data\n.byte 2\n");
    assert_true(r.ok);
    assert_int_equal(r.img.nsegs, 3);
    assert_int_equal(r.img.segs[0].addr, 0x1000);         /* .text */
    assert_int_equal(r.img.segs[0].size, 8);
    assert_int_equal(r.img.segs[0].flags, T32_SEG_R | T32_SEG_X);
    assert_int_equal(r.img.segs[1].addr, 0x2000);         /* .data: next page */
    assert_int_equal(r.img.segs[1].size, 5);
    assert_int_equal(r.img.segs[1].flags, T32_SEG_R | T32_SEG_W);
    assert_int_equal(r.img.segs[2].addr, 0x3000);         /* .bss: next page */
    assert_int_equal(r.img.segs[2].filesz, 0);
    assert_int_equal(r.img.segs[2].size, 8);
    uint32_t v;
    assert_true(t32_image_lookup(&r.img, "b", &v));
    assert_int_equal(v, 0x3000);
    run_free(&r);
    /* A .text longer than a page pushes .data further. */
    r = run("nop\n.space 0x1000\n.data\nd: .word d\n");
    assert_true(r.ok);
    assert_int_equal(word_at(&r.img, 0x3000), 0x3000);
    run_free(&r);
    expect_error(".bss\n.word 1\n", ".bss holds no stored bytes");
    expect_error(".bss\n.space 4, 1\n", "the fill byte must be 0");
    expect_error("nop\n.data\n.org 0x1000\n.word 1\n", "t.s:4: error: .data at 0x00001000..0x00001003 overlaps "
                 ".text at 0x00001000..0x00001003");
    /* After a .text that runs to the top of memory there is no page for
     * .data (or .bss) by default: an error, not .text's last page. */
    expect_error(".org 0xfffffff8\nnop\nhalt\n.data\nx: .word 5\n",
                 "t.s:5: error: no room for .data after .text, which runs to the top of memory "
                 "(place .data with .org)");
    expect_error(".org 0xfffffff8\nnop\nhalt\n.bss\nb: .space 4\n",
                 "t.s:5: error: no room for .bss after .text");
    r = run(".org 0xfffffff8\nnop\nhalt\n.data\n.org 0x2000\nx: .word 5\n");
    assert_true(r.ok);                                    /* placed: room enough */
    assert_int_equal(word_at(&r.img, 0x2000), 5);
    run_free(&r);
}

static void entry_point(void **state)
{
    (void)state;
    asm_run r = run("nop\n_start: nop\n");
    assert_true(r.ok);
    assert_int_equal(r.img.entry, 0x1004);
    run_free(&r);
    r = run("nop\nnop\n");
    assert_int_equal(r.img.entry, 0x1000);                /* start of .text */
    run_free(&r);
    r = run_opt("nop\nmain: nop\n", (asm_options){ .entry = "main" });
    assert_true(r.ok);
    assert_int_equal(r.img.entry, 0x1004);
    run_free(&r);
    r = run_opt("nop\n", (asm_options){ .entry = "main" });
    assert_false(r.ok);
    assert_non_null(strstr(r.diag, "entry symbol 'main' (-e) is not defined"));
    run_free(&r);
    expect_error(".data\n.word 1\n", "there is no code to run");
    expect_error("nop\n.data\n_start: .word 1\n", "is not in .text");
}

/* .entry EXPR: -e SYMBOL, else .entry, else _start, else the start of .text. */
static void entry_directive(void **state)
{
    (void)state;
    asm_run r = run(".entry main\n_start: nop\nmain: nop\n");    /* forward, beats _start */
    assert_true(r.ok);
    assert_int_equal(r.img.entry, 0x1004);
    run_free(&r);
    r = run("nop\nnop\n.entry . - 4\n");                        /* an address */
    assert_true(r.ok);
    assert_int_equal(r.img.entry, 0x1004);
    run_free(&r);
    r = run_opt(".entry main\nfirst: nop\nmain: nop\n", (asm_options){ .entry = "first" });
    assert_true(r.ok);
    assert_int_equal(r.img.entry, 0x1000);                          /* -e wins */
    run_free(&r);
    r = run(".entry main\nmain: nop\n.entry 0x1000\n");             /* the same twice */
    assert_true(r.ok);
    assert_int_equal(r.img.entry, 0x1000);
    run_free(&r);
    expect_error(".entry main\nnop\nmain: nop\n.entry 0x1000\n",
                 "t.s:4:8: error: a second '.entry' (0x00001000) differs from the first "
                 "(0x00001004)\n    4 | .entry 0x1000\n      |        ^~~~~~\n"
                 "t.s:1:8: note: the first '.entry' was here\n");
    expect_error("nop\n.entry 0x1002\n", "t.s:2:8: error: the entry point 0x00001002 is not "
                 "word-aligned");
    expect_error("nop\n.entry d\n.data\nd: .word 1\n",
                 "t.s:2:8: error: the entry point 0x00002000 is not in .text\n");
    expect_error(".entry 0x100000000\nnop\n", "t.s:1:8: error: entry point 4294967296 is "
                 "outside the 32-bit address space (0..0xffffffff)");
    expect_error(".entry nowhere\nnop\n", "t.s:1:8: error: undefined symbol 'nowhere'");
    expect_error(".entry\nnop\n", "'.entry' needs an address or a symbol");
    expect_error(".entry 1 2\nnop\n", "unexpected '2' after the operands of '.entry'");
}

static void symbols_equ_set_global(void **state)
{
    (void)state;
    asm_run r = run(".global _start, N\n.equ N, 3\n_start: .word N\n");
    assert_true(r.ok);
    bool saw_n = false, saw_start = false;
    for (size_t i = 0; i < r.img.nsyms; i++) {
        const t32_symbol *s = &r.img.syms[i];
        if (strcmp(s->name, "N") == 0)
            saw_n = s->flags == (T32_SYM_GLOBAL | T32_SYM_ABS) && s->value == 3;
        if (strcmp(s->name, "_start") == 0)
            saw_start = s->flags == T32_SYM_GLOBAL && s->value == 0x1000;
    }
    assert_true(saw_n && saw_start);
    run_free(&r);
    expect_error("a: nop\na: nop\n", "t.s:2:1: error: redefinition of 'a'");
    expect_error("a: nop\na: nop\n", "t.s:1:1: note: previous definition of 'a' was here");
    expect_error(".equ A, 1\n.equ A, 2\n", "redefinition of 'A'");
    expect_error(".equ A, 1\n.set A, 2\n", "redefinition of 'A'");
    expect_error(".global nothere\nnop\n", "t.s:1:9: error: 'nothere' is declared .global but never defined");
    expect_error("r1: nop\n", "'r1' is a register name and cannot be used as a symbol");
    expect_error(".equ 5, 1\n", "expected a symbol name, found '5'");
}

static void local_labels(void **state)
{
    (void)state;
    asm_run r = run("1: .word 1b\n   .word 1f\n1: .word 1b\n   .word 2f\n2: .word 1b\n");
    assert_true(r.ok);
    assert_int_equal(word_at(&r.img, 0x1000), 0x1000);
    assert_int_equal(word_at(&r.img, 0x1004), 0x1008);
    assert_int_equal(word_at(&r.img, 0x1008), 0x1008);
    assert_int_equal(word_at(&r.img, 0x100c), 0x1010);
    assert_int_equal(word_at(&r.img, 0x1010), 0x1008);
    run_free(&r);
    expect_error(".word 3b\n", "no local label '3:' before this point");
    expect_error(".word 3f\n", "no local label '3:' after this point");
    expect_error(".space 1f\n1:\n", "forward reference '1f' cannot be used here");
}

static void macros(void **state)
{
    (void)state;
    asm_run r = run(".macro pair a, b=7\n.word \\a, \\b\n.endm\n"
                    ".macro uniq\nl\\@: .word l\\@\n.endm\n"
                    "pair 1, 2\npair 3\nuniq\nuniq\n");
    assert_true(r.ok);
    assert_int_equal(word_at(&r.img, 0x1000), 1);
    assert_int_equal(word_at(&r.img, 0x1004), 2);
    assert_int_equal(word_at(&r.img, 0x100c), 7);          /* the default */
    assert_int_equal(word_at(&r.img, 0x1010), 0x1010);     /* \@ makes labels unique */
    assert_int_equal(word_at(&r.img, 0x1014), 0x1014);
    run_free(&r);
    /* Arguments may hold commas inside parentheses and strings. */
    r = run(".macro one x\n.word \\x\n.endm\none (1, 2) ? 5 : 6\n");
    assert_false(r.ok);                                    /* (1, 2) is not an expression */
    run_free(&r);
    r = run(".macro str s\n.ascii \\s\n.endm\nstr \"a,b\"\n");
    assert_true(r.ok);
    assert_memory_equal(r.img.segs[0].data, "a,b", 3);
    run_free(&r);
    /* A label on the .endm line is the body's last line, even one made of
     * \@ or an argument; an indented .endm adds no line. */
    r = run(".macro end name\nnop\ne\\@: \\name: .endm\n.macro two\nnop\n   .endm\n"
            "end a\nend b\ntwo\n.word e0, a, e1, b\n");
    assert_true(r.ok);
    assert_int_equal(word_at(&r.img, 0x100c), 0x1004);     /* e0, after the first nop */
    assert_int_equal(word_at(&r.img, 0x1010), 0x1004);     /* a */
    assert_int_equal(word_at(&r.img, 0x1014), 0x1008);     /* e1 */
    assert_int_equal(word_at(&r.img, 0x1018), 0x1008);     /* b */
    run_free(&r);
    expect_error(".macro m x\n.word \\x\n.endm\nm\n", "macro 'm' needs a value for its argument 'x'");
    expect_error(".macro m x\n.word \\x\n.endm\nm 1, 2\n",
                 "macro 'm' takes 1 argument, but 2 were given");
    expect_error(".macro m\nbogus r1\n.endm\nnop\nm\n",
                 "t.s:2:1: error: unknown mnemonic 'bogus'\n"
                 "    2 | bogus r1\n"
                 "      | ^~~~~\n"
                 "t.s:5:1: note: in expansion of macro 'm'\n");
    expect_error(".macro m\nm\n.endm\nm\n", "macro 'm' expanded too deeply (more than 64 levels)");
    expect_error(".macro m\n.word 1\n", "t.s:1:8: error: unterminated '.macro m' (missing '.endm')");
    expect_error(".endm\n", "'.endm' without '.macro'");
    expect_error(".macro m\n.endm\n.macro m\n.endm\n", "redefinition of macro 'm'");
    /* A name of more than 255 characters is a name, too long: not "no name". */
    char src[400];
    snprintf(src, sizeof src, ".macro %0256d\n.endm\n", 0);
    src[7] = 'm';
    expect_error(src, "t.s:1:8: error: macro name is too long (more than 255 characters)");
}

static void conditionals(void **state)
{
    (void)state;
    asm_run r = run(".equ X, 2\n"
                    ".if X == 2\n.word 1\n.else\n.word 2\n.endif\n"
                    ".if X == 3\n.word 3\n.else\n.word 4\n.endif\n"
                    ".ifdef X\n.word 5\n.endif\n.ifndef X\n.word 6\n.endif\n"
                    ".ifdef Y\n.word 7\n.else\n.if 1\n.word 8\n.endif\n.endif\n"
                    ".if 0\n.if 1\n.word 9\n.else\n.word 10\n.endif\n.bogus never read\n.endif\n");
    assert_true(r.ok);
    assert_int_equal(r.img.segs[0].size, 16);
    assert_int_equal(word_at(&r.img, 0x1000), 1);
    assert_int_equal(word_at(&r.img, 0x1004), 4);
    assert_int_equal(word_at(&r.img, 0x1008), 5);
    assert_int_equal(word_at(&r.img, 0x100c), 8);
    run_free(&r);
    expect_error(".else\n", "'.else' without '.if'");
    expect_error(".endif\n", "'.endif' without '.if'");
    expect_error(".if 1\n.else\n.else\n.endif\n", "second '.else' for the same '.if'");
    expect_error("nop\n.if 1\nnop\n", "t.s:2:1: error: unterminated '.if'");
    expect_error(".if later\n.endif\nlater:\n", "'later' is used before its definition");
    expect_error(".if\n.endif\n", "'.if' needs an expression");
    char src[400];
    snprintf(src, sizeof src, ".ifdef x%0255d\n.endif\n", 0);
    expect_error(src, "t.s:1:8: error: symbol name is too long (more than 255 characters)");
}

/* Each pass carries a forward reference one .equ further: four forward
 * steps fit in the passes there are, five do not, and the error names the
 * constant that is still waiting, where it is defined - not the layout. */
static void forward_equ_chains(void **state)
{
    (void)state;
    asm_run r = run(".word e0\n.equ e0, e1 + 1\n.equ e1, e2 + 1\n.equ e2, e3 + 1\n"
                    ".equ e3, e4 + 1\n.equ e4, 5\n");
    assert_true(r.ok);
    assert_int_equal(word_at(&r.img, 0x1000), 9);
    run_free(&r);
    expect_error(".word e0\n.equ e0, e1 + 1\n.equ e1, e2 + 1\n.equ e2, e3 + 1\n"
                 ".equ e3, e4 + 1\n.equ e4, e5 + 1\n.equ e5, 5\n",
                 "t.s:2:6: error: the value of 'e0' does not settle after 6 passes");
    /* A layout that never settles is still blamed on the layout. */
    expect_error(".data\nd: .word 1\n.text\n.space d == 0x2000 ? 0x2000 : 0x1000\n",
                 "t.s: error: the addresses do not settle after 6 passes");
}

static void command_line_defines(void **state)
{
    (void)state;
    const char *defs[] = { "DEBUG", "SIZE=4*4" };
    asm_options opt = { .defines = defs, .ndefines = 2 };
    asm_run r = run_opt(".ifdef DEBUG\n.word SIZE\n.endif\n.ifndef NDEBUG\n.word DEBUG\n.endif\n", opt);
    assert_true(r.ok);
    assert_int_equal(word_at(&r.img, 0x1000), 16);
    assert_int_equal(word_at(&r.img, 0x1004), 1);
    run_free(&r);
    const char *bad[] = { "9X=1" };
    r = run_opt("nop\n", (asm_options){ .defines = bad, .ndefines = 1 });
    assert_false(r.ok);
    assert_non_null(strstr(r.diag, "<command line>:1:1: error: -D needs a symbol name"));
    run_free(&r);
    char name[300];
    snprintf(name, sizeof name, "x%0255d=1", 0);
    const char *longname[] = { name };
    r = run_opt("nop\n", (asm_options){ .defines = longname, .ndefines = 1 });
    assert_false(r.ok);
    assert_non_null(strstr(r.diag, "<command line>:1:1: error: -D: symbol name is too long "
                                   "(more than 255 characters)"));
    run_free(&r);
}

static void include_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/t32as-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128], sub[128];
    snprintf(sub, sizeof sub, "%s/inc", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(path, sizeof path, "%s/inc/defs.s", dir);
    FILE *f = fopen(path, "w");
    fputs(".equ FROM_INC, 42\n.word FROM_INC\n bad_insn\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/main.s", dir);
    f = fopen(path, "w");
    fputs("nop\n.include \"defs.s\"\n", f);
    fclose(f);
    const char *dirs[] = { sub };
    asm_run r = { 0 };
    size_t len;
    FILE *diag = open_memstream(&r.diag, &len);
    asm_options opt = { .include_dirs = dirs, .ninclude_dirs = 1, .diag = diag };
    r.ok = asm_assemble_file(path, &opt, &r.img, &r.res);
    fclose(diag);
    assert_false(r.ok);
    char expect[256];
    snprintf(expect, sizeof expect, "%s/inc/defs.s:3:2: error: unknown mnemonic 'bad_insn'", dir);
    assert_non_null(strstr(r.diag, expect));
    snprintf(expect, sizeof expect, "%s/inc/defs.s: note: included from %s/main.s:2", dir, dir);
    assert_non_null(strstr(r.diag, expect));
    run_free(&r);
    /* A file that includes itself stops at the depth limit. */
    f = fopen(path, "w");
    fputs(".include \"main.s\"\n", f);
    fclose(f);
    diag = open_memstream(&r.diag, &len);
    opt.diag = diag;
    r.ok = asm_assemble_file(path, &opt, &r.img, &r.res);
    fclose(diag);
    assert_false(r.ok);
    assert_non_null(strstr(r.diag, "'.include' nested too deeply"));
    run_free(&r);
    expect_error(".include \"/nonexistent/x.s\"\n", "cannot open '/nonexistent/x.s'");
    r = run_opt(".include \"x.s\"\n", (asm_options){ .no_include = true });
    assert_non_null(strstr(r.diag, "'.include' is disabled here"));
    run_free(&r);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void listing_and_map(void **state)
{
    (void)state;
    char *list = NULL, *map = NULL;
    size_t llen, mlen;
    FILE *lf = open_memstream(&list, &llen), *mf = open_memstream(&map, &mlen);
    asm_run r = run_opt(".global _start\n_start: li r1, 5\n.data\nv: .half 1\n",
                        (asm_options){ .listing = lf, .map = mf });
    fclose(lf);
    fclose(mf);
    assert_true(r.ok);
    assert_string_equal(list, "t.s:\n"
                        "    1                        .global _start\n"
                        "    2  00001000 10100005     _start: li r1, 5\n"
                        "    3                        .data\n"
                        "    4  00002000 0001         v: .half 1\n");
    assert_string_equal(map, "00001000 T _start\n00002000 d v\n");
    free(list);
    free(map);
    run_free(&r);

    /* An .equ whose value is an address has the kind of the section that
     * address is in, wherever the .equ line stands; a constant is A. */
    map = NULL;
    mf = open_memstream(&map, &mlen);
    r = run_opt("_start: halt\n.equ in_data, v + 2\n.equ past_bss, buf + 8\n.equ k, 3\n"
                ".data\nv: .word 1\n.equ in_text, _start\n.bss\nbuf: .space 8\n",
                (asm_options){ .map = mf });
    fclose(mf);
    assert_true(r.ok);
    assert_string_equal(map, "00000003 a k\n00001000 t _start\n00001000 t in_text\n"
                             "00002000 d v\n00002002 d in_data\n00003000 b buf\n"
                             "00003008 b past_bss\n");
    free(map);
    run_free(&r);
}

/* The README: .word lists as words and .half as halves - also when they
 * do not start on a multiple of their size. */
static void listing_of_misaligned_data(void **state)
{
    (void)state;
    char *list = NULL;
    size_t len;
    FILE *lf = open_memstream(&list, &len);
    asm_run r = run_opt(".byte 1,-1,255\n.half 0xffff,-32768\n.word 1, 0x12345678\n",
                        (asm_options){ .listing = lf });
    fclose(lf);
    assert_true(r.ok);
    assert_string_equal(list, "t.s:\n"
                        "    1  00001000 01 ff ff     .byte 1,-1,255\n"
                        "    2  00001003 ffff 8000    .half 0xffff,-32768\n"
                        "    3  00001007 00000001     .word 1, 0x12345678\n"
                        "       0000100b 12345678\n");
    free(list);
    run_free(&r);
}

static void error_limit_and_robustness(void **state)
{
    (void)state;
    char src[4096] = "";
    for (int i = 0; i < 30; i++)
        strcat(src, "bogus\n");
    asm_run r = run(src);
    assert_false(r.ok);
    assert_non_null(strstr(r.diag, "t.s:21: fatal error: too many errors (20), stopping"));
    assert_null(strstr(r.diag, "t.s:22:"));
    run_free(&r);
    /* NUL bytes and binary garbage: errors, never a crash. */
    static const char garbage[] = "nop\n\x01\x02\xff\xfe\n";
    r = run_opt(garbage, (asm_options){ 0 });
    assert_false(r.ok);
    assert_non_null(strstr(r.diag, "stray '\\001' in program"));
    run_free(&r);
    asm_run n = { 0 };
    size_t len;
    FILE *diag = open_memstream(&n.diag, &len);
    asm_options opt = { .diag = diag };
    n.ok = asm_assemble_string("t.s", "nop\n\0nop\n", 9, &opt, &n.img, &n.res);
    fclose(diag);
    assert_false(n.ok);
    assert_non_null(strstr(n.diag, "t.s:2:1: error: stray '\\000' in program"));
    run_free(&n);
    /* A UTF-8 byte-order mark is skipped. */
    r = run("\xef\xbb\xbf_start: nop\n");
    assert_true(r.ok);
    run_free(&r);
    /* A 10 MB line. */
    size_t big = 10u << 20;
    char *line = malloc(big + 1);
    memset(line, 'a', big);
    line[big] = '\0';
    r = run(line);
    assert_false(r.ok);
    assert_non_null(strstr(r.diag, "name is too long"));
    free(line);
    run_free(&r);
}

static void directive_operand_errors(void **state)
{
    (void)state;
    expect_error(".word 1 2\n", "t.s:1:9: error: unexpected '2' after the operands of '.word'");
    expect_error(".word\n", "'.word' needs at least one value");
    expect_error(".ascii\n", "'.ascii' needs a string");
    expect_error(".ascii 5\n", "expected a string in double quotes, found '5'");
    expect_error(".equ A 5\n", "expected ',' and a value after the name");
    expect_error(".equ\n", "'.equ' needs a symbol name");
    expect_error(".include foo\n", "expected a file name in double quotes, found 'foo'");
    expect_error(".include \"a\\0b\"\n", "file name contains a NUL character");
    expect_error(".macro\n.endm\n", "'.macro' needs a name, found end of line");
    expect_error(".macro m 5\n.endm\n", "expected a parameter name, found '5'");
    expect_error(".macro m a, a\n.endm\n", "t.s:1:13: error: duplicate macro parameter 'a'");
    expect_error(".macro m abc, b, abc=1\n.endm\n", "t.s:1:18: error: duplicate macro parameter 'abc'");
    expect_error(".text 5\n", "unexpected '5' after the operands of '.text'");
    expect_error(".org\n", "'.org' needs an address");
    expect_error(".ifdef 5\n.endif\n", "'.ifdef' needs a symbol name, found '5'");
    expect_error(".if 1 2\n.endif\n", "unexpected '2' after the operand of '.if'");
}

static void nested_macro_definitions(void **state)
{
    (void)state;
    /* The inner .endm does not end the outer definition. */
    asm_run r = run(".macro outer\n.macro inner\n.word 7\n.endm\ninner\n.endm\nouter\n");
    assert_true(r.ok);
    assert_int_equal(word_at(&r.img, 0x1000), 7);
    run_free(&r);
}

/* A label may begin a line whose statement is .if, .ifdef, .ifndef, .else,
 * .endif or .endm, as it may any other directive.  It belongs to the branch
 * the line is in before the directive acts (`b: .else` to the first one) and
 * is defined only if that branch is assembled; the directive still works. */
static void labels_before_conditionals_and_endm(void **state)
{
    (void)state;
    asm_run r = run("a:  .ifdef NOPE\n.word 1\nb:  .else\n.word 2\nc:  .endif\n"
                    ".if 0\nd: .if 1\ne: .endif\nf: .endif\n"
                    "1:  .ifndef NOPE\n.word 1b\n.endif\n"
                    ".macro m\n.word 3\ng:  .endm\nm\n"
                    ".word a, c, g\n"
                    ".ifdef b\n.word 9\n.endif\n.ifdef d\n.word 9\n.endif\n"
                    ".ifdef e\n.word 9\n.endif\n.ifdef f\n.word 9\n.endif\n");
    assert_true(r.ok);
    assert_int_equal(r.img.segs[0].size, 24);
    assert_int_equal(word_at(&r.img, 0x1000), 2);
    assert_int_equal(word_at(&r.img, 0x1004), 0x1004);     /* 1b: the label before .ifndef */
    assert_int_equal(word_at(&r.img, 0x1008), 3);
    assert_int_equal(word_at(&r.img, 0x100c), 0x1000);     /* a */
    assert_int_equal(word_at(&r.img, 0x1010), 0x1004);     /* c */
    assert_int_equal(word_at(&r.img, 0x1014), 0x100c);     /* g: after the expansion's .word */
    run_free(&r);
    expect_error("x: .endif\n", "t.s:1:4: error: '.endif' without '.if'");
}

static void listing_of_long_and_reserved_data(void **state)
{
    (void)state;
    char *list = NULL;
    size_t len;
    FILE *lf = open_memstream(&list, &len);
    asm_run r = run_opt("nop\n.ascii \"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123\"\n"
                        ".bss\nb: .space 100\n", (asm_options){ .listing = lf });
    fclose(lf);
    assert_true(r.ok);
    assert_non_null(strstr(list, "    2  00001004 30 31 32 33  .ascii"));
    assert_non_null(strstr(list, "       00001008 34 35 36 37\n"));
    assert_non_null(strstr(list, "       00001044 ... (4 more bytes)\n"));   /* 16 rows at most */
    assert_non_null(strstr(list, "    4  00002000 (100 bytes)  b: .space 100\n"));
    free(list);
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(data_directives),
        cmocka_unit_test(data_ranges),
        cmocka_unit_test(data_in_text),
        cmocka_unit_test(space_align_org),
        cmocka_unit_test(label_before_org),
        cmocka_unit_test(sections_layout),
        cmocka_unit_test(entry_point),
        cmocka_unit_test(entry_directive),
        cmocka_unit_test(symbols_equ_set_global),
        cmocka_unit_test(local_labels),
        cmocka_unit_test(macros),
        cmocka_unit_test(conditionals),
        cmocka_unit_test(forward_equ_chains),
        cmocka_unit_test(command_line_defines),
        cmocka_unit_test(include_files),
        cmocka_unit_test(listing_and_map),
        cmocka_unit_test(listing_of_misaligned_data),
        cmocka_unit_test(error_limit_and_robustness),
        cmocka_unit_test(directive_operand_errors),
        cmocka_unit_test(nested_macro_definitions),
        cmocka_unit_test(listing_of_long_and_reserved_data),
        cmocka_unit_test(labels_before_conditionals_and_endm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
