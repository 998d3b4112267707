/*
 * test_mmu.c - paging and the software TLB against ISA.md section 8.
 *
 * The centre is an exhaustive access test in the style of kvm-unit-tests'
 * access.flat: every combination of the PTE bits V R W X U (and of the L1
 * entry's V), for every kind of access (fetch, load, store), in both
 * modes, run on the CPU and compared with `oracle`, a few lines written
 * straight from the spec's text.  Then the A and D bits, BUS_ERROR during
 * the walk, fault priority, and the TLB's documented incoherence.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "guest.h"

/* Physical layout of the paged tests (RAM is 1 MiB). */
#define L1_PA       0x10000u   /* root table */
#define L2_LOW_PA   0x11000u   /* L1[0]: identity map of all RAM, V R W X U */
#define L2_TEST_PA  0x12000u   /* L1[1]: the pages under test */
#define FRAME1      0x30000u
#define FRAME2      0x31000u
/* The virtual page under test: L1 index 1, L2 index 5. */
#define TVA         (0x00400000u + 5 * T32_PAGE_SIZE)
#define TPTE_PA     (L2_TEST_PA + 4 * 5)
#define OFF         0x10u      /* offset used inside the page */

#define V T32_PTE_V
#define PR T32_PTE_R
#define PW T32_PTE_W
#define PX T32_PTE_X
#define PU T32_PTE_U
#define PA T32_PTE_A
#define PD T32_PTE_D
#define RWXU (V | PR | PW | PX | PU)

/* ---- the oracle: ISA.md section 8, sentence by sentence --------------------- */

/* "A translation succeeds when both entries have V = 1, the page allows the
 * access (fetch needs X, load needs R, store needs W) and, in user mode,
 * U = 1.  Kernel mode may use any page whose R/W/X allow the access, U or
 * not.  Otherwise the access raises FETCH_FAULT, LOAD_FAULT or STORE_FAULT." */
static t32_cause oracle(bool l1_valid, uint32_t pte, t32_access access, bool kernel)
{
    t32_cause fault = access == T32_FETCH ? T32_CAUSE_FETCH_FAULT
                    : access == T32_LOAD  ? T32_CAUSE_LOAD_FAULT
                                          : T32_CAUSE_STORE_FAULT;
    uint32_t needs = access == T32_FETCH ? PX : access == T32_LOAD ? PR : PW;
    bool both_valid = l1_valid && (pte & V);
    bool allows = (pte & needs) != 0;
    bool user_ok = kernel || (pte & PU);
    return both_valid && allows && user_ok ? T32_CAUSE_NONE : fault;
}

/* ---- set-up ---------------------------------------------------------------------- */

/* A guest with paging on: L1[0] identity-maps RAM (so the code at
 * GUEST_CODE and the tables themselves are reachable in both modes), L1[1]
 * points at the test L2 table, which starts empty. */
static guest *paged_guest(void)
{
    guest *g = guest_new(true);
    poke(g, L1_PA + 0, L2_LOW_PA | V);
    poke(g, L1_PA + 4, L2_TEST_PA | V);
    for (uint32_t page = 0; page < GUEST_MEMSIZE / T32_PAGE_SIZE; page++)
        poke(g, L2_LOW_PA + 4 * page, page << T32_PAGE_SHIFT | RWXU);
    t32_sysreg_write(g->cpu, T32_SR_PTBR, L1_PA | T32_PTBR_E);
    return g;
}

/* Map the test page (a fresh PTE; the TLB is flushed by rewriting PTBR). */
static void map_test_page(guest *g, bool l1_valid, uint32_t pte)
{
    poke(g, L1_PA + 4, L2_TEST_PA | (l1_valid ? V : 0));
    poke(g, TPTE_PA, pte);
    t32_sysreg_write(g->cpu, T32_SR_PTBR, L1_PA | T32_PTBR_E);
}

/* Perform one access to TVA + OFF in the given mode.  Returns t32_run's
 * exit.  Load: r3 := word; store: word := r2; fetch: jump there and execute
 * the `addi r5, r0, 77` that FRAME1 holds at OFF. */
