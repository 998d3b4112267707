/*
 * test_shadow.c - shadow page tables (vmm/shadow.c), end to end.
 *
 * Each test builds a small VMM by hand on a real T32 machine and runs guest
 * instructions on its real CPU - real user mode, host-kernel traps, real
 * PTBR = a shadow root - with the smallest exit loop shadow paging needs:
 * a real page fault goes to shadow_fault(); a hidden one is fixed and the
 * instruction retried, a reflected one ends the step with the guest's cause.
 *
 * The differential tests run the very same guest RAM (tables and data) on a
 * bare T32 machine with the VM's amount of RAM and demand the same outcome,
 * the same registers and the same guest memory, byte for byte - which
 * covers the A and D bits the hardware writes into the guest's tables.
 *
 * Host-physical layout of the test machine:
 *
 *   0x00000            unused (frame 0 means "no frame")
 *   0x01000..0x7ffff   VMM frames: the shadow tables live here
 *   0x80000..0xbffff   VM 0's RAM, guest physical 0..0x3ffff: the VM under test
 *   0xc0000..0xfffff   VM 1's RAM, full of a canary; placed right after
 *                      VM 0 so a missing bounds check would land in it
 *
 * Guest-physical layout of VM 0: root table at 0x1000, L2 tables from
 * 0x2000, code at 0x10000 (mapped at CODE_VA), data pages from 0x20000.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "vmm/memory/guest.h"
#include "vmm/vmm.h"

#define PAGE        T32_PAGE_SIZE
#define VMM_BASE    0x01000u
#define VMM_LIMIT   0x80000u
#define NFRAMES     ((VMM_LIMIT - VMM_BASE) / PAGE)
#define VM_BASE     0x80000u
#define VM_SIZE     0x40000u
#define OTHER_BASE  (VM_BASE + VM_SIZE)
#define HOST_MEM    (OTHER_BASE + VM_SIZE)
#define CANARY      0x0badc0deu

#define ROOT_GPA    0x01000u
#define L2_GPA      0x02000u
#define CODE_GPA    0x10000u
#define DATA_GPA    0x20000u
#define CODE_VA     0x0047f000u   /* a TLB slot of its own (VPN % 256) */
#define DATA_VA     0x00800000u
#define STORED      0xcafef00du   /* what test stores write */

#define PTE_RWX     (T32_PTE_R | T32_PTE_W | T32_PTE_X)
#define PTE_AD      (T32_PTE_A | T32_PTE_D)

/* ---- the VMM's frame allocator, as these tests provide it ------------------
 * It hands out the frames of [VMM_BASE, VMM_LIMIT), at most `limit` at a
 * time, counts them, and poisons freed frames: every word becomes a valid,
 * all-permissions entry pointing at the other VM's RAM, so a shadow still
 * used after its frames were given back shows up as a breach of isolation
 * (and as faults, since the other VM's canary words are invalid entries). */
#define POISON      (OTHER_BASE | 0x7fu)

static struct frame_pool {
    unsigned limit;       /* frames that may be in use at once */
    unsigned in_use;
    unsigned bad_frees;   /* frees of frames that were not handed out */
    bool     used[NFRAMES];
} pool;

uint32_t vmm_frame_alloc(vmm *v)
{
    if (pool.in_use >= pool.limit)
        return 0;
    for (unsigned i = 0; i < NFRAMES; i++) {
        if (pool.used[i])
            continue;
        pool.used[i] = true;
        pool.in_use++;
        uint32_t frame = v->vmm_base + i * PAGE;
        memset(v->m->mem + frame, 0, PAGE);
        return frame;
    }
    return 0;
}

void vmm_frame_free(vmm *v, uint32_t frame)
{
    unsigned i = (frame - v->vmm_base) / PAGE;
    if (frame < v->vmm_base || frame >= v->vmm_limit || frame % PAGE || !pool.used[i]) {
        pool.bad_frees++;
        return;
    }
    pool.used[i] = false;
    pool.in_use--;
    for (uint32_t a = frame; a < frame + PAGE; a += 4)
        t32_phys_write32(v->m, a, POISON);
}

/* ---- the rig: a host machine, a VMM, two VMs, and a bare machine -------- */

typedef struct rig {
    t32_machine *host;     /* the real machine the VMM runs on */
    t32_cpu     *cpu;      /* its CPU: runs the guest in real user mode */
    vmm          v;
    vmm_vm       vm;       /* the VM under test */
    vmm_vm       other;    /* a second VM whose RAM must stay untouched */
    uint32_t     next_l2;  /* next free guest frame for an L2 table */
    t32_machine *bare;     /* bare T32 with VM_SIZE of RAM, for differential runs */
} rig;

static uint32_t insn(const char *mnemonic, unsigned a, unsigned b, uint32_t imm)
{
    int op = t32_op_lookup(mnemonic);
    assert_true(op >= 0);
    return (uint32_t)op << 24 | a << 20 | b << 16 | (imm & 0xffffu);
}

static uint32_t gread(rig *r, uint32_t gpa)
{
    uint32_t word = 0;
    assert_true(gpa < VM_SIZE && t32_phys_read32(r->host, VM_BASE + gpa, &word));
    return word;
}

static void gwrite(rig *r, uint32_t gpa, uint32_t word)
{
    assert_true(gpa < VM_SIZE && t32_phys_write32(r->host, VM_BASE + gpa, word));
}

/* Where the guest's L2 entry for `va` lives (its L1 entry must be valid). */
static uint32_t gpte_gpa(rig *r, uint32_t va)
{
    uint32_t l1 = gread(r, ROOT_GPA + 4 * T32_VA_L1(va));
    assert_true(l1 & T32_PTE_V);
    return (l1 & T32_PTE_FRAME) + 4 * T32_VA_L2(va);
}

static uint32_t gpte(rig *r, uint32_t va)
{
    return gread(r, gpte_gpa(r, va));
}

/* Map guest virtual page `va` with L2 entry `pte` in the guest's own tables,
 * as a guest kernel would (an L2 table is taken on first use). */
