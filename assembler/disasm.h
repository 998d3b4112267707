/*
 * disasm.h - the T32 disassembler (t32dis, and any tool that shows code:
 * the debugger, trace output).
 *
 * Output is always text that t32as accepts and turns back into the same
 * word: `dis_insn` followed by assembling gives the identical instruction
 * for every 32-bit word (tests/asm checks this for every opcode).  A word
 * that is not an instruction - an unassigned opcode, or unused bits that
 * are not zero - is shown as `.word 0x...`.
 */
#ifndef DISASM_H
#define DISASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "image.h"

/* Disassemble the word found at address `pc` into buf.  Branch targets are
 * shown as `symbol+offset` from `img` when one is near (img may be NULL),
 * else as an absolute address.  Returns false when the word is not a valid
 * instruction (buf then holds `.word 0x...`). */
bool dis_insn(uint32_t word, uint32_t pc, const t32_image *img, char *buf, size_t len);

/* Disassemble a whole image as t32as source: symbols become labels (or
 * .equ lines), executable segments instructions, other segments .word and
 * .byte data, and zero-filled tails .space.  Each line carries its address
 * and encoding in a comment. */
void dis_image(const t32_image *img, FILE *out);

/* Take out of img the symbols dis_image could not write as t32as source:
 * a name t32as does not accept (asm_is_symbol_name: the image format
 * allows any), or a name an earlier symbol has.  dropped(ctx, sym,
 * duplicate) is told of each before it goes.  Returns how many went. */
size_t dis_drop_unwritable_symbols(t32_image *img, void (*dropped)(void *ctx,
                                   const t32_symbol *s, bool duplicate), void *ctx);

/* Can dis_image's source of img be assembled again?  Not if its .text and
 * .data (segments with code, or with stored bytes: their zero tails are
 * .space there) would store more than t32as does (AS_MAX_BYTES): an image
 * may hold a segment of gigabytes of zeros that only .bss could reserve.
 * False with the reason in why. */
bool dis_image_fits(const t32_image *img, char *why, size_t len);

/* Disassemble raw little-endian words (a flat binary) loaded at `base`
 * (base + len must not pass 2^32), as t32as source that starts with
 * `.org base`, so it assembles back to the same words there. */
void dis_raw(const uint8_t *bytes, size_t len, uint32_t base, FILE *out);

#endif /* DISASM_H */
