/*
 * t32as - the T32 assembler.
 *
 *   t32as [-o IMAGE] [-l LISTING] [-m MAP] [-I DIR]... [-D NAME[=VALUE]]...
 *         [-e SYMBOL] [--max-errors N] SOURCE
 *
 * Writes the image to IMAGE (default: SOURCE with its extension replaced by
 * .t32); a file is replaced only when it is complete.  Exit status: 0
 * success, 1 errors in the program, 2 bad command line or an output that
 * cannot be written.  See assembler/README.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "outfile.h"

#define MAX_ARGS 256

static void usage(FILE *out)
{
    fputs("usage: t32as [-o IMAGE] [-l LISTING] [-m MAP] [-I DIR]... [-D NAME[=VALUE]]...\n"
          "             [-e SYMBOL] [--max-errors N] SOURCE\n"
          "  -o IMAGE      write the image here (default: SOURCE with extension .t32)\n"
          "  -l LISTING    write a listing: address, code and source of every line ('-': stdout)\n"
          "  -m MAP        write the symbol map (value, kind, name) ('-': stdout)\n"
          "  -I DIR        search DIR for .include files (after the including file's folder)\n"
          "  -D NAME[=V]   define NAME (value V, default 1) before the first line\n"
          "  -e SYMBOL     start execution at SYMBOL (default: the source's .entry, else\n"
          "                _start, else the start of .text)\n"
          "  --max-errors N  stop after N errors (default 20)\n", out);
}

typedef struct command {
    const char *source, *output, *listing, *map, *entry;
    const char *includes[MAX_ARGS], *defines[MAX_ARGS];
    size_t nincludes, ndefines;
    int max_errors;
} command;

/* The value of an option: attached (-Ifoo) or the next argument. */
static const char *option_value(int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    if (a[1] != '-' && a[2] != '\0')
        return a + 2;
    if (*i + 1 >= argc) {
        fprintf(stderr, "t32as: error: option '%s' needs a value\n", a);
        return NULL;
    }
    return argv[++*i];
}

static bool add(const char **list, size_t *n, const char *value)
{
    if (*n == MAX_ARGS) {
        fprintf(stderr, "t32as: error: more than %d -I or -D options\n", MAX_ARGS);
        return false;
    }
    list[(*n)++] = value;
    return true;
}

static bool parse_option(command *c, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    const char *v = option_value(argc, argv, i);
    if (!v)
        return false;
    switch (a[1]) {
    case 'o': c->output = v; return true;
    case 'l': c->listing = v; return true;
    case 'm': c->map = v; return true;
    case 'e': c->entry = v; return true;
    case 'I': return add(c->includes, &c->nincludes, v);
    case 'D': return add(c->defines, &c->ndefines, v);
    default: break;
    }
    char *end;
    c->max_errors = (int)strtol(v, &end, 10);
    if (*end || c->max_errors < 1) {
        fprintf(stderr, "t32as: error: --max-errors needs a positive number, not '%s'\n", v);
        return false;
    }
    return true;
}

static bool parse_args(command *c, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            exit(t32_out_stdout_flushed("t32as") ? 0 : 2);
        }
        if (a[0] == '-' && a[1] && (strchr("olmeID", a[1]) || strcmp(a, "--max-errors") == 0)) {
            if ((a[1] == '-' || strchr("olmeID", a[1])) && !parse_option(c, argc, argv, &i))
                return false;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "t32as: error: unknown option '%s'\n", a);
            return false;
        } else if (c->source) {
            fprintf(stderr, "t32as: error: more than one source file ('%s' and '%s')\n",
                    c->source, a);
            return false;
        } else {
            c->source = a;
        }
    }
    if (!c->source)
        fprintf(stderr, "t32as: error: no source file\n");
    return c->source != NULL;
}

/* SOURCE with its extension replaced by .t32 (malloc'd). */
static char *default_output(const char *source)
{
    const char *slash = strrchr(source, '/');
    const char *base = slash ? slash + 1 : source;
    const char *dot = strrchr(base, '.');
    /* (a name that only starts with a dot, .hidden, has no extension) */
    size_t stem = dot && dot > base ? (size_t)(dot - source) : strlen(source);
    char *out = malloc(stem + 5);
    if (out) {
        memcpy(out, source, stem);
        strcpy(out + stem, ".t32");
    }
    return out;
}

/* The three outputs.  Each is written under a temporary name and renamed
 * into place only when complete (isa/outfile.h), so a failed run never
 * leaves a partial file; devices such as /dev/null are written in place.
 * All three are finished before any is renamed: a write that fails in one
 * leaves the old files of all three. */
typedef struct outputs {
    t32_out image, listing, map;
} outputs;

/* An output's name in a message: `-` is standard output. */
static const char *named(const char *path)
{
    return strcmp(path, "-") == 0 ? "t32as: standard output" : path;
}

