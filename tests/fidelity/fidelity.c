/*
 * fidelity.c - the fidelity checker: guests on bare T32 and under every VMM
 * mode this build has, compared in one process (check.h), and the random
 * program generator's driver (gen.h).
 *
 *   fidelity modes                  the VMM modes of this build, one a line
 *   fidelity image IMG --mode M [--disk F] [--input F] [--mem SIZE]
 *            [--max-insns N] [--popf]
 *                                   IMG under M against bare T32: identical
 *                                   (or, with --popf, identical once the
 *                                   kernel's pushf/popf are nops)
 *   fidelity random [--count N] [--first SEED] [--mode M]...
 *                                   N generated programs, each bare against
 *                                   every mode (trap: --popf rules; every
 *                                   other mode: identical)
 *   fidelity gen --seed S -o FILE   write program S as an image, to run it
 *                                   with trapeze (--mem 128K)
 *
 * Exit status: 0 every check held, 1 a check failed (the report says
 * where), 2 bad command line or unusable file.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fidelity/check.h"
#include "tests/fidelity/gen.h"
#include "vmm/modes/mode.h"
#include "vmm/session/session.h"

#define MAX_FILE (64u << 20)

static const char usage_text[] =
    "usage: fidelity modes | image IMG --mode M [--disk F] [--input F] [--mem SIZE]"
    " [--max-insns N] [--popf] | random [--count N] [--first SEED] [--mode M]... |"
    " gen --seed S -o FILE\n"
    "exit status: 0 passed (or written), 1 a check failed or a file could not be read\n"
    "or written, 2 bad command line\n";

static int usage(const char *msg)
{
    fprintf(stderr, "fidelity: error: %s\n%s", msg, usage_text);
    return 2;
}

/* A whole number in min..max (session_parse_u64: decimal, no sign, no
 * wrap - "abc", "-1" and 2^64 are mistakes, not 0). */
static bool parse_number(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    uint64_t v;
    if (!session_parse_u64(s, &v) || v < min || v > max)
        return false;
    *out = v;
    return true;
}

/* A whole small file into memory (*len bytes, malloc'd). */
static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1u << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap || cap >= MAX_FILE)
            break;
        uint8_t *more = realloc(buf, cap * 2);
        if (!more) {
            free(buf);
            buf = NULL;
        }
        buf = more;
        cap *= 2;
    }
    bool bad = ferror(f) || (buf && n == cap);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* A VMM mode by name: its id, or -1 (unknown, or bare). */
static int vmm_mode_named(const char *name)
{
    int m = mode_lookup(name);
    return m > 0 && mode_get((vmm_mode)m) ? m : -1;
}

/* --mem SIZE: as trapeze's, a multiple of 4K up to 256M (0: a mistake). */
static uint32_t parse_size(const char *s)
{
    uint64_t v;
    if (!session_parse_size(s, 256u << 20, &v) || v % T32_PAGE_SIZE)
        return 0;
    return (uint32_t)v;
}

/* ---- fidelity modes ---------------------------------------------------------------------- */

static int cmd_modes(void)
{
    for (int m = 0; m < VMM_NMODES; m++)
        if (mode_get((vmm_mode)m))
            printf("%s\n", mode_name((vmm_mode)m));
    return 0;
}

/* ---- fidelity image ------------------------------------------------------------------------ */

typedef struct image_args {
    const char *image, *disk, *input, *mode;
    uint32_t    mem;
    uint64_t    limit;
    bool        popf;
} image_args;

static int parse_image_args(int argc, char **argv, image_args *a)
{
    *a = (image_args){ .mem = 16u << 20, .limit = 200000000u };
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--popf") == 0) {
            a->popf = true;
            continue;
        }
        if (arg[0] != '-') {
            a->image = arg;
            continue;
        }
        if (!val)
            return usage("an option needs a value");
        i++;
        const char **text = strcmp(arg, "--disk") == 0 ? &a->disk
                          : strcmp(arg, "--input") == 0 ? &a->input
                          : strcmp(arg, "--mode") == 0 ? &a->mode : NULL;
        if (text) {
            if (*text)
                return usage("an option given twice");
            *text = val;
        } else if (strcmp(arg, "--mem") == 0) {
            if ((a->mem = parse_size(val)) == 0)
                return usage("bad --mem (a multiple of 4K, at most 256M)");
        } else if (strcmp(arg, "--max-insns") == 0) {
            if (!parse_number(val, 1, UINT64_MAX, &a->limit))
                return usage("bad --max-insns (a number of cycles, at least 1)");
        } else {
            return usage("unknown option");
        }
    }
    return a->image && a->mode ? 0 : usage("image needs IMG and --mode");
}

