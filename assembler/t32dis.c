/*
 * t32dis - the T32 disassembler.
 *
 *   t32dis [-o OUT] IMAGE                 disassemble a program image
 *   t32dis [-o OUT] -r FILE [-b ADDR]     a flat binary of little-endian words at ADDR (default 0)
 *   t32dis [-o OUT] -w WORD... [-b ADDR]  the given words (0x... hex, or decimal), at ADDR
 *
 * The output is t32as source: assembling it gives the same words back.  It
 * goes to standard output, or to OUT, which is replaced only when complete
 * (isa/outfile.h).  A write error (a full disk) is an error: status 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "disasm.h"
#include "outfile.h"

/* The usage text: on stdout with status 0 when asked for (--help), on
 * stderr with status 2 after a bad command line. */
static int usage(FILE *to)
{
    fputs("usage: t32dis [-o OUT] IMAGE\n"
          "       t32dis [-o OUT] -r FILE [-b ADDR]     raw little-endian words loaded at ADDR\n"
          "       t32dis [-o OUT] -w WORD... [-b ADDR]  words given on the command line\n"
          "  -o OUT   write the source to OUT instead of standard output ('-': stdout)\n", to);
    return to == stdout ? 0 : 2;
}

static bool number(const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *end || v > 0xffffffffull || s[0] == '-')
        return false;
    *out = (uint32_t)v;
    return true;
}

/* The most raw bytes t32dis reads: as much as the largest image. */
#define RAW_MAX (1u << 30)

/* What is wrong with the file f as raw input, before reading it (a
 * directory, a regular file too large: told without reading a byte), or
 * NULL. */
static const char *raw_unusable(FILE *f, char *buf, size_t len)
{
    struct stat st;
    if (fstat(fileno(f), &st) != 0)
        return NULL;                    /* (reading will tell) */
    if (S_ISDIR(st.st_mode))
        return "is a directory";
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > RAW_MAX) {
        snprintf(buf, len, "%llu bytes, more than %u (1 GiB), the most t32dis reads",
                 (unsigned long long)st.st_size, RAW_MAX);
        return buf;
    }
    return NULL;
}

static int raw_file(const char *path, uint32_t base, FILE *out)
{
    FILE *f = t32_in_open(path);   /* a fifo without a writer: empty */
    if (!f) {
        fprintf(stderr, "%s: error: cannot open: %s\n", path, strerror(errno));
        return 1;
    }
    char why[128];
    const char *unusable = raw_unusable(f, why, sizeof why);
    if (unusable) {
        fprintf(stderr, "%s: error: %s\n", path, unusable);
        fclose(f);
        return 1;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf && (n += fread(buf + n, 1, cap - n, f)) == cap && cap < RAW_MAX) {
        uint8_t *p = realloc(buf, cap * 2);
        if (!p) {
            free(buf);
            buf = NULL;
        } else {
            buf = p;
            cap *= 2;
        }
    }
    int err = ferror(f) ? errno : 0;
    bool more = buf && !err && n == cap && fgetc(f) != EOF;
    fclose(f);
    const char *bad = !buf ? "out of memory" : err ? strerror(err)
                    : more ? "more than 1 GiB (1073741824 bytes), the most t32dis reads" : NULL;
    if (bad) {
        fprintf(stderr, "%s: error: cannot read it whole: %s\n", path, bad);
        free(buf);
        return 1;
    }
    if ((uint64_t)base + n > (1ull << 32)) {
        fprintf(stderr, "%s: error: %zu bytes at 0x%08x run past the end of the 32-bit "
                "address space\n", path, n, base);
        free(buf);
        return 1;
    }
    dis_raw(buf, n, base, out);
    free(buf);
    return 0;
}

static int words(char **argv, int count, uint32_t base, FILE *out)
{
    /* The last word must end by 2^32: wrapping to address 0 would print
     * words at addresses no source can give them in that order. */
    if ((uint64_t)base + 4 * (uint64_t)count > (1ull << 32)) {
        fprintf(stderr, "t32dis: error: %d words at 0x%08x run past the end of the 32-bit "
                "address space (at most %llu fit there)\n", count, base,
                (unsigned long long)(((1ull << 32) - base) / 4));
        return 2;
    }
    uint8_t *bytes = malloc((size_t)count * 4 + 1);
    if (!bytes)
        return 1;
    for (int i = 0; i < count; i++) {
        uint32_t w;
        if (!number(argv[i], &w)) {
            fprintf(stderr, "t32dis: error: '%s' is not a 32-bit number\n", argv[i]);
            free(bytes);
            return 2;
        }
        for (int k = 0; k < 4; k++)
            bytes[4 * i + k] = (uint8_t)(w >> (8 * k));
    }
    dis_raw(bytes, (size_t)count * 4, base, out);
    free(bytes);
    return 0;
}

/* A symbol the output cannot hold (t32as would refuse it) is left out,
 * with a warning that shows its name safely: control and non-ASCII bytes
 * as \xNN, at most 40 characters. */
static void left_out(void *ctx, const t32_symbol *s, bool duplicate)
{
    char shown[4 * 40 + 4];
    size_t n = 0, i = 0;
    for (; s->name[i] && i < 40; i++) {
        unsigned char c = (unsigned char)s->name[i];
        n += (size_t)snprintf(shown + n, sizeof shown - n, c >= 0x20 && c < 0x7f && c != '\\'
                              ? "%c" : "\\x%02x", c);
    }
    snprintf(shown + n, sizeof shown - n, "%s", s->name[i] ? "..." : "");
    fprintf(stderr, "%s: warning: symbol '%s' (0x%08x) left out: %s\n", (const char *)ctx,
            shown, s->value, duplicate ? "an earlier symbol has that name"
                                       : "not a name t32as accepts");
}

