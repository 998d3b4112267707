/*
 * vdev.c - the virtual devices: what `in` and `out` reach inside a VM.
 *
 * A guest kernel drives its devices with `in`/`out`.  Those are privileged,
 * so in a VM each one traps, and emulate.c hands the port access to this
 * file.  The VM's devices are ordinary T32 devices (console.c, disk.c) - the
 * very code the bare machine uses - with two differences:
 *
 *   - their time is vCPU 0's *virtual* time (vmm_vm_time), so a disk
 *     transfer takes 200 + 50 x count of the guest's own cycles, as on bare
 *     T32, however long the VMM spends elsewhere;
 *   - the disk's DMA goes to the VM's guest-physical memory (vm->mem,
 *     vm->size), never to host-physical addresses.  A guest that programs a
 *     DMA address outside its RAM gets the ERROR status a bare T32 with that
 *     much RAM would give; it cannot reach another VM or the VMM.
 *
 * MEMSIZE reports the VM's RAM and NCPUS its vCPUs: the guest sees a whole
 * T32 machine of its own.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "vmm/modes/mode.h"

/* Complete a disk transfer that is due at the current virtual time. */
static void disk_catch_up(vmm_vm *vm)
{
    const t32_disk *d = &vm->disk;
    bool reading = d->status == T32_DISK_BUSY && d->cmd == T32_DISK_CMD_READ;
    t32_disk_tick(&vm->disk, vmm_vm_time(vm), vm->mem, vm->size);
    /* A read landed in guest memory behind the CPU's back: the mode may
     * care (binary translation drops the patches of code it overwrote). */
    if (reading && d->status == T32_DISK_DONE && vm->mode->memory_written)
        vm->mode->memory_written(vm, d->addr, d->count * T32_SECTOR_SIZE);
}

/* The port map is bare T32's (t32_port_decode in t32.h): a guest finds its
 * devices where the hardware has them. */
uint32_t vdev_in(vmm_vm *vm, uint32_t port)
{
    unsigned off;
    switch (t32_port_decode(port, &off)) {
    case T32_DEV_MEMSIZE:
        return vm->size;
    case T32_DEV_NCPUS:
        return (uint32_t)vm->nvcpus;
    case T32_DEV_CONSOLE:
        return t32_console_in(&vm->con, off);
    case T32_DEV_DISK:
        disk_catch_up(vm);
        return t32_disk_in(&vm->disk, off);
    case T32_DEV_NONE:
        break;
    }
    return 0xffffffffu;     /* no device: the bus reads all ones */
}

void vdev_out(vmm_vm *vm, uint32_t port, uint32_t value)
{
    unsigned off;
    switch (t32_port_decode(port, &off)) {
    case T32_DEV_CONSOLE:
        t32_console_out(&vm->con, off, value);
        break;
    case T32_DEV_DISK:
        disk_catch_up(vm);
        t32_disk_out(&vm->disk, off, value, vmm_vm_time(vm));
        break;
    case T32_DEV_MEMSIZE:
    case T32_DEV_NCPUS:
    case T32_DEV_NONE:
        break;      /* read-only or nothing there: the write is ignored */
    }
}

bool vdev_input_would_wait(vmm_vm *vm, uint32_t port)
{
    unsigned off;
    if (t32_port_decode(port, &off) != T32_DEV_CONSOLE ||
        (off != T32_PORT_CON_DATA - T32_PORT_CON_DATA &&
         off != T32_PORT_CON_STATUS - T32_PORT_CON_DATA))
        return false;
    return t32_console_poll(&vm->con) == T32_CON_INPUT_WAIT;
}

void vdev_wait_input(vmm *v)
{
    struct pollfd fds[VMM_MAX_VMS];
    nfds_t n = 0;
    fflush(stdout);          /* what the VMs said so far shows while we wait */
    for (int i = 0; i < v->nvms; i++)
        if (v->vms[i]->waiting_input && v->vms[i]->con.in_fd >= 0)
            fds[n++] = (struct pollfd){ .fd = v->vms[i]->con.in_fd, .events = POLLIN };
    while (n > 0 && poll(fds, n, -1) < 0 && errno == EINTR && !v->stop)
        ;                    /* (a front end's stop: a Ctrl-C, say) */
}

uint32_t vdev_lines(vmm_vm *vm)
{
    if (t32_devices_quiet(&vm->con, &vm->disk))
        return 0;
    disk_catch_up(vm);
    uint32_t lines = 0;
    if (t32_console_irq(&vm->con))
        lines |= 1u << T32_IRQ_CONSOLE;
    if (t32_disk_irq(&vm->disk))
        lines |= 1u << T32_IRQ_DISK;
    return lines;
}

