/*
 * run.c - `trapeze run`: run a T32 image on bare T32 or in virtual machines.
 *
 *   trapeze run --bare IMAGE [--disk FILE]
 *   trapeze run --mode trap IMAGE [--disk FILE] [--stats]
 *   trapeze run --vm A.img,disk=a.disk --vm B.img
 *
 * The whole command is the session library (vmm/session/session.h): parse
 * the options, open, run, close.
 */
#include <stdio.h>
#include <string.h>

#include "vmm/cli/commands.h"
#include "vmm/session/session.h"

static void print_help(void)
{
    fputs("usage: trapeze run [OPTIONS] [--] IMAGE\n"
          "       trapeze run [OPTIONS] --vm IMAGE[,disk=F][,console=F][,input=F] ...\n"
          "\n"
          "Run a T32 image on bare T32 or in virtual machines under the VMM.\n"
          "\n"
          "options:\n", stdout);
    fputs(session_options_help, stdout);
    fputs("  -h, --help           show this help\n"
          "\n"
          "exit status:\n"
          "  0  every guest halted\n"
          "  1  a file could not be read or written\n"
          "  2  bad command line\n"
          "  3  the instruction limit (--max-insns) was reached\n"
          "  4  a trap escaped: taken in kernel mode while tvec = 0 (it would loop at\n"
          "     address 0 forever); cause, pc and symbol are printed\n"
          "  5  a guest executed wfi with no timer or disk transfer that could ever\n"
          "     wake it (console input cannot: a guest gets it by reading the console)\n"
          "  6  the VMM ran out of its own memory (shadow page tables, bt's copies):\n"
          "     not even all of it would hold what one instruction needs (with 4 MiB\n"
          "     per VM, never seen: those are caches, given back when they fill it)\n"
          "  7  the VMM is stuck: one access was a hidden page fault 1024 times at one\n"
          "     cycle - the shadow entry filled for it does not allow it: a bug of the\n"
          "     VMM's code (a lab's shadow_pte, say), never of the guest\n"
          "  130  interrupted (Ctrl-C): the guests stop where they are, the outputs and\n"
          "     statistics are written; a second Ctrl-C ends trapeze at once\n"
          "With several VMs the status is that of the first VM (in --vm order) that\n"
          "did not halt.  A write that failed (a console, --trace, --stats-json,\n"
          "standard output, a disk image: a full disk, /dev/full, a closed pipe)\n"
          "makes it 1, whatever the guests' ends.\n", stdout);
}

int cmd_run(int argc, char **argv)
{
    if (session_asks_help(argc, argv)) {
        print_help();
        return 0;
    }
    session_options o;
    session *s = NULL;
    int rc = session_parse(&o, argc, argv, "run", NULL, NULL);
    if (rc == 0)
        rc = session_open(&s, &o);
    if (rc == 0) {
        session_catch_interrupt(s);
        rc = session_run(s);
    }
    return session_close(s, rc);
}
