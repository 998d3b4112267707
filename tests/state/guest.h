/*
 * guest.h - what the tests of tests/state/ share: guestos sessions
 * (console output into a buffer, a scratch copy of the disk), running to an
 * exact time, and the guest-visible state as values to compare.  Images
 * come from $BUILD/guestos (BUILD defaults to build).
 */
#ifndef TESTS_STATE_GUEST_H
#define TESTS_STATE_GUEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "vmm/session/session.h"

/* ---- sessions on guestos ------------------------------------------------------ */

static char gos[512];
static char shell_in[600];   /* the shell scenario's input */

static void guestos_path(char *buf, size_t len, const char *file)
{
    snprintf(buf, len, "%s/%s", gos, file);
}

/* A scratch copy of a disk image (the session writes through to it). */
static void copy_disk(const char *from, char *to, size_t len)
{
    snprintf(to, len, "/tmp/trapeze-ck-XXXXXX");
    int fd = mkstemp(to);
    assert_true(fd >= 0);
    FILE *in = fopen(from, "rb");
    assert_non_null(in);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        assert_true(write(fd, buf, n) == (ssize_t)n);
    fclose(in);
    close(fd);
}

typedef struct run {
    session *s;
    char disk[64];
} run;

static t32_console *console_of(session *s)
{
    vmm *v = session_vmm(s);
    return v ? &v->vms[0]->con : &session_machine(s)->console;
}

/* guestos with `disk` (a scenario) in `mode`, console output into a
 * buffer, input from `input` (NULL: none). */
static void open_guestos(run *r, const char *mode, const char *disk, const char *input)
{
    char img[600], src[600];
    guestos_path(img, sizeof img, strcmp(mode, "pv") == 0 ? "kernel-pv.img" : "kernel.img");
    guestos_path(src, sizeof src, disk);
    copy_disk(src, r->disk, sizeof r->disk);
    char *argv[12];
    int argc = 0;
    argv[argc++] = "test";
    argv[argc++] = "--mode";
    argv[argc++] = (char *)mode;
    argv[argc++] = "--disk";
    argv[argc++] = r->disk;
    if (input) {
        argv[argc++] = "--input";
        argv[argc++] = (char *)input;
    } else {
        argv[argc++] = "--input";
        argv[argc++] = "/dev/null";
    }
    argv[argc++] = img;
    argv[argc] = NULL;
    session_options o;
    assert_int_equal(session_parse(&o, argc, argv, "test", NULL, NULL), 0);
    assert_int_equal(session_open(&r->s, &o), 0);
    console_of(r->s)->out = NULL;      /* collect the transcript */
}

static void close_run(run *r)
{
    session_close(r->s, 0);
    unlink(r->disk);
}

static uint64_t now(session *s)
{
    vmm *v = session_vmm(s);
    return v ? vmm_vm_time(v->vms[0]) : session_machine(s)->cpu[0].cycles;
}

/* Run to exactly `cycle` (or the guest's end). */
static void run_to(session *s, uint64_t cycle)
{
    vmm *v = session_vmm(s);
    if (!v) {
        vmm_stats st;
        vmm_bare_run_watched(session_machine(s), cycle, &st, NULL);
        return;
    }
    vmm_vm *vm = v->vms[0];
    while (vm->outcome.end == VMM_RUNNING && vmm_vm_time(vm) < cycle) {
        vm->pause_at = cycle;
        vmm_sched_round(v);
    }
    vm->pause_at = 0;
}

/* ---- the state a guest can see, as values to compare ------------------------------ */

static uint64_t hash(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

typedef struct state {
    uint32_t r[T32_NREGS], pc, psr, sr[T32_NSYSREGS];
    uint64_t cycles, timer, pending, halted;
    uint64_t ram, disk, disk_regs, out, out_len, in_pos, insns, irqs;
    uint64_t written;            /* bytes the guest has written */
    bool     pv_shared, pv_unread;
    uint32_t pv_page;
} state;

static void console_state(state *st, const t32_console *c)
{
    st->out = hash(c->outbuf, c->outlen);
    st->out_len = c->outlen;
    st->in_pos = c->inpos * 2 + c->in_eof;
    st->written = c->out_count;
}

static void disk_state(state *st, const t32_disk *d)
{
    st->disk = d->data ? hash(d->data, (size_t)d->nsectors * T32_SECTOR_SIZE) : 0;
    uint32_t regs[] = { d->sector, d->addr, d->count, d->status, d->ctrl, d->cmd };
    st->disk_regs = hash(regs, sizeof regs) ^ d->done_at;
}

static state state_of(session *s)
{
    state st = { 0 };
    vmm *v = session_vmm(s);
    if (!v) {
        const t32_machine *m = session_machine(s);
        const t32_cpu *c = &m->cpu[0];
        memcpy(st.r, c->r, sizeof st.r);
        memcpy(st.sr, c->sr, sizeof st.sr);
        st.pc = c->pc;
        st.psr = c->psr;
        st.cycles = c->cycles;
        st.timer = c->timer_deadline;
        st.pending = c->pending;
        st.halted = c->halted;
        st.insns = c->retired;
        st.ram = hash(m->mem, m->memsize);
        disk_state(&st, &m->disk);
        console_state(&st, &m->console);
        return st;
    }
    const vmm_vm *vm = v->vms[0];
    const vmm_vcpu *c = &vm->vcpus[0];
    memcpy(st.r, c->r, sizeof st.r);
    memcpy(st.sr, c->vsr, sizeof st.sr);
    st.pc = c->pc;
    st.psr = c->vpsr;
    st.cycles = c->vcycles;
    st.timer = c->vtimer_deadline;
    st.pending = c->vpending;
    st.halted = c->halted;
    st.pv_shared = c->pv_shared;
    st.pv_page = c->pv_page;
    st.pv_unread = c->pv_unread;
    st.insns = vm->stats.guest_insns;
    st.irqs = vm->stats.injected_irqs;
    st.ram = hash(vm->mem, vm->size);
    disk_state(&st, &vm->disk);
    console_state(&st, &vm->con);
    return st;
}

static void assert_same(const state *a, const state *b)
{
    for (int i = 0; i < T32_NREGS; i++)
        assert_int_equal(a->r[i], b->r[i]);
    for (int i = 0; i < T32_NSYSREGS; i++)
        assert_int_equal(a->sr[i], b->sr[i]);
    assert_int_equal(a->pc, b->pc);
    assert_int_equal(a->psr, b->psr);
    assert_int_equal(a->cycles, b->cycles);
    assert_int_equal(a->timer, b->timer);
    assert_int_equal(a->pending, b->pending);
    assert_int_equal(a->halted, b->halted);
    assert_int_equal(a->pv_shared, b->pv_shared);
    assert_int_equal(a->pv_page, b->pv_page);
    assert_int_equal(a->pv_unread, b->pv_unread);
    assert_int_equal(a->insns, b->insns);
    assert_int_equal(a->irqs, b->irqs);
    assert_int_equal(a->ram, b->ram);
    assert_int_equal(a->disk, b->disk);
    assert_int_equal(a->disk_regs, b->disk_regs);
    assert_int_equal(a->out_len, b->out_len);
    assert_int_equal(a->out, b->out);
    assert_int_equal(a->in_pos, b->in_pos);
    assert_int_equal(a->written, b->written);
}

static void guest_setup(void)
{
    const char *build = getenv("BUILD");
    snprintf(gos, sizeof gos, "%s/guestos", build ? build : "build");
    snprintf(shell_in, sizeof shell_in, "tests/guestos/shell.in");
}

#endif /* TESTS_STATE_GUEST_H */
