/*
 * test_shadow_vmm.c - shadow paging inside the real VMM, end to end.
 *
 * A small guest OS, hand-encoded below, runs once on bare T32 and once
 * under the trap-and-emulate VMM (vmm_new / vmm_vm_run), which deprivileges
 * it and gives it shadow page tables.  The guest turns paging on, drops to
 * user mode with rfe, and its user code meets every kind of memory trap;
 * the guest kernel's trap handler logs each (cause, badvaddr) and carries
 * on.  Then the kernel edits a page-table entry, flushes, and reads through
 * the new mapping.  Both runs must end with the same guest memory, byte for
 * byte - the log, the values read, and the A and D bits the hardware set in
 * the guest's tables - and the log must say what ISA.md says.
 *
 * Guest-physical layout (GUEST_SIZE of RAM):
 *   0x00000 boot code          0x08000 kernel data: trap count, log, results
 *   0x01000 trap handler       0x10000 user code           (va 0x400000)
 *   0x02000 root table         0x11000 user data           (va 0x401000)
 *   0x03000 L2: va 0-4 MiB     0x12000 user read-only page (va 0x402000)
 *   0x04000 L2: va 4-8 MiB     0x13000 kernel-only page    (va 0x403000)
 *                              0x14000, 0x15000: the page at va 0x405000
 *                              before and after the kernel remaps it
 *   va 0x404000 maps a frame past the end of RAM; va 0x800000 maps nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "vmm/vmm.h"

#define GUEST_SIZE  0x40000u
#define KDATA       0x8000u
#define LOG         (KDATA + 4)        /* (cause, badvaddr) per trap */
#define RESULTS     (KDATA + 0x100)
#define USER_VA     0x400000u
#define HANDLER     0x1000u

#define V T32_PTE_V
#define R T32_PTE_R
#define W T32_PTE_W
#define X T32_PTE_X
#define U T32_PTE_U

/* ---- a tiny emitter: T32 words into guest memory ------------------------ */

typedef struct code {
    uint8_t *mem;     /* guest-physical memory */
    uint32_t at;      /* where the next word goes */
} code;

static uint32_t word(const char *mnemonic, unsigned a, unsigned b, uint32_t imm)
{
    int op = t32_op_lookup(mnemonic);
    assert_true(op >= 0);
    return (uint32_t)op << 24 | a << 20 | b << 16 | (imm & 0xffffu);
}

static void put32(uint8_t *mem, uint32_t gpa, uint32_t value)
{
    for (int i = 0; i < 4; i++)
        mem[gpa + (uint32_t)i] = (uint8_t)(value >> (8 * i));
}

static uint32_t get32(const uint8_t *mem, uint32_t gpa)
{
    return (uint32_t)mem[gpa] | (uint32_t)mem[gpa + 1] << 8 |
           (uint32_t)mem[gpa + 2] << 16 | (uint32_t)mem[gpa + 3] << 24;
}

static void emit(code *c, const char *mnemonic, unsigned a, unsigned b, uint32_t imm)
{
    put32(c->mem, c->at, word(mnemonic, a, b, imm));
    c->at += 4;
}

/* R format: rd, rs1, rs2 (rs2 is field C, bits 15:12). */
static void emit_r(code *c, const char *mnemonic, unsigned rd, unsigned rs1, unsigned rs2)
{
    emit(c, mnemonic, rd, rs1, rs2 << 12);
}

/* A J-format branch at `from` to `to` (offsets count words from the branch). */
static void patch_branch(code *c, uint32_t from, const char *mnemonic, uint32_t to)
{
    uint32_t off = ((to - from) / 4) & 0xffffffu;
    put32(c->mem, from, (uint32_t)t32_op_lookup(mnemonic) << 24 | off);
}

static void mtsr(code *c, unsigned sr, unsigned rs) { emit(c, "mtsr", rs, 0, sr); }
static void mfsr(code *c, unsigned rd, unsigned sr) { emit(c, "mfsr", rd, 0, sr); }

/* ---- the guest ------------------------------------------------------------ */

static void map(uint8_t *mem, uint32_t l2_table, uint32_t va, uint32_t pte)
{
    put32(mem, l2_table + 4 * T32_VA_L2(va), pte);
}

static void build_tables(uint8_t *mem)
{
    put32(mem, 0x2000 + 4 * 0, 0x3000 | V);
    put32(mem, 0x2000 + 4 * 1, 0x4000 | V);
    for (uint32_t p = 0x0000; p <= 0x1000; p += 0x1000)     /* kernel code */
        map(mem, 0x3000, p, p | V | R | X);
    for (uint32_t p = 0x2000; p <= 0x4000; p += 0x1000)     /* its tables */
        map(mem, 0x3000, p, p | V | R | W);
    map(mem, 0x3000, KDATA, KDATA | V | R | W);
    map(mem, 0x4000, 0x400000, 0x10000 | V | R | X | U);
    map(mem, 0x4000, 0x401000, 0x11000 | V | R | W | U);
    map(mem, 0x4000, 0x402000, 0x12000 | V | R | U);
    map(mem, 0x4000, 0x403000, 0x13000 | V | R | W);
    map(mem, 0x4000, 0x404000, GUEST_SIZE | V | R | W | U);
    map(mem, 0x4000, 0x405000, 0x14000 | V | R | W | U);
    put32(mem, 0x14000, 0x1111);
    put32(mem, 0x15000, 0x2222);
}

