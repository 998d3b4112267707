/*
 * test_vmm.c - trap-and-emulate without booting an OS.
 *
 * Each test writes a few guest instructions (T32_ENC_* from opcodes.h) into
 * a small RAM image and runs that image twice: on a bare T32 machine
 * (vmm_bare_run, the reference) and in a VM under the trap-and-emulate VMM
 * (vmm_sched_run).  Most tests are *differential*: they demand the same
 * outcome, the same registers, PSR (virtual PSR for the VM), system
 * registers, cycle count, console output and RAM, byte for byte - that is
 * the Popek-Goldberg fidelity property, checked one mechanism at a time.
 * A few tests check what fidelity cannot: the statistics, and the two ways
 * a deprivileged guest kernel *can* tell (pushf and popf).
 *
 * Guest-physical layout used by the programs:
 *   0x1000  kernel code (the entry point)
 *   0x2000  trap handler (TVEC)
 *   0x3000  user code
 *   0x8000  data
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
#include "vmm/modes/bt/bt.h"

#define RAM      0x10000u
#define KCODE    0x1000u
#define HANDLER  0x2000u
#define UCODE    0x3000u
#define DATA     0x8000u
#define STACK    0xf000u
#define LIMIT    200000u

/* ---- a tiny in-memory assembler --------------------------------------------- */

static uint8_t ram[RAM];

#include "tests/vmm/prog.h"

#include "tests/vmm/differential.h"

/* ---- running the image both ways (differential.h) ------------------------------ */

/* The image on bare T32 and in a VM under trap-and-emulate. */
static runs run_both(uint64_t limit, bool with_disk)
{
    return run_in(VMM_MODE_TRAP, limit, with_disk);
}

/* ---- emulation of privileged instructions ------------------------------------ */

static void test_sysregs_round_trip(void **state)
{
    (void)state;
    prog p = kernel_start(true);
    handler_record_and_halt();
    li(&p, 1, 0xffffffffu);
    mtsr(&p, T32_SR_EPSR, 1);       /* masked to the PSR's bits */
    li(&p, 1, 0x1234);
    mtsr(&p, T32_SR_EPC, 1);
    mtsr(&p, T32_SR_SCRATCH, 1);
    mtsr(&p, T32_SR_CAUSE, 1);
    mtsr(&p, T32_SR_BADVADDR, 1);
    mtsr(&p, T32_SR_CYCLES, 1);     /* read-only: ignored */
    mtsr(&p, T32_SR_CPUID, 1);
    mfsr(&p, 2, T32_SR_EPSR);
    mfsr(&p, 3, T32_SR_SCRATCH);
    mfsr(&p, 4, T32_SR_CYCLES);
    mfsr(&p, 5, T32_SR_CPUID);
    mfsr(&p, 6, T32_SR_IPEND);
    mfsr(&p, 7, T32_SR_TVEC);
    op0(&p, T32_OP_HALT);
    runs r = run_both(LIMIT, false);
    assert_same(&r);
    assert_int_equal(r.vm->outcome.end, VMM_END_HALT);
    assert_int_equal(r.vm->vcpus[0].r[2], T32_PSR_MASK);
    assert_int_equal(r.vm->vcpus[0].r[3], 0x1234);
    assert_int_equal(r.vm->vcpus[0].r[7], HANDLER);
    free_runs(&r);
}

static void test_unknown_sysreg_is_illegal(void **state)
{
    (void)state;
    prog p = kernel_start(true);
    handler_record_and_halt();
    emit(&p, T32_ENC_I(T32_OP_MFSR, 1, 0, T32_NSYSREGS));
    op0(&p, T32_OP_HALT);
    runs r = run_both(LIMIT, false);
    assert_same(&r);
    assert_int_equal(r.vm->vcpus[0].r[9], T32_CAUSE_ILLEGAL);
    assert_int_equal(r.vm->vcpus[0].r[10], p.pc - 8);
    free_runs(&r);
}

static void test_cli_sti_change_virtual_ie(void **state)
{
    (void)state;
    prog p = kernel_start(false);
    op0(&p, T32_OP_STI);
    op0(&p, T32_OP_HALT);
    runs r = run_both(LIMIT, false);
    assert_same(&r);
    assert_true(r.vm->vcpus[0].vpsr & T32_PSR_IE);
    /* The real CPU never runs the guest with interrupts enabled. */
    assert_false(r.v->m->cpu[0].psr & T32_PSR_IE);
    free_runs(&r);
}

/* An instruction that may unmask interrupts asks the run loop for a
 * boundary exactly when an interrupt will be injected there - virtual IE
 * = 1 and a line pending - and otherwise lets the guest go on in place
 * (vmm_next_after_mask_change).  Too few boundaries and the differential
 * timer tests fail; too many only cost time, which this test sees. */
static void test_unmask_ends_the_run_only_if_deliverable(void **state)
{
    (void)state;
    char err[256];
    vmm *v = vmm_new(VMM_MODE_TRAP, 1, RAM, err, sizeof err);
    assert_non_null(v);
    vmm_vcpu *vc = &v->vms[0]->vcpus[0];
    t32_cpu *cpu = &v->m->cpu[0];
    const uint32_t sti = T32_ENC_R(T32_OP_STI, 0, 0, 0), rfe = T32_ENC_R(T32_OP_RFE, 0, 0, 0);
    const uint32_t timer = 1u << T32_IRQ_TIMER;
    static const struct {
        uint32_t insn, vpsr, epsr, pending;
        vmm_next next;
    } cases[] = {
        { sti, T32_PSR_K, 0, 0, VMM_NEXT_RESUME },                          /* nothing pending */
        { sti, T32_PSR_K, 0, timer, VMM_NEXT_BOUNDARY },                    /* the tick, unmasked */
        { rfe, T32_PSR_K, T32_PSR_K | T32_PSR_IE, 0, VMM_NEXT_RESUME },
        { rfe, T32_PSR_K, T32_PSR_K | T32_PSR_IE, timer, VMM_NEXT_BOUNDARY },
        { rfe, T32_PSR_K, T32_PSR_K, timer, VMM_NEXT_RESUME },              /* still masked */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vc->vpsr = cases[i].vpsr;
        vc->vsr[T32_SR_EPSR] = cases[i].epsr;
        vc->vsr[T32_SR_EPC] = KCODE;
        vc->vpending = cases[i].pending;
        assert_int_equal(vmm_emulate(vc, cpu, cases[i].insn), cases[i].next);
        assert_true(vc->vpsr & T32_PSR_K);                  /* (no view switch needed) */
    }
    vmm_free(v);
}

/* rfe into user code, which makes a syscall: the trap is reflected into the
 * guest kernel with EPC past the syscall and EPSR.K = 0. */
static void test_rfe_to_user_and_syscall_reflected(void **state)
{
    (void)state;
    prog p = kernel_start(true);
    handler_record_and_halt();
    to_user(&p, T32_PSR_Z);         /* user mode, IE = 0, a flag set */
    prog u = { UCODE };
    addi(&u, 1, 0, 7);
    op0(&u, T32_OP_SYSCALL);
    op0(&u, T32_OP_HALT);
    runs r = run_both(LIMIT, false);
    assert_same(&r);
    assert_int_equal(r.vm->vcpus[0].r[9], T32_CAUSE_SYSCALL);
    assert_int_equal(r.vm->vcpus[0].r[10], UCODE + 8);
    assert_int_equal(r.vm->vcpus[0].r[11], T32_PSR_Z);
    assert_int_equal(r.vm->stats.reflected_traps, 1);
    free_runs(&r);
}

/* Guest *user* code executing a privileged instruction is not emulated:
 * bare T32 would trap PRIVILEGED into the guest kernel, so the VMM does. */
static void test_privileged_in_guest_user_mode_is_reflected(void **state)
{
    (void)state;
    prog p = kernel_start(true);
    handler_record_and_halt();
    to_user(&p, 0);
    prog u = { UCODE };
    op0(&u, T32_OP_CLI);
    op0(&u, T32_OP_HALT);
    runs r = run_both(LIMIT, false);
    assert_same(&r);
    assert_int_equal(r.vm->vcpus[0].r[9], T32_CAUSE_PRIVILEGED);
    assert_int_equal(r.vm->vcpus[0].r[10], UCODE);
    free_runs(&r);
}