static void gmap(rig *r, uint32_t va, uint32_t pte)
{
    uint32_t l1_gpa = ROOT_GPA + 4 * T32_VA_L1(va);
    if (!(gread(r, l1_gpa) & T32_PTE_V)) {
        gwrite(r, l1_gpa, r->next_l2 | T32_PTE_V);
        r->next_l2 += PAGE;
    }
    gwrite(r, gpte_gpa(r, va), pte);
}

static void vm_setup(rig *r, vmm_vm *vm, int id, uint32_t base)
{
    *vm = (vmm_vm){ .id = id, .vmm = &r->v, .base = base, .size = VM_SIZE,
                    .mem = r->host->mem + base, .nvcpus = 1 };
    vm->vcpus[0].vm = vm;
    vm->vcpus[0].vsr[T32_SR_PTBR] = ROOT_GPA | T32_PTBR_E;
    vm->vcpus[0].vpsr = T32_PSR_K;
    shadow_init(vm);
}

static void other_canary_intact(rig *r)
{
    static uint8_t canary[VM_SIZE];
    if (canary[0] == 0)
        for (uint32_t a = 0; a < VM_SIZE; a += 4)
            for (int i = 0; i < 4; i++)
                canary[a + (uint32_t)i] = (uint8_t)(CANARY >> (8 * i));
    assert_memory_equal(r->host->mem + OTHER_BASE, canary, VM_SIZE);
}

/* Code at CODE_GPA (mapped at CODE_VA; at CODE_GPA itself with paging off):
 *   +0  ldw r1, 0(r2)      the load of guest_do()
 *   +4  stw r3, 0(r2)      the store of guest_do()
 * and the first word of each data page is an instruction, addi r1, r0,
 * 0x5678, so the same page serves as something to load and to fetch. */
static void write_guest_code(rig *r)
{
    gwrite(r, CODE_GPA + 0, insn("ldw", 1, 2, 0));
    gwrite(r, CODE_GPA + 4, insn("stw", 3, 2, 0));
    for (uint32_t p = DATA_GPA; p < DATA_GPA + 8 * PAGE; p += PAGE)
        gwrite(r, p, insn("addi", 1, 0, 0x5678));
}

static int rig_setup(void **state)
{
    rig *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->host = t32_machine_new(HOST_MEM, 1);
    r->bare = t32_machine_new(VM_SIZE, 1);
    assert_non_null(r->host);
    assert_non_null(r->bare);
    r->cpu = &r->host->cpu[0];
    r->cpu->host_kernel = true;
    r->bare->cpu[0].host_kernel = true;
    pool = (struct frame_pool){ .limit = NFRAMES };

    r->v = (vmm){ .m = r->host, .vmm_base = VMM_BASE,
                  .vmm_limit = VMM_LIMIT, .vmm_next = VMM_BASE, .nvms = 2 };
    r->v.vms[0] = &r->vm;
    r->v.vms[1] = &r->other;
    vm_setup(r, &r->vm, 0, VM_BASE);
    vm_setup(r, &r->other, 1, OTHER_BASE);
    for (uint32_t a = OTHER_BASE; a < OTHER_BASE + VM_SIZE; a += 4)
        assert_true(t32_phys_write32(r->host, a, CANARY));

    r->next_l2 = L2_GPA;
    write_guest_code(r);
    gmap(r, CODE_VA, CODE_GPA | T32_PTE_V | T32_PTE_R | T32_PTE_X | T32_PTE_U);
    *state = r;
    return 0;
}

/* Every test ends here: with both VMs' shadows destroyed, every VMM frame
 * must be back (no leak) and none given back twice. */
static int rig_teardown(void **state)
{
    rig *r = *state;
    shadow_destroy(&r->vm);
    shadow_destroy(&r->other);
    assert_int_equal(pool.in_use, 0);
    assert_int_equal(pool.bad_frees, 0);
    t32_machine_free(r->host);
    t32_machine_free(r->bare);
    free(r);
    return 0;
}

/* ---- running guest instructions ------------------------------------------ */

typedef struct outcome {
    t32_cause cause;       /* T32_CAUSE_NONE: the instruction completed */
    uint32_t  badvaddr;
    bool      no_memory;   /* shadow_fault said SHADOW_NO_MEMORY */
} outcome;

static bool is_memory_fault(t32_cause cause)
{
    return cause == T32_CAUSE_FETCH_FAULT || cause == T32_CAUSE_LOAD_FAULT ||
           cause == T32_CAUSE_STORE_FAULT || cause == T32_CAUSE_BUS_ERROR;
}

/* What the faulting instruction was doing (a BUS_ERROR does not say). */
static t32_access access_of(const t32_trap *t)
{
    if (t->cause == T32_CAUSE_FETCH_FAULT)
        return T32_FETCH;
    if (t->cause == T32_CAUSE_LOAD_FAULT)
        return T32_LOAD;
    if (t->cause == T32_CAUSE_STORE_FAULT)
        return T32_STORE;
    if (t->insn == 0)
        return T32_FETCH;
    return t32_ops[t->insn >> 24].format == T32_FMT_STORE ? T32_STORE : T32_LOAD;
}

/* One guest instruction under the shadow, through the exit loop. */
static outcome step_shadowed(rig *r)
{
    r->vm.vcpus[0].vcycles++;   /* a new instruction: virtual time has moved on */
    for (int exits = 0; exits < 8; exits++) {
        shadow_activate(&r->vm.vcpus[0], r->cpu);
        uint64_t retired = r->cpu->retired;
        if (t32_run(r->cpu, 1) != T32_EXIT_TRAP) {
            assert_int_equal(r->cpu->retired, retired + 1);
            return (outcome){ .cause = T32_CAUSE_NONE };
        }
        t32_trap t = r->cpu->trap;
        if (!is_memory_fault(t.cause))
            return (outcome){ .cause = t.cause, .badvaddr = t.badvaddr };
        t32_cause cause = T32_CAUSE_LIMIT;
        shadow_result res = shadow_fault(&r->vm.vcpus[0], r->cpu, t.badvaddr, access_of(&t), &cause);
        if (res == SHADOW_REFLECT)
            return (outcome){ .cause = cause, .badvaddr = t.badvaddr };
        if (res == SHADOW_NO_MEMORY)
            return (outcome){ .cause = T32_CAUSE_LIMIT, .no_memory = true };
        assert_int_equal(res, SHADOW_FIXED);
        t32_rfe(r->cpu);      /* back to real user mode, retry the instruction */
    }
    fail_msg("hidden faults are not converging: the instruction keeps faulting");
    return (outcome){ .cause = T32_CAUSE_LIMIT };
}

