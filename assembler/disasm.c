/*
 * disasm.c - words back into assembly text.
 *
 * Decoding is driven by the opcode table: the opcode byte gives the
 * mnemonic and format, and the format says which fields mean what.  Before
 * printing, the word is checked for bits its format leaves unused: the CPU
 * ignores them, but t32as always writes them as zero, so a word with any of
 * them set cannot come from an instruction and is printed as data.
 */
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "disasm.h"
#include "t32.h"

/* Bits each format leaves unused (they must be zero). */
static const uint32_t unused_bits[T32_FMT_COUNT] = {
    [T32_FMT_R]    = 0x00000fffu,   [T32_FMT_I]     = 0,
    [T32_FMT_IU]   = 0,             [T32_FMT_SH]    = 0x0000ffe0u,
    [T32_FMT_LUI]  = 0x000f0000u,   [T32_FMT_CMP]   = 0x00f00fffu,
    [T32_FMT_CMPI] = 0x00f00000u,   [T32_FMT_LOAD]  = 0,
    [T32_FMT_STORE] = 0,            [T32_FMT_J]     = 0,
    [T32_FMT_BZ]   = 0x000f0000u,   [T32_FMT_JALR]  = 0,
    [T32_FMT_REG]  = 0x000fffffu,   [T32_FMT_NONE]  = 0x00ffffffu,
    [T32_FMT_U16]  = 0x00ff0000u,   [T32_FMT_MFSR]  = 0x000f0000u,
    [T32_FMT_MTSR] = 0x000f0000u,   [T32_FMT_IN]    = 0,
    [T32_FMT_OUT]  = 0,
};

static const char *reg(unsigned r)
{
    static const char *const names[T32_NREGS] = {
        "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7",
        "r8", "r9", "r10", "r11", "r12", "fp", "sp", "lr",
    };
    return names[r & 15];
}

/* A branch target as text: a symbol (+ a hex offset) inside the image, or hex. */
static void target(uint32_t addr, const t32_image *img, char *buf, size_t len)
{
    uint32_t off = 0;
    const char *sym = img && t32_image_segment_at(img, addr)
                    ? t32_image_symbolize(img, addr, &off) : NULL;
    if (sym && off)
        snprintf(buf, len, "%s+0x%x", sym, off);   /* hex, as the debugger's <sym+0x2c> */
    else if (sym)
        snprintf(buf, len, "%s", sym);
    else
        snprintf(buf, len, "0x%08x", addr);
}

static void sysreg(uint32_t n, char *buf, size_t len)
{
    const char *name = t32_sysreg_name(n);
    if (name)
        snprintf(buf, len, "%s", name);
    else
        snprintf(buf, len, "%u", n);
}

/* The three pseudo-instructions worth recognising when reading code. */
static bool pseudo(uint32_t w, char *buf, size_t len)
{
    if (w == T32_ENC_R(T32_OP_ADD, 0, 0, 0))
        snprintf(buf, len, "nop");
    else if (w == T32_ENC_I(T32_OP_JALR, T32_REG_ZERO, T32_REG_LR, 0))
        snprintf(buf, len, "ret");
    else if (T32_OPC(w) == T32_OP_ADD && T32_FC(w) == 0 && (w & 0xfff) == 0 && T32_FB(w) != 0)
        snprintf(buf, len, "mov %s, %s", reg(T32_FA(w)), reg(T32_FB(w)));
    else
        return false;
    return true;
}

