/*
 * cond.c - conditional assembly: .if EXPR, .ifdef NAME, .ifndef NAME,
 * .else, .endif.
 *
 * Open conditionals form a stack.  A line is assembled only while every
 * open conditional is in its true branch (cond_active).  Inside a false
 * branch the directives are still followed - to find the matching .endif -
 * but nothing else is read, not even the expressions of nested .if.  Each
 * file and macro expansion must close the conditionals it opens (source.c
 * checks that at the end of the frame).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

bool cond_active(const as_state *as)
{
    return as->cond_depth == 0 || as->conds[as->cond_depth - 1].active;
}

void cond_push(as_state *as, bool taken, token dir)
{
    if (as->cond_depth == as->cond_cap) {
        int cap = as->cond_cap ? as->cond_cap * 2 : 16;
        cond *c = realloc(as->conds, (size_t)cap * sizeof *c);
        if (!c)
            abort();                     /* a few bytes per open .if */
        as->conds = c;
        as->cond_cap = cap;
    }
    bool parent = cond_active(as);
    /* Inside a false branch every branch stays off: mark it taken. */
    as->conds[as->cond_depth++] = (cond){ parent && taken, !parent || taken, false,
                                          as->frame->file, as->frame->line, (int)dir.pos + 1 };
}

void cond_else(as_state *as, token at)
{
    if (as->cond_depth <= as->frame->cond_depth) {
        as_error(as, at, "'.else' without '.if'");
        return;
    }
    cond *c = &as->conds[as->cond_depth - 1];
    if (c->seen_else) {
        as_error(as, at, "second '.else' for the same '.if'");
        return;
    }
    c->seen_else = true;
    c->active = !c->taken;
    c->taken = true;
}

void cond_endif(as_state *as, token at)
{
    if (as->cond_depth <= as->frame->cond_depth) {
        as_error(as, at, "'.endif' without '.if'");
        return;
    }
    as->cond_depth--;
}

/* .if EXPR / .ifdef NAME / .ifndef NAME */
static void cond_if(as_state *as, lexer *lx, token dir, const char *name)
{
    bool taken = false, evaluated = false;
    token t = lx_peek(lx);
    char buf[48];
    if (cond_active(as) && t.kind == T_EOL) {
        as_error(as, dir, "'%s' needs %s", name, name[3] ? "a symbol name" : "an expression");
    } else if (cond_active(as) && name[3] == '\0') {
        value v;
        evaluated = expr(as, lx, EXPR_NOW, &v, NULL);
        taken = evaluated && v.v != 0;
    } else if (cond_active(as)) {
        char sym[256];
        t = lx_next(lx);
        evaluated = t.kind == T_IDENT && t.len < sizeof sym;
        if (t.kind == T_IDENT && !evaluated)
            as_error(as, t, "symbol name is too long (more than %zu characters)", sizeof sym - 1);
        else if (!evaluated && t.kind != T_ERROR)
            as_error(as, t, "'%s' needs a symbol name, found %s", name,
                     tok_describe(lx, t, buf, sizeof buf));
        if (evaluated) {
            lx_text(lx, t, sym, sizeof sym);
            symbol *s = sym_find(as, sym);
            taken = (s && sym_defined_now(as, s)) == (name[3] == 'd');
        }
    }
    if (evaluated && (t = lx_next(lx)).kind != T_EOL && t.kind != T_ERROR)
        as_error(as, t, "unexpected %s after the operand of '%s'",
                 tok_describe(lx, t, buf, sizeof buf), name);
    cond_push(as, taken, dir);
}

bool cond_is_directive(const char *name)
{
    static const char *const names[] = { ".if", ".ifdef", ".ifndef", ".else", ".endif" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    return false;
}

bool cond_directive(as_state *as, lexer *lx, token dir, const char *name)
{
    if (strcmp(name, ".if") == 0 || strcmp(name, ".ifdef") == 0 || strcmp(name, ".ifndef") == 0) {
        cond_if(as, lx, dir, name);
        return true;
    }
    if (strcmp(name, ".else") == 0) {
        cond_else(as, dir);
        return true;
    }
    if (strcmp(name, ".endif") == 0) {
        cond_endif(as, dir);
        return true;
    }
    return false;
}
