/*
 * dot.c - `trapeze dot`: run a guest, then draw part of the VMM as a graph.
 *
 *   trapeze dot exits --mode trap --disk default.disk kernel.img -o exits.svg
 *   trapeze dot pagetable 0x00400000 --mode trap --at 500000 kernel.img -o pt.dot
 *   trapeze dot vms --vm a.img --vm b.img -o vms.png
 *
 * The graph is DOT text (vmm/report/dot.c).  A .dot file (or stdout)
 * gets the text; .svg and .png are rendered by Graphviz's `dot`
 * (dot_write).  The debugger's `dot` command writes the same pictures.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vmm/cli/commands.h"
#include "vmm/report/dot.h"
#include "vmm/session/session.h"

typedef struct dot_args {
    const char *name;          /* "pagetable", "exits", "vms" */
    dot_kind    kind;
    uint32_t    va;            /* pagetable: the guest virtual address */
    const char *output;        /* -o FILE; NULL: stdout */
    uint64_t    at;            /* --at CYCLES; 0: run to the end */
    int         vm;            /* --vm-index N: which VM to draw */
} dot_args;

static void print_help(void)
{
    fputs("usage: trapeze dot KIND [OPTIONS] IMAGE [-o FILE]\n"
          "\n"
          "Run a guest (to its end, or to --at CYCLES), then draw what the VMM did\n"
          "as a Graphviz graph.  KIND is one of:\n"
          "  pagetable VADDR  the translation of guest virtual VADDR: the guest's PTBR,\n"
          "                   L1 entry, L2 entry with its bits, guest physical, host\n"
          "                   physical, and the shadow entry the real MMU uses\n"
          "  exits            exit causes -> handlers (emulate, reflect, hidden page\n"
          "                   fault, bt patch, hypercall) -> outcomes, with counts\n"
          "                   (a dashed edge into emulate brings what no exit of\n"
          "                   its own sent there: bt's patched originals and\n"
          "                   run-on, pv's hypercalls, emulate mode's interpreter)\n"
          "  vms              VMs, vCPUs, pCPUs, each VM's guest-physical memory in\n"
          "                   host-physical memory, the VMM's own memory\n"
          "\n"
          "options:\n"
          "  -o FILE              where the graph goes: FILE.dot (or no -o, or -o -:\n"
          "                       stdout) gets the DOT text; FILE.svg and FILE.png are\n"
          "                       rendered by Graphviz's `dot` (it must be installed).\n"
          "                       When the graph goes to stdout, the guests' console\n"
          "                       output goes to stderr (unless --console/console=FILE)\n"
          "  --at CYCLES          stop every guest at this virtual time instead of its end\n"
          "  --vm-index N         the VM to draw (pagetable, exits; default 0; vms draws\n"
          "                       every VM, but N must still be one of them)\n", stdout);
    fputs(session_options_help, stdout);
    fputs("  -h, --help           show this help\n"
          "\n"
          "exit status: 0 the graph was written; 1 a file could not be read or written,\n"
          "or `dot` failed; 2 bad command line (a folder for -o, or a picture the\n"
          "session cannot have: exits of a bare run, a VM that does not exist - in a\n"
          "bare run, any --vm-index but 0).\n", stdout);
}

static int extra_option(void *ctx, int argc, char **argv, int *i)
{
    dot_args *d = ctx;
    const char *arg = argv[*i];
    bool o = strcmp(arg, "-o") == 0, at = strcmp(arg, "--at") == 0,
         vm = strcmp(arg, "--vm-index") == 0;
    if (!o && !at && !vm)
        return -1;
    if (*i + 1 >= argc)
        return session_usage_error("dot", "option '%s' needs a value", arg);
    const char *val = argv[++*i];
    char *end;
    struct stat st;
    if (o) {
        if (val[0] == '\0')
            return session_usage_error("dot", "option '-o' needs a file name, not an empty one");
        if (stat(val, &st) == 0 && S_ISDIR(st.st_mode))
            return session_usage_error("dot", "option '-o' needs a file name, not the folder "
                                       "'%s'", val);
        d->output = val;
        return 0;
    }
    errno = 0;
    unsigned long long n = strtoull(val, &end, 0);
    if (errno || end == val || *end || val[0] == '-' || (vm && n >= VMM_MAX_VMS) || (at && n == 0))
        return session_usage_error("dot", "bad %s '%s'", arg, val);
    if (at)
        d->at = n;
    else
        d->vm = (int)n;
    return 0;
}