/* One instruction on bare T32. */
static outcome step_bare(t32_cpu *cpu)
{
    uint64_t retired = cpu->retired;
    if (t32_run(cpu, 1) == T32_EXIT_TRAP)
        return (outcome){ .cause = cpu->trap.cause, .badvaddr = cpu->trap.badvaddr };
    assert_int_equal(cpu->retired, retired + 1);
    return (outcome){ .cause = T32_CAUSE_NONE };
}

/* Where the test code is: at CODE_VA with guest paging on, else CODE_GPA. */
static uint32_t code_addr(const rig *r)
{
    return (r->vm.vcpus[0].vsr[T32_SR_PTBR] & T32_PTBR_E) ? CODE_VA : CODE_GPA;
}

/* Prepare a CPU for one access to `va`: a load into r1, a store of STORED,
 * or a fetch (pc = va). */
static void aim(const rig *r, t32_cpu *cpu, t32_access access, uint32_t va)
{
    cpu->r[1] = 0;
    cpu->r[2] = va;
    cpu->r[3] = STORED;
    cpu->pc = access == T32_FETCH ? va : code_addr(r) + (access == T32_STORE ? 4 : 0);
}

/* The guest, in its current virtual mode, does one access to `va`. */
static outcome guest_do(rig *r, t32_access access, uint32_t va)
{
    r->cpu->psr = 0;                /* the guest always runs in real user mode */
    aim(r, r->cpu, access, va);
    return step_shadowed(r);
}

static void set_guest_mode(rig *r, bool kernel)
{
    r->vm.vcpus[0].vpsr = kernel ? T32_PSR_K : 0;
}

/* The bare machine, loaded with the VM's RAM and the vCPU's PTBR and mode,
 * its registers copied from the real CPU. */
static t32_cpu *bare_mirror(rig *r)
{
    memcpy(r->bare->mem, r->host->mem + VM_BASE, VM_SIZE);
    t32_cpu *b = &r->bare->cpu[0];
    t32_cpu_reset(b);
    t32_sysreg_write(b, T32_SR_PTBR, r->vm.vcpus[0].vsr[T32_SR_PTBR]);
    b->psr = r->vm.vcpus[0].vpsr & T32_PSR_K;
    memcpy(b->r, r->cpu->r, sizeof b->r);
    b->pc = r->cpu->pc;
    return b;
}

static const char *access_name(t32_access access)
{
    return access == T32_FETCH ? "fetch" : access == T32_LOAD ? "load" : "store";
}

/* Shadow and bare must agree: outcome, registers, pc, guest RAM. */
static void same_as_bare(rig *r, t32_cpu *b, outcome got, outcome want, const char *what)
{
    if (got.no_memory)
        fail_msg("%s: out of VMM memory", what);
    if (got.cause != want.cause)
        fail_msg("%s: shadow gives %s, bare T32 %s", what,
                 t32_cause_name(got.cause), t32_cause_name(want.cause));
    if (want.cause != T32_CAUSE_NONE && got.badvaddr != want.badvaddr)
        fail_msg("%s: badvaddr %#x, bare T32 %#x", what, got.badvaddr, want.badvaddr);
    for (int i = 0; i < T32_NREGS; i++)
        if (r->cpu->r[i] != b->r[i])
            fail_msg("%s: r%d = %#x, bare T32 %#x", what, i, r->cpu->r[i], b->r[i]);
    if (want.cause == T32_CAUSE_NONE && r->cpu->pc != b->pc)
        fail_msg("%s: pc %#x, bare T32 %#x", what, r->cpu->pc, b->pc);
    if (memcmp(r->host->mem + VM_BASE, r->bare->mem, VM_SIZE) == 0)
        return;
    for (uint32_t a = 0; a < VM_SIZE; a += 4) {
        uint32_t mine = gread(r, a), theirs = 0;
        assert_true(t32_phys_read32(r->bare, a, &theirs));
        if (mine != theirs)
            fail_msg("%s: guest word %#x is %#x, bare T32 %#x", what, a, mine, theirs);
    }
}

/* One access in virtual mode `kernel`, under the shadow and on bare T32. */
static void differential(rig *r, bool kernel, t32_access access, uint32_t va, const char *what)
{
    set_guest_mode(r, kernel);
    r->cpu->psr = 0;
    aim(r, r->cpu, access, va);
    t32_cpu *b = bare_mirror(r);
    outcome want = step_bare(b);
    outcome got = step_shadowed(r);
    char label[160];
    snprintf(label, sizeof label, "%s, %s mode, %s at %#x", what,
             kernel ? "kernel" : "user", access_name(access), va);
    same_as_bare(r, b, got, want, label);
    other_canary_intact(r);
}

/* ---- the tests --------------------------------------------------------------- */

/* A first touch is a hidden fault: filled, counted, and the instruction
 * completes as if nothing happened. */
static void test_hidden_fault_fills_then_resumes(void **state)
{
    rig *r = *state;
    gmap(r, DATA_VA, DATA_GPA | T32_PTE_V | T32_PTE_R | T32_PTE_W | T32_PTE_U);
    gwrite(r, DATA_GPA + 8, 0x12345678);
    shadow_activate(&r->vm.vcpus[0], r->cpu);
    assert_int_equal(shadow_entry(&r->vm.vcpus[0], DATA_VA), 0);

    outcome o = guest_do(r, T32_LOAD, DATA_VA + 8);
    assert_int_equal(o.cause, T32_CAUSE_NONE);
    assert_int_equal(r->cpu->r[1], 0x12345678);
    assert_int_equal(r->vm.stats.shadow_faults, 2);   /* the code page, the data page */

    uint32_t e = shadow_entry(&r->vm.vcpus[0], DATA_VA);
    assert_int_equal(e & T32_PTE_FRAME, VM_BASE + DATA_GPA);
    assert_true(e & T32_PTE_V);
    assert_true(e & T32_PTE_U);
    assert_true(e & T32_PTE_R);
    assert_false(e & T32_PTE_W);          /* clean page: read-only until stored to */

    /* Mapped now: the same load again causes no exit at all. */
    o = guest_do(r, T32_LOAD, DATA_VA + 8);
    assert_int_equal(o.cause, T32_CAUSE_NONE);
    assert_int_equal(r->vm.stats.shadow_faults, 2);
}

