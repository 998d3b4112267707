/*
 * snapshot.c - freeze a whole T32 machine, and bring it back.
 *
 * Because T32 is deterministic (no wall clock, console input read only on
 * demand), the state listed below is *everything* the future of a run
 * depends on.  Restore it and run again, and the machine retraces the same
 * instructions, prints the same bytes and ends in the same state.  Reverse
 * stepping and checkpoints are built on that (and live migration, not yet
 * built, will be).
 *
 * What a snapshot holds (the guest-visible machine):
 *   - every CPU's architectural state: registers, pc, PSR, system
 *     registers, time (cycles, retired), timer deadline, latched interrupt
 *     lines, halted, the trap configuration and last trap record, counters;
 *   - the round-robin position (whose turn, how much of it is used) and
 *     the quantum, so several CPUs interleave the same way after a restore;
 *   - all of RAM;
 *   - the console's unread input bytes, whether input has ended, CON_CTRL;
 *   - the disk's registers, the transfer in flight and the disk contents;
 *   - the count of accesses to missing ports.
 * What it does not hold: host attachments (the output FILE or buffer, the
 * input fd, the image file), debugger breakpoints, and the TLBs - a TLB is
 * only a cache, so restore simply flushes it (every CPU starts with an
 * empty TLB, which no program can tell apart from a full one, ISA.md 8).
 *
 * The byte format (t32_snapshot_serialize) is little-endian, field by
 * field, behind a magic string and a version number:
 *
 *   "T32SNAP\n" version memsize ncpus quantum rr_cpu rr_used bad_ports
 *   cpu[ncpus]   r[16] pc psr sr[11] cycles retired timer_deadline pending
 *                halted host_kernel trap{cause epc badvaddr insn}
 *                traps_taken irqs_taken
 *   console      ctrl eof queued bytes[queued]
 *   disk         nsectors sector addr count status ctrl cmd done_at
 *                bytes[nsectors * 512]
 *   ram          bytes[memsize]            (exactly to the end)
 *
 * Snapshot files come from outside, so deserialize checks every length
 * against what is left before allocating, and every field against its
 * legal range.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t32.h"

#define SNAP_MAGIC      "T32SNAP\n"
#define SNAP_MAGIC_LEN  8
#define SNAP_VERSION    1u
#define MAX_MEMSIZE     (1u << 30)
#define MAX_SECTORS     ((64u << 20) / T32_SECTOR_SIZE)
#define MAX_QUEUED      (64u << 20)

struct t32_snapshot {
    uint32_t memsize;
    int      ncpus;
    uint32_t quantum;
    int      rr_cpu;
    uint64_t rr_used;
    uint64_t bad_port_accesses;
    t32_cpu  cpu[T32_MAX_CPUS];   /* host-side fields cleared, TLB empty */
    uint8_t *mem;
    /* Console: the unread input and the control register. */
    uint32_t con_ctrl;
    bool     con_eof;
    uint8_t *con_queue;
    size_t   con_queued;
    /* Disk: registers and contents (data is NULL when there is no disk). */
    t32_disk disk;
};

/* ---- taking and restoring ------------------------------------------------- */

/* Copy a CPU's state but keep what belongs to the host side of `dst`: its
 * breakpoints, its machine and its number.  The TLB is copied as garbage
 * and must be flushed by the caller. */
static void copy_cpu_state(t32_cpu *dst, const t32_cpu *src)
{
    uint32_t *breaks = dst->breaks;
    size_t nbreaks = dst->nbreaks, cap_breaks = dst->cap_breaks;
    t32_machine *m = dst->m;
    int id = dst->id;

    *dst = *src;
    dst->breaks = breaks;
    dst->nbreaks = nbreaks;
    dst->cap_breaks = cap_breaks;
    dst->m = m;
    dst->id = id;
}

static void *dup_bytes(const void *p, size_t len)
{
    void *q = malloc(len ? len : 1);
    if (q && len)
        memcpy(q, p, len);
    return q;
}

void t32_snapshot_free(t32_snapshot *s)
{
    if (!s)
        return;
    free(s->mem);
    free(s->con_queue);
    free(s->disk.data);
    free(s);
}

/* The console's part: unread input, end of input, CON_CTRL.  False if
 * memory is short. */
