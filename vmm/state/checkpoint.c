/*
 * checkpoint.c - a session's whole state, kept in memory and put back.
 *
 * What must be saved follows from one question: what does the rest of the
 * run depend on?  For a bare machine isa/ already answers it
 * (t32_snapshot_take); the session's statistics of it (--stats) go with
 * it.  Under the VMM each VM is the sum of:
 *
 *   guest RAM          a copy of its guest-physical memory
 *   vCPUs              the whole vmm_vcpu but its `vm` back pointer (and
 *                      `cpu`, set only during a turn):
 *                      registers, virtual PSR and system registers, virtual
 *                      time, timer deadline, pending lines, halted, and the
 *                      paravirtual fields (pv_shared, pv_page, pv_unread)
 *   console            where the guest is in its input, CON_CTRL, how many
 *                      bytes it has written (see "input" below)
 *   disk               registers, the transfer in flight, the contents
 *   mode               which one, and the mode's own state:
 *                        trap   none
 *                        pv     none beyond the vCPU fields and guest RAM
 *                        bt     only caches (patched copies, scans): the
 *                               mode is left and entered again, which
 *                               drops them; pages are scanned anew
 *                        emulate  its TLBs - a guest may see a stale entry
 *                               until tlbflush (ISA.md 8), so they are
 *                               guest-visible state and are copied
 *   statistics, outcome  what --stats and the end of the run report
 *
 * What is *not* saved is a cache, rebuilt as the guest runs: shadow page
 * tables (shadow_destroy drops them; the next fault refills), and what the
 * real CPUs hold - their registers only matter during a turn (vcpu_load
 * fills them), their TLBs and PTBR are reloaded because on_cpu[] is
 * cleared (the run loop flushes a CPU whose last vCPU it does not know).
 *
 * Input.  The console reads from the host only when the guest asks, and a
 * pipe or terminal cannot be read twice.  So the first checkpoint tells
 * the console to keep every byte (t32_console_keep_input): inpos and
 * inlen become positions in the whole input, and each refill's end is
 * noted.  A checkpoint saves just the positions; after a restore the
 * console hands out the same bytes in the same portions, from memory.
 *
 * Output.  Bytes already written to a terminal cannot be taken back.  A
 * checkpoint saves the count of bytes the guest has written; after a
 * restore the console drops the bytes the guest writes again until it
 * passes what was shown (t32_console's out_count and out_shown), so going
 * back in a debugger never prints a line twice.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/modes/emulate/emulate.h"
#include "vmm/state/checkpoint.h"

/* The console, as far as the guest can tell. */
typedef struct ck_console {
    size_t   inpos, inlen;     /* positions in the kept input */
    bool     in_eof;
    uint32_t ctrl;
    uint64_t out_count;        /* bytes the guest has written */
} ck_console;

/* One VM. */
typedef struct ck_vm {
    uint8_t    *mem;           /* guest-physical memory, vm->size bytes */
    vmm_vcpu    vcpus[VMM_MAX_VCPUS];   /* `vm` pointers not used */
    int         nvcpus;
    ck_console  con;
    t32_disk    disk;          /* registers; data: a copy (NULL: no disk) */
    vmm_stats   stats;
    vmm_outcome outcome;
    vmm_mode    mode;
    void       *mode_state;    /* a copy of the mode's guest-visible state */
    size_t      mode_len;
} ck_vm;

struct checkpoint {
    t32_snapshot *bare;        /* a bare session: the machine ... */
    ck_console    bare_con;    /* ... its console's input position ... */
    vmm_stats     bare_stats;  /* ... and what --stats has counted of it */
    ck_vm         vms[VMM_MAX_VMS];   /* a VMM session: every VM */
    int           nvms;
    size_t        bytes;
};

/* ---- the console ---------------------------------------------------------- */

static bool console_take(ck_console *k, t32_console *c)
{
    if (!t32_console_keep_input(c))
        return false;
    k->inpos = c->inpos;
    k->inlen = c->inlen;
    k->in_eof = c->in_eof;
    k->ctrl = c->ctrl;
    k->out_count = c->out_count;
    return true;
}

