/*
 * directives.c - the assembler's directives (ISA.md section 5).
 *
 * Data:      .word .half .byte  (lists of expressions)   .ascii .asciz (strings)
 * Code:      .inst WORD, ...  (words that are instructions, not data)
 * Space:     .space N[, FILL]   .align N[, FILL]   .org ADDR
 * Sections:  .text .data .bss
 * Symbols:   .equ NAME, EXPR   .set NAME, EXPR   .global NAME, ...
 * Entry:     .entry EXPR  (where execution starts; t32as -e SYMBOL wins)
 * Files:     .include "file"
 *
 * Macros (.macro/.endm) and conditionals (.if ... .endif) live in source.c,
 * because they decide which lines are read at all.
 *
 * Expressions that decide how many bytes a directive produces (.space,
 * .align, .org) must be computable where they stand: they may only use
 * symbols defined above them (EXPR_NOW), so every pass agrees on sizes.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_ALIGN (1u << 24)

static bool end_of_line(as_state *as, lexer *lx, token dir)
{
    token t = lx_next(lx);
    char buf[48];
    if (t.kind == T_EOL)
        return true;
    if (t.kind != T_ERROR)
        as_error(as, t, "unexpected %s after the operands of '%.*s'",
                 tok_describe(lx, t, buf, sizeof buf), (int)dir.len, lx->s + dir.pos);
    return false;
}

/* The next operand must exist. */
static bool operand(as_state *as, lexer *lx, token dir, const char *what)
{
    token t = lx_peek(lx);
    if (t.kind != T_EOL)
        return true;
    as_error(as, t, "'%.*s' needs %s", (int)dir.len, lx->s + dir.pos, what);
    return false;
}

/* .word/.half/.byte: a comma-separated list of values of `size` bytes. */
static bool data(as_state *as, lexer *lx, token dir, int size)
{
    static const char *const what[] = { "", "a byte", "a half-word", "", "a word" };
    if (!operand(as, lx, dir, "at least one value"))
        return false;
    as->list_unit = size;
    do {
        value v;
        token at;
        if (!expr(as, lx, 0, &v, &at))
            return false;
        uint32_t x = fit_field(as, at, v, size * 8, FIT_EITHER, what[size]);
        uint8_t b[4] = { (uint8_t)x, (uint8_t)(x >> 8), (uint8_t)(x >> 16), (uint8_t)(x >> 24) };
        if (!sec_emit(as, at, b, (size_t)size))
            return false;
    } while (lx_accept(lx, ','));
    return end_of_line(as, lx, dir);
}

/* The next token, which must be a string literal: its decoded bytes in
 * *bytes (malloc'd, with room for one more byte) and *n, the token in *t.
 * `what` names what was expected, for the error message. */
static bool string_operand(as_state *as, lexer *lx, const char *what, token *t,
                           uint8_t **bytes, size_t *n)
{
    char buf[48];
    *t = lx_next(lx);
    if (t->kind != T_STR) {
        if (t->kind != T_ERROR)
            as_error(as, *t, "expected %s, found %s", what,
                     tok_describe(lx, *t, buf, sizeof buf));
        return false;
    }
    if (!lx_string(lx, *t, bytes, n)) {
        as_error(as, *t, "out of memory");
        return false;
    }
    return true;
}

/* .ascii/.asciz: strings, the latter each followed by a NUL. */
static bool strings(as_state *as, lexer *lx, token dir, bool nul)
{
    if (!operand(as, lx, dir, "a string"))
        return false;
    do {
        token t;
        uint8_t *bytes;
        size_t n;
        if (!string_operand(as, lx, "a string in double quotes", &t, &bytes, &n))
            return false;
        if (nul)
            bytes[n++] = 0;    /* room: the decoded string is shorter than its token */
        bool ok = sec_emit(as, t, bytes, n);
        free(bytes);
        if (!ok)
            return false;
    } while (lx_accept(lx, ','));
    return end_of_line(as, lx, dir);
}

/* An optional ", FILL" byte. */
static bool fill_byte(as_state *as, lexer *lx, uint8_t *fill)
{
    *fill = 0;
    if (!lx_accept(lx, ','))
        return true;
    value v;
    token at;
    if (!expr(as, lx, 0, &v, &at))
        return false;
    *fill = (uint8_t)fit_field(as, at, v, 8, FIT_EITHER, "a fill byte");
    return true;
}

