/*
 * trapeze.c - the `trapeze` command: run a T32 program on bare T32 or in
 * virtual machines under the trap-and-emulate VMM.
 *
 *   trapeze run --bare IMAGE [--disk FILE]
 *   trapeze run --mode trap IMAGE [--disk FILE] [--stats]
 *   trapeze run --mode trap --vm A.img,disk=a.disk --vm B.img
 *
 * This file is only the command line: it parses options, loads images and
 * disks, hands the work to vmm_bare_run() (bare.c) or vmm_sched_run()
 * (sched.c), and turns the outcome into messages and an exit status.
 *
 * Exit status (also in `trapeze run --help` and vmm/README.md):
 *   0  every guest halted             3  instruction limit (--max-insns) hit
 *   1  a file could not be used       4  a trap escaped (kernel mode, tvec 0)
 *   2  bad command line               5  a guest waits for an interrupt that
 *                                         can never come (wfi, nothing armed)
 *                                      6  the VMM ran out of its own memory
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/vmm.h"

enum {
    STATUS_HALT = 0,
    STATUS_ERROR = 1,
    STATUS_USAGE = 2,
    STATUS_LIMIT = 3,
    STATUS_ESCAPE = 4,
    STATUS_IDLE = 5,
    STATUS_NO_MEMORY = 6
};

/* One guest to run: what --vm (or the positional IMAGE) describes. */
typedef struct vm_spec {
    const char *image;
    const char *disk;      /* NULL: no disk */
    const char *console;   /* NULL: stdout (prefixed when several VMs) */
    const char *input;     /* NULL: stdin for the first VM, none for others */
} vm_spec;

/* Everything `trapeze run` was asked to do. */
typedef struct run_options {
    vmm_mode    mode;
    vm_spec     vms[VMM_MAX_VMS];
    int         nvms;
    vm_spec     positional;  /* --disk, --console, --input: for the positional IMAGE */
    uint32_t    mem;         /* bytes of (guest-)physical memory */
    uint64_t    max_insns;   /* 0 = no limit */
    uint32_t    quantum;
    bool        stats;
    const char *stats_json;
    const char *trace;       /* --trace FILE ("-": stderr) */
} run_options;

/* ---- messages ---------------------------------------------------------------- */

static const char run_help[] =
    "usage: trapeze run [OPTIONS] IMAGE\n"
    "       trapeze run --mode trap [OPTIONS] --vm IMAGE[,disk=F][,console=F][,input=F] ...\n"
    "\n"
    "Run a T32 image on bare T32 or in a virtual machine.\n"
    "\n"
    "options:\n"
    "  --bare               same as --mode bare\n"
    "  --mode MODE          bare (no VMM; the default) or trap (trap-and-emulate VMM)\n"
    "  --disk FILE          attach a disk image (written through) to IMAGE's machine\n"
    "  --console FILE       IMAGE's console output goes to FILE instead of stdout\n"
    "  --input FILE         IMAGE's console input comes from FILE instead of stdin\n"
    "  --mem SIZE           RAM per machine or VM: bytes, or with K/M suffix\n"
    "                       (default 16M; a multiple of 4K, at most 256M)\n"
    "  --max-insns N        stop after N (virtual) cycles per guest (default: no limit)\n"
    "  --vm SPEC            add a VM (--mode trap; repeat for several, up to 8):\n"
    "                       IMAGE[,disk=FILE][,console=FILE][,input=FILE].  Without\n"
    "                       console=, output goes to stdout, each line prefixed\n"
    "                       [vmN] when there are several VMs; only the first VM\n"
    "                       reads stdin unless given input=\n"
    "  --quantum N          virtual cycles per VM per turn (default 10000)\n"
    "  --stats              print exit statistics to stderr at the end\n"
    "  --stats-json FILE    write the statistics as JSON\n"
    "  --trace FILE         (--mode trap) write a line per exit the VMM handles and\n"
    "                       per interrupt it injects: emulate, reflect, hidden\n"
    "                       (page fault), inject; FILE - is stderr\n"
    "  -h, --help           show this help\n"
    "\n"
    "exit status:\n"
    "  0  every guest halted\n"
    "  1  a file could not be read or written\n"
    "  2  bad command line\n"
    "  3  the instruction limit (--max-insns) was reached\n"
    "  4  a trap escaped: taken in kernel mode while tvec = 0 (it would loop at\n"
    "     address 0 forever); cause, pc and symbol are printed\n"
    "  5  a guest executed wfi with no timer or disk transfer that could ever\n"
    "     wake it\n"
    "  6  the VMM ran out of its own memory (for shadow page tables)\n";

