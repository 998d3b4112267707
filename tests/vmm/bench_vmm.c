/*
 * bench_vmm.c - how fast is trap-and-emulate?  (`make bench`)
 *
 * Runs the same guest - guestos with a given disk - on bare T32 and
 * under the trap-and-emulate VMM, alternately, in one process, and prints
 * the figures as `NAME: VALUE UNIT` lines:
 *
 *   vmm_trap_NAME_ratio      VMM time / bare time (1.00 x = no overhead)
 *   vmm_trap_NAME_speed      bare time / VMM time, as a percentage of bare
 *   vmm_trap_NAME_direct_share   direct_insns / guest_insns
 *   vmm_trap_NAME_exits      exits per run, and per 1000 guest instructions
 *   vmm_NAME_bare_mips, vmm_NAME_trap_mips   guest instructions per second
 * for each scenario NAME given on the command line (bench.sh runs `cpu`,
 * the CPU-bound primes scenario, and `mixed`, primes plus the syscall-heavy
 * sysbench), and
 *   vmm_trap_compute_ratio   the same ratio for a guest that only computes
 *                            (a built-in loop of 20 M instructions, no
 *                            exits): what trap-and-emulate costs when the
 *                            guest kernel has nothing to do
 *
 * Only the run is timed (not building the machine or loading the image).
 * Each side runs until it has accumulated at least BENCH_SECONDS (1 s by
 * default) and at least 5 runs; the figures use each side's fastest run,
 * the one least disturbed by whatever else the host is doing (time is this
 * thread's CPU time, so other processes count only through caches).  Host time
 * is measured here, never shown to a guest.
 *
 *   usage: vmmbench KERNEL.img NAME DISK [NAME DISK]...
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vmm/vmm.h"

typedef struct side {
    double   seconds;    /* all runs */
    double   best;       /* the fastest run: the least disturbed by the host */
    unsigned runs;
    vmm_stats st;        /* of the last run (every run is the same) */
} side;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    uint8_t *buf = n > 0 ? malloc((size_t)n) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void quiet(t32_console *c)
{
    t32_console_free(c);
    t32_console_init(c, NULL, -1);
}

static void account(side *s, double seconds)
{
    if (s->runs == 0 || seconds < s->best)
        s->best = seconds;
    s->seconds += seconds;
    s->runs++;
}

static bool run_bare(const t32_image *img, const uint8_t *disk, size_t disklen, side *s)
{
    char err[256];
    t32_machine *m = t32_machine_new(T32_DEFAULT_MEM, 1);
    if (!m || !t32_image_load(img, m->mem, m->memsize, err, sizeof err))
        return false;
    quiet(&m->console);
    t32_disk_init_mem(&m->disk, disk, disklen);
    m->cpu[0].pc = img->entry;
    double t0 = now();
    vmm_outcome out = vmm_bare_run(m, 0, &s->st);
    account(s, now() - t0);
    t32_machine_free(m);
    return out.end == VMM_END_HALT;
}

static bool run_trap(const t32_image *img, const uint8_t *disk, size_t disklen, side *s)
{
    char err[256];
    vmm *v = vmm_new(VMM_MODE_TRAP, 1, T32_DEFAULT_MEM, err, sizeof err);
    if (!v || !vmm_vm_load(v->vms[0], img, err, sizeof err))
        return false;
    vmm_vm *vm = v->vms[0];
    quiet(&vm->con);
    t32_disk_init_mem(&vm->disk, disk, disklen);
    double t0 = now();
    vmm_sched_run(v);
    account(s, now() - t0);
    s->st = vm->stats;
    bool ok = vm->outcome.end == VMM_END_HALT;
    vmm_free(v);
    return ok;
}

/* The compute-only guest: a loop of ALU instructions, 4 M iterations of
 * 5 instructions, then halt - written straight into an image. */