/* Can the console go back to k?  Only while it still keeps its input. */
static bool console_fits(const t32_console *c, const ck_console *k)
{
    return c->in_keep && k->inpos <= k->inlen && k->inlen <= c->in_known;
}

static void console_restore(t32_console *c, const ck_console *k)
{
    c->inpos = k->inpos;
    c->inlen = k->inlen;
    c->in_eof = k->in_eof;
    c->ctrl = k->ctrl;
    c->out_count = k->out_count;
}

/* ---- the disk -------------------------------------------------------------- */

static size_t disk_bytes(const t32_disk *d)
{
    return d->data ? (size_t)d->nsectors * T32_SECTOR_SIZE : 0;
}

static bool disk_take(t32_disk *k, const t32_disk *d)
{
    *k = *d;
    k->fd = -1;
    k->data = NULL;
    if (!d->data)
        return true;
    k->data = malloc(disk_bytes(d));
    if (k->data)
        memcpy(k->data, d->data, disk_bytes(d));
    return k->data != NULL;
}

/* The contents back, sector by sector, and through to the image file
 * where they differ (the file always holds what the guest wrote last). */
static void disk_restore(t32_disk *d, const t32_disk *k)
{
    for (uint32_t i = 0; k->data && i < d->nsectors; i++) {
        size_t off = (size_t)i * T32_SECTOR_SIZE;
        if (memcmp(d->data + off, k->data + off, T32_SECTOR_SIZE) == 0)
            continue;
        memcpy(d->data + off, k->data + off, T32_SECTOR_SIZE);
        t32_disk_write_through(d, off, T32_SECTOR_SIZE);
    }
    d->sector = k->sector;
    d->addr = k->addr;
    d->count = k->count;
    d->status = k->status;
    d->ctrl = k->ctrl;
    d->cmd = k->cmd;
    d->done_at = k->done_at;
}

/* ---- a mode's own state ------------------------------------------------------ */

/* Bytes of a mode's state that the guest can see, copied as they are (the
 * rest of every mode's state is a cache, or lives in the vCPUs). */
static size_t mode_state_len(const vmm_vm *vm)
{
    if (vm->mode->id == VMM_MODE_EMULATE)
        return VMM_MAX_VCPUS * sizeof(emu_vcpu);   /* its TLBs */
    return 0;
}

/* Put the VM in mode `id` with a fresh state: switch if it is in another
 * mode, else leave and enter again (dropping caches such as bt's copies). */
static bool mode_reset(vmm_vm *vm, vmm_mode id)
{
    if (vm->mode->id != id)
        return vmm_vm_set_mode(vm, id);
    if (vm->mode->leave)
        vm->mode->leave(vm);
    if (vm->mode->enter && !vm->mode->enter(vm)) {
        vmm_vm_stop(vm, &vm->vcpus[0], VMM_END_NO_MEMORY);
        return false;
    }
    return true;
}

/* ---- one VM ---------------------------------------------------------------------- */

static void vm_free(ck_vm *k)
{
    free(k->mem);
    free(k->disk.data);
    free(k->mode_state);
}

static bool vm_take(ck_vm *k, vmm_vm *vm, size_t *bytes)
{
    k->mem = malloc(vm->size);
    k->mode_len = mode_state_len(vm);
    k->mode_state = k->mode_len ? malloc(k->mode_len) : NULL;
    if (!k->mem || (k->mode_len && !k->mode_state) || !disk_take(&k->disk, &vm->disk) ||
        !console_take(&k->con, &vm->con))
        return false;
    memcpy(k->mem, vm->mem, vm->size);
    if (k->mode_len)
        memcpy(k->mode_state, vm->mode_state, k->mode_len);
    memcpy(k->vcpus, vm->vcpus, sizeof k->vcpus);
    k->nvcpus = vm->nvcpus;
    k->stats = vm->stats;
    k->outcome = vm->outcome;
    k->mode = vm->mode->id;
    *bytes += sizeof *k + vm->size + disk_bytes(&vm->disk) + k->mode_len;
    return true;
}