static const char main_help[] =
    "usage: trapeze COMMAND [OPTIONS]\n"
    "\n"
    "Trapeze is a teaching virtual machine monitor for the T32 instruction set.\n"
    "\n"
    "commands:\n"
    "  run      run an image on bare T32 or under the trap-and-emulate VMM\n"
    "\n"
    "`trapeze COMMAND --help` describes a command.\n";

static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "trapeze%s%s: error: ", cmd ? " " : "", cmd ? cmd : "");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'trapeze%s%s --help'.\n", cmd ? " " : "", cmd ? cmd : "");
    return STATUS_USAGE;
}

/* ---- parsing values ----------------------------------------------------------
 *
 * The command line is untrusted input like any other: every number is
 * checked for syntax and range here, and every mistake becomes a message
 * and exit status 2 (usage_error), never a crash or a silent default.
 */

/* A decimal number with an optional K or M suffix (powers of two). */
static bool parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return false;
    unsigned long long n = strtoull(s, &end, 10);
    if (errno)
        return false;
    if (*end == 'K' || *end == 'k')
        n <<= 10, end++;
    else if (*end == 'M' || *end == 'm')
        n <<= 20, end++;
    if (*end != '\0' || n > UINT32_MAX)
        return false;
    *out = n;
    return true;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return false;
    *out = strtoull(s, &end, 10);
    return errno == 0 && *end == '\0';
}

/* The value of option `name` at argv[*i]: "--name=VALUE" or "--name VALUE".
 * Returns NULL if argv[*i] is not this option; sets *missing if it is but
 * has no value. */
