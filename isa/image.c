/*
 * image.c - reading, checking, writing and loading T32 program images.
 *
 * The byte layout is described in IMAGE.md.  Reading happens in two steps:
 * t32_image_parse() decodes the tables (checking every count, offset and
 * string against the file before using it), then t32_image_check() applies
 * the semantic rules (segments disjoint, entry point in code, ...).  The
 * writer runs the same check first, so every image a tool writes is one the
 * reader accepts.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "image.h"
#include "outfile.h"

#define HEADER_SIZE 32u      /* version 1 */
#define HEADER2_SIZE 36u     /* version 2: + the count of data ranges */
#define DATA_SIZE    8u
#define SEG_SIZE    20u
#define SYM_SIZE    12u
#define FILE_SIZE    4u
#define LINE_SIZE   12u

static bool fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* ---- building ---------------------------------------------------------------- */

void t32_image_init(t32_image *img)
{
    memset(img, 0, sizeof *img);
}

/* Grow an array by one element; false when memory runs out. */
static bool grow(void **array, size_t count, size_t elem)
{
    /* Capacity is 8, then doubles: grow when count hits 8, 16, 32, ... */
    if (count != 0 && (count < 8 || (count & (count - 1)) != 0))
        return true;
    size_t cap = count ? count * 2 : 8;
    void *p = realloc(*array, cap * elem);
    if (!p)
        return false;
    *array = p;
    return true;
}

bool t32_image_add_segment(t32_image *img, uint32_t addr, uint32_t size,
                           uint32_t flags, const void *data, uint32_t filesz)
{
    uint8_t *copy = NULL;
    if (filesz) {
        copy = malloc(filesz);
        if (!copy)
            return false;
        memcpy(copy, data, filesz);
    }
    if (!grow((void **)&img->segs, img->nsegs, sizeof *img->segs)) {
        free(copy);
        return false;
    }
    /* Insertion keeps the table sorted by address. */
    size_t i = img->nsegs;
    while (i > 0 && img->segs[i - 1].addr > addr) {
        img->segs[i] = img->segs[i - 1];
        i--;
    }
    img->segs[i] = (t32_segment){ addr, size, flags, filesz, copy };
    img->nsegs++;
    return true;
}

static char *copy_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

bool t32_image_add_symbol(t32_image *img, const char *name, uint32_t value, uint32_t flags)
{
    char *copy = copy_string(name);
    if (!copy || !grow((void **)&img->syms, img->nsyms, sizeof *img->syms)) {
        free(copy);
        return false;
    }
    img->syms[img->nsyms++] = (t32_symbol){ copy, value, flags };
    return true;
}

int t32_image_add_file(t32_image *img, const char *name)
{
    for (size_t i = 0; i < img->nfiles; i++)
        if (strcmp(img->files[i], name) == 0)
            return (int)i;
    char *copy = copy_string(name);
    if (!copy || !grow((void **)&img->files, img->nfiles, sizeof *img->files)) {
        free(copy);
        return -1;
    }
    img->files[img->nfiles] = copy;
    return (int)img->nfiles++;
}

bool t32_image_add_data(t32_image *img, uint32_t addr, uint32_t size)
{
    t32_range *last = img->ndata ? &img->data[img->ndata - 1] : NULL;
    if (last && (uint64_t)last->addr + last->size == addr) {
        last->size += size;
        return true;
    }
    if (!grow((void **)&img->data, img->ndata, sizeof *img->data))
        return false;
    img->data[img->ndata++] = (t32_range){ addr, size };
    return true;
}

bool t32_image_add_line(t32_image *img, uint32_t addr, uint32_t file, uint32_t line)
{
    if (!grow((void **)&img->lines, img->nlines, sizeof *img->lines))
        return false;
    img->lines[img->nlines++] = (t32_line){ addr, file, line };
    return true;
}