bool dis_insn(uint32_t w, uint32_t pc, const t32_image *img, char *buf, size_t len)
{
    const t32_opinfo *op = &t32_ops[T32_OPC(w)];
    if (!op->mnemonic || (w & unused_bits[op->format])) {
        snprintf(buf, len, ".word 0x%08x", w);
        return false;
    }
    if (pseudo(w, buf, len))
        return true;
    const char *m = op->mnemonic, *a = reg(T32_FA(w)), *b = reg(T32_FB(w)), *c = reg(T32_FC(w));
    int32_t simm = (int32_t)T32_SIMM16(w);
    uint32_t imm = T32_IMM16(w);
    char t[80];
    switch (op->format) {
    case T32_FMT_R:     snprintf(buf, len, "%s %s, %s, %s", m, a, b, c); break;
    case T32_FMT_I:
    case T32_FMT_JALR:  snprintf(buf, len, "%s %s, %s, %d", m, a, b, simm); break;
    case T32_FMT_IU:    snprintf(buf, len, "%s %s, %s, 0x%x", m, a, b, imm); break;
    case T32_FMT_SH:    snprintf(buf, len, "%s %s, %s, %u", m, a, b, imm); break;
    case T32_FMT_LUI:   snprintf(buf, len, "%s %s, 0x%x", m, a, imm); break;
    case T32_FMT_CMP:   snprintf(buf, len, "%s %s, %s", m, b, c); break;
    case T32_FMT_CMPI:  snprintf(buf, len, "%s %s, %d", m, b, simm); break;
    case T32_FMT_LOAD:
    case T32_FMT_STORE: snprintf(buf, len, "%s %s, %d(%s)", m, a, simm, b); break;
    case T32_FMT_IN:
    case T32_FMT_OUT:   snprintf(buf, len, "%s %s, 0x%x(%s)", m, a, imm, b); break;
    case T32_FMT_REG:   snprintf(buf, len, "%s %s", m, a); break;
    case T32_FMT_NONE:  snprintf(buf, len, "%s", m); break;
    case T32_FMT_U16:   snprintf(buf, len, "%s 0x%x", m, imm); break;
    case T32_FMT_J:
        target(pc + 4 * T32_OFF24(w), img, t, sizeof t);
        snprintf(buf, len, "%s %s", m, t);
        break;
    case T32_FMT_BZ:
        target(pc + 4 * T32_SIMM16(w), img, t, sizeof t);
        snprintf(buf, len, "%s %s, %s", m, a, t);
        break;
    case T32_FMT_MFSR:
        sysreg(imm, t, sizeof t);
        snprintf(buf, len, "%s %s, %s", m, a, t);
        break;
    case T32_FMT_MTSR:
        sysreg(imm, t, sizeof t);
        snprintf(buf, len, "%s %s, %s", m, t, a);
        break;
    case T32_FMT_COUNT: break;
    }
    return true;
}

/* ---- whole images -------------------------------------------------------------- */

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* One line of output: the source text, then address and bytes as a comment. */
static void line(FILE *out, const char *text, uint32_t addr, const char *code)
{
    fprintf(out, "        %-32s ; %08x%s%s\n", text, addr, code[0] ? ": " : "", code);
}

/* Address symbols sorted by value, so labels can be printed in order. */
/* ---- symbols that can be written back ------------------------------------------- */

static const t32_symbol *sort_base;

static int by_name(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int c = strcmp(sort_base[i].name, sort_base[j].name);
    return c ? c : (i > j) - (i < j);        /* the same name: the earlier first */
}

size_t dis_drop_unwritable_symbols(t32_image *img, void (*dropped)(void *ctx,
                                   const t32_symbol *s, bool duplicate), void *ctx)
{
    size_t n = img->nsyms, *order = malloc((n + 1) * sizeof *order);
    bool *drop = calloc(n + 1, sizeof *drop);
    if (!order || !drop) {
        free(order);
        free(drop);
        return 0;                            /* (then t32as says what it cannot take) */
    }
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    sort_base = img->syms;
    qsort(order, n, sizeof *order, by_name);
    for (size_t k = 1; k < n; k++)
        if (strcmp(img->syms[order[k]].name, img->syms[order[k - 1]].name) == 0)
            drop[order[k]] = true;
    size_t kept = 0, gone = 0;
    for (size_t i = 0; i < n; i++) {
        t32_symbol *y = &img->syms[i];
        bool bad = !asm_is_symbol_name(y->name);
        if (bad || drop[i]) {
            dropped(ctx, y, !bad);
            free(y->name);
            gone++;
        } else {
            img->syms[kept++] = *y;
        }
    }
    img->nsyms = kept;
    free(order);
    free(drop);
    return gone;
}

