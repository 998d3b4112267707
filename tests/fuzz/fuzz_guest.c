/*
 * fuzz_guest.c - libFuzzer harness: the input is hostile guest code.
 *
 * The bytes after a small header are placed in guest memory and run for
 * CYCLES cycles on bare T32 (the reference) and as a VM under the VMM,
 * once per mode in modes_wanted that this VMM has (trap, bt, emulate).  In
 * the VMM the fuzzed VM takes turns of QUANTUM cycles with two canary VMs
 * that run known work.  Two properties must hold:
 *
 *  - isolation: each canary's state (registers, system registers, time,
 *    all of its RAM) is exactly what its own work gives on bare T32 after
 *    as many cycles as it ran; no canary printed anything; VMM memory not
 *    yet handed out (for shadow tables, bt's copies) is still zero; nothing
 *    reached the real machine's console or ports;
 *  - fidelity: everything the fuzzed guest can observe (outcome, registers,
 *    PSR, system registers, time, console output, memory) is the same as on
 *    bare T32 - unless the run did something ISA.md lets a VMM mode show
 *    differently, see below.
 *
 * Two things may make bare and VM differ *by design*:
 *
 *  - pushf/popf executed in (virtual) kernel mode (ISA.md,
 *    "Virtualizability"): sensitive but not privileged, so under `trap` the
 *    deprivileged guest kernel sees its real mode.  A guest *user* program's
 *    pushf/popf is faithful in every mode, and under `bt` (patched) and
 *    `emulate` (interpreted) the kernel's are too: this excuse is `trap`'s;
 *  - a store into a live page table while paging is on (ISA.md section 8):
 *    the TLB is not coherent with page-table writes, and bare T32's TLB and
 *    the VMM's shadow tables may legitimately hold different stale
 *    translations until the guest flushes.  Every mode has this excuse.
 *
 * Both are looked for only when a mode's run differs from bare (usually it
 * does not, and then there is nothing to excuse): the bare run is repeated,
 * stepped one cycle at a time (vmm_bare_run with a limit one cycle further
 * each time), and before each step the instruction the CPU would execute -
 * at pc, or at TVEC in kernel mode if the step took an interrupt first - is
 * looked at through the page tables.  Stepping changes nothing: t32_run()
 * stops at instruction boundaries and a run split anywhere behaves as one
 * run (isa/cpu.c), which the VM's own run loop relies on too.  (The look
 * goes through the tables, not the TLB; the two can only disagree after a
 * page-table store, which is an excuse already.)  If the mode's excuses did
 * not happen, the difference is a fidelity bug.
 *
 * Speed.  The machines are made once: the bare machine and, per mode, a
 * VMM with its three VMs.  Between inputs they are reset to the state they
 * were made in (rig_reset: memory, vCPUs, shadows, the mode's own state,
 * devices, statistics, the real CPU and its TLB, VMM memory).  That the
 * reset is complete is itself checked: the first input and every
 * CROSS_CHECK_EVERY-th one also run on a freshly made VMM, which must end in
 * exactly the same state.  The canaries' reference is computed once, for
 * every turn.  The bare run goes at full speed; it is only stepped (above)
 * for an input whose VM run differs.
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

#include "vmm/modes/mode.h"

#define RAM       0x10000u   /* guest RAM, bare and in each VM */
#define NPAGES    (RAM / T32_PAGE_SIZE)
#define KCODE     0x1000u    /* prologue (the entry point) */
#define HANDLER   0x2000u    /* the skipping trap handler */
#define UCODE     0x4000u    /* the fuzzed code */
#define CODE_MAX  0x4000u
#define STACK     0xd000u
#define L1_TABLE  0xe000u
#define L2_TABLE  0xf000u
#define HEADER    20u
#define CYCLES    5000u      /* every guest's instruction budget */
#define QUANTUM   250u       /* cycles per turn: 20 turns each, interleaved */
#define TURNS     (CYCLES / QUANTUM)
#define FUZZ_VM   1          /* VMs 0 and 2 are the canaries */
#define NVMS      3
#define CROSS_CHECK_EVERY 64u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char console_input[] = "fuzz\n";

static void fail(const char *mode, const char *what)
{
    if (mode)
        fprintf(stderr, "fuzz_guest: mode %s: %s\n", mode, what);
    else
        fprintf(stderr, "fuzz_guest: %s\n", what);
    abort();
}

/* ---- writing guest code ---------------------------------------------------------- */

