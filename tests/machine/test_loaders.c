/*
 * test_loaders.c - image and disk files are read with a bound.
 *
 * A path given to a loader may name anything: /dev/zero, a pipe that never
 * ends, a sparse file of gigabytes.  The loaders must decide from the
 * format's own limits how much to read, and refuse the rest with a reason.
 *
 * Pipes are given as /dev/fd/N paths with the write end kept open, so a
 * loader that reads "until the end of the file" would wait forever; every
 * such test runs under alarm() and is killed instead of hanging.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t32.h"
#include "image.h"

#define WATCHDOG 10     /* seconds: far more than any test needs */

/* A small valid image: one code segment at 0x1000, a symbol, a line. */
static void encode_small(uint8_t **bytes, size_t *len)
{
    t32_image img;
    t32_image_init(&img);
    static const uint8_t code[16] = { 1, 2, 3, 4 };
    assert_true(t32_image_add_segment(&img, 0x1000, sizeof code,
                                      T32_SEG_R | T32_SEG_X, code, sizeof code));
    assert_true(t32_image_add_symbol(&img, "_start", 0x1000, T32_SYM_GLOBAL));
    assert_int_equal(t32_image_add_file(&img, "small.s"), 0);
    assert_true(t32_image_add_line(&img, 0x1000, 0, 1));
    img.entry = 0x1000;
    char err[256];
    assert_true(t32_image_encode(&img, bytes, len, err, sizeof err));
    t32_image_free(&img);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A pipe holding `len` bytes whose writer stays open; its path in `path`. */
static int pipe_with(const void *bytes, size_t len, int *writer, char *path, size_t pathlen)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_true(len < 65536);           /* fits in the pipe's buffer */
    assert_int_equal(write(fds[1], bytes, len), (ssize_t)len);
    snprintf(path, pathlen, "/dev/fd/%d", fds[0]);
    *writer = fds[1];
    return fds[0];
}

static void assert_contains(const char *s, const char *part)
{
    if (!strstr(s, part))
        fail_msg("\"%s\" does not contain \"%s\"", s, part);
}

/* ---- images ----------------------------------------------------------------- */

/* /dev/zero is refused for its magic number, after the header. */
static void test_image_dev_zero(void **state)
{
    (void)state;
    alarm(WATCHDOG);
    t32_image img;
    char err[256];
    assert_false(t32_image_read("/dev/zero", &img, err, sizeof err));
    assert_string_equal(err, "not a T32 image (bad magic number)");
    alarm(0);
}

/* A pipe that does not end: a bad header is refused after 32 bytes ... */
static void test_image_pipe_bad_magic(void **state)
{
    (void)state;
    uint8_t junk[32] = "#!/bin/sh\n";
    char path[64], err[256];
    int writer, fd = pipe_with(junk, sizeof junk, &writer, path, sizeof path);
    alarm(WATCHDOG);
    t32_image img;
    assert_false(t32_image_read(path, &img, err, sizeof err));
    assert_string_equal(err, "not a T32 image (bad magic number)");
    alarm(0);
    close(writer);
    close(fd);
}

/* ... and a good image is read up to its last byte, not to the pipe's end:
 * bytes after it stay in the pipe. */
static void test_image_pipe_reads_only_the_image(void **state)
{
    (void)state;
    uint8_t *bytes;
    size_t len;
    encode_small(&bytes, &len);
    uint8_t *plus = malloc(len + 5);
    assert_non_null(plus);
    memcpy(plus, bytes, len);
    memcpy(plus + len, "after", 5);
    char path[64], err[256];
    int writer, fd = pipe_with(plus, len + 5, &writer, path, sizeof path);
    alarm(WATCHDOG);
    t32_image img;
    if (!t32_image_read(path, &img, err, sizeof err))
        fail_msg("%s", err);
    assert_int_equal(img.entry, 0x1000);
    assert_int_equal(img.nsegs, 1);
    assert_int_equal(img.segs[0].data[0], 1);
    t32_image_free(&img);
    char rest[8] = "";
    fcntl(fd, F_SETFL, O_NONBLOCK);
    assert_int_equal(read(fd, rest, sizeof rest), 5);   /* left unread */
    assert_memory_equal(rest, "after", 5);
    alarm(0);
    close(writer);
    close(fd);
    free(plus);
    free(bytes);
}

/* A header whose counts need more than the largest image is refused before
 * any table is read (the pipe holds only the header). */
static void test_image_pipe_absurd_counts(void **state)
{
    (void)state;
    uint8_t *bytes;
    size_t len;
    encode_small(&bytes, &len);
    put32(bytes + 16, 0xffffffffu);     /* nsyms: 48 GiB of symbol table */
    char path[64], err[256];
    int writer, fd = pipe_with(bytes, 32, &writer, path, sizeof path);
    alarm(WATCHDOG);
    t32_image img;
    assert_false(t32_image_read(path, &img, err, sizeof err));
    assert_contains(err, "larger than 1073741824 bytes");
    alarm(0);
    close(writer);
    close(fd);
    free(bytes);
}

/* A segment whose data would lie past the largest image: refused once the
 * tables are read, without reading on to find out. */
