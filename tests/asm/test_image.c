/*
 * test_image.c - the image format: writing, reading, loading, lookups, and
 * every validation failure the reader must catch (IMAGE.md, "Validation").
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

/* The reference image: code at 0x1000 (2 words), a .bss at 0x2000, two
 * symbols, one file and two line entries.  Its encoding has this layout
 * (IMAGE.md): header 0..31, segments 32 and 52, symbols 72 and 84, file
 * 96, lines 100 and 112, strings 124.."_start\0K\0a.s\0", data at 140. */
enum { SEG0 = 32, SEG1 = 52, SYM0 = 72, SYM1 = 84, FILE0 = 96, LINE0 = 100, LINE1 = 112,
       STRINGS = 124, DATA = 140 };

static void reference(t32_image *img)
{
    static const uint8_t code[8] = { 0, 0, 0, 0x55, 0, 0, 0, 0x01 };
    t32_image_init(img);
    img->entry = 0x1000;
    assert_true(t32_image_add_segment(img, 0x2000, 16, T32_SEG_R | T32_SEG_W, NULL, 0));
    assert_true(t32_image_add_segment(img, 0x1000, 8, T32_SEG_R | T32_SEG_X, code, 8));
    assert_true(t32_image_add_symbol(img, "_start", 0x1000, T32_SYM_GLOBAL));
    assert_true(t32_image_add_symbol(img, "K", 5, T32_SYM_ABS));
    assert_int_equal(t32_image_add_file(img, "a.s"), 0);
    assert_int_equal(t32_image_add_file(img, "a.s"), 0);       /* names are shared */
    assert_true(t32_image_add_line(img, 0x1000, 0, 1));
    assert_true(t32_image_add_line(img, 0x1004, 0, 2));
}

