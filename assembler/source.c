/*
 * source.c - where lines come from: files, .include, macros, conditionals.
 *
 * Every line the assembler sees is read inside a *frame*: a file, or one
 * expansion of a macro.  Frames nest (a macro used in an included file
 * that calls another macro...) and the chain is what a diagnostic prints as
 * "in expansion of macro" / "included from".  Nesting is bounded, so a file
 * that includes itself or a macro that invokes itself ends with an error
 * instead of running forever.
 *
 * Conditionals (.if/.ifdef/.ifndef/.else/.endif) form a stack; a line is
 * processed only if every open conditional is in a true branch.  Each frame
 * must close the conditionals it opens.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_EXPANDED_LINE (1u << 20)

/* ---- files -------------------------------------------------------------------- */

static source_file *cached(as_state *as, const char *path)
{
    for (source_file *f = as->sources; f; f = f->next)
        if (strcmp(f->path, path) == 0)
            return f;
    return NULL;
}

/* Read a file into the cache.  Returns NULL and sets *why on failure. */
static source_file *load(as_state *as, const char *path, const char **why)
{
    source_file *f = cached(as, path);
    if (f)
        return f;
    FILE *in = fopen(path, "rb");
    if (!in) {
        *why = strerror(errno);
        return NULL;
    }
    f = calloc(1, sizeof *f);
    char *text = malloc(AS_MAX_FILE + 1);
    size_t n = text ? fread(text, 1, AS_MAX_FILE + 1, in) : 0;
    bool bad = ferror(in);
    fclose(in);
    *why = !f || !text ? "out of memory" : bad ? "read error"
         : n > AS_MAX_FILE ? "file too large (more than 64 MiB)" : NULL;
    if (*why || !(f->path = malloc(strlen(path) + 1))) {
        *why = *why ? *why : "out of memory";
        free(text);
        free(f);
        return NULL;
    }
    strcpy(f->path, path);
    f->text = realloc(text, n + 1);
    f->text = f->text ? f->text : text;
    f->len = n;
    f->next = as->sources;
    as->sources = f;
    return f;
}

source_file *src_add_memory(as_state *as, const char *name, const char *text, size_t len)
{
    source_file *f = calloc(1, sizeof *f);
    if (!f || !(f->path = malloc(strlen(name) + 1)) || !(f->text = malloc(len + 1))) {
        if (f)
            free(f->path);
        free(f);
        return NULL;
    }
    strcpy(f->path, name);
    memcpy(f->text, text, len);
    f->len = len;
    f->next = as->sources;
    as->sources = f;
    return f;
}

void src_free_all(as_state *as)
{
    for (source_file *f = as->sources, *next; f; f = next) {
        next = f->next;
        free(f->path);
        free(f->text);
        free(f);
    }
    as->sources = NULL;
}

/* `dir` of `file` joined with `name`, malloc'd. */
static char *join(const char *file, size_t dirlen, const char *name)
{
    char *p = malloc(dirlen + strlen(name) + 2);
    if (p) {
        memcpy(p, file, dirlen);
        p[dirlen] = '/';
        strcpy(p + dirlen + 1, name);
    }
    return p;
}

/* Find an .include file: next to the including file, then in each -I
 * folder.  Returns NULL with *why set if it is nowhere. */
static source_file *find_include(as_state *as, const char *name, const char **why)
{
    if (name[0] == '/' || !as->frame)
        return load(as, name, why);
    const char *slash = strrchr(as->frame->file, '/');
    source_file *f;
    if (slash) {
        char *path = join(as->frame->file, (size_t)(slash - as->frame->file), name);
        f = path ? load(as, path, why) : NULL;
        free(path);
    } else {
        f = load(as, name, why);          /* the includer is in the current folder */
    }
    char *path;
    for (size_t i = 0; !f && i < as->opt->ninclude_dirs; i++) {
        const char *dir = as->opt->include_dirs[i];
        path = join(dir, strlen(dir), name);
        f = path ? load(as, path, why) : NULL;
        free(path);
    }
    return f;
}

