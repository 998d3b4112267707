/*
 * fuzz_guest.c - libFuzzer harness: the input is hostile guest code.
 *
 * The bytes after a small header are placed in guest memory and run twice
 * for a bounded number of cycles: on bare T32 (the reference) and as a VM
 * under the trap-and-emulate VMM, like tests/vmm/test_vmm.c does for its
 * hand-written and random programs.  Two properties must hold:
 *
 *  - isolation: the fuzzed VM sits between two canary VMs whose memory and
 *    vCPUs must be unchanged afterwards, and VMM memory the shadow tables
 *    have not yet used must still be zero;
 *  - fidelity: everything the guest can observe (outcome, registers, PSR,
 *    system registers, time, console output, memory) is the same as on
 *    bare T32 - unless the run strayed outside what ISA.md promises, see
 *    below.
 *
 * Two things make bare and VM differ *by design*, so a run that does either
 * is only checked for isolation:
 *
 *  - pushf/popf (ISA.md, "Virtualizability"): sensitive but not privileged,
 *    so the deprivileged guest kernel sees its real mode.  Code can write
 *    them at run time, so a static scan of the input is not enough;
 *  - a store into a live page table while paging is on (ISA.md section 8):
 *    the TLB is not coherent with page-table writes, and bare T32's TLB and
 *    the VMM's shadow tables may legitimately hold different stale
 *    translations until the guest flushes.
 *
 * Both are detected on the bare run, which is therefore stepped one cycle
 * at a time (vmm_bare_run with a limit one cycle further each time): before
 * each step, the instruction at pc - or, if an interrupt is taken first, at
 * TVEC - is looked at through the page tables.  Stepping changes nothing:
 * t32_run() stops at instruction boundaries and a run split anywhere
 * behaves as one run (isa/cpu.c), which the VM's own run loop relies on
 * too.  (The look goes through the tables, not the TLB; the two can only
 * disagree after a page-table store, which already ends the comparison.)
 *
 * Input: a HEADER-byte header, then up to CODE_MAX bytes of code placed at
 * UCODE.  A harness-written prologue at KCODE sets the trap vector, maybe a
 * timer and paging, and enters the code with rfe in kernel or user mode.
 *   [0] flags: bit 0 paging, bit 1 user mode, bits 2-3 trap vector (0: none,
 *       1 and 3: a handler that skips the trapping instruction, 2: into the
 *       code), bit 4 timer, bit 5 IE, bit 7 extra L1 entries (an alias of
 *       the low 4 MiB at the top, and an L2 table outside RAM)
 *   [1] timer interval / 8    [2] trap vector word offset into the code
 *   [3] frame offset for pages whose PTE byte has bit 7 set (frames past
 *       the end of RAM are other VMs' memory in the host: must not reach it)
 *   [4..19] one byte per page of the 64 KiB RAM: PTE bits 6:0 (D A U X W R
 *       V); pages 1 and 2 (prologue, handler) are always kernel R+X.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/vmm.h"

#define RAM       0x10000u   /* guest RAM, bare and in the VM */
#define NPAGES    (RAM / T32_PAGE_SIZE)
#define KCODE     0x1000u    /* prologue (the entry point) */
#define HANDLER   0x2000u    /* the skipping trap handler */
#define UCODE     0x4000u    /* the fuzzed code */
#define CODE_MAX  0x4000u
#define STACK     0xd000u
#define L1_TABLE  0xe000u
#define L2_TABLE  0xf000u
#define HEADER    20u
#define CYCLES    20000u
#define FUZZ_VM   1          /* VMs 0 and 2 are the canaries */
#define NVMS      3

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char console_input[] = "fuzz\n";

/* ---- the guest image --------------------------------------------------------- */

static uint8_t image[RAM];

static void put32(uint32_t addr, uint32_t w)
{
    image[addr] = (uint8_t)w;
    image[addr + 1] = (uint8_t)(w >> 8);
    image[addr + 2] = (uint8_t)(w >> 16);
    image[addr + 3] = (uint8_t)(w >> 24);
}

