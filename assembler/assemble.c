/*
 * assemble.c - the passes, and turning their result into an image.
 *
 * Pass after pass reads the whole program (internal.h explains why more
 * than one, and when a pass is final).  Each pass writes its diagnostics
 * and listing to memory; only the final pass's are shown, so a message is
 * printed once even though the line was read several times.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void as_note_line(as_state *as, uint32_t addr)
{
    /* Code from a macro belongs to the line that invoked the macro. */
    const as_frame *f = as->frame;
    while (f->macro)
        f = f->parent;
    int file = file_index(as, f->file);
    if (file < 0)
        return;
    line_entry *p = as_grow(as->lines, &as->caplines, as->nlines, sizeof *p, 256);
    if (!p)
        return;
    as->lines = p;
    as->lines[as->nlines++] = (line_entry){ addr, file, f->line, as->cur };
}

/* A memory stream for this pass's diagnostics or listing. */
static FILE *reopen(FILE *old, char **buf, size_t *len)
{
    if (old)
        fclose(old);
    free(*buf);
    *buf = NULL;
    *len = 0;
    FILE *f = open_memstream(buf, len);
    if (!f)
        abort();                       /* no memory for a few bytes */
    return f;
}

static void begin_pass(as_state *as, const uint32_t base[SEC_COUNT])
{
    as->diag = reopen(as->diag, &as->diagbuf, &as->diaglen);
    if (as->opt->listing)
        as->listing = reopen(as->listing, &as->listbuf, &as->listlen);
    as->pass++;
    as->stop = false;
    as->errors = as->warnings = 0;
    as->lines_seen = as->expansions = 0;
    as->text_seen = 0;
    as->nlines = as->nfiles = 0;
    as->cond_depth = as->macro_depth = as->include_depth = 0;
    as->frame = NULL;
    as->line = NULL;
    as->list_file = NULL;
    as->entry_set = false;
    sym_begin_pass(as);
    sec_begin_pass(as, base);
    macro_free_all(as);
}

/* -D NAME or -D NAME=VALUE, as if `.set NAME, VALUE` came first. */
static void define_one(as_state *as, const char *def)
{
    as_frame f = { .file = "<command line>", .line = 1 };
    int errors = as->errors;
    const char *eq = strchr(def, '=');
    size_t namelen = eq ? (size_t)(eq - def) : strlen(def);
    lexer lx;
    as->frame = &f;
    as->line = def;
    as->linelen = strlen(def);
    /* The name is checked before the lexer reads it: "9X" is no name,
     * not a number with a bad suffix. */
    bool named = lx_is_name(def, namelen);
    lx_init(&lx, as, def, named ? namelen : 0);
    token name = named ? lx_next(&lx) : (token){ .kind = T_EOL };
    char text[256];
    value v = { 1, true, true, true };
    if (name.kind != T_IDENT || name.len != namelen) {
        as_diag(as, DIAG_ERROR, 0, namelen ? namelen : 1, "-D needs a symbol name, as in -D NAME=VALUE");
    } else if (namelen >= sizeof text) {
        as_diag(as, DIAG_ERROR, 0, namelen, "-D: symbol name is too long (more than %zu characters)",
                sizeof text - 1);
    } else {
        lx_text(&lx, name, text, sizeof text);
        bool ok = true;
        if (eq) {
            lx_init(&lx, as, def, strlen(def));
            lx.pos = namelen + 1;
            token end = { .kind = T_EOL };
            ok = expr(as, &lx, EXPR_NOW, &v, NULL) && (end = lx_next(&lx)).kind == T_EOL;
            if (!ok && end.kind != T_EOL && end.kind != T_ERROR)
                as_error(as, end, "unexpected text after the value");
        }
        if (ok)
            sym_define(as, name, text, SYM_SET, v);
    }
    as->define_errors += as->errors - errors;
    as->frame = NULL;
    as->line = NULL;
}

static void check_globals(as_state *as)
{
    symbol **all = sym_sorted(as);
    for (size_t i = 0; all && all[i]; i++)
        if (all[i]->global && !sym_defined_now(as, all[i]))
            as_diag_at(as, DIAG_ERROR, all[i]->glob_file, all[i]->glob_line, all[i]->glob_col,
                       "'%s' is declared .global but never defined", all[i]->name);
    free(all);
}