/* ---- labels, in address order ------------------------------------------------------- */

typedef struct labels {
    const t32_symbol **v;
    size_t n, next;
} labels;

static int by_value(const void *a, const void *b)
{
    const t32_symbol *x = *(const t32_symbol *const *)a, *y = *(const t32_symbol *const *)b;
    return (x->value > y->value) - (x->value < y->value);
}

static void labels_init(labels *l, const t32_image *img)
{
    l->v = malloc((img->nsyms + 1) * sizeof *l->v);
    l->n = l->next = 0;
    for (size_t i = 0; l->v && i < img->nsyms; i++)
        if (!(img->syms[i].flags & T32_SYM_ABS))
            l->v[l->n++] = &img->syms[i];
    if (l->v)
        qsort(l->v, l->n, sizeof *l->v, by_value);   /* equal values keep no order; fine */
}

/* Print every label at `addr`; skip (as .equ later) those already passed. */
static void labels_at(labels *l, uint32_t addr, FILE *out)
{
    while (l->next < l->n && l->v[l->next]->value <= addr) {
        if (l->v[l->next]->value == addr)
            fprintf(out, "%s:\n", l->v[l->next]->name);
        l->next++;
    }
}

/* Is there a label strictly inside (addr, addr+n)? */
static bool label_inside(const labels *l, uint32_t addr, uint32_t n)
{
    for (size_t i = l->next; i < l->n && l->v[i]->value < addr + n; i++)
        if (l->v[i]->value > addr)
            return true;
    return false;
}

/* Is there a label at exactly addr, among those not yet printed? */
static bool label_at(const labels *l, uint32_t addr)
{
    for (size_t i = l->next; i < l->n && l->v[i]->value <= addr; i++)
        if (l->v[i]->value == addr)
            return true;
    return false;
}

/* Characters worth showing as a string (those t32as writes as themselves
 * or as \n, \t, \" and \\). */
