/*
 * helpers.c - see helpers.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

asm_run run_opt(const char *src, asm_options opt)
{
    asm_run r = { 0 };
    size_t len = 0;
    FILE *diag = open_memstream(&r.diag, &len);
    assert_non_null(diag);
    opt.diag = diag;
    r.ok = asm_assemble_string("t.s", src, strlen(src), &opt, &r.img, &r.res);
    fclose(diag);
    return r;
}

asm_run run(const char *src)
{
    return run_opt(src, (asm_options){ 0 });
}

void run_free(asm_run *r)
{
    t32_image_free(&r->img);
    free(r->diag);
}

uint8_t byte_at(const t32_image *img, uint32_t addr)
{
    const t32_segment *s = t32_image_segment_at(img, addr);
    if (!s || addr - s->addr >= s->filesz)
        fail_msg("no stored byte at 0x%08x", addr);
    return s->data[addr - s->addr];
}

uint32_t word_at(const t32_image *img, uint32_t addr)
{
    return (uint32_t)byte_at(img, addr) | (uint32_t)byte_at(img, addr + 1) << 8 |
           (uint32_t)byte_at(img, addr + 2) << 16 | (uint32_t)byte_at(img, addr + 3) << 24;
}

uint32_t first_word(const char *src)
{
    asm_run r = run(src);
    if (!r.ok)
        fail_msg("assembly failed:\n%s", r.diag);
    uint32_t w = word_at(&r.img, 0x1000);
    run_free(&r);
    return w;
}

uint32_t eval(const char *expr)
{
    char src[512];
    snprintf(src, sizeof src, "_start: .word %s\n", expr);
    return first_word(src);
}

/* An error containing needle (and, if only, no other error). */
static void error_expected(const char *src, const char *needle, bool only)
{
    asm_run r = run(src);
    if (r.ok || !strstr(r.diag, needle) || (only && r.res.errors != 1))
        fail_msg("expected %s error containing \"%s\" for:\n%s\ngot (%s):\n%s",
                 only ? "one" : "an", needle, src, r.ok ? "success" : "failure", r.diag);
    assert_true(r.res.errors > 0);
    run_free(&r);
}

void expect_error(const char *src, const char *needle)
{
    error_expected(src, needle, false);
}

void expect_one_error(const char *src, const char *needle)
{
    error_expected(src, needle, true);
}