void t32_image_free(t32_image *img)
{
    for (size_t i = 0; i < img->nsegs; i++)
        free(img->segs[i].data);
    for (size_t i = 0; i < img->nsyms; i++)
        free(img->syms[i].name);
    for (size_t i = 0; i < img->nfiles; i++)
        free(img->files[i]);
    free(img->segs);
    free(img->syms);
    free(img->lines);
    free(img->files);
    free(img->data);
    t32_image_init(img);
}

/* ---- the semantic checks ------------------------------------------------------ */

static bool check_segments(const t32_image *img, char *err, size_t errlen)
{
    if (img->nsegs > T32_IMAGE_MAX_SEGS)
        return fail(err, errlen, "too many segments (%zu, at most %u)",
                    img->nsegs, T32_IMAGE_MAX_SEGS);
    for (size_t i = 0; i < img->nsegs; i++) {
        const t32_segment *s = &img->segs[i];
        uint64_t end = (uint64_t)s->addr + s->size;
        if (s->size == 0)
            return fail(err, errlen, "segment %zu is empty", i);
        if (end > (1ull << 32))
            return fail(err, errlen, "segment %zu (0x%08x, %u bytes) wraps past the end "
                        "of the address space", i, s->addr, s->size);
        if (s->flags & ~(T32_SEG_R | T32_SEG_W | T32_SEG_X))
            return fail(err, errlen, "segment %zu has unknown flags 0x%x", i, s->flags);
        if (s->filesz > s->size)
            return fail(err, errlen, "segment %zu stores %u bytes but is only %u bytes long",
                        i, s->filesz, s->size);
        if (i > 0) {
            const t32_segment *p = &img->segs[i - 1];
            if (s->addr < p->addr)
                return fail(err, errlen, "segment %zu (0x%08x) is out of address order", i, s->addr);
            if (s->addr < (uint64_t)p->addr + p->size)
                return fail(err, errlen, "segment %zu (0x%08x..0x%08llx) overlaps segment %zu "
                            "(0x%08x..0x%08llx)", i, s->addr, (unsigned long long)end - 1,
                            i - 1, p->addr, (unsigned long long)p->addr + p->size - 1);
        }
    }
    return true;
}

static bool check_entry(const t32_image *img, char *err, size_t errlen)
{
    if (img->entry % 4)
        return fail(err, errlen, "entry point 0x%08x is not word-aligned", img->entry);
    const t32_segment *s = t32_image_segment_at(img, img->entry);
    if (!s || !(s->flags & T32_SEG_X))
        return fail(err, errlen, "entry point 0x%08x is not inside an executable segment",
                    img->entry);
    return true;
}

static bool check_tables(const t32_image *img, char *err, size_t errlen)
{
    for (size_t i = 0; i < img->nsyms; i++) {
        const t32_symbol *y = &img->syms[i];
        if (!y->name || !y->name[0])
            return fail(err, errlen, "symbol %zu has an empty name", i);
        if (strlen(y->name) > T32_IMAGE_MAX_NAME)
            return fail(err, errlen, "symbol %zu has a name longer than %u bytes",
                        i, T32_IMAGE_MAX_NAME);
        if (y->flags & ~(T32_SYM_GLOBAL | T32_SYM_ABS))
            return fail(err, errlen, "symbol '%s' has unknown flags 0x%x", y->name, y->flags);
    }
    for (size_t i = 0; i < img->nfiles; i++)
        if (!img->files[i] || strlen(img->files[i]) > T32_IMAGE_MAX_NAME)
            return fail(err, errlen, "file name %zu is missing or too long", i);
    for (size_t i = 0; i < img->nlines; i++) {
        const t32_line *l = &img->lines[i];
        if (l->file >= img->nfiles)
            return fail(err, errlen, "line entry %zu names file %u, but there are only %zu",
                        i, l->file, img->nfiles);
        if (l->line == 0)
            return fail(err, errlen, "line entry %zu has line number 0", i);
        if (i > 0 && l->addr < img->lines[i - 1].addr)
            return fail(err, errlen, "line entry %zu (0x%08x) is out of address order", i, l->addr);
    }
    return true;
}