static bool take_console(t32_snapshot *s, const t32_console *c)
{
    s->con_ctrl = c->ctrl;
    s->con_eof = c->in_eof;
    s->con_queued = c->inlen - c->inpos;
    s->con_queue = dup_bytes(s->con_queued ? c->inbuf + c->inpos : NULL, s->con_queued);
    return s->con_queue != NULL;
}

/* The disk's part: registers, the transfer in flight, the contents. */
static bool take_disk(t32_snapshot *s, const t32_disk *d)
{
    s->disk = *d;
    s->disk.fd = -1;            /* the image file stays with the machine */
    s->disk.data = NULL;
    if (!d->data)
        return true;
    s->disk.data = dup_bytes(d->data, (size_t)d->nsectors * T32_SECTOR_SIZE);
    return s->disk.data != NULL;
}

t32_snapshot *t32_snapshot_take(const t32_machine *m)
{
    t32_snapshot *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->memsize = m->memsize;
    s->ncpus = m->ncpus;
    s->quantum = m->quantum;
    s->rr_cpu = m->rr_cpu;
    s->rr_used = m->rr_used;
    s->bad_port_accesses = m->bad_port_accesses;
    for (int i = 0; i < m->ncpus; i++) {
        s->cpu[i].id = i;
        copy_cpu_state(&s->cpu[i], &m->cpu[i]);
        memset(s->cpu[i].tlb, 0, sizeof s->cpu[i].tlb);  /* no host pointers */
        s->cpu[i].tlb_nfilled = 0;                         /* (so none listed) */
    }
    s->mem = dup_bytes(m->mem, m->memsize);
    if (!s->mem || !take_console(s, &m->console) || !take_disk(s, &m->disk)) {
        t32_snapshot_free(s);
        return NULL;
    }
    return s;
}

/* Put the snapshot's disk contents into the machine's disk.  A disk of the
 * same size gets the contents copied in (and written back to its image
 * file where they differ); a machine without a disk adopts an in-memory
 * copy.  `fresh` is that copy, allocated by the caller beforehand so this
 * step cannot fail half-way. */
static void restore_disk_data(t32_disk *d, const t32_snapshot *s, uint8_t *fresh)
{
    if (fresh) {
        d->data = fresh;
        d->nsectors = s->disk.nsectors;
        return;
    }
    for (uint32_t i = 0; i < s->disk.nsectors; i++) {
        size_t off = (size_t)i * T32_SECTOR_SIZE;
        if (memcmp(d->data + off, s->disk.data + off, T32_SECTOR_SIZE) == 0)
            continue;
        memcpy(d->data + off, s->disk.data + off, T32_SECTOR_SIZE);
        t32_disk_write_through(d, off, T32_SECTOR_SIZE);
    }
}

static void restore_disk_regs(t32_disk *d, const t32_disk *from)
{
    d->sector = from->sector;
    d->addr = from->addr;
    d->count = from->count;
    d->status = from->status;
    d->ctrl = from->ctrl;
    d->cmd = from->cmd;
    d->done_at = from->done_at;
}

/* Can the machine's disk take the snapshot's contents?  Sets *adopt when
 * the machine has no disk and must get a copy. */
static bool disk_compatible(const t32_disk *d, const t32_snapshot *s, bool *adopt)
{
    *adopt = false;
    if (d->nsectors == s->disk.nsectors)
        return true;
    if (d->data == NULL && d->fd < 0) {
        *adopt = true;
        return true;
    }
    return false;
}

/* Give the console the snapshot's input queue (`queue`, a copy). */
static void restore_console(t32_console *c, const t32_snapshot *s, uint8_t *queue)
{
    free(c->inbuf);
    c->inbuf = queue;
    c->inlen = c->incap = s->con_queued;
    c->inpos = 0;
    c->in_eof = s->con_eof;
    c->ctrl = s->con_ctrl;
}

