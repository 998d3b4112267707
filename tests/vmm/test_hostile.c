/*
 * test_hostile.c - safety: hostile guests cannot reach beyond their VM.
 *
 * Each hostile guest (the .s files of tests/vmm/hostile/, assembled by the build) runs
 * as VM 1 between two victim VMs, so that whatever it reaches past either
 * end of its RAM is a neighbour's memory - VM 2 above it, with the VMM's
 * own memory above that.  The victims compute in registers only and print
 * one line, so their RAM must come out of the run bit for bit unchanged.
 * Checked from outside, after the run:
 *
 *   - the victims' RAM hashes are unchanged, and both victims finished
 *     (the hostile guest did not keep them off the CPU);
 *   - every shadow page table entry of every VM maps a frame of that VM's
 *     own RAM, every shadow table lives in VMM memory, and VMM memory that
 *     was never handed out is still zero;
 *   - the hostile guest ended as expected, and its console transcript is
 *     byte for byte the one it produces on bare T32 with the same RAM size
 *     (its own PASS/FAIL checks included) - the attack got exactly what
 *     hardware would give it.  The paravirtual guest (pvcalls.s, under
 *     --mode pv) has no bare twin: its own checks say that every
 *     hypercall refused every bad argument with the documented error.
 *
 * Images are found in $BUILD/tests/vmm/hostile (BUILD defaults to build).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/vmm.h"

#define VM_SIZE   0x40000u
#define LIMIT     10000000u
#define VICTIM_PC 0x1000u
#define VICTIM_OUT "victim ok\n"

/* ---- the victim: a register-only loop, one line of output, halt -------- */

static void put32(uint8_t *mem, uint32_t addr, uint32_t w)
{
    for (int i = 0; i < 4; i++)
        mem[addr + (uint32_t)i] = (uint8_t)(w >> (8 * i));
}

static void load_victim(vmm_vm *vm)
{
    uint32_t pc = VICTIM_PC;
#define EMIT(w) (put32(vm->mem, pc, (w)), pc += 4)
    EMIT(T32_ENC_I(T32_OP_ADDI, 2, 0, 20000));
    uint32_t loop = pc;
    EMIT(T32_ENC_R(T32_OP_ADD, 3, 3, 1));
    EMIT(T32_ENC_I(T32_OP_ADDI, 1, 1, 1));
    EMIT(T32_ENC_R(T32_OP_CMP, 0, 1, 2));
    EMIT(T32_ENC_J(T32_OP_BLT, (uint32_t)((int32_t)(loop - pc) / 4)));
    for (const char *s = VICTIM_OUT; *s; s++) {
        EMIT(T32_ENC_I(T32_OP_ADDI, 4, 0, (uint32_t)*s));
        EMIT(T32_ENC_I(T32_OP_OUT, 4, 0, T32_PORT_CON_DATA));
    }
    EMIT(T32_ENC_R(T32_OP_HALT, 0, 0, 0));
#undef EMIT
    vm->vcpus[0].pc = VICTIM_PC;
}

/* FNV-1a over a VM's RAM. */
static uint64_t ram_hash(const vmm_vm *vm)
{
    uint64_t h = 1469598103934665603ull;
    for (uint32_t i = 0; i < vm->size; i++)
        h = (h ^ vm->mem[i]) * 1099511628211ull;
    return h;
}

/* ---- checks on the VMM's memory ---------------------------------------------- */

static uint32_t host_word(const vmm *v, uint32_t pa)
{
    uint32_t w = 0;
    assert_true(t32_phys_read32(v->m, pa, &w));
    return w;
}

static bool in_vmm_memory(const vmm *v, uint32_t frame)
{
    return frame >= v->vmm_base && frame < v->vmm_limit;
}

/* Every valid entry of one shadow space maps a frame of the VM's RAM. */
static void check_space(const vmm *v, const vmm_vm *vm, const shadow_space *s)
{
    assert_true(in_vmm_memory(v, s->root));
    for (uint32_t i = 0; i < 1024; i++) {
        uint32_t l1 = host_word(v, s->root + 4 * i);
        if (!(l1 & T32_PTE_V))
            continue;
        uint32_t l2 = l1 & T32_PTE_FRAME;
        assert_true(in_vmm_memory(v, l2));
        for (uint32_t j = 0; j < 1024; j++) {
            uint32_t pte = host_word(v, l2 + 4 * j);
            if (!(pte & T32_PTE_V))
                continue;
            uint32_t frame = pte & T32_PTE_FRAME;
            assert_true(frame >= vm->base && frame - vm->base < vm->size);
        }
    }
}

static void check_vmm_memory(const vmm *v)
{
    for (int i = 0; i < v->nvms; i++)
        for (int k = 0; k < SHADOW_MAX_SPACES; k++)
            if (v->vms[i]->shadow.spaces[k].root != 0)
                check_space(v, v->vms[i], &v->vms[i]->shadow.spaces[k]);
    for (uint32_t pa = v->vmm_next; pa < v->vmm_limit; pa += 4)
        assert_int_equal(host_word(v, pa), 0);
}

