/*
 * options.c - the run options, shared by every command that runs guests.
 *
 * The command line is untrusted input like any other: every number is
 * checked for syntax, overflow and range here, and every mistake becomes a
 * message and exit status 2 (session_usage_error), never a crash, a
 * wrapped value or a silent default.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "outfile.h"
#include "vmm/modes/mode.h"
#include "vmm/session/session.h"

const char session_options_help[] =
    "  --bare               same as --mode bare\n"
    "  --mode MODE          (one mode: --bare --mode trap is an error)\n"
    "                       bare: no VMM, the guest is the kernel (the default with\n"
    "                       one guest); trap: trap-and-emulate (the default with\n"
    "                       several guests or --vcpus 2 or more); bt: binary\n"
    "                       translation, kernel pushf/popf patched; pv:\n"
    "                       paravirtual, the guest calls hcall (guestos's\n"
    "                       kernel-pv.img); emulate: the VMM interprets every\n"
    "                       instruction, none runs directly\n"
    "  --disk FILE          attach a disk image (written through) to IMAGE's machine\n"
    "                       (a whole number of 512-byte sectors, at most 64 MiB)\n"
    "  --console FILE       IMAGE's console output goes to FILE instead of stdout\n"
    "  --input FILE         IMAGE's console input comes from FILE instead of stdin\n"
    "                       (a file: '-' is refused; ./- names a file called -)\n"
    "  --mem SIZE           RAM per machine or VM: bytes, or with K/M suffix\n"
    "                       (default 16M; a multiple of 4K, at most 256M); all VMs\n"
    "                       together, with 4M of the VMM's own per VM, must fit in\n"
    "                       the machine's 1 GiB\n"
    "  --max-insns N        stop after N (virtual) cycles per guest, and in a VM\n"
    "                       per vCPU: each runs N (default: no limit; on a\n"
    "                       terminal, a run still going after 10 s -\n"
    "                       $TRAPEZE_HINT_SECONDS - says so)\n"
    "  --vm SPEC            add a VM (repeat for several, up to 8, as many as fit\n"
    "                       in 1 GiB - see --mem):\n"
    "                       IMAGE[,disk=FILE][,console=FILE][,input=FILE] (names\n"
    "                       without commas: a comma starts the next setting); a\n"
    "                       positional IMAGE as well is vm0.  Without\n"
    "                       console=, output goes to stdout, each line prefixed\n"
    "                       [vmN] when there are several VMs; only the first VM\n"
    "                       reads stdin unless given input=\n"
    "  --vcpus N            vCPUs per VM (1..8; default 1); all start at the entry,\n"
    "                       each reads its own number from the cpuid register\n"
    "  --quantum N          virtual cycles per vCPU per turn (default 10000); for\n"
    "                       VMs: an error in a bare run (--bare, or one guest\n"
    "                       with no --mode)\n"
    "  --stats              print statistics to stderr at the end\n"
    "  --stats-json FILE    write the statistics as JSON (FILE - is stdout)\n"
    "  --trace FILE         a line per VMM decision: emulate, reflect, hidden (page\n"
    "                       fault), inject, mode (a --switch-mode); bt's scan,\n"
    "                       patch, patched (a patch exit), unpatch; pv's hcall -\n"
    "                       or, on bare T32, per trap taken; with virtual K and\n"
    "                       IE (FILE - is stdout).  Each line names its VM (vm0),\n"
    "                       with several vCPUs its vCPU too (vm0.1), and that\n"
    "                       vCPU's own virtual cycle\n"
    "  --trace-insns FILE   a line per guest instruction, disassembled, with the\n"
    "                       guest's (virtual) K and IE (FILE - is stdout), named\n"
    "                       as in --trace\n"
    "                       When --stats-json, --trace or --trace-insns writes to\n"
    "                       stdout (FILE -), the guest console goes to stderr\n"
    "                       instead (unless --console or console= names a file)\n"
    "  --switch-mode CYCLES:MODE\n"
    "                       switch every VM to MODE when its virtual time reaches\n"
    "                       CYCLES, at that exact instruction boundary, without\n"
    "                       losing progress (repeatable, at most 16, in time\n"
    "                       order: trap -> bt -> trap ...; several at one cycle\n"
    "                       are made one after the other, with no instruction\n"
    "                       between them);\n"
    "                       with several vCPUs each pauses there, which ends that\n"
    "                       round's turns early, as a shorter --quantum would\n"
    "  --                   the end of the options: what follows is the IMAGE\n";

int session_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "trapeze%s%s: error: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'trapeze%s%s --help'.\n", cmd ? " " : "", cmd ? cmd : "");
    return SESSION_USAGE;
}

bool session_asks_help(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

int session_check_stdout(const char *cmd)
{
    const char *why;
    if (t32_out_flush_stdout(&why))
        return 0;
    fprintf(stderr, "trapeze%s%s: error: writing standard output failed%s%s\n",
            cmd ? " " : "", cmd ? cmd : "", *why ? ": " : "", why);
    return SESSION_ERROR;
}

/* ---- numbers ----------------------------------------------------------------- */

