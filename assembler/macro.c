/*
 * macro.c - .macro NAME params ... .endm, and expanding a macro.
 *
 * A definition records its body lines as text.  An invocation binds the
 * arguments (split at top-level commas), then feeds each body line, with
 * `\param` replaced by the argument text and `\@` by a number unique to
 * this expansion, through src_line() inside a new frame - so errors in an
 * expansion point at the body line and add "in expansion of macro".  The
 * nesting depth is bounded: a macro that invokes itself ends in an error.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_EXPANDED_LINE (1u << 20)   /* bytes in one line after substitution */

macro *macro_find(as_state *as, const char *name)
{
    /* Macros share the symbol table's hash (a name can be both). */
    symbol *s = as->macros ? sym_find(as, name) : NULL;
    return s ? s->macro : NULL;
}

static char *copy_text(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static void macro_free(macro *m)
{
    for (size_t i = 0; i < m->nparams; i++) {
        free(m->params[i]);
        free(m->defaults[i]);
    }
    for (size_t i = 0; i < m->nbody; i++)
        free(m->body[i]);
    free(m->params);
    free(m->defaults);
    free(m->body);
    free(m->name);
    free(m);
}

void macro_free_all(as_state *as)
{
    for (macro *m = as->macros, *next; m; m = next) {
        next = m->next;
        symbol *s = sym_find(as, m->name);
        if (s && s->macro == m)
            s->macro = NULL;
        macro_free(m);
    }
    as->macros = NULL;
    as->defining = NULL;
}

/* One parameter: NAME or NAME=DEFAULT (the default runs to the next comma). */
static bool macro_param(as_state *as, lexer *lx, macro *m)
{
    token t = lx_next(lx);
    char buf[48];
    if (t.kind != T_IDENT) {
        if (t.kind != T_ERROR)
            as_error(as, t, "expected a parameter name, found %s", tok_describe(lx, t, buf, sizeof buf));
        return false;
    }
    if (m->nparams == 64) {
        as_error(as, t, "too many macro parameters (at most 64)");
        return false;
    }
    /* `\a` could only ever mean the first of two parameters named a. */
    for (size_t i = 0; i < m->nparams; i++)
        if (strlen(m->params[i]) == t.len && memcmp(m->params[i], lx->s + t.pos, t.len) == 0) {
            as_error(as, t, "duplicate macro parameter '%s'", m->params[i]);
            return false;
        }
    char **p = realloc(m->params, (m->nparams + 1) * sizeof *p);
    char **d = p ? realloc(m->defaults, (m->nparams + 1) * sizeof *d) : NULL;
    if (p)
        m->params = p;
    if (d)
        m->defaults = d;
    if (!p || !d)
        return false;
    m->params[m->nparams] = copy_text(lx->s + t.pos, t.len);
    m->defaults[m->nparams] = NULL;
    m->nparams++;
    if (lx_accept(lx, '=')) {
        size_t start = lx->pos, end = start;
        for (token v = lx_peek(lx); v.kind != T_EOL && !lx_is(v, ','); v = lx_peek(lx)) {
            if (lx_next(lx).kind == T_ERROR)
                return false;
            end = v.pos + v.len;
        }
        while (start < end && (lx->s[start] == ' ' || lx->s[start] == '\t'))
            start++;
        m->defaults[m->nparams - 1] = copy_text(lx->s + start, end - start);
    }
    return true;
}

void macro_begin(as_state *as, lexer *lx, token dir)
{
    token t = lx_next(lx);
    char name[AS_MAX_NAME + 1], buf[48];
    if (t.kind != T_IDENT) {
        if (t.kind != T_ERROR)
            as_error(as, t.kind == T_EOL ? dir : t, "'.macro' needs a name, found %s",
                     tok_describe(lx, t, buf, sizeof buf));
        return;
    }
    bool too_long = lx_text(lx, t, name, sizeof name) >= sizeof name;
    if (too_long)
        as_error(as, t, "macro name is too long (more than %zu characters)", sizeof name - 1);
    macro *old = too_long ? NULL : macro_find(as, name);
    if (old) {
        as_error(as, t, "redefinition of macro '%s'", name);
        as_diag_at(as, DIAG_NOTE, old->file, old->line, old->col,
                   "previous definition of '%s' was here", name);
    }
    macro *m = calloc(1, sizeof *m);
    if (!m || !(m->name = copy_text(name, strlen(name)))) {
        free(m);
        return;
    }
    m->file = as->frame->file;
    m->line = as->frame->line;
    m->col = (int)t.pos + 1;
    /* A duplicate, or a macro whose name is too long, still collects its
     * body (so it is not assembled), but is not one macro_find returns. */
    macro **link = &as->macros;
    while (old && *link)
        link = &(*link)->next;
    m->next = *link;
    *link = m;
    symbol *s = old || too_long ? NULL : sym_get(as, name);
    if (s)
        s->macro = m;
    as->defining = m;
    as->def_nesting = 0;
    while (lx_peek(lx).kind != T_EOL) {
        if (!macro_param(as, lx, m))
            return;
        lx_accept(lx, ',');
    }
}

/* Append one line to the body of the macro being defined. */
static void macro_record_line(macro *m, const char *text, size_t len)
{
    char **p = as_grow(m->body, &m->capbody, m->nbody, sizeof *p, 16);
    if (!p)
        return;
    m->body = p;
    m->body[m->nbody] = copy_text(text, len);
    if (m->body[m->nbody])
        m->nbody++;
}

/* Where a body line's statement starts, after its labels as written - not
 * yet substituted, so a label may be built of \PARAM and \@ (`e\@:`): a
 * run of name characters and backslashes, then a colon. */
static size_t after_raw_labels(const char *s, size_t len, bool *labels)
{
    size_t pos = 0;
    for (*labels = false;; *labels = true) {
        size_t i = pos;
        while (i < len && (s[i] == ' ' || s[i] == '\t'))
            i++;
        size_t start = i;
        while (i < len && s[i] && (isalnum((unsigned char)s[i]) || strchr("_.$\\@", s[i])))
            i++;
        size_t end = i;
        while (i < len && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (end == start || i == len || s[i] != ':')
            return start;
        pos = i + 1;
    }
}

void macro_record(as_state *as, const char *text, size_t len)
{
    macro *m = as->defining;
    bool labels;
    size_t at = after_raw_labels(text, len, &labels);   /* `done: .endm` ends it too */
    lexer lx;
    lx_init(&lx, as, text + at, len - at);
    lx.quiet = true;
    token t = lx_next(&lx);
    if (tok_is_name(&lx, t, ".macro"))
        as->def_nesting++;
    if (tok_is_name(&lx, t, ".endm") && as->def_nesting-- == 0) {
        as->defining = NULL;
        if (labels)                     /* they are the body's last line */
            macro_record_line(m, text, at + t.pos);
        return;
    }
    macro_record_line(m, text, len);
}

/* Split the invocation's operands at top-level commas. */
static size_t macro_args(const char *s, size_t len, size_t *from, size_t *to, size_t max)
{
    size_t n = 0, depth = 0, i = 0, start = 0;
    char quote = 0;
    for (; i <= len; i++) {
        char c = i < len ? s[i] : ',';
        if (quote) {
            if (c == '\\' && i + 1 < len)
                i++;
            else if (c == quote)
                quote = 0;
            continue;
        }
        if (i < len && (c == ';' || (c == '/' && i + 1 < len && s[i + 1] == '/')))
            len = i, c = ',';
        if (c == '"' || c == '\'')
            quote = c;
        else if (c == '(')
            depth++;
        else if (c == ')' && depth)
            depth--;
        else if (c == ',' && depth == 0) {
            if (n < max) {
                from[n] = start;
                to[n] = i;
            }
            n++;
            start = i + 1;
        }
    }
    return n;
}

static void trim(const char *s, size_t *from, size_t *to)
{
    while (*from < *to && (s[*from] == ' ' || s[*from] == '\t'))
        ++*from;
    while (*to > *from && (s[*to - 1] == ' ' || s[*to - 1] == '\t'))
        --*to;
}

/* Append to a growing buffer; false if it would pass the line limit. */
static bool append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > MAX_EXPANDED_LINE)
        return false;
    if (*len + n + 1 > *cap) {
        size_t c = *cap ? *cap : 256;
        while (c < *len + n + 1)
            c *= 2;
        char *p = realloc(*buf, c);
        if (!p)
            return false;
        *buf = p;
        *cap = c;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    return true;
}

/* Substitute \PARAM and \@ in one body line. */
static bool substitute(const macro *m, const char *line, const char **args, const size_t *arglen,
                       unsigned long serial, char **out, size_t *outlen, size_t *cap)
{
    *outlen = 0;
    for (const char *p = line; *p;) {
        if (p[0] == '\\' && p[1] == '@') {
            char num[24];
            int n = snprintf(num, sizeof num, "%lu", serial);
            if (!append(out, outlen, cap, num, (size_t)n))
                return false;
            p += 2;
            continue;
        }
        size_t best = 0, which = 0;
        for (size_t i = 0; p[0] == '\\' && i < m->nparams; i++) {
            size_t n = strlen(m->params[i]);
            if (n > best && strncmp(p + 1, m->params[i], n) == 0)
                best = n, which = i;
        }
        bool ok = best ? append(out, outlen, cap, args[which], arglen[which])
                       : append(out, outlen, cap, p, 1);
        if (!ok)
            return false;
        p += best ? best + 1 : 1;
    }
    return append(out, outlen, cap, "", 0);
}

/* Collect the arguments of an invocation; false (reported) if they do not
 * match the parameters. */
static bool bind_args(as_state *as, lexer *lx, macro *m, token name, const char **args,
                      size_t *arglen)
{
    const char *s = lx->s + lx->pos;
    size_t len = lx->len - lx->pos;
    size_t from[64], to[64];
    size_t n = macro_args(s, len, from, to, 64);
    if (n == 1) {
        size_t f = from[0], t = to[0];
        trim(s, &f, &t);
        if (f == t)
            n = 0;                          /* no arguments at all */
    }
    if (n > m->nparams) {
        as_error(as, name, "macro '%s' takes %zu argument%s, but %zu were given", m->name,
                 m->nparams, m->nparams == 1 ? "" : "s", n);
        return false;
    }
    for (size_t i = 0; i < m->nparams; i++) {
        size_t f = i < n ? from[i] : 0, t = i < n ? to[i] : 0;
        trim(s, &f, &t);
        args[i] = s + f;
        arglen[i] = t - f;
        if (f == t && m->defaults[i]) {
            args[i] = m->defaults[i];
            arglen[i] = strlen(m->defaults[i]);
        } else if (f == t) {
            as_error(as, name, "macro '%s' needs a value for its argument '%s'", m->name,
                     m->params[i]);
            return false;
        }
    }
    lx->pos = lx->len;
    return true;
}

void macro_expand(as_state *as, lexer *lx, macro *m, token name)
{
    const char *args[64];
    size_t arglen[64];
    /* The invocation is listed, then its lines - or, if it cannot expand
     * (its arguments are wrong), alone: the listing shows every line. */
    list_statement(as, as->cur, sec_here(as), 0, true);
    if (as->macro_depth >= AS_MAX_MACRO_DEPTH) {
        as_error(as, name, "macro '%s' expanded too deeply (more than %d levels): does it "
                 "invoke itself without end?", m->name, AS_MAX_MACRO_DEPTH);
        return;
    }
    if (!bind_args(as, lx, m, name, args, arglen))
        return;
    const char *saved_line = as->line;
    size_t saved_len = as->linelen;
    as_frame f = { .file = m->file, .line = m->line, .macro = m->name, .parent = as->frame,
                   .cond_depth = as->cond_depth, .parent_line = as->frame->line,
                   .parent_col = (int)name.pos + 1 };
    char *buf = NULL;
    size_t len = 0, cap = 0;
    unsigned long serial = as->expansions++;
    as->macro_depth++;
    as->frame = &f;
    for (size_t i = 0; i < m->nbody && !as->stop; i++) {
        f.line = m->line + 1 + (int)i;
        if (!substitute(m, m->body[i], args, arglen, serial, &buf, &len, &cap)) {
            as->line = m->body[i];
            as->linelen = strlen(m->body[i]);
            as_diag(as, DIAG_ERROR, 0, 1, "line too long after macro expansion (more than %u "
                    "bytes)", MAX_EXPANDED_LINE);
            break;
        }
        src_line(as, buf, len);
    }
    as->line = NULL;
    src_end_frame(as, &f);
    free(buf);
    as->macro_depth--;
    as->frame = f.parent;
    as->line = saved_line;
    as->linelen = saved_len;
}
