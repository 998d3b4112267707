/*
 * image.h - T32 program images: what t32as writes and every loader reads.
 *
 * An image is a small file (isa/IMAGE.md describes it byte by byte) that
 * holds everything needed to put a program into memory and debug it:
 *
 *   - the entry point (where the CPU starts),
 *   - segments: a load address, R/W/X flags, a size and the bytes to copy;
 *     a segment may carry fewer bytes than its size (a .bss is all size and
 *     no bytes): the rest is zero-filled,
 *   - symbols (label -> address), so debuggers and t32dis show names,
 *   - a line table (address -> file:line), so a debugger can show source,
 *   - data ranges: the parts of executable segments that hold data (bytes
 *     from .word, .ascii, .space, ...), so t32dis prints them as data.
 *
 * The image is untrusted input.  t32_image_parse() checks every field and
 * refuses a bad file with a message; nothing later has to re-check.  The
 * same checks run before t32_image_write(), so no tool can write an image
 * that another tool would refuse.
 *
 * Typical use, loading a program into a machine:
 *
 *     t32_image img;
 *     char err[256];
 *     if (!t32_image_read(path, &img, err, sizeof err) ||
 *         !t32_image_load(&img, m->mem, m->memsize, err, sizeof err))
 *         fprintf(stderr, "%s: error: %s\n", path, err);
 *     ...
 *     t32_image_free(&img);
 *
 * Messages put in `err` are lower case, without a trailing period and
 * without the file name (the caller knows it).
 */
#ifndef T32_IMAGE_H
#define T32_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define T32_IMAGE_MAGIC   "T32I"   /* first 4 bytes of every image */
#define T32_IMAGE_VERSION 2u       /* written when there are data ranges */
#define T32_IMAGE_VERSION_MIN 1u   /* the oldest still read (no data ranges) */

/* Segment flags: how the program means to use the memory.  Paging is off at
 * reset, so the CPU does not enforce them; an OS or VMM that maps the image
 * can, and t32dis uses X to tell code from data. */
#define T32_SEG_R 1u
#define T32_SEG_W 2u
#define T32_SEG_X 4u

/* Symbol flags. */
#define T32_SYM_GLOBAL 1u  /* named in a .global directive */
#define T32_SYM_ABS    2u  /* a constant (.equ/.set), not an address */

/* Validation limits: anything larger is refused as absurd. */
#define T32_IMAGE_MAX_SEGS  256u
#define T32_IMAGE_MAX_NAME  4096u   /* bytes in one symbol or file name */
#define T32_IMAGE_MAX_BYTES (1u << 30) /* a whole image file: 1 GiB, the most
                                          RAM a T32 machine can have */

typedef struct t32_segment {
    uint32_t addr;     /* physical load address of the first byte */
    uint32_t size;     /* bytes the segment occupies in memory (> 0) */
    uint32_t flags;    /* T32_SEG_R | T32_SEG_W | T32_SEG_X */
    uint32_t filesz;   /* bytes in `data` (<= size); the rest is zeroed */
    uint8_t *data;     /* filesz bytes (NULL when filesz is 0) */
} t32_segment;

typedef struct t32_symbol {
    char    *name;
    uint32_t value;
    uint32_t flags;    /* T32_SYM_* */
} t32_symbol;

typedef struct t32_line {
    uint32_t addr;     /* first address of the code or data from that line */
    uint32_t file;     /* index into t32_image.files */
    uint32_t line;     /* 1-based line number */
} t32_line;

/* Bytes of an executable segment that are data, not instructions. */
typedef struct t32_range {
    uint32_t addr;
    uint32_t size;     /* > 0 */
} t32_range;

typedef struct t32_image {
    uint32_t     entry;
    t32_segment *segs;   size_t nsegs;   /* sorted by address, disjoint */
    t32_symbol  *syms;   size_t nsyms;
    t32_line    *lines;  size_t nlines;  /* sorted by address */
    char       **files;  size_t nfiles;
    t32_range   *data;   size_t ndata;   /* sorted, disjoint, apart, each inside
                                            the stored bytes of an X segment */
} t32_image;

/* ---- reading and checking ------------------------------------------------ */

/* Read and fully validate an image file.  On failure returns false, fills
 * `err` and leaves *img empty (t32_image_free on it is harmless).  Reads
 * only the bytes the image needs, as its header and segment table say, and
 * never more than T32_IMAGE_MAX_BYTES: a path may name a fifo, a device
 * (/dev/zero) or a huge file, and a non-image is refused after its header. */