/* D: the first store to a clean page faults even though the guest allows
 * it; the VMM sets D in the guest's entry and upgrades the shadow entry. */
static void test_first_store_sets_dirty_and_upgrades(void **state)
{
    rig *r = *state;
    set_guest_mode(r, false);
    gmap(r, DATA_VA, DATA_GPA | T32_PTE_V | T32_PTE_R | T32_PTE_W | T32_PTE_U);

    assert_int_equal(guest_do(r, T32_LOAD, DATA_VA).cause, T32_CAUSE_NONE);
    assert_int_equal(gpte(r, DATA_VA) & PTE_AD, T32_PTE_A);
    uint64_t faults = r->vm.stats.shadow_faults;

    assert_int_equal(guest_do(r, T32_STORE, DATA_VA).cause, T32_CAUSE_NONE);
    assert_int_equal(r->vm.stats.shadow_faults, faults + 1);
    assert_int_equal(gpte(r, DATA_VA) & PTE_AD, PTE_AD);
    assert_true(shadow_entry(&r->vm.vcpus[0], DATA_VA) & T32_PTE_W);
    assert_int_equal(gread(r, DATA_GPA), STORED);

    /* A second store goes straight through. */
    assert_int_equal(guest_do(r, T32_STORE, DATA_VA).cause, T32_CAUSE_NONE);
    assert_int_equal(r->vm.stats.shadow_faults, faults + 1);
}

/* Every combination of V R W X U, with A and D clear or preset, page frame
 * inside or outside guest RAM, x fetch/load/store x kernel/user: the same
 * fault or no fault, the same registers, the same A/D bits as bare T32. */
static void test_differential_permissions(void **state)
{
    rig *r = *state;
    for (uint32_t flags = 0; flags < 32; flags++)
        for (int preset = 0; preset < 2; preset++)
            for (int outside = 0; outside < 2; outside++)
                for (int kernel = 0; kernel < 2; kernel++)
                    for (int a = T32_FETCH; a <= T32_STORE; a++) {
                        uint32_t frame = outside ? VM_SIZE : DATA_GPA;
                        gmap(r, DATA_VA, frame | flags | (preset ? PTE_AD : 0));
                        gwrite(r, DATA_GPA, insn("addi", 1, 0, 0x5678));
                        shadow_flush(&r->vm.vcpus[0], r->cpu);   /* as the guest would */
                        char what[64];
                        snprintf(what, sizeof what, "pte flags %#x%s%s", flags,
                                 preset ? " +AD" : "", outside ? " frame outside" : "");
                        differential(r, kernel, (t32_access)a, DATA_VA, what);
                    }
}

/* A shadow entry must allow exactly what the guest's entry allows: after a
 * first access has filled it, a second, different access to the same page
 * (no flush in between) must still fault or not as on bare T32 - a load
 * must not make the page executable, a dirty read-only page must not
 * become writable. */
static void test_differential_second_access(void **state)
{
    rig *r = *state;
    for (uint32_t flags = T32_PTE_V; flags < 32; flags += 2)   /* V = 1 */
        for (int preset = 0; preset < 2; preset++)
            for (int kernel = 0; kernel < 2; kernel++)
                for (int first = T32_FETCH; first <= T32_STORE; first++)
                    for (int second = T32_FETCH; second <= T32_STORE; second++) {
                        gmap(r, DATA_VA, DATA_GPA | flags | (preset ? PTE_AD : 0));
                        gwrite(r, DATA_GPA, insn("addi", 1, 0, 0x5678));
                        shadow_flush(&r->vm.vcpus[0], r->cpu);
                        char what[80];
                        snprintf(what, sizeof what, "pte flags %#x%s, after a %s", flags,
                                 preset ? " +AD" : "", access_name((t32_access)first));
                        differential(r, kernel, (t32_access)first, DATA_VA, what);
                        differential(r, kernel, (t32_access)second, DATA_VA, what);
                    }
}

/* A fixed-seed generator, so the random test is the same every run. */
static uint32_t next_random(uint32_t *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 8;
}

/* A random L1 entry (one next_random() per statement: C leaves the order
 * of calls inside one expression open, and the test must not depend on the
 * compiler). */
static uint32_t random_l1(uint32_t *seed, const uint32_t l2_tables[3])
{
    uint32_t table = l2_tables[next_random(seed) % 3];
    uint32_t junk = next_random(seed);
    switch (next_random(seed) % 6) {
    case 0:  return 0;                                   /* invalid */
    case 1:  return VM_SIZE | T32_PTE_V;                 /* L2 outside RAM */
    case 2:  return junk << 1 | T32_PTE_V;               /* anything valid */
    case 3:  return table | T32_PTE_V | (junk & 0xffeu);  /* ignored bits set */
    default: return table | T32_PTE_V;
    }
}

/* A random L2 entry: mostly valid, any permissions, A and D, junk in the
 * ignored bits 11:7, a frame in RAM (never a table's: stores must not edit
 * the tables) or outside it. */
static uint32_t random_l2(uint32_t *seed)
{
    uint32_t flags = next_random(seed) & 0xfffu;
    if (next_random(seed) % 4 != 0)
        flags |= T32_PTE_V;
    uint32_t page = next_random(seed) % 8;
    switch (next_random(seed) % 6) {
    case 0:  return VM_SIZE | flags;
    case 1:  return 0x7ffff000u | flags;
    default: return (DATA_GPA + page * PAGE) | flags;
    }
}

/* A random address in L1 slots 2..5, L2 slots 0..7 - few enough pages
 * that they are used again and again - word aligned; a page start for a
 * fetch, where an instruction is. */
static uint32_t random_va(uint32_t *seed, t32_access access)
{
    uint32_t l1 = 2 + next_random(seed) % 4;
    uint32_t l2 = next_random(seed) % 8;
    uint32_t offset = access == T32_FETCH ? 0 : (next_random(seed) % 1024) * 4;
    return l1 << 22 | l2 << 12 | offset;
}