static void test_image_pipe_absurd_data_offset(void **state)
{
    (void)state;
    uint8_t *bytes;
    size_t len;
    encode_small(&bytes, &len);
    put32(bytes + 32 + 16, 0xfffffff0u);    /* segment 0's data offset */
    char path[64], err[256];
    int writer, fd = pipe_with(bytes, len, &writer, path, sizeof path);
    alarm(WATCHDOG);
    t32_image img;
    assert_false(t32_image_read(path, &img, err, sizeof err));
    assert_contains(err, "larger than 1073741824 bytes");
    alarm(0);
    close(writer);
    close(fd);
    free(bytes);
}

/* A temporary file of `size` bytes (sparse: costs no disk), starting with
 * `head`. */
static void sparse_file(char *path, size_t pathlen, const void *head, size_t headlen,
                        off_t size)
{
    snprintf(path, pathlen, "%s/t32-loaders-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, head, headlen), (ssize_t)headlen);
    assert_int_equal(ftruncate(fd, size), 0);
    close(fd);
}

/* A regular file larger than any image is refused from its size alone,
 * even with a good header. */
static void test_image_huge_sparse_file(void **state)
{
    (void)state;
    uint8_t *bytes;
    size_t len;
    encode_small(&bytes, &len);
    char path[256], err[256];
    sparse_file(path, sizeof path, bytes, len, (off_t)3 << 30);
    alarm(WATCHDOG);
    t32_image img;
    assert_false(t32_image_read(path, &img, err, sizeof err));
    assert_string_equal(err, "not a usable T32 image (3221225472 bytes, larger than "
                        "1073741824 bytes, the largest image)");
    alarm(0);
    unlink(path);
    free(bytes);
}

/* Truncated and short files still get the parser's own messages. */
static void test_image_short_files(void **state)
{
    (void)state;
    uint8_t *bytes;
    size_t len;
    encode_small(&bytes, &len);
    char path[256], err[256];
    t32_image img;
    sparse_file(path, sizeof path, bytes, 10, 10);
    assert_false(t32_image_read(path, &img, err, sizeof err));
    assert_string_equal(err, "not a T32 image (only 10 bytes, shorter than the header)");
    unlink(path);
    sparse_file(path, sizeof path, bytes, len - 1, (off_t)len - 1);
    assert_false(t32_image_read(path, &img, err, sizeof err));
    assert_contains(err, "outside the file");
    unlink(path);
    sparse_file(path, sizeof path, bytes, len, (off_t)len);
    assert_true(t32_image_read(path, &img, err, sizeof err));
    t32_image_free(&img);
    unlink(path);
    free(bytes);
}

/* ---- disks ------------------------------------------------------------------- */

static void test_disk_dev_zero(void **state)
{
    (void)state;
    alarm(WATCHDOG);
    t32_disk d;
    const char *err = NULL;
    assert_false(t32_disk_open(&d, "/dev/zero", &err));
    assert_string_equal(err, "disk image is not a regular file");
    alarm(0);
    t32_disk_free(&d);
}

/* A fifo nobody writes: refused at once, neither opened for good nor read. */
static void test_disk_fifo(void **state)
{
    (void)state;
    char dir[256], path[300];
    snprintf(dir, sizeof dir, "%s/t32-loaders-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/fifo", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    alarm(WATCHDOG);
    t32_disk d;
    const char *err = NULL;
    assert_false(t32_disk_open(&d, path, &err));
    assert_string_equal(err, "disk image is not a regular file");
    alarm(0);
    t32_disk_free(&d);
    unlink(path);
    rmdir(dir);
}

/* Over 64 MiB (a sparse file): refused from its size, nothing read. */
static void test_disk_too_large(void **state)
{
    (void)state;
    char path[256];
    sparse_file(path, sizeof path, "", 0, (64 << 20) + 512);
    alarm(WATCHDOG);
    t32_disk d;
    const char *err = NULL;
    assert_false(t32_disk_open(&d, path, &err));
    assert_string_equal(err, "disk image is larger than 67108864 bytes (64 MiB)");
    alarm(0);
    t32_disk_free(&d);
    unlink(path);
}

/* Exactly 64 MiB is fine. */
static void test_disk_largest(void **state)
{
    (void)state;
    char path[256];
    sparse_file(path, sizeof path, "", 0, 64 << 20);
    t32_disk d;
    const char *err = NULL;
    if (!t32_disk_open(&d, path, &err))
        fail_msg("%s", err);
    assert_int_equal(t32_disk_in(&d, T32_PORT_DISK_SIZE - T32_PORT_DISK_SECTOR),
                     (64u << 20) / T32_SECTOR_SIZE);
    t32_disk_free(&d);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_image_dev_zero),
        cmocka_unit_test(test_image_pipe_bad_magic),
        cmocka_unit_test(test_image_pipe_reads_only_the_image),
        cmocka_unit_test(test_image_pipe_absurd_counts),
        cmocka_unit_test(test_image_pipe_absurd_data_offset),
        cmocka_unit_test(test_image_huge_sparse_file),
        cmocka_unit_test(test_image_short_files),
        cmocka_unit_test(test_disk_dev_zero),
        cmocka_unit_test(test_disk_fifo),
        cmocka_unit_test(test_disk_too_large),
        cmocka_unit_test(test_disk_largest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
