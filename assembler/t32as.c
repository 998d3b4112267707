/*
 * t32as - the T32 assembler.
 *
 *   t32as [-o IMAGE] [-l LISTING] [-m MAP] [-I DIR]... [-D NAME[=VALUE]]...
 *         [-e SYMBOL] [--max-errors N] SOURCE
 *
 * Writes the image to IMAGE (default: SOURCE with its extension replaced by
 * .t32).  Exit status: 0 success, 1 errors in the program, 2 bad command
 * line or output file.  See assembler/README.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"

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
          "  -e SYMBOL     start execution at SYMBOL (default: _start, else start of .text)\n"
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
            exit(0);
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
    const char *dot = strrchr(source, '.');
    size_t stem = dot && (!slash || dot > slash + 1) ? (size_t)(dot - source) : strlen(source);
    char *out = malloc(stem + 5);
    if (out) {
        memcpy(out, source, stem);
        strcpy(out + stem, ".t32");
    }
    return out;
}

/* A listing or map file; "-" means standard output. */
static FILE *open_output(const char *path)
{
    if (path && strcmp(path, "-") == 0)
        return stdout;
    FILE *f = path ? fopen(path, "w") : NULL;
    if (path && !f)
        perror(path);
    return f;
}

int main(int argc, char **argv)
{
    command c = { 0 };
    if (!parse_args(&c, argc, argv)) {
        usage(stderr);
        return 2;
    }
    char *output = c.output ? NULL : default_output(c.source);
    const char *out = c.output ? c.output : output;
    FILE *listing = open_output(c.listing), *map = open_output(c.map);
    if (!out || (c.listing && !listing) || (c.map && !map))
        return 2;
    asm_options opt = { .include_dirs = c.includes, .ninclude_dirs = c.nincludes,
                        .defines = c.defines, .ndefines = c.ndefines, .entry = c.entry,
                        .diag = stderr, .listing = listing, .map = map,
                        .max_errors = c.max_errors };
    t32_image img;
    asm_result res;
    int status = 0;
    char err[256];
    if (!asm_assemble_file(c.source, &opt, &img, &res)) {
        remove(out);                 /* never leave a stale image behind */
        status = 1;
    } else if (!t32_image_write(&img, out, err, sizeof err)) {
        fprintf(stderr, "%s: error: %s\n", out, err);
        status = 2;
    }
    t32_image_free(&img);
    if (listing && (listing == stdout ? fflush(listing) : fclose(listing)) != 0)
        status = 2;
    if (map && (map == stdout ? fflush(map) : fclose(map)) != 0)
        status = 2;
    free(output);
    return status;
}
