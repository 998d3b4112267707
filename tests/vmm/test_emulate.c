/*
 * test_emulate.c - `--mode emulate`, differentially against bare T32.
 *
 * Each test writes guest instructions into a small RAM image and runs it
 * twice: on a bare T32 machine (vmm_bare_run, the reference) and in a VM
 * under --mode emulate (vmm_sched_run), where the VMM interprets every
 * instruction.  An emulator has no excuse: everything the guest can see
 * must be identical - outcome, registers, PSR, system registers, cycles,
 * console bytes and all of RAM - with pushf, popf and page tables edited
 * without a flush included, which trap-and-emulate cannot promise.  And
 * the real CPU must never have run a guest instruction.
 *
 * Guest-physical layout used by the programs:
 *   0x1000  kernel code (the entry point)
 *   0x2000  trap handler (TVEC)
 *   0x3000  user code
 *   0x8000  data
 *   0x9000  root page table, 0xa000 its one L2 table (identity map)
 *   0xf000  stack top
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "vmm/vmm.h"

#define RAM      0x10000u
#define KCODE    0x1000u
#define HANDLER  0x2000u
#define UCODE    0x3000u
#define DATA     0x8000u
#define ROOT     0x9000u
#define L2       (ROOT + T32_PAGE_SIZE)
#define STACK    0xf000u
#define LIMIT    200000u

/* ---- a tiny in-memory assembler --------------------------------------------- */

static uint8_t ram[RAM];

#include "tests/vmm/prog.h"

#include "tests/vmm/differential.h"

/* ---- running the image both ways (differential.h) ------------------------------ */

static runs run_both(uint64_t limit, bool with_disk)
{
    return run_in(VMM_MODE_EMULATE, limit, with_disk);
}

/* Emulation: the real CPU ran nothing of the guest, and every guest
 * instruction was the VMM's. */
static void assert_all_emulated(const runs *r)
{
    const vmm_stats *st = &r->vm->stats;
    assert_int_equal(r->v->m->cpu[0].retired, 0);
    assert_int_equal(r->v->m->cpu[0].cycles, 0);
    assert_int_equal(st->direct_insns, 0);
    assert_int_equal(st->emulated_insns, st->guest_insns);
    assert_int_equal(st->exits_total, 0);
}

/* ---- the instructions trap-and-emulate gets wrong ------------------------------ */

/* pushf in the guest kernel stores K = 1 (and the real IE); popf restores
 * IE = 1 after pushf; cli, so the timer interrupt arrives - as on bare T32. */
static void test_pushf_popf_are_faithful(void **state)
{
    (void)state;
    prog p = kernel_start(true);
    handler_record_and_halt();
    addi(&p, 1, 0, 100);
    mtsr(&p, T32_SR_TIMER, 1);
    op0(&p, T32_OP_STI);
    op0(&p, T32_OP_PUSHF);
    ldw(&p, 3, T32_REG_SP, 0);          /* the PSR pushf stored */
    op0(&p, T32_OP_CLI);
    op0(&p, T32_OP_POPF);
    uint32_t loop = p.pc;
    addi(&p, 2, 2, 1);
    branch(&p, T32_OP_B, loop);
    runs r = run_both(20000, false);
    assert_same(&r);
    assert_all_emulated(&r);
    assert_int_equal(r.vm->vcpus[0].r[3] & (T32_PSR_K | T32_PSR_IE), T32_PSR_K | T32_PSR_IE);
    assert_int_equal(r.vm->outcome.end, VMM_END_HALT);
    assert_int_equal(r.vm->vcpus[0].r[9], T32_CAUSE_IRQ_TIMER);
    free_runs(&r);
}

/* In guest user mode popf leaves IE alone and pushf shows K = 0 - the
 * emulator keeps that rule too. */
static void test_user_mode_popf_keeps_ie(void **state)
{
    (void)state;
    prog p = kernel_start(true);
    handler_record_and_halt();
    to_user(&p, T32_PSR_IE);        /* user mode, IE = 1 */
    prog u = { UCODE };
    emit(&u, T32_ENC_R(T32_OP_PUSH, 0, 0, 0));   /* a PSR of all zeroes */
    op0(&u, T32_OP_POPF);                         /* IE must stay 1 */
    op0(&u, T32_OP_PUSHF);
    emit(&u, T32_ENC_R(T32_OP_POP, 1, 0, 0));
    op0(&u, T32_OP_SYSCALL);
    runs r = run_both(LIMIT, false);
    assert_same(&r);
    assert_all_emulated(&r);
    assert_int_equal(r.vm->vcpus[0].r[1] & (T32_PSR_K | T32_PSR_IE), T32_PSR_IE);
    assert_int_equal(r.vm->vcpus[0].r[9], T32_CAUSE_SYSCALL);
    free_runs(&r);
}

/* ---- memory ------------------------------------------------------------------- */

/* A page table edited without a flush: bare T32's TLB keeps the old
 * translation until tlbflush, and so does the emulator's - the guest reads
 * the old page, then (after the flush) the new one. */
