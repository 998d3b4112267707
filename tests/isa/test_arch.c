/*
 * test_arch.c - the architectural rules that the CPU and the VMM share
 * (t32.h, "architectural rules, written once", and the page-table walk).
 *
 * Each rule is called here directly, without a CPU, the way the VMM calls
 * it on a vCPU's virtual state: trap entry on a bare PSR and system-register
 * array, which causes set BADVADDR, a system-register write and the effects
 * it asks for, the timer (arming, the next deadline), the port map, and the
 * table walk through a page-table memory of the test's own (which counts
 * every read and write, and can fail them).  The expected values are
 * written out from ISA.md, not computed with the functions under test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "t32.h"

/* ---- which causes set BADVADDR -------------------------------------------- */

/* ISA.md section 6: "the address" in the BADVADDR column. */
static bool listed_with_badvaddr(t32_cause c)
{
    switch (c) {
    case T32_CAUSE_MISALIGNED:
    case T32_CAUSE_FETCH_FAULT:
    case T32_CAUSE_LOAD_FAULT:
    case T32_CAUSE_STORE_FAULT:
    case T32_CAUSE_BUS_ERROR:
        return true;
    default:
        return false;
    }
}

static void test_cause_sets_badvaddr(void **state)
{
    (void)state;
    for (int c = 0; c < T32_CAUSE_LIMIT; c++)
        assert_int_equal(t32_cause_sets_badvaddr((t32_cause)c),
                         listed_with_badvaddr((t32_cause)c));
}

/* ---- trap entry ------------------------------------------------------------- */

/* Trap entry on every cause and a few PSRs: EPSR gets the old PSR, EPC,
 * CAUSE and (only for the listed causes) BADVADDR are written, K := 1,
 * IE := 0, the flags stay, no other register moves, and TVEC comes back. */
static void test_trap_entry(void **state)
{
    (void)state;
    static const uint32_t psrs[] = {
        0, T32_PSR_K, T32_PSR_IE, T32_PSR_K | T32_PSR_IE,
        T32_PSR_FLAGS | T32_PSR_IE, T32_PSR_N | T32_PSR_C | T32_PSR_K,
    };
    static const t32_cause causes[] = {
#define X(name, str, num) T32_CAUSE_##name,
        T32_CAUSES(X)
#undef X
    };
    for (size_t c = 0; c < sizeof causes / sizeof causes[0]; c++) {
        for (size_t p = 0; p < sizeof psrs / sizeof psrs[0]; p++) {
            uint32_t sr[T32_NSYSREGS], before[T32_NSYSREGS];
            for (unsigned i = 0; i < T32_NSYSREGS; i++)
                sr[i] = before[i] = 0x1000u * (i + 1) + 7;   /* all different */
            uint32_t psr = psrs[p];
            uint32_t pc = t32_trap_entry(&psr, sr, causes[c], 0x4440, 0xbad0);

            assert_int_equal(pc, before[T32_SR_TVEC]);
            assert_int_equal(sr[T32_SR_EPSR], psrs[p]);
            assert_int_equal(sr[T32_SR_EPC], 0x4440);
            assert_int_equal(sr[T32_SR_CAUSE], causes[c]);
            assert_int_equal(sr[T32_SR_BADVADDR],
                             listed_with_badvaddr(causes[c]) ? 0xbad0 : before[T32_SR_BADVADDR]);
            assert_int_equal(psr, (psrs[p] & T32_PSR_FLAGS) | T32_PSR_K);
            for (unsigned i = 0; i < T32_NSYSREGS; i++) {
                if (i == T32_SR_EPSR || i == T32_SR_EPC || i == T32_SR_CAUSE ||
                    i == T32_SR_BADVADDR)
                    continue;
                assert_int_equal(sr[i], before[i]);
            }
        }
    }
}

/* ---- system-register writes ------------------------------------------------- */

/* What ISA.md section 2 says a write of `value` to each register leaves
 * there, and what else it does. */
typedef struct sr_case {
    unsigned n;
    bool     stored;     /* false: the register keeps its value */
    uint32_t keeps;      /* mask of the written bits it keeps */
    unsigned effects;
} sr_case;