/* A decimal number that fits in 64 bits: digits only, no sign, no wrap. */
bool session_parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    unsigned long long n = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = n;
    return true;
}

/* A size: a decimal number with an optional K or M suffix (powers of two),
 * at most `max` bytes.  The suffix is applied only if the result fits. */
bool session_parse_size(const char *s, uint64_t max, uint64_t *out)
{
    char digits[32];
    size_t len = strlen(s);
    unsigned shift = 0;
    if (len > 0 && (s[len - 1] == 'K' || s[len - 1] == 'k'))
        shift = 10;
    else if (len > 0 && (s[len - 1] == 'M' || s[len - 1] == 'm'))
        shift = 20;
    if (shift)
        len--;
    if (len == 0 || len >= sizeof digits)
        return false;
    memcpy(digits, s, len);
    digits[len] = '\0';
    uint64_t n;
    if (!session_parse_u64(digits, &n) || n > (max >> shift))
        return false;
    *out = n << shift;
    return true;
}

/* ---- one option --------------------------------------------------------------- */

/* The value of option `name` at argv[*i]: "--name=VALUE" or "--name VALUE".
 * Returns NULL if argv[*i] is not this option; sets *missing if it is but
 * has no value. */
static char *opt_value(int argc, char **argv, int *i, const char *name, bool *missing)
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

/* The next comma-separated field of *text (cut off in place), or NULL at
 * the end.  Empty fields are returned as "", not skipped as strtok would:
 * ",disk=F" must not make "disk=F" the image. */
static char *next_field(char **text)
{
    char *field = *text;
    if (!field)
        return NULL;
    char *comma = strchr(field, ',');
    if (comma)
        *comma = '\0';
    *text = comma ? comma + 1 : NULL;
    return field;
}

/* Standard input is not a file an option can name: it has its own users
 * (run's first guest when given no input file, the debugger's commands
 * under --batch), and a second reader would take bytes from them at
 * random.  "-" as an input would otherwise open a file called "-". */
#define STDIN_NOT_NAMED "standard input cannot be named as an input; a file called '-' is ./-"

/* Split "IMAGE,disk=F,console=F,input=F" (modified in place).  On a
 * mistake: *bad is the field, *why what is wrong with it. */
