/*
 * bench_vmm.c - how fast is each VMM mode?  (`make bench`)
 *
 * Runs the same guest - guestos with a given disk - on bare T32 and under
 * each VMM mode, alternately, in one process, and prints the figures as
 * `NAME: VALUE UNIT` lines, for each mode MODE (trap, bt, pv - pv runs the
 * paravirtual kernel, the others the normal one) and each scenario NAME
 * given on the command line (bench.sh runs `cpu`, the CPU-bound primes
 * scenario, and `mixed`, primes plus the syscall-heavy sysbench):
 *
 *   vmm_MODE_NAME_ratio          VMM time / bare time (1.00 x = no overhead)
 *   vmm_MODE_NAME_speed          bare time / VMM time, in % (100 % = bare's speed)
 *   vmm_MODE_NAME_direct_share   direct_insns / guest_insns, in %
 *   vmm_MODE_NAME_exits          exits per run, and ..._exits_per_kinsn per
 *                                1000 guest instructions (exits/kinsn)
 *   vmm_MODE_NAME_mips           millions of guest instructions per second
 *                                (and vmm_bare_NAME_mips, of the fastest bare
 *                                run)
 *
 * Each UNIT is one word, so a line splits as NAME: VALUE UNIT.
 *
 * and, on small built-in guests:
 *   vmm_trap_compute_ratio   a guest that only computes (20 M instructions,
 *                            no exits): what trap-and-emulate costs when
 *                            the guest kernel has nothing to do
 *   vmm_trap_exit_rate       exits per second of a guest kernel looping on
 *                            mfsr (each one a privileged exit, emulated), in
 *                            millions (Mexits/s)
 *   vmm_trap_priv_exit_ns    host time of one such exit, round trip
 *   vmm_bt_patch_exit_ns     host time of one patch exit under bt (a
 *                            guest kernel looping on pushf; pop)
 *
 * Only the run is timed (not building the machine or loading the image).
 * Each side runs until it has accumulated at least BENCH_SECONDS (1 s by
 * default) and at least 5 runs; the figures use each side's fastest run,
 * the one least disturbed by whatever else the host is doing (time is this
 * thread's CPU time, so other processes count only through caches).  Host
 * time is measured here, never shown to a guest.
 *
 *   usage: vmmbench KERNEL.img PV-KERNEL.img NAME DISK [NAME DISK]...
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "outfile.h"

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

static bool run_vm(vmm_mode mode, const t32_image *img, const uint8_t *disk, size_t disklen,
                   side *s)
{
    char err[256];
    vmm *v = vmm_new(mode, 1, T32_DEFAULT_MEM, err, sizeof err);
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

/* A guest written straight into an image: `code` at 0x1000, then halt. */
static void code_image(t32_image *img, const uint32_t *code, size_t n)
{
    t32_image_init(img);
    if (!t32_image_add_segment(img, 0x1000, (uint32_t)(n * 4), T32_SEG_R | T32_SEG_X, code,
                               n * 4))
        abort();
    img->entry = 0x1000;
}

/* The compute-only guest: a loop of ALU instructions, 4 M iterations of
 * 5 instructions, then halt. */
static void compute_image(t32_image *img)
{
    static const uint32_t code[] = {
        T32_ENC_I(T32_OP_LUI, 2, 0, 0x003d),          /* r2 := 4000000 */
        T32_ENC_I(T32_OP_ORI, 2, 2, 0x0900),
        T32_ENC_I(T32_OP_ADDI, 1, 1, 1),              /* loop: */
        T32_ENC_R(T32_OP_XOR, 3, 3, 1),
        T32_ENC_R(T32_OP_MUL, 4, 3, 1),
        T32_ENC_R(T32_OP_CMP, 0, 1, 2),
        T32_ENC_J(T32_OP_BLT, (uint32_t)-4),
        T32_ENC_R(T32_OP_HALT, 0, 0, 0),
    };
    code_image(img, code, sizeof code / sizeof code[0]);
}

