/*
 * differential.h - running one RAM image twice, on bare T32 and in a VM,
 * and demanding the same result: the harness of the VMM's differential
 * unit tests (test_vmm.c for trap and bt, test_emulate.c for emulate).
 *
 * Everything the guest can observe is compared - outcome, registers, pc,
 * PSR (the vCPU's virtual PSR), system registers, cycles, injected
 * interrupts, console bytes and every byte of RAM: the Popek-Goldberg
 * fidelity property, one program at a time.  Random programs (below) ask
 * it of code nobody wrote.
 *
 * Include after prog.h (which needs RAM, KCODE, HANDLER, STACK and `ram`).
 */
#ifndef TESTS_VMM_DIFFERENTIAL_H
#define TESTS_VMM_DIFFERENTIAL_H

#include <stdlib.h>
#include <string.h>

#include "vmm/vmm.h"

typedef struct runs {
    t32_machine *bare;
    vmm_outcome  bare_out;
    vmm_stats    bare_stats;
    vmm         *v;
    vmm_vm      *vm;
} runs;

static uint8_t disk_image[4 * T32_SECTOR_SIZE];   /* both sides' disk, if asked */
static const char *console_input;                  /* bytes both consoles read, or NULL */

/* Output collected in memory, input from console_input (or none). */
static inline void quiet_console(t32_console *c)
{
    t32_console_free(c);
    t32_console_init(c, NULL, -1);
    t32_console_set_input(c, console_input, console_input ? strlen(console_input) : 0);
}

/* The reference: the image on a bare machine, run to its end or `limit`. */
static inline void run_bare(runs *r, uint64_t limit, bool with_disk)
{
    r->bare = t32_machine_new(RAM, 1);
    assert_non_null(r->bare);
    memcpy(r->bare->mem, ram, RAM);
    quiet_console(&r->bare->console);
    if (with_disk)
        t32_disk_init_mem(&r->bare->disk, disk_image, sizeof disk_image);
    r->bare->cpu[0].pc = KCODE;
    r->bare_out = vmm_bare_run(r->bare, limit, &r->bare_stats);
}

/* A VM in `mode` with the image, not run yet. */
static inline void make_vm(runs *r, vmm_mode mode, uint64_t limit, bool with_disk)
{
    char err[128];
    r->v = vmm_new(mode, 1, RAM, err, sizeof err);
    assert_non_null(r->v);
    r->vm = r->v->vms[0];
    memcpy(r->vm->mem, ram, RAM);
    quiet_console(&r->vm->con);
    if (with_disk)
        t32_disk_init_mem(&r->vm->disk, disk_image, sizeof disk_image);
    r->vm->vcpus[0].pc = KCODE;
    r->vm->limit = limit;
}

/* The image both ways: bare, and in a VM in `mode`. */
static inline runs run_in(vmm_mode mode, uint64_t limit, bool with_disk)
{
    runs r = { 0 };
    run_bare(&r, limit, with_disk);
    make_vm(&r, mode, limit, with_disk);
    vmm_sched_run(r.v);
    return r;
}

static inline void free_runs(runs *r)
{
    t32_machine_free(r->bare);
    vmm_free(r->v);
}

/* Fidelity: everything the guest can observe is the same. */
static inline void assert_same(const runs *r)
{
    const t32_cpu *cpu = &r->bare->cpu[0];
    const vmm_vcpu *vc = &r->vm->vcpus[0];
    assert_int_equal(r->bare_out.end, r->vm->outcome.end);
    assert_int_equal(r->bare_out.pc, r->vm->outcome.pc);
    assert_int_equal(r->bare_out.cycles, r->vm->outcome.cycles);
    for (int i = 0; i < T32_NREGS; i++)
        assert_int_equal(cpu->r[i], vc->r[i]);
    assert_int_equal(cpu->pc, vc->pc);
    assert_int_equal(cpu->psr, vc->vpsr);
    for (unsigned sr = 0; sr <= T32_SR_TIMER; sr++)
        assert_int_equal(cpu->sr[sr], vc->vsr[sr]);
    assert_int_equal(cpu->cycles, vc->vcycles);
    assert_int_equal(r->bare_stats.guest_insns, r->vm->stats.guest_insns);
    assert_int_equal(r->bare_stats.injected_irqs, r->vm->stats.injected_irqs);
    assert_int_equal(r->bare->console.outlen, r->vm->con.outlen);
    if (r->vm->con.outlen)
        assert_memory_equal(r->bare->console.outbuf, r->vm->con.outbuf, r->vm->con.outlen);
    assert_memory_equal(r->bare->mem, r->vm->mem, RAM);
}

/* ---- random programs ------------------------------------------------------------ */

