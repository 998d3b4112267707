/*
 * invariant.c - the VMM's one way to stop on its own bugs.
 *
 * A guest can do anything; whatever it does is a value the VMM handles (an
 * exit, a fault to reflect, a stopped VM).  Only the VMM's own broken
 * assumptions end the program, and they all end here.
 */
#include <stdio.h>
#include <stdlib.h>

#include "vmm/vmm.h"

void vmm_invariant_broken(const char *what)
{
    fprintf(stderr, "trapeze: broken invariant: %s\n", what);
    abort();
}
