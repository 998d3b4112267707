/*
 * test_ref.c - the interpreter against the reference CPU (ref.c), in
 * lockstep on random programs.
 *
 * Both machines start from the same random guest (guest_new_random) and
 * get the same budgets, one random slice after another, and the same C
 * kernel (guest_random_resume) after every trap - or, for every fourth
 * seed, the native configuration, where traps vector into random code;
 * every fifth seed has two CPUs.  After every run the exit
 * reason and the whole architectural state must agree; at the end, memory
 * and console output too.  The reference executes one instruction at a
 * time, checks interrupts at every boundary, idles in wfi cycle by cycle
 * and walks the page tables as ISA.md describes - so this checks the
 * interpreter's batches, its code-page cache, its TLB fast path and its
 * event arithmetic against the obvious, on programs nobody wrote by hand.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "guest.h"
#include "ref.h"

#define CYCLES_PER_SEED 30000u
#define SEEDS           300u

static void assert_same_cpu(const t32_cpu *a, const t32_cpu *b)
{
    assert_memory_equal(a->r, b->r, sizeof a->r);
    assert_memory_equal(a->sr, b->sr, sizeof a->sr);
    assert_int_equal(a->pc, b->pc);
    assert_int_equal(a->psr, b->psr);
    assert_int_equal(a->cycles, b->cycles);
    assert_int_equal(a->retired, b->retired);
    assert_int_equal(a->pending, b->pending);
    assert_int_equal(a->halted, b->halted);
    assert_int_equal(a->traps_taken, b->traps_taken);
    assert_int_equal(a->irqs_taken, b->irqs_taken);
    assert_memory_equal(&a->trap, &b->trap, sizeof a->trap);
    if (a->sr[T32_SR_TIMER] != 0)
        assert_int_equal(a->timer_deadline, b->timer_deadline);
}

/* How often each exit and each trap cause happened, over all seeds. */
static uint64_t exits[T32_EXIT_IDLE + 1], causes[T32_CAUSE_LIMIT];

/* Run one seed in lockstep: every fourth seed in the native configuration,
 * every fifth with two CPUs (taking turns in random slices, so CPU 1 runs
 * while CPU 0's devices are busy). */
static void lockstep(uint32_t seed)
{
    int ncpus = seed % 5 == 1 ? 2 : 1;
    guest *fast = guest_new_random(seed, ncpus), *slow = guest_new_random(seed, ncpus);
    ref_cpu ref[2];
    for (int i = 0; i < ncpus; i++) {
        if (seed % 4 == 3)      /* native traps: into the random code at TVEC */
            fast->m->cpu[i].host_kernel = slow->m->cpu[i].host_kernel = false;
        ref_init(&ref[i], &slow->m->cpu[i]);
    }
    uint32_t kernel_fast = seed, kernel_slow = seed, slices = ~seed;
    while (fast->cpu->cycles < CYCLES_PER_SEED) {
        int i = (int)(guest_random(&slices) % (uint32_t)ncpus);
        t32_cpu *f = &fast->m->cpu[i], *s = &slow->m->cpu[i];
        uint64_t budget = 1 + guest_random(&slices) % 300;
        t32_exit why = t32_run(f, budget);
        assert_int_equal(ref_run(&ref[i], budget), why);
        for (int j = 0; j < ncpus; j++)
            assert_same_cpu(&fast->m->cpu[j], &slow->m->cpu[j]);
        exits[why]++;
        if (why == T32_EXIT_TRAP)
            causes[f->trap.cause]++;
        /* The C kernel handles traps, restarts a halted or idle CPU, and
         * now and then moves a CPU that is running on. */
        if (why != T32_EXIT_BUDGET || guest_random(&slices) % 8 == 0) {
            f->halted = s->halted = false;
            guest_random_resume(f, &kernel_fast);
            guest_random_resume(s, &kernel_slow);
        }
    }
    assert_memory_equal(fast->m->mem, slow->m->mem, GUEST_MEMSIZE);
    assert_int_equal(fast->m->console.outlen, slow->m->console.outlen);
    if (fast->m->console.outlen)
        assert_memory_equal(fast->m->console.outbuf, slow->m->console.outbuf,
                            fast->m->console.outlen);
    guest_free(fast);
    guest_free(slow);
}

static void test_random_programs_match_the_reference(void **state)
{
    (void)state;
    for (uint32_t seed = 1; seed <= SEEDS; seed++)
        lockstep(seed);
    /* The programs did go places: every exit but breakpoints, every
     * exception cause and the timer and disk interrupts. */
    assert_true(exits[T32_EXIT_HALT] > 0);
    assert_true(exits[T32_EXIT_BUDGET] > 0);
    assert_true(exits[T32_EXIT_IDLE] > 0);
    assert_true(exits[T32_EXIT_TRAP] > 100000);
#define X(name, str, num) \
    if (num != T32_CAUSE_NONE && causes[num] == 0) fail_msg("no %s trap", str);
    T32_CAUSES(X)
#undef X
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_programs_match_the_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