uint64_t vdev_next_event(const vmm_vm *vm)
{
    /* The console never changes by itself (input is read on demand). */
    return vm->disk.status == T32_DISK_BUSY ? vm->disk.done_at : UINT64_MAX;
}

/* ---- one terminal, several VMs ----------------------------------------------
 *
 * A single VM's console writes straight to stdout: exactly the bytes the
 * guest wrote.  When several VMs share stdout, each one's output is
 * collected in its console buffer (con.outbuf) during its turn, and after
 * the turn vdev_console_flush() prints it, a line at a time, each line
 * behind the VM's prefix "[vmN] ".  Three rules keep that honest:
 *
 *   - Lines never mix.  Only whole lines go out; an unfinished line waits
 *     in the buffer for the VM's next turn (or its end).
 *   - No VM can pose as another.  A guest that prints "\r[vm1] ..." must
 *     not overwrite its own prefix and pass as VM 1, nor drive the
 *     terminal with escape sequences.  So a guest's bytes are *shown*, not
 *     obeyed: printable ASCII and tab as they are; `\` as "\\", carriage
 *     return as "\r", and every other byte (control characters, DEL, bytes
 *     >= 0x80) as "\xHH".
 *   - The cost is linear and the wait bounded.  Every byte is examined
 *     once (con.outseen remembers how far the last flush looked), and a
 *     line that grows past VDEV_LINE_MAX bytes is cut: its first
 *     VDEV_LINE_MAX bytes go out with a single "\" at the end (never
 *     ambiguous: a guest's own backslash shows as two), the rest continues
 *     on the next prefixed line.  A VM that never prints a newline thus
 *     holds at most VDEV_LINE_MAX bytes back.
 *
 * Output errors (a full disk, a closed pipe) are noted in the console
 * (t32_console_note_error), for the front end to report.
 */

#define VDEV_LINE_MAX 4096u    /* bytes of one line a VM may hold back */

/* Show one guest byte as the rules above say.  EOF if the write failed. */
static int put_shown(FILE *f, unsigned char b)
{
    if (b == '\\')
        return fputs("\\\\", f);
    if (b == '\r')
        return fputs("\\r", f);
    if (b == '\t' || (b >= 0x20 && b < 0x7f))
        return fputc(b, f);
    return fprintf(f, "\\x%02x", b) < 0 ? EOF : 0;
}

/* Print `n` bytes of the buffer from `start` as one line: the prefix, the
 * bytes shown, and `end` ("\n", or "\\\n" for a line that was cut). */
static void print_line(vmm_vm *vm, size_t start, size_t n, const char *end)
{
    FILE *f = vm->prefix_out;
    const char *s = vm->con.outbuf + start;
    int rc = fputs(vm->prefix, f);
    for (size_t i = 0; i < n && rc != EOF; i++)
        rc = put_shown(f, (unsigned char)s[i]);
    if (rc != EOF)
        rc = fputs(end, f);
    if (rc == EOF)
        t32_console_note_error(&vm->con, errno);
}

/* Drop the first n bytes of the buffer (they have been printed); what
 * stays has been examined already. */
static void consume(t32_console *c, size_t n)
{
    memmove(c->outbuf, c->outbuf + n, c->outlen - n + 1);   /* with the NUL */
    c->outlen -= n;
    c->outseen = c->outlen;
}

/* Print the lines that are complete (or too long to wait), and with
 * `final` the rest; look only at bytes not examined before. */
static void print_lines(vmm_vm *vm, bool final)
{
    t32_console *c = &vm->con;
    size_t start = 0;           /* where the line being looked at begins */
    size_t seen = c->outseen <= c->outlen ? c->outseen : 0;
    for (size_t i = seen; i < c->outlen; i++) {
        if (c->outbuf[i] == '\n') {
            print_line(vm, start, i - start, "\n");
            start = i + 1;
        } else if (i - start == VDEV_LINE_MAX) {
            print_line(vm, start, VDEV_LINE_MAX, "\\\n");   /* cut */
            start = i;
        }
    }
    if (final && start < c->outlen) {
        print_line(vm, start, c->outlen - start, "\n");    /* end it */
        start = c->outlen;
    }
    consume(c, start);
}

void vdev_console_flush(vmm_vm *vm, bool final)
{
    if (!vm->prefix_out)
        return;
    if (vm->con.outlen > 0)
        print_lines(vm, final);
    if (final && fflush(vm->prefix_out) == EOF)
        t32_console_note_error(&vm->con, errno);
}
