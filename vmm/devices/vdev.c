/*
 * vdev.c - the virtual devices: what `in` and `out` reach inside a VM.
 *
 * A guest kernel drives its devices with `in`/`out`.  Those are privileged,
 * so in a VM each one traps, and emulate.c hands the port access to this
 * file.  The VM's devices are ordinary T32 devices (console.c, disk.c) - the
 * very code the bare machine uses - with two differences:
 *
 *   - their time is the vCPU's *virtual* time (vcpu.vcycles), so a disk
 *     transfer takes 200 + 50 x count of the guest's own cycles, as on bare
 *     T32, however long the VMM spends elsewhere;
 *   - the disk's DMA goes to the VM's guest-physical memory (vm->mem,
 *     vm->size), never to host-physical addresses.  A guest that programs a
 *     DMA address outside its RAM gets the ERROR status a bare T32 with that
 *     much RAM would give; it cannot reach another VM or the VMM.
 *
 * MEMSIZE reports the VM's RAM and NCPUS one CPU: the guest sees a whole
 * T32 machine of its own.
 */
#include <string.h>

#include "vmm/vmm.h"

/* Complete a disk transfer that is due at the current virtual time. */
static void disk_catch_up(vmm_vm *vm)
{
    t32_disk_tick(&vm->disk, vm->vcpu.vcycles, vm->mem, vm->size);
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
        return 1;
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
        t32_disk_out(&vm->disk, off, value, vm->vcpu.vcycles);
        break;
    case T32_DEV_MEMSIZE:
    case T32_DEV_NCPUS:
    case T32_DEV_NONE:
        break;      /* read-only or nothing there: the write is ignored */
    }
}

uint32_t vdev_lines(vmm_vm *vm)
{
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

/* Print bytes [0, n) of the console buffer, each line behind the prefix. */
static void print_prefixed(vmm_vm *vm, size_t n)
{
    const char *out = vm->con.outbuf;
    for (size_t i = 0; i < n; i++) {
        if (vm->at_line_start)
            fputs(vm->prefix, vm->prefix_out);
        fputc(out[i], vm->prefix_out);
        vm->at_line_start = out[i] == '\n';
    }
}

/* Only whole lines go out, so that the lines of VMs that share a terminal
 * never mix; an unfinished line waits in the buffer for the VM's next
 * turn, or for the end (`final`), when it is ended with a newline. */
void vdev_console_flush(vmm_vm *vm, bool final)
{
    t32_console *c = &vm->con;
    if (!vm->prefix_out || c->outlen == 0)
        return;
    size_t n = c->outlen;
    while (!final && n > 0 && c->outbuf[n - 1] != '\n')
        n--;
    print_prefixed(vm, n);
    memmove(c->outbuf, c->outbuf + n, c->outlen - n + 1);   /* with the NUL */
    c->outlen -= n;
    if (final && !vm->at_line_start) {
        fputc('\n', vm->prefix_out);
        vm->at_line_start = true;
    }
}