/* Run passes until one is final (or there is no point going on).  Returns
 * true if the last pass was final. */
static bool run_passes(as_state *as, const char *path)
{
    uint32_t base[SEC_COUNT] = { AS_TEXT_BASE, AS_TEXT_BASE, AS_TEXT_BASE }, next[SEC_COUNT];
    for (;;) {
        begin_pass(as, base);
        for (size_t i = 0; i < as->opt->ndefines; i++)
            define_one(as, as->opt->defines[i]);
        src_include(as, path, (token){ .kind = T_EOL }, false);
        if (!as->stop)
            check_globals(as);
        sec_end_pass(as);
        sym_end_pass(as);
        sec_layout(as, next);
        bool final = as->pass >= 2 && !as->moved && memcmp(base, next, sizeof base) == 0;
        if (final || as->stop || as->pass >= AS_MAX_PASSES)
            return final;
        memcpy(base, next, sizeof base);
    }
}

/* ---- the image ------------------------------------------------------------------- */

/* The entry point, by the README's rule: -e SYMBOL, else .entry EXPR,
 * else _start, else the start of .text.  *file, *line and *col say where
 * to report a problem with it (line 0: the file as a whole). */
static bool entry_point(as_state *as, const char *path, uint32_t *entry,
                        const char **file, int *line, int *col)
{
    *file = path;
    *line = *col = 0;
    if (!as->opt->entry && as->entry_set) {
        *file = as->entry_file;
        *line = as->entry_line;
        *col = as->entry_col;
        *entry = (uint32_t)as->entry.v;        /* .entry checked the range */
        return true;
    }
    const char *name = as->opt->entry ? as->opt->entry : "_start";
    symbol *s = sym_find(as, name);
    if (s && sym_defined_now(as, s)) {
        *entry = (uint32_t)s->value;
        if (s->def_file) {                   /* a problem is the definition's */
            *file = s->def_file;
            *line = s->def_line;
            *col = s->def_col;
        }
        return true;
    }
    if (as->opt->entry) {
        as_diag_plain(as, DIAG_ERROR, path, 0, "entry symbol '%s' (-e) is not defined", name);
        return false;
    }
    *entry = as->sec[SEC_TEXT].chunks[0].start;    /* the start of .text */
    return true;
}

static bool add_segments(as_state *as, t32_image *img)
{
    for (int i = 0; i < SEC_COUNT; i++)
        for (size_t k = 0; k < as->sec[i].nchunks; k++) {
            const chunk *c = &as->sec[i].chunks[k];
            uint32_t stored = i == SEC_BSS ? 0 : (uint32_t)c->size;
            if (c->size && !t32_image_add_segment(img, c->start, (uint32_t)c->size,
                                                  as->sec[i].flags, c->bytes, stored))
                return false;
        }
    return true;
}

static bool add_symbols(as_state *as, t32_image *img)
{
    symbol **all = sym_sorted(as);
    bool ok = all != NULL;
    for (size_t i = 0; ok && all[i]; i++) {
        const symbol *s = all[i];
        uint32_t flags = (s->global ? T32_SYM_GLOBAL : 0) |
                         (s->kind != SYM_LABEL && s->absolute ? T32_SYM_ABS : 0);
        if (sym_defined_now(as, s) && sym_fits_32_bits(s))
            ok = t32_image_add_symbol(img, s->name, (uint32_t)s->value, flags);
    }
    free(all);
    return ok;
}

