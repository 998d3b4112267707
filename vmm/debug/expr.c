/*
 * expr.c - the debugger's expressions: C's operators over T32's values.
 *
 *   primary   123  0x7f  0b101  017 (octal)  'a' '\n' '\033'  $pc $r3 $sp $tvec ...  $ $$ $N (values
 *             printed before)  symbol (its address)  ( expr )
 *   unary     - ~ ! * (the word at a guest-virtual address)  & (no-op on a
 *             symbol: a label already is its address)
 *   binary    * / %   + -   << >>   < <= > >=   == !=   &   ^   |   &&   ||
 *             (C's precedence, left to right)
 *
 * A value is 32 bits, like a T32 register: arithmetic wraps as the CPU's
 * does, and / % >> and the comparisons are signed, as C's int.  A number
 * wider than 32 bits, a division by zero or a shift outside 0..31 is an
 * error, never undefined behaviour: everything is computed in 64 bits
 * and cut to 32.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/debug/internal.h"

typedef struct parser {
    debugger   *d;
    const char *p;
    bool        failed;
    int         depth;
} parser;

static bool fail(parser *ps, const char *fmt, const char *what)
{
    if (!ps->failed)
        dbg_error(ps->d, fmt, what);
    ps->failed = true;
    return false;
}

static void skip(parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t')
        ps->p++;
}

/* Is the next token `op` (and not the start of a longer one)? */
static bool accept(parser *ps, const char *op)
{
    skip(ps);
    size_t n = strlen(op);
    if (strncmp(ps->p, op, n) != 0)
        return false;
    char next = ps->p[n];
    if (n == 1 && strchr("<>&|=", op[0]) && (next == op[0] || next == '='))
        return false;   /* "<" is not the start of "<<" or "<=" */
    if (n == 1 && op[0] == '!' && next == '=')
        return false;
    ps->p += n;
    return true;
}

static int64_t expr(parser *ps);

static bool is_ident(char c, bool first)
{
    return isalpha((unsigned char)c) || c == '_' || c == '.' || (!first && isdigit((unsigned char)c));
}

bool expr_is_name(const char *text)
{
    if (!is_ident(text[0], true))
        return false;
    while (*++text)
        if (!is_ident(*text, false))
            return false;
    return true;
}

static int64_t number(parser *ps)
{
    const char *s = ps->p;
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        base = 16, s += 2;
    else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
        base = 2, s += 2;
    else if (s[0] == '0' && isdigit((unsigned char)s[1]))
        base = 8, s += 1;       /* C's octal, as print/o writes it: 010 is 8, 09 an error */
    uint64_t v = 0;
    const char *start = s;
    for (;; s++) {
        int digit = isdigit((unsigned char)*s) ? *s - '0'
                  : isxdigit((unsigned char)*s) && base == 16 ? tolower((unsigned char)*s) - 'a' + 10
                  : -1;
        if (digit < 0 || digit >= base)
            break;
        v = v * (uint64_t)base + (uint64_t)digit;
        if (v > 0xffffffffu)
            return fail(ps, "number too large for 32 bits: %s", ps->p), 0;
    }
    if (s == start || is_ident(*s, false))
        return fail(ps, "malformed number '%s'", ps->p), 0;
    ps->p = s;
    return (int64_t)v;
}