static void test_sysreg_apply(void **state)
{
    (void)state;
    static const sr_case cases[] = {
        { T32_SR_TVEC,     true,  0xffffffffu,   0 },
        { T32_SR_EPC,      true,  0xffffffffu,   0 },
        { T32_SR_EPSR,     true,  T32_PSR_MASK,  0 },   /* a PSR: other bits read 0 */
        { T32_SR_CAUSE,    true,  0xffffffffu,   0 },
        { T32_SR_BADVADDR, true,  0xffffffffu,   0 },
        { T32_SR_PTBR,     true,  0xffffffffu,   T32_SRW_FLUSH_TLB },
        { T32_SR_SCRATCH,  true,  0xffffffffu,   0 },
        { T32_SR_TIMER,    true,  0xffffffffu,   T32_SRW_ARM_TIMER },
        { T32_SR_CYCLES,   false, 0,             0 },   /* read-only */
        { T32_SR_CPUID,    false, 0,             0 },
        { T32_SR_IPEND,    false, 0,             0 },
    };
    assert_int_equal(sizeof cases / sizeof cases[0], T32_NSYSREGS);
    static const uint32_t values[] = { 0xffffffffu, 0x12345679u, 0 };
    for (size_t c = 0; c < T32_NSYSREGS; c++) {
        for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
            uint32_t sr[T32_NSYSREGS];
            for (unsigned i = 0; i < T32_NSYSREGS; i++)
                sr[i] = 0xa5a5a5a5u;
            unsigned fx = t32_sysreg_apply(sr, cases[c].n, values[v]);
            assert_int_equal(fx, cases[c].effects);
            for (unsigned i = 0; i < T32_NSYSREGS; i++) {
                uint32_t want = 0xa5a5a5a5u;
                if (i == cases[c].n && cases[c].stored)
                    want = values[v] & cases[c].keeps;
                assert_int_equal(sr[i], want);
            }
        }
    }
}

/* A register that does not exist: ILLEGAL, and nothing anywhere changes. */
static void test_sysreg_apply_unknown(void **state)
{
    (void)state;
    static const unsigned bad[] = { T32_NSYSREGS, 12, 255, 0xffff, 0xffffffffu };
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        uint32_t sr[T32_NSYSREGS + 1];
        for (unsigned i = 0; i <= T32_NSYSREGS; i++)
            sr[i] = 0x5a5a5a5au;
        assert_int_equal(t32_sysreg_apply(sr, bad[b], 1), T32_SRW_ILLEGAL);
        for (unsigned i = 0; i <= T32_NSYSREGS; i++)
            assert_int_equal(sr[i], 0x5a5a5a5au);
    }
}

/* mtsr timer, N at cycle `now`: the deadline is now + N; 0 switches it off. */
static void test_timer_arm(void **state)
{
    (void)state;
    assert_true(t32_timer_arm(100, 5) == 105);
    assert_true(t32_timer_arm(0, 1) == 1);
    assert_true(t32_timer_arm(7, 0xffffffffu) == 7 + 0xffffffffull);
    assert_true(t32_timer_arm(100, 0) == UINT64_MAX);
    assert_true(t32_timer_arm(0, 0) == UINT64_MAX);
}

/* The timer came due at or before `now`: the next deadline is the first
 * one after `now` on the grid deadline + k x interval. */
static void test_timer_next(void **state)
{
    (void)state;
    assert_true(t32_timer_next(100, 100, 10) == 110);     /* exactly on time */
    assert_true(t32_timer_next(100, 109, 10) == 110);     /* a little late */
    assert_true(t32_timer_next(100, 110, 10) == 120);     /* a whole tick late */
    assert_true(t32_timer_next(100, 135, 10) == 140);     /* missed ticks: once */
    assert_true(t32_timer_next(5, 5, 1) == 6);
    assert_true(t32_timer_next(0, 0xffffffffull * 3, 0xffffffffu) == 0xffffffffull * 4);
}

/* ---- the port map ------------------------------------------------------------- */

/* ISA.md section 9, port by port. */
static t32_port_dev expected_port(uint32_t port, unsigned *off)
{
    static const struct { uint32_t port; t32_port_dev dev; unsigned off; } map[] = {
        { 0x00, T32_DEV_MEMSIZE, 0 }, { 0x01, T32_DEV_NCPUS, 0 },
        { 0x10, T32_DEV_CONSOLE, 0 }, { 0x11, T32_DEV_CONSOLE, 1 },
        { 0x12, T32_DEV_CONSOLE, 2 },
        { 0x20, T32_DEV_DISK, 0 }, { 0x21, T32_DEV_DISK, 1 }, { 0x22, T32_DEV_DISK, 2 },
        { 0x23, T32_DEV_DISK, 3 }, { 0x24, T32_DEV_DISK, 4 }, { 0x25, T32_DEV_DISK, 5 },
        { 0x26, T32_DEV_DISK, 6 },
    };
    *off = 0;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (map[i].port == port) {
            *off = map[i].off;
            return map[i].dev;
        }
    }
    return T32_DEV_NONE;
}

