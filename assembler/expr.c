/*
 * expr.c - assembler expressions: C's operators with C's precedence.
 *
 *     ?:            (lowest, right to left)
 *     ||  &&  |  ^  &
 *     ==  !=   <  <=  >  >=   <<  >>
 *     +  -      *  /  %
 *     unary - + ~ !   (highest)
 *
 * Values are 64-bit signed integers, so 0xffffffff is positive and `-1` is
 * negative, and each use decides how the result must fit (a 16-bit field,
 * a word, ...).  Nothing wraps: a result outside the 64-bit range (of +, -,
 * *, /, << or unary -) is an error, like division by zero and shift counts
 * outside 0..63 - else `.word (1 << 62) * 4` would quietly store 0, which
 * the field check could not catch.
 *
 * `&&`, `||` and `?:` evaluate as C does: the operand C would not evaluate
 * (the right of `0 && x` or `1 || x`, the branch `?:` does not take) is
 * still parsed and its symbols must exist, but its arithmetic cannot fail -
 * so `.if N != 0 && 100 / N > 3` is fine when N is 0.  While the deciding
 * value is not known yet (pass 1), both sides count as not evaluated; the
 * final pass, where every value is known, reports what is really computed.
 *
 * Each value also carries two facts.  `known` is false only in pass 1, for
 * a symbol defined further down.  `constant` is true when no address (label,
 * `.`, local label) went into it: `li` uses its short form only for
 * constants, so its size never depends on where code ends up.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

typedef struct parser {
    as_state *as;
    lexer *lx;
    int flags;
    int depth;       /* nesting of parentheses, unary operators and ?: */
    int unevaluated; /* > 0 inside an operand that && || ?: do not evaluate */
} parser;

/* Deeper nesting is refused, so a hostile line cannot overflow the stack. */
#define MAX_NESTING 256

/* Enter one more level of nesting; false (reported) if too deep. */
static bool nest(parser *p, token at)
{
    if (++p->depth <= MAX_NESTING)
        return true;
    as_error(p->as, at, "expression nested too deeply (more than %d levels)", MAX_NESTING);
    return false;
}

static bool ternary(parser *p, value *out);

/* Binding power of a binary operator, 0 if the token is not one. */
static int precedence(token t)
{
    if (t.kind != T_PUNCT)
        return 0;
    switch (t.op) {
    case OP_OROR:   return 1;
    case OP_ANDAND: return 2;
    case '|':       return 3;
    case '^':       return 4;
    case '&':       return 5;
    case OP_EQ: case OP_NE: return 6;
    case '<': case OP_LE: case '>': case OP_GE: return 7;
    case OP_SHL: case OP_SHR: return 8;
    case '+': case '-': return 9;
    case '*': case '/': case '%': return 10;
    default:        return 0;
    }
}

static bool symbol_value(parser *p, token t, value *out)
{
    as_state *as = p->as;
    char name[AS_MAX_NAME + 1];
    if (lx_text(p->lx, t, name, sizeof name) >= sizeof name) {
        as_error(as, t, "name is too long (more than %zu characters)", sizeof name - 1);
        return false;
    }
    if (as_register(name) >= 0) {
        as_error(as, t, "register '%s' cannot be used in an expression", name);
        return false;
    }
    symbol *s = sym_find(as, name);
    if (s && as->collecting)
        sym_note_dep(as, s);
    if (s && sym_defined_now(as, s)) {
        int64_t v = s->value;
        if (s->kind == SYM_LABEL &&
            !sec_label_read(as, t, name, s->value, s->prev_defined ? &s->prev_value : NULL,
                            p->flags, &v))
            return false;
        *out = (value){ v, true, s->constant, s->absolute };
        return true;
    }
    if (s && s->prev_defined && (p->flags & EXPR_NOW)) {
        as_error(as, t, "'%s' is used before its definition, but its value is needed here", name);
        return false;
    }
    if (s && s->prev_defined) {
        /* forward: never "constant"; as absolute as it was */
        *out = (value){ s->prev_value, true, false, s->prev_absolute };
        return true;
    }
    if (as->pass == 1 && !(p->flags & EXPR_NOW)) {
        *out = (value){ 0, false, false, false };
        return true;
    }
    const char *guess = sym_closest(as, name);
    if (guess)
        as_error(as, t, "undefined symbol '%s'; did you mean '%s'?", name, guess);
    else
        as_error(as, t, "undefined symbol '%s'", name);
    return false;
}