static void test_guest_faults_are_reflected(void **state)
{
    (void)state;
    static const unsigned ops[] = { T32_OP_BRK, T32_OP_HCALL, 0x00 /* illegal */ };
    static const t32_cause causes[] = { T32_CAUSE_BREAKPOINT, T32_CAUSE_ILLEGAL,
                                        T32_CAUSE_ILLEGAL };
    for (size_t i = 0; i < 3; i++) {
        prog p = kernel_start(true);
        handler_record_and_halt();
        emit(&p, T32_ENC_R(ops[i], 0, 0, 0));
        runs r = run_both(LIMIT, false);
        assert_same(&r);
        assert_int_equal(r.vm->vcpus[0].r[9], causes[i]);
        free_runs(&r);
    }
}

static void test_divzero_and_misaligned_are_reflected(void **state)
{
    (void)state;
    prog p = kernel_start(true);
    handler_record_and_halt();
    addi(&p, 1, 0, 5);
    emit(&p, T32_ENC_R(T32_OP_DIV, 2, 1, 0));
    runs r = run_both(LIMIT, false);
    assert_same(&r);
    assert_int_equal(r.vm->vcpus[0].r[9], T32_CAUSE_DIVZERO);
    free_runs(&r);

    p = kernel_start(true);
    handler_record_and_halt();
    li(&p, 1, DATA + 2);
    emit(&p, T32_ENC_I(T32_OP_LDW, 2, 1, 0));
    r = run_both(LIMIT, false);
    assert_same(&r);
    assert_int_equal(r.vm->vcpus[0].r[9], T32_CAUSE_MISALIGNED);
    assert_int_equal(r.vm->vcpus[0].r[12], DATA + 2);
    free_runs(&r);
}

/* Paging off: a store past the end of the VM's RAM is a BUS_ERROR in the
 * guest - the same as on a bare T32 with that much RAM - and reaches
 * nothing of the VMM's. */
/* A jump to an unaligned address traps MISALIGNED at the fetch, with
 * EPC = BADVADDR = the target. */
static void test_unaligned_jump_is_reflected(void **state)
{
    (void)state;
    prog p = kernel_start(true);
    handler_record_and_halt();
    li(&p, 1, DATA + 2);
    emit(&p, T32_ENC_I(T32_OP_JALR, 0, 1, 0));
    runs r = run_both(LIMIT, false);
    assert_same(&r);
    assert_int_equal(r.vm->vcpus[0].r[9], T32_CAUSE_MISALIGNED);
    assert_int_equal(r.vm->vcpus[0].r[10], DATA + 2);
    assert_int_equal(r.vm->vcpus[0].r[12], DATA + 2);
    free_runs(&r);
}

static void test_store_past_guest_ram_is_bus_error(void **state)
{
    (void)state;
    prog p = kernel_start(true);
    handler_record_and_halt();
    li(&p, 1, RAM);
    li(&p, 2, 0xdeadbeefu);
    emit(&p, T32_ENC_I(T32_OP_STW, 2, 1, 0));
    runs r = run_both(LIMIT, false);
    assert_same(&r);
    assert_int_equal(r.vm->vcpus[0].r[9], T32_CAUSE_BUS_ERROR);
    assert_int_equal(r.vm->vcpus[0].r[12], RAM);
    uint32_t after;
    assert_true(t32_phys_read32(r.v->m, r.vm->base + RAM, &after));
    assert_int_not_equal(after, 0xdeadbeefu);
    free_runs(&r);
}

/* ---- time and interrupts ------------------------------------------------------ */

/* The virtual timer interrupt arrives at exactly the instruction boundary
 * where bare T32 takes it - for many intervals, from kernel and user mode. */
static void timer_program(uint32_t interval, bool user)
{
    prog p = kernel_start(true);
    handler_record_and_halt();
    li(&p, 1, interval);
    mtsr(&p, T32_SR_TIMER, 1);
    if (user) {
        to_user(&p, T32_PSR_IE);
        p.pc = UCODE;
    } else {
        op0(&p, T32_OP_STI);
    }
    uint32_t loop = p.pc;
    addi(&p, 1, 1, 1);
    emit(&p, T32_ENC_R(T32_OP_ADD, 2, 2, 1));
    branch(&p, T32_OP_B, loop);
}

static void test_timer_interrupt_at_the_same_boundary(void **state)
{
    (void)state;
    static const uint32_t intervals[] = { 1, 2, 3, 7, 37, 1000, 9999, 10001, 25000 };
    for (size_t i = 0; i < sizeof intervals / sizeof intervals[0]; i++) {
        for (int user = 0; user < 2; user++) {
            timer_program(intervals[i], user);
            runs r = run_both(LIMIT, false);
            assert_same(&r);
            assert_int_equal(r.vm->outcome.end, VMM_END_HALT);
            assert_int_equal(r.vm->vcpus[0].r[9], T32_CAUSE_IRQ_TIMER);
            assert_int_equal(r.vm->stats.injected_irqs, 1);
            free_runs(&r);
        }
    }
}

/* A periodic timer with a handler that returns: many interrupts, each at the
 * right boundary; the guest counts them and reads `cycles`. */
static void test_periodic_timer_with_rfe(void **state)
{
    (void)state;
    prog p = kernel_start(true);
    prog h = { HANDLER };
    addi(&h, 5, 5, 1);                        /* ticks */
    mfsr(&h, 6, T32_SR_CYCLES);
    emit(&h, T32_ENC_R(T32_OP_ADD, 7, 7, 6)); /* a checksum of tick times */
    addi(&h, 8, 5, -50);
    emit(&h, T32_ENC_I(T32_OP_BZ, 8, 0, 2));
    op0(&h, T32_OP_RFE);
    op0(&h, T32_OP_HALT);
    addi(&p, 1, 0, 97);
    mtsr(&p, T32_SR_TIMER, 1);
    op0(&p, T32_OP_STI);
    uint32_t loop = p.pc;
    addi(&p, 2, 2, 1);
    branch(&p, T32_OP_B, loop);
    runs r = run_both(LIMIT, false);
    assert_same(&r);
    assert_int_equal(r.vm->vcpus[0].r[5], 50);
    assert_int_equal(r.vm->stats.injected_irqs, 50);
    free_runs(&r);
}

/* wfi: with IE = 0 it completes at the wake-up; with IE = 1 the interrupt
 * is taken with EPC past the wfi.  Time jumps the same way as on bare. */
static void test_wfi_idles_to_the_next_event(void **state)
{
    (void)state;
    prog p = kernel_start(true);
    handler_record_and_halt();
    addi(&p, 1, 0, 500);
    mtsr(&p, T32_SR_TIMER, 1);
    op0(&p, T32_OP_WFI);
    mfsr(&p, 2, T32_SR_CYCLES);
    mfsr(&p, 3, T32_SR_IPEND);
    op0(&p, T32_OP_STI);          /* the pending tick is taken right here */
    op0(&p, T32_OP_HALT);
    runs r = run_both(LIMIT, false);
    assert_same(&r);
    assert_int_equal(r.vm->vcpus[0].r[3], 1u << T32_IRQ_TIMER);
    assert_int_equal(r.vm->vcpus[0].r[9], T32_CAUSE_IRQ_TIMER);
    assert_true(r.vm->stats.idle_cycles > 400);
    free_runs(&r);

    p = kernel_start(true);
    handler_record_and_halt();
    addi(&p, 1, 0, 300);
    mtsr(&p, T32_SR_TIMER, 1);
    op0(&p, T32_OP_STI);
    op0(&p, T32_OP_WFI);
    op0(&p, T32_OP_HALT);
    r = run_both(LIMIT, false);
    assert_same(&r);
    assert_int_equal(r.vm->vcpus[0].r[10], p.pc - 4);   /* EPC = after the wfi */
    free_runs(&r);
}

static void test_wfi_with_nothing_armed_never_wakes(void **state)
{
    (void)state;
    prog p = kernel_start(false);
    op0(&p, T32_OP_WFI);
    op0(&p, T32_OP_HALT);
    runs r = run_both(LIMIT, false);
    assert_same(&r);
    assert_int_equal(r.vm->outcome.end, VMM_END_IDLE);
    free_runs(&r);
}

/* ---- virtual devices ---------------------------------------------------------------- */

static void test_console_and_ports(void **state)
{
    (void)state;
    prog p = kernel_start(false);
    addi(&p, 1, 0, 'o');
    out(&p, 1, T32_PORT_CON_DATA);
    addi(&p, 1, 0, 'k');
    out(&p, 1, T32_PORT_CON_DATA);
    in(&p, 2, T32_PORT_MEMSIZE);
    in(&p, 3, T32_PORT_NCPUS);
    in(&p, 4, 0x99);                 /* no device there */
    out(&p, 1, 0x99);
    in(&p, 5, T32_PORT_CON_STATUS);  /* input ended */
    in(&p, 6, T32_PORT_CON_DATA);
    op0(&p, T32_OP_HALT);
    runs r = run_both(LIMIT, false);
    assert_same(&r);
    assert_string_equal(r.vm->con.outbuf, "ok");
    assert_int_equal(r.vm->vcpus[0].r[2], RAM);
    assert_int_equal(r.vm->vcpus[0].r[3], 1);
    assert_int_equal(r.vm->vcpus[0].r[4], 0xffffffffu);
    assert_int_equal(r.vm->vcpus[0].r[5], T32_CON_RXEOF);
    free_runs(&r);
}