static t32_exit access_once(guest *g, t32_access access, bool kernel)
{
    t32_cpu *c = g->cpu;
    c->r[1] = TVA + OFF;
    c->r[2] = 0x22222222u;
    c->r[3] = c->r[5] = 0;
    uint32_t word = access == T32_LOAD  ? I(T32_OP_LDW, 3, 1, 0)
                  : access == T32_STORE ? I(T32_OP_STW, 2, 1, 0)
                                        : I(T32_OP_JALR, 0, 1, 0);
    poke(g, GUEST_CODE, word);
    c->pc = GUEST_CODE;
    c->psr = kernel ? T32_PSR_K : 0;
    return t32_run(c, access == T32_FETCH ? 2 : 1);
}

/* ---- the access matrix --------------------------------------------------------------- */

static void check_one_case(guest *g, bool l1v, uint32_t perms, t32_access access, bool kernel)
{
    t32_cpu *c = g->cpu;
    uint32_t pte = FRAME1 | perms;
    map_test_page(g, l1v, pte);
    poke(g, FRAME1 + OFF, I(T32_OP_ADDI, 5, 0, 77));
    t32_cause want = oracle(l1v, pte, access, kernel);

    /* The tool's translation agrees, and touches nothing. */
    uint32_t pa = 0;
    assert_int_equal(t32_translate(c, TVA + OFF, access, kernel, &pa), want);
    if (want == T32_CAUSE_NONE)
        assert_int_equal(pa, FRAME1 + OFF);
    assert_int_equal(peek(g, TPTE_PA), pte);
    assert_int_equal(c->tlb[kernel][(TVA >> 12) % T32_TLB_SIZE].vpage, 0);

    t32_exit why = access_once(g, access, kernel);
    uint32_t word = peek(g, FRAME1 + OFF);
    if (want == T32_CAUSE_NONE) {
        assert_int_equal(why, T32_EXIT_BUDGET);
        if (access == T32_LOAD)
            assert_int_equal(c->r[3], I(T32_OP_ADDI, 5, 0, 77));
        if (access == T32_STORE)
            assert_int_equal(word, 0x22222222u);
        if (access == T32_FETCH)
            assert_int_equal(c->r[5], 77);
        /* A on any successful access, D on a store, nothing else changes. */
        uint32_t set = PA | (access == T32_STORE ? PD : 0);
        assert_int_equal(peek(g, TPTE_PA), pte | set);
    } else {
        assert_int_equal(why, T32_EXIT_TRAP);
        assert_int_equal(c->trap.cause, want);
        assert_int_equal(c->sr[T32_SR_CAUSE], want);
        assert_int_equal(c->sr[T32_SR_BADVADDR], TVA + OFF);
        assert_int_equal(c->sr[T32_SR_EPC], access == T32_FETCH ? TVA + OFF : GUEST_CODE);
        assert_int_equal(c->r[3] | c->r[5], 0);
        assert_int_equal(word, I(T32_OP_ADDI, 5, 0, 77));
        assert_int_equal(peek(g, TPTE_PA), pte);        /* a fault sets no A/D */
    }
}

static void test_access_matrix(void **state)
{
    (void)state;
    guest *g = paged_guest();
    int cases = 0, allowed = 0;
    for (int l1v = 0; l1v <= 1; l1v++)
        for (uint32_t perms = 0; perms < 32; perms++)     /* V R W X U */
            for (int a = T32_FETCH; a <= T32_STORE; a++)
                for (int kernel = 0; kernel <= 1; kernel++) {
                    check_one_case(g, l1v, perms, (t32_access)a, kernel);
                    cases++;
                    allowed += oracle(l1v, perms, (t32_access)a, kernel) == T32_CAUSE_NONE;
                }
    assert_int_equal(cases, 2 * 32 * 3 * 2);
    assert_int_equal(allowed, 3 * (8 + 4));   /* per access: 8 kernel + 4 user PTEs */
    guest_free(g);
}

/* Paging off: virtual = physical, no protection, user mode included. */
static void test_paging_off_is_identity(void **state)
{
    (void)state;
    guest *g = guest_new(true);
    t32_cpu *c = g->cpu;
    c->sr[T32_SR_PTBR] = L1_PA;                       /* a root, but E = 0 */
    poke(g, FRAME1 + OFF, 0x600df00du);
    uint32_t pa;
    assert_int_equal(t32_translate(c, FRAME1 + OFF, T32_STORE, false, &pa), T32_CAUSE_NONE);
    assert_int_equal(pa, FRAME1 + OFF);
    assert_int_equal(t32_translate(c, GUEST_MEMSIZE, T32_LOAD, true, &pa), T32_CAUSE_BUS_ERROR);
    c->r[1] = FRAME1 + OFF;
    assert_int_equal(guest_step_one(g, I(T32_OP_LDW, 3, 1, 0), false), T32_EXIT_BUDGET);
    assert_int_equal(c->r[3], 0x600df00du);
    guest_free(g);
}