static bool primary(parser *p, value *out)
{
    token t = lx_next(p->lx);
    switch (t.kind) {
    case T_NUM:
        *out = (value){ t.num, true, true, true };
        return true;
    case T_LOCAL:
        return local_ref(p->as, t, out, p->flags);
    case T_IDENT:
        if (t.len == 1 && p->lx->s[t.pos] == '.') {
            *out = (value){ (int64_t)sec_here64(p->as), true, false, false };
            return true;
        }
        return symbol_value(p, t, out);
    case T_ERROR:
        return false;
    default:
        break;
    }
    if (lx_is(t, '(')) {
        if (!nest(p, t) || !ternary(p, out))
            return false;
        p->depth--;
        token close = lx_next(p->lx);
        if (lx_is(close, ')'))
            return true;
        if (close.kind != T_ERROR)
            as_error(p->as, close, "expected ')' to close the '(' at column %zu", t.pos + 1);
        return false;
    }
    char buf[48];
    as_error(p->as, t, "expected an expression, found %s", tok_describe(p->lx, t, buf, sizeof buf));
    return false;
}

/* Report a result that does not fit in 64 bits; `text` shows the
 * operation ("4611686018427387904 * 4"). */
static bool overflow(parser *p, token op, const char *text)
{
    as_error(p->as, op, "%s overflows the 64-bit range of expressions (%lld..%lld)", text,
             (long long)INT64_MIN, (long long)INT64_MAX);
    return false;
}

static bool unary(parser *p, value *out)
{
    token t = lx_peek(p->lx);
    if (!lx_is(t, '-') && !lx_is(t, '+') && !lx_is(t, '~') && !lx_is(t, '!'))
        return primary(p, out);
    lx_next(p->lx);
    if (!nest(p, t) || !unary(p, out))
        return false;
    p->depth--;
    char text[48];
    switch (t.op) {
    case '-':
        if (out->known && out->v == INT64_MIN && !p->unevaluated) {
            snprintf(text, sizeof text, "-(%lld)", (long long)out->v);
            return overflow(p, t, text);
        }
        out->v = out->v == INT64_MIN ? 0 : -out->v;
        break;
    case '~': out->v = ~out->v; break;
    case '!': out->v = out->v == 0; break;
    default:  break;
    }
    return true;
}

/* r = a OP b; false when the true result does not fit in 64 bits.  (The
 * __builtin_*_overflow functions of gcc and clang store the wrapped result
 * and say whether it wrapped.)  The divisor is not 0 and the shift count
 * is in 0..63: apply() checked. */
static bool compute(int op, int64_t a, int64_t b, int64_t *r)
{
    switch (op) {
    case '*': return !__builtin_mul_overflow(a, b, r);
    case '+': return !__builtin_add_overflow(a, b, r);
    case '-': return !__builtin_sub_overflow(a, b, r);
    case '/':
        if (a == INT64_MIN && b == -1)
            return false;                            /* 2^63 */
        *r = a / b;
        return true;
    case '%': *r = b == -1 ? 0 : a % b; return true;  /* (INT64_MIN % -1 traps in C) */
    case OP_SHL:
        *r = (int64_t)((uint64_t)a << b);
        return *r >> b == a;                         /* no bit of a was lost */
    case OP_SHR: *r = a >> b; return true;           /* arithmetic: -16 >> 2 is -4 */
    case '<':    *r = a < b; return true;
    case OP_LE:  *r = a <= b; return true;
    case '>':    *r = a > b; return true;
    case OP_GE:  *r = a >= b; return true;
    case OP_EQ:  *r = a == b; return true;
    case OP_NE:  *r = a != b; return true;
    case '&':    *r = a & b; return true;
    case '^':    *r = a ^ b; return true;
    case '|':    *r = a | b; return true;
    case OP_ANDAND: *r = a && b; return true;
    case OP_OROR:   *r = a || b; return true;
    default:     *r = 0; return true;
    }
}