/* Console input by interrupt: with RXIE on, line 1 is up while a byte
 * waits; the handler reads it (the line drops when the queue is empty)
 * and echoes it.  The same bytes, at the same instruction boundaries. */
static void test_console_input_interrupts(void **state)
{
    (void)state;
    prog p = kernel_start(true);
    prog h = { HANDLER };
    in(&h, 1, T32_PORT_CON_DATA);
    out(&h, 1, T32_PORT_CON_DATA);
    addi(&h, 5, 5, 1);
    mfsr(&h, 6, T32_SR_CYCLES);
    emit(&h, T32_ENC_R(T32_OP_ADD, 7, 7, 6));
    in(&h, 2, T32_PORT_CON_STATUS);
    emit(&h, T32_ENC_I(T32_OP_ANDI, 2, 2, T32_CON_RXEOF));
    emit(&h, T32_ENC_I(T32_OP_BZ, 2, 0, 2));
    op0(&h, T32_OP_HALT);
    op0(&h, T32_OP_RFE);
    addi(&p, 1, 0, 1);
    out(&p, 1, T32_PORT_CON_CTRL);   /* RXIE */
    op0(&p, T32_OP_STI);
    uint32_t loop = p.pc;
    addi(&p, 3, 3, 1);
    branch(&p, T32_OP_B, loop);
    console_input = "t32!";
    runs r = run_both(LIMIT, false);
    console_input = NULL;
    assert_same(&r);
    assert_string_equal(r.vm->con.outbuf, "t32!");
    assert_int_equal(r.vm->vcpus[0].r[5], 4);
    assert_int_equal(r.vm->stats.injected_irqs, 4);
    free_runs(&r);
}

/* A disk read by DMA into guest memory, completion awaited with wfi and
 * taken as an interrupt: same data, same time, same EPC. */
static void disk_program(uint32_t addr, uint32_t count)
{
    prog p = kernel_start(true);
    handler_record_and_halt();
    addi(&p, 1, 0, 1);
    out(&p, 1, T32_PORT_DISK_SECTOR);
    li(&p, 1, addr);
    out(&p, 1, T32_PORT_DISK_ADDR);
    addi(&p, 1, 0, (uint32_t)count);
    out(&p, 1, T32_PORT_DISK_COUNT);
    addi(&p, 1, 0, 1);
    out(&p, 1, T32_PORT_DISK_CTRL);
    out(&p, 1, T32_PORT_DISK_CMD);
    op0(&p, T32_OP_STI);
    uint32_t loop = p.pc;
    op0(&p, T32_OP_WFI);
    branch(&p, T32_OP_B, loop);
    for (size_t i = 0; i < sizeof disk_image; i++)
        disk_image[i] = (uint8_t)(i * 7 + 3);
}

static void test_disk_dma_into_guest_memory(void **state)
{
    (void)state;
    disk_program(DATA, 2);
    runs r = run_both(LIMIT, true);
    assert_same(&r);
    assert_int_equal(r.vm->vcpus[0].r[9], T32_CAUSE_IRQ_DISK);
    assert_memory_equal(r.vm->mem + DATA, disk_image + T32_SECTOR_SIZE, 2 * T32_SECTOR_SIZE);
    assert_int_equal(r.vm->disk.status, T32_DISK_DONE);
    free_runs(&r);
}

/* Interrupts already on, the transfer started by the last exit, then a loop
 * that never exits: the disk's interrupt must still land on bare T32's
 * cycle (the loop counter in r2 shows where).  Starting a transfer moves
 * the next virtual event, so that exit may not go straight back into the
 * guest with the old one (run.c, vmm_next). */
/* Sector 1 into DATA, one sector, the completion interrupt on or off; r1 =
 * 1 after it (the read command's number). */
static void disk_setup(prog *p, bool irq)
{
    addi(p, 1, 0, 1);
    out(p, 1, T32_PORT_DISK_SECTOR);
    li(p, 1, DATA);
    out(p, 1, T32_PORT_DISK_ADDR);
    addi(p, 1, 0, 1);
    out(p, 1, T32_PORT_DISK_COUNT);
    out(p, irq ? 1 : 0, T32_PORT_DISK_CTRL);
}

static void test_disk_interrupt_while_spinning(void **state)
{
    (void)state;
    disk_program(DATA, 1);
    prog p = kernel_start(true);
    disk_setup(&p, true);
    op0(&p, T32_OP_STI);
    in(&p, 3, T32_PORT_DISK_STATUS);            /* idle: straight back in */
    out(&p, 1, T32_PORT_DISK_CMD);
    uint32_t loop = p.pc;
    addi(&p, 2, 2, 1);
    branch(&p, T32_OP_B, loop);
    handler_record_and_halt();
    runs r = run_both(LIMIT, true);
    assert_same(&r);
    assert_int_equal(r.vm->vcpus[0].r[9], T32_CAUSE_IRQ_DISK);
    assert_true(r.vm->vcpus[0].r[2] > 0);
    free_runs(&r);
}

/* Interrupts off, no exit after the command: the kernel polls guest
 * memory until the transfer's first word shows up.  The transfer lands at
 * its virtual event whether or not anyone wants its interrupt (it used to
 * land only when a boundary asked for interrupt lines: never, here). */
static void test_disk_dma_lands_while_polling_memory(void **state)
{
    (void)state;
    disk_program(DATA, 1);
    prog p = kernel_start(true);
    disk_setup(&p, false);
    out(&p, 1, T32_PORT_DISK_CMD);
    li(&p, 4, DATA);
    uint32_t loop = p.pc;
    addi(&p, 2, 2, 1);
    ldw(&p, 3, 4, 0);
    emit(&p, T32_ENC_I(T32_OP_BZ, 3, 0, (uint32_t)(((int32_t)loop - (int32_t)p.pc) / 4) & 0xffffu));
    op0(&p, T32_OP_HALT);
    runs r = run_both(LIMIT, true);
    assert_same(&r);
    assert_int_equal(r.vm->outcome.end, VMM_END_HALT);
    assert_true(r.vm->vcpus[0].r[2] > 0);
    free_runs(&r);
}

/* DMA that would run past the VM's RAM ends in ERROR and touches nothing:
 * the VMM's memory right above the VM is not reachable. */
static void test_disk_dma_outside_guest_memory_fails(void **state)
{
    (void)state;
    disk_program(RAM - T32_SECTOR_SIZE, 2);
    runs r = run_both(LIMIT, true);
    assert_same(&r);
    assert_int_equal(r.vm->disk.status, T32_DISK_ERROR);
    for (uint32_t a = r.v->vmm_next; a < r.v->vmm_limit; a += 4) {
        uint32_t w;
        assert_true(t32_phys_read32(r.v->m, a, &w));
        assert_int_equal(w, 0);      /* unused VMM memory is still zero */
    }
    free_runs(&r);
}

/* ---- how runs end ---------------------------------------------------------------------- */

static void test_trap_without_vector_escapes(void **state)
{
    (void)state;
    prog p = kernel_start(false);
    addi(&p, 1, 0, 1);
    emit(&p, 0);                     /* ILLEGAL in kernel mode, TVEC = 0 */
    runs r = run_both(LIMIT, false);
    assert_same(&r);
    assert_int_equal(r.vm->outcome.end, VMM_END_ESCAPE);
    assert_int_equal(r.vm->outcome.trap.cause, T32_CAUSE_ILLEGAL);
    assert_int_equal(r.vm->outcome.pc, p.pc - 4);
    free_runs(&r);
}

static void test_instruction_limit(void **state)
{
    (void)state;
    timer_program(0, false);         /* timer off: loops for ever */
    runs r = run_both(12345, false);
    assert_same(&r);
    assert_int_equal(r.vm->outcome.end, VMM_END_LIMIT);
    assert_int_equal(r.vm->vcpus[0].vcycles, 12345);
    free_runs(&r);
}

/* ---- statistics ------------------------------------------------------------------------- */