static bool parse_guest_spec(char *text, session_guest *g, const char **bad, const char **why)
{
    memset(g, 0, sizeof *g);
    *why = "expected IMAGE[,disk=F][,console=F][,input=F]; a comma always starts the next "
           "setting, so these file names cannot hold one";
    g->image = next_field(&text);
    if (g->image[0] == '\0')
        return *bad = g->image, *why = "the IMAGE is empty", false;
    for (char *kv = next_field(&text); kv; kv = next_field(&text)) {
        const char **slot = strncmp(kv, "disk=", 5) == 0 ? &g->disk
                          : strncmp(kv, "console=", 8) == 0 ? &g->console
                          : strncmp(kv, "input=", 6) == 0 ? &g->input : NULL;
        if (!slot && kv[0] == '\0')
            return *bad = kv, *why = "an empty setting: a comma with nothing after it", false;
        if (!slot && strchr(kv, '=') && !strchr(kv, '/'))
            return *bad = kv, *why = "unknown setting: a VM takes disk=, console= and input=",
                   false;
        if (!slot)
            return *bad = kv, false;      /* a file name with a comma, most likely */
        /* Two disks for one VM is a slip, not a choice: say so rather
         * than let the last one quietly win. */
        if (*slot)
            return *bad = kv, *why = "given twice for this VM", false;
        *slot = strchr(kv, '=') + 1;
        if (**slot == '\0')
            return *bad = kv, *why = "an empty file name", false;
        if (slot == &g->input && strcmp(*slot, "-") == 0)
            return *bad = kv, *why = STDIN_NOT_NAMED, false;
    }
    return true;
}

/* The options that take a value. */
typedef enum valued_option {
    OPT_MODE, OPT_DISK, OPT_CONSOLE, OPT_INPUT, OPT_MEM, OPT_MAX_INSNS, OPT_QUANTUM,
    OPT_VCPUS, OPT_VM, OPT_STATS_JSON, OPT_TRACE, OPT_TRACE_INSNS, OPT_SWITCH_MODE
} valued_option;

static const struct {
    const char   *name;
    valued_option opt;
} valued_options[] = {
    { "--mode", OPT_MODE },             { "--disk", OPT_DISK },
    { "--console", OPT_CONSOLE },       { "--input", OPT_INPUT },
    { "--mem", OPT_MEM },               { "--max-insns", OPT_MAX_INSNS },
    { "--quantum", OPT_QUANTUM },       { "--vcpus", OPT_VCPUS },
    { "--vm", OPT_VM },                 { "--stats-json", OPT_STATS_JSON },
    { "--trace-insns", OPT_TRACE_INSNS }, { "--trace", OPT_TRACE },
    { "--switch-mode", OPT_SWITCH_MODE },
};

typedef struct parser {
    session_options *o;
    const char      *cmd;
    char             mode_opt[40];   /* how the mode was given: "--mode trap" */
    bool             quantum_given;
    unsigned         given;          /* bit per valued_option seen */
} parser;

/* One mode for the run.  A second one that differs (--bare --mode trap)
 * contradicts the first: refused, not "the last one wins", which would
 * silently run a mode the user may not have meant. */
static int set_mode(parser *p, const char *s, const char *opt)
{
    session_options *o = p->o;
    int mode = mode_lookup(s);
    if (mode < 0)
        return session_usage_error(p->cmd, "unknown mode '%s' (modes: %s)", s, mode_names());
    if (o->mode_given && o->mode != (vmm_mode)mode)
        return session_usage_error(p->cmd, "%s contradicts %s: a run starts in one mode "
                                   "(--switch-mode changes it as it runs)", opt, p->mode_opt);
    o->mode = (vmm_mode)mode;
    o->mode_given = true;
    snprintf(p->mode_opt, sizeof p->mode_opt, "%s", opt);
    return 0;
}

static int add_guest(parser *p, char *spec)
{
    const char *bad, *why;
    session_options *o = p->o;
    if (o->nguests == VMM_MAX_VMS)
        return session_usage_error(p->cmd, "too many VMs (at most %d)", VMM_MAX_VMS);
    if (!parse_guest_spec(spec, &o->guests[o->nguests], &bad, &why))
        return session_usage_error(p->cmd, "bad --vm setting '%s' (%s)", bad, why);
    o->nguests++;
    return 0;
}

