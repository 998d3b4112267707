/*
 * fuzz_image.c - libFuzzer harness for the image reader and loader.
 *
 * Images come from outside.  Any byte string must be refused with a message
 * or accepted as an image that (1) re-encodes and parses again to the same
 * segments, (2) loads into memory or is refused by the loader, and (3) can
 * be disassembled and queried for symbols and lines - without a crash, a
 * hang, a leak or a sanitizer report.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disasm.h"
#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_segments(const t32_image *a, const t32_image *b)
{
    if (a->entry != b->entry || a->nsegs != b->nsegs || a->nsyms != b->nsyms ||
        a->nlines != b->nlines || a->nfiles != b->nfiles)
        abort();
    for (size_t i = 0; i < a->nsegs; i++) {
        const t32_segment *x = &a->segs[i], *y = &b->segs[i];
        if (x->addr != y->addr || x->size != y->size || x->flags != y->flags ||
            x->filesz != y->filesz || (x->filesz && memcmp(x->data, y->data, x->filesz)))
            abort();
    }
}

static void use(const t32_image *img, FILE *sink)
{
    static uint8_t mem[1 << 16];
    char err[256];
    t32_image_load(img, mem, sizeof mem, err, sizeof err);
    for (size_t i = 0; i < img->nsegs; i++) {
        uint32_t off;
        const char *file;
        int line;
        t32_image_symbolize(img, img->segs[i].addr, &off);
        t32_image_line(img, img->segs[i].addr, &file, &line);
    }
    for (size_t i = 0; i < img->nsyms && i < 16; i++)
        t32_image_lookup(img, img->syms[i].name, NULL);
    dis_image(img, sink);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink && !(sink = fopen("/dev/null", "w")))
        abort();
    t32_image img, again;
    char err[256] = "";
    if (!t32_image_parse(data, size, &img, err, sizeof err)) {
        if (!err[0])
            abort();                    /* refused without saying why */
        return 0;
    }
    uint8_t *bytes;
    size_t len;
    if (!t32_image_encode(&img, &bytes, &len, err, sizeof err) ||
        !t32_image_parse(bytes, len, &again, err, sizeof err))
        abort();                        /* an accepted image must survive a round trip */
    same_segments(&img, &again);
    use(&img, sink);
    free(bytes);
    t32_image_free(&again);
    t32_image_free(&img);
    return 0;
}