static void test_stats_count_exits(void **state)
{
    (void)state;
    prog p = kernel_start(false);    /* li sp: 2 direct instructions */
    for (int i = 0; i < 10; i++)
        mfsr(&p, 1, T32_SR_SCRATCH);
    addi(&p, 1, 0, 1);
    op0(&p, T32_OP_HALT);
    runs r = run_both(LIMIT, false);
    assert_same(&r);
    const vmm_stats *st = &r.vm->stats;
    assert_int_equal(st->guest_insns, 14);
    assert_int_equal(st->emulated_insns, 11);
    assert_int_equal(st->direct_insns, 3);
    assert_int_equal(st->exits_by_cause[T32_CAUSE_PRIVILEGED], 11);
    assert_true(st->exits_total >= 11);
    free_runs(&r);
}

/* ---- the two instructions that break trap-and-emulate --------------------------------------- */

/* pushf stores the *real* PSR: a guest kernel can see it is not in kernel
 * mode.  No trap, so the VMM cannot hide it. */
static void test_pushf_reveals_user_mode(void **state)
{
    (void)state;
    prog p = kernel_start(false);
    op0(&p, T32_OP_PUSHF);
    emit(&p, T32_ENC_R(T32_OP_POP, 1, 0, 0));
    op0(&p, T32_OP_HALT);
    runs r = run_both(LIMIT, false);
    assert_int_equal(r.bare->cpu[0].r[1] & T32_PSR_K, T32_PSR_K);
    assert_int_equal(r.vm->vcpus[0].r[1] & T32_PSR_K, 0);
    free_runs(&r);
}

/* A guest *user* program's pushf is faithful: it sees K = 0 and its real
 * IE = 1, as on bare T32 (the real CPU runs the guest with the real IE
 * mirroring the virtual one).  Only the guest kernel can tell. */
static void test_user_mode_pushf_is_faithful(void **state)
{
    (void)state;
    prog p = kernel_start(true);
    handler_record_and_halt();
    to_user(&p, T32_PSR_IE);        /* user mode, IE = 1 */
    prog u = { UCODE };
    op0(&u, T32_OP_PUSHF);
    emit(&u, T32_ENC_R(T32_OP_POP, 1, 0, 0));
    op0(&u, T32_OP_SYSCALL);
    runs r = run_both(LIMIT, false);
    assert_same(&r);
    assert_int_equal(r.bare->cpu[0].r[1] & (T32_PSR_K | T32_PSR_IE), T32_PSR_IE);
    assert_int_equal(r.vm->vcpus[0].r[1] & (T32_PSR_K | T32_PSR_IE), T32_PSR_IE);
    free_runs(&r);
}

/* pushf; cli; popf must restore IE = 1.  In real user mode popf silently
 * leaves IE alone, so the guest's interrupts stay off: on bare T32 the
 * timer fires, in the VM it never does. */
static void test_popf_loses_the_interrupt_enable(void **state)
{
    (void)state;
    prog p = kernel_start(true);
    handler_record_and_halt();
    addi(&p, 1, 0, 100);
    mtsr(&p, T32_SR_TIMER, 1);
    op0(&p, T32_OP_STI);
    op0(&p, T32_OP_PUSHF);
    op0(&p, T32_OP_CLI);
    op0(&p, T32_OP_POPF);
    uint32_t loop = p.pc;
    addi(&p, 2, 2, 1);
    branch(&p, T32_OP_B, loop);
    runs r = run_both(20000, false);
    assert_int_equal(r.bare_out.end, VMM_END_HALT);
    assert_int_equal(r.bare->cpu[0].r[9], T32_CAUSE_IRQ_TIMER);
    assert_int_equal(r.vm->outcome.end, VMM_END_LIMIT);
    assert_false(r.vm->vcpus[0].vpsr & T32_PSR_IE);
    assert_int_equal(r.vm->stats.injected_irqs, 0);
    free_runs(&r);
}

/* ---- several vCPUs -------------------------------------------------------------------------- */

/* A VM with two vCPUs: both start at the entry, each reads its own number
 * from cpuid and the VM's from NCPUS, writes them to its own slot and
 * halts; the VM halts when both have.  (vCPU 1 also counts to 50 first, so
 * the two take several turns each.) */
static void test_two_vcpus(void **state)
{
    (void)state;
    char err[128];
    prog p = kernel_start(false);
    mfsr(&p, 1, T32_SR_CPUID);
    in(&p, 2, T32_PORT_NCPUS);
    emit(&p, T32_ENC_I(T32_OP_SHLI, 3, 1, 3));
    li(&p, 5, DATA);
    emit(&p, T32_ENC_R(T32_OP_ADD, 3, 3, 5));
    emit(&p, T32_ENC_I(T32_OP_STW, 1, 3, 0));
    emit(&p, T32_ENC_I(T32_OP_STW, 2, 3, 4));
    uint32_t skip = p.pc;
    emit(&p, 0);                              /* bz r1, done (patched below) */
    li(&p, 4, 50 * 1000);
    uint32_t loop = p.pc;
    addi(&p, 4, 4, (uint32_t)-1);
    bnz(&p, 4, loop);
    uint32_t done = p.pc;
    op0(&p, T32_OP_HALT);
    prog f = { skip };
    emit(&f, T32_ENC_I(T32_OP_BZ, 1, 0, (done - skip) / 4));

    vmm *v = vmm_new(VMM_MODE_TRAP, 1, RAM, err, sizeof err);
    assert_non_null(v);
    vmm_vm *vm = v->vms[0];
    assert_true(vmm_vm_set_vcpus(vm, 2));
    memcpy(vm->mem, ram, RAM);
    quiet_console(&vm->con);
    for (int i = 0; i < 2; i++)
        vm->vcpus[i].pc = KCODE;
    vmm_sched_run(v);
    assert_int_equal(vm->outcome.end, VMM_END_HALT);
    for (uint32_t cpu = 0; cpu < 2; cpu++) {
        uint32_t id, n;
        memcpy(&id, vm->mem + DATA + 8 * cpu, 4);
        memcpy(&n, vm->mem + DATA + 8 * cpu + 4, 4);
        assert_int_equal(id, cpu);
        assert_int_equal(n, 2);
        assert_true(vm->vcpus[cpu].halted);
    }
    assert_true(vm->vcpus[1].vcycles > vm->vcpus[0].vcycles + 50000);
    vmm_free(v);
}

/* ---- a VMM bug does not hang the run -------------------------------------------------------------- */

/* A mode whose shadow entries leave out U: the guest, run in real user
 * mode, can never use them - the mistake of a lab's shadow_pte.  Each fault
 * is "hidden" and retires nothing, so without a guard the run loops for
 * ever at cycle 0, past any limit.  It stops, stuck, naming the access. */
static uint32_t entry_without_u(vmm_vcpu *vc, t32_cpu *cpu, uint32_t va,
                                const t32_walk_result *w, t32_access access, uint32_t spte)
{
    (void)vc, (void)cpu, (void)va, (void)w, (void)access;
    return spte & ~T32_PTE_U;
}

static void test_useless_shadow_entry_stops_stuck(void **state)
{
    (void)state;
    char err[128];
    prog p = kernel_start(false);
    op0(&p, T32_OP_HALT);
    vmm *v = vmm_new(VMM_MODE_TRAP, 1, RAM, err, sizeof err);
    assert_non_null(v);
    vmm_vm *vm = v->vms[0];
    vmm_mode_ops broken = *vm->mode;
    broken.shadow_pte = entry_without_u;
    vm->mode = &broken;
    memcpy(vm->mem, ram, RAM);
    quiet_console(&vm->con);
    vm->vcpus[0].pc = KCODE;
    vm->limit = LIMIT;
    vmm_sched_run(v);
    assert_int_equal(vm->outcome.end, VMM_END_STUCK);
    assert_int_equal(vm->outcome.trap.cause, T32_CAUSE_FETCH_FAULT);
    assert_int_equal(vm->outcome.trap.badvaddr, KCODE);
    assert_int_equal(vm->vcpus[0].vcycles, 0);
    assert_int_equal(vm->stats.shadow_faults, VMM_HIDDEN_PER_CYCLE + 1);   /* the last: stuck */
    vmm_free(v);
}

/* ---- building the VMM --------------------------------------------------------------------------- */

/* VMs sit back to back from host address 0, the VMM's memory above them. */
static void test_memory_layout(void **state)
{
    (void)state;
    char err[128];
    vmm *v = vmm_new(VMM_MODE_TRAP, 3, 0x20000, err, sizeof err);
    assert_non_null(v);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(v->vms[i]->base, (uint32_t)i * 0x20000);
        assert_int_equal(v->vms[i]->size, 0x20000);
        assert_ptr_equal(v->vms[i]->mem, v->m->mem + v->vms[i]->base);
        assert_int_equal(v->vms[i]->vcpus[0].vpsr, T32_PSR_K);   /* reset: kernel mode */
    }
    assert_int_equal(v->vmm_base, 3 * 0x20000);
    assert_int_equal(v->vmm_limit, v->m->memsize);
    vmm_free(v);

    assert_null(vmm_new(VMM_MODE_TRAP, 1, 12345, err, sizeof err));      /* not pages */
    assert_null(vmm_new(VMM_MODE_TRAP, 8, 256u << 20, err, sizeof err)); /* > 1 GiB */
    assert_non_null(strstr(err, "cannot fit"));
    assert_null(vmm_new(VMM_MODE_TRAP, 0, RAM, err, sizeof err));
}