static char *opt_value(int argc, char **argv, int *i, const char *name,
                       bool *missing)
{
    size_t n = strlen(name);
    char *a = argv[*i];
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

/* Split "IMAGE,disk=F,console=F,input=F" (modified in place). */
static bool parse_vm_spec(char *text, vm_spec *vm, const char **bad)
{
    memset(vm, 0, sizeof *vm);
    vm->image = strtok(text, ",");
    if (!vm->image)
        return *bad = "", false;
    for (char *kv = strtok(NULL, ","); kv; kv = strtok(NULL, ",")) {
        if (strncmp(kv, "disk=", 5) == 0)
            vm->disk = kv + 5;
        else if (strncmp(kv, "console=", 8) == 0)
            vm->console = kv + 8;
        else if (strncmp(kv, "input=", 6) == 0)
            vm->input = kv + 6;
        else
            return *bad = kv, false;
    }
    return true;
}

/* ---- parsing the command line ------------------------------------------------- */

static int parse_mode(const char *s, run_options *o)
{
    if (strcmp(s, "bare") == 0)
        o->mode = VMM_MODE_BARE;
    else if (strcmp(s, "trap") == 0)
        o->mode = VMM_MODE_TRAP;
    else
        return usage_error("run", "unknown mode '%s' (modes: bare, trap)", s);
    return 0;
}

static int add_vm(char *spec, run_options *o)
{
    const char *bad;
    if (o->nvms == VMM_MAX_VMS)
        return usage_error("run", "too many VMs (at most %s)", "8");
    if (!parse_vm_spec(spec, &o->vms[o->nvms], &bad))
        return usage_error("run", "bad --vm setting '%s' (expected IMAGE[,disk=F]"
                           "[,console=F][,input=F])", bad);
    o->nvms++;
    return 0;
}

static int parse_number_option(const char *name, const char *val, run_options *o)
{
    uint64_t n;
    if (strcmp(name, "--mem") == 0) {
        if (!parse_size(val, &n) || n == 0 || n % T32_PAGE_SIZE != 0 || n > (256u << 20))
            return usage_error("run", "bad --mem '%s' (a multiple of 4K, at most 256M)", val);
        o->mem = (uint32_t)n;
    } else if (strcmp(name, "--max-insns") == 0) {
        if (!parse_u64(val, &n) || n == 0)
            return usage_error("run", "bad --max-insns '%s' (a positive number)", val);
        o->max_insns = n;
    } else {
        if (!parse_u64(val, &n) || n == 0 || n > UINT32_MAX)
            return usage_error("run", "bad --quantum '%s' (a positive number)", val);
        o->quantum = (uint32_t)n;
    }
    return 0;
}

/* The options that take a value. */
typedef enum valued_option {
    OPT_MODE, OPT_DISK, OPT_CONSOLE, OPT_INPUT, OPT_MEM, OPT_MAX_INSNS, OPT_QUANTUM,
    OPT_VM, OPT_STATS_JSON, OPT_TRACE
} valued_option;

static const struct {
    const char   *name;
    valued_option opt;
} valued_options[] = {
    { "--mode", OPT_MODE },         { "--disk", OPT_DISK },
    { "--console", OPT_CONSOLE },   { "--input", OPT_INPUT },
    { "--mem", OPT_MEM },           { "--max-insns", OPT_MAX_INSNS },
    { "--quantum", OPT_QUANTUM },   { "--vm", OPT_VM },
    { "--stats-json", OPT_STATS_JSON }, { "--trace", OPT_TRACE },
};

static int apply_option(valued_option opt, const char *name, char *val, run_options *o)
{
    switch (opt) {
    case OPT_MODE:       return parse_mode(val, o);
    case OPT_DISK:       o->positional.disk = val; return 0;
    case OPT_CONSOLE:    o->positional.console = val; return 0;
    case OPT_INPUT:      o->positional.input = val; return 0;
    case OPT_VM:         return add_vm(val, o);
    case OPT_STATS_JSON: o->stats_json = val; return 0;
    case OPT_TRACE:      o->trace = val; return 0;
    case OPT_MEM:
    case OPT_MAX_INSNS:
    case OPT_QUANTUM:    return parse_number_option(name, val, o);
    }
    return 0;
}

/* One option at argv[*i] that takes a value.  Returns -1 if argv[*i] is
 * none of them, else 0 or an exit status. */
static int parse_valued_option(int argc, char **argv, int *i, run_options *o)
{
    for (size_t k = 0; k < sizeof valued_options / sizeof valued_options[0]; k++) {
        const char *name = valued_options[k].name;
        bool missing = false;
        char *val = opt_value(argc, argv, i, name, &missing);
        if (missing)
            return usage_error("run", "option '%s' needs a value", name);
        if (val)
            return apply_option(valued_options[k].opt, name, val, o);
    }
    return -1;
}

/* Two VMs writing through to one disk image would corrupt it: each keeps
 * its own copy in memory.  Same file = same device and inode. */
static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0)
        return strcmp(a, b) == 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int check_shared_disks(const run_options *o)
{
    for (int i = 0; i < o->nvms; i++)
        for (int j = i + 1; j < o->nvms; j++)
            if (o->vms[i].disk && o->vms[j].disk && same_file(o->vms[i].disk, o->vms[j].disk))
                return usage_error("run", "two VMs cannot share the disk image '%s'",
                                   o->vms[j].disk);
    return 0;
}

/* Check the combination of options once all are read. */
static int check_options(const char *image, run_options *o)
{
    if (image) {
        if (o->nvms == VMM_MAX_VMS)
            return usage_error("run", "too many VMs (at most %s)", "8");
        memmove(&o->vms[1], &o->vms[0], sizeof o->vms[0] * (size_t)o->nvms);
        o->vms[0] = o->positional;
        o->vms[0].image = image;
        o->nvms++;
    } else if (o->positional.disk || o->positional.console || o->positional.input) {
        return usage_error("run", "--disk, --console and --input go with a positional "
                           "IMAGE; with --vm, write IMAGE,disk=F,console=F,input=F%s", "");
    }
    if (o->nvms == 0)
        return usage_error("run", "no image to run%s", "");
    if (o->mode == VMM_MODE_BARE && o->nvms > 1)
        return usage_error("run", "several VMs need --mode trap%s", "");
    if (o->mode == VMM_MODE_BARE && o->trace)
        return usage_error("run", "--trace shows the VMM's work: it needs --mode trap%s", "");
    return check_shared_disks(o);
}

