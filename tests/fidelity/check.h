/*
 * check.h - run one guest on bare T32 and under a VMM mode, in this
 * process, and compare everything the guest can observe.
 *
 * Popek and Goldberg's fidelity is a statement about final states: a guest
 * run under the VMM ends exactly as it ends on bare T32.  fid_run() runs a
 * guest one way and keeps its final state - how it ended, registers, PSR
 * (the virtual one in a VM), system registers, cycles, instructions,
 * console bytes and all of its RAM - and fid_diff() names the first thing
 * that differs between two such states.
 *
 * Trap-and-emulate is *meant* to differ where the guest kernel executes
 * pushf or popf (ISA.md, "Virtualizability").  fid_check() accepts such a
 * difference only if it goes away when exactly those instructions are
 * gone: it collects, on the bare run, the addresses of every pushf/popf
 * executed in kernel mode, overwrites them with nop in both runs, and
 * demands identity - repeating while the patched bare run reaches further
 * pushf/popf (a few rounds at most).  Any other difference is a fidelity
 * bug, reported with the first instruction after which the two runs'
 * states differ (its count, cycle, pc and symbol, the instruction) and
 * what differs after it: each register, the first memory word, the first
 * console byte.  It is found only then, by running both again - stepped
 * together over the first cycles, by bisection beyond (check.c says how).
 */
#ifndef FIDELITY_CHECK_H
#define FIDELITY_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vmm/vmm.h"

#define FID_MAX_NOPS 256      /* kernel pushf/popf addresses patched, at most */

/* A guest to run: an image and the machine it gets. */
typedef struct fid_guest {
    const char      *name;     /* for messages */
    const t32_image *img;
    const uint8_t   *disk;     /* disk contents (NULL: no disk); each run gets a copy */
    size_t           disklen;
    const uint8_t   *input;    /* console input, then end of input */
    size_t           inlen;
    uint32_t         mem;      /* bytes of RAM */
    uint64_t         limit;    /* instruction limit in cycles (0: none) */
    uint32_t         nops[FID_MAX_NOPS];  /* physical addresses to overwrite with nop */
    size_t           nnops;
} fid_guest;

/* The final state of one run. */
typedef struct fid_state {
    int         mode;          /* VMM_MODE_BARE, or the VMM mode it ran in */
    vmm_outcome out;
    vmm_stats   st;
    uint32_t    r[T32_NREGS], psr, sr[T32_NSYSREGS];
    uint64_t    cycles;
    char       *con;           /* console output (malloc'd) */
    size_t      conlen;
    uint8_t    *ram;           /* a copy of all of its RAM (malloc'd) */
    uint32_t    ramsize;
} fid_state;

/* Run `g` in `mode` (VMM_MODE_BARE: bare T32).  False, with a message in
 * err, if the machine or VMM cannot be built or the image not loaded. */
bool fid_run(const fid_guest *g, int mode, fid_state *s, char *err, size_t errlen);
void fid_state_free(fid_state *s);

/* FNV-1a of the RAM: a short name for a whole final memory. */
uint64_t fid_ram_hash(const fid_state *s);

/* The first difference between a bare state and another, as one line into
 * buf (pc values with their symbol from img).  False if they are the same. */
bool fid_diff(const fid_state *bare, const fid_state *vm, const t32_image *img,
              char *buf, size_t len);

/* The result of fid_check. */
typedef struct fid_result {
    bool     ok;
    bool     popf_explained;   /* differed only by kernel pushf/popf */
    size_t   nops;             /* how many were patched to show it */
    uint64_t bare_insns, vm_insns;
    uint64_t direct_insns;     /* run directly in the VM */
    uint64_t ram_hash;         /* of the bare run */
    vmm_end  end;              /* how the bare run ended */
    fid_state *bare;           /* if set by the caller: gets the (last) bare
                                  run's final state, to free with fid_state_free */
} fid_result;

/* Check `mode` against bare T32 on guest `g`: identity, or (popf_allowed)
 * identity once the kernel's pushf/popf are nops.  `emulate` also demands
 * that no instruction ran directly.  On a mismatch a report goes to `out`:
 * the difference, the first divergence, and how to reproduce. */
bool fid_check(const fid_guest *g, int mode, bool popf_allowed, FILE *out, fid_result *res);

/* Print where bare and `mode` first part on guest g: the first cycle
 * after which anything the guest can observe differs - registers (r0-r15,
 * pc, PSR, the stored system registers), RAM, console output, or one side
 * having stopped - with the instruction run in it, its pc and symbol, and
 * every difference then.  The runs are built again from g, so this costs
 * nothing unless called. */
void fid_first_divergence(const fid_guest *g, int mode, FILE *out);

#endif /* FIDELITY_CHECK_H */
