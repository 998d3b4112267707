/*
 * vm.c - building the VMM: the physical machine, its VMs, VMM memory.
 *
 * The VMM carves the machine's one block of RAM into pieces (see the
 * picture in vmm.h): a contiguous piece per VM, which *is* that VM's
 * guest-physical memory (guest physical address 0 is host physical
 * vm->base), and a piece at the top that only the VMM uses - for shadow page
 * tables.  Because each VM's RAM is one contiguous block, the
 * guest-physical -> host-physical map is just "add vm->base", and "is this
 * guest-physical address mine?" is just "gpa < vm->size".
 *
 * A VM starts like a freshly reset T32 (ISA.md section 10): registers 0,
 * virtual PSR = K (kernel mode, interrupts off), every virtual system
 * register 0 (paging and timer off), pc = the image's entry point.
 */
#include <stdlib.h>
#include <string.h>

#include "vmm/vmm.h"

/* ---- VMM memory: frames for shadow tables ---------------------------------- */

/*
 * The VMM's own memory is a simple frame allocator: a "bump" pointer
 * (vmm_next) that hands out never-used frames from the bottom of
 * [vmm_base, vmm_limit), and a stack of frames given back, reused first.
 * Shadow tables are the only users.  These frames lie above every VM's
 * RAM, so no guest-physical address can name them: shadow.c checks every
 * guest frame number against vm->size before it maps anything.
 */

/* A broken invariant of the VMM itself (never something a guest did). */
static void invariant(bool holds, const char *what)
{
    if (!holds) {
        fprintf(stderr, "trapeze: broken invariant: %s\n", what);
        abort();
    }
}

uint32_t vmm_frame_alloc(vmm *v)
{
    uint32_t frame = 0;
    if (v->nfree > 0)
        frame = v->free_frames[--v->nfree];
    else if (v->vmm_limit - v->vmm_next >= T32_PAGE_SIZE) {
        frame = v->vmm_next;
        v->vmm_next += T32_PAGE_SIZE;
    }
    if (frame != 0)
        memset(v->m->mem + frame, 0, T32_PAGE_SIZE);
    return frame;
}

void vmm_frame_free(vmm *v, uint32_t frame)
{
    invariant(frame >= v->vmm_base && frame < v->vmm_next && frame % T32_PAGE_SIZE == 0,
              "only frames of VMM memory that were handed out come back");
    /* The stack has room for every VMM frame (vmm_new), so it can only be
     * full if a frame came back twice. */
    invariant(v->nfree < v->capfree, "no frame is freed twice");
    v->free_frames[v->nfree++] = frame;
}

/* ---- VMs ------------------------------------------------------------------------- */

/* The architectural reset state of a vCPU (ISA.md section 10). */
static void vcpu_reset(vmm_vcpu *vc)
{
    memset(vc, 0, sizeof *vc);
    vc->vpsr = T32_PSR_K;
}

/* A VM whose RAM is host-physical [base, base + size): zeroed, like a
 * machine at power-on, with a reset vCPU and its own devices. */
static vmm_vm *vm_new(vmm *v, int id, uint32_t base, uint32_t size)
{
    vmm_vm *vm = calloc(1, sizeof *vm);
    if (!vm)
        return NULL;
    vm->id = id;
    vm->vmm = v;
    vm->base = base;
    vm->size = size;
    vm->mem = v->m->mem + base;
    vcpu_reset(&vm->vcpu);
    t32_console_init(&vm->con, stdout, 0);
    t32_disk_init_mem(&vm->disk, NULL, 0);   /* no disk: zero sectors */
    vm->at_line_start = true;
    vm->outcome.end = VMM_RUNNING;
    shadow_init(vm);
    return vm;
}

static void vm_free(vmm_vm *vm)
{
    if (!vm)
        return;
    shadow_destroy(vm);
    t32_console_free(&vm->con);
    t32_disk_free(&vm->disk);
    free(vm);
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

static bool create_vms(vmm *v, int nvms, uint32_t vm_size)
{
    for (int i = 0; i < nvms; i++) {
        v->vms[i] = vm_new(v, i, (uint32_t)i * vm_size, vm_size);
        if (!v->vms[i])
            return false;
        v->nvms = i + 1;
    }
    return true;
}

vmm *vmm_new(vmm_mode mode, int nvms, uint32_t vm_size, char *err, size_t errlen)
{
    uint32_t total, vmm_mem;
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
        v->mode = mode;
        v->quantum = VMM_DEFAULT_QUANTUM;
        v->vmm_base = v->vmm_next = total - vmm_mem;
        v->vmm_limit = total;
        v->capfree = vmm_mem / T32_PAGE_SIZE;
        v->free_frames = calloc(v->capfree, sizeof *v->free_frames);
        if (v->free_frames && create_vms(v, nvms, vm_size))
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
    vm->vcpu.pc = img->entry;
    return true;
}