/* VMM frames come zeroed, from VMM memory only; freed ones are reused;
 * when they run out the answer is 0, not someone else's memory. */
static void test_frame_allocator(void **state)
{
    (void)state;
    char err[128];
    vmm *v = vmm_new(VMM_MODE_TRAP, 1, RAM, err, sizeof err);
    assert_non_null(v);
    uint32_t a = vmm_frame_alloc(v), b = vmm_frame_alloc(v);
    assert_true(a >= v->vmm_base && a < v->vmm_limit && a % T32_PAGE_SIZE == 0);
    assert_int_not_equal(a, b);
    memset(v->m->mem + a, 0xab, T32_PAGE_SIZE);
    vmm_frame_free(v, a);
    assert_int_equal(vmm_frame_alloc(v), a);                /* reused ... */
    for (uint32_t i = 0; i < T32_PAGE_SIZE; i++)
        assert_int_equal(v->m->mem[a + i], 0);               /* ... and zeroed */
    unsigned n = 2;
    while (vmm_frame_alloc(v) != 0)
        n++;
    assert_int_equal(n, (v->vmm_limit - v->vmm_base) / T32_PAGE_SIZE);
    vmm_frame_free(v, b);
    assert_int_equal(vmm_frame_alloc(v), b);
    assert_int_equal(vmm_frame_alloc(v), 0);
    vmm_free(v);
}

/* ---- random programs ---------------------------------------------------------------------- */

/* Fidelity on programs nobody wrote: random programs (differential.h),
 * all but pushf and popf (the two whose behaviour under trap-and-emulate
 * is *meant* to differ), exactly the same on bare T32 and in a VM. */
static void random_programs_match_bare(vmm_mode mode, const random_mix *mix)
{
    for (uint32_t seed = 1; seed <= 300; seed++) {
        random_program(seed, mix);
        runs r = run_in(mode, 20000, true);
        console_input = NULL;
        assert_same(&r);
        free_runs(&r);
    }
}

static void test_random_programs_match_bare(void **state)
{
    (void)state;
    random_programs_match_bare(VMM_MODE_TRAP, &(random_mix){ .pushf_popf = false });
}

/* ---- binary translation (--mode bt) ---------------------------------------------------------- */

/* The same program on bare T32 and under bt. */
static runs run_bt(uint64_t limit, bool with_disk)
{
    return run_in(VMM_MODE_BT, limit, with_disk);
}

/* Kernel pushf sees K = 1 and popf restores IE, as on bare T32: the two
 * tests above that show trap-and-emulate failing pass under bt. */
static void test_bt_kernel_pushf_popf_are_faithful(void **state)
{
    (void)state;
    prog p = kernel_start(true);
    handler_record_and_halt();
    addi(&p, 1, 0, 100);
    mtsr(&p, T32_SR_TIMER, 1);
    op0(&p, T32_OP_STI);
    op0(&p, T32_OP_PUSHF);
    emit(&p, T32_ENC_R(T32_OP_POP, 3, 0, 0));
    op0(&p, T32_OP_PUSHF);
    op0(&p, T32_OP_CLI);
    op0(&p, T32_OP_POPF);
    uint32_t loop = p.pc;
    addi(&p, 2, 2, 1);
    branch(&p, T32_OP_B, loop);
    runs r = run_bt(20000, false);
    assert_same(&r);
    assert_int_equal(r.vm->vcpus[0].r[3] & T32_PSR_K, T32_PSR_K);
    assert_int_equal(r.vm->vcpus[0].r[9], T32_CAUSE_IRQ_TIMER);
    assert_int_equal(r.vm->stats.bt_scans, 2);      /* the code, and the handler */
    assert_int_equal(r.vm->stats.bt_patches, 3);
    assert_int_equal(r.vm->stats.bt_patch_exits, 3);
    free_runs(&r);
}

/* The guest never sees a patch: a load of its own pushf returns pushf. */
static void test_bt_code_reads_its_own_instructions(void **state)
{
    (void)state;
    prog p = kernel_start(true);
    handler_record_and_halt();
    uint32_t at = p.pc;
    op0(&p, T32_OP_PUSHF);
    emit(&p, T32_ENC_R(T32_OP_POP, 4, 0, 0));
    li(&p, 5, at);
    emit(&p, T32_ENC_I(T32_OP_LDW, 6, 5, 0));   /* the pushf itself */
    op0(&p, T32_OP_PUSHF);                       /* and fetch from the copy again */
    emit(&p, T32_ENC_R(T32_OP_POP, 7, 0, 0));
    op0(&p, T32_OP_HALT);
    runs r = run_bt(LIMIT, false);
    assert_same(&r);
    assert_int_equal(r.vm->vcpus[0].r[6], T32_ENC_R(T32_OP_PUSHF, 0, 0, 0));
    assert_int_equal(r.vm->vcpus[0].r[7] & T32_PSR_K, T32_PSR_K);
    free_runs(&r);
}

/* Self-modifying code: the kernel writes a pushf over a nop of a page
 * that has already been scanned, then runs it.  The store drops the page's
 * patches, the page is scanned again, and the new pushf is patched too. */
static void test_bt_store_into_code_rescans(void **state)
{
    (void)state;
    prog p = kernel_start(true);
    handler_record_and_halt();
    li(&p, 5, 0);                     /* patched below: the address of `slot` */
    uint32_t fixup = p.pc - 8;
    li(&p, 6, T32_ENC_R(T32_OP_PUSHF, 0, 0, 0));
    emit(&p, T32_ENC_I(T32_OP_STW, 6, 5, 0));
    uint32_t slot = p.pc;
    addi(&p, 0, 0, 0);                /* nop, becomes pushf */
    emit(&p, T32_ENC_R(T32_OP_POP, 7, 0, 0));
    op0(&p, T32_OP_HALT);
    prog f = { fixup };
    li(&f, 5, slot);
    runs r = run_bt(LIMIT, false);
    assert_same(&r);
    assert_int_equal(r.vm->vcpus[0].r[7] & T32_PSR_K, T32_PSR_K);
    assert_int_equal(r.vm->stats.bt_invalidations, 1);
    assert_int_equal(r.vm->stats.bt_scans, 2);
    free_runs(&r);
}

/* A patched pushf whose stack is in its own (scanned) code page: the store
 * the VMM makes for it drops the page's patches, as the guest's own store
 * would.  It lands on the word after the pushf, which then runs: on bare
 * T32 the pushed PSR (K = 1, no flags: word 0x00000001, no opcode) is
 * ILLEGAL; a copy left patched would run what was there - a nop, or a cli
 * (which the patch exit would also have run on to: it must look again). */
static void pushf_into_its_own_page(uint32_t next)
{
    prog p = kernel_start(true);
    handler_record_and_halt();
    uint32_t slot = p.pc + 3 * 4;     /* after li (two words) and pushf */
    li(&p, T32_REG_SP, slot + 4);
    op0(&p, T32_OP_PUSHF);
    assert_int_equal(p.pc, slot);
    emit(&p, next);                   /* becomes the pushed PSR */
    op0(&p, T32_OP_HALT);
    runs r = run_bt(LIMIT, false);
    assert_same(&r);
    assert_int_equal(r.vm->vcpus[0].r[9], T32_CAUSE_ILLEGAL);
    assert_int_equal(r.vm->vcpus[0].r[10], slot);
    assert_int_equal(r.vm->stats.bt_patch_exits, 1);
    assert_int_equal(r.vm->stats.bt_run_on, 0);
    assert_int_equal(r.vm->stats.bt_invalidations, 1);
    free_runs(&r);
}

static void test_bt_pushf_into_its_own_page_rescans(void **state)
{
    (void)state;
    pushf_into_its_own_page(T32_ENC_I(T32_OP_ADDI, 0, 0, 0));
    pushf_into_its_own_page(T32_ENC_R(T32_OP_CLI, 0, 0, 0));
}

/* A patched pushf that faults (a misaligned stack) enters the guest's
 * handler; the cli after it is not run on to - the handler's first
 * instruction runs next, as on bare T32. */
