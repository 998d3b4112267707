/*
 * sections.c - .text, .data, .bss: where the bytes go.
 *
 * Each section has a location counter - the address the next byte will get,
 * which `.` reads - and a list of chunks: runs of contiguous bytes.  A
 * section starts as one empty chunk at its default address (IMAGE.md: .text
 * at 0x1000, .data and .bss each on the next page after the section
 * before).  `.org ADDR` before a section's first byte moves the chunk,
 * and the labels defined on it so far with it: a label names the address
 * its next byte goes to.  After the first byte, an .org forward starts a
 * new chunk, and an .org backward is an error.  Each non-empty chunk
 * becomes one segment of the image.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define ADDRESS_SPACE (1ull << 32)

static const struct { const char *name; uint32_t flags; } kinds[SEC_COUNT] = {
    [SEC_TEXT] = { ".text", T32_SEG_R | T32_SEG_X },
    [SEC_DATA] = { ".data", T32_SEG_R | T32_SEG_W },
    [SEC_BSS]  = { ".bss",  T32_SEG_R | T32_SEG_W },
};

static void free_chunks(section *s)
{
    for (size_t i = 0; i < s->nchunks; i++)
        free(s->chunks[i].bytes);
    free(s->chunks);
    s->chunks = NULL;
    s->nchunks = 0;
}

/* Start a new, empty chunk at `addr` in section s. */
static bool new_chunk(section *s, uint32_t addr)
{
    chunk *c = realloc(s->chunks, (s->nchunks + 1) * sizeof *c);
    if (!c)
        return false;
    s->chunks = c;
    s->chunks[s->nchunks++] = (chunk){ .start = addr };
    return true;
}

void sec_begin_pass(as_state *as, const uint32_t base[SEC_COUNT])
{
    for (int i = 0; i < SEC_COUNT; i++) {
        section *s = &as->sec[i];
        free_chunks(s);
        s->name = kinds[i].name;
        s->flags = kinds[i].flags;
        s->base = base[i];
        s->nwaiting = 0;
        if (!new_chunk(s, base[i]))
            abort();                    /* a few bytes at start-up */
    }
    as->cur = SEC_TEXT;
    as->stored = 0;
    as->ndata = 0;
}

static chunk *current(const as_state *as)
{
    const section *s = &as->sec[as->cur];
    return &s->chunks[s->nchunks - 1];
}

uint64_t sec_here64(const as_state *as)
{
    const chunk *c = current(as);
    return c->start + c->size;
}

uint32_t sec_chunk_start(const as_state *as)
{
    return current(as)->start;
}

uint32_t sec_here(const as_state *as)
{
    return (uint32_t)sec_here64(as);
}

/* ---- labels on an empty chunk ------------------------------------------------ */

/* Where a label's value is stored (label_ref). */
static int64_t *label_slot(as_state *as, label_ref r)
{
    return r.sym ? &r.sym->value : &as->locals[r.local].cur[r.def];
}

bool sec_label_defined(as_state *as, token at, label_ref ref)
{
    section *s = &as->sec[as->cur];
    if (current(as)->size != 0)
        return true;                    /* where it is for good */
    label_ref *p = as_grow(s->waiting, &s->capwaiting, s->nwaiting, sizeof *p, 8);
    if (!p) {
        as_error(as, at, "out of memory");
        return false;
    }
    s->waiting = p;
    s->waiting[s->nwaiting++] = ref;
    *label_slot(as, ref) = LABEL_AT_START(as->cur);
    return true;
}

/* A waiting label names the byte its chunk will start with, which this pass
 * does not know yet: an .org further down may still move the chunk.  The
 * last pass knows - where the label settled then is where it settles again,
 * unless something moved, and then another pass follows - so that is its
 * value, as for a forward reference.  (Reading the chunk's start now would
 * give `.equ x, start` the address before the .org, for ever.) */