static void test_port_decode(void **state)
{
    (void)state;
    for (uint32_t port = 0; port <= 0xffffu; port++) {
        unsigned want_off, off = 99;
        t32_port_dev want = expected_port(port, &want_off);
        assert_int_equal(t32_port_decode(port, &off), want);
        assert_int_equal(off, want_off);
        /* Only the low 16 bits name a port. */
        assert_int_equal(t32_port_decode(port | 0xabcd0000u, &off), want);
        assert_int_equal(off, want_off);
    }
}

/* ---- the page-table walk -------------------------------------------------------- */

/* A page-table memory for the walker: RAM_PAGES pages of words, of which
 * the first `size` bytes count as RAM.  Every read and write is counted;
 * writes can be made to fail. */
#define RAM_PAGES 16u
#define RAM_WORDS (RAM_PAGES * T32_PAGE_SIZE / 4)

typedef struct fake_mem {
    uint32_t word[RAM_WORDS];
    uint32_t size;
    int      reads, writes;
    uint32_t last_read;
    bool     fail_writes;
} fake_mem;

static bool fake_read(void *ctx, uint32_t pa, uint32_t *w)
{
    fake_mem *f = ctx;
    f->reads++;
    f->last_read = pa;
    assert_int_equal(pa % 4, 0);        /* entries are word aligned */
    if (pa >= f->size)
        return false;
    *w = f->word[pa / 4];
    return true;
}

static bool fake_write(void *ctx, uint32_t pa, uint32_t w)
{
    fake_mem *f = ctx;
    f->writes++;
    if (f->fail_writes || pa >= f->size)
        return false;
    f->word[pa / 4] = w;
    return true;
}

/* The layout: the root table in frame 1, an L2 table in frame 2 for L1
 * index 3; the page under test is L2 index 9 of it. */
#define ROOT     0x1000u
#define L2       0x2000u
#define VA       ((3u << 22) | (9u << 12) | 0x123u)
#define PTE_PA   (L2 + 4 * 9)
#define FRAME    0x5000u
#define PTBR     (ROOT | T32_PTBR_E)
#define ALL      (T32_PTE_V | T32_PTE_R | T32_PTE_W | T32_PTE_X | T32_PTE_U)

static fake_mem the_mem;

static t32_ptmem setup(uint32_t pte)
{
    memset(&the_mem, 0, sizeof the_mem);
    the_mem.size = RAM_PAGES * T32_PAGE_SIZE;
    the_mem.word[(ROOT + 4 * 3) / 4] = L2 | T32_PTE_V | 0xf00u;   /* other bits ignored */
    the_mem.word[PTE_PA / 4] = pte;
    return (t32_ptmem){ .read = fake_read, .write = fake_write, .ctx = &the_mem,
                        .size = the_mem.size };
}

static t32_cause fault_of(t32_access a)
{
    return a == T32_FETCH ? T32_CAUSE_FETCH_FAULT
         : a == T32_LOAD  ? T32_CAUSE_LOAD_FAULT : T32_CAUSE_STORE_FAULT;
}

/* A successful walk returns both entries, where the L2 entry lives and the
 * physical address, after exactly two reads and no write. */
static void test_walk_success(void **state)
{
    (void)state;
    t32_ptmem mem = setup(FRAME | ALL);
    t32_walk_result w;
    assert_int_equal(t32_walk(&mem, PTBR, VA, T32_LOAD, false, &w), T32_CAUSE_NONE);
    assert_true(w.paged);
    assert_int_equal(w.l1, L2 | T32_PTE_V | 0xf00u);
    assert_int_equal(w.pte, FRAME | ALL);
    assert_int_equal(w.pte_pa, PTE_PA);
    assert_int_equal(w.pa, FRAME | 0x123u);
    assert_int_equal(the_mem.reads, 2);
    assert_int_equal(the_mem.writes, 0);
    assert_int_equal(the_mem.word[PTE_PA / 4], FRAME | ALL);   /* A and D untouched */
}