static void test_stale_translation_until_flush(void **state)
{
    (void)state;
    prog p = kernel_start(true);
    handler_record_and_halt();
    identity_tables(ROOT);
    poke(DATA, 0x11111111u);
    poke(0xb000, 0x22222222u);
    li(&p, 1, ROOT | T32_PTBR_E);
    mtsr(&p, T32_SR_PTBR, 1);
    li(&p, 2, DATA);
    ldw(&p, 3, 2, 0);                   /* fills the TLB: page 8 -> frame 8 */
    li(&p, 4, 0xb000 | T32_PTE_V | T32_PTE_R | T32_PTE_W | T32_PTE_X | T32_PTE_U);
    li(&p, 5, L2 + 4 * (DATA / T32_PAGE_SIZE));
    stw(&p, 4, 5, 0);                   /* page 8 -> frame 0xb, no flush */
    ldw(&p, 6, 2, 0);                   /* stale: still frame 8 */
    op0(&p, T32_OP_TLBFLUSH);
    ldw(&p, 7, 2, 0);                   /* now frame 0xb */
    op0(&p, T32_OP_HALT);
    runs r = run_both(LIMIT, false);
    assert_same(&r);
    assert_all_emulated(&r);
    assert_int_equal(r.vm->vcpus[0].r[3], 0x11111111u);
    assert_int_equal(r.vm->vcpus[0].r[6], 0x11111111u);
    assert_int_equal(r.vm->vcpus[0].r[7], 0x22222222u);
    free_runs(&r);
}

/* A and D are set in the guest's entries as bare T32 sets them, and a
 * guest user access to a U = 0 page faults with the same cause and
 * BADVADDR. */
static void test_accessed_dirty_and_user_faults(void **state)
{
    (void)state;
    prog p = kernel_start(true);
    handler_record_and_halt();
    identity_tables(ROOT);
    uint32_t pte = DATA | T32_PTE_V | T32_PTE_R | T32_PTE_W | T32_PTE_X;   /* U = 0 */
    poke(L2 + 4 * (DATA / T32_PAGE_SIZE), pte);
    li(&p, 1, ROOT | T32_PTBR_E);
    mtsr(&p, T32_SR_PTBR, 1);
    li(&p, 2, DATA);
    stw(&p, 2, 2, 0);                   /* kernel store: A and D */
    to_user(&p, 0);
    prog u = { UCODE };
    ldw(&u, 3, 2, 4);                   /* user load from a U = 0 page */
    op0(&u, T32_OP_HALT);
    runs r = run_both(LIMIT, false);
    assert_same(&r);
    assert_all_emulated(&r);
    assert_int_equal(r.vm->vcpus[0].r[9], T32_CAUSE_LOAD_FAULT);
    assert_int_equal(r.vm->vcpus[0].r[12], DATA + 4);
    uint32_t entry = 0;
    memcpy(&entry, r.vm->mem + L2 + 4 * (DATA / T32_PAGE_SIZE), 4);
    assert_int_equal(entry & (T32_PTE_A | T32_PTE_D), T32_PTE_A | T32_PTE_D);
    free_runs(&r);
}

/* ---- switching modes --------------------------------------------------------------- */

/* A VM that starts under trap-and-emulate and is switched to emulation
 * between two turns goes on exactly where it was: the same end as bare. */
static void test_switch_from_trap_to_emulate(void **state)
{
    (void)state;
    prog p = kernel_start(true);
    prog h = { HANDLER };
    addi(&h, 5, 5, 1);                          /* count ticks */
    op0(&h, T32_OP_RFE);
    addi(&p, 1, 0, 333);
    mtsr(&p, T32_SR_TIMER, 1);
    op0(&p, T32_OP_STI);
    uint32_t loop = p.pc;
    addi(&p, 2, 2, 1);
    li(&p, 3, 60000);
    emit(&p, T32_ENC_R(T32_OP_CMP, 0, 2, 3));
    branch(&p, T32_OP_BLT, loop);
    op0(&p, T32_OP_HALT);
    runs r = { 0 };
    run_bare(&r, 0, false);
    make_vm(&r, VMM_MODE_TRAP, 0, false);
    r.v->quantum = 5000;
    assert_true(vmm_sched_round(r.v));          /* one turn trapping */
    uint64_t direct = r.vm->stats.direct_insns;
    assert_true(direct > 0);
    assert_true(vmm_vm_set_mode(r.vm, VMM_MODE_EMULATE));
    vmm_sched_run(r.v);
    assert_same(&r);
    assert_int_equal(r.vm->outcome.end, VMM_END_HALT);
    assert_int_equal(r.vm->stats.direct_insns, direct);   /* none since */
    assert_true(r.vm->vcpus[0].r[5] > 100);
    free_runs(&r);
}

/* ---- random programs ---------------------------------------------------------------------- */

/* Fidelity on programs nobody wrote: random code in a loop, with a timer
 * armed, a trap handler that steps over whatever trapped, random timers,
 * port I/O, disk DMA, user mode via rfe, wfi, pushf/popf, and page tables
 * switched on and off and scribbled on - exactly the same as bare T32,
 * stale TLB entries and all. */
static void test_random_programs_match_bare(void **state)
{
    (void)state;
    const random_mix mix = { .pushf_popf = true, .paging = true, .root = ROOT };
    for (uint32_t seed = 1; seed <= 400; seed++) {
        random_program(seed, &mix);
        runs r = run_both(20000, true);
        console_input = NULL;
        assert_same(&r);
        assert_all_emulated(&r);
        free_runs(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pushf_popf_are_faithful),
        cmocka_unit_test(test_user_mode_popf_keeps_ie),
        cmocka_unit_test(test_stale_translation_until_flush),
        cmocka_unit_test(test_accessed_dirty_and_user_faults),
        cmocka_unit_test(test_switch_from_trap_to_emulate),
        cmocka_unit_test(test_random_programs_match_bare),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