static void test_bt_pushf_fault_does_not_run_on(void **state)
{
    (void)state;
    prog p = kernel_start(true);
    handler_record_and_halt();
    li(&p, T32_REG_SP, STACK + 2);
    op0(&p, T32_OP_PUSHF);
    op0(&p, T32_OP_CLI);
    op0(&p, T32_OP_HALT);
    runs r = run_bt(LIMIT, false);
    assert_same(&r);
    assert_int_equal(r.vm->vcpus[0].r[9], T32_CAUSE_MISALIGNED);
    assert_int_equal(r.vm->stats.bt_run_on, 0);
    free_runs(&r);
}

/* A disk transfer into a scanned page drops its patches too: the kernel
 * reads a sector holding `pushf; pop r7; halt` over its own code and
 * jumps there. */
static void test_bt_dma_into_code_rescans(void **state)
{
    (void)state;
    const uint32_t words[] = { T32_ENC_R(T32_OP_PUSHF, 0, 0, 0), T32_ENC_R(T32_OP_POP, 7, 0, 0),
                               T32_ENC_R(T32_OP_HALT, 0, 0, 0) };
    memset(disk_image, 0, sizeof disk_image);
    for (size_t i = 0; i < 3; i++)
        for (int b = 0; b < 4; b++)
            disk_image[4 * i + (size_t)b] = (uint8_t)(words[i] >> (8 * b));
    prog p = kernel_start(true);
    handler_record_and_halt();
    uint32_t target = KCODE + 0x200;     /* a sector of this very page */
    li(&p, 1, 0);
    out(&p, 1, T32_PORT_DISK_SECTOR);
    li(&p, 1, target);
    out(&p, 1, T32_PORT_DISK_ADDR);
    addi(&p, 1, 0, 1);
    out(&p, 1, T32_PORT_DISK_COUNT);
    out(&p, 1, T32_PORT_DISK_CMD);        /* 1 = read */
    uint32_t wait = p.pc;
    in(&p, 2, T32_PORT_DISK_STATUS);
    emit(&p, T32_ENC_I(T32_OP_CMPI, 0, 2, T32_DISK_DONE));
    branch(&p, T32_OP_BNE, wait);
    li(&p, 3, target);
    emit(&p, T32_ENC_I(T32_OP_JALR, 0, 3, 0));
    runs r = run_bt(LIMIT, true);
    assert_same(&r);
    assert_int_equal(r.vm->vcpus[0].r[7] & T32_PSR_K, T32_PSR_K);
    assert_true(r.vm->stats.bt_invalidations >= 1);
    free_runs(&r);
}

/* One page run in kernel mode and in user mode: user code gets the
 * original (its pushf shows K = 0, IE = 1 as on bare T32), the kernel the
 * patched copy. */
static void test_bt_page_run_by_kernel_and_user(void **state)
{
    (void)state;
    prog p = kernel_start(true);
    prog h = { HANDLER };
    mfsr(&h, 9, T32_SR_CAUSE);
    op0(&h, T32_OP_PUSHF);               /* the kernel again, after the syscall */
    emit(&h, T32_ENC_R(T32_OP_POP, 11, 0, 0));
    op0(&h, T32_OP_HALT);
    uint32_t shared = p.pc + 7 * 4;       /* after the 7 instructions below */
    li(&p, 1, shared);
    mtsr(&p, T32_SR_EPC, 1);
    li(&p, 1, T32_PSR_IE);                /* user mode, IE = 1 */
    mtsr(&p, T32_SR_EPSR, 1);
    op0(&p, T32_OP_RFE);
    assert_int_equal(p.pc, shared);
    op0(&p, T32_OP_PUSHF);                /* run in user mode */
    emit(&p, T32_ENC_R(T32_OP_POP, 10, 0, 0));
    op0(&p, T32_OP_SYSCALL);
    runs r = run_bt(LIMIT, false);
    assert_same(&r);
    assert_int_equal(r.vm->vcpus[0].r[10] & (T32_PSR_K | T32_PSR_IE), T32_PSR_IE);
    assert_int_equal(r.vm->vcpus[0].r[11] & T32_PSR_K, T32_PSR_K);
    free_runs(&r);
}

/* The guest's own word with the patch opcode, in a patched page, is not a
 * patch: executing it is the guest's ILLEGAL, and dropping the page's
 * patches leaves the patch table alone. */
static void test_bt_guest_word_like_a_patch(void **state)
{
    (void)state;
    prog p = kernel_start(true);
    handler_record_and_halt();
    op0(&p, T32_OP_PUSHF);
    emit(&p, T32_ENC_R(T32_OP_POP, 3, 0, 0));
    li(&p, 5, p.pc + 16);
    emit(&p, T32_ENC_I(T32_OP_STW, 0, 5, 0));    /* unpatch this page */
    emit(&p, 0xff000000u);                       /* "patch 0": illegal */
    emit(&p, 0xff7fffffu);
    runs r = run_bt(LIMIT, false);
    assert_same(&r);
    assert_int_equal(r.vm->vcpus[0].r[9], T32_CAUSE_ILLEGAL);
    free_runs(&r);
}

/* bt remembers where a patch exit came from (bt_patch_seen), so a loop over
 * a patched pushf walks the guest's tables once.  The memory must not
 * outlive the translation: after the guest maps the same virtual page to
 * another frame (and flushes, as it must), the same pc holds the guest's
 * own word with the patch's opcode and index - its ILLEGAL, not a pushf. */
#define RWX (T32_PTE_V | T32_PTE_R | T32_PTE_W | T32_PTE_X)

/* Guest code that builds page tables at l1/l2 mapping RAM as it is, plus
 * the page at virtual x to `frame` (r5 = l2 after it, r6 and r7 used). */
static void build_tables(prog *p, uint32_t l1, uint32_t l2, uint32_t x, uint32_t frame)
{
    li(p, 5, l2);
    for (uint32_t page = 0; page < RAM / T32_PAGE_SIZE; page++) {
        li(p, 6, page * T32_PAGE_SIZE | RWX);
        stw(p, 6, 5, 4 * page);
    }
    li(p, 6, frame | RWX);
    stw(p, 6, 5, 4 * (x / T32_PAGE_SIZE));
    li(p, 7, l1);
    li(p, 6, l2 | T32_PTE_V);
    stw(p, 6, 7, 0);
}

static void test_bt_patch_site_follows_a_remap(void **state)
{
    (void)state;
    const uint32_t l1 = 0xa000, l2 = 0xb000, f1 = 0x4000, f2 = 0x5000, x = 0x40000;
    prog p = kernel_start(true);
    handler_record_and_halt();
    build_tables(&p, l1, l2, x, f1);            /* RAM as it is, x -> f1 */
    li(&p, 6, l1 | T32_PTBR_E);
    mtsr(&p, T32_SR_PTBR, 6);
    li(&p, 8, x);
    emit(&p, T32_ENC_I(T32_OP_JALR, T32_REG_LR, 8, 0));   /* pushf at x, twice */
    emit(&p, T32_ENC_I(T32_OP_JALR, T32_REG_LR, 8, 0));
    li(&p, 6, f2 | RWX);                        /* x -> f2, and flush */
    stw(&p, 6, 5, 4 * (x / T32_PAGE_SIZE));
    op0(&p, T32_OP_TLBFLUSH);
    emit(&p, T32_ENC_I(T32_OP_JALR, T32_REG_LR, 8, 0));   /* the guest's own word */
    op0(&p, T32_OP_HALT);
    prog f = { f1 };
    op0(&f, T32_OP_PUSHF);
    emit(&f, T32_ENC_R(T32_OP_POP, 3, 0, 0));
    emit(&f, T32_ENC_I(T32_OP_JALR, 0, T32_REG_LR, 0));
    prog g = { f2 };
    emit(&g, BT_PATCH_WORD(0));                 /* names f1's pushf (patch 0) */

    runs r = run_bt(LIMIT, false);
    assert_same(&r);
    const bt_state *b = bt_of(r.vm);
    assert_true(b->npatches >= 1 && b->patches[0].original == T32_ENC_R(T32_OP_PUSHF, 0, 0, 0));
    assert_int_equal(r.vm->stats.bt_patch_exits, 2);
    assert_int_equal(r.vm->vcpus[0].r[9], T32_CAUSE_ILLEGAL);
    assert_int_equal(r.vm->vcpus[0].r[10], x);
    free_runs(&r);
}

/* A patched pushf stores through the translation the CPU holds, as bare
 * T32's pushf does: ISA.md lets a CPU use its TLB until the guest flushes,
 * and a real T32 that has just pushed onto a page still holds that page's
 * translation.  So when the guest remaps its stack page without flushing,
 * bare T32's pushf still writes the old frame - and so must bt's
 * (guest_access asks the real CPU's TLB before it walks). */