#define EXIT_LOOPS 1000000u   /* iterations of the exit loops below */

/* A guest kernel that exits once per iteration, 1 M times: `mfsr` (a
 * privileged exit under every mode), or `pushf; pop` (a patch exit under
 * bt; the stack at 0x8000, away from the code page). */
static void exit_loop_image(t32_image *img, bool pushf)
{
    uint32_t code[] = {
        T32_ENC_I(T32_OP_LUI, 2, 0, EXIT_LOOPS >> 16),        /* r2 := EXIT_LOOPS */
        T32_ENC_I(T32_OP_ORI, 2, 2, EXIT_LOOPS & 0xffffu),
        T32_ENC_I(T32_OP_LUI, T32_REG_SP, 0, 0),              /* sp := 0x8000 */
        T32_ENC_I(T32_OP_ORI, T32_REG_SP, T32_REG_SP, 0x8000),
        pushf ? T32_ENC_R(T32_OP_PUSHF, 0, 0, 0)              /* loop: */
              : T32_ENC_I(T32_OP_MFSR, 1, 0, T32_SR_SCRATCH),
        pushf ? T32_ENC_R(T32_OP_POP, 1, 0, 0) : T32_ENC_I(T32_OP_ADDI, 0, 0, 0),
        T32_ENC_I(T32_OP_ADDI, 2, 2, (uint32_t)-1),
        T32_ENC_I(T32_OP_BNZ, 2, 0, (uint32_t)-3 & 0xffffu),
        T32_ENC_R(T32_OP_HALT, 0, 0, 0),
    };
    code_image(img, code, sizeof code / sizeof code[0]);
}

/* Both sides, alternately, until each has run `want` seconds (and at least
 * 5 times). */
static bool measure(vmm_mode mode, const t32_image *bare_img, const t32_image *vm_img,
                    const uint8_t *disk, size_t disklen, double want, side *bare, side *vm)
{
    while (bare->runs < 5 || bare->seconds < want || vm->seconds < want) {
        if (!run_bare(bare_img, disk, disklen, bare) ||
            !run_vm(mode, vm_img, disk, disklen, vm)) {
            fprintf(stderr, "vmmbench: the guest did not halt\n");
            return false;
        }
    }
    return true;
}

/* One scenario's figures for one mode, every name carrying both: mode trap,
 * NAME = cpu gives vmm_trap_cpu_ratio, vmm_trap_cpu_speed, ... */
static void report(const char *mode, const char *name, const side *bare, const side *vm)
{
    double tb = bare->best, tv = vm->best;
    const vmm_stats *st = &vm->st;
    printf("vmm_%s_%s_ratio: %.3f x\n", mode, name, tv / tb);
    printf("vmm_%s_%s_speed: %.1f %%\n", mode, name, 100.0 * tb / tv);
    printf("vmm_%s_%s_direct_share: %.2f %%\n", mode, name,
           100.0 * (double)st->direct_insns / (double)st->guest_insns);
    printf("vmm_%s_%s_exits: %" PRIu64 " exits\n", mode, name, st->exits_total);
    printf("vmm_%s_%s_exits_per_kinsn: %.2f exits/kinsn\n", mode, name,
           1000.0 * (double)st->exits_total / (double)st->guest_insns);
    printf("vmm_%s_%s_mips: %.1f MIPS\n", mode, name,
           (double)st->guest_insns / tv / 1e6);
}

/* The modes benchmarked on guestos; pv runs the paravirtual kernel. */
static const struct { vmm_mode mode; const char *name; bool pv; } modes[] = {
    { VMM_MODE_TRAP, "trap", false },
    { VMM_MODE_BT, "bt", false },
    { VMM_MODE_PV, "pv", true },
};