int64_t sec_label_value(const as_state *as, int64_t stored, const int64_t *prev)
{
    if (stored >= 0)
        return stored;
    if (prev)
        return *prev;
    const section *s = &as->sec[-1 - stored];
    return s->chunks[s->nchunks - 1].start;
}

bool sec_label_read(as_state *as, token t, const char *shown, int64_t stored,
                    const int64_t *prev, int flags, int64_t *v)
{
    *v = sec_label_value(as, stored, prev);
    if (!(flags & EXPR_NOW) || *v == sec_label_value(as, stored, NULL))
        return true;
    as_error(as, t, "'%s' is where an .org at or after this point places its section: "
             "its value is not known here", shown);
    return false;
}

/* Section i's last chunk has its place (its first byte comes, or the pass
 * ends): the labels waiting on it get their address.  Each label waits
 * once, so an .org that moves an empty chunk costs nothing per label. */
static void settle(as_state *as, int i)
{
    section *s = &as->sec[i];
    for (size_t k = 0; k < s->nwaiting; k++)
        *label_slot(as, s->waiting[k]) = s->chunks[s->nchunks - 1].start;
    s->nwaiting = 0;
}

void sec_end_pass(as_state *as)
{
    for (int i = 0; i < SEC_COUNT; i++)
        settle(as, i);
}

/* ---- bytes ------------------------------------------------------------------- */

/* Can n more bytes go at the location counter?  `stored` says whether they
 * are kept in the image (not for .bss). */
static bool room_for(as_state *as, token at, uint64_t n, bool stored)
{
    if (sec_here64(as) + n > ADDRESS_SPACE) {
        as_error(as, at, "this goes past the end of the 32-bit address space "
                 "(location 0x%llx + %llu bytes)", (unsigned long long)sec_here64(as),
                 (unsigned long long)n);
        return false;
    }
    if (stored && as->stored + n > AS_MAX_BYTES) {
        as_error(as, at, "program too large: more than %u MiB of code and data",
                 AS_MAX_BYTES >> 20);
        return false;
    }
    return true;
}

/* Make room for n stored bytes in the current chunk; returns where. */
static uint8_t *reserve(as_state *as, token at, size_t n)
{
    chunk *c = current(as);
    if (as->cur == SEC_BSS) {
        as_error(as, at, ".bss holds no stored bytes: only labels, .space and .align "
                 "may appear in it");
        return NULL;
    }
    if (!room_for(as, at, n, true))
        return NULL;
    if (n == 0) {
        static uint8_t nothing;           /* `.ascii ""` stores nothing, successfully */
        return &nothing;
    }
    if (c->size + n > c->cap) {
        size_t cap = c->cap ? c->cap : 256;
        while (cap < c->size + n)
            cap *= 2;
        uint8_t *p = realloc(c->bytes, cap);
        if (!p) {
            as_error(as, at, "out of memory");
            return NULL;
        }
        c->bytes = p;
        c->cap = cap;
    }
    uint8_t *p = c->bytes + c->size;
    if (as->in_data && (as->sec[as->cur].flags & T32_SEG_X) &&
        !sec_note_data(as, c->start + (uint32_t)c->size, n)) {
        as_error(as, at, "out of memory");
        return NULL;
    }
    settle(as, as->cur);
    c->size += n;
    as->stored += n;
    return p;
}

bool sec_emit(as_state *as, token at, const void *bytes, size_t n)
{
    uint8_t *p = reserve(as, at, n);
    if (p && n)
        memcpy(p, bytes, n);
    return p != NULL;
}

bool sec_emit_word(as_state *as, token at, uint32_t w)
{
    uint8_t b[4] = { (uint8_t)w, (uint8_t)(w >> 8), (uint8_t)(w >> 16), (uint8_t)(w >> 24) };
    as->list_unit = 4;
    return sec_emit(as, at, b, 4);
}