/* $reg, $N, $, $$ */
static int64_t dollar(parser *ps)
{
    debugger *d = ps->d;
    ps->p++;
    char name[32];
    size_t n = 0;
    while (is_ident(ps->p[n], false) && n + 1 < sizeof name)
        name[n] = ps->p[n], n++;
    name[n] = '\0';
    if (is_ident(ps->p[n], false))
        return fail(ps, "no register named '%s'", ps->p), 0;
    ps->p += n;
    uint32_t v;
    if (n == 0) {
        int back = 0;
        if (*ps->p == '$')
            ps->p++, back = 1;
        if (d->nhistory - back < 1)
            return fail(ps, "%s", "history is empty"), 0;
        return d->history[(d->nhistory - 1 - back) % DBG_MAX_HISTORY];
    }
    if (isdigit((unsigned char)name[0])) {
        long k = strtol(name, NULL, 10);
        if (k < 1 || k > d->nhistory || d->nhistory - k >= DBG_MAX_HISTORY)
            return fail(ps, "history has no value $%s", name), 0;
        return d->history[(k - 1) % DBG_MAX_HISTORY];
    }
    if (!dbg_reg_by_name(d, name, &v))
        return fail(ps, "no register named '$%s'", name), 0;
    return v;
}

static int64_t symbol(parser *ps)
{
    char name[256];
    size_t n = 0;
    while (is_ident(ps->p[n], n == 0) && n + 1 < sizeof name)
        name[n] = ps->p[n], n++;
    name[n] = '\0';
    ps->p += n;
    uint32_t v;
    const t32_image *img = dbg_image(ps->d);
    if (!img || !t32_image_lookup(img, name, &v))
        return fail(ps, "no symbol \"%s\" in the image", name), 0;
    return v;
}

/* 'c', or one of C's escapes - '\n' '\t' '\r' '\0' '\\' '\'' ... and
 * '\NNN' (octal, as print/c shows a byte that does not print) or '\xHH'. */
static int64_t char_literal(parser *ps)
{
    static const char from[] = "nrtabfv0\\'\"", to[] = "\n\r\t\a\b\f\v\0\\'\"";
    const char *s = ps->p + 1;
    unsigned v = (unsigned char)*s;
    if (*s == '\\') {
        s++;
        const char *e = *s ? strchr(from, *s) : NULL;
        if (*s >= '0' && *s <= '7') {
            v = 0;
            for (int k = 0; k < 3 && *s >= '0' && *s <= '7'; k++)
                v = v * 8 + (unsigned)(*s++ - '0');
            s--;
        } else if (*s == 'x' && isxdigit((unsigned char)s[1])) {
            v = 0;
            for (int k = 0; k < 2 && isxdigit((unsigned char)s[1]); k++, s++)
                v = v * 16 + (unsigned)(isdigit((unsigned char)s[1]) ? s[1] - '0'
                                        : tolower((unsigned char)s[1]) - 'a' + 10);
        } else if (e) {
            v = (unsigned char)to[e - from];
        } else {
            return fail(ps, "unknown escape in the character constant %s", ps->p), 0;
        }
    }
    if (ps->p[1] == '\'' || v > 0xff || !*s || s[1] != '\'')
        return fail(ps, "syntax error at '%s'", ps->p), 0;
    ps->p = s + 2;
    return v;
}

static int64_t primary(parser *ps)
{
    skip(ps);
    char c = *ps->p;
    if (accept(ps, "(")) {
        int64_t v = expr(ps);
        if (!accept(ps, ")"))
            return fail(ps, "missing ')' at '%s'", ps->p), 0;
        return v;
    }
    if (isdigit((unsigned char)c))
        return number(ps);
    if (c == '$')
        return dollar(ps);
    if (c == '\'')
        return char_literal(ps);
    if (is_ident(c, true))
        return symbol(ps);
    return fail(ps, c ? "syntax error at '%s'" : "%sexpression expected", ps->p), 0;
}

static int64_t unary(parser *ps)
{
    if (++ps->depth > 200)
        return fail(ps, "%s", "expression nested too deeply"), 0;
    int64_t v;
    if (accept(ps, "-"))
        v = -unary(ps);
    else if (accept(ps, "+"))
        v = unary(ps);
    else if (accept(ps, "~"))
        v = ~unary(ps);
    else if (accept(ps, "!"))
        v = (uint32_t)unary(ps) == 0;
    else if (accept(ps, "&"))
        v = unary(ps);
    else if (accept(ps, "*")) {
        uint32_t a = (uint32_t)unary(ps), w = 0;
        if (!ps->failed && !dbg_read_virt(ps->d, a, &w, 4)) {
            char at[16];
            snprintf(at, sizeof at, "0x%08" PRIx32, a);
            fail(ps, "cannot access memory at address %s", at);
        }
        v = w;
    } else
        v = primary(ps);
    ps->depth--;
    return (uint32_t)v;
}

