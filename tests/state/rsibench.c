/*
 * rsibench.c - how long a step back takes after a long run (`make bench`).
 *
 * tests/state/long.s runs about 10^8 cycles under trap-and-emulate (a
 * timer interrupt every 10000).  The debugger's way of running a continue:
 * scheduler rounds, and after each a checkpoint if one is due
 * (reverse_tick), within the default bound of 256 MiB.  At 10^8 cycles, one `rsi` - reverse
 * step instruction, reverse_goto(now - 1) - is timed:
 *
 *   debug_rsi_ms: N ms          the step back (restore + replay)
 *   checkpoint_mem: N MiB       checkpoints held at that moment
 *   checkpoints: N checkpoints  how many
 *
 * Printed, never asserted (timing depends on the host).  The step back is
 * checked, though: it must land on exactly cycle 10^8 - 1.
 *
 * usage: rsibench IMAGE
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "vmm/debug/reverse.h"

#define TARGET 100000000u

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: rsibench IMAGE\n");
        return 2;
    }
    char *args[] = { "rsibench", "--mode", "trap", "--input", "/dev/null", argv[1], NULL };
    session_options o;
    session *s = NULL;
    if (session_parse(&o, 6, args, "rsibench", NULL, NULL) != 0 || session_open(&s, &o) != 0)
        return 1;
    vmm *v = session_vmm(s);
    vmm_vm *vm = v->vms[0];
    vm->con.out = NULL;                      /* the dots into a buffer */
    reverse *r = reverse_new(s, 0, 0);
    if (!r)
        return 1;
    while (vm->outcome.end == VMM_RUNNING && vmm_vm_time(vm) < TARGET) {
        vm->pause_at = TARGET;
        vmm_sched_round(v);
        reverse_tick(r);
    }
    vm->pause_at = 0;
    if (vmm_vm_time(vm) != TARGET) {
        fprintf(stderr, "rsibench: the guest ended at %" PRIu64 "\n", vmm_vm_time(vm));
        return 1;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    bool ok = reverse_goto(r, 0, TARGET - 1);
    double ms = ms_since(&t0);
    if (!ok || vmm_vm_time(vm) != TARGET - 1) {
        fprintf(stderr, "rsibench: the step back did not land on cycle %u\n", TARGET - 1);
        return 1;
    }
    printf("debug_rsi_ms: %.0f ms\n", ms);
    printf("checkpoint_mem: %zu MiB\n", reverse_bytes(r) >> 20);
    printf("checkpoints: %d checkpoints\n", reverse_count(r));
    reverse_free(r);
    return session_close(s, 0) == 0 ? 0 : 1;
}