/* ---- A and D ------------------------------------------------------------------------------ */

/* A is set by the first access, D by the first store - even when the
 * translation is already cached without D (the store re-walks). */
static void test_accessed_and_dirty(void **state)
{
    (void)state;
    guest *g = paged_guest();
    t32_cpu *c = g->cpu;
    map_test_page(g, true, FRAME1 | RWXU);
    assert_int_equal(access_once(g, T32_LOAD, false), T32_EXIT_BUDGET);
    assert_int_equal(peek(g, TPTE_PA), FRAME1 | RWXU | PA);
    assert_int_equal(access_once(g, T32_LOAD, false), T32_EXIT_BUDGET);
    assert_int_equal(peek(g, TPTE_PA), FRAME1 | RWXU | PA);
    assert_int_equal(access_once(g, T32_STORE, false), T32_EXIT_BUDGET);   /* cached, D clear */
    assert_int_equal(peek(g, TPTE_PA), FRAME1 | RWXU | PA | PD);
    assert_int_equal(peek(g, FRAME1 + OFF), 0x22222222u);
    /* The cached entry now has D: software clearing D in memory is not seen
     * until a flush (the TLB is not coherent), so D stays clear... */
    poke(g, TPTE_PA, FRAME1 | RWXU | PA);
    assert_int_equal(access_once(g, T32_STORE, false), T32_EXIT_BUDGET);
    assert_int_equal(peek(g, TPTE_PA), FRAME1 | RWXU | PA);
    /* ...and after one, the next store sets it again. */
    t32_tlb_flush(c);
    assert_int_equal(access_once(g, T32_STORE, false), T32_EXIT_BUDGET);
    assert_int_equal(peek(g, TPTE_PA), FRAME1 | RWXU | PA | PD);
    guest_free(g);
}

/* ---- BUS_ERROR during translation ---------------------------------------------------------- */

static void test_bus_errors_in_the_walk(void **state)
{
    (void)state;
    const uint32_t outside = GUEST_MEMSIZE;           /* first frame past RAM */
    guest *g = paged_guest();
    t32_cpu *c = g->cpu;

    /* The page's frame is outside RAM. */
    map_test_page(g, true, outside | RWXU);
    for (int a = T32_FETCH; a <= T32_STORE; a++) {
        assert_int_equal(access_once(g, (t32_access)a, false), T32_EXIT_TRAP);
        assert_int_equal(c->trap.cause, T32_CAUSE_BUS_ERROR);
        assert_int_equal(c->sr[T32_SR_BADVADDR], TVA + OFF);   /* the virtual address */
        assert_int_equal(peek(g, TPTE_PA), outside | RWXU);    /* no A */
    }
    /* ... but an access the PTE forbids faults first: the frame is never used. */
    map_test_page(g, true, outside | V | PR);
    assert_int_equal(access_once(g, T32_STORE, true), T32_EXIT_TRAP);
    assert_int_equal(c->trap.cause, T32_CAUSE_STORE_FAULT);

    /* The L2 table is outside RAM. */
    poke(g, L1_PA + 4, 0xfffff000u | V);
    t32_tlb_flush(c);
    assert_int_equal(access_once(g, T32_LOAD, true), T32_EXIT_TRAP);
    assert_int_equal(c->trap.cause, T32_CAUSE_BUS_ERROR);
    assert_int_equal(c->sr[T32_SR_BADVADDR], TVA + OFF);

    /* The root table is outside RAM: even the fetch of the first instruction. */
    t32_sysreg_write(c, T32_SR_PTBR, outside | T32_PTBR_E);
    c->pc = GUEST_CODE;
    assert_int_equal(t32_run(c, 1), T32_EXIT_TRAP);
    assert_int_equal(c->trap.cause, T32_CAUSE_BUS_ERROR);
    assert_int_equal(c->sr[T32_SR_EPC], GUEST_CODE);
    assert_int_equal(c->sr[T32_SR_BADVADDR], GUEST_CODE);
    uint32_t pa;
    assert_int_equal(t32_translate(c, 0, T32_FETCH, true, &pa), T32_CAUSE_BUS_ERROR);
    guest_free(g);
}