static void compute_image(t32_image *img)
{
    uint32_t code[] = {
        T32_ENC_I(T32_OP_LUI, 2, 0, 0x003d),          /* r2 := 4000000 */
        T32_ENC_I(T32_OP_ORI, 2, 2, 0x0900),
        T32_ENC_I(T32_OP_ADDI, 1, 1, 1),              /* loop: */
        T32_ENC_R(T32_OP_XOR, 3, 3, 1),
        T32_ENC_R(T32_OP_MUL, 4, 3, 1),
        T32_ENC_R(T32_OP_CMP, 0, 1, 2),
        T32_ENC_J(T32_OP_BLT, (uint32_t)-4),
        T32_ENC_R(T32_OP_HALT, 0, 0, 0),
    };
    t32_image_init(img);
    if (!t32_image_add_segment(img, 0x1000, sizeof code, T32_SEG_R | T32_SEG_X, code,
                               sizeof code))
        abort();
    img->entry = 0x1000;
}

/* One scenario's figures, every name carrying the scenario's: NAME = cpu
 * gives vmm_trap_cpu_ratio, vmm_trap_cpu_speed, ... */
static void report(const char *name, const side *bare, const side *trap)
{
    double tb = bare->best, tt = trap->best;
    const vmm_stats *st = &trap->st;
    printf("vmm_trap_%s_ratio: %.3f x\n", name, tt / tb);
    printf("vmm_trap_%s_speed: %.1f %% of bare\n", name, 100.0 * tb / tt);
    printf("vmm_trap_%s_direct_share: %.2f %%\n", name,
           100.0 * (double)st->direct_insns / (double)st->guest_insns);
    printf("vmm_trap_%s_exits: %" PRIu64 " per run\n", name, st->exits_total);
    printf("vmm_trap_%s_exits_per_kinsn: %.2f per 1000 guest instructions\n", name,
           1000.0 * (double)st->exits_total / (double)st->guest_insns);
    printf("vmm_%s_bare_mips: %.1f M guest instructions/s\n", name,
           (double)bare->st.guest_insns / tb / 1e6);
    printf("vmm_%s_trap_mips: %.1f M guest instructions/s\n", name,
           (double)st->guest_insns / tt / 1e6);
}

/* Both sides, alternately, until each has run `want` seconds (and at least
 * 5 times). */
static bool measure(const t32_image *img, const uint8_t *disk, size_t disklen,
                    double want, side *bare, side *trap)
{
    while (bare->runs < 5 || bare->seconds < want || trap->seconds < want) {
        if (!run_bare(img, disk, disklen, bare) || !run_trap(img, disk, disklen, trap)) {
            fprintf(stderr, "vmmbench: the guest did not halt\n");
            return false;
        }
    }
    return true;
}

/* Benchmark guestos (KERNEL) with one disk: bare, then trap, alternately. */
static bool bench_scenario(const t32_image *img, const char *name, const char *path,
                           double want)
{
    size_t disklen = 0;
    uint8_t *disk = read_file(path, &disklen);
    if (!disk) {
        fprintf(stderr, "vmmbench: cannot read %s\n", path);
        return false;
    }
    side bare = { 0 }, trap = { 0 };
    bool ok = measure(img, disk, disklen, want, &bare, &trap);
    if (ok)
        report(name, &bare, &trap);
    free(disk);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc % 2 != 0) {
        fprintf(stderr, "usage: vmmbench KERNEL.img NAME DISK [NAME DISK]...\n");
        return 2;
    }
    t32_image img;
    char err[256];
    if (!t32_image_read(argv[1], &img, err, sizeof err)) {
        fprintf(stderr, "vmmbench: %s\n", err);
        return 1;
    }
    const char *env = getenv("BENCH_SECONDS");
    double want = env ? atof(env) : 1.0;
    for (int i = 2; i < argc; i += 2)
        if (!bench_scenario(&img, argv[i], argv[i + 1], want))
            return 1;
    t32_image_free(&img);

    t32_image compute;
    side cbare = { 0 }, ctrap = { 0 };
    compute_image(&compute);
    if (!measure(&compute, NULL, 0, want / 2, &cbare, &ctrap))
        return 1;
    printf("vmm_trap_compute_ratio: %.3f x\n", ctrap.best / cbare.best);
    t32_image_free(&compute);
    return 0;
}