static uint32_t emit_li(uint32_t pc, unsigned rd, uint32_t v)
{
    put32(pc, T32_ENC_I(T32_OP_LUI, rd, 0, v >> 16));
    put32(pc + 4, T32_ENC_I(T32_OP_ORI, rd, rd, v & 0xffffu));
    return pc + 8;
}

static uint32_t emit_mtsr(uint32_t pc, unsigned sr, uint32_t v)
{
    pc = emit_li(pc, 1, v);
    put32(pc, T32_ENC_I(T32_OP_MTSR, 1, 0, sr));
    return pc + 4;
}

static void build_image(const uint8_t *data, size_t size)
{
    uint8_t h[HEADER] = { 0 };
    memcpy(h, data, size < HEADER ? size : HEADER);
    memset(image, 0, sizeof image);
    if (size > HEADER)
        memcpy(image + UCODE, data + HEADER, size - HEADER < CODE_MAX ? size - HEADER : CODE_MAX);

    /* The skipping handler: resume after whatever trapped (or after the
     * instruction an interrupt came before), so runs go on past faults. */
    put32(HANDLER, T32_ENC_I(T32_OP_MFSR, 13, 0, T32_SR_EPC));
    put32(HANDLER + 4, T32_ENC_I(T32_OP_ADDI, 13, 13, 4));
    put32(HANDLER + 8, T32_ENC_I(T32_OP_MTSR, 13, 0, T32_SR_EPC));
    put32(HANDLER + 12, T32_ENC_R(T32_OP_RFE, 0, 0, 0));

    bool paging = h[0] & 1, user = h[0] & 2, extra_l1 = h[0] & 0x80;
    static const uint32_t tvecs[4] = { 0, HANDLER, 0, HANDLER };
    uint32_t tvec = (h[0] >> 2 & 3) == 2 ? UCODE + 4u * h[2] : tvecs[h[0] >> 2 & 3];

    put32(L1_TABLE, L2_TABLE | T32_PTE_V);
    if (extra_l1) {
        put32(L1_TABLE + 4 * 1023, L2_TABLE | T32_PTE_V);
        put32(L1_TABLE + 4 * 2, (RAM + T32_PAGE_SIZE) | T32_PTE_V);
    }
    for (uint32_t i = 0; i < NPAGES; i++) {
        uint8_t b = h[4 + i];
        uint32_t frame = b & 0x80 ? (i + h[3]) & 0x1f : i;
        uint32_t bits = b & 0x7f;
        if (i == KCODE / T32_PAGE_SIZE || i == HANDLER / T32_PAGE_SIZE) {
            frame = i;
            bits = T32_PTE_V | T32_PTE_R | T32_PTE_X;
        }
        put32(L2_TABLE + 4 * i, frame << T32_PAGE_SHIFT | bits);
    }

    uint32_t pc = KCODE;
    pc = emit_li(pc, T32_REG_SP, STACK);
    pc = emit_mtsr(pc, T32_SR_TVEC, tvec);
    if (h[0] & 0x10)
        pc = emit_mtsr(pc, T32_SR_TIMER, 1u + 8u * h[1]);
    pc = emit_mtsr(pc, T32_SR_EPC, UCODE);
    pc = emit_mtsr(pc, T32_SR_EPSR, (user ? 0 : T32_PSR_K) | (h[0] & 0x20 ? T32_PSR_IE : 0));
    if (paging)
        pc = emit_mtsr(pc, T32_SR_PTBR, L1_TABLE | T32_PTBR_E);
    put32(pc, T32_ENC_I(T32_OP_ADDI, 1, 0, 0));
    put32(pc + 4, T32_ENC_R(T32_OP_RFE, 0, 0, 0));
}

/* ---- the bare run, watching for what ends the comparison ----------------------- */

typedef struct watch {
    bool     differs;       /* pushf/popf or a live page-table store seen */
    uint32_t tables_ptbr;   /* PTBR the table-frame set was built for; 0 = none */
    uint32_t tables;        /* bit i: RAM frame i is the root or an L2 table */
} watch;