static void test_bt_pushf_uses_the_translation_in_the_tlb(void **state)
{
    (void)state;
    const uint32_t l1 = 0xa000, l2 = 0xb000, f1 = 0x4000, f2 = 0x5000, x = 0x40000;
    prog p = kernel_start(true);
    handler_record_and_halt();
    build_tables(&p, l1, l2, x, f1);            /* x -> f1 */
    li(&p, 6, l1 | T32_PTBR_E);
    mtsr(&p, T32_SR_PTBR, 6);
    li(&p, T32_REG_SP, x + 0x100);
    li(&p, 1, 0x1234);
    emit(&p, T32_ENC_R(T32_OP_PUSH, 1, 0, 0));  /* x's translation now cached */
    li(&p, 6, f2 | RWX);                        /* x -> f2, not flushed */
    stw(&p, 6, 5, 4 * (x / T32_PAGE_SIZE));
    op0(&p, T32_OP_PUSHF);                      /* still into f1 */
    op0(&p, T32_OP_HALT);
    runs r = run_bt(LIMIT, false);
    assert_same(&r);
    assert_int_equal(r.vm->stats.bt_patch_exits, 1);
    assert_int_equal(t32_load32(r.vm->mem + f1 + 0xf8), T32_PSR_K);
    assert_int_equal(t32_load32(r.vm->mem + f2 + 0xf8), 0);
    free_runs(&r);
}

/* The privileged instructions right after a patched pushf run on in the
 * same exit (bt.c, run_on).  User code is never patched, paging off or on:
 * its pushf runs natively (no patch exit), and the `out` after it traps
 * into the guest kernel as PRIVILEGED. */
static void test_bt_runs_on_after_pushf(void **state)
{
    (void)state;
    prog p = kernel_start(true);
    handler_record_and_halt();
    li(&p, 5, 0x77);
    mtsr(&p, T32_SR_SCRATCH, 5);
    op0(&p, T32_OP_PUSHF);
    op0(&p, T32_OP_CLI);                        /* run on ... */
    mfsr(&p, 4, T32_SR_SCRATCH);                /* ... and on */
    emit(&p, T32_ENC_R(T32_OP_POP, 3, 0, 0));
    to_user(&p, 0);
    prog u = { UCODE };
    op0(&u, T32_OP_PUSHF);
    out(&u, 0, T32_PORT_CON_DATA);              /* user mode: PRIVILEGED */
    op0(&u, T32_OP_HALT);
    runs r = run_bt(LIMIT, false);
    assert_same(&r);
    assert_int_equal(r.vm->vcpus[0].r[4], 0x77);
    assert_int_equal(r.vm->vcpus[0].r[9], T32_CAUSE_PRIVILEGED);
    assert_int_equal(r.vm->vcpus[0].r[10], UCODE + 4);
    assert_int_equal(r.vm->stats.bt_patch_exits, 1);
    assert_int_equal(r.vm->stats.bt_run_on, 2);
    free_runs(&r);
}

/* Running on after a pushf stops where the address space changes: after
 * `mtsr ptbr`, the next instruction is the new mapping's, not the next
 * word of the patch's frame. */
static void test_bt_run_on_stops_at_a_new_address_space(void **state)
{
    (void)state;
    const uint32_t x = 0x40000, f1 = 0x4000, f2 = 0x5000;
    prog p = kernel_start(true);
    handler_record_and_halt();
    build_tables(&p, 0xc000, 0xd000, x, f2);    /* B: x -> f2 */
    build_tables(&p, 0xa000, 0xb000, x, f1);    /* A: x -> f1 */
    li(&p, 6, 0xa000 | T32_PTBR_E);
    mtsr(&p, T32_SR_PTBR, 6);
    li(&p, 6, 0xc000 | T32_PTBR_E);
    li(&p, 5, 0x77);
    mtsr(&p, T32_SR_SCRATCH, 5);
    li(&p, 8, x);
    emit(&p, T32_ENC_I(T32_OP_JALR, 0, 8, 0));
    prog a = { f1 };                            /* x in A */
    op0(&a, T32_OP_PUSHF);
    mtsr(&a, T32_SR_PTBR, 6);                   /* to B: x + 8 is f2's */
    mfsr(&a, 4, T32_SR_SCRATCH);
    op0(&a, T32_OP_HALT);
    prog b = { f2 + 8 };                        /* x + 8 in B */
    addi(&b, 4, 0, 9);
    op0(&b, T32_OP_HALT);
    runs r = run_bt(LIMIT, false);
    assert_same(&r);
    assert_int_equal(r.vm->vcpus[0].r[4], 9);
    assert_int_equal(r.vm->stats.bt_patch_exits, 1);
    free_runs(&r);
}

/* ... and at the end of the patch's page: the next virtual page may be any
 * frame, not the next one in RAM. */
static void test_bt_run_on_stops_at_the_page_end(void **state)
{
    (void)state;
    const uint32_t x = 0x40000, f1 = 0x4000, f3 = 0x6000;
    prog p = kernel_start(true);
    handler_record_and_halt();
    build_tables(&p, 0xa000, 0xb000, x, f1);    /* x -> f1, x + 4K -> f3 */
    li(&p, 6, f3 | RWX);
    stw(&p, 6, 5, 4 * (x / T32_PAGE_SIZE + 1));
    li(&p, 6, 0xa000 | T32_PTBR_E);
    mtsr(&p, T32_SR_PTBR, 6);
    li(&p, 5, 0x77);
    mtsr(&p, T32_SR_SCRATCH, 5);
    li(&p, 8, x + T32_PAGE_SIZE - 4);
    emit(&p, T32_ENC_I(T32_OP_JALR, 0, 8, 0));
    poke(f1 + T32_PAGE_SIZE - 4, T32_ENC_R(T32_OP_PUSHF, 0, 0, 0));
    prog next = { f1 + T32_PAGE_SIZE };         /* the next frame in RAM */
    mfsr(&next, 4, T32_SR_SCRATCH);
    op0(&next, T32_OP_HALT);
    prog b = { f3 };                            /* the next virtual page */
    addi(&b, 4, 0, 9);
    op0(&b, T32_OP_HALT);
    runs r = run_bt(LIMIT, false);
    assert_same(&r);
    assert_int_equal(r.vm->vcpus[0].r[4], 9);
    free_runs(&r);
}

/* ... and at an rfe, which leaves the kernel's straight line: to user mode
 * at the very next word (a privileged instruction there is the guest's
 * PRIVILEGED trap, not one to emulate), or elsewhere in kernel mode (the
 * next word is not the next instruction). */
static void test_bt_run_on_stops_at_rfe(void **state)
{
    (void)state;
    const uint32_t at = 0x4000;                     /* pushf ... rfe; mfsr */
    for (int to_kernel = 0; to_kernel < 2; to_kernel++) {
        prog p = kernel_start(true);
        handler_record_and_halt();
        li(&p, 5, 0x77);
        mtsr(&p, T32_SR_SCRATCH, 5);
        li(&p, 6, to_kernel ? UCODE : at + 4 * 4);  /* EPC: the word after the rfe, */
        li(&p, 7, to_kernel ? T32_PSR_K : 0);       /* or UCODE, in kernel mode */
        li(&p, 8, at);
        emit(&p, T32_ENC_I(T32_OP_JALR, 0, 8, 0));
        prog x = { at };
        op0(&x, T32_OP_PUSHF);
        mtsr(&x, T32_SR_EPC, 6);                    /* run on ... */
        mtsr(&x, T32_SR_EPSR, 7);
        op0(&x, T32_OP_RFE);
        mfsr(&x, 4, T32_SR_SCRATCH);                /* at + 16; user mode: PRIVILEGED */
        op0(&x, T32_OP_HALT);
        prog k = { UCODE };                         /* (kernel mode, not user code) */
        addi(&k, 4, 0, 9);
        op0(&k, T32_OP_HALT);
        runs r = run_bt(LIMIT, false);
        assert_same(&r);
        if (to_kernel) {
            assert_int_equal(r.vm->vcpus[0].r[4], 9);
        } else {
            assert_int_equal(r.vm->vcpus[0].r[9], T32_CAUSE_PRIVILEGED);
            assert_int_equal(r.vm->vcpus[0].r[10], at + 4 * 4);
            assert_int_equal(r.vm->vcpus[0].r[4], 0);
        }
        assert_int_equal(r.vm->stats.bt_run_on, 3);
        free_runs(&r);
    }
}

/* Random programs, pushf and popf included this time: under bt every one
 * is exactly what it is on bare T32. */