/* compute() for any operands: false (and *r unset) for a zero divisor or a
 * shift count outside 0..63, as for a result that does not fit. */
static bool compute_checked(int op, int64_t a, int64_t b, int64_t *r)
{
    if ((op == '/' || op == '%') && b == 0)
        return false;
    if ((op == OP_SHL || op == OP_SHR) && (b < 0 || b > 63))
        return false;
    return compute(op, a, b, r);
}

/* Apply a binary operator; `op` is the operator token (for messages). */
static bool apply(parser *p, token op, value a, value b, value *out)
{
    out->known = a.known && b.known;
    out->constant = a.constant && b.constant;
    out->absolute = a.absolute && b.absolute;
    if (p->unevaluated) {               /* C would not compute it: no error */
        if (!compute_checked(op.op, a.v, b.v, &out->v))
            out->v = 0;
        return true;
    }
    if ((op.op == '/' || op.op == '%') && b.known && b.v == 0) {
        as_error(p->as, op, "division by zero in expression");
        return false;
    }
    if ((op.op == OP_SHL || op.op == OP_SHR) && b.known && (b.v < 0 || b.v > 63)) {
        as_error(p->as, op, "shift count %lld is out of range (0..63)", (long long)b.v);
        return false;
    }
    if (!out->known) {
        out->v = 0;
        return true;
    }
    if (!compute(op.op, a.v, b.v, &out->v)) {
        char text[80];
        snprintf(text, sizeof text, "%lld %.*s %lld", (long long)a.v, (int)op.len,
                 p->lx->s + op.pos, (long long)b.v);
        return overflow(p, op, text);
    }
    return true;
}

/* Precedence climbing: parse operators that bind at least `min`. */
static bool binary(parser *p, int min, value *out)
{
    if (!unary(p, out))
        return false;
    for (;;) {
        token op = lx_peek(p->lx);
        int prec = precedence(op);
        if (prec == 0 || prec < min)
            return true;
        lx_next(p->lx);
        /* The right of && and || is not evaluated when the left decides
         * (or may decide: not known yet). */
        bool lazy = (op.op == OP_ANDAND || op.op == OP_OROR) &&
                    (!out->known || (out->v != 0) == (op.op == OP_OROR));
        value rhs;
        p->unevaluated += lazy;
        bool ok = binary(p, prec + 1, &rhs);
        p->unevaluated -= lazy;
        if (!ok || !apply(p, op, *out, rhs, out))
            return false;
    }
}

static bool ternary(parser *p, value *out)
{
    if (!binary(p, 1, out))
        return false;
    token q = lx_peek(p->lx);
    if (!lx_is(q, '?'))
        return true;
    lx_next(p->lx);
    value a, b;
    /* Only the branch taken is evaluated (neither, while the test is unknown). */
    bool skip_a = !out->known || out->v == 0, skip_b = !out->known || out->v != 0;
    p->unevaluated += skip_a;
    bool ok = nest(p, q) && ternary(p, &a);
    p->unevaluated -= skip_a;
    if (!ok)
        return false;
    token colon = lx_next(p->lx);
    if (!lx_is(colon, ':')) {
        if (colon.kind != T_ERROR)
            as_error(p->as, colon, "expected ':' in a '?:' expression");
        return false;
    }
    p->unevaluated += skip_b;
    ok = ternary(p, &b);
    p->unevaluated -= skip_b;
    if (!ok)
        return false;
    p->depth--;
    value test = *out;
    *out = test.v ? a : b;
    out->known = test.known && a.known && b.known;
    out->constant = test.constant && a.constant && b.constant;
    out->absolute = test.absolute && a.absolute && b.absolute;
    return true;
}

bool expr(as_state *as, lexer *lx, int flags, value *out, token *start)
{
    parser p = { as, lx, flags, 0, 0 };
    if (start)
        *start = lx_peek(lx);
    *out = (value){ 0, false, false, false };
    if (!ternary(&p, out))
        return false;
    if (start && lx->pos > start->pos)
        start->len = lx->pos - start->pos;    /* underline the whole expression */
    return true;
}
