/*
 * probe.c - one quiet run of one image in one mode (probe.h).
 *
 * A bare run and a VM run end in different structures - the machine's
 * CPU 0 and RAM, or a vCPU and the VM's guest-physical RAM - so the last
 * step copies what the guest can see into one shape, where two runs can
 * be compared field by field.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vmm/session/probe.h"

double probe_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* FNV-1a, 64 bits, a little-endian word of 8 bytes at a time. */
static uint64_t hash_ram(const uint8_t *mem, uint32_t size)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (uint32_t i = 0; i + 8 <= size; i += 8) {
        uint64_t word = 0;
        for (int b = 7; b >= 0; b--)
            word = word << 8 | mem[i + (uint32_t)b];
        h = (h ^ word) * 0x100000001b3u;
    }
    return h;
}

/* The options of this one run: the caller's, with the probe's own mode,
 * limit and guest, and no outputs of any kind. */
static session_options probe_options(const probe_input *in, vmm_mode mode, uint64_t limit)
{
    session_options o = *in->o;
    o.mode = mode;
    o.mode_given = true;
    o.nguests = 1;
    o.guests[0] = (session_guest){ .image = in->image };   /* input: prepare_devices */
    o.max_insns = limit;
    o.stats = false;
    o.stats_json = o.trace = o.trace_insns = NULL;
    return o;
}

/* Capture the console; give the guest the disk copy and the input's
 * bytes (never the terminal's, nor a file read again: every run must read
 * the same bytes). */
static void prepare_devices(const probe_input *in, t32_console *con, t32_disk *disk)
{
    con->out = NULL;
    t32_console_set_input(con, in->input, in->inputlen);
    if (in->disk) {
        t32_disk_free(disk);
        t32_disk_init_mem(disk, in->disk, in->disklen);
    }
}

static void take_console(probe *p, const t32_console *con)
{
    p->conlen = con->outlen;
    p->console = malloc(con->outlen + 1);
    if (p->console)
        memcpy(p->console, con->outbuf ? con->outbuf : "", con->outlen + 1);
}

static void run_bare(probe *p, session *s, uint64_t limit)
{
    t32_machine *m = session_machine(s);
    const t32_cpu *cpu = &m->cpu[0];
    double start = probe_now();
    p->out = vmm_bare_run(m, limit, &p->stats);
    p->seconds = probe_now() - start;
    p->cycles = cpu->cycles;
    memcpy(p->r, cpu->r, sizeof p->r);
    p->pc = cpu->pc;
    p->psr = cpu->psr;
    memcpy(p->sr, cpu->sr, sizeof p->sr);
    take_console(p, &m->console);
    p->ram_hash = hash_ram(m->mem, m->memsize);
}

static void run_vm(probe *p, session *s)
{
    vmm *v = session_vmm(s);
    const vmm_vm *vm = v->vms[0];
    const vmm_vcpu *vc = &vm->vcpus[0];
    double start = probe_now();
    vmm_sched_run(v);
    p->seconds = probe_now() - start;
    p->out = vm->outcome;
    p->stats = vm->stats;
    p->cycles = vc->vcycles;
    memcpy(p->r, vc->r, sizeof p->r);
    p->pc = vc->pc;
    p->psr = vc->vpsr;
    memcpy(p->sr, vc->vsr, sizeof p->sr);
    take_console(p, &vm->con);
    p->ram_hash = hash_ram(vm->mem, vm->size);
}

/* Build one run's session, its devices the probe's own.  Returns 0 or an
 * exit status; *s needs session_close either way. */
static int open_run(session **s, const probe_input *in, vmm_mode mode, uint64_t limit)
{
    session_options o = probe_options(in, mode, limit);
    int rc = session_open(s, &o);
    if (rc != 0)
        return rc;
    vmm *v = session_vmm(*s);
    t32_machine *m = session_machine(*s);
    if (v)
        prepare_devices(in, &v->vms[0]->con, &v->vms[0]->disk);
    else
        prepare_devices(in, &m->console, &m->disk);
    return 0;
}

int probe_run(probe *p, const probe_input *in, vmm_mode mode, uint64_t limit)
{
    session *s = NULL;
    memset(p, 0, sizeof *p);
    p->mode = mode;
    int rc = open_run(&s, in, mode, limit);
    if (rc == 0) {
        if (session_vmm(s))
            run_vm(p, s);
        else
            run_bare(p, s, limit);
        if (!p->console) {
            fprintf(stderr, "trapeze: error: out of memory for a console transcript\n");
            rc = SESSION_ERROR;
        }
    }
    rc = session_close(s, rc);
    if (rc != 0)
        probe_free(p);
    return rc;
}

int probe_time(const probe_input *in, vmm_mode mode, uint64_t limit, double *seconds)
{
    session *s = NULL;
    int rc = open_run(&s, in, mode, limit);
    if (rc == 0) {
        vmm *v = session_vmm(s);
        vmm_stats ignored;
        double start = probe_now();
        if (v)
            vmm_sched_run(v);
        else
            vmm_bare_run(session_machine(s), limit, &ignored);
        *seconds = probe_now() - start;
    }
    return session_close(s, rc);
}

void probe_free(probe *p)
{
    free(p->console);
    p->console = NULL;
    p->conlen = 0;
}