/* Data ranges: in order, apart (adjacent ones would be one range), each
 * inside the stored bytes of one executable segment. */
static bool check_data(const t32_image *img, char *err, size_t errlen)
{
    for (size_t i = 0; i < img->ndata; i++) {
        const t32_range *r = &img->data[i];
        const t32_segment *s = t32_image_segment_at(img, r->addr);
        if (r->size == 0)
            return fail(err, errlen, "data range %zu is empty", i);
        if (i > 0 && r->addr <= (uint64_t)img->data[i - 1].addr + img->data[i - 1].size)
            return fail(err, errlen, "data range %zu (0x%08x) is out of order, or overlaps or "
                        "touches the one before", i, r->addr);
        if (!s || !(s->flags & T32_SEG_X) ||
            (uint64_t)r->addr + r->size > (uint64_t)s->addr + s->filesz)
            return fail(err, errlen, "data range %zu (0x%08x, %u bytes) is not inside the "
                        "stored bytes of an executable segment", i, r->addr, r->size);
    }
    return true;
}

bool t32_image_check(const t32_image *img, char *err, size_t errlen)
{
    return check_segments(img, err, errlen) && check_entry(img, err, errlen) &&
           check_tables(img, err, errlen) && check_data(img, err, errlen);
}

/* ---- decoding ------------------------------------------------------------------- */

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Where each table starts in the file, computed from the header. */
typedef struct layout {
    uint32_t version, nsegs, nsyms, nfiles, nlines, ndata, strsize;
    uint64_t segs, syms, files, lines, data, strings, end;
} layout;

/* The header's size for a version (known to be supported). */
static uint32_t header_size(uint32_t version)
{
    return version >= 2 ? HEADER2_SIZE : HEADER_SIZE;
}

/* Where the tables start and end, from the counts (64-bit sums of 32-bit
 * products cannot overflow). */
static void place_tables(layout *lo, uint64_t strsize)
{
    lo->segs = header_size(lo->version);
    lo->syms = lo->segs + (uint64_t)lo->nsegs * SEG_SIZE;
    lo->files = lo->syms + (uint64_t)lo->nsyms * SYM_SIZE;
    lo->lines = lo->files + (uint64_t)lo->nfiles * FILE_SIZE;
    lo->data = lo->lines + (uint64_t)lo->nlines * LINE_SIZE;
    lo->strings = lo->data + (uint64_t)lo->ndata * DATA_SIZE;
    lo->end = lo->strings + strsize;
}

/* Is this the start of a T32 image at all?  Needs only the header's bytes. */
static bool check_magic(const uint8_t *b, size_t len, char *err, size_t errlen)
{
    if (len < HEADER_SIZE)
        return fail(err, errlen, "not a T32 image (only %zu bytes, shorter than the header)", len);
    if (memcmp(b, T32_IMAGE_MAGIC, 4) != 0)
        return fail(err, errlen, "not a T32 image (bad magic number)");
    uint32_t version = get32(b + 4);
    if (version < T32_IMAGE_VERSION_MIN || version > T32_IMAGE_VERSION)
        return fail(err, errlen, "unsupported image version %u (this reader knows %u to %u)",
                    version, T32_IMAGE_VERSION_MIN, T32_IMAGE_VERSION);
    return true;
}