bool sec_fill(as_state *as, token at, uint64_t n, uint8_t fill)
{
    if (as->cur == SEC_BSS) {
        if (fill != 0) {
            as_error(as, at, ".bss is all zero: the fill byte must be 0");
            return false;
        }
        if (!room_for(as, at, n, false))
            return false;
        if (n > 0)
            settle(as, as->cur);
        current(as)->size += n;
        return true;
    }
    if (n > AS_MAX_BYTES) {
        room_for(as, at, n, true);      /* reports the right problem */
        return false;
    }
    uint8_t *p = reserve(as, at, (size_t)n);
    if (p)
        memset(p, fill, (size_t)n);
    return p != NULL;
}

size_t sec_pieces(const as_state *as)
{
    size_t pieces = 0;
    for (int i = 0; i < SEC_COUNT; i++)
        for (size_t k = 0; k < as->sec[i].nchunks; k++)
            pieces += as->sec[i].chunks[k].size != 0;   /* an empty one is no segment */
    return pieces;
}

bool sec_org(as_state *as, token at, int64_t addr)
{
    chunk *c = current(as);
    uint64_t here = sec_here64(as);
    if (addr < 0 || (uint64_t)addr >= ADDRESS_SPACE) {
        as_error(as, at, ".org address %lld is outside the 32-bit address space", (long long)addr);
        return false;
    }
    if (c->size == 0) {
        c->start = (uint32_t)addr;      /* nothing here yet: just move (its labels follow) */
        return true;
    }
    if ((uint64_t)addr < here) {
        as_error(as, at, ".org 0x%llx would move backwards: %s is already at 0x%llx",
                 (unsigned long long)addr, as->sec[as->cur].name, (unsigned long long)here);
        return false;
    }
    if ((uint64_t)addr == here)
        return true;
    if (sec_pieces(as) >= T32_IMAGE_MAX_SEGS) {   /* this one would be one more */
        as_error(as, at, "too many .org jumps: an image holds at most %u separate pieces",
                 T32_IMAGE_MAX_SEGS);
        return false;
    }
    if (!new_chunk(&as->sec[as->cur], (uint32_t)addr)) {
        as_error(as, at, "out of memory");
        return false;
    }
    return true;
}

/* The first address after a section (its start if it is empty). */
static uint64_t section_end(const section *s)
{
    uint64_t end = s->chunks[0].start;
    for (size_t i = 0; i < s->nchunks; i++)
        if (s->chunks[i].size && s->chunks[i].start + s->chunks[i].size > end)
            end = s->chunks[i].start + s->chunks[i].size;
    return end;
}

static uint32_t page_up(uint64_t a)
{
    uint64_t p = (a + T32_PAGE_SIZE - 1) & ~(uint64_t)(T32_PAGE_SIZE - 1);
    return p >= ADDRESS_SPACE ? (uint32_t)(ADDRESS_SPACE - T32_PAGE_SIZE) : (uint32_t)p;
}

void sec_layout(const as_state *as, uint32_t base[SEC_COUNT])
{
    base[SEC_TEXT] = AS_TEXT_BASE;
    base[SEC_DATA] = page_up(section_end(&as->sec[SEC_TEXT]));
    base[SEC_BSS] = page_up(section_end(&as->sec[SEC_DATA]));
}

typedef struct span { uint64_t start, end; int sec; } span;