static uint8_t *encoded(size_t *len)
{
    t32_image img;
    uint8_t *bytes;
    char err[256];
    reference(&img);
    assert_true(t32_image_encode(&img, &bytes, len, err, sizeof err));
    t32_image_free(&img);
    return bytes;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void layout_is_as_documented(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = encoded(&len);
    assert_memory_equal(b, "T32I\1\0\0\0\0\x10\0\0\2\0\0\0\2\0\0\0\1\0\0\0\2\0\0\0\15\0\0\0", 32);
    assert_memory_equal(b + STRINGS, "_start\0K\0a.s\0", 13);
    assert_int_equal(b[SEG0 + 16], DATA);                      /* offset of the code */
    assert_memory_equal(b + DATA, "\0\0\0\x55\0\0\0\x01", 8);
    assert_int_equal(len, DATA + 8);
    free(b);
}

static void round_trip_through_a_file(void **state)
{
    (void)state;
    t32_image img, back;
    char err[256], path[] = "/tmp/t32img-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    reference(&img);
    assert_true(t32_image_write(&img, path, err, sizeof err));
    assert_true(t32_image_read(path, &back, err, sizeof err));
    assert_int_equal(back.entry, 0x1000);
    assert_int_equal(back.nsegs, 2);
    assert_int_equal(back.segs[0].addr, 0x1000);               /* sorted by address */
    assert_memory_equal(back.segs[0].data, img.segs[0].data, 8);
    assert_int_equal(back.segs[1].filesz, 0);
    assert_int_equal(back.nsyms, 2);
    assert_string_equal(back.syms[1].name, "K");
    assert_string_equal(back.files[0], "a.s");
    assert_int_equal(back.lines[1].line, 2);
    t32_image_free(&back);
    t32_image_free(&img);
    unlink(path);
    assert_false(t32_image_read(path, &back, err, sizeof err));
    assert_non_null(strstr(err, "cannot open"));
}

static void large_image_and_unreadable_files(void **state)
{
    (void)state;
    t32_image img, back;
    char err[256], path[] = "/tmp/t32img-XXXXXX";
    static uint8_t big[300000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    t32_image_init(&img);
    img.entry = 0x1000;
    assert_true(t32_image_add_segment(&img, 0x1000, sizeof big, T32_SEG_R | T32_SEG_X, big, sizeof big));
    assert_true(t32_image_write(&img, path, err, sizeof err));
    assert_true(t32_image_read(path, &back, err, sizeof err));   /* bigger than one read buffer */
    assert_memory_equal(back.segs[0].data, big, sizeof big);
    t32_image_free(&back);
    t32_image_free(&img);
    unlink(path);
    assert_false(t32_image_read("/tmp", &back, err, sizeof err));
    assert_string_equal(err, "cannot read: Is a directory");
}

static void loading(void **state)
{
    (void)state;
    t32_image img;
    char err[256];
    uint8_t mem[0x3000];
    reference(&img);
    memset(mem, 0xee, sizeof mem);
    assert_true(t32_image_load(&img, mem, sizeof mem, err, sizeof err));
    assert_int_equal(mem[0x1003], 0x55);
    assert_int_equal(mem[0x2000], 0);                          /* .bss zeroed */
    assert_int_equal(mem[0x200f], 0);
    assert_int_equal(mem[0x2010], 0xee);                       /* nothing past it */
    assert_int_equal(mem[0x0fff], 0xee);
    /* Too small: refused, and memory untouched. */
    memset(mem, 0xee, sizeof mem);
    assert_false(t32_image_load(&img, mem, 0x2008, err, sizeof err));
    assert_string_equal(err, "segment 1 (0x00002000..0x0000200f) does not fit in memory (8200 bytes)");
    assert_int_equal(mem[0x1003], 0xee);
    t32_image_free(&img);
}

static void lookups(void **state)
{
    (void)state;
    t32_image img;
    uint32_t off = 99, v;
    const char *file;
    int line;
    reference(&img);
    assert_true(t32_image_add_symbol(&img, "local", 0x1000, 0));
    assert_true(t32_image_add_symbol(&img, "later", 0x1004, 0));
    assert_string_equal(t32_image_symbolize(&img, 0x1000, &off), "_start");  /* global wins */
    assert_int_equal(off, 0);
    assert_string_equal(t32_image_symbolize(&img, 0x1007, &off), "later");
    assert_int_equal(off, 3);
    assert_null(t32_image_symbolize(&img, 0x0fff, &off));     /* K is a constant, not 5 */
    /* A symbol names addresses after it only in its own segment: .bss at
     * 0x2000 has none, and nothing past it is anyone's - except a symbol
     * exactly there (a stack_top just past .bss). */
    assert_null(t32_image_symbolize(&img, 0x2004, &off));
    assert_null(t32_image_symbolize(&img, 0xffffffff, &off));
    assert_true(t32_image_add_symbol(&img, "top", 0x2010, 0));
    assert_string_equal(t32_image_symbolize(&img, 0x2010, &off), "top");
    assert_int_equal(off, 0);
    assert_null(t32_image_symbolize(&img, 0x2014, &off));
    assert_true(t32_image_line(&img, 0x1006, &file, &line));
    assert_string_equal(file, "a.s");
    assert_int_equal(line, 2);
    assert_false(t32_image_line(&img, 0x0ffc, &file, &line));
    assert_true(t32_image_lookup(&img, "K", &v));
    assert_int_equal(v, 5);
    assert_false(t32_image_lookup(&img, "k", &v));
    assert_ptr_equal(t32_image_segment_at(&img, 0x200f), &img.segs[1]);
    assert_null(t32_image_segment_at(&img, 0x2010));
    t32_image_free(&img);
}

/* Patch the reference encoding, parse, and expect a message. */
static void refused(size_t at, uint32_t value, const char *message)
{
    size_t len;
    uint8_t *b = encoded(&len);
    t32_image img;
    char err[256] = "";
    put32(b + at, value);
    bool ok = t32_image_parse(b, len, &img, err, sizeof err);
    free(b);
    if (ok || !strstr(err, message))
        fail_msg("patching offset %zu with 0x%x: expected \"%s\", got %s \"%s\"", at, value,
                 message, ok ? "success" : "failure", err);
    assert_int_equal(img.nsegs, 0);                            /* left empty */
}

static void validation_failures(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = encoded(&len);
    t32_image img;
    char err[256];
    for (size_t cut = 0; cut < len; cut++)                     /* every truncation */
        assert_false(t32_image_parse(b, cut, &img, err, sizeof err));
    assert_false(t32_image_parse(b, 31, &img, err, sizeof err));
    assert_string_equal(err, "not a T32 image (only 31 bytes, shorter than the header)");
    assert_false(t32_image_parse(b, len - 1, &img, err, sizeof err));
    assert_string_equal(err, "segment 0: its 8 data bytes at offset 140 lie outside the file");
    free(b);
    refused(0, 0x7f454c46, "not a T32 image (bad magic number)");
    refused(4, 0, "unsupported image version 0 (this reader knows 1 to 2)");
    refused(4, 3, "unsupported image version 3");
    refused(4, 2, "truncated image");        /* version 2: ndata is the first code byte */
    refused(12, 257, "absurd segment count 257");
    refused(16, 0x40000000, "truncated image");
    refused(28, 0xffffffff, "truncated image");
    refused(SEG0 + 16, 8, "lie inside the tables");
    refused(SEG0 + 16, 0xfffffffc, "lie outside the file");
    refused(SEG1 + 16, 140, "segment 1 stores no bytes but names data offset 140 (it must be 0)");
    refused(SEG0 + 4, 4, "segment 0 stores 8 bytes but is only 4 bytes long");
    refused(SEG0 + 8, 8, "segment 0 has unknown flags 0x8");
    refused(SEG1 + 4, 0, "segment 1 is empty");
    refused(SEG1 + 4, 0xffffe001, "wraps past the end of the address space");
    refused(SEG1, 0x0800, "segment 1 (0x00000800) is out of address order");
    refused(SEG1, 0x1004, "segment 1 (0x00001004..0x00001013) overlaps segment 0");
    refused(8, 0x1002, "entry point 0x00001002 is not word-aligned");
    refused(8, 0x2000, "entry point 0x00002000 is not inside an executable segment");
    refused(SYM0, 13, "symbol 0: name offset 13 is outside the string table");
    refused(SYM0, 6, "symbol 0 has an empty name");
    refused(SYM0 + 8, 4, "symbol '_start' has unknown flags 0x4");
    refused(FILE0, 100, "file 0: name offset 100 is outside the string table");
    refused(LINE0 + 4, 1, "line entry 0 names file 1, but there are only 1");
    refused(LINE1 + 8, 0, "line entry 1 has line number 0");
    refused(LINE1, 0x0fff, "line entry 1 (0x00000fff) is out of address order");
    /* A name that runs to the end of the table without a NUL. */
    b = encoded(&len);
    b[STRINGS + 12] = 'x';
    assert_false(t32_image_parse(b, len, &img, err, sizeof err));
    assert_string_equal(err, "file 0: name is not NUL-terminated inside the string table");
    free(b);
}

/* Version 2: the reference image with the second code word marked as data.
 * Header 36, segments 36 and 56, symbols 76 and 88, file 100, lines 104 and
 * 116, the data range 128, strings 136..149, data at 152. */
enum { V2_DATA = 128, V2_STRINGS = 136, V2_CODE = 152 };

static uint8_t *encoded_v2(size_t *len)
{
    t32_image img;
    uint8_t *bytes;
    char err[256];
    reference(&img);
    assert_true(t32_image_add_data(&img, 0x1004, 2));
    assert_true(t32_image_add_data(&img, 0x1006, 2));       /* adjacent: one range */
    assert_int_equal(img.ndata, 1);
    assert_true(t32_image_encode(&img, &bytes, len, err, sizeof err));
    t32_image_free(&img);
    return bytes;
}

static void refused_v2(size_t at, uint32_t value, const char *message)
{
    size_t len;
    uint8_t *b = encoded_v2(&len);
    t32_image img;
    char err[256] = "";
    put32(b + at, value);
    bool ok = t32_image_parse(b, len, &img, err, sizeof err);
    free(b);
    if (ok || !strstr(err, message))
        fail_msg("patching offset %zu with 0x%x: expected \"%s\", got %s \"%s\"", at, value,
                 message, ok ? "success" : "failure", err);
}

static void data_ranges(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = encoded_v2(&len);
    assert_memory_equal(b, "T32I\2\0\0\0", 8);
    assert_memory_equal(b + 32, "\1\0\0\0", 4);                      /* ndata */
    assert_memory_equal(b + V2_DATA, "\x04\x10\0\0\4\0\0\0", 8);
    assert_memory_equal(b + V2_STRINGS, "_start\0K\0a.s\0", 13);
    assert_int_equal(b[36 + 16], V2_CODE);
    assert_int_equal(len, V2_CODE + 8);
    t32_image img;
    char err[256];
    assert_true(t32_image_parse(b, len, &img, err, sizeof err));
    assert_int_equal(img.ndata, 1);
    assert_null(t32_image_data_at(&img, 0x1003));
    assert_ptr_equal(t32_image_data_at(&img, 0x1007), &img.data[0]);
    assert_null(t32_image_data_at(&img, 0x1008));
    assert_int_equal(img.nsyms, 2);
    t32_image_free(&img);
    for (size_t cut = 0; cut < len; cut++)
        assert_false(t32_image_parse(b, cut, &img, err, sizeof err));
    assert_false(t32_image_parse(b, 35, &img, err, sizeof err));
    assert_string_equal(err, "not a T32 image (only 35 bytes, shorter than the version 2 header)");
    free(b);
    refused_v2(V2_DATA + 4, 0, "data range 0 is empty");
    refused_v2(V2_DATA + 4, 5, "data range 0 (0x00001004, 5 bytes) is not inside the stored "
               "bytes of an executable segment");
    refused_v2(V2_DATA, 0x2000, "is not inside the stored bytes of an executable segment");
    refused_v2(V2_DATA, 0x0ffc, "is not inside");
    refused_v2(32, 2, "lie inside the tables");            /* the tables grew over the code */
    refused_v2(32, 100, "truncated image");
    /* Two ranges: out of order, overlapping, touching. */
    reference(&img);
    assert_true(t32_image_add_data(&img, 0x1000, 2));
    assert_true(t32_image_add_data(&img, 0x1004, 4));
    assert_true(t32_image_check(&img, err, sizeof err));
    img.data[1].addr = 0x1002;
    assert_false(t32_image_check(&img, err, sizeof err));
    assert_string_equal(err, "data range 1 (0x00001002) is out of order, or overlaps or "
                        "touches the one before");
    img.data[1].addr = 0x1001;
    assert_false(t32_image_encode(&img, &b, &len, err, sizeof err));
    t32_image_free(&img);
}

static void writer_refuses_bad_images(void **state)
{
    (void)state;
    t32_image img;
    uint8_t *bytes = NULL;
    size_t len;
    char err[256];
    reference(&img);
    img.entry = 0x2000;
    assert_false(t32_image_encode(&img, &bytes, &len, err, sizeof err));
    assert_non_null(strstr(err, "not inside an executable segment"));
    img.entry = 0x1000;
    assert_true(t32_image_add_segment(&img, 0x1004, 4, T32_SEG_R, NULL, 0));
    assert_false(t32_image_write(&img, "/tmp/never-written.t32", err, sizeof err));
    assert_non_null(strstr(err, "overlaps"));
    assert_int_equal(access("/tmp/never-written.t32", F_OK), -1);
    t32_image_free(&img);
}

static void assembler_output_is_valid(void **state)
{
    (void)state;
    asm_run r = run("_start: la r1, msg\n halt\n.data\nmsg: .asciz \"hi\"\n.bss\nbuf: .space 100\n");
    assert_true(r.ok);
    uint8_t *bytes;
    size_t len;
    char err[256];
    t32_image back;
    assert_true(t32_image_encode(&r.img, &bytes, &len, err, sizeof err));
    assert_true(t32_image_parse(bytes, len, &back, err, sizeof err));
    const char *file;
    int line;
    assert_true(t32_image_line(&back, 0x1004, &file, &line));
    assert_string_equal(file, "t.s");
    assert_int_equal(line, 1);                                 /* la is two words of line 1 */
    assert_true(t32_image_line(&back, 0x1008, &file, &line));
    assert_int_equal(line, 2);
    free(bytes);
    t32_image_free(&back);
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(layout_is_as_documented),
        cmocka_unit_test(round_trip_through_a_file),
        cmocka_unit_test(large_image_and_unreadable_files),
        cmocka_unit_test(loading),
        cmocka_unit_test(lookups),
        cmocka_unit_test(validation_failures),
        cmocka_unit_test(data_ranges),
        cmocka_unit_test(writer_refuses_bad_images),
        cmocka_unit_test(assembler_output_is_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