/* ---- priority -------------------------------------------------------------------------------- */

/* MISALIGNED is checked before translation, for fetches and data alike. */
static void test_misaligned_before_page_fault(void **state)
{
    (void)state;
    guest *g = paged_guest();
    t32_cpu *c = g->cpu;
    map_test_page(g, true, 0);                          /* not mapped at all */
    c->r[1] = TVA + 2;
    assert_int_equal(guest_step_one(g, I(T32_OP_LDW, 3, 1, 0), false), T32_EXIT_TRAP);
    assert_int_equal(c->trap.cause, T32_CAUSE_MISALIGNED);
    assert_int_equal(guest_step_one(g, I(T32_OP_STH, 3, 1, 1), true), T32_EXIT_TRAP);
    assert_int_equal(c->trap.cause, T32_CAUSE_MISALIGNED);
    assert_int_equal(c->sr[T32_SR_BADVADDR], TVA + 3);
    c->pc = TVA + 1;
    assert_int_equal(t32_run(c, 1), T32_EXIT_TRAP);
    assert_int_equal(c->trap.cause, T32_CAUSE_MISALIGNED);
    c->pc = TVA;
    assert_int_equal(t32_run(c, 1), T32_EXIT_TRAP);
    assert_int_equal(c->trap.cause, T32_CAUSE_FETCH_FAULT);
    guest_free(g);
}

/* The stack instructions fault precisely through the MMU too: push and
 * pushf are stores, pop and popf loads. */
static void test_stack_page_faults(void **state)
{
    (void)state;
    static const struct { unsigned op; t32_cause cause; } cases[] = {
        { T32_OP_PUSH, T32_CAUSE_STORE_FAULT }, { T32_OP_PUSHF, T32_CAUSE_STORE_FAULT },
        { T32_OP_POP, T32_CAUSE_LOAD_FAULT },   { T32_OP_POPF, T32_CAUSE_LOAD_FAULT },
    };
    guest *g = paged_guest();
    t32_cpu *c = g->cpu;
    map_test_page(g, true, FRAME1 | V | PX | PU);      /* neither readable nor writable */
    for (size_t i = 0; i < 4; i++) {
        c->r[T32_REG_SP] = TVA + OFF;
        c->r[4] = 0x4444;
        c->psr = T32_PSR_Z;
        assert_int_equal(guest_step_one(g, I(cases[i].op, 4, 0, 0), false), T32_EXIT_TRAP);
        assert_int_equal(c->trap.cause, cases[i].cause);
        uint32_t bad = cases[i].cause == T32_CAUSE_STORE_FAULT ? TVA + OFF - 4 : TVA + OFF;
        assert_int_equal(c->sr[T32_SR_BADVADDR], bad);
        assert_int_equal(c->r[T32_REG_SP], TVA + OFF);
        assert_int_equal(c->r[4], 0x4444);
        assert_int_equal(c->sr[T32_SR_EPSR], T32_PSR_Z);
    }
    guest_free(g);
}

/* ---- the TLB ------------------------------------------------------------------------------------ */

/* A cached translation survives an edit of its PTE - a remap, or even
 * making it invalid - until tlbflush or a PTBR write. */
