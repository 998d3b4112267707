/*
 * dot.h - pictures of the VMM as Graphviz DOT text.
 *
 * We only write the graph - nodes, edges, labels; Graphviz's `dot` lays it
 * out and renders it (`dot -Tsvg file.dot -o file.svg`).  `trapeze dot`
 * (vmm/cli/dot.c) runs a guest and calls one of these at its end.
 *
 * Each function writes one complete `digraph` to `out` and returns false if
 * it cannot (no such VM, a bare session for a VMM-only picture, a write
 * error).  Text from the guest (symbol names) is escaped, so any guest
 * gives valid DOT.
 */
#ifndef VMM_REPORT_DOT_H
#define VMM_REPORT_DOT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vmm/session/session.h"

/* The translation of guest virtual address `va` in VM `vm`, as a chain:
 * the guest's PTBR -> its L1 entry -> its L2 entry (with the V R W X U A D
 * bits) -> the guest-physical address -> the host-physical address, and
 * beside it the shadow entry the real MMU uses for the same address (or
 * "not filled yet").  A fault on the way is drawn where the walk stops.
 * The walk is vCPU `vcpu`'s (its PTBR and virtual mode; 0 if there is no
 * such vCPU).  On a bare session the chain ends at the physical address
 * (vm and vcpu ignored). */
bool dot_pagetable(FILE *out, session *s, int vm, int vcpu, uint32_t va);

/* Where VM `vm`'s exits went: exit causes -> the handler that took them
 * (emulate, reflect, hidden page fault, patch, hypercall) -> outcomes,
 * edges labelled with counts from vm->stats. */
bool dot_exits(FILE *out, session *s, int vm);

/* The machine: VMs, their vCPUs, the pCPU(s), each VM's guest-physical
 * memory as a block of host-physical memory, and the VMM's own memory. */
bool dot_vms(FILE *out, session *s);

/* One of the three pictures, as both front ends name it: `trapeze dot
 * KIND` and the debugger's `dot KIND`. */
typedef enum dot_kind { DOT_PAGETABLE, DOT_EXITS, DOT_VMS } dot_kind;

typedef struct dot_picture {
    dot_kind kind;
    int      vm;           /* pagetable, exits: which VM */
    int      vcpu;         /* pagetable: whose walk (the debugger's selected vCPU) */
    uint32_t va;           /* pagetable: the guest virtual address */
} dot_picture;

/* The kind a name means ("pagetable", "exits", "vms"); false if none. */
bool dot_kind_named(const char *name, dot_kind *kind);

/* The format a file name asks for: "svg" or "png" (rendered by Graphviz),
 * or NULL: DOT text (.dot, any other name, or standard output). */
const char *dot_format_of(const char *path);

/* The outcome of dot_write. */
typedef enum dot_result {
    DOT_WRITTEN,           /* the picture is in out */
    DOT_NOT_DRAWABLE,      /* this session has no such picture (no such VM,
                              exits of a bare run); nothing was written */
    DOT_FAILED             /* a write failed or Graphviz could not render:
                              err says which */
} dot_result;

/* Draw picture p of session s into out: DOT text when format is NULL,
 * else (dot_format_of) rendered by Graphviz's `dot`, run as a child with
 * the text on its standard input. */
dot_result dot_write(FILE *out, const char *format, session *s, const dot_picture *p,
                     char *err, size_t errlen);

#endif /* VMM_REPORT_DOT_H */