static void put32(uint8_t *mem, uint32_t addr, uint32_t w)
{
    mem[addr] = (uint8_t)w;
    mem[addr + 1] = (uint8_t)(w >> 8);
    mem[addr + 2] = (uint8_t)(w >> 16);
    mem[addr + 3] = (uint8_t)(w >> 24);
}

static uint32_t emit(uint8_t *mem, uint32_t pc, uint32_t insn)
{
    put32(mem, pc, insn);
    return pc + 4;
}

static uint32_t emit_li(uint8_t *mem, uint32_t pc, unsigned rd, uint32_t v)
{
    pc = emit(mem, pc, T32_ENC_I(T32_OP_LUI, rd, 0, v >> 16));
    return emit(mem, pc, T32_ENC_I(T32_OP_ORI, rd, rd, v & 0xffffu));
}

static uint32_t emit_mtsr(uint8_t *mem, uint32_t pc, unsigned sr, uint32_t v)
{
    pc = emit_li(mem, pc, 1, v);
    return emit(mem, pc, T32_ENC_I(T32_OP_MTSR, 1, 0, sr));
}

/* ---- the fuzzed guest's image ------------------------------------------------------ */

static uint8_t image[RAM];

static void build_image(const uint8_t *data, size_t size)
{
    uint8_t h[HEADER] = { 0 };
    memcpy(h, data, size < HEADER ? size : HEADER);
    memset(image, 0, sizeof image);
    if (size > HEADER)
        memcpy(image + UCODE, data + HEADER, size - HEADER < CODE_MAX ? size - HEADER : CODE_MAX);

    /* The skipping handler: resume after whatever trapped (or after the
     * instruction an interrupt came before), so runs go on past faults. */
    put32(image, HANDLER, T32_ENC_I(T32_OP_MFSR, 13, 0, T32_SR_EPC));
    put32(image, HANDLER + 4, T32_ENC_I(T32_OP_ADDI, 13, 13, 4));
    put32(image, HANDLER + 8, T32_ENC_I(T32_OP_MTSR, 13, 0, T32_SR_EPC));
    put32(image, HANDLER + 12, T32_ENC_R(T32_OP_RFE, 0, 0, 0));

    bool paging = h[0] & 1, user = h[0] & 2, extra_l1 = h[0] & 0x80;
    static const uint32_t tvecs[4] = { 0, HANDLER, 0, HANDLER };
    uint32_t tvec = (h[0] >> 2 & 3) == 2 ? UCODE + 4u * h[2] : tvecs[h[0] >> 2 & 3];

    put32(image, L1_TABLE, L2_TABLE | T32_PTE_V);
    if (extra_l1) {
        put32(image, L1_TABLE + 4 * 1023, L2_TABLE | T32_PTE_V);
        put32(image, L1_TABLE + 4 * 2, (RAM + T32_PAGE_SIZE) | T32_PTE_V);
    }
    for (uint32_t i = 0; i < NPAGES; i++) {
        uint8_t b = h[4 + i];
        uint32_t frame = b & 0x80 ? (i + h[3]) & 0x1f : i;
        uint32_t bits = b & 0x7f;
        if (i == KCODE / T32_PAGE_SIZE || i == HANDLER / T32_PAGE_SIZE) {
            frame = i;
            bits = T32_PTE_V | T32_PTE_R | T32_PTE_X;
        }
        put32(image, L2_TABLE + 4 * i, frame << T32_PAGE_SHIFT | bits);
    }

    uint32_t pc = KCODE;
    pc = emit_li(image, pc, T32_REG_SP, STACK);
    pc = emit_mtsr(image, pc, T32_SR_TVEC, tvec);
    if (h[0] & 0x10)
        pc = emit_mtsr(image, pc, T32_SR_TIMER, 1u + 8u * h[1]);
    pc = emit_mtsr(image, pc, T32_SR_EPC, UCODE);
    pc = emit_mtsr(image, pc, T32_SR_EPSR, (user ? 0 : T32_PSR_K) | (h[0] & 0x20 ? T32_PSR_IE : 0));
    if (paging)
        pc = emit_mtsr(image, pc, T32_SR_PTBR, L1_TABLE | T32_PTBR_E);
    pc = emit(image, pc, T32_ENC_I(T32_OP_ADDI, 1, 0, 0));
    emit(image, pc, T32_ENC_R(T32_OP_RFE, 0, 0, 0));
}