/* The modes a VM can switch to: those with a VMM (not bare), "trap, bt, ...". */
static const char *vmm_mode_names(void)
{
    static char list[128];
    list[0] = '\0';
    for (int m = 0; m < VMM_NMODES; m++) {
        if (!mode_get((vmm_mode)m))
            continue;
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "",
                 mode_name((vmm_mode)m));
    }
    return list;
}

/* --switch-mode CYCLES:MODE.  The switches are made in the order given,
 * which must be time order; several at one cycle are made one after the
 * other with no instruction between them (pv -> trap -> pv leaves pv and
 * comes back). */
static int add_switch(parser *p, char *val)
{
    session_options *o = p->o;
    char *colon = strchr(val, ':');
    uint64_t at;
    if (!colon)
        return session_usage_error(p->cmd, "bad --switch-mode '%s' (expected CYCLES:MODE)", val);
    *colon = '\0';
    bool ok = session_parse_u64(val, &at);
    *colon = ':';
    int mode = mode_lookup(colon + 1);
    if (!ok)
        return session_usage_error(p->cmd, "bad --switch-mode '%s' (CYCLES is a positive "
                                   "number below 2^64)", val);
    if (mode < 0 || !mode_get((vmm_mode)mode))
        return session_usage_error(p->cmd, "bad --switch-mode '%s' (a VM can switch to: "
                                   "%s)", val, vmm_mode_names());
    /* Virtual time 0 is the start: that is --mode's job, and two ways of
     * saying it would only raise the question which one wins. */
    if (at == 0)
        return session_usage_error(p->cmd, "bad --switch-mode '%s' (CYCLES is a positive "
                                   "number; to start in %s, use --mode %s)", val,
                                   colon + 1, colon + 1);
    if (o->nswitches == SESSION_MAX_SWITCHES)
        return session_usage_error(p->cmd, "too many --switch-mode (at most %d)",
                                   SESSION_MAX_SWITCHES);
    const struct session_switch *last = o->nswitches ? &o->switches[o->nswitches - 1] : NULL;
    if (last && last->at > at)
        return session_usage_error(p->cmd, "--switch-mode '%s' comes after one at cycle %"
                                   PRIu64 ": give the switches in time order", val, last->at);
    o->switches[o->nswitches++] = (struct session_switch){ at, (vmm_mode)mode };
    return 0;
}

static int set_number(parser *p, valued_option opt, const char *name, const char *val)
{
    session_options *o = p->o;
    uint64_t n;
    switch (opt) {
    case OPT_MEM:
        if (!session_parse_size(val, 256u << 20, &n) || n == 0 || n % T32_PAGE_SIZE != 0)
            return session_usage_error(p->cmd, "bad --mem '%s' (a multiple of 4K, at most "
                                       "256M)", val);
        o->mem = (uint32_t)n;
        return 0;
    case OPT_VCPUS:
        if (!session_parse_u64(val, &n) || n == 0 || n > VMM_MAX_VCPUS)
            return session_usage_error(p->cmd, "bad --vcpus '%s' (1 to %d)", val,
                                       VMM_MAX_VCPUS);
        o->vcpus = (int)n;
        return 0;
    case OPT_MAX_INSNS:
        if (!session_parse_u64(val, &n) || n == 0)
            return session_usage_error(p->cmd, "bad --max-insns '%s' (a positive number "
                                       "below 2^64)", val);
        o->max_insns = n;
        return 0;
    default:
        if (!session_parse_u64(val, &n) || n == 0 || n > UINT32_MAX)
            return session_usage_error(p->cmd, "bad %s '%s' (1 to %u)", name, val,
                                       (unsigned)UINT32_MAX);
        o->quantum = (uint32_t)n;
        p->quantum_given = true;
        return 0;
    }
}

