/*
 * guest.c - a guest's memory as the guest sees it (guest.h).
 */
#include "vmm/memory/guest.h"
#include "vmm/vmm.h"

/* A word of guest-physical memory, for the walker.  False if `gpa` lies
 * outside the VM's RAM: on bare T32 that is exactly where a table walk
 * raises BUS_ERROR.  (Page-table entries are word aligned and vm->size is a
 * whole number of pages, so gpa < size means the whole word is inside.) */
static bool ram_read(void *ctx, uint32_t gpa, uint32_t *word)
{
    return guest_read32(ctx, gpa, word);
}

static bool ram_write(void *ctx, uint32_t gpa, uint32_t word)
{
    return guest_write32(ctx, gpa, word);
}

/* (The const is cast away for the write callback, which only
 * t32_walk_mark calls, on behalf of a caller that holds the VM writable.) */
t32_ptmem guest_ram(const vmm_vm *vm)
{
    return (t32_ptmem){ .read = ram_read, .write = ram_write, .ctx = (void *)vm,
                        .size = vm->size };
}

/*
 * The two-level walk of ISA.md section 8 - the very walker the real CPU's
 * MMU uses (t32_walk in isa/mmu.c) - through the guest's virtual PTBR, in
 * the vCPU's virtual mode, reading the guest's tables in guest-physical
 * memory:
 *
 *   guest PTBR --> L1 table --[L1 index]--> L2 table --[L2 index]--> page
 *
 * Each step that leaves guest RAM is a BUS_ERROR, each step the entries do
 * not allow is the access's page fault - in the order the hardware meets
 * them.  With guest paging off, guest virtual = guest physical, checked
 * against vm->size.
 */
t32_cause guest_walk(const vmm_vcpu *vc, uint32_t va, t32_access access, t32_walk_result *w)
{
    t32_ptmem mem = guest_ram(vc->vm);
    return t32_walk(&mem, vc->vsr[T32_SR_PTBR], va, access, (vc->vpsr & T32_PSR_K) != 0, w);
}

guest_addr guest_access_walk(vmm_vcpu *vc, uint32_t va, t32_access access)
{
    t32_walk_result w;
    guest_addr a = { .cause = guest_walk(vc, va, access, &w), .va = va };
    if (a.cause != T32_CAUSE_NONE)
        return a;
    t32_ptmem mem = guest_ram(vc->vm);
    vmm_invariant(t32_walk_mark(&mem, &w, access), "a guest PTE just read is in guest RAM");
    a.gpa = w.pa;
    return a;
}
