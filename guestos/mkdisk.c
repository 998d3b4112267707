/*
 * mkdisk.c - t32mkdisk: build a guestos disk image from user programs.
 *
 *     t32mkdisk -o default.disk hello=hello.img counta=counta.img ...
 *
 * Each NAME=IMAGE argument (at least one) is a program assembled by t32as
 * to run at USER_BASE.  The disk it writes is what the kernel's loader
 * (guestos/kernel/loader.s) reads:
 *
 *   sector 0       the directory: a 32-byte header, then one 32-byte entry
 *                  per program (at most 15)
 *   sector 1 ...   each program's bytes, starting on a sector boundary
 *
 *   header:  "T32D" | version 1 | count | 5 reserved words (0)
 *   entry:   name (16 bytes, NUL-padded) | first sector | bytes on disk |
 *            bytes in memory | entry point
 *
 * A program's bytes are its memory image flattened: from USER_BASE to the
 * end of the last stored byte, holes between segments zero-filled.  The
 * rest of its memory (a .bss at the end) is only counted in "bytes in
 * memory"; the kernel zero-fills it.  All integers are little-endian.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "outfile.h"

/* These must agree with guestos/include/abi.s and kernel/memlayout.s. */
#define USER_BASE      0x00400000u  /* where user programs are assembled */
#define USER_MAX_BYTES 0x00100000u  /* the loader's limit on memory size */
#define SECTOR         512u
#define DIR_MAGIC      "T32D"
#define DIR_VERSION    1u
#define DIR_MAX        15u
#define NAME_MAX_LEN   15u          /* plus the NUL, in 16 bytes */

/* One program on its way to the disk. */
typedef struct program {
    char     name[NAME_MAX_LEN + 1];
    uint8_t *bytes;      /* the flattened image, filesz bytes */
    uint32_t filesz;
    uint32_t memsz;
    uint32_t entry;
} program;

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void usage(FILE *to)
{
    fprintf(to, "usage: t32mkdisk -o DISK NAME=IMAGE...\n"
                    "  builds a guestos disk: a program directory in sector 0,\n"
                    "  then each program, assembled by t32as to run at 0x%08x\n"
                    "  (1 to %u programs; NAME: 1 to %u bytes, printed by the kernel,\n"
                    "   which shows a byte outside printable ASCII as '?')\n",
            USER_BASE, DIR_MAX, NAME_MAX_LEN);
}

/* Check that every segment lies in the user program area and work out
 * the flat size on disk and in memory.  false (and a message) if not. */
static bool measure(const t32_image *img, program *p, char *err, size_t errlen)
{
    if (img->nsegs == 0) {
        snprintf(err, errlen, "the image has no segments");
        return false;
    }
    p->filesz = 0;
    p->memsz = 0;
    for (size_t i = 0; i < img->nsegs; i++) {
        const t32_segment *s = &img->segs[i];
        uint64_t end = (uint64_t)s->addr + s->size;
        if (s->addr < USER_BASE || end > (uint64_t)USER_BASE + USER_MAX_BYTES) {
            snprintf(err, errlen, "segment at 0x%08x (%u bytes) is outside the user "
                     "program area 0x%08x..0x%08x", s->addr, s->size, USER_BASE,
                     USER_BASE + USER_MAX_BYTES);
            return false;
        }
        if (end - USER_BASE > p->memsz)
            p->memsz = (uint32_t)(end - USER_BASE);
        if (s->filesz && s->addr + s->filesz - USER_BASE > p->filesz)
            p->filesz = s->addr + s->filesz - USER_BASE;
    }
    p->entry = img->entry;
    if (p->entry < USER_BASE || p->entry - USER_BASE >= p->memsz) {
        snprintf(err, errlen, "entry point 0x%08x is outside the program", p->entry);
        return false;
    }
    return true;
}

