/*
 * diag.c - diagnostics in the format every C programmer already reads:
 *
 *     prog.s:12:9: error: unknown mnemonic 'addd'
 *        12 |         addd r1, r2, r3
 *           |         ^~~~
 *     prog.s:30:5: note: in expansion of macro 'twice'
 *
 * Messages are lower case with no trailing period.  They go to the pass's
 * buffer (see internal.h); only the final pass's buffer is shown.
 */
#include <stdarg.h>
#include <string.h>

#include "internal.h"

#define SHOW_MAX 160   /* longest piece of a source line we print */
#define MAX_CONTEXT 8  /* "in expansion of" / "included from" notes per message */

static const char *kind_name(diag_kind kind)
{
    switch (kind) {
    case DIAG_ERROR:   return "error";
    case DIAG_WARNING: return "warning";
    case DIAG_NOTE:    return "note";
    }
    return "?";
}

/* Count the message; false if it should not be printed (error limit). */
static bool count(as_state *as, diag_kind kind)
{
    if (as->stop)
        return false;
    if (kind == DIAG_WARNING)
        as->warnings++;
    if (kind != DIAG_ERROR)
        return true;
    int limit = as->opt->max_errors > 0 ? as->opt->max_errors : AS_DEFAULT_MAX_ERRORS;
    if (as->errors >= limit) {
        if (as->frame)
            fprintf(as->diag, "%s:%d: fatal error: too many errors (%d), stopping\n",
                    as->frame->file, as->frame->line, limit);
        else
            fprintf(as->diag, "t32as: fatal error: too many errors (%d), stopping\n", limit);
        as->errors++;
        as->stop = true;
        return false;
    }
    as->errors++;
    return true;
}

/* Print the line with a caret under [pos, pos+len), showing at most
 * SHOW_MAX characters around the caret of a very long line. */
static void show_line(as_state *as, size_t pos, size_t len)
{
    size_t from = 0, to = as->linelen;
    if (pos > as->linelen)
        pos = as->linelen;
    if (to - from > SHOW_MAX) {
        from = pos > SHOW_MAX / 2 ? pos - SHOW_MAX / 2 : 0;
        to = from + SHOW_MAX < as->linelen ? from + SHOW_MAX : as->linelen;
    }
    fprintf(as->diag, "%5d | %s%.*s%s\n", as->frame->line, from ? "..." : "",
            (int)(to - from), as->line + from, to < as->linelen ? "..." : "");
    fprintf(as->diag, "      | %s", from ? "   " : "");
    for (size_t i = from; i < pos; i++)
        fputc(as->line[i] == '\t' ? '\t' : ' ', as->diag);
    fputc('^', as->diag);
    for (size_t i = 1; i < len && pos + i < to; i++)
        fputc('~', as->diag);
    fputc('\n', as->diag);
}

/* Where the current line came from: macro expansions and includes. */
static void show_context(as_state *as)
{
    int shown = 0;
    for (const as_frame *f = as->frame; f && f->parent; f = f->parent) {
        if (++shown > MAX_CONTEXT) {
            int more = 0;
            for (; f && f->parent; f = f->parent)
                more++;
            fprintf(as->diag, "%s: note: (and %d more levels of macros and includes)\n",
                    f ? f->file : as->frame->file, more);
            break;
        }
        if (f->macro)
            fprintf(as->diag, "%s:%d:%d: note: in expansion of macro '%s'\n",
                    f->parent->file, f->parent_line, f->parent_col, f->macro);
        else
            fprintf(as->diag, "%s: note: included from %s:%d\n",
                    f->file, f->parent->file, f->parent_line);
    }
}

void as_diag(as_state *as, diag_kind kind, size_t pos, size_t len, const char *fmt, ...)
{
    if (!count(as, kind))
        return;
    if (!as->frame) {
        fprintf(as->diag, "t32as: %s: ", kind_name(kind));
    } else {
        fprintf(as->diag, "%s:%d:%zu: %s: ", as->frame->file, as->frame->line, pos + 1,
                kind_name(kind));
    }
    va_list ap;
    va_start(ap, fmt);
    vfprintf(as->diag, fmt, ap);
    va_end(ap);
    fputc('\n', as->diag);
    if (as->frame && as->line) {
        show_line(as, pos, len);
        show_context(as);
    }
}

void as_diag_at(as_state *as, diag_kind kind, const char *file, int line, int col,
                const char *fmt, ...)
{
    if (!count(as, kind))
        return;
    if (line > 0 && col > 0)
        fprintf(as->diag, "%s:%d:%d: %s: ", file, line, col, kind_name(kind));
    else if (line > 0)
        fprintf(as->diag, "%s:%d: %s: ", file, line, kind_name(kind));
    else
        fprintf(as->diag, "%s: %s: ", file, kind_name(kind));
    va_list ap;
    va_start(ap, fmt);
    vfprintf(as->diag, fmt, ap);
    va_end(ap);
    fputc('\n', as->diag);
}

int edit_distance(const char *a, const char *b)
{
    /* Levenshtein distance with two rows; names longer than 63 bytes are
     * simply "far" from everything. */
    size_t n = strlen(a), m = strlen(b);
    int row[64], prev[64];
    if (n >= 64 || m >= 64)
        return 99;
    for (size_t j = 0; j <= m; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= n; i++) {
        row[0] = (int)i;
        for (size_t j = 1; j <= m; j++) {
            int sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            int del = prev[j] + 1, ins = row[j - 1] + 1;
            row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, row, (m + 1) * sizeof *row);
    }
    return prev[m];
}

int typo_score(const char *typed, const char *candidate, int max_distance)
{
    int d = edit_distance(typed, candidate);
    if (d > max_distance)
        return -1;
    return 2 * d + (typed[0] != candidate[0]);   /* ties: the same first letter wins */
}