static int32_t s32(int64_t v)
{
    return (int32_t)(uint32_t)v;
}

static int64_t binary(parser *ps, int level);

/* The operators of each level, tightest last. */
static const char *const levels[][5] = {
    { "||" }, { "&&" }, { "|" }, { "^" }, { "&" }, { "==", "!=" },
    { "<=", ">=", "<", ">" }, { "<<", ">>" }, { "+", "-" }, { "*", "/", "%" },
};
#define NLEVELS (int)(sizeof levels / sizeof levels[0])

static int64_t apply(parser *ps, const char *op, int64_t a, int64_t b)
{
    int32_t x = s32(a), y = s32(b);
    switch (op[0]) {
    case '|': return op[1] ? (a || b) : (a | b);
    case '&': return op[1] ? (a && b) : (a & b);
    case '^': return a ^ b;
    case '=': return a == b;
    case '!': return a != b;
    case '+': return a + b;
    case '-': return a - b;
    case '*': return (int64_t)x * y;
    case '/':
    case '%':
        if (y == 0)
            return fail(ps, "%s", "division by zero"), 0;
        return op[0] == '/' ? (int64_t)x / y : (int64_t)x % y;
    case '<':
    case '>':
        if (op[1] == op[0]) {
            if (b < 0 || b > 31)
                return fail(ps, "%s", "shift count out of range (0..31)"), 0;
            return op[0] == '<' ? a << b : (int64_t)(x >> y);
        }
        if (op[1] == '=')
            return op[0] == '<' ? x <= y : x >= y;
        return op[0] == '<' ? x < y : x > y;
    }
    return 0;
}

static int64_t binary(parser *ps, int level)
{
    if (level == NLEVELS)
        return unary(ps);
    int64_t v = binary(ps, level + 1);
    for (;;) {
        const char *op = NULL;
        for (int i = 0; i < 5 && levels[level][i] && !op; i++)
            if (accept(ps, levels[level][i]))
                op = levels[level][i];
        if (!op || ps->failed)
            return v;
        int64_t rhs = binary(ps, level + 1);
        if (ps->failed)
            return 0;
        v = (uint32_t)apply(ps, op, v, rhs);
    }
}

static int64_t expr(parser *ps)
{
    return binary(ps, 0);
}

bool expr_eval(debugger *d, const char *text, uint32_t *value)
{
    parser ps = { .d = d, .p = text };
    int64_t v = expr(&ps);
    skip(&ps);
    if (!ps.failed && *ps.p)
        fail(&ps, "junk after the expression: '%s'", ps.p);
    if (ps.failed)
        return false;
    *value = (uint32_t)v;
    return true;
}

/* ---- locations ------------------------------------------------------------------------- */

static bool file_matches(const char *name, const char *want)
{
    size_t n = strlen(name), w = strlen(want);
    return strcmp(name, want) == 0 ||
           (n > w && strcmp(name + n - w, want) == 0 && name[n - w - 1] == '/');
}

/* The first address of `line` of `file` - or, if that line made no code,
 * of the next line that did (as gdb moves a breakpoint). */
bool expr_file_line(const t32_image *img, const char *file, int line, uint32_t *addr)
{
    int best_line = 0;
    bool found = false;
    for (size_t i = 0; img && i < img->nlines; i++) {
        const t32_line *l = &img->lines[i];
        if (!file_matches(img->files[l->file], file) || (int)l->line < line)
            continue;
        if (!found || (int)l->line < best_line || ((int)l->line == best_line && l->addr < *addr)) {
            best_line = (int)l->line;
            *addr = l->addr;
            found = true;
        }
    }
    return found;
}