/* Every V R W X U combination, every access, both modes, against ISA.md
 * section 8's sentence: both V, the access's bit (fetch X, load R, store W)
 * and in user mode U. */
static void test_walk_permissions(void **state)
{
    (void)state;
    static const t32_access acc[] = { T32_FETCH, T32_LOAD, T32_STORE };
    for (uint32_t bits = 0; bits < 32; bits++) {
        for (int a = 0; a < 3; a++) {
            for (int kernel = 0; kernel < 2; kernel++) {
                uint32_t need = acc[a] == T32_FETCH ? T32_PTE_X
                              : acc[a] == T32_LOAD  ? T32_PTE_R : T32_PTE_W;
                bool ok = (bits & T32_PTE_V) && (bits & need) &&
                          (kernel || (bits & T32_PTE_U));
                t32_ptmem mem = setup(FRAME | bits);
                t32_walk_result w;
                t32_cause c = t32_walk(&mem, PTBR, VA, acc[a], kernel, &w);
                assert_int_equal(c, ok ? T32_CAUSE_NONE : fault_of(acc[a]));
            }
        }
    }
}

/* Paging off: the address is physical, checked against the size; no table
 * is read. */
static void test_walk_paging_off(void **state)
{
    (void)state;
    t32_ptmem mem = setup(0);
    t32_walk_result w;
    assert_int_equal(t32_walk(&mem, ROOT, 0x3ffc, T32_STORE, false, &w), T32_CAUSE_NONE);
    assert_false(w.paged);
    assert_int_equal(w.pa, 0x3ffc);
    uint32_t size = RAM_PAGES * T32_PAGE_SIZE;
    assert_int_equal(t32_walk(&mem, 0, size - 1, T32_LOAD, true, &w), T32_CAUSE_NONE);
    assert_int_equal(t32_walk(&mem, 0, size, T32_LOAD, true, &w), T32_CAUSE_BUS_ERROR);
    assert_int_equal(t32_walk(&mem, 0, 0xfffffffcu, T32_FETCH, true, &w), T32_CAUSE_BUS_ERROR);
    assert_int_equal(the_mem.reads, 0);
}

/* The check order of ISA.md section 8: root table outside RAM (BUS_ERROR),
 * L1.V (fault), L2 table outside RAM (BUS_ERROR), the PTE (fault), and
 * last the page's frame (BUS_ERROR) - so a forbidden access to a frame
 * outside RAM is a page fault. */
static void test_walk_check_order(void **state)
{
    (void)state;
    t32_walk_result w;
    uint32_t outside = RAM_PAGES * T32_PAGE_SIZE;

    t32_ptmem mem = setup(FRAME | ALL);
    assert_int_equal(t32_walk(&mem, outside | T32_PTBR_E, VA, T32_LOAD, true, &w),
                     T32_CAUSE_BUS_ERROR);
    assert_int_equal(the_mem.last_read, outside + 4 * 3);

    mem = setup(FRAME | ALL);
    the_mem.word[(ROOT + 4 * 3) / 4] = L2;                     /* L1.V = 0 */
    assert_int_equal(t32_walk(&mem, PTBR, VA, T32_STORE, true, &w), T32_CAUSE_STORE_FAULT);
    assert_int_equal(the_mem.reads, 1);

    mem = setup(FRAME | ALL);
    the_mem.word[(ROOT + 4 * 3) / 4] = outside | T32_PTE_V;    /* L2 table outside */
    assert_int_equal(t32_walk(&mem, PTBR, VA, T32_FETCH, true, &w), T32_CAUSE_BUS_ERROR);
    assert_int_equal(the_mem.last_read, outside + 4 * 9);

    mem = setup(outside | ALL);                                /* page outside */
    assert_int_equal(t32_walk(&mem, PTBR, VA, T32_LOAD, false, &w), T32_CAUSE_BUS_ERROR);
    mem = setup(outside | (ALL & ~T32_PTE_R));                 /* ... and forbidden */
    assert_int_equal(t32_walk(&mem, PTBR, VA, T32_LOAD, false, &w), T32_CAUSE_LOAD_FAULT);
    mem = setup((outside - T32_PAGE_SIZE) | ALL);              /* the last frame is RAM */
    assert_int_equal(t32_walk(&mem, PTBR, VA, T32_LOAD, false, &w), T32_CAUSE_NONE);
    assert_int_equal(w.pa, (outside - T32_PAGE_SIZE) | 0x123u);
}