/* ---- running a hostile guest ------------------------------------------------------ */

static void image_path(char *buf, size_t len, const char *name)
{
    const char *build = getenv("BUILD");
    snprintf(buf, len, "%s/tests/vmm/hostile/%s.img", build ? build : "build", name);
}

static void quiet_console(t32_console *c)
{
    t32_console_free(c);
    t32_console_init(c, NULL, -1);
}

static uint8_t disk_bytes[16 * T32_SECTOR_SIZE];

/* The same image on bare T32 with VM_SIZE bytes of RAM: its transcript
 * (malloc'd) and outcome. */
static char *bare_transcript(const t32_image *img, vmm_end *end)
{
    char err[256];
    t32_machine *m = t32_machine_new(VM_SIZE, 1);
    assert_non_null(m);
    assert_true(t32_image_load(img, m->mem, m->memsize, err, sizeof err));
    quiet_console(&m->console);
    t32_disk_init_mem(&m->disk, disk_bytes, sizeof disk_bytes);
    m->cpu[0].pc = img->entry;
    vmm_stats st;
    *end = vmm_bare_run(m, LIMIT, &st).end;
    char *out = strdup(m->console.outbuf ? m->console.outbuf : "");
    t32_machine_free(m);
    return out;
}

/* Run hostile guest `name` as VM 1 in `mode`.  `differential`: its
 * transcript must also be the one bare T32 gives (a paravirtual guest has
 * none to compare with: on bare T32 its first hcall traps). */
static void run_hostile_in(const char *name, vmm_mode mode, bool differential,
                           vmm_end expected)
{
    char path[512], err[256];
    t32_image img;
    image_path(path, sizeof path, name);
    if (!t32_image_read(path, &img, err, sizeof err))
        fail_msg("%s: %s (is t32as built?)", path, err);

    vmm *v = vmm_new(mode, 3, VM_SIZE, err, sizeof err);
    assert_non_null(v);
    v->quantum = 5000;
    for (int i = 0; i < 3; i++) {
        quiet_console(&v->vms[i]->con);
        v->vms[i]->limit = LIMIT;
    }
    load_victim(v->vms[0]);
    load_victim(v->vms[2]);
    assert_true(vmm_vm_load(v->vms[1], &img, err, sizeof err));
    for (size_t i = 0; i < sizeof disk_bytes; i++)
        disk_bytes[i] = (uint8_t)(i * 13 + 1);
    t32_disk_init_mem(&v->vms[1]->disk, disk_bytes, sizeof disk_bytes);
    uint64_t before0 = ram_hash(v->vms[0]), before2 = ram_hash(v->vms[2]);

    vmm_sched_run(v);

    for (int i = 0; i < 3; i += 2) {
        assert_int_equal(v->vms[i]->outcome.end, VMM_END_HALT);
        assert_string_equal(v->vms[i]->con.outbuf, VICTIM_OUT);
    }
    assert_true(ram_hash(v->vms[0]) == before0);
    assert_true(ram_hash(v->vms[2]) == before2);
    check_vmm_memory(v);

    vmm_end bare_end = expected;
    char *bare = differential ? bare_transcript(&img, &bare_end) : NULL;
    const char *virt = v->vms[1]->con.outbuf ? v->vms[1]->con.outbuf : "";
    assert_int_equal(v->vms[1]->outcome.end, expected);
    assert_int_equal(bare_end, expected);
    if (bare)
        assert_string_equal(virt, bare);
    if (expected == VMM_END_HALT) {
        assert_non_null(strstr(virt, ": 0 failures\n"));
        assert_null(strstr(virt, "FAIL"));
    }
    free(bare);
    vmm_free(v);
    t32_image_free(&img);
}

static void run_hostile(const char *name, vmm_end expected)
{
    run_hostile_in(name, VMM_MODE_TRAP, true, expected);
}

static void test_wild_stores(void **state)   { (void)state; run_hostile("wild_stores", VMM_END_HALT); }
static void test_dma(void **state)           { (void)state; run_hostile("dma", VMM_END_HALT); }
static void test_ports(void **state)         { (void)state; run_hostile("ports", VMM_END_HALT); }
static void test_pagetables(void **state)    { (void)state; run_hostile("pagetables", VMM_END_HALT); }
static void test_spin_with_irqs_off(void **state) { (void)state; run_hostile("spin", VMM_END_LIMIT); }
static void test_trap_storm(void **state)    { (void)state; run_hostile("trapstorm", VMM_END_LIMIT); }
/* Every hypercall with every bad argument (--mode pv). */
static void test_pv_calls(void **state)
{
    (void)state;
    run_hostile_in("pvcalls", VMM_MODE_PV, false, VMM_END_HALT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wild_stores),
        cmocka_unit_test(test_dma),
        cmocka_unit_test(test_ports),
        cmocka_unit_test(test_pagetables),
        cmocka_unit_test(test_spin_with_irqs_off),
        cmocka_unit_test(test_trap_storm),
        cmocka_unit_test(test_pv_calls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