static int image(const char *path, FILE *out)
{
    t32_image img;
    char err[256];
    if (!t32_image_read(path, &img, err, sizeof err)) {
        fprintf(stderr, "%s: error: %s\n", path, err);
        if (strstr(err, "bad magic"))
            fprintf(stderr, "%s: note: for a flat binary of words, use 't32dis -r %s'\n",
                    path, path);
        return 1;
    }
    if (!dis_image_fits(&img, err, sizeof err)) {
        fprintf(stderr, "%s: error: %s\n", path, err);
        t32_image_free(&img);
        return 1;
    }
    dis_drop_unwritable_symbols(&img, left_out, (void *)path);
    dis_image(&img, out);
    t32_image_free(&img);
    return 0;
}

typedef struct job {
    const char *path, *raw;
    char **words;
    int nwords;
    uint32_t base;
    FILE *out;
} job;

/* Disassemble what the command line chose into j->out. */
static int dispatch(const job *j)
{
    if (j->nwords)
        return words(j->words, j->nwords, j->base, j->out);
    if (j->raw)
        return raw_file(j->raw, j->base, j->out);
    return image(j->path, j->out);
}

/* Run the job into its output (stdout or OUT); commit it only on success. */
static int run(const char *out_path, job *j)
{
    t32_out o;
    char err[256];
    const char *name = out_path ? out_path : "t32dis: standard output";
    if (!t32_out_open(&o, out_path ? out_path : "-", err, sizeof err)) {
        fprintf(stderr, "%s: error: %s\n", name, err);
        return 1;
    }
    j->out = o.f;
    int status = dispatch(j);
    t32_out_note_error(&o);           /* why a write failed, while errno says */
    if (status != 0) {
        t32_out_abort(&o);
        return status;          /* (an old output stays: source text, nothing runs it) */
    }
    if (!t32_out_commit(&o, err, sizeof err)) {
        fprintf(stderr, "%s: error: %s\n", name, err);
        return 1;
    }
    return 0;
}

/* The output must not be the input: `-o c.img c.img` would replace the
 * image by its source.  false (reported) if it is. */
static bool distinct_files(const job *j, const char *out)
{
    const t32_file_use uses[] = {
        { j->path, "the image", false },
        { j->raw, "the raw input (-r)", false },
        { out, "the output (-o)", true },
    };
    char err[256];
    if (t32_out_check_uses(uses, 3, err, sizeof err))
        return true;
    fprintf(stderr, "t32dis: error: %s\n", err);
    return false;
}

int main(int argc, char **argv)
{
    t32_out_keep_std_descriptors();   /* stdout closed: no output takes its number */
    uint32_t base = 0;
    bool based = false;
    const char *raw = NULL, *out = NULL;
    int first_word = 0, nwords = 0;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return t32_out_stdout_flushed("t32dis") ? 0 : 1;
        } else if (strcmp(argv[i], "-b") == 0 && i + 1 < argc) {
            based = true;
            if (!number(argv[++i], &base)) {
                fprintf(stderr, "t32dis: error: -b: '%s' is not a 32-bit address "
                        "(0..0xfffffffc)\n", argv[i]);
                return 2;
            }
            if (base % 4) {
                fprintf(stderr, "t32dis: error: -b needs a word-aligned address, "
                        "not 0x%08x\n", base);
                return 2;
            }
        } else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc) {
            raw = argv[++i];
        } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc && !out) {
            out = argv[++i];
        } else if (strcmp(argv[i], "-w") == 0) {
            first_word = i + 1;
            while (i + 1 < argc && strcmp(argv[i + 1], "-b") != 0 && strcmp(argv[i + 1], "-o") != 0)
                i++, nwords++;
        } else if (argv[i][0] == '-' || path) {
            const char *opt = argv[i];
            if (path && opt[0] != '-')
                fprintf(stderr, "t32dis: error: one IMAGE only ('%s' and '%s')\n", path, opt);
            else if (strcmp(opt, "-o") == 0 && out)
                fprintf(stderr, "t32dis: error: -o given twice: one output\n");
            else if (strcmp(opt, "-b") == 0 || strcmp(opt, "-r") == 0 || strcmp(opt, "-o") == 0)
                fprintf(stderr, "t32dis: error: option '%s' needs a value\n", opt);
            else
                fprintf(stderr, "t32dis: error: unknown option '%s'\n", opt);
            return usage(stderr);
        } else {
            path = argv[i];
        }
    }
    job j = { .path = path, .raw = raw, .base = base };
    const char *wrong = (first_word != 0) + (raw != NULL) + (path != NULL) > 1
                        ? "give one of IMAGE, -r FILE and -w WORD..."
                      : first_word && !nwords ? "-w needs at least one word"
                      : !first_word && !raw && !path ? "nothing to disassemble"
                      : path && based ? "-b applies to -r and -w (an image says where it goes)"
                      : NULL;
    if (wrong) {
        fprintf(stderr, "t32dis: error: %s\n", wrong);
        return usage(stderr);
    }
    if (first_word) {
        j.words = argv + first_word;
        j.nwords = nwords;
    }
    if (!distinct_files(&j, out ? out : "-"))    /* stdout may be the image: `1<>p.t32` */
        return 2;
    t32_out_cleanup_on_signals();     /* Ctrl-C leaves no temporary */
    return run(out, &j);
}