static int parse_run_args(int argc, char **argv, run_options *o)
{
    const char *image = NULL;
    *o = (run_options){ .mode = VMM_MODE_BARE, .mem = T32_DEFAULT_MEM,
                        .quantum = VMM_DEFAULT_QUANTUM };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int rc = parse_valued_option(argc, argv, &i, o);
        if (rc >= 0) {
            if (rc != 0)
                return rc;
        } else if (strcmp(a, "--bare") == 0) {
            o->mode = VMM_MODE_BARE;
        } else if (strcmp(a, "--stats") == 0) {
            o->stats = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            return usage_error("run", "unknown option '%s'", a);
        } else if (image) {
            return usage_error("run", "more than one IMAGE ('%s'); use --vm for several", a);
        } else {
            image = a;
        }
    }
    return check_options(image, o);
}

/* ---- attaching files to a guest --------------------------------------------------
 *
 * A guest's devices are backed by host files: the disk by an image file
 * (read into memory and written through, see isa/disk.c), the console by
 * stdout/stdin or by files.  The same function serves the bare machine's
 * devices and a VM's virtual ones - they are the same device code.
 */

/* Host files opened for the guests, closed at the end. */
typedef struct host_files {
    FILE *out[VMM_MAX_VMS];
    int   in[VMM_MAX_VMS];
    FILE *trace;          /* --trace FILE, if it is a file we opened */
} host_files;

static int file_error(const char *path, const char *msg)
{
    fprintf(stderr, "%s: error: %s\n", path, msg);
    return STATUS_ERROR;
}

/* Give guest number `i` (of `n`) its disk and console, as `spec` says.
 * Returns 0 or an exit status. */
static int attach_files(const vm_spec *spec, int i, int n, t32_console *con,
                        t32_disk *disk, host_files *files)
{
    const char *err = NULL;
    if (spec->disk && !t32_disk_open(disk, spec->disk, &err))
        return file_error(spec->disk, err ? err : "cannot use this disk image");
    if (spec->console) {
        files->out[i] = fopen(spec->console, "w");
        if (!files->out[i])
            return file_error(spec->console, strerror(errno));
        con->out = files->out[i];
    } else if (n > 1) {
        con->out = NULL;   /* collected, then printed with a [vmN] prefix */
    }
    if (spec->input) {
        files->in[i] = open(spec->input, O_RDONLY);
        if (files->in[i] < 0)
            return file_error(spec->input, strerror(errno));
        con->in_fd = files->in[i];
    } else if (i > 0) {
        t32_console_set_input(con, NULL, 0);   /* only the first VM reads stdin */
    }
    return 0;
}

static void close_files(host_files *files)
{
    if (files->trace)
        fclose(files->trace);
    for (int i = 0; i < VMM_MAX_VMS; i++) {
        if (files->out[i])
            fclose(files->out[i]);
        if (files->in[i] >= 0)
            close(files->in[i]);
    }
}

/* ---- reporting how a guest ended ------------------------------------------------
 *
 * A halt is the normal end and prints nothing (so a guest's transcript on
 * stdout is all there is).  Every other end gets one GCC-style line on
 * stderr that says where the guest was, with the symbol from its image.
 */

/* "0x00001010 <main+0x10>", with the symbol when the image has one. */
static void describe_pc(char *buf, size_t len, const t32_image *img, uint32_t pc)
{
    uint32_t off = 0;
    const char *sym = img ? t32_image_symbolize(img, pc, &off) : NULL;
    if (sym && off)
        snprintf(buf, len, "0x%08" PRIx32 " <%s+0x%" PRIx32 ">", pc, sym, off);
    else if (sym)
        snprintf(buf, len, "0x%08" PRIx32 " <%s>", pc, sym);
    else
        snprintf(buf, len, "0x%08" PRIx32, pc);
}