/* The A/D rule: A on any access, D on a store, written back only when it
 * changes; nothing for a paging-off walk; a failed write is reported. */
static void test_walk_mark(void **state)
{
    (void)state;
    t32_walk_result w;
    t32_ptmem mem = setup(FRAME | ALL);
    assert_int_equal(t32_walk(&mem, PTBR, VA, T32_LOAD, false, &w), T32_CAUSE_NONE);
    assert_true(t32_walk_mark(&mem, &w, T32_LOAD));
    assert_int_equal(w.pte, FRAME | ALL | T32_PTE_A);
    assert_int_equal(the_mem.word[PTE_PA / 4], FRAME | ALL | T32_PTE_A);
    assert_int_equal(the_mem.writes, 1);
    assert_true(t32_walk_mark(&mem, &w, T32_FETCH));          /* nothing new: no write */
    assert_int_equal(the_mem.writes, 1);
    assert_true(t32_walk_mark(&mem, &w, T32_STORE));
    assert_int_equal(the_mem.word[PTE_PA / 4], FRAME | ALL | T32_PTE_A | T32_PTE_D);
    assert_int_equal(the_mem.writes, 2);

    mem = setup(FRAME | ALL);                                  /* a store sets both at once */
    assert_int_equal(t32_walk(&mem, PTBR, VA, T32_STORE, true, &w), T32_CAUSE_NONE);
    assert_true(t32_walk_mark(&mem, &w, T32_STORE));
    assert_int_equal(the_mem.word[PTE_PA / 4], FRAME | ALL | T32_PTE_A | T32_PTE_D);
    assert_int_equal(the_mem.writes, 1);

    mem = setup(FRAME | ALL);                                  /* paging off: no entry */
    assert_int_equal(t32_walk(&mem, 0, 0x100, T32_STORE, true, &w), T32_CAUSE_NONE);
    assert_true(t32_walk_mark(&mem, &w, T32_STORE));
    assert_int_equal(the_mem.writes, 0);

    mem = setup(FRAME | ALL);
    the_mem.fail_writes = true;
    assert_int_equal(t32_walk(&mem, PTBR, VA, T32_LOAD, true, &w), T32_CAUSE_NONE);
    assert_false(t32_walk_mark(&mem, &w, T32_LOAD));
}

/* t32_translate is the same walk over the machine's RAM, and it neither
 * sets A/D nor depends on the TLB. */
static void test_translate_uses_the_walk(void **state)
{
    (void)state;
    t32_machine *m = t32_machine_new(64 * T32_PAGE_SIZE, 1);
    assert_non_null(m);
    t32_cpu *cpu = &m->cpu[0];
    assert_true(t32_phys_write32(m, ROOT + 4 * 3, L2 | T32_PTE_V));
    assert_true(t32_phys_write32(m, PTE_PA, FRAME | T32_PTE_V | T32_PTE_R));
    t32_sysreg_write(cpu, T32_SR_PTBR, PTBR);
    uint32_t pa = 0, pte = 0;
    assert_int_equal(t32_translate(cpu, VA, T32_LOAD, false, &pa), T32_CAUSE_LOAD_FAULT);
    assert_int_equal(t32_translate(cpu, VA, T32_LOAD, true, &pa), T32_CAUSE_NONE);
    assert_int_equal(pa, FRAME | 0x123u);
    assert_int_equal(t32_translate(cpu, VA, T32_STORE, true, &pa), T32_CAUSE_STORE_FAULT);
    assert_true(t32_phys_read32(m, PTE_PA, &pte));
    assert_int_equal(pte, FRAME | T32_PTE_V | T32_PTE_R);     /* no A */
    t32_machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cause_sets_badvaddr),
        cmocka_unit_test(test_trap_entry),
        cmocka_unit_test(test_sysreg_apply),
        cmocka_unit_test(test_sysreg_apply_unknown),
        cmocka_unit_test(test_timer_arm),
        cmocka_unit_test(test_timer_next),
        cmocka_unit_test(test_port_decode),
        cmocka_unit_test(test_walk_success),
        cmocka_unit_test(test_walk_permissions),
        cmocka_unit_test(test_walk_paging_off),
        cmocka_unit_test(test_walk_check_order),
        cmocka_unit_test(test_walk_mark),
        cmocka_unit_test(test_translate_uses_the_walk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