static int apply_option(parser *p, valued_option opt, const char *name, char *val)
{
    session_options *o = p->o;
    bool file = opt == OPT_DISK || opt == OPT_CONSOLE || opt == OPT_INPUT ||
                opt == OPT_STATS_JSON || opt == OPT_TRACE || opt == OPT_TRACE_INSNS;
    if (file && val[0] == '\0')
        return session_usage_error(p->cmd, "option '%s' needs a file name, not an empty "
                                   "one", name);
    if (opt == OPT_INPUT && strcmp(val, "-") == 0)
        return session_usage_error(p->cmd, "bad --input '-' (%s)", STDIN_NOT_NAMED);
    /* One value each: a second is a slip (an edited command line, a
     * default in a script), and "the last one wins" would hide it.  Only
     * --vm and --switch-mode add one more each time; a second --mode is
     * refused only if it differs (set_mode). */
    bool repeatable = opt == OPT_VM || opt == OPT_SWITCH_MODE || opt == OPT_MODE;
    if (!repeatable && (p->given & (1u << opt)))
        return session_usage_error(p->cmd, "option '%s' given twice: each is given once",
                                   name);
    p->given |= 1u << opt;
    char mode_opt[40];
    switch (opt) {
    case OPT_MODE:
        snprintf(mode_opt, sizeof mode_opt, "--mode %s", val);
        return set_mode(p, val, mode_opt);
    case OPT_DISK:        o->positional.disk = val; return 0;
    case OPT_CONSOLE:     o->positional.console = val; return 0;
    case OPT_INPUT:       o->positional.input = val; return 0;
    case OPT_VM:          return add_guest(p, val);
    case OPT_STATS_JSON:  o->stats_json = val; return 0;
    case OPT_TRACE:       o->trace = val; return 0;
    case OPT_TRACE_INSNS: o->trace_insns = val; return 0;
    case OPT_SWITCH_MODE: return add_switch(p, val);
    case OPT_MEM:
    case OPT_MAX_INSNS:
    case OPT_QUANTUM:
    case OPT_VCPUS:       return set_number(p, opt, name, val);
    }
    return 0;
}

/* One option at argv[*i] that takes a value.  Returns -1 if argv[*i] is
 * none of them, else 0 or an exit status. */
static int parse_valued_option(parser *p, int argc, char **argv, int *i)
{
    for (size_t k = 0; k < sizeof valued_options / sizeof valued_options[0]; k++) {
        const char *name = valued_options[k].name;
        bool missing = false;
        char *val = opt_value(argc, argv, i, name, &missing);
        if (missing)
            return session_usage_error(p->cmd, "option '%s' needs a value", name);
        if (val)
            return apply_option(p, valued_options[k].opt, name, val);
    }
    return -1;
}

/* ---- the whole command line ------------------------------------------------- */

