/*
 * probe.h - one quiet run of one image in one mode, and everything it left
 * behind that a guest could tell apart: what `trapeze compare` compares.
 *
 *     probe p;
 *     int rc = probe_run(&p, &in, VMM_MODE_EMULATE, limit);
 *     ... p.console, p.cycles, p.r, p.ram_hash, p.stats, p.seconds ...
 *     probe_free(&p);
 *     probe_time(&in, VMM_MODE_EMULATE, limit, &seconds);   // its time again
 *
 * The run is built by the session library (session_open), so images,
 * memory size and console input are handled exactly as `trapeze run` does;
 * then the console is captured instead of printed, the disk is a private
 * copy in memory (a guest's writes never reach the file, so every run
 * starts from the same disk), and nothing is reported: the caller decides
 * what the outcome means.
 */
#ifndef VMM_SESSION_PROBE_H
#define VMM_SESSION_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/session/session.h"

/* What to run: the shared run options (memory, quantum; the mode, the
 * limit, the console input and every output are the probe's own), the
 * image, the disk's bytes (NULL: no disk) and the console input's bytes
 * (all there is: every run reads the same, then its end). */
typedef struct probe_input {
    const session_options *o;
    const char    *image;
    const uint8_t *disk;
    size_t         disklen;
    const uint8_t *input;
    size_t         inputlen;
} probe_input;

/* What a run left behind.  For a VM: its vCPU 0 (virtual PSR and system
 * registers) and its guest-physical RAM. */
typedef struct probe {
    vmm_mode    mode;
    vmm_outcome out;
    vmm_stats   stats;
    uint64_t    cycles;            /* (virtual) cycles of CPU / vCPU 0 */
    uint32_t    r[T32_NREGS];
    uint32_t    pc, psr;
    uint32_t    sr[T32_NSYSREGS];  /* the stored ones; cycles, cpuid and
                                      ipend are computed, see `cycles` */
    char       *console;           /* every byte the guest wrote (malloc'd) */
    size_t      conlen;
    uint64_t    ram_hash;          /* FNV-1a over all of (guest-)physical RAM */
    double      seconds;           /* host time of the run alone (not
                                      deterministic: for reports only) */
} probe;

/* Run `in->image` in `mode` for at most `limit` cycles (0: no limit).
 * Returns 0 with *p filled, or an exit status after a message (a file
 * that cannot be used, no memory); *p is then empty. */
int probe_run(probe *p, const probe_input *in, vmm_mode mode, uint64_t limit);

/* The host time of the same run again, and nothing else: no transcript,
 * no registers, no hash of RAM.  A run is deterministic, so only its time
 * can differ from probe_run's - timing a run several times is how a front
 * end gets a host time that is more than noise.  Returns 0 with *seconds,
 * or an exit status after a message. */
int probe_time(const probe_input *in, vmm_mode mode, uint64_t limit, double *seconds);

/* The host's monotonic clock, in seconds: what probes are timed with. */
double probe_now(void);

/* Release what probe_run allocated (an empty probe is fine). */
void probe_free(probe *p);

/* The system registers a probe compares: those the hardware stores. */
static inline bool probe_sysreg_stored(unsigned sr)
{
    return sr != T32_SR_CYCLES && sr != T32_SR_CPUID && sr != T32_SR_IPEND;
}

#endif /* VMM_SESSION_PROBE_H */
