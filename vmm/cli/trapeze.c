/*
 * trapeze.c - the `trapeze` command: find the sub-command and hand it its
 * arguments.  Each sub-command is a file of its own in this folder, thin
 * over the session library (vmm/session/session.h).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "vmm/cli/commands.h"
#include "vmm/modes/mode.h"
#include "vmm/session/session.h"

#ifndef TRAPEZE_VERSION
#define TRAPEZE_VERSION "0.2"
#endif

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    { "run", cmd_run, "run an image on bare T32 or in VMs under the VMM" },
    { "compare", cmd_compare, "run an image in every mode: speed and fidelity side by side" },
    { "audit", cmd_audit, "list the sensitive but unprivileged instructions of an image" },
    { "dot", cmd_dot, "run a guest, then draw its page tables, exits or VMs as a Graphviz graph" },
    { "debug", cmd_debug, "debug a guest and the VMM under it (gdb's commands, reverse steps)" },
};

static void print_help(void)
{
    printf("usage: trapeze COMMAND [OPTIONS]\n"
           "       trapeze --version\n"
           "\n"
           "Trapeze is a teaching virtual machine monitor for the T32 instruction set.\n"
           "\n"
           "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        printf("  %-8s %s\n", commands[i].name, commands[i].summary);
    printf("\nmodes: %s\n"
           "`trapeze COMMAND --help` (or `trapeze --help COMMAND`) describes a command.\n", mode_names());
}

/* The command named argv[1], or NULL. */
static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(name, commands[i].name) == 0)
            return &commands[i];
    return NULL;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2)
        return session_usage_error(NULL, "no command given");
    bool help = strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0;
    if (help && argc == 3 && find_command(argv[2])) {   /* --help run: run's help */
        char *again[] = { argv[2], argv[1], NULL };
        return find_command(argv[2])->run(2, again);
    }
    if (help && argc > 2)
        return argc == 3 ? session_usage_error(NULL, "%s takes nothing after it but a command "
                                               "name (got '%s')", argv[1], argv[2])
                         : session_usage_error(NULL, "%s takes one command name at most",
                                               argv[1]);
    if (strcmp(argv[1], "--version") == 0 && argc > 2)
        return session_usage_error(NULL, "--version takes nothing after it (got '%s')", argv[2]);
    if (help) {
        print_help();
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("trapeze %s\n", TRAPEZE_VERSION);
        return 0;
    }
    const struct command *c = find_command(argv[1]);
    if (!c)
        return session_usage_error(NULL, "unknown command '%s'", argv[1]);
    return c->run(argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
    /* With stdout closed, the first file opened (a trace's temporary)
     * would take descriptor 1 and get the guest's console (outfile.h). */
    t32_out_keep_std_descriptors();
    /* A closed pipe (`trapeze run ... | head`) is a write error like a full
     * disk: EPIPE, reported with where the run stopped, status 1 - not a
     * silent death by SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    int status = dispatch(argc, argv);
    /* A command that failed has said why; one that succeeded (--help,
     * --version included) has not checked what it printed. */
    if (status == 0)
        status = session_check_stdout(argc >= 2 && find_command(argv[1]) ? argv[1] : NULL);
    return status;
}