static int cmd_image(int argc, char **argv)
{
    image_args a;
    int rc = parse_image_args(argc, argv, &a);
    if (rc)
        return rc;
    int mode = vmm_mode_named(a.mode);
    if (mode < 0)
        return usage("no such VMM mode in this build");
    t32_image img;
    char err[256];
    static fid_guest g;
    g = (fid_guest){ .name = a.image, .img = &img, .mem = a.mem, .limit = a.limit };
    if (!t32_image_read(a.image, &img, err, sizeof err)) {
        fprintf(stderr, "%s: error: %s\n", a.image, err);
        return 1;
    }
    uint8_t *disk = NULL, *input = NULL;
    if ((a.disk && !(disk = slurp(a.disk, &g.disklen))) ||
        (a.input && !(input = slurp(a.input, &g.inlen)))) {
        fprintf(stderr, "fidelity: error: cannot read %s\n", disk ? a.input : a.disk);
        t32_image_free(&img);
        free(disk);
        return 1;
    }
    g.disk = disk;
    g.input = input;
    fid_result r;
    r.bare = NULL;
    bool ok = fid_check(&g, mode, a.popf, stdout, &r);
    if (ok)
        printf("PASS %s under %s: %s, %" PRIu64 " instructions, %" PRIu64 " run directly, "
               "ram %016" PRIx64 "\n", a.image, a.mode,
               r.popf_explained ? "differs only by kernel pushf/popf" : "identical to bare",
               r.vm_insns, r.direct_insns, r.ram_hash);
    t32_image_free(&img);
    free(disk);
    free(input);
    return ok ? 0 : 1;
}

/* ---- fidelity random ------------------------------------------------------------------------- */

/* What the programs did, over all of them: so that a generator that stops
 * exercising something fails the check instead of passing silently. */
typedef struct tally {
    unsigned long programs, halted, paging, popf_explained[VMM_NMODES], identical[VMM_NMODES];
    unsigned long failures[VMM_NMODES];
    uint64_t causes[T32_CAUSE_LIMIT], insns;
} tally;

/* The trap counts a program's handler left in its kernel data page. */
static void count_causes(tally *t, const fid_state *bare)
{
    for (unsigned c = 0; c < T32_CAUSE_LIMIT && bare->ram; c++) {
        const uint8_t *p = bare->ram + 0x8000 + 4 * c;
        t->causes[c] += (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                        (uint32_t)p[3] << 24;
    }
}

static bool check_program(uint32_t seed, const int *modes, int nmodes, tally *t)
{
    t32_image img;
    gen_info info;
    char name[64];
    snprintf(name, sizeof name, "random program %" PRIu32, seed);
    if (!gen_program(seed, &img, &info)) {
        printf("FAIL %s: the generator could not write it\n", name);
        return false;
    }
    fid_guest g = { .name = name, .img = &img, .mem = GEN_MEM, .limit = GEN_LIMIT };
    bool ok = true;
    t->programs++;
    t->paging += info.paging;
    for (int i = 0; i < nmodes; i++) {
        fid_state bare = { 0 };
        fid_result r = { .bare = &bare };
        bool popf = strcmp(mode_name((vmm_mode)modes[i]), "trap") == 0;
        if (fid_check(&g, modes[i], popf, stdout, &r)) {
            t->popf_explained[modes[i]] += r.popf_explained;
            t->identical[modes[i]] += !r.popf_explained;
        } else {
            t->failures[modes[i]]++;
            printf("  reproduce: fidelity gen --seed %" PRIu32 " -o p.img; trapeze run --mem 128K "
                   "--max-insns %u --mode %s --trace-insns FILE p.img (and --bare)\n", seed,
                   GEN_LIMIT, mode_name((vmm_mode)modes[i]));
            ok = false;
        }
        if (i == 0) {
            count_causes(t, &bare);
            t->halted += r.end == VMM_END_HALT;
            t->insns += r.bare_insns;
        }
        fid_state_free(&bare);
    }
    t32_image_free(&img);
    return ok;
}

/* The generator must go on exercising what gen.h promises. */
static bool tally_ok(const tally *t, const int *modes, int nmodes)
{
    static const t32_cause wanted[] = {
        T32_CAUSE_ILLEGAL, T32_CAUSE_PRIVILEGED, T32_CAUSE_SYSCALL, T32_CAUSE_BREAKPOINT,
        T32_CAUSE_DIVZERO, T32_CAUSE_MISALIGNED, T32_CAUSE_LOAD_FAULT, T32_CAUSE_STORE_FAULT,
        T32_CAUSE_BUS_ERROR, T32_CAUSE_IRQ_TIMER };
    bool ok = true;
    if (t->programs < 100)
        return true;                 /* too few to expect everything */
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++)
        if (t->causes[wanted[i]] == 0) {
            printf("FAIL generator: no program trapped with cause %s\n", t32_cause_name(wanted[i]));
            ok = false;
        }
    if (t->halted * 100 < t->programs * 95) {
        printf("FAIL generator: only %lu of %lu programs halted\n", t->halted, t->programs);
        ok = false;
    }
    if (t->paging == 0 || t->paging == t->programs) {
        printf("FAIL generator: paging in %lu of %lu programs\n", t->paging, t->programs);
        ok = false;
    }
    for (int i = 0; i < nmodes; i++)
        if (strcmp(mode_name((vmm_mode)modes[i]), "trap") == 0 && t->popf_explained[modes[i]] == 0) {
            printf("FAIL generator: no program showed the popf problem under trap\n");
            ok = false;
        }
    return ok;
}

