/*
 * test_roundtrip.c - disassemble, then assemble: the same words.
 *
 * For every opcode and a large deterministic sample of operand values (and
 * for arbitrary 32-bit words, which must come back via `.word`), the text
 * dis_insn() prints must assemble to the identical word at the same
 * address.  Then the same for whole images: dis_image() output assembles to
 * the same segments.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assembler/disasm.h"
#include "helpers.h"
#include "t32.h"

#define SAMPLES_PER_OPCODE 400
#define RANDOM_WORDS       20000
#define BASE               0x1000u

/* xorshift32: deterministic, so a failure is reproducible. */
static uint32_t rng = 0x2545f491u;
static uint32_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* A valid word of opcode `op`: random fields, unused bits zero. */
static uint32_t canonical(int op)
{
    uint32_t r = next_random(), a = r >> 28, b = (r >> 24) & 15, c = (r >> 20) & 15;
    uint32_t imm = next_random() & 0xffff;
    if (next_random() % 4 == 0)             /* favour the edges of the ranges */
        imm = (uint32_t[]){ 0, 1, 0x7fff, 0x8000, 0xffff }[next_random() % 5];
    switch (t32_ops[op].format) {
    case T32_FMT_R:     return T32_ENC_R(op, a, b, c);
    case T32_FMT_SH:    return T32_ENC_I(op, a, b, imm & 31);
    case T32_FMT_LUI:   return T32_ENC_I(op, a, 0, imm);
    case T32_FMT_CMP:   return T32_ENC_R(op, 0, b, c);
    case T32_FMT_CMPI:  return T32_ENC_I(op, 0, b, imm);
    case T32_FMT_J:     return T32_ENC_J(op, next_random());
    case T32_FMT_BZ:    return T32_ENC_I(op, a, 0, imm);
    case T32_FMT_REG:   return T32_ENC_R(op, a, 0, 0);
    case T32_FMT_NONE:  return T32_ENC_J(op, 0);
    case T32_FMT_U16:   return T32_ENC_I(op, 0, 0, imm);
    case T32_FMT_MFSR:
    case T32_FMT_MTSR:  return T32_ENC_I(op, a, 0, imm % 16);
    default:            return T32_ENC_I(op, a, b, imm);   /* I IU LOAD STORE JALR IN OUT */
    }
}

/* Disassemble words[i] at BASE + 4i, assemble the whole text, compare. */
static void check_round_trip(const uint32_t *words, size_t n, size_t expect_valid_min)
{
    size_t cap = n * 64 + 64, len = 0, valid = 0;
    char *src = malloc(cap);
    assert_non_null(src);
    len += (size_t)snprintf(src, cap, "_start:\n");
    for (size_t i = 0; i < n; i++) {
        char text[96];
        valid += dis_insn(words[i], BASE + 4 * (uint32_t)i, NULL, text, sizeof text);
        len += (size_t)snprintf(src + len, cap - len, "  %s\n", text);
    }
    assert_true(valid >= expect_valid_min);
    asm_run r = run(src);
    if (!r.ok)
        fail_msg("disassembly did not assemble:\n%.2000s", r.diag);
    assert_int_equal(r.img.segs[0].size, 4 * n);
    for (size_t i = 0; i < n; i++) {
        uint32_t back = word_at(&r.img, BASE + 4 * (uint32_t)i);
        if (back != words[i]) {
            char text[96];
            dis_insn(words[i], BASE + 4 * (uint32_t)i, NULL, text, sizeof text);
            fail_msg("%08x at 0x%x -> \"%s\" -> %08x", words[i], BASE + 4 * (unsigned)i, text, back);
        }
    }
    run_free(&r);
    free(src);
}

static void every_opcode(void **state)
{
    (void)state;
    size_t n = 0, cap = 256 * SAMPLES_PER_OPCODE;
    uint32_t *w = malloc(cap * sizeof *w);
    assert_non_null(w);
    for (int op = 0; op < 256; op++)
        for (int k = 0; t32_ops[op].mnemonic && k < SAMPLES_PER_OPCODE; k++)
            w[n++] = canonical(op);
    check_round_trip(w, n, n);                  /* every one of them is an instruction */
    free(w);
}

static void arbitrary_words(void **state)
{
    (void)state;
    uint32_t *w = malloc(RANDOM_WORDS * sizeof *w);
    assert_non_null(w);
    for (size_t i = 0; i < RANDOM_WORDS; i++)
        w[i] = next_random();
    w[0] = 0;                                   /* the all-zero word is not an instruction */
    w[1] = 0x01000001;                          /* add with an unused bit set */
    check_round_trip(w, RANDOM_WORDS, 1);
    char text[64];
    assert_false(dis_insn(0, 0, NULL, text, sizeof text));
    assert_string_equal(text, ".word 0x00000000");
    assert_false(dis_insn(0x01000001, 0, NULL, text, sizeof text));
    assert_string_equal(text, ".word 0x01000001");
    assert_false(dis_insn(0x55000001, 0, NULL, text, sizeof text));   /* halt + junk */
    free(w);
}