static bool read_header(const uint8_t *b, size_t len, layout *lo, uint32_t *entry,
                        char *err, size_t errlen)
{
    if (!check_magic(b, len, err, errlen))
        return false;
    lo->version = get32(b + 4);
    if (len < header_size(lo->version))
        return fail(err, errlen, "not a T32 image (only %zu bytes, shorter than the "
                    "version %u header)", len, lo->version);
    *entry = get32(b + 8);
    lo->nsegs = get32(b + 12);
    lo->nsyms = get32(b + 16);
    lo->nfiles = get32(b + 20);
    lo->nlines = get32(b + 24);
    lo->strsize = get32(b + 28);
    lo->ndata = lo->version >= 2 ? get32(b + 32) : 0;
    if (lo->nsegs > T32_IMAGE_MAX_SEGS)
        return fail(err, errlen, "absurd segment count %u (at most %u)", lo->nsegs,
                    T32_IMAGE_MAX_SEGS);
    place_tables(lo, lo->strsize);
    if (lo->end > len)
        return fail(err, errlen, "truncated image: the header's counts (%u segments, %u symbols, "
                    "%u files, %u lines, %u data ranges, %u string bytes) need %llu bytes, the "
                    "file has %zu", lo->nsegs, lo->nsyms, lo->nfiles, lo->nlines, lo->ndata,
                    lo->strsize, (unsigned long long)lo->end, len);
    return true;
}

/* A copy of the string at `off` in the string table, or NULL (with a
 * message) if it is outside the table or not terminated. */
static char *get_string(const uint8_t *b, const layout *lo, uint32_t off, const char *what,
                        size_t index, char *err, size_t errlen)
{
    if (off >= lo->strsize) {
        fail(err, errlen, "%s %zu: name offset %u is outside the string table (%u bytes)",
             what, index, off, lo->strsize);
        return NULL;
    }
    const char *s = (const char *)b + lo->strings + off;
    const char *nul = memchr(s, 0, lo->strsize - off);
    if (!nul) {
        fail(err, errlen, "%s %zu: name is not NUL-terminated inside the string table", what, index);
        return NULL;
    }
    if ((size_t)(nul - s) > T32_IMAGE_MAX_NAME) {
        fail(err, errlen, "%s %zu: name longer than %u bytes", what, index, T32_IMAGE_MAX_NAME);
        return NULL;
    }
    char *copy = copy_string(s);
    if (!copy)
        fail(err, errlen, "out of memory");
    return copy;
}

static bool read_segments(const uint8_t *b, size_t len, const layout *lo, t32_image *img,
                          char *err, size_t errlen)
{
    for (uint32_t i = 0; i < lo->nsegs; i++) {
        const uint8_t *e = b + lo->segs + (size_t)i * SEG_SIZE;
        uint32_t addr = get32(e), size = get32(e + 4), flags = get32(e + 8);
        uint32_t filesz = get32(e + 12), off = get32(e + 16);
        if (filesz && (off < lo->end || (uint64_t)off + filesz > len))
            return fail(err, errlen, "segment %u: its %u data bytes at offset %u lie %s",
                        i, filesz, off, off < lo->end ? "inside the tables" : "outside the file");
        if (!filesz && off)
            return fail(err, errlen, "segment %u stores no bytes but names data offset %u "
                        "(it must be 0)", i, off);
        if (filesz > size)
            return fail(err, errlen, "segment %u stores %u bytes but is only %u bytes long",
                        i, filesz, size);
        size_t before = img->nsegs;
        if (!t32_image_add_segment(img, addr, size, flags, filesz ? b + off : NULL, filesz))
            return fail(err, errlen, "out of memory");
        if (img->segs[before].addr != addr || img->nsegs != before + 1)
            return fail(err, errlen, "segment %u (0x%08x) is out of address order", i, addr);
    }
    return true;
}

static bool read_symbols(const uint8_t *b, const layout *lo, t32_image *img,
                         char *err, size_t errlen)
{
    for (uint32_t i = 0; i < lo->nsyms; i++) {
        const uint8_t *e = b + lo->syms + (size_t)i * SYM_SIZE;
        char *name = get_string(b, lo, get32(e), "symbol", i, err, errlen);
        if (!name)
            return false;
        bool ok = t32_image_add_symbol(img, name, get32(e + 4), get32(e + 8));
        free(name);
        if (!ok)
            return fail(err, errlen, "out of memory");
    }
    return true;
}