/* Paging off at reset: set TVEC, turn paging on (the boot code is
 * identity-mapped), write the kernel-only page (so it is mapped for the
 * kernel before user code tries it), and rfe into user mode at USER_VA. */
static void build_boot(uint8_t *mem)
{
    code c = { mem, 0 };
    emit(&c, "ori", 1, 0, HANDLER);
    mtsr(&c, T32_SR_TVEC, 1);
    emit(&c, "ori", 1, 0, 0x2000 | T32_PTBR_E);
    mtsr(&c, T32_SR_PTBR, 1);
    emit(&c, "lui", 1, 0, 0x40);
    emit(&c, "ori", 1, 1, 0x3000);
    emit(&c, "stw", 1, 1, 0);                /* kernel-only page, va 0x403000 */
    emit(&c, "lui", 1, 0, USER_VA >> 16);
    mtsr(&c, T32_SR_EPC, 1);
    mtsr(&c, T32_SR_EPSR, 0);                     /* user mode, IE = 0 */
    emit(&c, "rfe", 0, 0, 0);
}

/* User code: every kind of access and memory trap, then syscall. */
static void build_user(uint8_t *mem)
{
    code c = { mem, 0x10000 };
    emit(&c, "lui", 2, 0, 0x40);
    emit(&c, "ori", 2, 2, 0x1000);          /* r2 = 0x401000, user data  */
    emit(&c, "addi", 3, 0, 0x1234);
    emit(&c, "stw", 3, 2, 0);               /* first store: A and D      */
    emit(&c, "ldw", 4, 2, 0);
    emit(&c, "ldw", 6, 2, 0x1000);          /* read-only page: A         */
    emit(&c, "stw", 3, 2, 0x1000);          /* -> STORE_FAULT 0x402000   */
    emit(&c, "ldw", 6, 2, 0x2000);          /* -> LOAD_FAULT 0x403000    */
    emit(&c, "lui", 5, 0, 0x80);
    emit(&c, "ldw", 6, 5, 0);               /* -> LOAD_FAULT 0x800000    */
    emit(&c, "ldw", 6, 2, 0x3000);          /* -> BUS_ERROR 0x404000     */
    emit(&c, "ldw", 12, 2, 0x4000);         /* 0x405000: reads 0x1111    */
    emit(&c, "jalr", 15, 5, 0);             /* -> FETCH_FAULT 0x800000   */
    emit(&c, "syscall", 0, 0, 0);           /* -> the kernel's phase 2   */
}

/* Kernel phase 2 (after the syscall): use a user page and the kernel-only
 * page, read va 0x405000, remap it to 0x15000, tlbflush, read it again
 * (the old mapping was in use: only the flush makes the new one certain),
 * halt. */
static void build_phase2(code *c)
{
    emit(c, "ldw", 1, 2, 0);                /* the kernel may use U pages */
    emit(c, "stw", 1, 2, 0x2000);           /* kernel-only page           */
    emit(c, "ldw", 14, 2, 0x4000);          /* va 0x405000: 0x1111        */
    emit(c, "ori", 9, 0, 0x4000 + 4 * 5);   /* the PTE of va 0x405000     */
    emit(c, "ldw", 10, 9, 0);
    emit(c, "ori", 11, 0, 0x1000);
    emit_r(c, "add", 10, 10, 11);             /* frame 0x14000 -> 0x15000   */
    emit(c, "stw", 10, 9, 0);
    emit(c, "tlbflush", 0, 0, 0);
    emit(c, "ldw", 12, 2, 0x4000);          /* now reads 0x2222           */
    emit(c, "ori", 13, 0, KDATA);
    emit(c, "stw", 12, 13, 0x100);
    emit(c, "stw", 1, 13, 0x104);
    emit(c, "stw", 14, 13, 0x108);
    emit(c, "halt", 0, 0, 0);
}

/* The trap handler: log (cause, badvaddr), then go on after the faulting
 * instruction - or, for a fetch fault, back to the caller in lr; a
 * syscall moves on to phase 2. */