/* Flatten the image's stored bytes into p->bytes (holes zero-filled). */
static bool flatten(const t32_image *img, program *p)
{
    p->bytes = calloc(p->filesz ? p->filesz : 1, 1);
    if (!p->bytes)
        return false;
    for (size_t i = 0; i < img->nsegs; i++) {
        const t32_segment *s = &img->segs[i];
        if (s->filesz)
            memcpy(p->bytes + (s->addr - USER_BASE), s->data, s->filesz);
    }
    return true;
}

/* Check the form of one NAME=IMAGE argument and take its name into *p.
 * Prints the error itself.  A name may appear twice: it is only what the
 * kernel prints for the process (`load: pid 2 (regcheck)`), and the regs
 * scenario runs two copies of one program on purpose. */
static bool parse_program(const char *arg, program *p)
{
    const char *eq = strchr(arg, '=');
    size_t namelen = eq ? (size_t)(eq - arg) : 0;
    if (!eq || namelen == 0 || namelen > NAME_MAX_LEN) {
        fprintf(stderr, "t32mkdisk: error: '%s': expected NAME=IMAGE with a name of "
                "1 to %u bytes\n", arg, NAME_MAX_LEN);
        return false;
    }
    if (eq[1] == '\0') {
        fprintf(stderr, "t32mkdisk: error: '%s': no image after the '='\n", arg);
        return false;
    }
    memset(p, 0, sizeof *p);
    memcpy(p->name, arg, namelen);
    return true;
}

/* Read and flatten the image of a NAME=IMAGE argument that parse_program
 * accepted.  Prints the error itself. */
static bool load_program(const char *arg, program *p)
{
    const char *path = strchr(arg, '=') + 1;
    char err[256];
    t32_image img;
    bool ok = t32_image_read(path, &img, err, sizeof err) &&
              measure(&img, p, err, sizeof err);
    if (ok && !flatten(&img, p)) {
        snprintf(err, sizeof err, "out of memory");
        ok = false;
    }
    t32_image_free(&img);
    if (!ok)
        fprintf(stderr, "%s: error: %s\n", path, err);
    return ok;
}

/* Sectors a program's stored bytes take on the disk. */
static uint32_t sectors_of(const program *p)
{
    return (p->filesz + SECTOR - 1) / SECTOR;
}

/* The directory sector for n programs, the first starting at sector 1. */
static void make_directory(uint8_t dir[SECTOR], const program *progs, size_t n)
{
    memset(dir, 0, SECTOR);
    memcpy(dir, DIR_MAGIC, 4);
    put32(dir + 4, DIR_VERSION);
    put32(dir + 8, (uint32_t)n);
    uint32_t sector = 1;
    for (size_t i = 0; i < n; i++) {
        uint8_t *e = dir + 32 + 32 * i;
        memcpy(e, progs[i].name, strlen(progs[i].name));
        put32(e + 16, sector);
        put32(e + 20, progs[i].filesz);
        put32(e + 24, progs[i].memsz);
        put32(e + 28, progs[i].entry);
        sector += sectors_of(&progs[i]);
    }
}

/* Write the directory and every program, each padded to whole sectors.
 * The disk is written under a temporary name and renamed into place only
 * when complete (isa/outfile.h): make never sees a half-written disk, and
 * a write that fails leaves the old one (or a device such as /dev/null)
 * alone.  (A bad program image removes an old disk file: main.) */
static bool write_disk(const char *path, const program *progs, size_t n)
{
    t32_out o;
    char err[256];
    if (!t32_out_open(&o, path, err, sizeof err)) {
        fprintf(stderr, "%s: error: %s\n", path, err);
        return false;
    }
    uint8_t dir[SECTOR];
    make_directory(dir, progs, n);
    fwrite(dir, 1, SECTOR, o.f);          /* errors are sticky: checked at commit */
    static const uint8_t zeros[SECTOR];
    for (size_t i = 0; i < n; i++) {
        uint32_t pad = sectors_of(&progs[i]) * SECTOR - progs[i].filesz;
        fwrite(progs[i].bytes, 1, progs[i].filesz, o.f);
        fwrite(zeros, 1, pad, o.f);
    }
    if (!t32_out_commit(&o, err, sizeof err)) {
        fprintf(stderr, "%s: error: %s\n", path, err);
        return false;
    }
    return true;
}