static bool read_files_and_lines(const uint8_t *b, const layout *lo, t32_image *img,
                                 char *err, size_t errlen)
{
    for (uint32_t i = 0; i < lo->nfiles; i++) {
        /* Stored directly: t32_image_add_file would merge duplicate names. */
        char *name = get_string(b, lo, get32(b + lo->files + (size_t)i * FILE_SIZE),
                                "file", i, err, errlen);
        if (!name)
            return false;
        if (!grow((void **)&img->files, img->nfiles, sizeof *img->files)) {
            free(name);
            return fail(err, errlen, "out of memory");
        }
        img->files[img->nfiles++] = name;
    }
    for (uint32_t i = 0; i < lo->nlines; i++) {
        const uint8_t *e = b + lo->lines + (size_t)i * LINE_SIZE;
        if (!t32_image_add_line(img, get32(e), get32(e + 4), get32(e + 8)))
            return fail(err, errlen, "out of memory");
    }
    return true;
}

static bool read_data(const uint8_t *b, const layout *lo, t32_image *img,
                      char *err, size_t errlen)
{
    if (lo->ndata && !(img->data = malloc((size_t)lo->ndata * sizeof *img->data)))
        return fail(err, errlen, "out of memory");
    for (uint32_t i = 0; i < lo->ndata; i++) {
        const uint8_t *e = b + lo->data + (size_t)i * DATA_SIZE;
        img->data[img->ndata++] = (t32_range){ get32(e), get32(e + 4) };
    }
    return true;    /* t32_image_check judges them */
}

bool t32_image_parse(const uint8_t *bytes, size_t len, t32_image *img, char *err, size_t errlen)
{
    layout lo;
    t32_image_init(img);
    bool ok = read_header(bytes, len, &lo, &img->entry, err, errlen) &&
              read_segments(bytes, len, &lo, img, err, errlen) &&
              read_symbols(bytes, &lo, img, err, errlen) &&
              read_files_and_lines(bytes, &lo, img, err, errlen) &&
              read_data(bytes, &lo, img, err, errlen) &&
              t32_image_check(img, err, errlen);
    if (!ok)
        t32_image_free(img);
    return ok;
}

/* ---- reading a file, with a bound --------------------------------------------
 *
 * A path may name anything: an image, a 40 GiB log, /dev/zero, a fifo.  So
 * the reader never "reads the whole file".  It reads what the format says
 * it needs, in three steps, and stops at the first that fails:
 *
 *   1. the header (32 bytes, 36 from version 2) - enough to refuse a file
 *      that is not an image;
 *   2. the tables, whose size the header's counts give;
 *   3. up to the end of the last segment's data, from the segment table.
 *
 * No image is larger than T32_IMAGE_MAX_BYTES (the writer refuses to make
 * one), so a size or a count that points past it is refused before it is
 * read.  The buffer grows only as bytes actually arrive: a header that
 * claims a gigabyte of tables, in a 100-byte file, costs 100 bytes.  Bytes
 * after what the image needs are not read (as before, they are ignored).
 */

typedef struct reader {
    FILE    *f;
    uint8_t *buf;
    size_t   len, cap;
} reader;

/* Read until r->len >= want or the end of the file.  False (with a
 * message) on a read error or when memory runs out. */
static bool read_upto(reader *r, uint64_t want, char *err, size_t errlen)
{
    while (r->len < want) {
        if (r->len == r->cap) {
            uint64_t cap = r->cap ? (uint64_t)r->cap * 2 : 1u << 16;
            if (cap > want)
                cap = want;
            uint8_t *p = realloc(r->buf, (size_t)cap);
            if (!p)
                return fail(err, errlen, "out of memory");
            r->buf = p;
            r->cap = (size_t)cap;
        }
        size_t n = fread(r->buf + r->len, 1, r->cap - r->len, r->f);
        r->len += n;
        if (n == 0)
            break;
    }
    if (ferror(r->f))
        return fail(err, errlen, "cannot read: %s", strerror(errno));
    return true;
}