/* ---- what a guest can see of its CPU ------------------------------------------------ */

/* The architectural state of one CPU and its time: bare T32's CPU 0, or a
 * VM's vCPU 0 (whose K and IE are virtual).  IPEND and CYCLES are computed
 * when read, and CPUID is the same everywhere, so they are not kept. */
typedef struct cpu_state {
    uint32_t r[T32_NREGS];
    uint32_t pc, psr;
    uint32_t sr[T32_SR_TIMER + 1];
    uint64_t cycles, insns;
} cpu_state;

static cpu_state bare_state(const t32_machine *m)
{
    const t32_cpu *cpu = &m->cpu[0];
    cpu_state s = { .pc = cpu->pc, .psr = cpu->psr, .cycles = cpu->cycles,
                    .insns = cpu->retired };
    memcpy(s.r, cpu->r, sizeof s.r);
    memcpy(s.sr, cpu->sr, sizeof s.sr);
    return s;
}

static cpu_state vm_state(const vmm_vm *vm)
{
    const vmm_vcpu *vc = &vm->vcpus[0];
    cpu_state s = { .pc = vc->pc, .psr = vc->vpsr, .cycles = vc->vcycles,
                    .insns = vm->stats.guest_insns };
    memcpy(s.r, vc->r, sizeof s.r);
    memcpy(s.sr, vc->vsr, sizeof s.sr);
    return s;
}

/* The first thing that differs, or NULL. */
static const char *state_diff(const cpu_state *a, const cpu_state *b)
{
    if (memcmp(a->r, b->r, sizeof a->r) != 0)
        return "registers differ";
    if (a->pc != b->pc || a->psr != b->psr)
        return "pc or PSR differs";
    if (memcmp(a->sr, b->sr, sizeof a->sr) != 0)
        return "a system register differs";
    if (a->cycles != b->cycles || a->insns != b->insns)
        return "time differs";
    return NULL;
}

/* ---- bare T32 ------------------------------------------------------------------------ */

static void quiet_console(t32_console *c)
{
    t32_console_free(c);
    t32_console_init(c, NULL, -1);
    t32_console_set_input(c, console_input, sizeof console_input - 1);
}

/*
 * A bare machine and the state it was made in, to reset it to.  Like the
 * VMMs below, it is reset before a run and released after it - whatever a
 * run allocates (console buffers) is freed within the same input, so that
 * libFuzzer's per-input leak check sees a balance and stays quiet unless
 * something really leaks.
 */
typedef struct bare_rig {
    t32_machine *m;
    t32_machine  pristine;   /* as made, devices released */
} bare_rig;

static void bare_release(bare_rig *b)
{
    t32_console_free(&b->m->console);
    t32_disk_free(&b->m->disk);
}

static void bare_init(bare_rig *b)
{
    b->m = t32_machine_new(RAM, 1);
    if (!b->m)
        fail(NULL, "out of memory");
    bare_release(b);
    memcpy(&b->pristine, b->m, sizeof b->pristine);
}

/* Power-on state with `mem` loaded, entry KCODE, console input waiting. */
static void bare_reset(bare_rig *b, const uint8_t *mem)
{
    t32_machine *m = b->m;
    memcpy(m, &b->pristine, sizeof *m);
    quiet_console(&m->console);
    memcpy(m->mem, mem, RAM);
    m->cpu[0].pc = KCODE;
}

/* ---- the excuses, looked for on a stepped bare run ------------------------------------ */

enum {
    EXCUSE_KERNEL_PSR = 1,   /* pushf/popf ran in kernel mode */
    EXCUSE_PT_STORE   = 2    /* a store into a live page table, paging on */
};