/* Open `path` (if any) into *o; false (reported) if it cannot be written. */
static bool open_output(t32_out *o, const char *path)
{
    char err[256];
    *o = (t32_out){ 0 };
    if (!path || t32_out_open(o, path, err, sizeof err))
        return true;
    fprintf(stderr, "%s: error: %s\n", named(path), err);
    return false;
}

/* One step of `o` (if open): t32_out_finish (its writes done, not yet
 * renamed) or t32_out_commit; false (reported) if it failed. */
static bool output_step(t32_out *o, const char *path,
                        bool (*step)(t32_out *, char *, size_t))
{
    char err[256];
    if (o->kind == T32_OUT_CLOSED || step(o, err, sizeof err))
        return true;
    fprintf(stderr, "%s: error: %s\n", named(path), err);
    return false;
}

/* Encode the image into its output; false (reported) if it cannot be. */
static bool write_image(const t32_image *img, t32_out *o, const char *path)
{
    uint8_t *bytes;
    size_t len;
    char err[256];
    if (!t32_image_encode(img, &bytes, &len, err, sizeof err)) {
        fprintf(stderr, "%s: error: %s\n", path, err);
        return false;
    }
    fwrite(bytes, 1, len, o->f);    /* an error shows when it is finished */
    free(bytes);
    return true;
}

/* A program with errors: its listing is still written (the errors are in
 * it), but no image or map - and an old image is removed, so that nothing
 * runs the old program believing it built from this source.  (Only an
 * image: a file that is not one - a mistyped -o - stays, as does a map.) */
static int failed_build(outputs *o, const char *image, const char *listing)
{
    t32_out_abort(&o->image);
    t32_out_abort(&o->map);
    t32_out_remove_stale(image, T32_IMAGE_MAGIC);
    return output_step(&o->listing, listing, t32_out_commit) ? 1 : 2;
}

/* A program without errors: every output finished, then all renamed - or,
 * if a write failed, none. */
static int built(outputs *o, const t32_image *img, const char *image, const char *map,
                 const char *listing)
{
    bool ok = write_image(img, &o->image, image);
    ok = output_step(&o->image, image, t32_out_finish) && ok;
    ok = output_step(&o->listing, listing, t32_out_finish) && ok;
    ok = output_step(&o->map, map, t32_out_finish) && ok;
    if (!ok) {
        t32_out_abort(&o->image);
        t32_out_abort(&o->listing);
        t32_out_abort(&o->map);
        return 2;
    }
    ok = output_step(&o->image, image, t32_out_commit);
    ok = output_step(&o->listing, listing, t32_out_commit) && ok;
    ok = output_step(&o->map, map, t32_out_commit) && ok;
    return ok ? 0 : 2;
}

/* No file may be two of the source and the three outputs: `-o h.s h.s`
 * would replace the source by the image.  false (reported) if one is. */
static bool distinct_files(const command *c, const char *image)
{
    const t32_file_use uses[] = {
        { c->source, "the source", false },
        { image, "the image", true },
        { c->listing, "the listing (-l)", true },
        { c->map, "the map (-m)", true },
    };
    char err[256];
    if (t32_out_check_uses(uses, 4, err, sizeof err))
        return true;
    fprintf(stderr, "t32as: error: %s\n", err);
    return false;
}

int main(int argc, char **argv)
{
    t32_out_keep_std_descriptors();   /* stdout closed: no output takes its number */
    command c = { 0 };
    if (!parse_args(&c, argc, argv)) {
        usage(stderr);
        return 2;
    }
    t32_out_cleanup_on_signals();     /* Ctrl-C leaves no temporary */
    char *output = c.output ? NULL : default_output(c.source);
    const char *out = c.output ? c.output : output;
    outputs o = { 0 };
    if (!out || !distinct_files(&c, out) || !open_output(&o.image, out) ||
        !open_output(&o.listing, c.listing) ||
        !open_output(&o.map, c.map)) {
        t32_out_abort(&o.image);
        t32_out_abort(&o.listing);
        free(output);
        return 2;
    }
    asm_options opt = { .include_dirs = c.includes, .ninclude_dirs = c.nincludes,
                        .defines = c.defines, .ndefines = c.ndefines, .entry = c.entry,
                        .diag = stderr, .listing = o.listing.f, .map = o.map.f,
                        .max_errors = c.max_errors };
    t32_image img;
    asm_result res;
    bool assembled = asm_assemble_file(c.source, &opt, &img, &res);
    t32_out_note_error(&o.listing);   /* why a write failed, while errno says */
    t32_out_note_error(&o.map);
    int status;
    if (!assembled && res.define_errors > 0) {
        /* A -D that is no definition: the command line, so no output is
         * touched - as for any other bad command line. */
        t32_out_abort(&o.image);
        t32_out_abort(&o.map);
        t32_out_abort(&o.listing);
        status = 2;
    } else {
        status = assembled ? built(&o, &img, out, c.map, c.listing)
                           : failed_build(&o, out, c.listing);
    }
    t32_image_free(&img);
    free(output);
    return status;
}
