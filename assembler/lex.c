/*
 * lex.c - the lexer: turns one line of assembly into tokens, on demand.
 *
 * A lexer is only a position in the line, so the parser can look ahead by
 * copying it (lx_peek) and never needs a token array - a 10 MB line costs no
 * memory.  Tokens: names (`loop`, `r1`, `.word`, `.`), numbers (`42`,
 * `0x2a`, `0b101010`, `'*'`), local label references (`1b`, `1f`),
 * strings, and C operators.  A comment (`;` or `//`) ends the statement.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void lx_init(lexer *lx, as_state *as, const char *s, size_t len)
{
    *lx = (lexer){ as, s, len, 0, false };
}

static bool is_name_start(int c) { return isalpha(c) || c == '_' || c == '.' || c == '$'; }
static bool is_name_char(int c)  { return isalnum(c) || c == '_' || c == '.' || c == '$'; }

bool lx_is_name(const char *s, size_t len)
{
    if (len == 0 || !is_name_start((unsigned char)s[0]))
        return false;
    for (size_t i = 1; i < len; i++)
        if (!is_name_char((unsigned char)s[i]))
            return false;
    return true;
}

static int at(const lexer *lx, size_t i)
{
    return i < lx->len ? (unsigned char)lx->s[i] : -1;
}

/* Report a lexical error, unless this is only a peek ahead (the real read
 * of the same token will report it). */
__attribute__((format(printf, 4, 5)))
static void lex_error(const lexer *lx, size_t pos, size_t len, const char *fmt, ...)
{
    if (lx->quiet)
        return;
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    as_diag(lx->as, DIAG_ERROR, pos, len, "%s", msg);
}

static token error_at(lexer *lx, size_t pos, size_t len)
{
    lx->pos = lx->len;             /* nothing more on this line makes sense */
    return (token){ .kind = T_ERROR, .pos = pos, .len = len };
}

/* What escape() returns for a sequence it refuses. */
enum { ESC_UNKNOWN = -1, ESC_NO_HEX = -2, ESC_OCTAL_RANGE = -3,
       ESC_END = -4 /* the line ends after the backslash */ };

static const char *escape_problem(int code)
{
    return code == ESC_NO_HEX      ? "\\x used with no following hex digits"
         : code == ESC_OCTAL_RANGE ? "octal escape sequence out of range (at most \\377)"
         :                           "unknown escape sequence";
}

/* One escape sequence after the backslash at s[*i]; advances *i past it.
 * Returns the byte value, or an ESC_ code.  As in C, an octal escape is one
 * to three octal digits, so `\0` is NUL and `\012` a newline. */
static int escape(const lexer *lx, size_t *i)
{
    static const char from[] = "ntr\\'\"abfve", to[] = "\n\t\r\\'\"\a\b\f\v\033";
    int c = at(lx, ++*i);
    if (c < 0)
        return ESC_END;
    if (c == 'x') {
        int v = 0, n = 0;
        while (n < 2 && isxdigit(at(lx, *i + 1))) {
            int d = at(lx, ++*i);
            v = v * 16 + (isdigit(d) ? d - '0' : tolower(d) - 'a' + 10);
            n++;
        }
        ++*i;
        return n ? v : ESC_NO_HEX;
    }
    if (c >= '0' && c <= '7') {
        int v = c - '0', n = 1;
        while (n < 3 && at(lx, *i + 1) >= '0' && at(lx, *i + 1) <= '7') {
            v = v * 8 + (at(lx, ++*i) - '0');
            n++;
        }
        ++*i;
        return v <= 255 ? v : ESC_OCTAL_RANGE;
    }
    const char *p = c > 0 ? memchr(from, c, sizeof from - 1) : NULL;
    ++*i;
    return p ? (unsigned char)to[p - from] : ESC_UNKNOWN;
}

static token lex_char(lexer *lx, size_t start)
{
    size_t i = start + 1;
    int v;
    if (at(lx, i) == '\'' ) {
        lex_error(lx, start, 2, "empty character constant");
        return error_at(lx, start, 2);
    }
    if (at(lx, i) < 0) {
        lex_error(lx, start, 1, "missing terminating ' character");
        return error_at(lx, start, 1);
    }
    if (at(lx, i) == '\\') {
        v = escape(lx, &i);
        if (v == ESC_END) {
            lex_error(lx, start, 1, "missing terminating ' character");
            return error_at(lx, start, 1);
        }
        if (v < 0) {
            lex_error(lx, start + 1, i - start - 1, "%s", escape_problem(v));
            return error_at(lx, start, 1);
        }
    } else {
        v = at(lx, i++);
    }
    if (at(lx, i) != '\'') {
        lex_error(lx, start, i - start,
                at(lx, i) < 0 ? "missing terminating ' character"
                              : "character constant holds more than one character");
        return error_at(lx, start, 1);
    }
    lx->pos = i + 1;
    return (token){ .kind = T_NUM, .pos = start, .len = i + 1 - start, .num = v };
}