int file_index(as_state *as, const char *file)
{
    for (size_t i = 0; i < as->nfiles; i++)
        if (as->files[i] == file)
            return (int)i;
    if (as->nfiles == as->capfiles) {
        size_t cap = as->capfiles ? as->capfiles * 2 : 8;
        char **p = realloc(as->files, cap * sizeof *p);
        if (!p)
            return -1;
        as->files = p;
        as->capfiles = cap;
    }
    as->files[as->nfiles] = (char *)file;
    return (int)as->nfiles++;
}

/* ---- frames ------------------------------------------------------------------------ */

/* The statement being processed, saved while a nested frame runs. */
typedef struct saved_line {
    const char *line;
    size_t len;
} saved_line;

static void end_frame_checks(as_state *as, as_frame *f)
{
    if (as->defining && !f->macro) {
        as_diag_plain(as, DIAG_ERROR, as->defining->file, as->defining->line,
                      "unterminated '.macro %s' (missing '.endm')", as->defining->name);
        as->defining = NULL;   /* the half-defined macro is in as->macros already */
    }
    while (as->cond_depth > f->cond_depth) {
        const cond *c = &as->conds[--as->cond_depth];
        as_diag_plain(as, DIAG_ERROR, c->file, c->line, "unterminated '.if' (no '.endif' before "
                      "the end of the %s)", f->macro ? "macro" : "file");
    }
}

static void run_file(as_state *as, source_file *src, as_frame *f)
{
    saved_line saved = { as->line, as->linelen };
    as->frame = f;
    for (size_t pos = 0; pos < src->len && !as->stop;) {
        const char *start = src->text + pos;
        const char *nl = memchr(start, '\n', src->len - pos);
        size_t len = nl ? (size_t)(nl - start) : src->len - pos;
        pos += len + (nl != NULL);
        if (len && start[len - 1] == '\r')
            len--;
        f->line++;
        src_line(as, start, len);
    }
    as->line = NULL;
    end_frame_checks(as, f);
    as->frame = f->parent;
    as->line = saved.line;
    as->linelen = saved.len;
}

bool src_include(as_state *as, const char *path, token at, bool search)
{
    const char *why = NULL;
    if (as->include_depth >= AS_MAX_INCLUDE_DEPTH) {
        as_error(as, at, "'.include' nested too deeply (more than %d levels): does a file "
                 "include itself?", AS_MAX_INCLUDE_DEPTH);
        return false;
    }
    if (search && as->opt->no_include) {
        as_error(as, at, "'.include' is disabled here");
        return false;
    }
    source_file *src = search ? find_include(as, path, &why) : load(as, path, &why);
    if (!src) {
        if (as->frame)
            as_error(as, at, "cannot open '%s': %s", path, why);
        else
            as_diag_plain(as, DIAG_ERROR, path, 0, "cannot open: %s", why);
        return false;
    }
    if (as->frame)
        list_statement(as, as->cur, 0, 0, false);          /* the .include, then the file */
    as_frame f = { .file = src->path, .parent = as->frame, .cond_depth = as->cond_depth,
                   .parent_line = as->frame ? as->frame->line : 0, .parent_col = (int)at.pos + 1 };
    as->include_depth++;
    run_file(as, src, &f);
    as->include_depth--;
    return true;
}

/* ---- conditionals ---------------------------------------------------------------------- */

static bool active(const as_state *as)
{
    return as->cond_depth == 0 || as->conds[as->cond_depth - 1].active;
}