typedef struct watch {
    unsigned seen;          /* EXCUSE_* bits */
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
 * on, a store that could change the L1 table is an excuse anyway. */
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

/* The excuses the instruction at `va` would give if the CPU executed it
 * now, in kernel mode or not. */
static unsigned excuse_at(const t32_cpu *cpu, uint32_t va, bool kernel, watch *w)
{
    uint32_t pa, insn;
    if (t32_translate(cpu, va, T32_FETCH, kernel, &pa) != T32_CAUSE_NONE ||
        !read_word(cpu->m, pa, &insn))
        return 0;
    unsigned op = T32_OPC(insn);
    if (op == T32_OP_PUSHF || op == T32_OP_POPF)
        return kernel ? EXCUSE_KERNEL_PSR : 0;
    if (!(cpu->sr[T32_SR_PTBR] & T32_PTBR_E))
        return 0;
    uint32_t target;
    if (op == T32_OP_PUSH)
        target = cpu->r[T32_REG_SP] - 4;
    else if (op == T32_OP_STW || op == T32_OP_STH || op == T32_OP_STB)
        target = cpu->r[T32_FB(insn)] + T32_SIMM16(insn);
    else
        return 0;
    table_frames(cpu, w);
    if (t32_translate(cpu, target, T32_STORE, kernel, &pa) == T32_CAUSE_NONE && pa < RAM &&
        (w->tables >> (pa / T32_PAGE_SIZE) & 1))
        return EXCUSE_PT_STORE;
    return 0;
}

/* Run the fuzzed image bare again, one cycle at a time, until one of the
 * `wanted` excuses happens or the run ends; return the excuses seen.  A
 * step that takes an interrupt runs the handler's first instruction (taking
 * it costs no cycle), so both candidates are looked at before the step and
 * the one that ran is kept. */
static unsigned watch_run(bare_rig *b, unsigned wanted)
{
    bare_reset(b, image);
    t32_cpu *cpu = &b->m->cpu[0];
    watch w = { 0 };
    vmm_stats st;
    vmm_outcome out;
    do {
        if (!(cpu->sr[T32_SR_PTBR] & T32_PTBR_E))
            w.tables_ptbr = 0;     /* tables may change freely meanwhile */
        unsigned at_pc = excuse_at(cpu, cpu->pc, cpu->psr & T32_PSR_K, &w);
        unsigned at_tvec = excuse_at(cpu, cpu->sr[T32_SR_TVEC], true, &w);
        uint64_t irqs = cpu->irqs_taken;
        out = vmm_bare_run(b->m, cpu->cycles + 1, &st);
        w.seen |= cpu->irqs_taken != irqs ? at_tvec : at_pc;
    } while (!(w.seen & wanted) && out.end == VMM_END_LIMIT && cpu->cycles < CYCLES);
    bare_release(b);
    return w.seen;
}

/* ---- VMM memory ---------------------------------------------------------------------- */

/*
 * VMM memory.  vmm_new gives the VMM VMM_MEM_PER_VM bytes of its own per VM,
 * megabytes that check_isolation would read through after every run.  The
 * harness gives it OWN_PER_VM instead, as if the machine had been built with
 * less RAM: the VMM's frames end lower and so does the real machine's RAM
 * (an access above is a bus error, not a write into the rest of the buffer).
 * Shadow tables are only a cache - the VMM drops them to make room when its
 * frames run out - so a guest cannot tell; it only makes that path common.
 * bt's copies need at most one frame per page of RAM: 16 per VM.
 */
#define OWN_PER_VM (256u << 10)

static void vmm_shrink(vmm *v)
{
    uint32_t own = (uint32_t)v->nvms * OWN_PER_VM;
    if (v->vmm_next != v->vmm_base || v->vmm_limit - v->vmm_base < own)
        fail(NULL, "cannot shrink VMM memory");
    v->vmm_limit = v->vmm_base + own;
    v->m->memsize = v->vmm_limit;
}

/* ---- the canaries ------------------------------------------------------------------------ */

/*
 * Two small guests with known work, one on each side of the fuzzed VM, so
 * that every turn of the fuzzed guest is entered from a running canary and
 * left for one: whatever it leaves behind on the real CPU (registers, TLB
 * entries, the real PTBR, shadow state) the next canary would notice.
 *
 *   VM 0 - a kernel with paging off that counts and sleeps: it adds 1 to a
 *          counter in its RAM, re-arms its timer and waits for it (wfi), so
 *          most of its time is idle; every iteration exits twice (mtsr, wfi).
 *   VM 2 - a user program under paging and a timer: it counts in a data page
 *          at a virtual address other than its physical one, while timer
 *          interrupts enter its kernel, which counts the ticks.
 *
 * The rest of each canary's RAM is a byte pattern that nothing may change.
 * What a canary must look like after k turns is computed once per mode, on
 * bare T32, by running it alone for as many cycles (canary_refs_make).
 */
#define CANARY_DATA   0x8000u    /* VM 0's counter; VM 2's data page (physical) */
#define CANARY_UCODE  0x3000u    /* VM 2's user code (physical) */
#define CANARY_UVA    0x7000u    /* ... at this virtual address */
#define CANARY_DVA    0x9000u    /* ... and its data page here */
#define CANARY0_SLEEP 61u        /* VM 0's timer interval */
#define CANARY2_TICK  97u        /* VM 2's timer interval */

static uint8_t canary_image[NVMS][RAM];

typedef struct canary_ref {
    cpu_state cpu;
    uint8_t   mem[RAM];
} canary_ref;

static void canary_pattern(int vm, uint8_t *mem)
{
    for (uint32_t i = 0; i < RAM; i++)
        mem[i] = (uint8_t)(i * 131u + (uint32_t)vm * 7u + 0x5a);
}

static void build_counter_kernel(uint8_t *mem)
{
    uint32_t pc = emit_li(mem, KCODE, 3, CANARY0_SLEEP);
    pc = emit_li(mem, pc, 2, CANARY_DATA);
    uint32_t loop = pc;
    pc = emit(mem, pc, T32_ENC_I(T32_OP_ADDI, 1, 1, 1));
    pc = emit(mem, pc, T32_ENC_I(T32_OP_STW, 1, 2, 0));
    pc = emit(mem, pc, T32_ENC_I(T32_OP_MTSR, 3, 0, T32_SR_TIMER));
    pc = emit(mem, pc, T32_ENC_R(T32_OP_WFI, 0, 0, 0));
    emit(mem, pc, T32_ENC_J(T32_OP_B, ((int32_t)loop - (int32_t)pc) / 4));
}

static void build_paged_counter(uint8_t *mem)
{
    static const uint32_t kernel_rx = T32_PTE_V | T32_PTE_R | T32_PTE_X;
    static const uint32_t user = T32_PTE_V | T32_PTE_R | T32_PTE_U;
    put32(mem, L1_TABLE, L2_TABLE | T32_PTE_V);
    for (uint32_t i = 1; i < 1024; i++)
        put32(mem, L1_TABLE + 4 * i, 0);
    for (uint32_t i = 0; i < 1024; i++)
        put32(mem, L2_TABLE + 4 * i, 0);
    put32(mem, L2_TABLE + 4 * (KCODE >> 12), KCODE | kernel_rx);
    put32(mem, L2_TABLE + 4 * (HANDLER >> 12), HANDLER | kernel_rx);
    put32(mem, L2_TABLE + 4 * (CANARY_UVA >> 12), CANARY_UCODE | user | T32_PTE_X);
    put32(mem, L2_TABLE + 4 * (CANARY_DVA >> 12), CANARY_DATA | user | T32_PTE_W);

    uint32_t pc = emit_mtsr(mem, KCODE, T32_SR_TVEC, HANDLER);
    pc = emit_mtsr(mem, pc, T32_SR_TIMER, CANARY2_TICK);
    pc = emit_mtsr(mem, pc, T32_SR_EPC, CANARY_UVA);
    pc = emit_mtsr(mem, pc, T32_SR_EPSR, T32_PSR_IE);
    pc = emit_mtsr(mem, pc, T32_SR_PTBR, L1_TABLE | T32_PTBR_E);
    pc = emit_li(mem, pc, 2, CANARY_DVA);
    pc = emit_li(mem, pc, 1, 0);
    emit(mem, pc, T32_ENC_R(T32_OP_RFE, 0, 0, 0));

    pc = emit(mem, HANDLER, T32_ENC_I(T32_OP_ADDI, 3, 3, 1));
    pc = emit(mem, pc, T32_ENC_I(T32_OP_STW, 3, 2, 4));
    emit(mem, pc, T32_ENC_R(T32_OP_RFE, 0, 0, 0));

    pc = emit(mem, CANARY_UCODE, T32_ENC_I(T32_OP_ADDI, 1, 1, 1));
    pc = emit(mem, pc, T32_ENC_I(T32_OP_STW, 1, 2, 0));
    emit(mem, pc, T32_ENC_J(T32_OP_B, -2));
}

static void canaries_build(void)
{
    for (int vm = 0; vm < NVMS; vm += 2) {
        canary_pattern(vm, canary_image[vm]);
        (vm == 0 ? build_counter_kernel : build_paged_counter)(canary_image[vm]);
    }
}

/*
 * What canary VM `vm` must look like after each of its turns in `mode`.
 * A turn is QUANTUM cycles, except that a wfi idling across the turn's end
 * is not cut (run/emulate.c), so how many cycles k turns are is learnt from
 * the canary run alone in a VMM of its own; the state after that many
 * cycles is then taken from the canary run alone on bare T32.
 */
static canary_ref *canary_refs_make(vmm_mode mode, int vm, bare_rig *b)
{
    char err[128];
    vmm *solo = vmm_new(mode, 1, RAM, err, sizeof err);
    canary_ref *refs = calloc(TURNS + 1, sizeof *refs);
    if (!solo || !refs)
        fail(NULL, "out of memory");
    solo->quantum = QUANTUM;
    vmm_shrink(solo);
    memcpy(solo->vms[0]->mem, canary_image[vm], RAM);
    solo->vms[0]->vcpus[0].pc = KCODE;
    solo->vms[0]->limit = CYCLES;
    bare_reset(b, canary_image[vm]);
    for (uint32_t k = 0; k <= TURNS; k++) {
        vmm_stats st;
        uint64_t cycles = solo->vms[0]->vcpus[0].vcycles;
        if (k > 0 && (vmm_bare_run(b->m, cycles, &st).end != VMM_END_LIMIT ||
                      b->m->cpu[0].cycles != cycles))
            fail(NULL, "a canary stopped on bare T32");
        refs[k].cpu = bare_state(b->m);
        memcpy(refs[k].mem, b->m->mem, RAM);
        vmm_sched_round(solo);
    }
    bare_release(b);
    vmm_free(solo);
    /* The work must show, or comparing with it would prove little. */
    uint32_t count;
    memcpy(&count, refs[TURNS].mem + CANARY_DATA + (vm == 0 ? 0 : 4), 4);
    if (count < CYCLES / (vm == 0 ? CANARY0_SLEEP + 5 : CANARY2_TICK) - 1)
        fail(NULL, "a canary does not do its work on bare T32");
    return refs;
}

/* ---- one VMM per mode, made once, reset between inputs --------------------------------- */

/* The modes under test, and what each may show differently (see the top).
 * A mode not built into this VMM is skipped.  (pv is not here: a
 * paravirtual guest is built for it, and its hcall is ILLEGAL on bare T32.) */
static const struct {
    const char *name;
    unsigned    excused;
} modes_wanted[] = {
    { "trap",    EXCUSE_KERNEL_PSR | EXCUSE_PT_STORE },
    { "bt",      EXCUSE_PT_STORE },
    { "emulate", EXCUSE_PT_STORE },
};
#define NMODES_WANTED (sizeof modes_wanted / sizeof modes_wanted[0])

typedef struct rig {
    const char *name;
    vmm_mode    mode;
    unsigned    excused;
    vmm        *v;
    /* Byte copies of everything as it was made, to reset to. */
    vmm         pristine;
    t32_machine pristine_m;
    vmm_vm      pristine_vm[NVMS];
    canary_ref *canary_refs[NVMS];   /* [vm][turns done], 0..TURNS */
    uint32_t    turns;       /* of the last run */
} rig;

static rig rigs[NMODES_WANTED];
static int nrigs;

/*
 * A rig is reset before each run and released after it, so that what a run
 * allocates is freed within the same input (see bare_rig).  Released: each
 * VM's mode has let go of its own state (leave), its shadow tables have given
 * their frames back (which also checks that no frame is held twice), its
 * devices and buffers are freed - as vm_free (vm.c) does.
 */
static void rig_release(rig *g)
{
    vmm *v = g->v;
    for (int i = 0; i < NVMS; i++) {
        vmm_vm *vm = v->vms[i];
        if (vm->mode->leave)
            vm->mode->leave(vm);
        vm->mode_state = NULL;
        shadow_destroy(vm);
        t32_console_free(&vm->con);
        t32_disk_free(&vm->disk);
    }
    t32_console_free(&v->m->console);
    t32_disk_free(&v->m->disk);
}

/* Make the rig, and keep a copy of every byte of it, released. */
static void rig_init(rig *g, vmm_mode mode, const char *name, unsigned excused,
                     bare_rig *reference)
{
    char err[128];
    g->name = name;
    g->mode = mode;
    g->excused = excused;
    g->v = vmm_new(mode, NVMS, RAM, err, sizeof err);
    if (!g->v)
        fail(name, err);
    vmm *v = g->v;
    v->quantum = QUANTUM;
    vmm_shrink(v);
    for (int i = 0; reference && i < NVMS; i += 2)
        g->canary_refs[i] = canary_refs_make(mode, i, reference);
    for (int i = 0; i < NVMS; i++) {
        v->vms[i]->vcpus[0].pc = KCODE;
        v->vms[i]->limit = CYCLES;
    }
    rig_release(g);
    /* The real console collects (nothing, it is checked). */
    t32_console_init(&v->m->console, NULL, -1);
    for (int i = 0; i < NVMS; i++)
        memcpy(&g->pristine_vm[i], v->vms[i], sizeof g->pristine_vm[i]);
    memcpy(&g->pristine, v, sizeof g->pristine);
    memcpy(&g->pristine_m, v->m, sizeof g->pristine_m);
}

/*
 * From released back to the state rig_init made, as vm_new would: every
 * byte of the VMs, the VMM and the machine structures is restored - vCPUs,
 * statistics, outcome, shadow bookkeeping, the frame allocator, the real
 * CPU with its TLB - VMM memory that was handed out is zeroed, consoles are
 * set up, RAM is loaded afresh and each mode starts (enter).  The
 * cross-check (below) would find anything this misses.
 */
static void rig_reset(rig *g)
{
    vmm *v = g->v;
    memset(v->m->mem + v->vmm_base, 0, v->vmm_next - v->vmm_base);
    memcpy(v->m, &g->pristine_m, sizeof *v->m);
    memcpy(v, &g->pristine, sizeof *v);
    for (int i = 0; i < NVMS; i++) {
        vmm_vm *vm = v->vms[i];
        memcpy(vm, &g->pristine_vm[i], sizeof *vm);
        quiet_console(&vm->con);
        memcpy(vm->mem, i == FUZZ_VM ? image : canary_image[i], RAM);
        if (vm->mode->enter && !vm->mode->enter(vm))
            fail(g->name, "out of memory");
    }
}

/* Run the fuzzed VM to its end, the canaries taking turns with it. */
static void rig_run(rig *g)
{
    rig_reset(g);
    vmm *v = g->v;
    bool any_running = true;
    for (g->turns = 0; any_running && v->vms[FUZZ_VM]->outcome.end == VMM_RUNNING; g->turns++)
        any_running = vmm_sched_round(v);
}

/* ---- checks ----------------------------------------------------------------------------- */

static void check_canary(const rig *g, int i)
{
    const vmm_vm *vm = g->v->vms[i];
    if (g->turns > TURNS)             /* each turn is at least QUANTUM cycles */
        fail(g->name, "the fuzzed VM had more turns than its cycles allow");
    const canary_ref *ref = &g->canary_refs[i][g->turns];
    cpu_state now = vm_state(vm);
    const char *diff = state_diff(&now, &ref->cpu);
    if (diff) {
        fprintf(stderr, "fuzz_guest: canary VM %d after %u turns: %s\n", i, g->turns, diff);
        fail(g->name, "a canary's CPU is not what its own work gives");
    }
    if (memcmp(vm->mem, ref->mem, RAM) != 0)
        fail(g->name, "a canary's memory is not what its own work gives");
    if (vm->con.outlen != 0)
        fail(g->name, "a canary's console printed");
}

/* Whether `n` bytes (a multiple of 64, 8-aligned) are all zero.  Megabytes
 * of them, every input: a plain scan, without AddressSanitizer's check of
 * every byte's shadow that its memcmp interceptor would add. */
__attribute__((no_sanitize("address", "undefined", "coverage")))
static bool all_zero(const uint8_t *p, size_t n)
{
    const uint64_t *w = (const uint64_t *)p;
    uint64_t any = 0;
    for (size_t i = 0; i < n / 8; i += 8)
        any |= w[i] | w[i + 1] | w[i + 2] | w[i + 3] | w[i + 4] | w[i + 5] | w[i + 6] | w[i + 7];
    return any == 0;
}

static void check_isolation(const rig *g)
{
    const vmm *v = g->v;
    for (int i = 0; i < NVMS; i++)
        if (i != FUZZ_VM)
            check_canary(g, i);
    if (!all_zero(v->m->mem + v->vmm_next, v->vmm_limit - v->vmm_next))
        fail(g->name, "unused VMM memory changed");
    if (v->m->console.outlen != 0 || v->m->bad_port_accesses != 0)
        fail(g->name, "a guest reached the real machine's devices");
}

/* What differs between the bare run and the fuzzed VM, or NULL. */
static const char *fidelity_diff(const t32_machine *bare, const vmm_outcome *bo,
                                 const vmm_vm *vm)
{
    if (bo->end != vm->outcome.end || bo->pc != vm->outcome.pc || bo->cycles != vm->outcome.cycles)
        return "outcome differs";
    if (bo->end == VMM_END_ESCAPE && bo->trap.cause != vm->outcome.trap.cause)
        return "escaping trap differs";
    cpu_state b = bare_state(bare), g = vm_state(vm);
    const char *diff = state_diff(&b, &g);
    if (diff)
        return diff;
    if (bare->console.outlen != vm->con.outlen ||
        (vm->con.outlen && memcmp(bare->console.outbuf, vm->con.outbuf, vm->con.outlen)))
        return "console output differs";
    if (memcmp(bare->mem, vm->mem, RAM) != 0)
        return "guest memory differs";
    return NULL;
}

/*
 * The reset is complete: the same input on a freshly made VMM ends in the
 * same state - every VM's vCPUs, statistics, outcome and console, all host
 * memory (the VMs' RAM and the shadow tables in VMM memory), the frame
 * allocator and the real CPU.
 */
static void cross_check(const rig *g)
{
    rig fresh;
    rig_init(&fresh, g->mode, g->name, g->excused, NULL);
    rig_run(&fresh);             /* left unreleased: vmm_free releases it */
    const vmm *a = g->v, *b = fresh.v;
    bool same = g->turns == fresh.turns && a->vmm_next == b->vmm_next && a->nfree == b->nfree &&
                a->m->memsize == b->m->memsize &&
                memcmp(a->m->mem, b->m->mem, a->m->memsize) == 0;
    for (int i = 0; same && i < NVMS; i++) {
        const vmm_vm *x = a->vms[i], *y = b->vms[i];
        vmm_vcpu vc;
        memcpy(&vc, &y->vcpus[0], sizeof vc);
        vc.vm = x->vcpus[0].vm;
        same = memcmp(&vc, &x->vcpus[0], sizeof vc) == 0 &&
               memcmp(&x->stats, &y->stats, sizeof x->stats) == 0 &&
               x->outcome.end == y->outcome.end && x->outcome.pc == y->outcome.pc &&
               x->outcome.cycles == y->outcome.cycles && x->con.outlen == y->con.outlen &&
               (x->con.outlen == 0 || memcmp(x->con.outbuf, y->con.outbuf, x->con.outlen) == 0);
    }
    const t32_cpu *ca = &a->m->cpu[0], *cb = &b->m->cpu[0];
    same = same && memcmp(ca->r, cb->r, sizeof ca->r) == 0 && ca->pc == cb->pc &&
           ca->psr == cb->psr && memcmp(ca->sr, cb->sr, sizeof ca->sr) == 0 &&
           ca->cycles == cb->cycles;
    vmm_free(fresh.v);
    if (!same)
        fail(g->name, "a reset VMM ran differently from a freshly made one");
}

/* ---- the harness ---------------------------------------------------------------------------- */

static bare_rig bare, stepped;
static unsigned long inputs;

static void setup(void)
{
    bare_init(&bare);
    bare_init(&stepped);
    canaries_build();
    for (size_t i = 0; i < NMODES_WANTED; i++) {
        int id = mode_lookup(modes_wanted[i].name);
        if (id >= 0 && mode_get((vmm_mode)id))
            rig_init(&rigs[nrigs++], (vmm_mode)id, modes_wanted[i].name,
                     modes_wanted[i].excused, &bare);
    }
    if (nrigs == 0)
        fail(NULL, "no mode to test");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (inputs++ == 0)
        setup();
    build_image(data, size);

    bare_reset(&bare, image);
    vmm_stats bare_stats;
    vmm_outcome bare_out = vmm_bare_run(bare.m, CYCLES, &bare_stats);

    for (int i = 0; i < nrigs; i++) {
        rig *g = &rigs[i];
        rig_run(g);
        check_isolation(g);
        const char *diff = fidelity_diff(bare.m, &bare_out, g->v->vms[FUZZ_VM]);
        if (diff && !(watch_run(&stepped, g->excused) & g->excused)) {
            fprintf(stderr, "fuzz_guest: mode %s: %s, and no difference ISA.md allows ran\n",
                    g->name, diff);
            fail(g->name, "the guest ran differently from bare T32");
        }
        if (inputs % CROSS_CHECK_EVERY == 1)
            cross_check(g);
        rig_release(g);
    }
    bare_release(&bare);
    return 0;
}