static token lex_string(lexer *lx, size_t start)
{
    size_t i = start + 1;
    while (at(lx, i) != '"') {
        if (at(lx, i) < 0) {
            lex_error(lx, start, 1, "missing terminating \" character");
            return error_at(lx, start, 1);
        }
        if (at(lx, i) == '\\') {
            size_t esc = i;
            int v = escape(lx, &i);
            if (v == ESC_END) {
                lex_error(lx, start, 1, "missing terminating \" character");
                return error_at(lx, start, 1);
            }
            if (v < 0) {
                lex_error(lx, esc, i - esc, "%s", escape_problem(v));
                return error_at(lx, start, 1);
            }
        } else {
            i++;
        }
    }
    lx->pos = i + 1;
    return (token){ .kind = T_STR, .pos = start, .len = i + 1 - start };
}

static int digit_value(int c)
{
    if (isdigit(c))
        return c - '0';
    if (isxdigit(c))
        return tolower(c) - 'a' + 10;
    return 99;
}

static token lex_number(lexer *lx, size_t start)
{
    size_t i = start;
    int base = 10;
    if (at(lx, i) == '0' && (at(lx, i + 1) == 'x' || at(lx, i + 1) == 'X') &&
        isxdigit(at(lx, i + 2)))
        base = 16, i += 2;
    else if (at(lx, i) == '0' && (at(lx, i + 1) == 'b' || at(lx, i + 1) == 'B') &&
             (at(lx, i + 2) == '0' || at(lx, i + 2) == '1'))
        base = 2, i += 2;
    /* Expressions are 64-bit signed (expr.c), so a literal may be as large
     * as INT64_MAX: `.equ BIG, 0x100000000` is fine, and a field that
     * cannot hold it says so, with its range. */
    uint64_t v = 0;
    bool big = false;
    while (digit_value(at(lx, i)) < base) {
        uint64_t d = (uint64_t)digit_value(at(lx, i++));
        if (v > ((uint64_t)INT64_MAX - d) / (uint64_t)base)
            big = true, v = INT64_MAX;
        else
            v = v * (uint64_t)base + d;
    }
    /* 1b / 1f: a reference to numeric local label 1, backward or forward. */
    if (base == 10 && (at(lx, i) == 'b' || at(lx, i) == 'f') && !is_name_char(at(lx, i + 1))) {
        lx->pos = i + 1;
        return (token){ .kind = T_LOCAL, .pos = start, .len = i + 1 - start,
                        .num = (int64_t)v, .fwd = at(lx, i) == 'f' };
    }
    if (is_name_char(at(lx, i))) {
        size_t end = i;
        while (is_name_char(at(lx, end)))
            end++;
        lex_error(lx, i, end - i, "invalid suffix '%.*s' on integer constant",
                (int)(end - i > 32 ? 32 : end - i), lx->s + i);
        return error_at(lx, start, end - start);
    }
    if (big) {
        lex_error(lx, start, i - start, "integer constant is too large (expressions are "
                  "64-bit: 0..%lld)", (long long)INT64_MAX);
        return error_at(lx, start, i - start);
    }
    lx->pos = i;
    return (token){ .kind = T_NUM, .pos = start, .len = i - start, .num = (int64_t)v };
}

static token lex_punct(lexer *lx, size_t start)
{
    static const struct { char text[3]; int op; } two[] = {
        { "<<", OP_SHL }, { ">>", OP_SHR }, { "<=", OP_LE }, { ">=", OP_GE },
        { "==", OP_EQ }, { "!=", OP_NE }, { "&&", OP_ANDAND }, { "||", OP_OROR },
    };
    for (size_t k = 0; k < sizeof two / sizeof two[0]; k++)
        if (at(lx, start) == two[k].text[0] && at(lx, start + 1) == two[k].text[1]) {
            lx->pos = start + 2;
            return (token){ .kind = T_PUNCT, .op = two[k].op, .pos = start, .len = 2 };
        }
    int c = at(lx, start);
    if (c > 0 && strchr("+-*/%&|^~!<>?:(),=", c)) {
        lx->pos = start + 1;
        return (token){ .kind = T_PUNCT, .op = c, .pos = start, .len = 1 };
    }
    if (c == '\\')       /* \ARG, \@: what a macro body substitutes, left here */
        lex_error(lx, start, 1, "stray '\\' in program (\\NAME and \\@ mean something only "
                  "inside a .macro body)");
    else if (isprint(c))
        lex_error(lx, start, 1, "stray '%c' in program", c);
    else
        lex_error(lx, start, 1, "stray '\\%03o' in program", (unsigned)c);
    return error_at(lx, start, 1);
}