void cond_push(as_state *as, bool taken)
{
    if (as->cond_depth == as->cond_cap) {
        int cap = as->cond_cap ? as->cond_cap * 2 : 16;
        cond *c = realloc(as->conds, (size_t)cap * sizeof *c);
        if (!c)
            abort();                     /* a few bytes per open .if */
        as->conds = c;
        as->cond_cap = cap;
    }
    bool parent = active(as);
    /* Inside a false branch every branch stays off: mark it taken. */
    as->conds[as->cond_depth++] = (cond){ parent && taken, !parent || taken, false,
                                          as->frame->file, as->frame->line };
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
    if (active(as) && t.kind == T_EOL) {
        as_error(as, dir, "'%s' needs %s", name, name[3] ? "a symbol name" : "an expression");
    } else if (active(as) && name[3] == '\0') {
        value v;
        evaluated = expr(as, lx, EXPR_NOW, &v, NULL);
        taken = evaluated && v.v != 0;
    } else if (active(as)) {
        char sym[256];
        t = lx_next(lx);
        evaluated = t.kind == T_IDENT && t.len < sizeof sym;
        if (!evaluated && t.kind != T_ERROR)
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
    cond_push(as, taken);
}

/* Handle a conditional directive if `name` is one; true if it was. */
static bool conditional(as_state *as, lexer *lx, token dir, const char *name)
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

/* ---- macros -------------------------------------------------------------------------------- */

macro *macro_find(as_state *as, const char *name)
{
    for (macro *m = as->macros; m; m = m->next)
        if (strcmp(m->name, name) == 0)
            return m;
    return NULL;
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
    char name[256], buf[48];
    if (t.kind != T_IDENT || t.len >= sizeof name) {
        if (t.kind != T_ERROR)
            as_error(as, t.kind == T_EOL ? dir : t, "'.macro' needs a name, found %s",
                     tok_describe(lx, t, buf, sizeof buf));
        return;
    }
    lx_text(lx, t, name, sizeof name);
    macro *old = macro_find(as, name);
    if (old) {
        as_error(as, t, "redefinition of macro '%s'", name);
        as_diag_plain(as, DIAG_NOTE, old->file, old->line, "previous definition of '%s' was here",
                      name);
    }
    macro *m = calloc(1, sizeof *m);
    if (!m || !(m->name = copy_text(name, strlen(name)))) {
        free(m);
        return;
    }
    m->file = as->frame->file;
    m->line = as->frame->line;
    /* A duplicate still collects its body (so it is not assembled), but
     * goes last, where macro_find never reaches it. */
    macro **link = &as->macros;
    while (old && *link)
        link = &(*link)->next;
    m->next = *link;
    *link = m;
    as->defining = m;
    as->def_nesting = 0;
    while (lx_peek(lx).kind != T_EOL) {
        if (!macro_param(as, lx, m))
            return;
        lx_accept(lx, ',');
    }
}

/* Inside .macro ... .endm: keep the line for later. */
static void macro_record(as_state *as, const char *text, size_t len)
{
    macro *m = as->defining;
    lexer lx;
    lx_init(&lx, as, text, len);
    lx.quiet = true;
    token t = lx_next(&lx);
    if (tok_is_name(&lx, t, ".macro"))
        as->def_nesting++;
    if (tok_is_name(&lx, t, ".endm") && as->def_nesting-- == 0) {
        as->defining = NULL;
        return;
    }
    if (m->nbody == m->capbody) {
        size_t cap = m->capbody ? m->capbody * 2 : 16;
        char **p = realloc(m->body, cap * sizeof *p);
        if (!p)
            return;
        m->body = p;
        m->capbody = cap;
    }
    m->body[m->nbody] = copy_text(text, len);
    if (m->body[m->nbody])
        m->nbody++;
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
    if (as->macro_depth >= AS_MAX_MACRO_DEPTH) {
        as_error(as, name, "macro '%s' expanded too deeply (more than %d levels): does it "
                 "invoke itself without end?", m->name, AS_MAX_MACRO_DEPTH);
        return;
    }
    if (!bind_args(as, lx, m, name, args, arglen))
        return;
    list_statement(as, as->cur, sec_here(as), 0, true);   /* the invocation, then its lines */
    saved_line saved = { as->line, as->linelen };
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
    end_frame_checks(as, &f);
    free(buf);
    as->macro_depth--;
    as->frame = f.parent;
    as->line = saved.line;
    as->linelen = saved.len;
}

/* ---- one line ------------------------------------------------------------------------------ */

/* Labels at the start of a statement: `name:` and `1:`. */
static bool labels(as_state *as, lexer *lx, bool *defined)
{
    for (;;) {
        lexer ahead = *lx;
        ahead.quiet = true;
        token t = lx_next(&ahead), colon = lx_next(&ahead);
        if (!lx_is(colon, ':'))
            return true;
        bool number = t.kind == T_NUM && lx->s[t.pos] >= '0' && lx->s[t.pos] <= '9';
        if (t.kind != T_IDENT && !number)
            return true;
        lx_next(lx);
        lx_next(lx);
        *defined = true;
        if (number) {
            local_define(as, t.num, (int64_t)sec_here64(as));
            continue;
        }
        char name[256];
        if (lx_text(lx, t, name, sizeof name) >= sizeof name) {
            as_error(as, t, "label is too long (more than %zu characters)", sizeof name - 1);
            return false;
        }
        if (strcmp(name, ".") == 0) {
            as_error(as, t, "'.' cannot be used as a label");
            return false;
        }
        sym_define(as, t, name, SYM_LABEL, (value){ (int64_t)sec_here64(as), true, false });
    }
}

/* The statement after the labels.  Returns true for a statement made of
 * other lines (macro, .include) that lists and records its own lines. */
static bool statement(as_state *as, lexer *lx)
{
    token t = lx_next(lx);
    char name[256], buf[48];
    if (t.kind == T_EOL || t.kind == T_ERROR)
        return false;
    if (t.kind != T_IDENT) {
        as_error(as, t, "expected a label, instruction or directive, found %s",
                 tok_describe(lx, t, buf, sizeof buf));
        return false;
    }
    if (lx_text(lx, t, name, sizeof name) >= sizeof name) {
        as_error(as, t, "name is too long (more than %zu characters)", sizeof name - 1);
        return false;
    }
    macro *m = macro_find(as, name);
    if (m) {
        macro_expand(as, lx, m, t);
        return true;
    }
    if (name[0] == '.') {
        if (strcmp(name, ".macro") == 0)
            macro_begin(as, lx, t);
        else if (strcmp(name, ".endm") == 0)
            as_error(as, t, "'.endm' without '.macro'");
        else if (!directive(as, lx, t, name))
            as_error(as, t, "unknown directive '%s'", name);
        return strcmp(name, ".include") == 0;
    }
    encode_insn(as, lx, t, name);
    return false;
}

void src_line(as_state *as, const char *text, size_t len)
{
    as->line = text;
    as->linelen = len;
    as->text_seen += len;
    if (++as->lines_seen > AS_MAX_LINES || as->text_seen > AS_MAX_TEXT) {
        as_diag(as, DIAG_ERROR, 0, 1, "more than %u lines or %u MiB to assemble (after macro "
                "expansion and .include): giving up", AS_MAX_LINES, AS_MAX_TEXT >> 20);
        as->stop = true;
        return;
    }
    if (as->defining) {
        list_statement(as, as->cur, 0, 0, false);
        macro_record(as, text, len);
        return;
    }
    lexer lx;
    lx_init(&lx, as, text, len);
    token first = lx_peek(&lx);
    char name[16];
    if (first.kind == T_IDENT && first.len < sizeof name) {
        lx_text(&lx, first, name, sizeof name);
        lexer skip = lx;
        lx_next(&skip);
        if (conditional(as, &skip, first, name)) {
            list_statement(as, as->cur, 0, 0, false);
            return;
        }
    }
    if (!active(as)) {
        list_statement(as, as->cur, 0, 0, false);
        return;
    }
    int sec = as->cur;
    as->list_unit = 1;
    size_t nchunks = as->sec[sec].nchunks;
    uint64_t before = sec_here64(as);
    bool defined = false;
    bool composite = labels(as, &lx, &defined) && statement(as, &lx);
    uint64_t size = as->cur == sec && as->sec[sec].nchunks == nchunks ? sec_here64(as) - before : 0;
    if (composite)
        return;                         /* its own lines were noted and listed */
    if (size)
        as_note_line(as, (uint32_t)before);
    list_statement(as, sec, (uint32_t)before, size, defined || size);
}
