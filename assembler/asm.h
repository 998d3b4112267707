/*
 * asm.h - the T32 assembler as a library (t32as is a thin command around it).
 *
 * The assembler turns T32 assembly (ISA.md section 5) into a program image
 * (isa/image.h).  It is a classic two-pass assembler with one twist: the
 * default placement of .data and .bss depends on the size of .text, so the
 * sizing pass is repeated until the section addresses settle (normally
 * once), and then a final pass emits the bytes and reports diagnostics.
 *
 *     t32_image img;
 *     asm_result res;
 *     asm_options opt = { .diag = stderr };
 *     if (asm_assemble_file("prog.s", &opt, &img, &res)) {
 *         ... use img, then t32_image_free(&img) ...
 *     }
 *
 * Diagnostics are printed GCC style: `file:line:col: error: message`, the
 * source line and a caret under the column.  Columns count bytes from 1.
 */
#ifndef ASM_H
#define ASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "image.h"

typedef struct asm_options {
    const char *const *include_dirs;  /* -I DIR, searched after the includer's folder */
    size_t ninclude_dirs;
    const char *const *defines;       /* -D: "NAME" (value 1) or "NAME=VALUE" */
    size_t ndefines;
    const char *entry;                /* -e SYMBOL; NULL: .entry, else _start, else
                                         the start of .text */
    FILE *diag;                       /* diagnostics; NULL means stderr */
    FILE *listing;                    /* -l: listing, or NULL */
    FILE *map;                        /* -m: symbol map, or NULL */
    int max_errors;                   /* stop after this many errors; 0 means 20 */
    bool no_include;                  /* refuse .include (source from an untrusted
                                         party must not read the host's files) */
} asm_options;

typedef struct asm_result {
    int errors;
    int warnings;
    int define_errors;   /* of the errors, those in a -D (a bad command line) */
} asm_result;

/* The most bytes of code and data a program may store (its .text and
 * .data, .space and .align in them included). */
#define AS_MAX_BYTES (64u << 20)

/* The longest name of a symbol, a label or a macro. */
#define AS_MAX_NAME 255

/* Is `name` one t32as takes for a label: a letter, '_', '.' or '$', then
 * those or digits, at most AS_MAX_NAME of them, not a register's name nor
 * `.` alone?  (t32dis asks before writing an image's symbols as source:
 * the image format allows any name.) */
bool asm_is_symbol_name(const char *name);

/* Assemble the file at `path`.  Returns true when there were no errors; then
 * *img holds the program (free it with t32_image_free).  On failure *img is
 * left empty.  `res` (may be NULL) receives the diagnostic counts. */
bool asm_assemble_file(const char *path, const asm_options *opt, t32_image *img,
                       asm_result *res);

/* The same for source text in memory; `name` is used in diagnostics and to
 * resolve .include (relative to its folder). */
bool asm_assemble_string(const char *name, const char *text, size_t len,
                         const asm_options *opt, t32_image *img, asm_result *res);

#endif /* ASM_H */