static void test_bt_random_programs_match_bare(void **state)
{
    (void)state;
    random_programs_match_bare(VMM_MODE_BT, &(random_mix){ .pushf_popf = true });
}

/* The second patch exit at a site is the fast path's (bt.c, bt_handle_exit):
 * the site verified, its stack page in the real CPU's TLB - a plain store
 * to that page each round puts it there.  The fast path must still check
 * what a TLB hit does not: that sp is aligned.  `op` runs twice, with sp =
 * `base`, then `base + 2`: the second raises MISALIGNED, as on bare T32. */
static void seen_site_misaligned(unsigned op)
{
    const uint32_t base = STACK - 0x100;
    prog p = kernel_start(true);
    handler_record_and_halt();
    li(&p, 7, STACK - 0x200);                   /* the stack's page */
    li(&p, 8, base);
    li(&p, 6, 2);                               /* two rounds */
    uint32_t loop = p.pc;
    stw(&p, 0, 7, 0);                           /* the page in the TLB, writable */
    addi(&p, T32_REG_SP, 8, 0);
    op0(&p, op);
    addi(&p, 8, 8, 2);                          /* next round: misaligned */
    addi(&p, 6, 6, (uint32_t)-1);
    bnz(&p, 6, loop);
    op0(&p, T32_OP_HALT);
    runs r = run_bt(LIMIT, false);
    assert_same(&r);
    assert_int_equal(r.vm->vcpus[0].r[9], T32_CAUSE_MISALIGNED);
    assert_int_equal(r.vm->vcpus[0].r[6], 1);   /* in the second round */
    assert_int_equal(r.vm->stats.bt_patch_exits, 2);
    free_runs(&r);
}

/* The fast path checks what a TLB hit does not promise - sp aligned
 * (seen_site_misaligned) - and that the TLB allows the access, not just
 * holds the page: a pushf into a page the guest has only read (its PTE's
 * D clear, so its shadow entry is not writable) takes the walk, which sets
 * D, as bare T32's store does. */
static void test_bt_seen_site_still_checks_the_stack(void **state)
{
    (void)state;
    seen_site_misaligned(T32_OP_PUSHF);
    seen_site_misaligned(T32_OP_POPF);

    const uint32_t l1 = 0xa000, l2 = 0xb000, x = 0x40000;
    prog p = kernel_start(true);
    handler_record_and_halt();
    build_tables(&p, l1, l2, x, 0x4000);        /* no PTE has A or D yet */
    li(&p, 6, l1 | T32_PTBR_E);
    mtsr(&p, T32_SR_PTBR, 6);
    li(&p, 7, 0xe000);
    ldw(&p, 3, 7, 0);                           /* page 0xe000 in the TLB, read only */
    li(&p, 8, 0xd100);                          /* first round's sp: page 0xd000 */
    li(&p, 6, 2);
    uint32_t loop = p.pc;
    addi(&p, T32_REG_SP, 8, 0);
    op0(&p, T32_OP_PUSHF);
    li(&p, 8, 0xe100);                          /* second round's: page 0xe000 */
    addi(&p, 6, 6, (uint32_t)-1);
    bnz(&p, 6, loop);
    op0(&p, T32_OP_HALT);
    runs r = run_bt(LIMIT, false);
    assert_same(&r);                            /* the PTEs' D bits included */
    assert_int_equal(r.vm->stats.bt_patch_exits, 2);
    assert_true(t32_load32(r.vm->mem + l2 + 4 * 0xe) & T32_PTE_D);
    free_runs(&r);
}

/* An observer that counts the patch exits it hears of.  With one, every
 * patch exit takes bt's whole way (patch_exit, bt.c); without, most take
 * the fast path. */
static void count_patched(void *ctx, const vmm_vcpu *vc, const vmm_event *ev)
{
    (void)vc;
    if (ev->kind == VMM_EV_PATCHED)
        (*(uint64_t *)ctx)++;
}

/* bt's two ways through a patch exit do the same: random programs with
 * pushf and popf in kernel mode, run with nobody listening (the fast path
 * wherever it can) and with a listener (never), are each what they are on
 * bare T32, and count the same exits, patch exits and instructions run
 * on. */
static void test_bt_fast_and_whole_patch_exits_agree(void **state)
{
    (void)state;
    for (uint32_t seed = 1; seed <= 300; seed++) {
        random_program(seed, &(random_mix){ .pushf_popf = true });
        runs quiet = run_bt(20000, true);
        assert_same(&quiet);
        uint64_t heard = 0;
        runs heard_run = { 0 };
        run_bare(&heard_run, 20000, true);
        make_vm(&heard_run, VMM_MODE_BT, 20000, true);
        heard_run.v->observer = count_patched;
        heard_run.v->observer_ctx = &heard;
        vmm_sched_run(heard_run.v);
        console_input = NULL;
        assert_same(&heard_run);
        const vmm_stats *a = &quiet.vm->stats, *b = &heard_run.vm->stats;
        assert_int_equal(heard, b->bt_patch_exits);
        assert_int_equal(a->bt_patch_exits, b->bt_patch_exits);
        assert_int_equal(a->bt_run_on, b->bt_run_on);
        assert_int_equal(a->exits_total, b->exits_total);
        assert_int_equal(a->emulated_insns, b->emulated_insns);
        free_runs(&quiet);
        free_runs(&heard_run);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sysregs_round_trip),
        cmocka_unit_test(test_unknown_sysreg_is_illegal),
        cmocka_unit_test(test_cli_sti_change_virtual_ie),
        cmocka_unit_test(test_unmask_ends_the_run_only_if_deliverable),
        cmocka_unit_test(test_rfe_to_user_and_syscall_reflected),
        cmocka_unit_test(test_privileged_in_guest_user_mode_is_reflected),
        cmocka_unit_test(test_guest_faults_are_reflected),
        cmocka_unit_test(test_divzero_and_misaligned_are_reflected),
        cmocka_unit_test(test_unaligned_jump_is_reflected),
        cmocka_unit_test(test_store_past_guest_ram_is_bus_error),
        cmocka_unit_test(test_timer_interrupt_at_the_same_boundary),
        cmocka_unit_test(test_periodic_timer_with_rfe),
        cmocka_unit_test(test_wfi_idles_to_the_next_event),
        cmocka_unit_test(test_wfi_with_nothing_armed_never_wakes),
        cmocka_unit_test(test_console_and_ports),
        cmocka_unit_test(test_console_input_interrupts),
        cmocka_unit_test(test_disk_dma_into_guest_memory),
        cmocka_unit_test(test_disk_interrupt_while_spinning),
        cmocka_unit_test(test_disk_dma_lands_while_polling_memory),
        cmocka_unit_test(test_disk_dma_outside_guest_memory_fails),
        cmocka_unit_test(test_trap_without_vector_escapes),
        cmocka_unit_test(test_instruction_limit),
        cmocka_unit_test(test_stats_count_exits),
        cmocka_unit_test(test_pushf_reveals_user_mode),
        cmocka_unit_test(test_user_mode_pushf_is_faithful),
        cmocka_unit_test(test_popf_loses_the_interrupt_enable),
        cmocka_unit_test(test_random_programs_match_bare),
        cmocka_unit_test(test_bt_kernel_pushf_popf_are_faithful),
        cmocka_unit_test(test_bt_code_reads_its_own_instructions),
        cmocka_unit_test(test_bt_store_into_code_rescans),
        cmocka_unit_test(test_bt_pushf_into_its_own_page_rescans),
        cmocka_unit_test(test_bt_pushf_fault_does_not_run_on),
        cmocka_unit_test(test_bt_dma_into_code_rescans),
        cmocka_unit_test(test_bt_page_run_by_kernel_and_user),
        cmocka_unit_test(test_bt_guest_word_like_a_patch),
        cmocka_unit_test(test_bt_patch_site_follows_a_remap),
        cmocka_unit_test(test_bt_pushf_uses_the_translation_in_the_tlb),
        cmocka_unit_test(test_bt_runs_on_after_pushf),
        cmocka_unit_test(test_bt_run_on_stops_at_a_new_address_space),
        cmocka_unit_test(test_bt_run_on_stops_at_the_page_end),
        cmocka_unit_test(test_bt_run_on_stops_at_rfe),
        cmocka_unit_test(test_bt_random_programs_match_bare),
        cmocka_unit_test(test_bt_fast_and_whole_patch_exits_agree),
        cmocka_unit_test(test_bt_seen_site_still_checks_the_stack),
        cmocka_unit_test(test_two_vcpus),
        cmocka_unit_test(test_useless_shadow_entry_stops_stuck),
        cmocka_unit_test(test_memory_layout),
        cmocka_unit_test(test_frame_allocator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