/* Check the combination of options once all are read. */
static int check_options(parser *p, const char *image)
{
    session_options *o = p->o;
    o->image = image;
    if (image) {
        if (o->nguests == VMM_MAX_VMS)
            return session_usage_error(p->cmd, "too many VMs (at most %d)", VMM_MAX_VMS);
        memmove(&o->guests[1], &o->guests[0], sizeof o->guests[0] * (size_t)o->nguests);
        o->guests[0] = o->positional;
        o->guests[0].image = image;
        o->nguests++;
    } else if (o->positional.disk || o->positional.console || o->positional.input) {
        return session_usage_error(p->cmd, "--disk, --console and --input go with a "
                                   "positional IMAGE; with --vm, write "
                                   "IMAGE,disk=F,console=F,input=F");
    }
    if (o->nguests == 0)
        return session_usage_error(p->cmd, "no image to run");
    if (!o->mode_given && (o->nguests > 1 || o->vcpus > 1))
        o->mode = VMM_MODE_TRAP;    /* several VMs or vCPUs: that takes a VMM */
    if (o->mode == VMM_MODE_BARE && o->nguests > 1)
        return session_usage_error(p->cmd, "several guests need a VMM mode (e.g. "
                                   "--mode trap), not --bare");
    if (o->mode == VMM_MODE_BARE && o->vcpus > 1)
        return session_usage_error(p->cmd, "--vcpus is for VMs; it needs a VMM mode");
    /* A bare run has no VMM to take turns, whether --bare said so or a lone
     * guest runs bare by default.  (compare runs bare T32 and every mode
     * with one --quantum: there bare T32 just has no turns.) */
    if (o->mode == VMM_MODE_BARE && p->quantum_given && strcmp(p->cmd, "compare") != 0)
        return session_usage_error(p->cmd, "--quantum is a VM's turn; %s has no VMM to "
                                   "take turns (give a VMM mode, e.g. --mode trap)",
                                   o->mode_given ? p->mode_opt
                                                 : "one guest without --mode runs bare, and");
    /* The VMs, and the VMM's own memory for each, share one T32 machine of
     * at most 1 GiB (vmm_new lays them out). */
    uint64_t need = (uint64_t)o->nguests * ((uint64_t)o->mem + VMM_MEM_PER_VM);
    if (o->mode != VMM_MODE_BARE && need > (1u << 30))
        return session_usage_error(p->cmd, "%d VMs of --mem %u bytes do not fit in the "
                                   "machine's 1 GiB of RAM (each VM also needs %u bytes "
                                   "of the VMM's own)", o->nguests, (unsigned)o->mem,
                                   (unsigned)VMM_MEM_PER_VM);
    if (o->mode == VMM_MODE_BARE && o->nswitches > 0)
        return session_usage_error(p->cmd, "--switch-mode moves a VM between VMM modes; "
                                   "start it in one (e.g. --mode trap)");
    return 0;
}

/* The option at argv[*i] (*i moved past its value): 0 taken, or an exit
 * status; -1 if argv[*i] is no option but an IMAGE.  A front end's own
 * options (extra) come after the shared ones; it sees IMAGEs too. */
static int take_option(parser *p, int argc, char **argv, int *i,
                       session_extra_option *extra, void *ctx)
{
    const char *a = argv[*i];
    int rc = parse_valued_option(p, argc, argv, i);
    if (rc < 0 && extra)
        rc = extra(ctx, argc, argv, i);
    if (rc >= 0)
        return rc;
    if (strcmp(a, "--bare") == 0)
        return set_mode(p, "bare", "--bare");
    if (strcmp(a, "--stats") == 0) {
        p->o->stats = true;
        return 0;
    }
    if (a[0] == '-' && a[1] != '\0')
        return session_usage_error(p->cmd, "unknown option '%s'", a);
    return -1;
}

int session_parse(session_options *o, int argc, char **argv, const char *cmd,
                  session_extra_option *extra, void *ctx)
{
    parser p = { .o = o, .cmd = cmd };
    const char *image = NULL;
    bool options_end = false;      /* after "--", every argument is an IMAGE */
    *o = (session_options){ .cmd = cmd, .mode = VMM_MODE_BARE, .mem = T32_DEFAULT_MEM,
                            .quantum = VMM_DEFAULT_QUANTUM, .vcpus = 1 };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!options_end && strcmp(a, "--") == 0) {
            options_end = true;
            continue;
        }
        /* After "--" the front end still sees each IMAGE (compare counts
         * them), but nothing there is an option, not even "-o". */
        int rc = !options_end ? take_option(&p, argc, argv, &i, extra, ctx)
               : extra && a[0] != '-' ? extra(ctx, argc, argv, &i) : -1;
        if (rc >= 0) {
            if (rc > 0)
                return rc;
            continue;
        }
        if (image)
            return session_usage_error(cmd, "more than one IMAGE ('%s'); use --vm for "
                                       "several", a);
        if (a[0] == '\0')
            return session_usage_error(cmd, "the IMAGE is an empty file name");
        image = a;
    }
    return check_options(&p, image);
}
