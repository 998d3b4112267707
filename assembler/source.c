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
 * Macros live in macro.c and conditionals in cond.c; this file reads files
 * and dispatches each line (src_line).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "outfile.h"

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
    FILE *in = t32_in_open(path);   /* a fifo without a writer: empty */
    if (!in) {
        *why = strerror(errno);
        return NULL;
    }
    f = calloc(1, sizeof *f);
    char *text = malloc(AS_MAX_FILE + 1);
    size_t n = text ? fread(text, 1, AS_MAX_FILE + 1, in) : 0;
    int read_errno = ferror(in) ? errno : 0;
    fclose(in);
    *why = !f || !text ? "out of memory" : read_errno ? strerror(read_errno)
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
    char **p = as_grow(as->files, &as->capfiles, as->nfiles, sizeof *p, 8);
    if (!p)
        return -1;
    as->files = p;
    as->files[as->nfiles] = (char *)file;
    return (int)as->nfiles++;
}

/* ---- frames ------------------------------------------------------------------------ */

/* The statement being processed, saved while a nested frame runs. */
typedef struct saved_line {
    const char *line;
    size_t len;
} saved_line;

void src_end_frame(as_state *as, as_frame *f)
{
    if (as->defining && !f->macro) {
        as_diag_at(as, DIAG_ERROR, as->defining->file, as->defining->line, as->defining->col,
                   "unterminated '.macro %s' (missing '.endm')", as->defining->name);
        as->defining = NULL;   /* the half-defined macro is in as->macros already */
    }
    while (as->cond_depth > f->cond_depth) {
        const cond *c = &as->conds[--as->cond_depth];
        as_diag_at(as, DIAG_ERROR, c->file, c->line, c->col, "unterminated '.if' (no '.endif' before "
                      "the end of the %s)", f->macro ? "macro" : "file");
    }
}

static void run_file(as_state *as, source_file *src, as_frame *f)
{
    saved_line saved = { as->line, as->linelen };
    as->frame = f;
    size_t start_at = src->len >= 3 && memcmp(src->text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
    for (size_t pos = start_at; pos < src->len && !as->stop;) {   /* (skip a UTF-8 BOM) */
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
    src_end_frame(as, f);
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

/* ---- one line ------------------------------------------------------------------------------ */

/* Labels at the start of a statement: `name:` and `1:`.  *named is the
 * address they name, for the listing: the location counter, or where the
 * last pass put them if they wait for an .org to place their chunk. */
static bool labels(as_state *as, lexer *lx, bool *defined, uint64_t *named)
{
    *named = sec_here64(as);
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
            label_ref ref;
            if (local_define(as, t.num, (int64_t)sec_here64(as), &ref) &&
                !sec_label_defined(as, t, ref))
                return false;
            value v;
            if (local_ref(as, t, &v, 0) && v.known)
                *named = (uint64_t)v.v;
            continue;
        }
        char name[AS_MAX_NAME + 1];
        if (lx_text(lx, t, name, sizeof name) >= sizeof name) {
            as_error(as, t, "label is too long (more than %zu characters)", sizeof name - 1);
            return false;
        }
        if (strcmp(name, ".") == 0) {
            as_error(as, t, "'.' cannot be used as a label");
            return false;
        }
        symbol *s = NULL;
        if (sym_define(as, t, name, SYM_LABEL, (value){ (int64_t)sec_here64(as), true, false, false }) &&
            !sec_label_defined(as, t, (label_ref){ .sym = s = sym_find(as, name) }))
            return false;
        if (s)
            *named = (uint64_t)sec_label_value(as, s->value,
                                               s->prev_defined ? &s->prev_value : NULL);
    }
}

/* The statement after the labels.  Returns true for a statement made of
 * other lines (macro, .include) that lists and records its own lines. */
static bool statement(as_state *as, lexer *lx)
{
    token t = lx_next(lx);
    char name[AS_MAX_NAME + 1], buf[48];
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

/* Count the line against the limits; false (reported) when over. */
static bool within_limits(as_state *as, size_t len)
{
    as->text_seen += len;
    if (++as->lines_seen <= AS_MAX_LINES && as->text_seen <= AS_MAX_TEXT)
        return true;
    as_diag(as, DIAG_ERROR, 0, 1, "more than %u lines or %u MiB to assemble (after macro "
            "expansion and .include): giving up", AS_MAX_LINES, AS_MAX_TEXT >> 20);
    as->stop = true;
    return false;
}

/* A conditional directive, handled even inside a false branch.  Labels may
 * come first (`1: .ifdef X`); they belong to the branch the line is in, so
 * they are defined only if that branch is being assembled. */
static bool conditional_line(as_state *as, lexer *lx, bool *defined)
{
    lexer ahead = *lx;
    lx_skip_labels(&ahead);
    token first = lx_peek(&ahead);
    char name[16];
    if (first.kind != T_IDENT || first.len >= sizeof name)
        return false;
    lx_text(lx, first, name, sizeof name);
    if (!cond_is_directive(name))
        return false;
    uint64_t named;
    if (!cond_active(as) || !labels(as, lx, defined, &named))
        lx_skip_labels(lx);             /* (after a bad label, reported: the rest) */
    lx_next(lx);
    return cond_directive(as, lx, first, name);
}

/* Labels and a statement, then the line table and the listing. */
static void assemble_line(as_state *as, lexer *lx)
{
    int sec = as->cur;
    size_t nchunks = as->sec[sec].nchunks;
    uint32_t start = sec_chunk_start(as);
    uint64_t before = sec_here64(as);
    uint64_t named = before;
    bool defined = false;
    as->list_unit = 1;
    if (labels(as, lx, &defined, &named) && statement(as, lx))
        return;                         /* macro or .include: its lines did all that */
    /* What this line emitted (nothing if it switched section or .org'd). */
    bool same_run = as->cur == sec && as->sec[sec].nchunks == nchunks &&
                    sec_chunk_start(as) == start;
    uint64_t size = same_run ? sec_here64(as) - before : 0;
    if (size)
        as_note_line(as, (uint32_t)before);
    list_statement(as, sec, (uint32_t)(size ? before : named), size, defined || size);
}

void src_line(as_state *as, const char *text, size_t len)
{
    as->line = text;
    as->linelen = len;
    if (!within_limits(as, len))
        return;
    if (as->defining) {                 /* inside .macro ... .endm */
        list_statement(as, as->cur, 0, 0, false);
        macro_record(as, text, len);
        return;
    }
    lexer lx;
    lx_init(&lx, as, text, len);
    bool defined = false;
    uint32_t here = (uint32_t)sec_here64(as);
    if (conditional_line(as, &lx, &defined) || !cond_active(as)) {
        list_statement(as, as->cur, here, 0, defined);
        return;
    }
    assemble_line(as, &lx);
}
