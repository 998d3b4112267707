/*
 * helpers.h - assemble a string inside a test and look at the result.
 */
#ifndef TESTS_ASM_HELPERS_H
#define TESTS_ASM_HELPERS_H

#include <stdbool.h>
#include <stdint.h>

#include "assembler/asm.h"

typedef struct asm_run {
    bool ok;              /* asm_assemble_string's result */
    t32_image img;        /* the image, when ok */
    char *diag;           /* every diagnostic, as printed */
    asm_result res;
} asm_run;

/* Assemble `src` (named "t.s") with the given options (diag is replaced). */
asm_run run_opt(const char *src, asm_options opt);
asm_run run(const char *src);
void run_free(asm_run *r);

/* The little-endian word (or byte) at addr in the image; fails the test if
 * no segment stores it. */
uint32_t word_at(const t32_image *img, uint32_t addr);
uint8_t byte_at(const t32_image *img, uint32_t addr);

/* Assemble `src`, which must succeed, and return the word at 0x1000 (the
 * start of .text) or at `addr`. */
uint32_t first_word(const char *src);

/* Assemble "_x: .word EXPR"-style source and return the value of EXPR. */
uint32_t eval(const char *expr);

/* Assemble `src`, which must fail, and check that the diagnostics contain
 * `needle`. */
void expect_error(const char *src, const char *needle);
/* The same, and that error is the only one. */
void expect_one_error(const char *src, const char *needle);

#endif