static void readable_forms(void **state)
{
    (void)state;
    char t[64];
    struct { uint32_t w, pc; const char *text; } cases[] = {
        { 0x01123000, 0, "add r1, r2, r3" },
        { 0x01000000, 0, "nop" },
        { 0x3e0f0000, 0, "ret" },
        { 0x01120000, 0, "mov r1, r2" },
        { 0x10e0fffc, 0, "addi sp, r0, -4" },
        { 0x1211ffff, 0, "ori r1, r1, 0xffff" },
        { 0x2012fff8, 0, "ldw r1, -8(r2)" },
        { 0x30fffffe, 0x1008, "b 0x00001000" },
        { 0x3b200002, 0x1000, "bz r2, 0x00001008" },
        { 0x50100001, 0, "mfsr r1, epc" },
        { 0x51300005, 0, "mtsr ptbr, r3" },
        { 0x50100063, 0, "mfsr r1, 99" },
        { 0x58100011, 0, "in r1, 0x11(r0)" },
        { 0x4a00002a, 0, "hcall 0x2a" },
        { 0x42000000, 0, "pushf" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_true(dis_insn(cases[i].w, cases[i].pc, NULL, t, sizeof t));
        assert_string_equal(t, cases[i].text);
    }
}

static void symbolic_targets(void **state)
{
    (void)state;
    asm_run r = run("_start: b loop\nloop: nop\n bnz r1, loop + 4\n nop\n");
    assert_true(r.ok);
    char t[64];
    dis_insn(word_at(&r.img, 0x1000), 0x1000, &r.img, t, sizeof t);
    assert_string_equal(t, "b loop");
    dis_insn(word_at(&r.img, 0x1008), 0x1008, &r.img, t, sizeof t);
    assert_string_equal(t, "bnz r1, loop+0x4");
    run_free(&r);
}

/* Disassemble an image, assemble the text, compare the segments. */
/* The image disassembled (*text, the caller frees it) and assembled again;
 * a failure to assemble the disassembly fails the test, showing both. */
static asm_run reassemble(const t32_image *img, char **text)
{
    size_t len;
    *text = NULL;
    FILE *f = open_memstream(text, &len);
    dis_image(img, f);
    fclose(f);
    asm_run back = run(*text);
    if (!back.ok)
        fail_msg("%s\n---\n%s", *text, back.diag);
    return back;
}

static void whole_image(void **state)
{
    (void)state;
    asm_run r = run(".global _start\n.equ K, 7\n_start: la sp, top\n li r1, K\n"
                    "1: subi r1, r1, 1\n bnez r1, 1b\n call f\n halt\nf: ret\n .word 0xffffffff\n"
                    ".data\nmsg: .asciz \"odd\"\nw: .word msg\n.byte 1\n"
                    ".bss\nbuf: .space 64\ntop:\n");
    assert_true(r.ok);
    char *text;
    asm_run back = reassemble(&r.img, &text);
    assert_int_equal(back.img.entry, r.img.entry);
    assert_int_equal(back.img.nsegs, r.img.nsegs);
    for (size_t i = 0; i < r.img.nsegs; i++) {
        const t32_segment *a = &r.img.segs[i], *b = &back.img.segs[i];
        assert_int_equal(a->addr, b->addr);
        assert_int_equal(a->size, b->size);
        assert_int_equal(a->flags, b->flags);
        assert_int_equal(a->filesz, b->filesz);
        assert_memory_equal(a->data, b->data, a->filesz);
    }
    uint32_t v;
    assert_true(t32_image_lookup(&back.img, "top", &v));       /* the label past the end */
    assert_int_equal(v, 0x3040);
    assert_non_null(strstr(text, "f:\n        ret "));
    free(text);
    run_free(&back);
    run_free(&r);
}

/* Every symbol of a comes back in b with its value and flags (an address
 * is no constant: T32_SYM_ABS stays as it was). */
static void same_symbols(const t32_image *a, const t32_image *b, const char *text)
{
    assert_int_equal(a->nsyms, b->nsyms);
    for (size_t i = 0; i < a->nsyms; i++) {
        size_t k = 0;
        while (k < b->nsyms && strcmp(a->syms[i].name, b->syms[k].name) != 0)
            k++;
        if (k == b->nsyms || b->syms[k].value != a->syms[i].value ||
            b->syms[k].flags != a->syms[i].flags)
            fail_msg("%s did not come back as it was:\n%s", a->syms[i].name, text);
    }
}

/* A label no segment holds - of a section with nothing after it, or an
 * address .equ past the program - comes back as a label, not as an .equ
 * of a number, which would be a constant. */
static void labels_outside_segments(void **state)
{
    (void)state;
    static const char *const sources[] = {
        "_start: halt\n.bss\nbuf:\n",
        "_start: halt\n.data\nd:\n.bss\nb:\n",
        "_start: halt\n.bss\nb: .space 8\n.org 0x9000\nlate:\n.equ past, late + 16\n.equ K, 5\n",
    };
    for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++) {
        asm_run r = run(sources[i]);
        if (!r.ok)
            fail_msg("%s", r.diag);
        char *text;
        asm_run back = reassemble(&r.img, &text);
        same_symbols(&r.img, &back.img, text);
        assert_int_equal(back.img.nsegs, r.img.nsegs);
        free(text);
        run_free(&back);
        run_free(&r);
    }
}