token lx_next(lexer *lx)
{
    while (lx->pos < lx->len && (lx->s[lx->pos] == ' ' || lx->s[lx->pos] == '\t' ||
                                 lx->s[lx->pos] == '\r' || lx->s[lx->pos] == '\f' ||
                                 lx->s[lx->pos] == '\v'))
        lx->pos++;
    size_t start = lx->pos;
    int c = at(lx, start);
    if (c < 0 || c == ';' || (c == '/' && at(lx, start + 1) == '/'))
        return (token){ .kind = T_EOL, .pos = start, .len = 1 };
    if (is_name_start(c)) {
        size_t i = start;
        while (is_name_char(at(lx, i)))
            i++;
        lx->pos = i;
        return (token){ .kind = T_IDENT, .pos = start, .len = i - start };
    }
    if (isdigit(c))
        return lex_number(lx, start);
    if (c == '\'')
        return lex_char(lx, start);
    if (c == '"')
        return lex_string(lx, start);
    return lex_punct(lx, start);
}

token lx_peek(const lexer *lx)
{
    lexer copy = *lx;
    copy.quiet = true;
    return lx_next(&copy);
}

bool lx_is(token t, int op)
{
    return t.kind == T_PUNCT && t.op == op;
}

bool lx_accept(lexer *lx, int op)
{
    if (!lx_is(lx_peek(lx), op))
        return false;
    lx_next(lx);
    return true;
}

size_t lx_text(const lexer *lx, token t, char *buf, size_t bufsize)
{
    size_t n = t.len < bufsize - 1 ? t.len : bufsize - 1;
    memcpy(buf, lx->s + t.pos, n);
    buf[n] = '\0';
    return t.len;
}

/* Step over the labels that begin a statement (`name:` and `1:`) without
 * defining them, quietly: the .if family and .endm are looked for before
 * labels are defined, and may follow labels like any directive. */
void lx_skip_labels(lexer *lx)
{
    for (;;) {
        lexer ahead = *lx;
        ahead.quiet = true;
        token t = lx_next(&ahead), colon = lx_next(&ahead);
        bool number = t.kind == T_NUM && lx->s[t.pos] >= '0' && lx->s[t.pos] <= '9';
        if (!lx_is(colon, ':') || (t.kind != T_IDENT && !number))
            return;
        bool quiet = lx->quiet;
        *lx = ahead;
        lx->quiet = quiet;
    }
}

bool tok_is_name(const lexer *lx, token t, const char *name)
{
    return t.kind == T_IDENT && strlen(name) == t.len && memcmp(lx->s + t.pos, name, t.len) == 0;
}

const char *tok_describe(const lexer *lx, token t, char *buf, size_t bufsize)
{
    if (t.kind == T_EOL)
        return "end of line";
    if (t.kind == T_ERROR)
        return "an invalid token";
    size_t n = t.len < 32 ? t.len : 32;
    snprintf(buf, bufsize, "'%.*s%s'", (int)n, lx->s + t.pos, t.len > n ? "..." : "");
    return buf;
}

bool lx_string(const lexer *lx, token t, uint8_t **out, size_t *outlen)
{
    uint8_t *b = malloc(t.len ? t.len : 1);
    size_t n = 0;
    if (!b)
        return false;
    for (size_t i = t.pos + 1; i < t.pos + t.len - 1;) {
        if (lx->s[i] == '\\')
            b[n++] = (uint8_t)escape(lx, &i);
        else
            b[n++] = (uint8_t)lx->s[i++];
    }
    *out = b;
    *outlen = n;
    return true;
}

bool asm_is_symbol_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > AS_MAX_NAME || !is_name_start((unsigned char)name[0]) ||
        strcmp(name, ".") == 0 || as_register(name) >= 0)
        return false;
    for (size_t i = 1; i < n; i++)
        if (!is_name_char((unsigned char)name[i]))
            return false;
    return true;
}

int as_register(const char *name)
{
    static const struct { const char *name; int reg; } alias[] = {
        { "zero", T32_REG_ZERO }, { "fp", T32_REG_FP }, { "sp", T32_REG_SP }, { "lr", T32_REG_LR },
    };
    for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
        if (strcmp(name, alias[i].name) == 0)
            return alias[i].reg;
    if (name[0] != 'r' || !isdigit((unsigned char)name[1]))
        return -1;
    if (name[2] == '\0')
        return name[1] - '0';
    if (name[1] == '1' && name[2] >= '0' && name[2] <= '5' && name[3] == '\0')
        return 10 + name[2] - '0';
    return -1;
}