static bool space(as_state *as, lexer *lx, token dir)
{
    value n;
    token at;
    uint8_t fill;
    if (!operand(as, lx, dir, "a size") || !expr(as, lx, EXPR_NOW, &n, &at) ||
        !fill_byte(as, lx, &fill) || !end_of_line(as, lx, dir))
        return false;
    if (n.v < 0) {
        as_error(as, at, ".space size %lld is negative", (long long)n.v);
        return false;
    }
    return sec_fill(as, at, (uint64_t)n.v, fill);
}

static bool align(as_state *as, lexer *lx, token dir)
{
    value n;
    token at;
    uint8_t fill;
    if (!operand(as, lx, dir, "an alignment") || !expr(as, lx, EXPR_NOW, &n, &at) ||
        !fill_byte(as, lx, &fill) || !end_of_line(as, lx, dir))
        return false;
    if (n.v < 1 || n.v > MAX_ALIGN) {
        as_error(as, at, ".align %lld is out of range (1..%u bytes)", (long long)n.v, MAX_ALIGN);
        return false;
    }
    uint64_t here = sec_here64(as);
    return sec_fill(as, at, ((uint64_t)n.v - here % (uint64_t)n.v) % (uint64_t)n.v, fill);
}

static bool org(as_state *as, lexer *lx, token dir)
{
    value a;
    token at;
    return operand(as, lx, dir, "an address") && expr(as, lx, EXPR_NOW, &a, &at) &&
           end_of_line(as, lx, dir) && sec_org(as, at, a.v);
}

/* .entry EXPR: where execution starts, unless -e names a symbol.  The
 * value may refer forward (`.entry main` at the top); the final pass's
 * value is the one the image gets.  t32dis writes one whenever an image's
 * entry is not what t32as would choose by itself, so that its output
 * assembles back to the same image. */
static bool entry(as_state *as, lexer *lx, token dir)
{
    value v;
    token at;
    if (!operand(as, lx, dir, "an address or a symbol") || !expr(as, lx, 0, &v, &at) ||
        !end_of_line(as, lx, dir))
        return false;
    if (v.known && (v.v < 0 || v.v > (int64_t)UINT32_MAX)) {
        as_error(as, at, "entry point %lld is outside the 32-bit address space "
                 "(0..0xffffffff)", (long long)v.v);
        return false;
    }
    if (as->entry_set) {
        /* The same place twice (a file included twice) is harmless. */
        if (v.known && as->entry.known && v.v != as->entry.v) {
            as_error(as, at, "a second '.entry' (0x%08llx) differs from the first (0x%08llx)",
                     (unsigned long long)v.v, (unsigned long long)as->entry.v);
            as_diag_at(as, DIAG_NOTE, as->entry_file, as->entry_line, as->entry_col,
                       "the first '.entry' was here");
            return false;
        }
        return true;
    }
    as->entry_set = true;
    as->entry = v;
    as->entry_file = as->frame->file;
    as->entry_line = as->frame->line;
    as->entry_col = (int)at.pos + 1;
    return true;
}

/* A symbol name operand, copied into name[size]. */
static bool name_operand(as_state *as, lexer *lx, token dir, char *name, size_t size, token *t)
{
    if (!operand(as, lx, dir, "a symbol name"))
        return false;
    *t = lx_next(lx);
    char buf[48];
    if (t->kind != T_IDENT || (t->len == 1 && lx->s[t->pos] == '.')) {
        if (t->kind != T_ERROR)
            as_error(as, *t, "expected a symbol name, found %s", tok_describe(lx, *t, buf, sizeof buf));
        return false;
    }
    if (lx_text(lx, *t, name, size) >= size) {
        as_error(as, *t, "symbol name is too long (more than %zu characters)", size - 1);
        return false;
    }
    return true;
}

static bool equ(as_state *as, lexer *lx, token dir, sym_kind kind)
{
    char name[AS_MAX_NAME + 1];
    token t, comma;
    value v;
    if (!name_operand(as, lx, dir, name, sizeof name, &t))
        return false;
    comma = lx_next(lx);
    if (!lx_is(comma, ',')) {
        if (comma.kind != T_ERROR)
            as_error(as, comma, "expected ',' and a value after the name");
        return false;
    }
    as->collecting = true;           /* note what the value is read from */
    as->ncollect = 0;
    bool ok = operand(as, lx, dir, "a value") && expr(as, lx, 0, &v, NULL);
    as->collecting = false;
    if (!ok) {
        /* Said once, here: the symbol then reads as 0, as after a cycle,
         * rather than as "undefined" at every use. */
        v = (value){ 0, true, true, true };
        as->ncollect = 0;
    } else {
        ok = end_of_line(as, lx, dir);
    }
    char cycle[512];
    if (sym_cycle(as, name, cycle, sizeof cycle)) {
        as_error(as, t, "'%s %s' depends on itself: %s", kind == SYM_EQU ? ".equ" : ".set",
                 name, cycle);
        v = (value){ 0, true, true, true };   /* settle on 0 instead of chasing the cycle */
        as->ncollect = 0;
    }
    if (!sym_define(as, t, name, kind, v))
        return false;
    symbol *s = sym_find(as, name);
    sym_keep_deps(as, s);
    s->failed = !ok;
    return ok;
}

