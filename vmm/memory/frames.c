/*
 * frames.c - the VMM's own memory: frames for shadow page tables and bt's
 * patched copies.
 */
#include <string.h>

#include "vmm/vmm.h"

/*
 * The VMM's own memory is a simple frame allocator: a "bump" pointer
 * (vmm_next) that hands out never-used frames from the bottom of
 * [vmm_base, vmm_limit), and a stack of frames given back, reused first.
 * Shadow tables and bt's patched copies use them.  These frames lie above every VM's
 * RAM, so no guest-physical address can name them: shadow.c checks every
 * guest frame number against vm->size before it maps anything.
 */

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
    vmm_invariant(frame >= v->vmm_base && frame < v->vmm_next && frame % T32_PAGE_SIZE == 0,
              "only frames of VMM memory that were handed out come back");
    /* The stack has room for every VMM frame (vmm_new), so it can only be
     * full if a frame came back twice. */
    vmm_invariant(v->nfree < v->capfree, "no frame is freed twice");
    v->free_frames[v->nfree++] = frame;
}