static bool cause_has_badvaddr(t32_cause c)
{
    return c >= T32_CAUSE_MISALIGNED && c <= T32_CAUSE_BUS_ERROR;
}

/* Print why a guest stopped (nothing for a halt) and return its status.
 * `who` is "" or "vmN: ". */
static int report(const char *who, const t32_image *img, const vmm_outcome *out)
{
    char where[512];
    describe_pc(where, sizeof where, img, out->pc);
    switch (out->end) {
    case VMM_RUNNING:
    case VMM_END_HALT:
        return STATUS_HALT;
    case VMM_END_LIMIT:
        fprintf(stderr, "trapeze: %sinstruction limit reached after %" PRIu64
                " cycles, at pc %s\n", who, out->cycles, where);
        return STATUS_LIMIT;
    case VMM_END_ESCAPE:
        fprintf(stderr, "trapeze: %sunhandled trap: %s taken in kernel mode with "
                "tvec = 0, at pc %s", who, t32_cause_name(out->trap.cause), where);
        if (cause_has_badvaddr(out->trap.cause))
            fprintf(stderr, " (badvaddr 0x%08" PRIx32 ")", out->trap.badvaddr);
        fprintf(stderr, "\n");
        return STATUS_ESCAPE;
    case VMM_END_IDLE:
        fprintf(stderr, "trapeze: %swfi with no timer or disk transfer that could "
                "wake it, at pc %s\n", who, where);
        return STATUS_IDLE;
    case VMM_END_NO_MEMORY:
        fprintf(stderr, "trapeze: %sthe VMM ran out of memory for shadow page "
                "tables, at pc %s\n", who, where);
        return STATUS_NO_MEMORY;
    }
    return STATUS_ERROR;
}

/* --stats and --stats-json, for `n` guests. */
static int write_stats(const run_options *o, const vmm_stats *const *st, int n)
{
    if (o->stats) {
        vmm_stats total = { 0 };
        for (int i = 0; i < n; i++) {
            char title[32];
            snprintf(title, sizeof title, "vm%d", i);
            if (n > 1)
                vmm_stats_print(stderr, title, o->mode, st[i]);
            vmm_stats_add(&total, st[i]);
        }
        vmm_stats_print(stderr, n > 1 ? "all VMs" : "trapeze statistics", o->mode, &total);
    }
    if (o->stats_json && !vmm_stats_write_json(o->stats_json, o->mode, st, n))
        return file_error(o->stats_json, "cannot write the statistics");
    return 0;
}

static bool read_image(const char *path, t32_image *img)
{
    char err[256];
    if (t32_image_read(path, img, err, sizeof err))
        return true;
    file_error(path, err);
    return false;
}

/* ---- running -------------------------------------------------------------------
 *
 * --mode bare needs no VMM: a T32 machine with the guest's RAM, the image
 * loaded at its physical addresses, CPU 0 at the entry point (bare.c runs
 * it).  --mode trap builds the VMM (vm.c), one VM per --vm, and lets the
 * scheduler (sched.c) run them.
 */

static int run_bare(const run_options *o)
{
    t32_image img;
    char err[256];
    host_files files = { .in = { -1, -1, -1, -1, -1, -1, -1, -1 } };
    if (!read_image(o->vms[0].image, &img))
        return STATUS_ERROR;
    t32_machine *m = t32_machine_new(o->mem, 1);
    if (!m) {
        t32_image_free(&img);
        return file_error("trapeze", "out of memory for the machine's RAM");
    }
    int status = STATUS_ERROR;
    if (!t32_image_load(&img, m->mem, m->memsize, err, sizeof err)) {
        file_error(o->vms[0].image, err);
    } else if ((status = attach_files(&o->vms[0], 0, 1, &m->console, &m->disk,
                                      &files)) == 0) {
        vmm_stats st = { 0 };
        const vmm_stats *stp = &st;
        m->cpu[0].pc = img.entry;
        vmm_outcome out = vmm_bare_run(m, o->max_insns, &st);
        fflush(m->console.out);
        status = report("", &img, &out);
        int srt = write_stats(o, &stp, 1);
        status = status ? status : srt;
    }
    t32_machine_free(m);
    close_files(&files);
    t32_image_free(&img);
    return status;
}