static bool read_word(const t32_machine *m, uint32_t pa, uint32_t *w)
{
    return pa % 4 == 0 && t32_phys_read32(m, pa, w);
}

static void note_frame(uint32_t *set, uint32_t pa)
{
    if (pa < RAM)
        *set |= 1u << (pa / T32_PAGE_SIZE);
}

/* The frames the current tables live in (the root and every valid L1
 * entry's L2).  Rebuilt when PTBR changes; while it does not and paging is
 * on, a store that could change the L1 table ends the comparison anyway. */
static void table_frames(const t32_cpu *cpu, watch *w)
{
    uint32_t ptbr = cpu->sr[T32_SR_PTBR];
    if (w->tables_ptbr == ptbr)
        return;
    w->tables_ptbr = ptbr;
    w->tables = 0;
    uint32_t root = ptbr & T32_PTE_FRAME;
    note_frame(&w->tables, root);
    for (uint32_t i = 0; i < 1024; i++) {
        uint32_t e;
        if (t32_phys_read32(cpu->m, root + 4 * i, &e) && (e & T32_PTE_V))
            note_frame(&w->tables, e & T32_PTE_FRAME);
    }
}

/* The instruction the CPU would execute at `va` in mode `kernel`. */
static void look_at(const t32_cpu *cpu, uint32_t va, bool kernel, watch *w)
{
    uint32_t pa, insn;
    if (t32_translate(cpu, va, T32_FETCH, kernel, &pa) != T32_CAUSE_NONE ||
        !read_word(cpu->m, pa, &insn))
        return;
    unsigned op = insn >> 24;
    if (op == T32_OP_PUSHF || op == T32_OP_POPF) {
        w->differs = true;
        return;
    }
    if (!(cpu->sr[T32_SR_PTBR] & T32_PTBR_E))
        return;
    uint32_t target;
    if (op == T32_OP_PUSH)
        target = cpu->r[T32_REG_SP] - 4;
    else if (op == T32_OP_STW || op == T32_OP_STH || op == T32_OP_STB)
        target = cpu->r[insn >> 16 & 15] + (uint32_t)(int32_t)(int16_t)(insn & 0xffff);
    else
        return;
    table_frames(cpu, w);
    if (t32_translate(cpu, target, T32_STORE, kernel, &pa) == T32_CAUSE_NONE && pa < RAM &&
        (w->tables >> (pa / T32_PAGE_SIZE) & 1))
        w->differs = true;
}

static vmm_outcome run_bare(t32_machine *m, vmm_stats *st, bool *differs)
{
    t32_cpu *cpu = &m->cpu[0];
    watch w = { 0 };
    vmm_outcome out;
    do {
        if (!w.differs) {
            if (!(cpu->sr[T32_SR_PTBR] & T32_PTBR_E))
                w.tables_ptbr = 0;     /* tables may change freely meanwhile */
            look_at(cpu, cpu->pc, cpu->psr & T32_PSR_K, &w);
            look_at(cpu, cpu->sr[T32_SR_TVEC], true, &w);
        }
        out = vmm_bare_run(m, cpu->cycles + 1, st);
    } while (out.end == VMM_END_LIMIT && cpu->cycles < CYCLES);
    *differs = w.differs;
    return out;
}

/* ---- checks ----------------------------------------------------------------------- */

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_guest: %s\n", what);
    abort();
}