static bool vm_fits(const vmm_vm *vm, const ck_vm *k)
{
    return k->mem && vm->disk.nsectors == k->disk.nsectors &&
           (vm->disk.data != NULL) == (k->disk.data != NULL) &&
           console_fits(&vm->con, &k->con);
}

static bool vm_restore(vmm_vm *vm, const ck_vm *k)
{
    if (!mode_reset(vm, k->mode))
        return false;
    memcpy(vm->mem, k->mem, vm->size);
    for (int i = 0; i < VMM_MAX_VCPUS; i++) {
        vm->vcpus[i] = k->vcpus[i];
        vm->vcpus[i].vm = vm;
        vm->vcpus[i].cpu = NULL;     /* on a real CPU only during a turn */
    }
    vm->nvcpus = k->nvcpus;
    console_restore(&vm->con, &k->con);
    disk_restore(&vm->disk, &k->disk);
    vm->stats = k->stats;
    vm->outcome = k->outcome;
    if (k->mode_len && mode_state_len(vm) == k->mode_len)
        memcpy(vm->mode_state, k->mode_state, k->mode_len);
    /* The caches: no shadow table, and no real CPU that still holds this
     * VM's translations (the run loop flushes its TLB and reloads PTBR). */
    shadow_destroy(vm);
    for (int i = 0; i < T32_MAX_CPUS; i++)
        vm->vmm->on_cpu[i] = NULL;
    return true;
}

/* ---- the session ----------------------------------------------------------------- */

checkpoint *checkpoint_take(session *s)
{
    checkpoint *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->bytes = sizeof *c;
    vmm *v = session_vmm(s);
    bool ok = true;
    if (!v) {
        t32_machine *m = session_machine(s);
        c->bare = t32_snapshot_take(m);
        ok = c->bare && console_take(&c->bare_con, &m->console);
        c->bare_stats = *session_bare_stats(s);
        c->bytes += m->memsize + disk_bytes(&m->disk);
    }
    for (int i = 0; ok && v && i < v->nvms; i++) {
        c->nvms = i + 1;
        ok = vm_take(&c->vms[i], v->vms[i], &c->bytes);
    }
    if (!ok) {
        checkpoint_free(c);
        return NULL;
    }
    return c;
}

/* A bare machine: isa's snapshot, then the console's input position
 * (t32_snapshot_restore would install its own copy of the unread bytes;
 * the console keeps its whole input instead). */
static bool restore_bare(t32_machine *m, const checkpoint *c)
{
    t32_console *con = &m->console;
    if (!c->bare || !console_fits(con, &c->bare_con))
        return false;
    uint8_t *kept = con->inbuf;
    size_t cap = con->incap;
    con->inbuf = NULL;
    bool ok = t32_snapshot_restore(m, c->bare);
    free(con->inbuf);
    con->inbuf = kept;
    con->incap = cap;
    if (ok)
        console_restore(con, &c->bare_con);
    return ok;
}

bool checkpoint_restore(session *s, const checkpoint *c)
{
    vmm *v = session_vmm(s);
    if (!v) {
        if (!restore_bare(session_machine(s), c))
            return false;
        *session_bare_stats(s) = c->bare_stats;
        return true;
    }
    if (c->bare || c->nvms != v->nvms)
        return false;
    for (int i = 0; i < v->nvms; i++)
        if (!vm_fits(v->vms[i], &c->vms[i]))
            return false;
    for (int i = 0; i < v->nvms; i++)
        if (!vm_restore(v->vms[i], &c->vms[i]))
            return false;
    return true;
}

size_t checkpoint_bytes(const checkpoint *c)
{
    return c ? c->bytes : 0;
}

void checkpoint_free(checkpoint *c)
{
    if (!c)
        return;
    t32_snapshot_free(c->bare);
    for (int i = 0; i < c->nvms; i++)
        vm_free(&c->vms[i]);
    free(c);
}