static void print_tally(const tally *t, const int *modes, int nmodes)
{
    printf("%lu programs, %" PRIu64 " guest instructions bare, %lu with paging, %lu halted\n",
           t->programs, t->insns, t->paging, t->halted);
    printf("traps taken:");
    for (unsigned c = 1; c < T32_CAUSE_LIMIT; c++)
        if (t->causes[c])
            printf(" %s %" PRIu64, t32_cause_name((t32_cause)c), t->causes[c]);
    printf("\n");
    for (int i = 0; i < nmodes; i++) {
        int m = modes[i];
        printf("%-8s %lu identical to bare, %lu differ only by kernel pushf/popf, %lu failed\n",
               mode_name((vmm_mode)m), t->identical[m], t->popf_explained[m], t->failures[m]);
    }
}

static int cmd_random(int argc, char **argv)
{
    uint64_t count = 1000, first = 1;
    int modes[VMM_NMODES], nmodes = 0;
    for (int i = 2; i < argc; i++) {
        if (i + 1 >= argc)
            return usage("an option needs a value");
        const char *arg = argv[i], *val = argv[++i];
        if (strcmp(arg, "--count") == 0) {
            if (!parse_number(val, 1, UINT32_MAX, &count))
                return usage("bad --count (how many programs, at least 1)");
        } else if (strcmp(arg, "--first") == 0) {
            if (!parse_number(val, 0, UINT32_MAX, &first))
                return usage("bad --first (a seed, 0 to 4294967295)");
        } else if (strcmp(arg, "--mode") == 0) {
            int m = vmm_mode_named(val);
            if (m < 0)
                return usage("no such VMM mode in this build");
            if (strcmp(val, "pv") == 0)   /* their hcalls are traps on purpose */
                return usage("random programs are native, and trap on purpose with hcall: "
                             "they have no pv run to judge (README.md)");
            if (nmodes == VMM_NMODES)
                return usage("too many --mode");
            modes[nmodes++] = m;
        } else {
            return usage("unknown option");
        }
    }
    if (first + count - 1 > UINT32_MAX)
        return usage("--first and --count run past seed 4294967295");
    if (nmodes == 0)                 /* every mode this build has */
        for (int m = 1; m < VMM_NMODES; m++)
            if (mode_get((vmm_mode)m) && strcmp(mode_name((vmm_mode)m), "pv") != 0)
                modes[nmodes++] = m;
    tally t = { 0 };
    bool ok = true;
    for (uint64_t s = first; s < first + count; s++)
        ok &= check_program((uint32_t)s, modes, nmodes, &t);
    print_tally(&t, modes, nmodes);
    ok &= tally_ok(&t, modes, nmodes);
    return ok ? 0 : 1;
}

/* ---- fidelity gen ------------------------------------------------------------------------------ */

static int cmd_gen(int argc, char **argv)
{
    const char *out = NULL;
    uint64_t seed = 0;
    bool have_seed = false;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--seed") == 0 && !have_seed) {
            if (!parse_number(argv[i + 1], 0, UINT32_MAX, &seed))
                return usage("bad --seed (0 to 4294967295)");
            have_seed = true;
        } else if (strcmp(argv[i], "-o") == 0 && !out) {
            out = argv[i + 1];
        } else {
            return usage("gen takes --seed S and -o FILE, once each");
        }
    }
    if (!out || !have_seed || argc % 2 != 0)
        return usage("gen needs --seed S and -o FILE");
    t32_image img;
    gen_info info;
    char err[256] = "";
    bool ok = gen_program((uint32_t)seed, &img, &info) &&
              t32_image_write(&img, out, err, sizeof err);
    if (!ok)
        fprintf(stderr, "%s: error: cannot write program %" PRIu64 "%s%s\n", out, seed,
                *err ? ": " : "", err);
    else
        printf("%s: program %" PRIu64 ": paging %s, timer %s, %u kernel and %u user "
               "instructions, %u kernel pushf/popf\n", out, seed, info.paging ? "on" : "off",
               info.timer ? "on" : "off", info.kernel_insns, info.user_insns, info.sensitive);
    t32_image_free(&img);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage("no command");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (strcmp(argv[1], "modes") == 0)
        return cmd_modes();
    if (strcmp(argv[1], "image") == 0)
        return cmd_image(argc, argv);
    if (strcmp(argv[1], "random") == 0)
        return cmd_random(argc, argv);
    if (strcmp(argv[1], "gen") == 0)
        return cmd_gen(argc, argv);
    return usage("unknown command");
}