/* A code segment may start at an odd address (`.org` to one, then data up
 * to the next word): instructions still sit on word boundaries, and the
 * labels on them are printed as labels, once - not also as .equ. */
static void unaligned_code_segment(void **state)
{
    (void)state;
    asm_run r = run("_start: halt\n .byte 1, 2, 3\n .org 0x1013\n .byte 9\n"
                    "f: nop\ng: b f\n halt\n");
    assert_true(r.ok);
    assert_int_equal(r.img.nsegs, 2);
    assert_int_equal(r.img.segs[1].addr, 0x1013);
    char *text;
    asm_run back = reassemble(&r.img, &text);
    assert_int_equal(back.img.nsegs, 2);
    for (size_t i = 0; i < r.img.nsegs; i++) {
        assert_int_equal(back.img.segs[i].addr, r.img.segs[i].addr);
        assert_int_equal(back.img.segs[i].filesz, r.img.segs[i].filesz);
        assert_memory_equal(back.img.segs[i].data, r.img.segs[i].data, r.img.segs[i].filesz);
    }
    assert_null(strstr(text, ".equ"));
    assert_non_null(strstr(text, "f:\n        nop "));
    assert_non_null(strstr(text, "g:\n        b f "));
    free(text);
    run_free(&back);
    run_free(&r);
}

/* dis_raw() output (t32dis -r, -w) assembles to the same words at the same
 * address, whatever the base: branches are printed as absolute targets. */
static void raw_words(void **state)
{
    (void)state;
    static const uint32_t bases[] = { 0, 0x1000, 0x00400000, 0xffffff00u };
    uint8_t bytes[4 * 64];
    for (size_t k = 0; k < sizeof bases / sizeof bases[0]; k++) {
        for (size_t i = 0; i < 64; i++) {
            uint32_t w = i % 2 ? canonical(T32_OP_B) : i % 3 ? canonical(T32_OP_BNZ)
                                                            : next_random();
            for (int b = 0; b < 4; b++)
                bytes[4 * i + (size_t)b] = (uint8_t)(w >> (8 * b));
        }
        char *text = NULL;
        size_t len;
        FILE *f = open_memstream(&text, &len);
        dis_raw(bytes, sizeof bytes, bases[k], f);
        fclose(f);
        asm_run back = run(text);
        if (!back.ok)
            fail_msg("%s\n---\n%s", text, back.diag);
        assert_int_equal(back.img.nsegs, 1);
        assert_int_equal(back.img.segs[0].addr, bases[k]);
        assert_int_equal(back.img.segs[0].filesz, sizeof bytes);
        assert_memory_equal(back.img.segs[0].data, bytes, sizeof bytes);
        free(text);
        run_free(&back);
    }
}

/* The entry point survives the round trip in every case t32as can make:
 * dis_image() writes .entry when the entry is not t32as's default. */
static void entry_points(void **state)
{
    (void)state;
    static const struct { const char *src, *e; uint32_t entry; const char *line; } cases[] = {
        { "foo: nop\nmain: halt\n", "main", 0x1004, "        .entry main\n" },
        { "_start: nop\nnop\nmain: halt\n", "main", 0x1008, "        .entry main\n" },
        { "first: nop\n_start: halt\n", "first", 0x1000, "        .entry first\n" },
        { "nop\nnop\n.entry 0x1004\n", NULL, 0x1004, "        .entry 0x00001004\n" },
        { ".org 0x2000\nnop\n.text\n.org 0x3000\nnop\n.entry 0x3000\n", NULL, 0x3000,
          "        .entry 0x00003000\n" },
        { "nop\n_start: halt\n", NULL, 0x1004, NULL },                /* the default */
        { "nop\nhalt\n", NULL, 0x1000, NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        asm_run r = run_opt(cases[i].src, (asm_options){ .entry = cases[i].e });
        if (!r.ok)
            fail_msg("%s", r.diag);
        assert_int_equal(r.img.entry, cases[i].entry);
        char *text;
        asm_run back = reassemble(&r.img, &text);
        if (back.img.entry != cases[i].entry)
            fail_msg("case %zu: entry 0x%08x after the round trip, not 0x%08x:\n%s", i,
                     back.img.entry, cases[i].entry, text);
        if (cases[i].line)
            assert_non_null(strstr(text, cases[i].line));
        else
            assert_null(strstr(text, ".entry"));
        free(text);
        run_free(&back);
        run_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_opcode),
        cmocka_unit_test(arbitrary_words),
        cmocka_unit_test(readable_forms),
        cmocka_unit_test(symbolic_targets),
        cmocka_unit_test(whole_image),
        cmocka_unit_test(entry_points),
        cmocka_unit_test(unaligned_code_segment),
        cmocka_unit_test(labels_outside_segments),
        cmocka_unit_test(raw_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