bool t32_snapshot_restore(t32_machine *m, const t32_snapshot *s)
{
    bool adopt;
    if (s->memsize != m->memsize || s->ncpus != m->ncpus ||
        !disk_compatible(&m->disk, s, &adopt))
        return false;

    /* Allocate everything first: after this point nothing can fail, so a
     * failed restore leaves the machine as it was. */
    uint8_t *queue = dup_bytes(s->con_queue, s->con_queued);
    uint8_t *disk = NULL;
    if (adopt && s->disk.data)
        disk = dup_bytes(s->disk.data, (size_t)s->disk.nsectors * T32_SECTOR_SIZE);
    if (!queue || (adopt && s->disk.data && !disk)) {
        free(queue);
        free(disk);
        return false;
    }

    memcpy(m->mem, s->mem, m->memsize);
    for (int i = 0; i < m->ncpus; i++) {
        copy_cpu_state(&m->cpu[i], &s->cpu[i]);
        t32_tlb_flush(&m->cpu[i]);
    }
    m->quantum = s->quantum;
    m->rr_cpu = s->rr_cpu;
    m->rr_used = s->rr_used;
    m->bad_port_accesses = s->bad_port_accesses;
    restore_console(&m->console, s, queue);
    if (s->disk.data)
        restore_disk_data(&m->disk, s, disk);
    restore_disk_regs(&m->disk, &s->disk);
    return true;
}

uint32_t t32_snapshot_memsize(const t32_snapshot *s)
{
    return s->memsize;
}

int t32_snapshot_ncpus(const t32_snapshot *s)
{
    return s->ncpus;
}

/* ---- the byte format: writing ------------------------------------------------ */

typedef struct writer {
    uint8_t *p;
    size_t   pos, len;   /* with p == NULL, only counts */
} writer;

static void put_bytes(writer *w, const void *src, size_t n)
{
    if (w->p && n)
        memcpy(w->p + w->pos, src, n);
    w->pos += n;
}

static void put32(writer *w, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    put_bytes(w, b, 4);
}

static void put64(writer *w, uint64_t v)
{
    put32(w, (uint32_t)v);
    put32(w, (uint32_t)(v >> 32));
}

static void put_cpu(writer *w, const t32_cpu *cpu)
{
    for (int i = 0; i < T32_NREGS; i++)
        put32(w, cpu->r[i]);
    put32(w, cpu->pc);
    put32(w, cpu->psr);
    for (int i = 0; i < T32_NSYSREGS; i++)
        put32(w, cpu->sr[i]);
    put64(w, cpu->cycles);
    put64(w, cpu->retired);
    put64(w, cpu->timer_deadline);
    put32(w, cpu->pending);
    put32(w, cpu->halted);
    put32(w, cpu->host_kernel);
    put32(w, (uint32_t)cpu->trap.cause);
    put32(w, cpu->trap.epc);
    put32(w, cpu->trap.badvaddr);
    put32(w, cpu->trap.insn);
    put64(w, cpu->traps_taken);
    put64(w, cpu->irqs_taken);
}

static void put_disk(writer *w, const t32_disk *d)
{
    put32(w, d->nsectors);
    put32(w, d->sector);
    put32(w, d->addr);
    put32(w, d->count);
    put32(w, d->status);
    put32(w, d->ctrl);
    put32(w, d->cmd);
    put64(w, d->done_at);
    if (d->data)
        put_bytes(w, d->data, (size_t)d->nsectors * T32_SECTOR_SIZE);
}

/* Write the whole snapshot (or, with w->p == NULL, just measure it). */
static void put_snapshot(writer *w, const t32_snapshot *s)
{
    put_bytes(w, SNAP_MAGIC, SNAP_MAGIC_LEN);
    put32(w, SNAP_VERSION);
    put32(w, s->memsize);
    put32(w, (uint32_t)s->ncpus);
    put32(w, s->quantum);
    put32(w, (uint32_t)s->rr_cpu);
    put64(w, s->rr_used);
    put64(w, s->bad_port_accesses);
    for (int i = 0; i < s->ncpus; i++)
        put_cpu(w, &s->cpu[i]);
    put32(w, s->con_ctrl);
    put32(w, s->con_eof);
    put64(w, s->con_queued);
    put_bytes(w, s->con_queue, s->con_queued);
    put_disk(w, &s->disk);
    put_bytes(w, s->mem, s->memsize);
}

size_t t32_snapshot_size(const t32_snapshot *s)
{
    writer w = { NULL, 0, 0 };
    put_snapshot(&w, s);
    return w.pos;
}