/* --trace: stderr for "-", else a file (closed at the end). */
static int open_trace(const run_options *o, host_files *files, FILE **trace)
{
    *trace = NULL;
    if (!o->trace)
        return 0;
    if (strcmp(o->trace, "-") == 0) {
        *trace = stderr;
        return 0;
    }
    files->trace = *trace = fopen(o->trace, "w");
    return *trace ? 0 : file_error(o->trace, strerror(errno));
}

/* Set up every VM of `v` from the options. Returns 0 or an exit status. */
static int setup_vms(vmm *v, const run_options *o, t32_image *imgs, host_files *files)
{
    static char prefixes[VMM_MAX_VMS][32];
    char err[256];
    FILE *trace;
    int trc = open_trace(o, files, &trace);
    if (trc)
        return trc;
    for (int i = 0; i < o->nvms; i++) {
        vmm_vm *vm = v->vms[i];
        if (!vmm_vm_load(vm, &imgs[i], err, sizeof err))
            return file_error(o->vms[i].image, err);
        int rc = attach_files(&o->vms[i], i, o->nvms, &vm->con, &vm->disk, files);
        if (rc)
            return rc;
        vm->limit = o->max_insns;
        vm->trace = trace;
        if (o->nvms > 1 && !o->vms[i].console) {
            snprintf(prefixes[i], sizeof prefixes[i], "[vm%d] ", i);
            vm->prefix = prefixes[i];
            vm->prefix_out = stdout;
        }
    }
    return 0;
}

/* Run the VMs and report on each; the status is the first VM's that did
 * not halt. */
static int run_vms(vmm *v, const run_options *o, const t32_image *imgs)
{
    const vmm_stats *st[VMM_MAX_VMS];
    int status = STATUS_HALT;
    vmm_sched_run(v);
    fflush(stdout);
    for (int i = 0; i < v->nvms; i++) {
        char who[32] = "";
        if (v->nvms > 1)
            snprintf(who, sizeof who, "vm%d: ", i);
        int rc = report(who, &imgs[i], &v->vms[i]->outcome);
        status = status ? status : rc;
        st[i] = &v->vms[i]->stats;
    }
    int srt = write_stats(o, st, v->nvms);
    return status ? status : srt;
}

static int run_trap(const run_options *o)
{
    t32_image imgs[VMM_MAX_VMS];
    host_files files = { .in = { -1, -1, -1, -1, -1, -1, -1, -1 } };
    char err[256];
    int nread = 0, status = STATUS_ERROR;
    while (nread < o->nvms && read_image(o->vms[nread].image, &imgs[nread]))
        nread++;
    if (nread == o->nvms) {
        vmm *v = vmm_new(o->mode, o->nvms, o->mem, err, sizeof err);
        if (!v) {
            file_error("trapeze", err);
        } else {
            v->quantum = o->quantum;
            status = setup_vms(v, o, imgs, &files);
            if (status == 0)
                status = run_vms(v, o, imgs);
            vmm_free(v);
        }
    }
    close_files(&files);
    for (int i = 0; i < nread; i++)
        t32_image_free(&imgs[i]);
    return status;
}

static int cmd_run(int argc, char **argv)
{
    run_options o;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(run_help, stdout);
            return 0;
        }
    }
    int rc = parse_run_args(argc, argv, &o);
    if (rc)
        return rc;
    return o.mode == VMM_MODE_BARE ? run_bare(&o) : run_trap(&o);
}

/* ---- the commands ------------------------------------------------------------------
 *
 * `trapeze COMMAND ...`: each command is a function taking its own argv
 * (argv[0] = the command's name) and returning the exit status.
 */

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
} commands[] = {
    { "run", cmd_run },
};

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error(NULL, "no command given%s", "");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(main_help, stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    return usage_error(NULL, "unknown command '%s'", argv[1]);
}