static void test_tlb_is_not_coherent(void **state)
{
    (void)state;
    for (int flush_by_ptbr = 0; flush_by_ptbr <= 1; flush_by_ptbr++) {
        guest *g = paged_guest();
        t32_cpu *c = g->cpu;
        poke(g, FRAME1 + OFF, 0x11111111u);
        poke(g, FRAME2 + OFF, 0x22222222u);
        map_test_page(g, true, FRAME1 | RWXU);
        c->r[1] = TVA + OFF;
        c->r[6] = FRAME2 | RWXU;
        c->r[7] = TPTE_PA;                            /* identity-mapped */
        c->r[8] = L1_PA | T32_PTBR_E;
        emit(g, I(T32_OP_LDW, 3, 1, 0));              /* caches TVA -> FRAME1 */
        emit(g, I(T32_OP_STW, 6, 7, 0));              /* remap TVA -> FRAME2 */
        emit(g, I(T32_OP_LDW, 4, 1, 0));              /* still FRAME1 */
        emit(g, flush_by_ptbr ? I(T32_OP_MTSR, 8, 0, T32_SR_PTBR) : NONE(T32_OP_TLBFLUSH));
        emit(g, I(T32_OP_LDW, 5, 1, 0));              /* now FRAME2 */
        emit(g, I(T32_OP_STW, 0, 7, 0));              /* unmap TVA */
        emit(g, I(T32_OP_LDW, 9, 1, 0));              /* still FRAME2 */
        emit(g, NONE(T32_OP_TLBFLUSH));
        emit(g, I(T32_OP_LDW, 10, 1, 0));             /* LOAD_FAULT */
        assert_int_equal(guest_run(g, 100), T32_EXIT_TRAP);
        assert_int_equal(c->r[3], 0x11111111u);
        assert_int_equal(c->r[4], 0x11111111u);
        assert_int_equal(c->r[5], 0x22222222u);
        assert_int_equal(c->r[9], 0x22222222u);
        assert_int_equal(c->trap.cause, T32_CAUSE_LOAD_FAULT);
        assert_int_equal(c->trap.epc, GUEST_CODE + 4 * 8);
        guest_free(g);
    }
}

/* Code is translated like data: a remapped code page keeps running from
 * the old frame until the flush, then from the new one. */
static void test_code_page_remap_needs_flush(void **state)
{
    (void)state;
    const uint32_t code_va = 0x00400000u;             /* L1[1], L2 index 0 */
    const uint32_t frame_a = 0x40000u, frame_b = 0x41000u;
    guest *g = paged_guest();
    t32_cpu *c = g->cpu;
    poke(g, L2_TEST_PA, frame_a | V | PR | PX);
    c->r[6] = frame_b | V | PR | PX;
    c->r[7] = L2_TEST_PA;
    poke(g, frame_a + 0, I(T32_OP_STW, 6, 7, 0));      /* remap this very page */
    poke(g, frame_a + 4, I(T32_OP_ADDI, 2, 0, 0xa));
    poke(g, frame_a + 8, NONE(T32_OP_TLBFLUSH));
    poke(g, frame_a + 12, I(T32_OP_ADDI, 3, 0, 0xa));
    poke(g, frame_b + 4, I(T32_OP_ADDI, 2, 0, 0xb));
    poke(g, frame_b + 12, I(T32_OP_ADDI, 3, 0, 0xb));
    poke(g, frame_b + 16, NONE(T32_OP_HALT));
    c->pc = code_va;
    assert_int_equal(guest_run(g, 100), T32_EXIT_HALT);
    assert_int_equal(c->r[2], 0xa);                    /* stale: old frame */
    assert_int_equal(c->r[3], 0xb);                    /* flushed: new frame */
    guest_free(g);
}

/* The CPU fetches through the TLB like any access: when a data access
 * evicts the code page's entry, the next fetch walks the (edited) tables -
 * in one long run exactly as when single-stepping. */
static void test_fetch_follows_the_tlb(void **state)
{
    (void)state;
    const uint32_t code_va = 0x00400000u;                      /* slot 0 */
    const uint32_t data_va = code_va + T32_TLB_SIZE * T32_PAGE_SIZE;  /* slot 0 too */
    const uint32_t frame_a = 0x40000u, frame_b = 0x41000u;
    for (int step = 0; step <= 1; step++) {
        guest *g = paged_guest();
        t32_cpu *c = g->cpu;
        poke(g, L2_TEST_PA, frame_a | V | PR | PX);
        poke(g, L2_TEST_PA + 4 * T32_VA_L2(data_va), FRAME1 | V | PR);
        c->r[6] = frame_b | V | PR | PX;
        c->r[7] = L2_TEST_PA;
        c->r[8] = data_va;
        poke(g, frame_a + 0, I(T32_OP_STW, 6, 7, 0));   /* remap the code page */
        poke(g, frame_a + 4, I(T32_OP_LDW, 3, 8, 0));   /* evict its TLB entry */
        poke(g, frame_a + 8, I(T32_OP_ADDI, 2, 0, 0xa));
        poke(g, frame_a + 12, NONE(T32_OP_HALT));
        poke(g, frame_b + 8, I(T32_OP_ADDI, 2, 0, 0xb));
        poke(g, frame_b + 12, NONE(T32_OP_HALT));
        c->pc = code_va;
        t32_exit why;
        do
            why = guest_run(g, step ? 1 : 100);
        while (why == T32_EXIT_BUDGET);
        assert_int_equal(why, T32_EXIT_HALT);
        assert_int_equal(c->r[2], 0xb);
        guest_free(g);
    }
}