/* Refuse a need beyond the largest image. */
static bool within_limit(uint64_t need, const char *what, char *err, size_t errlen)
{
    if (need <= T32_IMAGE_MAX_BYTES)
        return true;
    return fail(err, errlen, "not a usable T32 image (%s need %llu bytes, larger than "
                "%u bytes, the largest image)", what, (unsigned long long)need,
                T32_IMAGE_MAX_BYTES);
}

/* Where the last segment's data ends, per the segment table (all in b). */
static uint64_t data_end(const uint8_t *b, const layout *lo)
{
    uint64_t end = 0;
    for (uint32_t i = 0; i < lo->nsegs; i++) {
        const uint8_t *e = b + lo->segs + (size_t)i * SEG_SIZE;
        uint64_t filesz = get32(e + 12), last = get32(e + 16) + filesz;
        if (filesz && last > end)
            end = last;
    }
    return end;
}

/* Steps 1-3 above: r->buf holds what the image needs, or less if the file
 * ends early (then the parser says what is missing). */
static bool read_needed(reader *r, char *err, size_t errlen)
{
    layout lo;
    uint32_t entry;
    /* The version (known good once the magic is) says how long the header is. */
    if (!read_upto(r, HEADER_SIZE, err, errlen) ||
        !check_magic(r->buf, r->len, err, errlen) ||
        !read_upto(r, header_size(get32(r->buf + 4)), err, errlen))
        return false;
    if (r->len < header_size(get32(r->buf + 4)))
        return true;                            /* short: the parser says so */
    read_header(r->buf, r->len, &lo, &entry, NULL, 0);   /* just the layout */
    place_tables(&lo, lo.strsize);              /* even if the file is shorter */
    if (lo.nsegs > T32_IMAGE_MAX_SEGS)
        return true;                            /* the parser refuses it */
    if (!within_limit(lo.end, "the header's tables", err, errlen) ||
        !read_upto(r, lo.end, err, errlen))
        return false;
    if (r->len < lo.end)
        return true;                            /* truncated: the parser says so */
    uint64_t end = data_end(r->buf, &lo);
    return within_limit(end, "the segments' data", err, errlen) &&
           read_upto(r, end, err, errlen);
}

/* A regular file's size is known before reading anything. */
static bool check_size(FILE *f, char *err, size_t errlen)
{
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
        (uint64_t)st.st_size > T32_IMAGE_MAX_BYTES)
        return fail(err, errlen, "not a usable T32 image (%llu bytes, larger than %u bytes, "
                    "the largest image)", (unsigned long long)st.st_size, T32_IMAGE_MAX_BYTES);
    return true;
}

bool t32_image_read(const char *path, t32_image *img, char *err, size_t errlen)
{
    t32_image_init(img);
    reader r = { .f = t32_in_open(path) };   /* a fifo without a writer: empty */
    if (!r.f)
        return fail(err, errlen, "cannot open: %s", strerror(errno));
    setvbuf(r.f, NULL, _IONBF, 0);  /* read() just what is asked, no read-ahead */
    bool ok = check_size(r.f, err, errlen) && read_needed(&r, err, errlen) &&
              t32_image_parse(r.buf, r.len, img, err, errlen);
    fclose(r.f);
    free(r.buf);
    return ok;
}

/* ---- encoding ------------------------------------------------------------------- */

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* The string table: every symbol name then every file name, in order. */
static uint64_t strings_size(const t32_image *img)
{
    uint64_t n = 0;
    for (size_t i = 0; i < img->nsyms; i++)
        n += strlen(img->syms[i].name) + 1;
    for (size_t i = 0; i < img->nfiles; i++)
        n += strlen(img->files[i]) + 1;
    return n;
}

static uint32_t put_string(uint8_t *strtab, uint32_t *used, const char *s)
{
    uint32_t at = *used;
    size_t n = strlen(s) + 1;
    memcpy(strtab + at, s, n);
    *used += (uint32_t)n;
    return at;
}