static bool printable(uint8_t c)
{
    return (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t';
}

/* A string of at least 4 printable bytes (at most 32) at b[0..n), stopping
 * at a label: its length, or 0.  *nul says a NUL (with no label) ends it. */
static uint32_t string_at(const uint8_t *b, uint32_t addr, uint32_t n, const labels *l,
                          bool *nul)
{
    uint32_t k = 0;
    while (k < n && k < 32 && printable(b[k]) && (k == 0 || !label_at(l, addr + k)))
        k++;
    *nul = k < n && b[k] == 0 && !label_at(l, addr + k);
    return k >= 4 ? k : 0;
}

/* `.ascii "..."` or `.asciz "..."` for k bytes. */
static void string_line(const uint8_t *b, uint32_t k, bool nul, uint32_t addr, FILE *out)
{
    char text[160], code[16];
    size_t t = (size_t)snprintf(text, sizeof text, "%s \"", nul ? ".asciz" : ".ascii");
    for (uint32_t i = 0; i < k; i++) {
        const char *esc = b[i] == '\n' ? "\\n" : b[i] == '\t' ? "\\t" :
                          b[i] == '"' ? "\\\"" : b[i] == '\\' ? "\\\\" : NULL;
        if (esc)
            t += (size_t)snprintf(text + t, sizeof text - t, "%s", esc);
        else
            text[t++] = (char)b[i];
    }
    snprintf(text + t, sizeof text - t, "\"");
    snprintf(code, sizeof code, "%02x%02x%02x%02x...", b[0], b[1], b[2], b[3]);
    line(out, text, addr, code);
}

/* n bytes of data at addr: strings, aligned words, else single bytes;
 * labels are printed where they fall, so none is inside a line. */
static void data_span(const uint8_t *b, uint32_t addr, uint32_t n, labels *l, FILE *out)
{
    char text[48], code[16];
    for (uint32_t i = 0; i < n;) {
        uint32_t a = addr + i;
        labels_at(l, a, out);
        bool nul;
        uint32_t k = string_at(b + i, a, n - i, l, &nul);
        if (k) {
            string_line(b + i, k, nul, a, out);
            i += k + nul;
            continue;
        }
        if (a % 4 == 0 && i + 4 <= n && !label_inside(l, a, 4)) {
            snprintf(text, sizeof text, ".word 0x%08x", get32(b + i));
            snprintf(code, sizeof code, "%08x", get32(b + i));
            i += 4;
        } else {
            snprintf(text, sizeof text, ".byte 0x%02x", b[i]);
            snprintf(code, sizeof code, "%02x", b[i]);
            i++;
        }
        line(out, text, a, code);
    }
}

/* Bytes from addr to the end of the data range it is in (at most `left`),
 * or 0 if addr is not in one. */
static uint32_t data_here(const t32_image *img, uint32_t addr, uint32_t left)
{
    const t32_range *r = t32_image_data_at(img, addr);
    if (!r)
        return 0;
    uint64_t n = (uint64_t)r->addr + r->size - addr;
    return n < left ? (uint32_t)n : left;
}

/* Does a data range start in (addr, addr+4)?  Then the word is not code. */
static bool data_within_word(const t32_image *img, uint32_t addr)
{
    for (uint32_t k = 1; k < 4; k++)
        if (t32_image_data_at(img, addr + k))
            return true;
    return false;
}

/* An executable segment: instructions, except the data ranges the
 * assembler recorded (strings and tables kept next to the code). */
static void code_segment(const t32_image *img, const t32_segment *s, labels *l, FILE *out)
{
    char text[96], code[16];
    for (uint32_t i = 0; i < s->filesz;) {
        uint32_t a = s->addr + i, n = data_here(img, a, s->filesz - i);
        if (n) {
            data_span(s->data + i, a, n, l, out);
            i += n;
            continue;
        }
        labels_at(l, a, out);
        if (a % 4 == 0 && i + 4 <= s->filesz && !data_within_word(img, a)) {
            uint32_t w = get32(s->data + i);
            if (!dis_insn(w, a, img, text, sizeof text))   /* code all the same: */
                snprintf(text, sizeof text, ".inst 0x%08x", w);   /* no data range */
            snprintf(code, sizeof code, "%08x", w);
            i += 4;
        } else {
            snprintf(text, sizeof text, ".byte 0x%02x", s->data[i]);
            snprintf(code, sizeof code, "%02x", s->data[i]);
            i++;
        }
        line(out, text, a, code);
    }
}

static void data_segment(const t32_segment *s, labels *l, FILE *out)
{
    data_span(s->data, s->addr, s->filesz, l, out);
}

/* The zero-filled tail of a segment, split at labels. */
static void zero_tail(const t32_segment *s, labels *l, FILE *out)
{
    uint64_t a = (uint64_t)s->addr + s->filesz, end = (uint64_t)s->addr + s->size;
    char text[48];
    while (a < end) {
        labels_at(l, (uint32_t)a, out);
        uint64_t stop = end;
        if (l->next < l->n && l->v[l->next]->value < end)
            stop = l->v[l->next]->value;
        snprintf(text, sizeof text, ".space %llu", (unsigned long long)(stop - a));
        line(out, text, (uint32_t)a, "");
        a = stop;
    }
}

static const char *section_of(const t32_segment *s)
{
    if (s->flags & T32_SEG_X)
        return ".text";
    return s->filesz ? ".data" : ".bss";
}

bool dis_image_fits(const t32_image *img, char *why, size_t len)
{
    uint64_t stored = 0;
    for (size_t i = 0; i < img->nsegs; i++)
        if (strcmp(section_of(&img->segs[i]), ".bss") != 0)
            stored += img->segs[i].size;
    if (stored <= AS_MAX_BYTES)
        return true;
    snprintf(why, len, "its .text and .data would store %llu bytes (zeros after a segment's "
             "stored bytes count too), more than t32as assembles (%u MiB): it has no source",
             (unsigned long long)stored, AS_MAX_BYTES >> 20);
    return false;
}

/* Can a label for this address be printed in the listing of segment s?
 * Not in the middle of an instruction word (data has no such middle).
 * The words code_segment() decodes are those on word boundaries - of the
 * address, not of the offset in the segment, which may start anywhere -
 * that lie wholly in the stored bytes and hold no data. */
static bool label_fits(const t32_image *img, const t32_segment *s, uint32_t value)
{
    if (value < s->addr || (uint64_t)value > (uint64_t)s->addr + s->size)
        return false;
    if (!(s->flags & T32_SEG_X) || value % 4 == 0)
        return true;
    uint32_t word = value & ~3u;
    return word < s->addr || (uint64_t)word + 4 > (uint64_t)s->addr + s->filesz ||
           t32_image_data_at(img, word) || data_within_word(img, word);
}

/* The entry point t32as gives the source we print when it says nothing:
 * _start (a label or an .equ), else the start of .text - the first code
 * segment, whose .org comes first. */
static bool default_entry(const t32_image *img, uint32_t *entry)
{
    if (t32_image_lookup(img, "_start", entry))
        return true;
    for (size_t i = 0; i < img->nsegs; i++)
        if (img->segs[i].flags & T32_SEG_X) {
            *entry = img->segs[i].addr;
            return true;
        }
    return false;
}

/* `.entry` when the image's entry is not that default (t32as -e chose
 * another symbol, or an .entry did), so that the output assembles back to
 * the same entry.  A symbol at the entry names it; else the address. */
static void entry_line(const t32_image *img, FILE *out)
{
    uint32_t def;
    if (default_entry(img, &def) && def == img->entry)
        return;
    for (size_t i = 0; i < img->nsyms; i++)
        if (!(img->syms[i].flags & T32_SYM_ABS) && img->syms[i].value == img->entry) {
            fprintf(out, "        .entry %s\n", img->syms[i].name);
            return;
        }
    fprintf(out, "        .entry 0x%08x\n", img->entry);
}

/* ---- addresses no segment holds ------------------------------------------------ */

/* A label of a section with nothing after it (`.bss` / `buf:` and no
 * .space) names an address no segment holds, and so may an address .equ
 * (`.equ end, buf + 64`).  As an .equ of a number it would come back a
 * constant, so it comes back a label where a section can take one: after
 * every segment, that section's `.org` to the address, then the labels.
 * Each section takes one address (a second .org would carry the labels
 * of its still-empty piece along), at or past the end of its segments. */
#define NSECTIONS 3

typedef struct loose {
    uint32_t    addr[NSECTIONS];
    const char *section[NSECTIONS];
    int         n;
} loose;

/* An address symbol outside every segment (an end is inside: the label
 * past the end, like stack_top, is printed there). */
static bool outside_segments(const t32_image *img, const t32_symbol *y)
{
    if (y->flags & T32_SYM_ABS)
        return false;
    for (size_t k = 0; k < img->nsegs; k++)
        if (y->value >= img->segs[k].addr &&
            (uint64_t)y->value <= (uint64_t)img->segs[k].addr + img->segs[k].size)
            return false;
    return true;
}

/* The first address past the segments printed in `section`, 0 if none. */
static uint64_t section_end(const t32_image *img, const char *section)
{
    uint64_t end = 0;
    for (size_t k = 0; k < img->nsegs; k++)
        if (strcmp(section_of(&img->segs[k]), section) == 0)
            end = (uint64_t)img->segs[k].addr + img->segs[k].size;   /* in address order */
    return end;
}

/* Give each address outside the segments (lowest first) a section that can
 * take it; those left over stay .equ. */
static void place_loose(const t32_image *img, labels *l, loose *lo)
{
    static const char *const sections[NSECTIONS] = { ".bss", ".data", ".text" };
    bool used[NSECTIONS] = { false };
    lo->n = 0;
    for (size_t i = 0; i < l->n; i++) {
        uint32_t a = l->v[i]->value;
        if (!outside_segments(img, l->v[i]) || (lo->n && lo->addr[lo->n - 1] == a))
            continue;
        for (int k = 0; k < NSECTIONS; k++)
            if (!used[k] && section_end(img, sections[k]) <= a) {
                used[k] = true;
                lo->addr[lo->n] = a;
                lo->section[lo->n++] = sections[k];
                break;
            }
        if (lo->n == NSECTIONS)
            break;
    }
}

static bool placed_loose(const loose *lo, const t32_image *img, const t32_symbol *y)
{
    for (int i = 0; i < lo->n; i++)
        if (y->value == lo->addr[i] && outside_segments(img, y))
            return true;
    return false;
}

/* After every segment: each placed address, its section and labels. */
static void loose_labels(const t32_image *img, const loose *lo, FILE *out)
{
    for (int i = 0; i < lo->n; i++) {
        fprintf(out, "\n        %s\n        .org 0x%08x\n", lo->section[i], lo->addr[i]);
        for (size_t k = 0; k < img->nsyms; k++)
            if (img->syms[k].value == lo->addr[i] && outside_segments(img, &img->syms[k]))
                fprintf(out, "%s:\n", img->syms[k].name);
    }
}

/* Constants, and symbols no segment or section can show as a label, become .equ. */
static void header(const t32_image *img, const loose *lo, FILE *out)
{
    fprintf(out, "; entry point 0x%08x\n", img->entry);
    entry_line(img, out);
    for (size_t i = 0; i < img->nsyms; i++) {
        const t32_symbol *y = &img->syms[i];
        bool placed = placed_loose(lo, img, y);
        for (size_t k = 0; k < img->nsegs && !(y->flags & T32_SYM_ABS); k++)
            placed |= label_fits(img, &img->segs[k], y->value);
        if (!placed)
            fprintf(out, "        .equ %s, 0x%08x\n", y->name, y->value);
        if (y->flags & T32_SYM_GLOBAL)
            fprintf(out, "        .global %s\n", y->name);
    }
}

void dis_image(const t32_image *img, FILE *out)
{
    labels l;
    loose lo;
    labels_init(&l, img);
    place_loose(img, &l, &lo);
    header(img, &lo, out);
    for (size_t i = 0; i < img->nsegs; i++) {
        const t32_segment *s = &img->segs[i];
        fprintf(out, "\n        %s\n        .org 0x%08x\n", section_of(s), s->addr);
        /* Labels below this segment were printed as .equ by header(). */
        while (l.next < l.n && l.v[l.next]->value < s->addr)
            l.next++;
        if (s->flags & T32_SEG_X)
            code_segment(img, s, &l, out);
        else
            data_segment(s, &l, out);
        zero_tail(s, &l, out);
        /* A label just past the end (like stack_top) belongs here unless
         * the next segment starts at that address. */
        uint64_t end = (uint64_t)s->addr + s->size;
        if (end < (1ull << 32) && (i + 1 == img->nsegs || img->segs[i + 1].addr != end))
            labels_at(&l, (uint32_t)end, out);
    }
    loose_labels(img, &lo, out);
    free(l.v);
}

void dis_raw(const uint8_t *bytes, size_t len, uint32_t base, FILE *out)
{
    t32_segment s = { base, (uint32_t)len, T32_SEG_X, (uint32_t)len, (uint8_t *)bytes };
    t32_image img = { .entry = base, .segs = &s, .nsegs = 1 };
    labels none = { NULL, 0, 0 };
    /* Branch targets are printed as addresses, so the words come back the
     * same only at the same address: say where they are. */
    fprintf(out, "        .text\n        .org 0x%08x\n", base);
    code_segment(&img, &s, &none, out);
}