/* The disk must not be one of the program images: `-o ca.img ca=ca.img`
 * would replace the program by the disk.  (An image may be named twice:
 * both uses only read it.)  false (reported) if it is. */
static bool distinct_files(const char *out, char **args, size_t n)
{
    t32_file_use uses[DIR_MAX + 1];
    for (size_t i = 0; i < n; i++)
        uses[i] = (t32_file_use){ strchr(args[i], '=') + 1, "a program image", false };
    uses[n] = (t32_file_use){ out, "the disk (-o)", true };
    char err[256];
    if (t32_out_check_uses(uses, (int)n + 1, err, sizeof err))
        return true;
    fprintf(stderr, "t32mkdisk: error: %s\n", err);
    return false;
}

/* What is wrong with the command line's shape (`-o DISK` first, then
 * programs only), or NULL.  The programs themselves are checked later. */
static const char *bad_command_line(int argc, char **argv, char *buf, size_t len)
{
    if (argc < 2)
        return "no disk to make: give -o DISK and NAME=IMAGE...";
    if (strcmp(argv[1], "-o") != 0) {
        if (argv[1][0] != '-')
            return "the first argument must be -o DISK";
        snprintf(buf, len, "unknown option '%s'", argv[1]);
        return buf;
    }
    if (argc < 3)
        return "option '-o' needs a file name";
    for (int i = 3; i < argc; i++)
        if (argv[i][0] == '-')
            return strcmp(argv[i], "-o") == 0 ? "-o given twice: one disk per run"
                                              : "options come first: only -o DISK";
    return NULL;
}

int main(int argc, char **argv)
{
    t32_out_keep_std_descriptors();   /* stdout closed: no output takes its number */
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage(stdout);
        return t32_out_stdout_flushed("t32mkdisk") ? 0 : 1;
    }
    /* A bad command line is exit status 2, as for t32as and t32dis; a bad
     * image or an output that cannot be written is 1. */
    char why[160];
    const char *wrong = bad_command_line(argc, argv, why, sizeof why);
    if (wrong) {
        fprintf(stderr, "t32mkdisk: error: %s\n", wrong);
        usage(stderr);
        return 2;
    }
    const char *out = argv[2];
    size_t n = (size_t)argc - 3;
    if (n == 0) {
        fprintf(stderr, "t32mkdisk: error: no programs: give at least one NAME=IMAGE\n");
        usage(stderr);
        return 2;
    }
    if (n > DIR_MAX) {
        fprintf(stderr, "t32mkdisk: error: %zu programs; a disk holds at most %u\n",
                n, DIR_MAX);
        return 2;
    }
    program progs[DIR_MAX];
    for (size_t i = 0; i < n; i++)
        if (!parse_program(argv[3 + i], &progs[i]))
            return 2;
    if (!distinct_files(out, argv + 3, n))
        return 2;
    t32_out_cleanup_on_signals();     /* Ctrl-C leaves no temporary */
    bool ok = true;
    size_t loaded = 0;
    for (; ok && loaded < n; loaded++)
        ok = load_program(argv[3 + loaded], &progs[loaded]);
    if (!ok) {
        loaded--;   /* the failed one owns nothing */
        t32_out_remove_stale(out, DIR_MAGIC);   /* a bad program: no old disk left to be
                                                   taken for new (nor any other file lost) */
    }
    if (ok)
        ok = write_disk(out, progs, n);
    for (size_t i = 0; i < loaded; i++)
        free(progs[i].bytes);
    return ok ? 0 : 1;
}