/* Random tables - valid, invalid, pointing outside RAM, with junk in the
 * ignored bits - then random accesses in random modes, step by step
 * against bare T32.  The guest never edits its tables here (only the
 * hardware's A and D), so no TLB staleness may make the two differ. */
static void test_differential_random(void **state)
{
    rig *r = *state;
    const uint32_t l2_tables[3] = { 0x3000, 0x4000, 0x5000 };
    uint32_t seed = 1;
    for (int round = 0; round < 60; round++) {
        for (uint32_t i = 2; i < 6; i++)
            gwrite(r, ROOT_GPA + 4 * i, random_l1(&seed, l2_tables));
        for (uint32_t t = 0; t < 3; t++)
            for (uint32_t i = 0; i < 8; i++)
                gwrite(r, l2_tables[t] + 4 * i, random_l2(&seed));
        shadow_flush(&r->vm.vcpus[0], r->cpu);
        for (int step = 0; step < 24; step++) {
            t32_access access = (t32_access)(next_random(&seed) % 3);
            uint32_t va = random_va(&seed, access);
            bool kernel = next_random(&seed) % 2;
            char what[48];
            snprintf(what, sizeof what, "round %d step %d", round, step);
            differential(r, kernel, access, va, what);
        }
    }
}

/* The walk itself: an invalid L1 entry, an L2 table or a root table
 * outside guest RAM, and tables in the very last guest frame. */