static void encode_tables(const t32_image *img, uint8_t *b, const layout *lo)
{
    uint8_t *strtab = b + lo->strings;
    uint32_t used = 0;
    uint64_t data = (lo->end + 3) & ~3ull;
    for (size_t i = 0; i < img->nsegs; i++) {
        const t32_segment *s = &img->segs[i];
        uint8_t *e = b + lo->segs + i * SEG_SIZE;
        put32(e, s->addr);
        put32(e + 4, s->size);
        put32(e + 8, s->flags);
        put32(e + 12, s->filesz);
        put32(e + 16, s->filesz ? (uint32_t)data : 0);
        if (s->filesz)
            memcpy(b + data, s->data, s->filesz);
        data = (data + s->filesz + 3) & ~3ull;
    }
    for (size_t i = 0; i < img->nsyms; i++) {
        uint8_t *e = b + lo->syms + i * SYM_SIZE;
        put32(e, put_string(strtab, &used, img->syms[i].name));
        put32(e + 4, img->syms[i].value);
        put32(e + 8, img->syms[i].flags);
    }
    for (size_t i = 0; i < img->nfiles; i++)
        put32(b + lo->files + i * FILE_SIZE, put_string(strtab, &used, img->files[i]));
    for (size_t i = 0; i < img->nlines; i++) {
        uint8_t *e = b + lo->lines + i * LINE_SIZE;
        put32(e, img->lines[i].addr);
        put32(e + 4, img->lines[i].file);
        put32(e + 8, img->lines[i].line);
    }
    for (size_t i = 0; i < img->ndata; i++) {
        put32(b + lo->data + i * DATA_SIZE, img->data[i].addr);
        put32(b + lo->data + i * DATA_SIZE + 4, img->data[i].size);
    }
}

bool t32_image_encode(const t32_image *img, uint8_t **out, size_t *len, char *err, size_t errlen)
{
    if (!t32_image_check(img, err, errlen))
        return false;
    /* Version 1 when there is nothing only version 2 can say. */
    layout lo = { .version = img->ndata ? 2 : 1, .nsegs = (uint32_t)img->nsegs,
                  .nsyms = (uint32_t)img->nsyms, .nfiles = (uint32_t)img->nfiles,
                  .nlines = (uint32_t)img->nlines, .ndata = (uint32_t)img->ndata };
    place_tables(&lo, strings_size(img));
    uint64_t total = (lo.end + 3) & ~3ull;
    for (size_t i = 0; i < img->nsegs; i++)
        total += ((uint64_t)img->segs[i].filesz + 3) & ~3ull;
    if (total > T32_IMAGE_MAX_BYTES)
        return fail(err, errlen, "image would be larger than %u bytes", T32_IMAGE_MAX_BYTES);
    uint8_t *b = calloc(1, (size_t)total);
    if (!b)
        return fail(err, errlen, "out of memory");
    memcpy(b, T32_IMAGE_MAGIC, 4);
    put32(b + 4, lo.version);
    put32(b + 8, img->entry);
    put32(b + 12, (uint32_t)img->nsegs);
    put32(b + 16, (uint32_t)img->nsyms);
    put32(b + 20, (uint32_t)img->nfiles);
    put32(b + 24, (uint32_t)img->nlines);
    put32(b + 28, (uint32_t)(lo.end - lo.strings));
    if (lo.version >= 2)
        put32(b + 32, lo.ndata);
    encode_tables(img, b, &lo);
    *out = b;
    *len = (size_t)total;
    return true;
}

bool t32_image_write(const t32_image *img, const char *path, char *err, size_t errlen)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    if (!t32_image_encode(img, &bytes, &len, err, errlen))
        return false;
    bool ok = t32_out_write_file(path, bytes, len, err, errlen);   /* whole, or not at all */
    free(bytes);
    return ok;
}

/* ---- loading -------------------------------------------------------------------- */