/* KIND (and VADDR) from the front of argv; returns how many it used, or -1. */
static int parse_kind(dot_args *d, int argc, char **argv)
{
    if (argc < 2)
        return session_usage_error("dot", "which graph? pagetable VADDR, exits or vms"), -1;
    d->name = argv[1];
    if (!dot_kind_named(d->name, &d->kind)) {
        session_usage_error("dot", "unknown graph '%s' (pagetable VADDR, exits or vms)", d->name);
        return -1;
    }
    if (d->kind != DOT_PAGETABLE)
        return 1;
    char *end;
    errno = 0;
    unsigned long long va = argc > 2 ? strtoull(argv[2], &end, 0) : 0;
    if (argc < 3 || errno || end == argv[2] || *end || argv[2][0] == '-' || va > UINT32_MAX) {
        session_usage_error("dot", "pagetable needs a guest virtual address (e.g. 0x00400000)");
        return -1;
    }
    d->va = (uint32_t)va;
    return 2;
}

/* What this session can never draw, said before its guests run (a run may
 * take minutes): an exits graph needs the VMM, and --vm-index a VM that
 * exists - as draw() would find after the run (vms draws every VM, yet a
 * VM named that is not there is still a mistake).  A bare run has its one
 * guest, 0, and no other to draw. */
static int check_drawable(session *s, const dot_args *d)
{
    vmm *v = session_vmm(s);
    if (!v && d->kind == DOT_EXITS)
        return session_usage_error("dot", "no exits graph: a bare run has no VMM");
    if (!v && d->vm != 0)
        return session_usage_error("dot", "--vm-index %d: a bare run has no VMs, only its "
                                   "one guest (0)", d->vm);
    if (v && (d->vm < 0 || d->vm >= v->nvms))
        return session_usage_error("dot", "--vm-index %d: there %s %d VM%s", d->vm,
                                   v->nvms == 1 ? "is" : "are", v->nvms, v->nvms == 1 ? "" : "s");
    return 0;
}

/* Open the graph's output (d->output, or stdout) before the guests run:
 * a name that cannot be written (a directory, a missing folder) is
 * reported at once, not after a run that may take minutes. */
static int open_graph(t32_out *o, const dot_args *d)
{
    char err[256];
    if (t32_out_open(o, d->output ? d->output : "-", err, sizeof err))
        return 0;
    fprintf(stderr, "%s: error: %s\n", d->output, err);
    return SESSION_ERROR;
}

/* The graph into o (opened by open_graph): text, or rendered.  o is
 * committed or aborted. */
static int write_graph(t32_out *o, session *s, const dot_args *d)
{
    char err[256];
    dot_picture p = { .kind = d->kind, .vm = d->vm, .va = d->va };
    dot_result r = dot_write(o->f, dot_format_of(d->output), s, &p, err, sizeof err);
    if (r == DOT_NOT_DRAWABLE) {
        fprintf(stderr, "trapeze dot: error: no %s graph for this session (%s)\n", d->name,
                session_vmm(s) ? "no such VM" : "a bare run has no VMM");
        t32_out_abort(o);
        return SESSION_USAGE;
    }
    if (r == DOT_FAILED) {
        fprintf(stderr, "%s: error: %s\n",
                d->output && strcmp(d->output, "-") != 0 ? d->output : "stdout", err);
        t32_out_abort(o);
        return SESSION_ERROR;
    }
    if (!t32_out_commit(o, err, sizeof err)) {
        fprintf(stderr, "%s: error: %s\n", d->output ? d->output : "stdout", err);
        return SESSION_ERROR;
    }
    return 0;
}

int cmd_dot(int argc, char **argv)
{
    if (session_asks_help(argc, argv)) {      /* before `--`: after it, a file name */
        print_help();
        return 0;
    }
    dot_args d = { 0 };
    int used = parse_kind(&d, argc, argv);
    if (used < 0)
        return SESSION_USAGE;
    session_options o;
    session *s = NULL;
    int rc = session_parse(&o, argc - used, argv + used, "dot", extra_option, &d);
    /* The graph's file is checked with the session's files (never one of
     * them); on standard output it moves the consoles to stderr. */
    o.output = d.output ? d.output : "-";
    if (rc == 0)
        rc = session_open(&s, &o);
    if (rc == 0)
        rc = check_drawable(s, &d);
    t32_out graph;
    if (rc == 0)
        rc = open_graph(&graph, &d);
    if (rc == 0) {
        session_run_to(s, d.at);    /* its messages, --stats; the graph comes anyway */
        rc = write_graph(&graph, s, &d);
    }
    return session_close(s, rc);
}