/* A deterministic generator (xorshift32): the same seeds every run. */
static uint32_t rng;
static inline uint32_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* What random code may do besides the plain instructions. */
typedef struct random_mix {
    bool pushf_popf;   /* now and then a pushf or popf (1 in 16) */
    bool paging;       /* PTBR too: mfsr/mtsr name it, and paging goes on
                          and off through identity tables at `root` */
    uint32_t root;     /* with paging: the root table; its one L2 table
                          is the next page */
} random_mix;

/* Identity page tables for all of RAM at root (and root + one page for its
 * L2 table), every page V R W X U. */
static inline void identity_tables(uint32_t root)
{
    uint32_t l2 = root + T32_PAGE_SIZE;
    poke(root, l2 | T32_PTE_V);
    for (uint32_t page = 0; page < RAM / T32_PAGE_SIZE; page++)
        poke(l2 + 4 * page, page * T32_PAGE_SIZE | T32_PTE_V | T32_PTE_R | T32_PTE_W |
                                T32_PTE_X | T32_PTE_U);
}

/* An operand for system registers: every one (but PTBR unless the mix
 * pages: random tables would be edited without a flush, where bare T32's
 * TLB and a VMM's shadows may legitimately differ - ISA.md section 8), and
 * a few that do not exist. */
static inline uint32_t random_sysreg(const random_mix *mix)
{
    uint32_t sr = next_random() % 14;
    return sr == T32_SR_PTBR && !mix->paging ? T32_SR_TIMER : sr;
}

/* A random instruction: any opcode of the table but pushf and popf (those
 * as the mix says), with random registers and small immediates, so
 * branches stay nearby, loads and stores hit RAM and its edge, and timers
 * fire often. */
static inline uint32_t random_insn(const random_mix *mix)
{
    static unsigned ops[256];
    static unsigned nops;
    if (nops == 0)
        for (unsigned op = 0; op < 256; op++)
            if (t32_ops[op].mnemonic && op != T32_OP_PUSHF && op != T32_OP_POPF)
                ops[nops++] = op;
    if (mix->pushf_popf && next_random() % 16 == 0)
        return T32_ENC_R(next_random() % 2 ? T32_OP_PUSHF : T32_OP_POPF, 0, 0, 0);
    unsigned op = ops[next_random() % nops];
    uint32_t a = next_random() % 16, b = next_random() % 16;
    uint32_t imm = next_random() % 64 - 32;
    switch (t32_ops[op].format) {
    case T32_FMT_J:
        return T32_ENC_J(op, next_random() % 16 - 8);
    case T32_FMT_MFSR:
    case T32_FMT_MTSR:
        return T32_ENC_I(op, a, 0, random_sysreg(mix));
    case T32_FMT_IN:
    case T32_FMT_OUT:
        return T32_ENC_I(op, a, 0, next_random() % 0x28);
    case T32_FMT_LOAD:
    case T32_FMT_STORE:
        return T32_ENC_I(op, a, b, next_random() % 0x10000);
    case T32_FMT_R:
    case T32_FMT_CMP:
        return T32_ENC_R(op, a, b, next_random() % 16);
    default:
        return T32_ENC_I(op, a, b, imm);
    }
}

/* The random program of `seed` in ram (and its disk and console input):
 * random code in a loop, with a timer armed, a trap handler that steps
 * over whatever trapped, registers holding big values (carries,
 * overflows), random timers, port I/O, disk DMA, user mode via rfe, wfi -
 * and whatever the mix adds: with paging, now and then PTBR := the
 * identity tables or 0, which random stores may scribble on. */
static inline void random_program(uint32_t seed, const random_mix *mix)
{
    rng = seed * 2654435761u;
    prog p = kernel_start(true);
    if (mix->paging)
        identity_tables(mix->root);
    prog h = { HANDLER };
    mfsr(&h, 13, T32_SR_EPC);
    addi(&h, 13, 13, 4);
    mtsr(&h, T32_SR_EPC, 13);
    op0(&h, T32_OP_RFE);
    li(&p, 1, 50 + next_random() % 2000);
    mtsr(&p, T32_SR_TIMER, 1);
    op0(&p, T32_OP_STI);
    for (unsigned reg = 1; reg <= 12; reg++)
        li(&p, reg, next_random());
    uint32_t start = p.pc;
    while (p.pc < HANDLER - 16) {
        if (mix->paging && next_random() % 40 == 0) {
            li(&p, 8, next_random() % 2 ? mix->root | T32_PTBR_E : 0);
            mtsr(&p, T32_SR_PTBR, 8);
        } else {
            emit(&p, random_insn(mix));
        }
    }
    branch(&p, T32_OP_B, start);
    for (size_t i = 0; i < sizeof disk_image; i++)
        disk_image[i] = (uint8_t)next_random();
    console_input = "random input";
}

#endif /* TESTS_VMM_DIFFERENTIAL_H */