static int by_start(const void *a, const void *b)
{
    const span *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

/* The first line (in source order) that put bytes of section sec in
 * [lo, hi): where a problem with them is reported.  *file and *line are
 * left as they are if none did (.bss). */
static bool line_in(const as_state *as, int sec, uint64_t lo, uint64_t hi, const char **file,
                    int *line)
{
    for (size_t i = 0; i < as->nlines; i++)
        if (as->lines[i].sec == sec && as->lines[i].addr >= lo && as->lines[i].addr < hi) {
            *file = as->files[as->lines[i].file];
            *line = as->lines[i].line;
            return true;
        }
    return false;
}

/* A section placed by default starts at the first page boundary after the
 * one before it (sec_layout).  After a section that runs to the top of
 * memory there is none: page_up can only give the last page, which is the
 * earlier section's own - its bytes and these would share a page, and its
 * flags.  So a section with bytes there is an error, not an overlap. */
static bool check_room(as_state *as, const char *file)
{
    bool ok = true;
    uint64_t end = section_end(&as->sec[SEC_TEXT]);
    int before = SEC_TEXT;
    for (int i = SEC_DATA; i <= SEC_BSS; i++) {
        const chunk *c = &as->sec[i].chunks[0];     /* (an .org may have moved it) */
        if (c->size > 0 && c->start == as->sec[i].base && c->start < end) {
            const char *where = file;
            int line = 0;
            (void)line_in(as, i, c->start, (uint64_t)c->start + c->size, &where, &line);
            as_diag_plain(as, DIAG_ERROR, where, line,
                          "no room for %s after %s, which runs to the top of memory "
                          "(place %s with .org)", as->sec[i].name, as->sec[before].name,
                          as->sec[i].name);
            ok = false;
        }
        uint64_t e = section_end(&as->sec[i]);
        if (e > end) {
            end = e;
            before = i;
        }
    }
    return ok;
}

bool sec_check_overlap(as_state *as, const char *file)
{
    span v[T32_IMAGE_MAX_SEGS];
    size_t n = 0;
    bool ok = check_room(as, file);
    if (!ok)
        return false;               /* (the same bytes would overlap too) */
    for (int i = 0; i < SEC_COUNT; i++)
        for (size_t k = 0; k < as->sec[i].nchunks; k++) {
            const chunk *c = &as->sec[i].chunks[k];
            if (c->size == 0)
                continue;
            if (n == sizeof v / sizeof v[0]) {
                as_diag_plain(as, DIAG_ERROR, file, 0, "the program has more than %zu separate "
                              "pieces (each .org forward starts one)", sizeof v / sizeof v[0]);
                return false;
            }
            v[n++] = (span){ c->start, c->start + c->size, i };
        }
    qsort(v, n, sizeof v[0], by_start);
    for (size_t i = 1; i < n; i++)
        if (v[i].start < v[i - 1].end) {
            const char *where = file;
            int line = 0;
            uint64_t hi = v[i].end < v[i - 1].end ? v[i].end : v[i - 1].end;
            (void)line_in(as, v[i].sec, v[i].start, hi, &where, &line);
            as_diag_plain(as, DIAG_ERROR, where, line,
                          "%s at 0x%08llx..0x%08llx overlaps %s at 0x%08llx..0x%08llx",
                          as->sec[v[i].sec].name, (unsigned long long)v[i].start,
                          (unsigned long long)v[i].end - 1, as->sec[v[i - 1].sec].name,
                          (unsigned long long)v[i - 1].start, (unsigned long long)v[i - 1].end - 1);
            ok = false;
        }
    return ok;
}

/* Code and data share .text (a string after the code that prints it), so
 * the image records which bytes there came from directives: t32dis then
 * prints them as data, not as instructions that never run. */
bool sec_note_data(as_state *as, uint32_t addr, uint64_t n)
{
    t32_range *last = as->ndata ? &as->data[as->ndata - 1] : NULL;
    if (last && (uint64_t)last->addr + last->size == addr) {
        last->size += (uint32_t)n;
        return true;
    }
    t32_range *p = as_grow(as->data, &as->capdata, as->ndata, sizeof *p, 16);
    if (!p)
        return false;
    as->data = p;
    as->data[as->ndata++] = (t32_range){ addr, (uint32_t)n };
    return true;
}

void sec_free_all(as_state *as)
{
    free(as->data);
    for (int i = 0; i < SEC_COUNT; i++) {
        free_chunks(&as->sec[i]);
        free(as->sec[i].waiting);
    }
}
