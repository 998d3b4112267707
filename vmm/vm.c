/*
 * vm.c - building the VMM: the physical machine, its VMs, VMM memory.
 *
 * The VMM carves the machine's one block of RAM into pieces (see the
 * picture in vmm.h): a contiguous piece per VM, which *is* that VM's
 * guest-physical memory (guest physical address 0 is host physical
 * vm->base), and a piece at the top that only the VMM uses - for shadow page
 * tables and bt's patched copies (memory/frames.c).  Because each VM's RAM is one contiguous block, the
 * guest-physical -> host-physical map is just "add vm->base", and "is this
 * guest-physical address mine?" is just "gpa < vm->size".
 *
 * A VM starts like a freshly reset T32 (ISA.md section 10): registers 0,
 * virtual PSR = K (kernel mode, interrupts off), every virtual system
 * register 0 (paging and timer off), pc = the image's entry point.
 */
#include <stdlib.h>
#include <string.h>

#include "vmm/modes/mode.h"

/* ---- VMs ------------------------------------------------------------------------- */

/* The architectural reset state of vCPU `id` of `vm` (ISA.md section 10). */
static void vcpu_reset(vmm_vcpu *vc, vmm_vm *vm, int id)
{
    memset(vc, 0, sizeof *vc);
    vc->vm = vm;
    vc->id = id;
    vc->vpsr = T32_PSR_K;
    vc->pc = vm->image ? vm->image->entry : 0;
}

bool vmm_vm_set_vcpus(vmm_vm *vm, int n)
{
    if (n < 1 || n > VMM_MAX_VCPUS)
        return false;
    vm->nvcpus = n;
    for (int i = 0; i < n; i++)
        vcpu_reset(&vm->vcpus[i], vm, i);
    return true;
}

static void vm_free(vmm_vm *vm)
{
    if (!vm)
        return;
    if (vm->mode && vm->mode->leave)
        vm->mode->leave(vm);       /* the mode's own state */
    shadow_destroy(vm);
    t32_console_free(&vm->con);
    t32_disk_free(&vm->disk);
    free(vm);
}

/* A VM whose RAM is host-physical [base, base + size): zeroed, like a
 * machine at power-on, with a reset vCPU and its own devices. */
static vmm_vm *vm_new(vmm *v, vmm_mode mode, int id, uint32_t base, uint32_t size)
{
    vmm_vm *vm = calloc(1, sizeof *vm);
    if (!vm)
        return NULL;
    vm->id = id;
    vm->vmm = v;
    vm->base = base;
    vm->size = size;
    vm->mem = v->m->mem + base;
    vmm_vm_set_vcpus(vm, 1);
    t32_console_init(&vm->con, stdout, 0);
    t32_disk_init_mem(&vm->disk, NULL, 0);   /* no disk: zero sectors */
    vm->outcome.end = VMM_RUNNING;
    shadow_init(vm);
    vm->mode = mode_get(mode);
    if (vm->mode->enter && !vm->mode->enter(vm)) {
        vm->mode = NULL;
        vm_free(vm);
        return NULL;
    }
    return vm;
}


/* ---- the VMM ------------------------------------------------------------------------ */

/* Lay out host memory for `nvms` VMs of `vm_size` bytes: the VMs from
 * address 0 up, back to back, then VMM_MEM_PER_VM bytes per VM for the
 * VMM.  False if it would not fit in a T32 machine (at most 1 GiB). */
static bool layout(int nvms, uint32_t vm_size, uint32_t *total, uint32_t *vmm_mem)
{
    uint64_t guests = (uint64_t)nvms * vm_size;
    uint64_t own = (uint64_t)nvms * VMM_MEM_PER_VM;
    if (guests + own > (1u << 30))
        return false;
    *total = (uint32_t)(guests + own);
    *vmm_mem = (uint32_t)own;
    return true;
}

static bool create_vms(vmm *v, vmm_mode mode, int nvms, uint32_t vm_size)
{
    for (int i = 0; i < nvms; i++) {
        v->vms[i] = vm_new(v, mode, i, (uint32_t)i * vm_size, vm_size);
        if (!v->vms[i])
            return false;
        v->nvms = i + 1;
    }
    return true;
}

vmm *vmm_new(vmm_mode mode, int nvms, uint32_t vm_size, char *err, size_t errlen)
{
    uint32_t total, vmm_mem;
    if (!mode_get(mode)) {
        snprintf(err, errlen, "mode %s runs no VMM", mode_name(mode));
        return NULL;
    }
    if (nvms < 1 || nvms > VMM_MAX_VMS || vm_size == 0 || vm_size % T32_PAGE_SIZE ||
        !layout(nvms, vm_size, &total, &vmm_mem)) {
        snprintf(err, errlen, "cannot fit %d VMs of %u bytes in 1 GiB of RAM", nvms,
                 (unsigned)vm_size);
        return NULL;
    }
    vmm *v = calloc(1, sizeof *v);
    if (v)
        v->m = t32_machine_new(total, 1);
    if (v && v->m) {
        v->quantum = VMM_DEFAULT_QUANTUM;
        v->vmm_base = v->vmm_next = total - vmm_mem;
        v->vmm_limit = total;
        v->capfree = vmm_mem / T32_PAGE_SIZE;
        v->free_frames = calloc(v->capfree, sizeof *v->free_frames);
        if (v->free_frames && create_vms(v, mode, nvms, vm_size))
            return v;
    }
    snprintf(err, errlen, "out of memory for %d VMs of %u bytes", nvms, (unsigned)vm_size);
    vmm_free(v);
    return NULL;
}

void vmm_free(vmm *v)
{
    if (!v)
        return;
    for (int i = 0; i < v->nvms; i++)
        vm_free(v->vms[i]);
    free(v->free_frames);
    t32_machine_free(v->m);
    free(v);
}

/* The loader writes guest-physical memory: the image's addresses are the
 * guest's physical addresses, exactly as on bare T32, and t32_image_load
 * refuses a segment that does not fit in the VM's RAM. */
bool vmm_vm_load(vmm_vm *vm, const t32_image *img, char *err, size_t errlen)
{
    if (!t32_image_load(img, vm->mem, vm->size, err, errlen))
        return false;
    vm->image = img;
    for (int i = 0; i < vm->nvcpus; i++)
        vm->vcpus[i].pc = img->entry;
    return true;
}

bool vmm_vm_set_mode(vmm_vm *vm, vmm_mode id)
{
    const vmm_mode_ops *mode = mode_get(id), *old = vm->mode;
    if (!mode)
        return false;
    if (mode == old)
        return true;
    if (old->leave)
        old->leave(vm);
    vm->mode = mode;
    if (mode->enter && !mode->enter(vm)) {
        /* Not enough memory for the new mode: stay in the old one, which
         * had what it needs a moment ago. */
        vm->mode = old;
        if (old->enter && !old->enter(vm))
            vmm_vm_stop(vm, &vm->vcpus[0], VMM_END_NO_MEMORY);
        return false;
    }
    /* Whatever the old mode left on the real CPUs is not the new one's. */
    for (int i = 0; i < T32_MAX_CPUS; i++)
        vm->vmm->on_cpu[i] = NULL;
    /* Told at a vCPU still running, on its clock: vCPU 0 may have halted
     * long before (the switch is made when the others get there). */
    vmm_vcpu *at = vmm_live_vcpu(vm);
    vmm_notify(at, &(vmm_event){ .kind = VMM_EV_MODE, .pc = at->pc });
    return true;
}