/* Benchmark guestos with one disk: bare, then each mode, alternately. */
static bool bench_scenario(const t32_image *kernel, const t32_image *pv_kernel,
                           const char *name, const char *path, double want)
{
    size_t disklen = 0;
    uint8_t *disk = read_file(path, &disklen);
    if (!disk) {
        fprintf(stderr, "vmmbench: cannot read %s\n", path);
        return false;
    }
    /* Each mode is timed against its own bare runs, taken alternately with
     * it; the bare speed printed is the best of them all. */
    enum { NMODES = sizeof modes / sizeof modes[0] };
    side bare[NMODES] = { { 0 } }, vm[NMODES] = { { 0 } };
    bool ok = true;
    for (size_t i = 0; ok && i < NMODES; i++)
        ok = measure(modes[i].mode, kernel, modes[i].pv ? pv_kernel : kernel, disk, disklen,
                     want, &bare[i], &vm[i]);
    if (ok) {
        double best = bare[0].best;
        for (size_t i = 1; i < NMODES; i++)
            if (bare[i].best < best)
                best = bare[i].best;
        printf("vmm_bare_%s_mips: %.1f MIPS\n", name,
               (double)bare[0].st.guest_insns / best / 1e6);
        for (size_t i = 0; i < NMODES; i++)
            report(modes[i].name, name, &bare[i], &vm[i]);
    }
    free(disk);
    return ok;
}

/* Host nanoseconds per exit of an exit loop under `mode`: (VM time - bare
 * time) / exits - the cost the VMM adds to each. */
static bool exit_cost(vmm_mode mode, bool pushf, double want, double *ns, double *rate)
{
    t32_image img;
    side bare = { 0 }, vm = { 0 };
    exit_loop_image(&img, pushf);
    bool ok = measure(mode, &img, &img, NULL, 0, want, &bare, &vm);
    t32_image_free(&img);
    if (!ok || vm.st.exits_total == 0)
        return false;
    *ns = 1e9 * (vm.best - bare.best) / (double)vm.st.exits_total;
    *rate = (double)vm.st.exits_total / vm.best;
    return true;
}

static bool bench_small_guests(double want)
{
    t32_image compute;
    side cbare = { 0 }, ctrap = { 0 };
    compute_image(&compute);
    bool ok = measure(VMM_MODE_TRAP, &compute, &compute, NULL, 0, want / 2, &cbare, &ctrap);
    t32_image_free(&compute);
    if (!ok)
        return false;
    printf("vmm_trap_compute_ratio: %.3f x\n", ctrap.best / cbare.best);

    double priv_ns, priv_rate, patch_ns, patch_rate;
    if (!exit_cost(VMM_MODE_TRAP, false, want / 2, &priv_ns, &priv_rate) ||
        !exit_cost(VMM_MODE_BT, true, want / 2, &patch_ns, &patch_rate))
        return false;
    printf("vmm_trap_exit_rate: %.1f Mexits/s\n", priv_rate / 1e6);
    printf("vmm_trap_priv_exit_ns: %.1f ns\n", priv_ns);
    printf("vmm_bt_patch_exit_ns: %.1f ns\n", patch_ns);
    return true;
}

int main(int argc, char **argv)
{
    if (argc < 5 || argc % 2 != 1) {
        fprintf(stderr, "usage: vmmbench KERNEL.img PV-KERNEL.img NAME DISK [NAME DISK]...\n");
        return 2;
    }
    t32_image kernel, pv_kernel;
    char err[256];
    if (!t32_image_read(argv[1], &kernel, err, sizeof err) ||
        !t32_image_read(argv[2], &pv_kernel, err, sizeof err)) {
        fprintf(stderr, "vmmbench: %s\n", err);
        return 1;
    }
    const char *env = getenv("BENCH_SECONDS");
    double want = env ? atof(env) : 1.0;
    for (int i = 3; i < argc; i += 2)
        if (!bench_scenario(&kernel, &pv_kernel, argv[i], argv[i + 1], want))
            return 1;
    t32_image_free(&kernel);
    t32_image_free(&pv_kernel);
    bool ok = bench_small_guests(want);
    return t32_out_stdout_flushed("vmmbench") && ok ? 0 : 1;   /* figures lost are a failure */
}