bool t32_snapshot_serialize(const t32_snapshot *s, void *buf, size_t len)
{
    if (len < t32_snapshot_size(s))
        return false;
    writer w = { buf, 0, len };
    put_snapshot(&w, s);
    return true;
}

/* ---- the byte format: reading untrusted bytes ----------------------------------- */

/* A reader never reads past the end: the first short read sets `err` and
 * every later read returns zeros, so parsing code can check once. */
typedef struct reader {
    const uint8_t *p;
    size_t         pos, len;
    const char    *err;
} reader;

static void fail(reader *r, const char *msg)
{
    if (!r->err)
        r->err = msg;
}

static size_t remaining(const reader *r)
{
    return r->err ? 0 : r->len - r->pos;
}

static const uint8_t *get_bytes(reader *r, size_t n)
{
    if (n > remaining(r)) {
        fail(r, "snapshot is truncated");
        return NULL;
    }
    const uint8_t *p = r->p + r->pos;
    r->pos += n;
    return p;
}

static uint32_t get32(reader *r)
{
    const uint8_t *b = get_bytes(r, 4);
    if (!b)
        return 0;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint64_t get64(reader *r)
{
    uint64_t lo = get32(r);
    return lo | (uint64_t)get32(r) << 32;
}

/* A 0/1 flag; anything else is corruption. */
static bool get_flag(reader *r)
{
    uint32_t v = get32(r);
    if (v > 1)
        fail(r, "snapshot has a bad flag value");
    return v == 1;
}

/* Copy `n` bytes into a new buffer, after checking that they are there. */
static uint8_t *get_copy(reader *r, size_t n)
{
    const uint8_t *src = get_bytes(r, n);
    if (!src)
        return NULL;
    uint8_t *p = dup_bytes(src, n);
    if (!p)
        fail(r, "out of memory reading the snapshot");
    return p;
}

static bool known_cause(uint32_t cause)
{
    return cause < T32_CAUSE_LIMIT && strcmp(t32_cause_name((t32_cause)cause), "?") != 0;
}

static void get_cpu(reader *r, t32_cpu *cpu)
{
    for (int i = 0; i < T32_NREGS; i++)
        cpu->r[i] = get32(r);
    cpu->pc = get32(r);
    cpu->psr = get32(r);
    for (int i = 0; i < T32_NSYSREGS; i++)
        cpu->sr[i] = get32(r);
    cpu->cycles = get64(r);
    cpu->retired = get64(r);
    cpu->timer_deadline = get64(r);
    cpu->pending = get32(r);
    cpu->halted = get_flag(r);
    cpu->host_kernel = get_flag(r);
    uint32_t cause = get32(r);
    cpu->trap.cause = known_cause(cause) ? (t32_cause)cause : T32_CAUSE_NONE;
    cpu->trap.epc = get32(r);
    cpu->trap.badvaddr = get32(r);
    cpu->trap.insn = get32(r);
    cpu->traps_taken = get64(r);
    cpu->irqs_taken = get64(r);

    if (cpu->r[T32_REG_ZERO] != 0)
        fail(r, "snapshot has a non-zero r0");
    if (cpu->psr & ~T32_PSR_MASK)
        fail(r, "snapshot has a bad psr");
    /* EPSR is a PSR too (mtsr keeps only PSR bits, and mfsr epsr would
     * show any other), and cpuid is the CPU's own number. */
    if (cpu->sr[T32_SR_EPSR] & ~T32_PSR_MASK)
        fail(r, "snapshot has a bad epsr");
    if (cpu->sr[T32_SR_CPUID] != (uint32_t)cpu->id)
        fail(r, "snapshot has a bad cpuid");
    /* An armed timer fires at most one interval from now (arming sets
     * the deadline `timer` cycles ahead, and each tick moves it one
     * interval on). */
    uint32_t interval = cpu->sr[T32_SR_TIMER];
    if (interval != 0 && cpu->timer_deadline > cpu->cycles &&
        cpu->timer_deadline - cpu->cycles > interval)
        fail(r, "snapshot has a timer deadline beyond its interval");
    if (cpu->pending & ~((1u << T32_NIRQS) - 1))
        fail(r, "snapshot has bad pending interrupt lines");
    if (!known_cause(cause))
        fail(r, "snapshot has an unknown trap cause");
}

static void get_console(reader *r, t32_snapshot *s)
{
    s->con_ctrl = get32(r);
    s->con_eof = get_flag(r);
    uint64_t queued = get64(r);
    if (s->con_ctrl > 1)
        fail(r, "snapshot has a bad console control register");
    if (queued > MAX_QUEUED || queued > remaining(r))
        fail(r, "snapshot has a bad console input length");
    if (r->err)
        return;
    s->con_queued = (size_t)queued;
    s->con_queue = get_copy(r, s->con_queued);
}

/* `now` is CPU 0's cycle count: device time. */
static void get_disk(reader *r, t32_disk *d, uint64_t now)
{
    d->fd = -1;
    d->nsectors = get32(r);
    d->sector = get32(r);
    d->addr = get32(r);
    d->count = get32(r);
    d->status = get32(r);
    d->ctrl = get32(r);
    d->cmd = get32(r);
    d->done_at = get64(r);
    if (d->nsectors > MAX_SECTORS)
        fail(r, "snapshot disk is too large");
    if (d->status > T32_DISK_ERROR || d->ctrl > 1 || d->cmd > T32_DISK_CMD_WRITE ||
        (d->status == T32_DISK_BUSY && d->cmd == 0))
        fail(r, "snapshot has bad disk registers");
    /* A transfer completes at most 200 + 50 x COUNT cycles after its
     * command, which came at or before now. */
    if (d->status == T32_DISK_BUSY && d->done_at > now &&
        d->done_at - now > t32_disk_latency(d->count))
        fail(r, "snapshot has a disk transfer that ends later than its length allows");
    if (r->err || d->nsectors == 0)
        return;
    d->data = get_copy(r, (size_t)d->nsectors * T32_SECTOR_SIZE);
}

/* The fixed-size header.  Returns false if it is unusable. */
static bool get_header(reader *r, t32_snapshot *s)
{
    const uint8_t *magic = get_bytes(r, SNAP_MAGIC_LEN);
    if (!magic || memcmp(magic, SNAP_MAGIC, SNAP_MAGIC_LEN) != 0) {
        fail(r, "not a T32 snapshot");
        return false;
    }
    if (get32(r) != SNAP_VERSION) {
        fail(r, "unsupported snapshot version");
        return false;
    }
    s->memsize = get32(r);
    uint32_t ncpus = get32(r);
    s->quantum = get32(r);
    uint32_t rr_cpu = get32(r);
    s->rr_used = get64(r);
    s->bad_port_accesses = get64(r);
    if (s->memsize == 0 || s->memsize > MAX_MEMSIZE || s->memsize % T32_PAGE_SIZE)
        fail(r, "snapshot has a bad memory size");
    if (ncpus < 1 || ncpus > T32_MAX_CPUS)
        fail(r, "snapshot has a bad number of CPUs");
    if (s->quantum == 0 || rr_cpu >= ncpus || s->rr_used > s->quantum)
        fail(r, "snapshot has a bad scheduler state");
    s->ncpus = (int)ncpus;
    s->rr_cpu = (int)rr_cpu;
    return r->err == NULL;
}

t32_snapshot *t32_snapshot_deserialize(const void *buf, size_t len, const char **err)
{
    reader r = { buf, 0, len, NULL };
    t32_snapshot *s = calloc(1, sizeof *s);
    if (!s) {
        *err = "out of memory reading the snapshot";
        return NULL;
    }
    if (get_header(&r, s)) {
        for (int i = 0; i < s->ncpus; i++) {
            s->cpu[i].id = i;
            get_cpu(&r, &s->cpu[i]);
        }
        get_console(&r, s);
        get_disk(&r, &s->disk, s->cpu[0].cycles);
        if (!r.err && remaining(&r) != s->memsize)
            fail(&r, remaining(&r) < s->memsize ? "snapshot is truncated"
                                                : "snapshot has trailing bytes");
        if (!r.err)
            s->mem = get_copy(&r, s->memsize);
    }
    if (r.err) {
        t32_snapshot_free(s);
        *err = r.err;
        return NULL;
    }
    return s;
}
