/*
 * listing.c - the assembly listing (-l) and the symbol map (-m).
 *
 * A listing shows, for every source line, the address and the bytes it
 * produced, so a student can see exactly what `li` or `.asciz` became:
 *
 *     LINE  ADDRESS  CODE         SOURCE
 *        3  00001000 10100005     _start: li r1, 5
 *        4+ 00001004 19200000             la r2, msg     (`+`: macro expansion)
 *
 * Instructions and .word values are shown as 32-bit words, .half values as
 * 16-bit halves (at any address, aligned or not), everything else as bytes
 * in memory order.  The symbol map
 * is `nm`-style: value, kind (T text, D data, B bss, A constant; lower case
 * when not .global) and name, sorted by value.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_ROWS 16   /* rows of code shown for one line before "..." */

/* The emitted bytes of the current statement (they end the last chunk). */
static const uint8_t *bytes_at(const as_state *as, int sec, uint32_t addr)
{
    const section *s = &as->sec[sec];
    const chunk *c = &s->chunks[s->nchunks - 1];
    return c->bytes ? c->bytes + (addr - c->start) : NULL;
}

/* Format up to one row of code (`unit`-byte values) into buf; returns the
 * number of bytes shown. */
static size_t code_row(const uint8_t *p, uint64_t left, int unit, char *buf, size_t size)
{
    size_t used = 0, n = 0;
    size_t per_row = 4;                          /* bytes per row */
    buf[0] = '\0';
    while (n < per_row && n + (size_t)unit <= left) {
        uint32_t v = 0;
        for (int i = unit - 1; i >= 0; i--)
            v = v << 8 | p[n + (size_t)i];
        used += (size_t)snprintf(buf + used, size - used, "%s%0*x", n ? " " : "", unit * 2, v);
        n += (size_t)unit;
    }
    if (n == 0 && left) {                        /* a tail shorter than a unit */
        for (; n < left && n < 4; n++)
            used += (size_t)snprintf(buf + used, size - used, "%s%02x", n ? " " : "", p[n]);
    }
    return n;
}

static void list_file_header(as_state *as)
{
    const as_frame *f = as->frame;
    while (f->macro)
        f = f->parent;
    if (f->file != as->list_file)
        fprintf(as->listing, "%s:\n", f->file);
    as->list_file = f->file;
}

void list_statement(as_state *as, int sec, uint32_t addr0, uint64_t size, bool show_addr)
{
    if (!as->listing || !as->frame)
        return;
    list_file_header(as);
    const uint8_t *p = size ? bytes_at(as, sec, addr0) : NULL;
    /* Values as written, even at an odd address: `.half 0xffff, -32768`
     * after three bytes lists as `ffff 8000`, not as four bytes. */
    int unit = as->list_unit > 0 && as->list_unit <= 4 ? as->list_unit : 1;
    char code[40] = "", addr[12] = "";
    uint64_t done = p ? code_row(p, size, unit, code, sizeof code) : 0;
    if (show_addr)
        snprintf(addr, sizeof addr, "%08x", addr0);
    if (!p && size)
        snprintf(code, sizeof code, "(%llu bytes)", (unsigned long long)size);
    fprintf(as->listing, "%5d%c %-8s %-12s %.*s\n", as->frame->line, as->frame->macro ? '+' : ' ',
            addr, code, (int)as->linelen, as->line);
    for (int rows = 1; p && done < size; rows++) {
        if (rows == MAX_ROWS) {
            fprintf(as->listing, "       %08x ... (%llu more bytes)\n", addr0 + (uint32_t)done,
                    (unsigned long long)(size - done));
            break;
        }
        size_t n = code_row(p + done, size - done, unit, code, sizeof code);
        fprintf(as->listing, "       %08x %s\n", addr0 + (uint32_t)done, code);
        done += n;
    }
}

static int by_value(const void *a, const void *b)
{
    const symbol *x = *(symbol *const *)a, *y = *(symbol *const *)b;
    /* by the value printed: 32 bits, or the whole of one that needs more */
    uint64_t vx = sym_fits_32_bits(x) ? (uint32_t)x->value : (uint64_t)x->value;
    uint64_t vy = sym_fits_32_bits(y) ? (uint32_t)y->value : (uint64_t)y->value;
    if (vx != vy)
        return vx < vy ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* The section whose bytes hold s's value (or end at it, like a label after
 * the last byte): the kind of an .equ/.set whose value is an address
 * (`.equ end, buf + 64`) - it is wherever that address is, not where the
 * .equ line stands.  Its own section if the address is in none. */
static int section_of_address(const as_state *as, const symbol *s)
{
    for (int past_end = 0; past_end < 2; past_end++)     /* inside first */
        for (int i = 0; i < SEC_COUNT; i++)
            for (size_t k = 0; k < as->sec[i].nchunks; k++) {
                const chunk *c = &as->sec[i].chunks[k];
                int64_t end = (int64_t)(c->start + c->size);
                if (s->value >= c->start && (s->value < end || (past_end && s->value == end)))
                    return i;
            }
    return s->section;
}

void list_symbol_map(as_state *as, FILE *out)
{
    symbol **all = sym_sorted(as);
    size_t n = 0;
    if (!all)
        return;
    for (size_t i = 0; all[i]; i++)
        if (sym_defined_now(as, all[i]))
            all[n++] = all[i];
    qsort(all, n, sizeof *all, by_value);
    for (size_t i = 0; i < n; i++) {
        const symbol *s = all[i];
        char kind = s->kind == SYM_LABEL ? "TDB"[s->section]
                  : s->absolute            ? 'A'
                                           : "TDB"[section_of_address(as, s)];
        if (!s->global)
            kind = (char)(kind - 'A' + 'a');
        if (sym_fits_32_bits(s))
            fprintf(out, "%08x %c %s\n", (uint32_t)s->value, kind, s->name);
        else        /* (the image leaves it out: its values are 32 bits) */
            fprintf(out, "%08" PRIx64 " %c %s\n", (uint64_t)s->value, kind, s->name);
    }
    free(all);
}