static void build_handler(uint8_t *mem)
{
    code c = { mem, HANDLER };
    mfsr(&c, 7, T32_SR_CAUSE);
    mfsr(&c, 8, T32_SR_BADVADDR);
    emit(&c, "ori", 10, 0, KDATA);
    emit(&c, "ldw", 11, 10, 0);
    emit(&c, "shli", 13, 11, 3);
    emit_r(&c, "add", 13, 13, 10);
    emit(&c, "stw", 7, 13, 4);
    emit(&c, "stw", 8, 13, 8);
    emit(&c, "addi", 11, 11, 1);
    emit(&c, "stw", 11, 10, 0);
    emit(&c, "cmpi", 0, 7, T32_CAUSE_SYSCALL);
    uint32_t to_phase2 = c.at;
    c.at += 4;
    emit(&c, "cmpi", 0, 7, T32_CAUSE_FETCH_FAULT);
    uint32_t to_fetch = c.at;
    c.at += 4;
    mfsr(&c, 9, T32_SR_EPC);
    emit(&c, "addi", 9, 9, 4);
    mtsr(&c, T32_SR_EPC, 9);
    emit(&c, "rfe", 0, 0, 0);
    patch_branch(&c, to_fetch, "beq", c.at);
    mtsr(&c, T32_SR_EPC, 15);
    emit(&c, "rfe", 0, 0, 0);
    patch_branch(&c, to_phase2, "beq", c.at);
    build_phase2(&c);
}

static void build_guest(uint8_t *mem)
{
    build_tables(mem);
    build_boot(mem);
    build_user(mem);
    build_handler(mem);
}

/* ---- the two runs -------------------------------------------------------------- */

static uint8_t *run_bare(void)
{
    t32_machine *m = t32_machine_new(GUEST_SIZE, 1);
    assert_non_null(m);
    build_guest(m->mem);
    t32_exit why = t32_run(&m->cpu[0], 100000);
    assert_int_equal(why, T32_EXIT_HALT);
    uint8_t *mem = malloc(GUEST_SIZE);
    assert_non_null(mem);
    memcpy(mem, m->mem, GUEST_SIZE);
    t32_machine_free(m);
    return mem;
}

static void check_log(const uint8_t *mem)
{
    const uint32_t want[][2] = {
        { T32_CAUSE_STORE_FAULT, 0x402000 },
        { T32_CAUSE_LOAD_FAULT,  0x403000 },
        { T32_CAUSE_LOAD_FAULT,  0x800000 },
        { T32_CAUSE_BUS_ERROR,   0x404000 },
        { T32_CAUSE_FETCH_FAULT, 0x800000 },
        { T32_CAUSE_SYSCALL,     0x800000 },   /* BADVADDR keeps its value */
    };
    const uint32_t n = sizeof want / sizeof want[0];
    assert_int_equal(get32(mem, KDATA), n);
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(get32(mem, LOG + 8 * i), want[i][0]);
        assert_int_equal(get32(mem, LOG + 8 * i + 4), want[i][1]);
    }
    assert_int_equal(get32(mem, RESULTS), 0x2222);       /* after the remap */
    assert_int_equal(get32(mem, RESULTS + 4), 0x1234);
    assert_int_equal(get32(mem, RESULTS + 8), 0x1111);   /* before the remap */
    assert_int_equal(get32(mem, 0x13000), 0x1234);       /* kernel-only page */
}

static uint32_t pte_of(const uint8_t *mem, uint32_t va)
{
    return get32(mem, 0x4000 + 4 * T32_VA_L2(va));
}

static void test_guest_os_same_as_bare(void **state)
{
    (void)state;
    uint8_t *bare = run_bare();
    check_log(bare);

    char err[200] = "";
    vmm *v = vmm_new(VMM_MODE_TRAP, 1, GUEST_SIZE, err, sizeof err);
    if (!v)
        fail_msg("vmm_new: %s", err);
    vmm_vm *vm = v->vms[0];
    build_guest(vm->mem);
    vm->vcpus[0].pc = 0;
    vmm_end end = VMM_RUNNING;
    for (int turn = 0; turn < 100 && end == VMM_RUNNING; turn++)
        end = vmm_vm_run(vm, 10000);
    assert_int_equal(end, VMM_END_HALT);

    check_log(vm->mem);
    assert_memory_equal(vm->mem, bare, GUEST_SIZE);
    /* the A/D bits both runs agree on are the ones the hardware owes */
    assert_int_equal(pte_of(vm->mem, 0x401000) & (T32_PTE_A | T32_PTE_D), T32_PTE_A | T32_PTE_D);
    assert_int_equal(pte_of(vm->mem, 0x402000) & (T32_PTE_A | T32_PTE_D), T32_PTE_A);
    assert_int_equal(pte_of(vm->mem, 0x403000) & (T32_PTE_A | T32_PTE_D), T32_PTE_A | T32_PTE_D);
    assert_int_equal(pte_of(vm->mem, 0x404000) & (T32_PTE_A | T32_PTE_D), 0);
    /* the VMM saw it all as exits: hidden faults filled the shadows, the
     * guest's own faults (and its syscall) were reflected */
    assert_true(vm->stats.shadow_faults >= 8);
    assert_int_equal(vm->stats.reflected_traps, 6);

    vmm_free(v);
    free(bare);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guest_os_same_as_bare),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