static bool global(as_state *as, lexer *lx, token dir)
{
    do {
        char name[AS_MAX_NAME + 1];
        token t;
        if (!name_operand(as, lx, dir, name, sizeof name, &t))
            return false;
        symbol *s = sym_get(as, name);
        if (!s)
            return false;
        s->global = true;
        s->glob_file = as->frame->file;
        s->glob_line = as->frame->line;
        s->glob_col = (int)t.pos + 1;
    } while (lx_accept(lx, ','));
    return end_of_line(as, lx, dir);
}

static bool include(as_state *as, lexer *lx, token dir)
{
    if (!operand(as, lx, dir, "a file name in double quotes"))
        return false;
    token t;
    uint8_t *path;
    size_t n;
    if (!string_operand(as, lx, "a file name in double quotes", &t, &path, &n))
        return false;
    path[n] = '\0';
    bool ok = strlen((char *)path) == n && end_of_line(as, lx, dir);
    if (strlen((char *)path) != n)
        as_error(as, t, "file name contains a NUL character");
    if (ok)
        ok = src_include(as, (char *)path, t, true);
    free(path);
    return ok;
}

/* .inst WORD, ...: words stored as instructions - code, not a data range
 * (what t32dis writes for a word of code it cannot decode), so aligned as
 * an instruction must be. */
static bool inst(as_state *as, lexer *lx, token dir)
{
    if (sec_here(as) % 4) {
        as_error(as, dir, ".inst at unaligned address 0x%x (instructions must be "
                 "word-aligned: add '.align 4')", sec_here(as));
        return false;
    }
    return data(as, lx, dir, 4);
}

static bool switch_section(as_state *as, lexer *lx, token dir, int sec)
{
    as->cur = sec;
    return end_of_line(as, lx, dir);
}

static bool dispatch(as_state *as, lexer *lx, token dir, const char *name)
{
    if (strcmp(name, ".word") == 0)   return data(as, lx, dir, 4), true;
    if (strcmp(name, ".inst") == 0)   return inst(as, lx, dir), true;
    if (strcmp(name, ".half") == 0)   return data(as, lx, dir, 2), true;
    if (strcmp(name, ".byte") == 0)   return data(as, lx, dir, 1), true;
    if (strcmp(name, ".ascii") == 0)  return strings(as, lx, dir, false), true;
    if (strcmp(name, ".asciz") == 0)  return strings(as, lx, dir, true), true;
    if (strcmp(name, ".space") == 0)  return space(as, lx, dir), true;
    if (strcmp(name, ".align") == 0)  return align(as, lx, dir), true;
    if (strcmp(name, ".org") == 0)    return org(as, lx, dir), true;
    if (strcmp(name, ".equ") == 0)    return equ(as, lx, dir, SYM_EQU), true;
    if (strcmp(name, ".set") == 0)    return equ(as, lx, dir, SYM_SET), true;
    if (strcmp(name, ".global") == 0) return global(as, lx, dir), true;
    if (strcmp(name, ".entry") == 0)  return entry(as, lx, dir), true;
    if (strcmp(name, ".include") == 0) return include(as, lx, dir), true;
    if (strcmp(name, ".text") == 0)   return switch_section(as, lx, dir, SEC_TEXT), true;
    if (strcmp(name, ".data") == 0)   return switch_section(as, lx, dir, SEC_DATA), true;
    if (strcmp(name, ".bss") == 0)    return switch_section(as, lx, dir, SEC_BSS), true;
    return false;
}

bool directive(as_state *as, lexer *lx, token dir, const char *name)
{
    /* Bytes a directive stores are data, even in .text (but the lines of
     * an .include are lines like any other, and .inst stores code). */
    as->in_data = strcmp(name, ".include") != 0 && strcmp(name, ".inst") != 0;
    bool known = dispatch(as, lx, dir, name);
    as->in_data = false;
    return known;
}