/* One TLB per mode: a translation cached by kernel mode for a kernel-only
 * page does not let user mode in. */
static void test_tlb_is_per_mode(void **state)
{
    (void)state;
    guest *g = paged_guest();
    t32_cpu *c = g->cpu;
    map_test_page(g, true, FRAME1 | V | PR | PW);      /* U = 0 */
    assert_int_equal(access_once(g, T32_LOAD, true), T32_EXIT_BUDGET);
    assert_int_not_equal(c->tlb[1][(TVA >> 12) % T32_TLB_SIZE].vpage, 0);
    assert_int_equal(access_once(g, T32_LOAD, false), T32_EXIT_TRAP);
    assert_int_equal(c->trap.cause, T32_CAUSE_LOAD_FAULT);
    assert_int_equal(c->tlb[0][(TVA >> 12) % T32_TLB_SIZE].vpage, 0);
    guest_free(g);
}

/* A cached read-only translation does not let a store through: the store
 * re-walks (and faults while the PTE forbids it, succeeds once it allows). */
static void test_cached_entry_does_not_widen_permissions(void **state)
{
    (void)state;
    guest *g = paged_guest();
    map_test_page(g, true, FRAME1 | V | PR | PU);
    assert_int_equal(access_once(g, T32_LOAD, false), T32_EXIT_BUDGET);
    assert_int_equal(access_once(g, T32_STORE, false), T32_EXIT_TRAP);
    assert_int_equal(g->cpu->trap.cause, T32_CAUSE_STORE_FAULT);
    poke(g, TPTE_PA, FRAME1 | RWXU);
    assert_int_equal(access_once(g, T32_STORE, false), T32_EXIT_BUDGET);
    assert_int_equal(peek(g, FRAME1 + OFF), 0x22222222u);
    guest_free(g);
}

/* Two pages that share a TLB slot (page numbers T32_TLB_SIZE apart) each
 * get their own translation. */
static void test_tlb_slot_conflicts(void **state)
{
    (void)state;
    const uint32_t other_va = TVA + T32_TLB_SIZE * T32_PAGE_SIZE;   /* same L2 table */
    guest *g = paged_guest();
    t32_cpu *c = g->cpu;
    map_test_page(g, true, FRAME1 | RWXU);
    poke(g, L2_TEST_PA + 4 * T32_VA_L2(other_va), FRAME2 | RWXU);
    poke(g, FRAME1, 0x11111111u);
    poke(g, FRAME2, 0x22222222u);
    c->r[1] = TVA;
    c->r[2] = other_va;
    emit(g, I(T32_OP_LDW, 3, 1, 0));
    emit(g, I(T32_OP_LDW, 4, 2, 0));
    emit(g, I(T32_OP_LDW, 5, 1, 0));
    emit(g, I(T32_OP_STW, 4, 1, 4));
    emit(g, I(T32_OP_LDW, 6, 2, 4));
    assert_int_equal(guest_run(g, 5), T32_EXIT_BUDGET);
    assert_int_equal(c->r[3], 0x11111111u);
    assert_int_equal(c->r[4], 0x22222222u);
    assert_int_equal(c->r[5], 0x11111111u);
    assert_int_equal(peek(g, FRAME1 + 4), 0x22222222u);
    assert_int_equal(c->r[6], 0);
    guest_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_access_matrix),
        cmocka_unit_test(test_paging_off_is_identity),
        cmocka_unit_test(test_accessed_and_dirty),
        cmocka_unit_test(test_bus_errors_in_the_walk),
        cmocka_unit_test(test_misaligned_before_page_fault),
        cmocka_unit_test(test_stack_page_faults),
        cmocka_unit_test(test_tlb_is_not_coherent),
        cmocka_unit_test(test_code_page_remap_needs_flush),
        cmocka_unit_test(test_fetch_follows_the_tlb),
        cmocka_unit_test(test_tlb_is_per_mode),
        cmocka_unit_test(test_tlb_slot_conflicts),
        cmocka_unit_test(test_cached_entry_does_not_widen_permissions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