bool t32_image_read(const char *path, t32_image *img, char *err, size_t errlen);

/* The same from bytes in memory (the file contents).  Never reads outside
 * bytes[0..len); every count, offset and string is checked first. */
bool t32_image_parse(const uint8_t *bytes, size_t len, t32_image *img,
                     char *err, size_t errlen);

/* The semantic checks shared by the reader and the writer: segments
 * non-empty, inside the 32-bit address space, disjoint and sorted; flags
 * known; filesz <= size; the entry point word-aligned and inside an
 * executable segment; symbol names non-empty; line entries sorted and
 * naming existing files; data ranges non-empty, sorted, not touching
 * each other (adjacent ones are one range) and inside the stored bytes of
 * an executable segment.  Returns false with a message on the first
 * problem. */
bool t32_image_check(const t32_image *img, char *err, size_t errlen);

/* ---- writing --------------------------------------------------------------- */

/* Encode an image (after t32_image_check).  *out is malloc'd by the call.
 * An image without data ranges is written as version 1, byte for byte as
 * before they existed; one with data ranges as version 2. */
bool t32_image_encode(const t32_image *img, uint8_t **out, size_t *len,
                      char *err, size_t errlen);

/* Encode and write to a file, replacing it only once it is complete
 * (isa/outfile.h: "-" is stdout, a device is written in place). */
bool t32_image_write(const t32_image *img, const char *path, char *err, size_t errlen);

/* ---- building one in memory (assembler, tests) ------------------------------ */

/* An empty image: no segments, entry 0.  Equivalent to zeroing it. */
void t32_image_init(t32_image *img);

/* Append a segment; `data` (filesz bytes, may be NULL if filesz is 0) is
 * copied.  Segments may be added in any order; they are kept sorted.
 * Returns false only when memory runs out. */
bool t32_image_add_segment(t32_image *img, uint32_t addr, uint32_t size,
                           uint32_t flags, const void *data, uint32_t filesz);

/* Append a symbol (name copied). */
bool t32_image_add_symbol(t32_image *img, const char *name, uint32_t value,
                          uint32_t flags);

/* Index of file `name` in the file table, adding it if new; -1 if memory
 * runs out. */
int t32_image_add_file(t32_image *img, const char *name);

/* Append a line entry; entries must be added in address order (an entry
 * for an address already present replaces nothing: the first one wins when
 * looking up). */
bool t32_image_add_line(t32_image *img, uint32_t addr, uint32_t file, uint32_t line);

/* Mark [addr, addr+size) as data.  Ranges must be added in address order;
 * one that starts where the previous one ends extends it.  Returns false
 * only when memory runs out. */
bool t32_image_add_data(t32_image *img, uint32_t addr, uint32_t size);

/* Release everything the image owns, and make it empty again. */
void t32_image_free(t32_image *img);

/* ---- loading ------------------------------------------------------------------ */

/* Copy every segment into `mem` (memsize bytes, physical address 0 at
 * mem[0]: the machine's RAM or a VM's guest-physical memory), zero-filling
 * the part of each segment beyond its data.  Refuses, without writing
 * anything, an image that fails t32_image_check or has a segment that does
 * not fit in memsize. */
bool t32_image_load(const t32_image *img, uint8_t *mem, uint32_t memsize,
                    char *err, size_t errlen);

/* ---- questions a debugger asks -------------------------------------------------- */

/* The address symbol (not T32_SYM_ABS) with the greatest value <= addr, or
 * NULL if none; *offset (if not NULL) gets addr - value.  Among symbols with
 * the same value, a global one is preferred, then the first defined.  A
 * symbol names only itself and the addresses after it in its own segment:
 * an address in no segment, or in one that starts after the symbol, has
 * no name unless a symbol is exactly there. */
const char *t32_image_symbolize(const t32_image *img, uint32_t addr, uint32_t *offset);

/* The source line that produced the code at addr: the line entry with the
 * greatest address <= addr, if addr is inside a segment. */
bool t32_image_line(const t32_image *img, uint32_t addr, const char **file, int *line);

/* The value of a symbol by name. */
bool t32_image_lookup(const t32_image *img, const char *name, uint32_t *value);

/* The data range containing addr, or NULL. */
const t32_range *t32_image_data_at(const t32_image *img, uint32_t addr);

/* The segment containing addr, or NULL. */
const t32_segment *t32_image_segment_at(const t32_image *img, uint32_t addr);

#endif /* T32_IMAGE_H */