bool t32_image_load(const t32_image *img, uint8_t *mem, uint32_t memsize, char *err, size_t errlen)
{
    /* Check everything first, so a refused image leaves memory untouched.
     * (An image built in memory may never have met t32_image_check.) */
    if (!t32_image_check(img, err, errlen))
        return false;
    for (size_t i = 0; i < img->nsegs; i++) {
        const t32_segment *s = &img->segs[i];
        if ((uint64_t)s->addr + s->size > memsize)
            return fail(err, errlen, "segment %zu (0x%08x..0x%08llx) does not fit in memory "
                        "(%u bytes)", i, s->addr,
                        (unsigned long long)s->addr + s->size - 1, memsize);
    }
    for (size_t i = 0; i < img->nsegs; i++) {
        const t32_segment *s = &img->segs[i];
        if (s->filesz)
            memcpy(mem + s->addr, s->data, s->filesz);
        memset(mem + s->addr + s->filesz, 0, s->size - s->filesz);
    }
    return true;
}

/* ---- lookups ---------------------------------------------------------------------- */

const t32_range *t32_image_data_at(const t32_image *img, uint32_t addr)
{
    size_t lo = 0, hi = img->ndata;       /* binary search: ranges are sorted */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const t32_range *r = &img->data[mid];
        if (addr < r->addr)
            hi = mid;
        else if (addr - r->addr >= r->size)
            lo = mid + 1;
        else
            return r;
    }
    return NULL;
}

const t32_segment *t32_image_segment_at(const t32_image *img, uint32_t addr)
{
    for (size_t i = 0; i < img->nsegs; i++) {
        const t32_segment *s = &img->segs[i];
        if (addr >= s->addr && addr - s->addr < s->size)
            return s;
    }
    return NULL;
}

/* Is symbol a a better name for an address than symbol b? */
static bool better_symbol(const t32_symbol *a, const t32_symbol *b)
{
    if (!b || a->value != b->value)
        return !b || a->value > b->value;
    return (a->flags & T32_SYM_GLOBAL) && !(b->flags & T32_SYM_GLOBAL);
}

const char *t32_image_symbolize(const t32_image *img, uint32_t addr, uint32_t *offset)
{
    const t32_symbol *best = NULL;
    for (size_t i = 0; i < img->nsyms; i++) {
        const t32_symbol *y = &img->syms[i];
        if (!(y->flags & T32_SYM_ABS) && y->value <= addr && better_symbol(y, best))
            best = y;
    }
    /* A symbol names the addresses after it only inside its own segment:
     * past a segment's end (a user program at 0x400000, 0xffffffff) the
     * last label of the kernel is no name at all.  Exactly at its value it
     * always does (stack_top, just past .bss). */
    const t32_segment *seg = best && best->value != addr ? t32_image_segment_at(img, addr) : NULL;
    if (best && best->value != addr && (!seg || best->value < seg->addr))
        best = NULL;
    if (best && offset)
        *offset = addr - best->value;
    return best ? best->name : NULL;
}

bool t32_image_line(const t32_image *img, uint32_t addr, const char **file, int *line)
{
    if (!t32_image_segment_at(img, addr))
        return false;
    /* Binary search for the last entry with entry.addr <= addr. */
    size_t lo = 0, hi = img->nlines;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (img->lines[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return false;
    const t32_line *l = &img->lines[lo - 1];
    /* Prefer the first entry for that address (the line that began there). */
    while (lo > 1 && img->lines[lo - 2].addr == l->addr)
        l = &img->lines[--lo - 1];
    if (file)
        *file = img->files[l->file];
    if (line)
        *line = (int)l->line;
    return true;
}

bool t32_image_lookup(const t32_image *img, const char *name, uint32_t *value)
{
    for (size_t i = 0; i < img->nsyms; i++)
        if (strcmp(img->syms[i].name, name) == 0) {
            if (value)
                *value = img->syms[i].value;
            return true;
        }
    return false;
}