static void check_same(const t32_machine *bare, const vmm_outcome *bo, const vmm_stats *bs,
                       const vmm_vm *vm)
{
    const t32_cpu *cpu = &bare->cpu[0];
    const vmm_vcpu *vc = &vm->vcpus[0];
    if (bo->end != vm->outcome.end || bo->pc != vm->outcome.pc || bo->cycles != vm->outcome.cycles)
        fail("outcome differs");
    if (bo->end == VMM_END_ESCAPE && bo->trap.cause != vm->outcome.trap.cause)
        fail("escaping trap differs");
    if (memcmp(cpu->r, vc->r, sizeof cpu->r) != 0)
        fail("registers differ");
    if (cpu->pc != vc->pc || cpu->psr != vc->vpsr)
        fail("pc or PSR differs");
    for (unsigned sr = 0; sr <= T32_SR_TIMER; sr++)
        if (cpu->sr[sr] != vc->vsr[sr])
            fail("system register differs");
    if (cpu->cycles != vc->vcycles || bs->guest_insns != vm->stats.guest_insns)
        fail("time differs");
    if (bare->console.outlen != vm->con.outlen ||
        (vm->con.outlen && memcmp(bare->console.outbuf, vm->con.outbuf, vm->con.outlen)))
        fail("console output differs");
    if (memcmp(bare->mem, vm->mem, RAM) != 0)
        fail("guest memory differs");
}

static uint8_t canary_byte(int vm, uint32_t i)
{
    return (uint8_t)(i * 131u + (uint32_t)vm * 7u + 0x5a);
}

static void check_isolation(const vmm *v, const vmm_vcpu *canary_vcpu)
{
    for (int i = 0; i < NVMS; i++) {
        const vmm_vm *vm = v->vms[i];
        if (i == FUZZ_VM)
            continue;
        for (uint32_t a = 0; a < RAM; a++)
            if (vm->mem[a] != canary_byte(i, a))
                fail("a canary VM's memory changed");
        vmm_vcpu expect;      /* the canary's vCPU, in this VM */
        memcpy(&expect, canary_vcpu, sizeof expect);
        expect.vm = vm->vcpus[0].vm;
        if (memcmp(&vm->vcpus[0], &expect, sizeof expect) != 0 || vm->con.outlen != 0)
            fail("a canary VM's vCPU or console changed");
    }
    static const uint8_t zero[T32_PAGE_SIZE];
    for (uint32_t a = v->vmm_next; a < v->vmm_limit; a += T32_PAGE_SIZE)
        if (memcmp(v->m->mem + a, zero, T32_PAGE_SIZE) != 0)
            fail("unused VMM memory changed");
}

static void quiet_console(t32_console *c)
{
    t32_console_free(c);
    t32_console_init(c, NULL, -1);
    t32_console_set_input(c, console_input, sizeof console_input - 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    build_image(data, size);

    t32_machine *bare = t32_machine_new(RAM, 1);
    if (!bare)
        abort();
    quiet_console(&bare->console);
    memcpy(bare->mem, image, RAM);
    bare->cpu[0].pc = KCODE;
    vmm_stats bare_stats;
    bool differs;
    vmm_outcome bare_out = run_bare(bare, &bare_stats, &differs);

    char err[128];
    vmm *v = vmm_new(VMM_MODE_TRAP, NVMS, RAM, err, sizeof err);
    if (!v)
        abort();
    for (int i = 0; i < NVMS; i++) {
        vmm_vm *vm = v->vms[i];
        quiet_console(&vm->con);
        if (i != FUZZ_VM) {
            for (uint32_t a = 0; a < RAM; a++)
                vm->mem[a] = canary_byte(i, a);
            vm->vcpus[0].pc = KCODE;
            vmm_vm_stop(vm, &vm->vcpus[0], VMM_END_HALT);   /* never runs */
        }
    }
    vmm_vcpu canary_vcpu;     /* memcpy: the padding must compare equal too */
    memcpy(&canary_vcpu, &v->vms[0]->vcpus[0], sizeof canary_vcpu);
    vmm_vm *vm = v->vms[FUZZ_VM];
    memcpy(vm->mem, image, RAM);
    vm->vcpus[0].pc = KCODE;
    vm->limit = CYCLES;
    vmm_sched_run(v);

    check_isolation(v, &canary_vcpu);
    if (!differs)
        check_same(bare, &bare_out, &bare_stats, vm);
    t32_machine_free(bare);
    vmm_free(v);
    return 0;
}