static void test_differential_walk(void **state)
{
    rig *r = *state;
    const uint32_t last = VM_SIZE - PAGE;
    uint32_t l1_gpa = ROOT_GPA + 4 * T32_VA_L1(DATA_VA);
    struct { const char *what; uint32_t ptbr, l1; } cases[] = {
        { "L1 entry invalid",             ROOT_GPA, 0 },
        { "L1 entry invalid, frame set",  ROOT_GPA, last },
        { "L2 table outside RAM",         ROOT_GPA, VM_SIZE | T32_PTE_V },
        { "L2 table far outside RAM",     ROOT_GPA, 0xfffff000u | T32_PTE_V },
        { "L2 table in the last frame",   ROOT_GPA, last | T32_PTE_V },
        { "root table outside RAM",       VM_SIZE, 0 },
        { "root table in the last frame", last, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (int kernel = 0; kernel < 2; kernel++)
            for (int a = T32_FETCH; a <= T32_STORE; a++) {
                gwrite(r, l1_gpa, cases[i].l1);
                gwrite(r, last + 4 * T32_VA_L2(DATA_VA), DATA_GPA | 0x1f);
                /* a root in the last frame maps the code page too */
                gwrite(r, last + 4 * T32_VA_L1(CODE_VA), gread(r, ROOT_GPA + 4 * T32_VA_L1(CODE_VA)));
                gwrite(r, last + 4 * T32_VA_L1(DATA_VA), last | T32_PTE_V);
                r->vm.vcpus[0].vsr[T32_SR_PTBR] = cases[i].ptbr | T32_PTBR_E;
                shadow_flush(&r->vm.vcpus[0], r->cpu);
                differential(r, kernel, (t32_access)a, DATA_VA + 0x10, cases[i].what);
            }
}

/* Paging off: identity over guest RAM, no protection, BUS_ERROR beyond. */
static void test_differential_paging_off(void **state)
{
    rig *r = *state;
    r->vm.vcpus[0].vsr[T32_SR_PTBR] = 0;
    shadow_flush(&r->vm.vcpus[0], r->cpu);
    uint32_t addrs[] = { DATA_GPA, VM_SIZE - 4, VM_SIZE, VM_SIZE + PAGE, 0xfffffffcu };
    for (size_t i = 0; i < sizeof addrs / sizeof addrs[0]; i++)
        for (int kernel = 0; kernel < 2; kernel++)
            for (int a = T32_FETCH; a <= T32_STORE; a++)
                differential(r, kernel, (t32_access)a, addrs[i], "paging off");
    /* identity is one space whatever the mode */
    set_guest_mode(r, false);
    assert_int_equal(shadow_entry(&r->vm.vcpus[0], DATA_GPA) & T32_PTE_FRAME, VM_BASE + DATA_GPA);
}

/* A little program, step by step on both machines: loads, the first store
 * to a clean page, stores to pages already dirty, a page in another L1
 * region, a read-only page, and a kernel page that user mode may not use. */
static void test_differential_program(void **state)
{
    rig *r = *state;
    const uint32_t prog = CODE_GPA + 0x100;
    const uint32_t words[] = {
        insn("ldw", 1, 2, 0),        /* clean page: A only */
        insn("stw", 3, 2, 4),        /* first store: D, shadow upgraded */
        insn("ldw", 4, 2, 4),        /* reads it back */
        insn("stw", 3, 2, 0x1000),   /* next page, D preset: writable at once */
        insn("ldw", 5, 6, 0),        /* another L1 region */
        insn("stw", 5, 6, 8),
        insn("ldw", 7, 8, 0),        /* read-only page */
        insn("stw", 7, 8, 0),        /* ... so this store faults */
    };
    for (int kernel = 1; kernel >= 0; kernel--) {
        for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
            gwrite(r, prog + 4 * (uint32_t)i, words[i]);
        gmap(r, DATA_VA, (DATA_GPA) | T32_PTE_V | T32_PTE_R | T32_PTE_W | T32_PTE_U);
        gmap(r, DATA_VA + PAGE, (DATA_GPA + PAGE) | 0x17 | PTE_AD);
        gmap(r, 0x10000000u, (DATA_GPA + 2 * PAGE) | T32_PTE_V | PTE_RWX | T32_PTE_U);
        gmap(r, 0x20000000u, (DATA_GPA + 3 * PAGE) | T32_PTE_V | T32_PTE_R | T32_PTE_U);
        shadow_flush(&r->vm.vcpus[0], r->cpu);
        set_guest_mode(r, kernel);
        r->cpu->psr = 0;
        r->cpu->pc = CODE_VA + 0x100;
        r->cpu->r[2] = DATA_VA;
        r->cpu->r[3] = STORED;
        r->cpu->r[6] = 0x10000000u;
        r->cpu->r[8] = 0x20000000u;
        t32_cpu *b = bare_mirror(r);
        for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
            outcome want = step_bare(b);
            outcome got = step_shadowed(r);
            char what[64];
            snprintf(what, sizeof what, "%s mode, step %zu", kernel ? "kernel" : "user", i);
            same_as_bare(r, b, got, want, what);
            if (want.cause != T32_CAUSE_NONE)
                break;
        }
        assert_int_equal(r->cpu->trap.cause, T32_CAUSE_STORE_FAULT);
    }
}

/* The user view holds only the guest's U=1 pages: a kernel page that the
 * kernel view maps is invisible to guest user code, and the two views are
 * cached side by side (switching back costs no fault). */
static void test_user_view_hides_kernel_pages(void **state)
{
    rig *r = *state;
    gmap(r, DATA_VA, DATA_GPA | T32_PTE_V | T32_PTE_R | T32_PTE_W);   /* U = 0 */
    gwrite(r, DATA_GPA, 0x5ec7e7);

    set_guest_mode(r, true);
    assert_int_equal(guest_do(r, T32_LOAD, DATA_VA).cause, T32_CAUSE_NONE);
    assert_int_equal(r->cpu->r[1], 0x5ec7e7);
    assert_int_not_equal(shadow_entry(&r->vm.vcpus[0], DATA_VA), 0);

    set_guest_mode(r, false);
    shadow_activate(&r->vm.vcpus[0], r->cpu);
    assert_int_equal(shadow_entry(&r->vm.vcpus[0], DATA_VA), 0);
    outcome o = guest_do(r, T32_LOAD, DATA_VA);
    assert_int_equal(o.cause, T32_CAUSE_LOAD_FAULT);
    assert_int_equal(o.badvaddr, DATA_VA);
    assert_int_equal(r->cpu->r[1], 0);
    assert_int_equal(shadow_entry(&r->vm.vcpus[0], DATA_VA), 0);
    /* the real MMU, in the real user mode the guest runs in, agrees */
    uint32_t pa;
    assert_int_not_equal(t32_translate(r->cpu, DATA_VA, T32_LOAD, false, &pa), T32_CAUSE_NONE);

    set_guest_mode(r, true);
    uint64_t faults = r->vm.stats.shadow_faults;
    assert_int_equal(guest_do(r, T32_LOAD, DATA_VA).cause, T32_CAUSE_NONE);
    assert_int_equal(r->vm.stats.shadow_faults, faults);
}

/* guest_tlb_translate answers with what the real CPU's TLB holds for the
 * guest - the translation the guest's own next access would use: never for
 * a page not yet cached, never a store before the guest's D is set (the
 * shadow maps a clean page read-only).  A change of view empties it
 * (shadow_activate writes the real PTBR), so it never answers with another
 * view's entries; nor after a flush. */
static void test_tlb_translate_is_the_cpus(void **state)
{
    rig *r = *state;
    vmm_vcpu *vc = &r->vm.vcpus[0];
    uint32_t gpa = 0;
    gmap(r, DATA_VA, DATA_GPA | T32_PTE_V | T32_PTE_R | T32_PTE_W | T32_PTE_U);
    set_guest_mode(r, true);
    shadow_activate(vc, r->cpu);
    assert_false(guest_tlb_translate(&r->vm, r->cpu, DATA_VA, T32_LOAD, &gpa));

    assert_int_equal(guest_do(r, T32_LOAD, DATA_VA).cause, T32_CAUSE_NONE);
    assert_true(guest_tlb_translate(&r->vm, r->cpu, DATA_VA + 8, T32_LOAD, &gpa));
    assert_int_equal(gpa, DATA_GPA + 8);
    assert_false(guest_tlb_translate(&r->vm, r->cpu, DATA_VA + 8, T32_STORE, &gpa));
    assert_false(guest_tlb_translate(&r->vm, r->cpu, DATA_VA + PAGE, T32_LOAD, &gpa));

    assert_int_equal(guest_do(r, T32_STORE, DATA_VA).cause, T32_CAUSE_NONE);
    assert_true(guest_tlb_translate(&r->vm, r->cpu, DATA_VA + 4, T32_STORE, &gpa));
    assert_int_equal(gpa, DATA_GPA + 4);

    set_guest_mode(r, false);      /* user mode: its own view */
    shadow_activate(vc, r->cpu);
    assert_false(guest_tlb_translate(&r->vm, r->cpu, DATA_VA, T32_LOAD, &gpa));
    set_guest_mode(r, true);
    shadow_activate(vc, r->cpu);
    assert_false(guest_tlb_translate(&r->vm, r->cpu, DATA_VA, T32_LOAD, &gpa));
    assert_int_equal(guest_do(r, T32_LOAD, DATA_VA).cause, T32_CAUSE_NONE);
    assert_true(guest_tlb_translate(&r->vm, r->cpu, DATA_VA, T32_LOAD, &gpa));
    t32_tlb_flush(r->cpu);
    assert_false(guest_tlb_translate(&r->vm, r->cpu, DATA_VA, T32_LOAD, &gpa));
}

/* A guest entry that names a frame just past its RAM - where the other
 * VM's RAM is - is a BUS_ERROR, and nothing of the other VM is read,
 * written or mapped. */
static void test_outside_vm_is_bus_error(void **state)
{
    rig *r = *state;
    gmap(r, DATA_VA, VM_SIZE | T32_PTE_V | PTE_RWX | T32_PTE_U | PTE_AD);
    gmap(r, DATA_VA + PAGE, 0x7ffff000u | T32_PTE_V | PTE_RWX | T32_PTE_U | PTE_AD);
    for (int kernel = 0; kernel < 2; kernel++)
        for (int a = T32_FETCH; a <= T32_STORE; a++)
            for (uint32_t va = DATA_VA; va <= DATA_VA + PAGE; va += PAGE) {
                set_guest_mode(r, kernel);
                outcome o = guest_do(r, (t32_access)a, va);
                assert_int_equal(o.cause, T32_CAUSE_BUS_ERROR);
                assert_int_equal(o.badvaddr, va);
                assert_int_not_equal(r->cpu->r[1], CANARY);
                assert_int_equal(shadow_entry(&r->vm.vcpus[0], va), 0);
            }
    other_canary_intact(r);
}

/* ISA.md's TLB rule: after editing an entry it has used, the guest may see
 * the old mapping until it flushes - and after the flush, the new one. */
static void test_stale_until_flush(void **state)
{
    rig *r = *state;
    gwrite(r, DATA_GPA + 0x10, 111);
    gwrite(r, DATA_GPA + PAGE + 0x10, 222);
    gmap(r, DATA_VA, DATA_GPA | T32_PTE_V | T32_PTE_R | T32_PTE_U);
    assert_int_equal(guest_do(r, T32_LOAD, DATA_VA + 0x10).cause, T32_CAUSE_NONE);
    assert_int_equal(r->cpu->r[1], 111);

    gmap(r, DATA_VA, (DATA_GPA + PAGE) | T32_PTE_V | T32_PTE_R | T32_PTE_U);
    assert_int_equal(guest_do(r, T32_LOAD, DATA_VA + 0x10).cause, T32_CAUSE_NONE);
    assert_int_equal(r->cpu->r[1], 111);        /* stale, as the TLB allows */

    shadow_flush(&r->vm.vcpus[0], r->cpu);               /* the guest's tlbflush */
    assert_int_equal(guest_do(r, T32_LOAD, DATA_VA + 0x10).cause, T32_CAUSE_NONE);
    assert_int_equal(r->cpu->r[1], 222);

    /* unmapping works the same way */
    gmap(r, DATA_VA, 0);
    shadow_flush(&r->vm.vcpus[0], r->cpu);
    assert_int_equal(guest_do(r, T32_LOAD, DATA_VA).cause, T32_CAUSE_LOAD_FAULT);
}

/* Touch pages in three L1 regions, flush, again and again: the frames in
 * use never grow, even with a VMM pool of only eight frames. */
static void test_flush_loop_does_not_leak(void **state)
{
    rig *r = *state;
    pool.limit = 8;
    const uint32_t vas[] = { DATA_VA, 0x10000000u, 0x20000000u };
    for (int i = 0; i < 3; i++)
        gmap(r, vas[i], (DATA_GPA + (uint32_t)i * PAGE) | T32_PTE_V | PTE_RWX);
    for (int round = 0; round < 2000; round++) {
        for (int i = 0; i < 3; i++)
            assert_int_equal(guest_do(r, T32_STORE, vas[i]).cause, T32_CAUSE_NONE);
        /* a root, the code page's L2 table and one per region */
        assert_int_equal(pool.in_use, 5);
        shadow_flush(&r->vm.vcpus[0], r->cpu);
        assert_int_equal(pool.in_use, 1);       /* just the fresh, empty root */
    }
    assert_int_equal(gread(r, DATA_GPA + 2 * PAGE), STORED);
}

/* With fewer VMM frames than the guest's working set, shadow_fault drops
 * shadows and tries again: slower, never wrong. */
static void test_out_of_frames_reclaims(void **state)
{
    rig *r = *state;
    pool.limit = 3;         /* a root and two L2 tables: code + one region */
    for (uint32_t i = 0; i < 6; i++)
        gmap(r, 0x10000000u * (i + 1), (DATA_GPA + i * PAGE) | T32_PTE_V | PTE_RWX);
    for (int round = 0; round < 3; round++)
        for (uint32_t i = 0; i < 6; i++) {
            uint32_t va = 0x10000000u * (i + 1);
            assert_int_equal(guest_do(r, T32_STORE, va).cause, T32_CAUSE_NONE);
            assert_int_equal(guest_do(r, T32_LOAD, va).cause, T32_CAUSE_NONE);
            assert_int_equal(r->cpu->r[1], STORED);
        }
    assert_true(pool.in_use <= 3);
}

/* One instruction needs a root and two L2 tables here (code and data lie
 * in different 4 MiB regions); with two frames each fault would take back
 * the other's, for ever - hidden faults retire nothing.  The VMM gives
 * everything back once, and then says it is out of memory. */
static void test_out_of_frames_no_livelock(void **state)
{
    rig *r = *state;
    gmap(r, DATA_VA, DATA_GPA | T32_PTE_V | T32_PTE_R);
    pool.limit = 2;
    assert_true(guest_do(r, T32_LOAD, DATA_VA).no_memory);
    pool.limit = 3;                             /* enough for it */
    assert_int_equal(guest_do(r, T32_LOAD, DATA_VA).cause, T32_CAUSE_NONE);
}

/* One VM's shadows must not starve another: when the pool is empty, the
 * faulting VM takes frames back from the other VM's shadows, which are
 * rebuilt when that VM runs again. */
static void test_out_of_frames_takes_from_other_vm(void **state)
{
    rig *r = *state;
    pool.limit = 3;
    /* The other VM maps its first page everywhere we look. */
    vmm_vm *o = &r->other;
    o->vcpus[0].vsr[T32_SR_PTBR] = 0;                       /* paging off */
    shadow_activate(&o->vcpus[0], r->cpu);
    t32_cause cause;
    assert_int_equal(shadow_fault(&o->vcpus[0], r->cpu, 0, T32_LOAD, &cause), SHADOW_FIXED);
    assert_int_equal(pool.in_use, 2);

    gmap(r, DATA_VA, DATA_GPA | T32_PTE_V | T32_PTE_R);
    gwrite(r, DATA_GPA, 77);
    assert_int_equal(guest_do(r, T32_LOAD, DATA_VA).cause, T32_CAUSE_NONE);
    assert_int_equal(r->cpu->r[1], 77);
    assert_int_equal(shadow_entry(&o->vcpus[0], 0), 0);            /* dropped */

    /* The other VM runs again: it gets its own memory back, not ours. */
    shadow_activate(&o->vcpus[0], r->cpu);
    assert_int_equal(shadow_fault(&o->vcpus[0], r->cpu, 0x40, T32_LOAD, &cause), SHADOW_FIXED);
    assert_int_equal(shadow_entry(&o->vcpus[0], 0) & T32_PTE_FRAME, OTHER_BASE);
    uint32_t pa;
    r->cpu->psr = 0;
    assert_int_equal(t32_translate(r->cpu, 0x40, T32_LOAD, false, &pa), T32_CAUSE_NONE);
    assert_int_equal(pa, OTHER_BASE + 0x40);
}

/* When not even a root and one L2 table can be had, shadow_fault says so
 * (SHADOW_NO_MEMORY) instead of crashing or looping; a parked real PTBR
 * gives a real BUS_ERROR and never a mapping. */
static void test_no_memory_is_reported(void **state)
{
    rig *r = *state;
    gmap(r, DATA_VA, DATA_GPA | T32_PTE_V | T32_PTE_R);
    pool.limit = 1;
    assert_true(guest_do(r, T32_LOAD, DATA_VA).no_memory);

    pool.limit = 0;
    shadow_flush(&r->vm.vcpus[0], r->cpu);
    assert_int_equal(pool.in_use, 0);
    uint32_t pa;
    assert_int_equal(t32_translate(r->cpu, CODE_VA, T32_FETCH, false, &pa), T32_CAUSE_BUS_ERROR);
    assert_true(guest_do(r, T32_LOAD, DATA_VA).no_memory);

    /* and the guest's own faults are still reflected as such */
    assert_int_equal(guest_do(r, T32_FETCH, DATA_VA).cause, T32_CAUSE_FETCH_FAULT);

    pool.limit = NFRAMES;                       /* memory is back */
    assert_int_equal(guest_do(r, T32_LOAD, DATA_VA).cause, T32_CAUSE_NONE);
}

/* More address spaces than the cache holds - 20 guest roots, each in both
 * views, without a flush - so the least recently used are dropped (their
 * frames given back) and the most recent SHADOW_MAX_SPACES stay. */
static void test_lru_replacement(void **state)
{
    rig *r = *state;
    const uint32_t nroots = 20, first_root = 0x28000u;
    for (uint32_t i = 0; i < nroots; i++) {
        for (uint32_t e = 0; e < PAGE; e += 4)       /* copies of the guest's root */
            gwrite(r, first_root + i * PAGE + e, gread(r, ROOT_GPA + e));
        r->vm.vcpus[0].vsr[T32_SR_PTBR] = (first_root + i * PAGE) | T32_PTBR_E;
        for (int kernel = 1; kernel >= 0; kernel--) {
            set_guest_mode(r, kernel);
            assert_int_equal(guest_do(r, T32_LOAD, CODE_VA).cause, T32_CAUSE_NONE);
        }
    }
    /* each cached space: a root and the code page's L2 table */
    assert_int_equal(pool.in_use, 2 * SHADOW_MAX_SPACES);
    for (uint32_t i = 0; i < nroots; i++) {
        r->vm.vcpus[0].vsr[T32_SR_PTBR] = (first_root + i * PAGE) | T32_PTBR_E;
        for (int kernel = 1; kernel >= 0; kernel--) {
            set_guest_mode(r, kernel);
            uint32_t age = 2 * (nroots - i) - (kernel ? 0u : 1u);   /* 1 = newest */
            bool cached = shadow_entry(&r->vm.vcpus[0], CODE_VA) != 0;
            assert_int_equal(cached, age <= SHADOW_MAX_SPACES);
        }
    }
}

/* shadow_guest_translate walks like the hardware but changes nothing. */
static void test_guest_translate(void **state)
{
    rig *r = *state;
    gmap(r, DATA_VA, DATA_GPA | T32_PTE_V | T32_PTE_R);
    uint32_t gpa = 0;
    set_guest_mode(r, true);
    assert_int_equal(shadow_guest_translate(&r->vm.vcpus[0], DATA_VA + 0x123, T32_LOAD, &gpa),
                     T32_CAUSE_NONE);
    assert_int_equal(gpa, DATA_GPA + 0x123);
    assert_int_equal(gpte(r, DATA_VA) & PTE_AD, 0);
    assert_int_equal(shadow_guest_translate(&r->vm.vcpus[0], DATA_VA, T32_STORE, &gpa),
                     T32_CAUSE_STORE_FAULT);
    /* bits 11:7 of an entry are ignored: they never leak into the address */
    gmap(r, DATA_VA + PAGE, (DATA_GPA + PAGE) | 0xf80u | T32_PTE_V | T32_PTE_R | T32_PTE_U);
    assert_int_equal(shadow_guest_translate(&r->vm.vcpus[0], DATA_VA + PAGE + 0x10, T32_LOAD, &gpa),
                     T32_CAUSE_NONE);
    assert_int_equal(gpa, DATA_GPA + PAGE + 0x10);
    set_guest_mode(r, false);
    assert_int_equal(shadow_guest_translate(&r->vm.vcpus[0], DATA_VA, T32_LOAD, &gpa),
                     T32_CAUSE_LOAD_FAULT);
    assert_int_equal(shadow_guest_translate(&r->vm.vcpus[0], 0x7fc00000u, T32_FETCH, &gpa),
                     T32_CAUSE_FETCH_FAULT);
    r->vm.vcpus[0].vsr[T32_SR_PTBR] = 0;
    assert_int_equal(shadow_guest_translate(&r->vm.vcpus[0], VM_SIZE - 1, T32_STORE, &gpa),
                     T32_CAUSE_NONE);
    assert_int_equal(gpa, VM_SIZE - 1);
    assert_int_equal(shadow_guest_translate(&r->vm.vcpus[0], VM_SIZE, T32_LOAD, &gpa),
                     T32_CAUSE_BUS_ERROR);
    assert_int_equal(r->vm.stats.shadow_faults, 0);
    assert_int_equal(pool.in_use, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, rig_setup, rig_teardown)
        T(test_hidden_fault_fills_then_resumes),
        T(test_first_store_sets_dirty_and_upgrades),
        T(test_differential_permissions),
        T(test_differential_second_access),
        T(test_differential_random),
        T(test_differential_walk),
        T(test_differential_paging_off),
        T(test_differential_program),
        T(test_user_view_hides_kernel_pages),
        T(test_tlb_translate_is_the_cpus),
        T(test_outside_vm_is_bus_error),
        T(test_stale_until_flush),
        T(test_flush_loop_does_not_leak),
        T(test_out_of_frames_reclaims),
        T(test_out_of_frames_no_livelock),
        T(test_out_of_frames_takes_from_other_vm),
        T(test_no_memory_is_reported),
        T(test_lru_replacement),
        T(test_guest_translate),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