static int by_address(const void *a, const void *b)
{
    const line_entry *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

static bool add_lines(as_state *as, t32_image *img)
{
    for (size_t i = 0; i < as->nfiles; i++)
        if (t32_image_add_file(img, as->files[i]) != (int)i)
            return false;       /* names are distinct, so indices match */
    if (as->nlines)
        qsort(as->lines, as->nlines, sizeof *as->lines, by_address);
    for (size_t i = 0; i < as->nlines; i++)
        if (!t32_image_add_line(img, as->lines[i].addr, (uint32_t)as->lines[i].file,
                                (uint32_t)as->lines[i].line))
            return false;
    return true;
}

static bool build_image(as_state *as, const char *path, t32_image *img)
{
    char err[256];
    const char *efile;
    int eline, ecol;
    if (!entry_point(as, path, &img->entry, &efile, &eline, &ecol))
        return false;
    bool data = true;
    for (size_t i = 0; data && i < as->ndata; i++)
        data = t32_image_add_data(img, as->data[i].addr, as->data[i].size);
    if (!data || !add_segments(as, img) || !add_symbols(as, img) || !add_lines(as, img)) {
        as_diag_plain(as, DIAG_ERROR, path, 0, "out of memory");
        return false;
    }
    const t32_segment *s = t32_image_segment_at(img, img->entry);
    bool code = false;
    for (size_t i = 0; i < img->nsegs; i++)
        code |= (img->segs[i].flags & T32_SEG_X) != 0;
    if (!s || !(s->flags & T32_SEG_X)) {
        symbol *start = sym_find(as, "_start");
        bool start_used = !as->opt->entry && !as->entry_set && start &&
                          sym_defined_now(as, start);
        const char *hint = !code ? ": there is no code to run"
                         : start_used ? " (it is _start's value: _start must label code in .text)"
                         : as->opt->entry || as->entry_set ? ""
                         : " (define _start there, or use .entry or -e)";
        as_diag_at(as, DIAG_ERROR, efile, eline, ecol, "the entry point 0x%08x is not in .text%s",
                   img->entry, hint);
        return false;
    }
    if (img->entry % 4) {
        as_diag_at(as, DIAG_ERROR, efile, eline, ecol, "the entry point 0x%08x is not "
                   "word-aligned", img->entry);
        return false;
    }
    if (!t32_image_check(img, err, sizeof err)) {
        as_diag_plain(as, DIAG_ERROR, path, 0, "%s", err);
        return false;
    }
    return true;
}

/* ---- the API ------------------------------------------------------------------- */

static void release(as_state *as)
{
    if (as->diag)
        fclose(as->diag);
    if (as->listing)
        fclose(as->listing);
    free(as->diagbuf);
    free(as->listbuf);
    macro_free_all(as);                 /* before the symbols: it unlinks them */
    sym_free_all(as);
    sec_free_all(as);
    src_free_all(as);
    free(as->conds);
    free(as->files);
    free(as->lines);
}

static bool assemble(as_state *as, const char *path, t32_image *img, asm_result *res)
{
    t32_image_init(img);
    bool final = run_passes(as, path);
    if (!final && !as->stop && as->errors == 0) {
        /* Every address settled but a constant still changes: each pass
         * carries a forward reference one .equ further, and there were
         * not enough passes for the whole chain. */
        const symbol *e = as->moved_equ;
        if (e && !as->moved_label && e->def_file)
            as_diag_at(as, DIAG_ERROR, e->def_file, e->def_line, e->def_col, "the value of '%s' "
                       "does not settle after %d passes: it comes through too many .equ/.set "
                       "that use symbols defined further down (each pass follows one more); "
                       "define those above it", e->name, as->pass);
        else
            as_diag_plain(as, DIAG_ERROR, path, 0, "the addresses do not settle after %d passes "
                          "(a .space, .align or .org depends on where a section is placed): "
                          "place the sections with .org", as->pass);
    }
    bool ok = !as->stop && as->errors == 0 && sec_check_overlap(as, path) &&
              build_image(as, path, img) && as->errors == 0;
    if (!ok)
        t32_image_free(img);
    fflush(as->diag);
    fwrite(as->diagbuf, 1, as->diaglen, as->opt->diag ? as->opt->diag : stderr);
    if (as->listing) {
        fflush(as->listing);
        fwrite(as->listbuf, 1, as->listlen, as->opt->listing);
    }
    if (ok && as->opt->map)
        list_symbol_map(as, as->opt->map);
    if (res)
        *res = (asm_result){ as->errors, as->warnings, as->define_errors };
    release(as);
    return ok;
}

bool asm_assemble_file(const char *path, const asm_options *opt, t32_image *img, asm_result *res)
{
    static const asm_options defaults;
    as_state as = { .opt = opt ? opt : &defaults };
    return assemble(&as, path, img, res);
}

bool asm_assemble_string(const char *name, const char *text, size_t len, const asm_options *opt,
                         t32_image *img, asm_result *res)
{
    static const asm_options defaults;
    as_state as = { .opt = opt ? opt : &defaults };
    if (!src_add_memory(&as, name, text, len)) {
        t32_image_init(img);
        release(&as);
        return false;
    }
    return assemble(&as, name, img, res);
}