static bool known_file(const t32_image *img, const char *file)
{
    for (size_t i = 0; img && i < img->nfiles; i++)
        if (file_matches(img->files[i], file))
            return true;
    return false;
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return false;
    return true;
}

/* A line number, all digits: 1..INT_MAX (a longer one would wrap). */
static bool line_number(debugger *d, const char *s, int *line)
{
    errno = 0;
    unsigned long long n = strtoull(s, NULL, 10);
    if (errno || n > INT_MAX)
        return dbg_error(d, "line number %s is too large", s);
    if (n == 0)
        return dbg_error(d, "line numbers start at 1");
    *line = (int)n;
    return true;
}

bool expr_location(debugger *d, const char *text, uint32_t *addr)
{
    const t32_image *img = dbg_image(d);
    const char *colon = strrchr(text, ':');
    char file[512];
    int line;
    if (*text == '*')
        return expr_eval(d, text + 1, addr);
    if (colon && all_digits(colon + 1) && colon > text) {
        snprintf(file, sizeof file, "%.*s", (int)(colon - text), text);
        if (!line_number(d, colon + 1, &line))
            return false;
    } else if (all_digits(text) && strlen(text) < 9) {
        const char *cur;
        if (!img || !t32_image_line(img, dbg_pc(d), &cur, NULL))
            return dbg_error(d, "no source file for the current pc: give FILE:LINE");
        snprintf(file, sizeof file, "%s", cur);
        if (!line_number(d, text, &line))
            return false;
    } else {
        return expr_eval(d, text, addr);
    }
    if (!known_file(img, file))
        return dbg_error(d, "no source file named %s in the image's line table", file);
    if (!expr_file_line(img, file, line, addr))
        return dbg_error(d, "line %d of %s made no code", line, file);
    return true;
}

/* The index of the image's file named exactly `name`, or -1. */
static int file_index(const t32_image *img, const char *name)
{
    for (size_t i = 0; i < img->nfiles; i++)
        if (strcmp(img->files[i], name) == 0)
            return (int)i;
    return -1;
}

bool expr_source_line(debugger *d, const char *text, int cur_file, int *file, int *line)
{
    const t32_image *img = dbg_image(d);
    const char *colon = strrchr(text, ':');
    if (!img || img->nfiles == 0)
        return dbg_error(d, "the image has no line table");
    if (colon && colon > text && all_digits(colon + 1)) {     /* FILE:LINE */
        *file = -1;
        char name[512];
        snprintf(name, sizeof name, "%.*s", (int)(colon - text), text);
        for (size_t i = 0; i < img->nfiles && *file < 0; i++)
            if (file_matches(img->files[i], name))
                *file = (int)i;
        if (*file < 0)
            return dbg_error(d, "no source file named %s in the image's line table", name);
        return line_number(d, colon + 1, line);
    }
    if (all_digits(text)) {                                     /* LINE */
        const char *cur;
        *file = cur_file;
        if (*file < 0 && t32_image_line(img, dbg_pc(d), &cur, NULL))
            *file = file_index(img, cur);
        if (*file < 0)
            return dbg_error(d, "no source file for the current pc: give FILE:LINE");
        return line_number(d, text, line);
    }
    uint32_t a;                                                 /* an address */
    const char *name;
    if (!expr_location(d, text, &a))
        return false;
    if (!t32_image_line(img, a, &name, line))
        return dbg_error(d, "no line table entry for 0x%08" PRIx32, a);
    *file = file_index(img, name);
    return true;
}

bool expr_code_location(debugger *d, const char *text, uint32_t *addr)
{
    if (!expr_location(d, text, addr))
        return false;
    if (*addr & 3)
        return dbg_error(d, "0x%08" PRIx32 " is not an instruction address (a multiple of 4)",
                         *addr);
    return true;
}
