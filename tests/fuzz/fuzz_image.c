/*
 * fuzz_image.c - libFuzzer harness for the image reader and loader.
 *
 * Images come from outside.  Any byte string must be refused with a message
 * or accepted as an image that (1) re-encodes and parses again to the same
 * segments and data ranges (version 2, IMAGE.md), (2) loads into memory or is refused by the loader, and (3) can
 * be disassembled and queried for symbols and lines - without a crash, a
 * hang, a leak or a sanitizer report - and (4) disassembles, as t32dis
 * does, into source that t32as assembles back to the same bytes at the
 * same addresses (assembler/README.md: "The output assembles back to the
 * same bytes"; not the same flags: t32as makes .text, .data and .bss).
 *
 * The same bytes are also read the way a user's file is, by path, through a
 * pipe (a file that cannot be sized beforehand): t32_image_read reads only
 * what the header and segment table say the image needs, and must reach
 * exactly the parser's verdict - the same image, or a refusal.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asm.h"
#include "disasm.h"
#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_segments(const t32_image *a, const t32_image *b)
{
    if (a->entry != b->entry || a->nsegs != b->nsegs || a->nsyms != b->nsyms ||
        a->nlines != b->nlines || a->nfiles != b->nfiles || a->ndata != b->ndata)
        abort();
    for (size_t i = 0; i < a->ndata; i++)
        if (a->data[i].addr != b->data[i].addr || a->data[i].size != b->data[i].size)
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
        t32_image_data_at(img, img->segs[i].addr);
        t32_image_line(img, img->segs[i].addr, &file, &line);
    }
    for (size_t i = 0; i < img->nsyms && i < 16; i++)
        t32_image_lookup(img, img->syms[i].name, NULL);
    dis_image(img, sink);
}

static void drop(void *ctx, const t32_symbol *s, bool duplicate)
{
    (void)ctx, (void)s, (void)duplicate;
}

/* What t32dis writes, assembled again: the same image but its symbols. */
static void round_trip(t32_image *img)
{
    char why[256];
    if (!dis_image_fits(img, why, sizeof why))
        return;                         /* refused by t32dis, with this reason */
    uint64_t bytes = 0;
    for (size_t i = 0; i < img->nsegs; i++)
        bytes += img->segs[i].size;
    if (bytes > (1u << 16))
        return;                         /* (megabytes of zeros: slow, and nothing new) */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        abort();
    dis_drop_unwritable_symbols(img, drop, NULL);
    dis_image(img, f);
    fclose(f);
    FILE *quiet = fopen("/dev/null", "w");
    asm_options opt = { .diag = quiet, .no_include = true };
    t32_image back;
    if (!asm_assemble_string("dis.s", text, len, &opt, &back, NULL)) {
        fwrite(text, 1, len < 4000 ? len : 4000, stderr);
        abort();                        /* t32dis wrote what t32as refuses */
    }
    if (back.entry != img->entry || back.nsegs != img->nsegs)
        abort();
    for (size_t i = 0; i < img->nsegs; i++) {   /* (flags: t32as has three kinds) */
        const t32_segment *x = &img->segs[i], *y = &back.segs[i];
        if (x->addr != y->addr || x->size != y->size)
            abort();
        for (uint32_t k = 0; k < x->size; k++)  /* the bytes loaded, zeros after filesz */
            if ((k < x->filesz ? x->data[k] : 0) != (k < y->filesz ? y->data[k] : 0))
                abort();
    }
    t32_image_free(&back);
    fclose(quiet);
    free(text);
}

/* Read the bytes back by path, from a pipe (/dev/fd/N).  The harness runs
 * with -max_len=8192, far below a pipe's buffer, so writing never blocks. */
static bool read_by_path(const uint8_t *data, size_t size, t32_image *img)
{
    int fds[2];
    if (size > 16384 || pipe(fds) != 0 ||
        (size && write(fds[1], data, size) != (ssize_t)size))
        abort();
    close(fds[1]);
    char path[64], err[256] = "";
    snprintf(path, sizeof path, "/dev/fd/%d", fds[0]);
    bool ok = t32_image_read(path, img, err, sizeof err);
    close(fds[0]);
    if (!ok && !err[0])
        abort();                        /* refused without saying why */
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink && !(sink = fopen("/dev/null", "w")))
        abort();
    t32_image img, again, by_path;
    char err[256] = "";
    bool read_ok = read_by_path(data, size, &by_path);
    if (!t32_image_parse(data, size, &img, err, sizeof err)) {
        if (!err[0] || read_ok)
            abort();                    /* refused without saying why, or only by one reader */
        return 0;
    }
    if (!read_ok)
        abort();                        /* the bounded reader refused a good image */
    same_segments(&img, &by_path);
    t32_image_free(&by_path);
    uint8_t *bytes;
    size_t len;
    if (!t32_image_encode(&img, &bytes, &len, err, sizeof err) ||
        !t32_image_parse(bytes, len, &again, err, sizeof err))
        abort();                        /* an accepted image must survive a round trip */
    same_segments(&img, &again);
    use(&img, sink);
    round_trip(&img);
    free(bytes);
    t32_image_free(&again);
    t32_image_free(&img);
    return 0;
}
