/*
 * gen.c - the random program generator (gen.h says what a program does).
 *
 * The generator is a tiny assembler writing words into a 64 KiB picture of
 * the guest's low memory, block by block.  A block is a short piece of code
 * with one shape - straight-line ALU work, a load or store, stack traffic,
 * a forward branch around some code, a bounded loop, a trap on purpose, a
 * sensitive kernel idiom, a trip to user mode - and blocks only ever jump
 * forward, except a loop back to its own head.  That is what makes every
 * program end, however the random choices fall.
 *
 * Registers: the random code writes r1..r9 only.  r10 counts loops, r11 is
 * the base of the next memory access, r12 and r13 belong to the trap
 * handler (which saves r1, r2 and sp and restores them), r14 is sp, r15 lr.
 * The code may *read* any register: what it reads is still the same on
 * bare T32 and under the VMM, which is all that matters.
 */
#include <string.h>

#include "t32.h"
#include "tests/fidelity/gen.h"

/* ---- the layout (gen.h has the picture) ----------------------------------------------- */

enum {
    KENTRY = 0x1000, FINISH = 0x1800, HANDLER = 0x2000,
    KBODY = 0x3000, KBODY_END = 0x6000,
    UCODE = 0x6000, UEXIT = 0x7ff8,
    KDATA = 0x8000, UDATA = 0x9000, L1 = 0xa000, L2 = 0xb000,
    KSTACK_TOP = 0xd000, USTACK = 0xe000, USTACK_TOP = 0xf000,
    UNMAPPED = 0xf000,          /* no mapping (paging on) */
    FAR = 0x10000,              /* mapped to a frame outside RAM (paging on) */
    BEYOND = 0x40000,           /* outside RAM and unmapped */
    FAR_FRAME = 0x400000,
    IMAGE_END = 0x10000
};

/* Offsets in the kernel data page (the handler addresses them from r13). */
enum {
    D_COUNTS = 0x000,           /* one word per cause */
    D_TOTAL = 0x080,            /* traps taken */
    D_SAVE_R1 = 0x084, D_SAVE_R2 = 0x088, D_SAVE_SP = 0x08c,
    D_CONT = 0x090,             /* where the user's exit syscall returns */
    D_CONTPSR = 0x094,          /* and with which PSR */
    D_RING = 0x100,             /* the last 64 (cause, epc) pairs */
    D_SCRATCH = 0x400,          /* random kernel loads and stores */
    D_HSTACK_TOP = 0xc00        /* the handler's own stack */
};

#define BLOCK_MAX 48            /* instructions a block may take, at most */

typedef struct gen {
    uint8_t   mem[IMAGE_END];   /* physical 0 .. IMAGE_END as the image holds it */
    uint32_t  pc, end;          /* where the next word goes; the region's end */
    uint32_t  rng;
    bool      kernel;           /* writing kernel code (else user code) */
    bool      paging;
    unsigned  excursions;       /* trips to user mode so far */
    uint32_t  ucode;            /* next free user code address */
    bool      overflow;         /* a word did not fit (a generator bug) */
    gen_info *info;
} gen;

/* xorshift32: the same seed, the same program. */
static uint32_t rnd(gen *g)
{
    g->rng ^= g->rng << 13;
    g->rng ^= g->rng >> 17;
    g->rng ^= g->rng << 5;
    return g->rng;
}

static uint32_t below(gen *g, uint32_t n) { return rnd(g) % n; }
static bool chance(gen *g, unsigned percent) { return below(g, 100) < percent; }
static unsigned dest(gen *g) { return 1 + below(g, 9); }      /* r1..r9 */
static unsigned src(gen *g) { return below(g, 16); }

static void put32(gen *g, uint32_t addr, uint32_t w)
{
    g->mem[addr] = (uint8_t)w;
    g->mem[addr + 1] = (uint8_t)(w >> 8);
    g->mem[addr + 2] = (uint8_t)(w >> 16);
    g->mem[addr + 3] = (uint8_t)(w >> 24);
}

static void emit(gen *g, uint32_t w)
{
    if (g->pc + 4 > g->end) {
        g->overflow = true;      /* blocks check their room first */
        return;
    }
    put32(g, g->pc, w);
    g->pc += 4;
    if (T32_OPC(w) == T32_OP_PUSHF || T32_OPC(w) == T32_OP_POPF)
        g->info->sensitive += g->kernel;
}

static void op0(gen *g, unsigned op) { emit(g, T32_ENC_R(op, 0, 0, 0)); }
static void opi(gen *g, unsigned op, unsigned a, unsigned b, uint32_t imm)
{
    emit(g, T32_ENC_I(op, a, b, imm));
}
static void li(gen *g, unsigned rd, uint32_t v)
{
    opi(g, T32_OP_LUI, rd, 0, v >> 16);
    opi(g, T32_OP_ORI, rd, rd, v & 0xffffu);
}
static void mtsr(gen *g, unsigned sr, unsigned rs) { opi(g, T32_OP_MTSR, rs, 0, sr); }
static void mfsr(gen *g, unsigned rd, unsigned sr) { opi(g, T32_OP_MFSR, rd, 0, sr); }

/* A branch at `at` to `target` (J or BZ format, by opcode). */
static void patch_branch(gen *g, uint32_t at, unsigned op, unsigned reg, uint32_t target)
{
    int32_t off = ((int32_t)target - (int32_t)at) / 4;
    if (t32_ops[op].format == T32_FMT_BZ)
        put32(g, at, T32_ENC_I(op, reg, 0, (uint32_t)off));
    else
        put32(g, at, T32_ENC_J(op, (uint32_t)off));
}

static void branch_to(gen *g, unsigned op, unsigned reg, uint32_t target)
{
    uint32_t at = g->pc;
    emit(g, 0);
    patch_branch(g, at, op, reg, target);
}

/* ---- innocuous instructions --------------------------------------------------------- */

/* An ALU instruction (or cmp/tst) with random operands.  Division by a
 * register that may be zero is how DIVZERO happens. */
static void alu(gen *g)
{
    static unsigned ops[256], nops;
    if (nops == 0)
        for (unsigned op = 0; op < 256; op++) {
            t32_format f = t32_ops[op].format;
            if (t32_ops[op].mnemonic && (f == T32_FMT_R || f == T32_FMT_I || f == T32_FMT_IU ||
                f == T32_FMT_SH || f == T32_FMT_LUI || f == T32_FMT_CMP || f == T32_FMT_CMPI))
                ops[nops++] = op;
        }
    unsigned op = ops[below(g, nops)];
    uint32_t imm = chance(g, 70) ? below(g, 64) - 32 : rnd(g);
    if (t32_ops[op].format == T32_FMT_R || t32_ops[op].format == T32_FMT_CMP)
        emit(g, T32_ENC_R(op, dest(g), src(g), src(g)));
    else
        opi(g, op, dest(g), src(g), imm);
}

static void alu_run(gen *g, unsigned n)
{
    while (n-- > 0)
        alu(g);
}

/* A base address for a load or store: mostly memory the mode may use,
 * sometimes memory it may not, an unmapped page, or no RAM at all. */
static uint32_t mem_base(gen *g)
{
    static const uint32_t kernel[] = {
        KDATA + D_SCRATCH, KDATA + D_SCRATCH + 0x400, UDATA, UDATA + 0x800,
        KSTACK_TOP - 0x200, USTACK + 0x800, UNMAPPED + 0x100, FAR + 0x40, BEYOND };
    static const uint32_t user[] = {
        UDATA, UDATA + 0x400, UDATA + 0xc00, USTACK + 0x800, USTACK_TOP - 0x40,
        KDATA + D_SCRATCH + 0x200, UNMAPPED + 0x100, FAR + 0x40, BEYOND };
    unsigned i = below(g, 9);
    if (chance(g, 60))
        i = below(g, 4);          /* mostly the usual places */
    return g->kernel ? kernel[i] : user[i];
}

/* A load or store, aligned for its size or (sometimes) not. */
static void memop(gen *g)
{
    static const unsigned loads[] = { T32_OP_LDW, T32_OP_LDH, T32_OP_LDHU, T32_OP_LDB, T32_OP_LDBU };
    static const unsigned stores[] = { T32_OP_STW, T32_OP_STH, T32_OP_STB };
    static const unsigned size[256] = {
        [T32_OP_LDW] = 4, [T32_OP_LDH] = 2, [T32_OP_LDHU] = 2, [T32_OP_LDB] = 1,
        [T32_OP_LDBU] = 1, [T32_OP_STW] = 4, [T32_OP_STH] = 2, [T32_OP_STB] = 1 };
    bool store = chance(g, 45);
    unsigned op = store ? stores[below(g, 3)] : loads[below(g, 5)];
    int32_t off = (int32_t)below(g, 64) - 32;
    off -= off % (int32_t)size[op];
    if (chance(g, 8))
        off += 1 + (int32_t)below(g, 3);          /* MISALIGNED, for words and halves */
    li(g, 11, mem_base(g));
    opi(g, op, store ? src(g) : dest(g), 11, (uint32_t)off);
}

/* push and pop: sp may wander, and a push off the stack page faults. */
static void stack_traffic(gen *g)
{
    for (unsigned n = 1 + below(g, 4); n > 0; n--) {
        if (chance(g, 50))
            emit(g, T32_ENC_R(T32_OP_PUSH, src(g), 0, 0));
        else
            emit(g, T32_ENC_R(T32_OP_POP, dest(g), 0, 0));
    }
}

/* A forward conditional branch around a few instructions. */
static void skip(gen *g)
{
    static const unsigned conds[] = {
        T32_OP_BEQ, T32_OP_BNE, T32_OP_BLT, T32_OP_BGE, T32_OP_BGT, T32_OP_BLE,
        T32_OP_BLTU, T32_OP_BGEU, T32_OP_BGTU, T32_OP_BLEU, T32_OP_BZ, T32_OP_BNZ };
    unsigned op = conds[below(g, 12)], reg = src(g);
    if (t32_ops[op].format != T32_FMT_BZ)
        emit(g, T32_ENC_R(T32_OP_CMP, 0, src(g), src(g)));
    uint32_t at = g->pc;
    emit(g, 0);
    alu_run(g, 1 + below(g, 6));
    if (chance(g, 30))
        memop(g);
    patch_branch(g, at, op, reg, g->pc);
}

/* A word T32 does not define: zero, or any unassigned opcode with random
 * fields (which a VMM that keeps its own words in guest code - binary
 * translation's patches - must not mistake for its own). */
static uint32_t illegal_word(gen *g)
{
    static unsigned ops[256], nops;
    if (nops == 0)
        for (unsigned op = 1; op < 256; op++)
            if (!t32_ops[op].mnemonic)
                ops[nops++] = op;
    if (chance(g, 30))
        return 0;
    unsigned op = chance(g, 30) ? 0xffu : ops[below(g, nops)];
    return (uint32_t)op << 24 | below(g, 1u << 24);
}

/* A trap on purpose: the handler skips the instruction (or, for syscall,
 * returns after it). */
static void trap_on_purpose(gen *g)
{
    switch (below(g, 6)) {
    case 0: op0(g, T32_OP_SYSCALL); break;
    case 1: op0(g, T32_OP_BRK); break;
    case 2: opi(g, T32_OP_HCALL, 0, 0, below(g, 8)); break;
    case 3: emit(g, illegal_word(g)); break;
    case 4: emit(g, T32_ENC_R(T32_OP_DIV + below(g, 4), dest(g), src(g), 0)); break; /* by r0 */
    default:                                             /* misaligned word */
        li(g, 11, g->kernel ? KDATA + D_SCRATCH + 2 : UDATA + 1);
        opi(g, chance(g, 50) ? T32_OP_LDW : T32_OP_STW, dest(g), 11, 0);
        break;
    }
}

/* ---- kernel-only blocks -------------------------------------------------------------- */

/* The sensitive instructions as kernels use them. */
static void sensitive(gen *g)
{
    switch (below(g, 4)) {
    case 0:                       /* the critical section idiom */
        op0(g, T32_OP_PUSHF);
        op0(g, T32_OP_CLI);
        alu_run(g, 1 + below(g, 8));
        op0(g, T32_OP_POPF);
        break;
    case 1:                       /* "am I in kernel mode?" */
        op0(g, T32_OP_PUSHF);
        emit(g, T32_ENC_R(T32_OP_POP, dest(g), 0, 0));
        break;
    case 2:                       /* set IE and the flags from a value */
        li(g, 9, (rnd(g) & T32_PSR_FLAGS) | (chance(g, 60) ? T32_PSR_IE : 0));
        emit(g, T32_ENC_R(T32_OP_PUSH, 9, 0, 0));
        op0(g, T32_OP_POPF);
        break;
    default:                      /* the flags of a compare, through memory */
        emit(g, T32_ENC_R(T32_OP_CMP, 0, src(g), src(g)));
        op0(g, T32_OP_PUSHF);
        op0(g, T32_OP_POPF);
        break;
    }
}

/* Privileged instructions a kernel runs: interrupts, timer, system
 * registers, wfi, tlbflush, ports. */
static void privileged(gen *g)
{
    static const unsigned readable[] = {
        T32_SR_TVEC, T32_SR_EPC, T32_SR_EPSR, T32_SR_CAUSE, T32_SR_BADVADDR, T32_SR_PTBR,
        T32_SR_SCRATCH, T32_SR_TIMER, T32_SR_CYCLES, T32_SR_CPUID, T32_SR_IPEND };
    static const uint32_t ports[] = { 0x00, 0x01, 0x11, 0x10, 0x12, 0x24, 0x26, 0x99 };
    switch (below(g, 8)) {
    case 0: op0(g, chance(g, 50) ? T32_OP_CLI : T32_OP_STI); break;
    case 1:                       /* re-arm the timer, maybe wait for it */
        li(g, 9, 1 + below(g, chance(g, 50) ? 40 : 600));
        mtsr(g, T32_SR_TIMER, 9);
        if (chance(g, 30))
            op0(g, T32_OP_WFI);
        break;
    case 2: mfsr(g, dest(g), readable[below(g, 11)]); break;
    case 3: mtsr(g, chance(g, 50) ? T32_SR_SCRATCH : T32_SR_EPC, src(g)); break;
    case 4: op0(g, T32_OP_TLBFLUSH); break;
    case 5: opi(g, T32_OP_IN, dest(g), 0, ports[below(g, 8)]); break;
    case 6:                       /* a printable byte to the console */
        opi(g, T32_OP_ANDI, 9, src(g), 63);
        opi(g, T32_OP_ADDI, 9, 9, '0');
        opi(g, T32_OP_OUT, 9, 0, 0x10);
        break;
    default:                      /* an unknown system register: ILLEGAL */
        mfsr(g, dest(g), 11 + below(g, 5));
        break;
    }
}

/* Re-map the user data page with new permissions (maybe none, maybe
 * elsewhere), then flush: the TLB rule of ISA.md section 8. */
static void remap(gen *g)
{
    uint32_t frame = chance(g, 80) ? UDATA : chance(g, 50) ? USTACK : FAR_FRAME;
    uint32_t pte = frame | (rnd(g) & (T32_PTE_R | T32_PTE_W | T32_PTE_X | T32_PTE_U));
    if (chance(g, 85))
        pte |= T32_PTE_V;
    li(g, 11, L2 + (UDATA >> T32_PAGE_SHIFT) * 4);
    li(g, 9, pte);
    opi(g, T32_OP_STW, 9, 11, 0);
    op0(g, T32_OP_TLBFLUSH);
}

/* ---- user mode -------------------------------------------------------------------------- */

static void user_block(gen *g);

/* What user code tries that only a kernel may do: PRIVILEGED traps. */
static void user_privileged(gen *g)
{
    static const unsigned ops[] = { T32_OP_CLI, T32_OP_STI, T32_OP_HALT, T32_OP_WFI,
                                    T32_OP_RFE, T32_OP_TLBFLUSH };
    switch (below(g, 3)) {
    case 0: op0(g, ops[below(g, 6)]); break;
    case 1: mfsr(g, dest(g), below(g, 11)); break;
    default: opi(g, T32_OP_OUT, src(g), 0, 0x10); break;
    }
}

/* A trip to user mode: the kernel sets EPC/EPSR and the continuation,
 * rfe's to fresh user code, which ends by jumping to the exit stub. */
static void excursion(gen *g)
{
    uint32_t room = UEXIT - g->ucode;
    if (room < 64 * 4)
        return;
    uint32_t entry = g->ucode;
    uint32_t psr = (rnd(g) & T32_PSR_FLAGS) | (chance(g, 75) ? T32_PSR_IE : 0);
    op0(g, T32_OP_CLI);            /* EPC and EPSR are live until the rfe */
    li(g, 9, entry);
    mtsr(g, T32_SR_EPC, 9);
    li(g, 9, psr);
    mtsr(g, T32_SR_EPSR, 9);
    li(g, 13, KDATA);
    uint32_t cont_li = g->pc;      /* li r9, continuation: patched below */
    li(g, 9, 0);
    opi(g, T32_OP_STW, 9, 13, D_CONT);
    li(g, 9, T32_PSR_K | (chance(g, 60) ? T32_PSR_IE : 0));
    opi(g, T32_OP_STW, 9, 13, D_CONTPSR);
    li(g, T32_REG_SP, USTACK_TOP);
    op0(g, T32_OP_RFE);
    uint32_t cont = g->pc;
    put32(g, cont_li, T32_ENC_I(T32_OP_LUI, 9, 0, cont >> 16));
    put32(g, cont_li + 4, T32_ENC_I(T32_OP_ORI, 9, 9, cont & 0xffffu));
    li(g, T32_REG_SP, KSTACK_TOP);

    /* The user code itself, in the user region. */
    uint32_t kpc = g->pc, kend = g->end;
    g->kernel = false;
    g->pc = entry;
    g->end = entry + (room < 0x800 ? room : 0x800) - 8;
    for (unsigned n = 4 + below(g, 24); n > 0 && g->pc + BLOCK_MAX * 4 <= g->end; n--)
        user_block(g);
    branch_to(g, T32_OP_B, 0, UEXIT);
    g->info->user_insns += (g->pc - entry) / 4;
    g->ucode = g->pc;
    g->kernel = true;
    g->pc = kpc;
    g->end = kend;
    g->excursions++;
}

/* ---- blocks ------------------------------------------------------------------------------- */

/* One block of the body of a loop: no loops, no trips to user mode. */
static void simple_block(gen *g)
{
    unsigned kind = below(g, g->kernel ? 8 : 6);
    switch (kind) {
    case 0: case 1: alu_run(g, 1 + below(g, 6)); break;
    case 2: memop(g); break;
    case 3: stack_traffic(g); break;
    case 4: skip(g); break;
    case 5: g->kernel ? trap_on_purpose(g) : user_privileged(g); break;
    case 6: sensitive(g); break;
    default: privileged(g); break;
    }
}

/* A bounded loop: r10 counts down, and nothing else writes r10. */
static void loop(gen *g)
{
    li(g, 10, 1 + below(g, 8));
    uint32_t head = g->pc;
    for (unsigned n = 1 + below(g, 3); n > 0; n--)
        simple_block(g);
    opi(g, T32_OP_ADDI, 10, 10, (uint32_t)-1);
    branch_to(g, T32_OP_BNZ, 10, head);
}

static void user_block(gen *g)
{
    switch (below(g, 10)) {
    case 0: loop(g); break;
    case 1: trap_on_purpose(g); break;
    case 2:                        /* user pushf/popf: faithful everywhere */
        op0(g, chance(g, 50) ? T32_OP_PUSHF : T32_OP_POPF);
        break;
    default: simple_block(g); break;
    }
}

static void kernel_block(gen *g)
{
    switch (below(g, 14)) {
    case 0: case 1: loop(g); break;
    case 2: trap_on_purpose(g); break;
    case 3:
        if (g->excursions < 3)
            excursion(g);
        break;
    case 4:
        if (g->paging)
            remap(g);
        break;
    default: simple_block(g); break;
    }
}

/* ---- the fixed parts: init, the trap handler, finish ------------------------------------- */

/* Page tables: virtual = physical for the program's pages, kernel pages
 * U = 0, the user's U = 1; page 0 and UNMAPPED unmapped; FAR mapped to a
 * frame outside RAM. */
static void page_tables(gen *g)
{
    put32(g, L1, L2 | T32_PTE_V);
    for (uint32_t page = 1; page < IMAGE_END / T32_PAGE_SIZE; page++) {
        uint32_t va = page * T32_PAGE_SIZE, bits = T32_PTE_V | T32_PTE_R | T32_PTE_W | T32_PTE_X;
        if (va == UCODE || va == UCODE + T32_PAGE_SIZE)
            bits = T32_PTE_V | T32_PTE_R | T32_PTE_X | T32_PTE_U;
        else if (va == UDATA)
            bits = T32_PTE_V | T32_PTE_U | (chance(g, 80) ? T32_PTE_R | T32_PTE_W :
                                            rnd(g) & (T32_PTE_R | T32_PTE_W | T32_PTE_X));
        else if (va == USTACK)
            bits = T32_PTE_V | T32_PTE_R | T32_PTE_W | T32_PTE_U;
        else if (va == UNMAPPED)
            bits = 0;
        put32(g, L2 + page * 4, bits ? va | bits : 0);
    }
    put32(g, L2 + (FAR >> T32_PAGE_SHIFT) * 4,
          FAR_FRAME | T32_PTE_V | T32_PTE_R | T32_PTE_W | T32_PTE_U);
}

static void init(gen *g)
{
    g->pc = KENTRY;
    g->end = FINISH;
    li(g, T32_REG_SP, KSTACK_TOP);
    li(g, 9, HANDLER);
    mtsr(g, T32_SR_TVEC, 9);
    if (g->paging) {
        li(g, 9, L1 | T32_PTBR_E);
        mtsr(g, T32_SR_PTBR, 9);
    }
    for (unsigned r = 1; r <= 11; r++)
        li(g, r, chance(g, 20) ? 0 : rnd(g));
    if (g->info->timer) {
        li(g, 9, 20 + below(g, 800));
        mtsr(g, T32_SR_TIMER, 9);
        op0(g, T32_OP_STI);
    }
    branch_to(g, T32_OP_B, 0, KBODY);
}

/* The handler: count, log, bound, then return past a fault, after a
 * syscall or interrupt, or - for the user's exit syscall - to the kernel. */
static void handler(gen *g, bool with_popf)
{
    g->pc = HANDLER;
    g->end = KBODY;
    opi(g, T32_OP_ORI, 13, 0, KDATA);
    opi(g, T32_OP_STW, 1, 13, D_SAVE_R1);
    opi(g, T32_OP_STW, 2, 13, D_SAVE_R2);
    opi(g, T32_OP_STW, T32_REG_SP, 13, D_SAVE_SP);
    opi(g, T32_OP_ORI, T32_REG_SP, 0, KDATA + D_HSTACK_TOP);
    if (with_popf) {
        op0(g, T32_OP_PUSHF);
        op0(g, T32_OP_CLI);
    }
    mfsr(g, 12, T32_SR_CAUSE);
    opi(g, T32_OP_SHLI, 1, 12, 2);                       /* counts[cause]++ */
    emit(g, T32_ENC_R(T32_OP_ADD, 1, 1, 13));
    opi(g, T32_OP_LDW, 2, 1, D_COUNTS);
    opi(g, T32_OP_ADDI, 2, 2, 1);
    opi(g, T32_OP_STW, 2, 1, D_COUNTS);
    opi(g, T32_OP_LDW, 2, 13, D_TOTAL);                  /* total++ */
    opi(g, T32_OP_ADDI, 2, 2, 1);
    opi(g, T32_OP_STW, 2, 13, D_TOTAL);
    opi(g, T32_OP_ANDI, 1, 2, 63);                       /* ring[total % 64] */
    opi(g, T32_OP_SHLI, 1, 1, 3);
    emit(g, T32_ENC_R(T32_OP_ADD, 1, 1, 13));
    opi(g, T32_OP_STW, 12, 1, D_RING);
    mfsr(g, 2, T32_SR_EPC);
    opi(g, T32_OP_STW, 2, 1, D_RING + 4);
    if (with_popf)
        op0(g, T32_OP_POPF);
    opi(g, T32_OP_LDW, 2, 13, D_TOTAL);                  /* too many: finish */
    opi(g, T32_OP_CMPI, 0, 2, GEN_MAX_TRAPS);
    branch_to(g, T32_OP_BGTU, 0, FINISH);
    opi(g, T32_OP_CMPI, 0, 12, T32_IRQ_BASE);            /* interrupt: return */
    uint32_t to_resume1 = g->pc;
    emit(g, 0);
    opi(g, T32_OP_CMPI, 0, 12, T32_CAUSE_SYSCALL);
    uint32_t to_syscall = g->pc;
    emit(g, 0);
    mfsr(g, 2, T32_SR_EPC);                              /* fault: skip it */
    opi(g, T32_OP_ADDI, 2, 2, 4);
    mtsr(g, T32_SR_EPC, 2);
    uint32_t to_resume2 = g->pc;
    emit(g, 0);
    patch_branch(g, to_syscall, T32_OP_BEQ, 0, g->pc);   /* the user's exit? */
    mfsr(g, 2, T32_SR_EPC);
    li(g, 1, UEXIT + 4);
    emit(g, T32_ENC_R(T32_OP_CMP, 0, 2, 1));
    uint32_t to_resume3 = g->pc;
    emit(g, 0);
    opi(g, T32_OP_LDW, 2, 13, D_CONT);
    mtsr(g, T32_SR_EPC, 2);
    opi(g, T32_OP_LDW, 2, 13, D_CONTPSR);
    mtsr(g, T32_SR_EPSR, 2);
    patch_branch(g, to_resume1, T32_OP_BGEU, 0, g->pc);
    patch_branch(g, to_resume2, T32_OP_B, 0, g->pc);
    patch_branch(g, to_resume3, T32_OP_BNE, 0, g->pc);
    opi(g, T32_OP_LDW, 1, 13, D_SAVE_R1);
    opi(g, T32_OP_LDW, 2, 13, D_SAVE_R2);
    opi(g, T32_OP_LDW, T32_REG_SP, 13, D_SAVE_SP);
    op0(g, T32_OP_RFE);
}

/* r12 := r12 * 31 + rs (r13 holds 31). */
static void mix(gen *g, unsigned rs)
{
    emit(g, T32_ENC_R(T32_OP_MUL, 12, 12, 13));
    emit(g, T32_ENC_R(T32_OP_ADD, 12, 12, rs));
}

/* Mix the words of [from, to) into r12, four per round (r1..r3 scratch). */
static void mix_words(gen *g, uint32_t from, uint32_t to)
{
    li(g, 1, from);
    li(g, 2, to);
    uint32_t top = g->pc;
    for (int i = 0; i < 4; i++) {
        opi(g, T32_OP_LDW, 3, 1, (uint32_t)(4 * i));
        mix(g, 3);
    }
    opi(g, T32_OP_ADDI, 1, 1, 16);
    emit(g, T32_ENC_R(T32_OP_CMP, 0, 1, 2));
    branch_to(g, T32_OP_BLTU, 0, top);
}

/* Print r1 as 8 hex digits (r4, r5 scratch). */
static void print_hex(gen *g)
{
    opi(g, T32_OP_ADDI, 4, 0, 28);
    uint32_t top = g->pc;
    emit(g, T32_ENC_R(T32_OP_SHR, 5, 1, 4));
    opi(g, T32_OP_ANDI, 5, 5, 15);
    opi(g, T32_OP_CMPI, 0, 5, 10);
    uint32_t at = g->pc;
    emit(g, 0);
    opi(g, T32_OP_ADDI, 5, 5, 'a' - '0' - 10);
    patch_branch(g, at, T32_OP_BLT, 0, g->pc);
    opi(g, T32_OP_ADDI, 5, 5, '0');
    opi(g, T32_OP_OUT, 5, 0, 0x10);
    opi(g, T32_OP_ADDI, 4, 4, (uint32_t)-4);
    opi(g, T32_OP_CMPI, 0, 4, 0);
    branch_to(g, T32_OP_BGE, 0, top);
}

static void print_text(gen *g, const char *s)
{
    for (; *s; s++) {
        opi(g, T32_OP_ADDI, 5, 0, (uint32_t)*s);
        opi(g, T32_OP_OUT, 5, 0, 0x10);
    }
}

/* Finish: everything still, then the checksum of the registers and of
 * the data the program can have touched: the kernel data page (trap
 * counts and log), the user data page, the page table entries in use
 * (their A and D bits) and the tops of both stacks. */
static void finish(gen *g)
{
    g->pc = FINISH;
    g->end = HANDLER;
    op0(g, T32_OP_CLI);
    mtsr(g, T32_SR_TIMER, 0);
    mtsr(g, T32_SR_PTBR, 0);
    opi(g, T32_OP_ADDI, 12, 0, 0);
    opi(g, T32_OP_ADDI, 13, 0, 31);
    for (unsigned r = 1; r <= 11; r++)
        mix(g, r);
    mix(g, T32_REG_SP);
    mix(g, T32_REG_LR);
    mix_words(g, KDATA, KDATA + D_HSTACK_TOP);
    mix_words(g, UDATA, UDATA + T32_PAGE_SIZE);
    mix_words(g, L2, L2 + 4 * (IMAGE_END / T32_PAGE_SIZE + 4));
    mix_words(g, KSTACK_TOP - 0x300, KSTACK_TOP);
    mix_words(g, USTACK + 0x700, USTACK_TOP);
    print_text(g, "sum ");
    opi(g, T32_OP_ADDI, 1, 12, 0);
    print_hex(g);
    print_text(g, " traps ");
    li(g, 13, KDATA);
    opi(g, T32_OP_LDW, 1, 13, D_TOTAL);
    print_hex(g);
    print_text(g, "\n");
    op0(g, T32_OP_HALT);
}

/* The user exit stub: the syscall the handler recognises by its EPC. */
static void user_exit(gen *g)
{
    g->pc = UEXIT;
    g->end = UEXIT + 8;
    g->kernel = false;
    op0(g, T32_OP_SYSCALL);
    branch_to(g, T32_OP_B, 0, UEXIT);    /* never reached: the handler returns to the kernel */
    g->kernel = true;
}

/* Random initial data: the scratch words, the user's data and stacks. */
static void data(gen *g)
{
    for (uint32_t a = KDATA + D_SCRATCH; a < KDATA + D_HSTACK_TOP - 0x100; a += 4)
        put32(g, a, rnd(g));
    for (uint32_t a = UDATA; a < UDATA + T32_PAGE_SIZE; a += 4)
        put32(g, a, rnd(g));
}

/* ---- the whole program ----------------------------------------------------------------- */

static bool to_image(const gen *g, t32_image *img)
{
    static const struct { const char *name; uint32_t addr; } syms[] = {
        { "init", KENTRY }, { "finish", FINISH }, { "handler", HANDLER },
        { "kbody", KBODY }, { "ucode", UCODE }, { "uexit", UEXIT }, { "kdata", KDATA },
        { "udata", UDATA }, { "l1", L1 }, { "l2", L2 }, { "kstack", KSTACK_TOP - 0x1000 },
        { "ustack", USTACK } };
    img->entry = KENTRY;
    bool ok = t32_image_add_segment(img, KENTRY, IMAGE_END - KENTRY,
                                    T32_SEG_R | T32_SEG_W | T32_SEG_X, g->mem + KENTRY,
                                    IMAGE_END - KENTRY);
    for (size_t i = 0; ok && i < sizeof syms / sizeof syms[0]; i++)
        ok = t32_image_add_symbol(img, syms[i].name, syms[i].addr, T32_SYM_GLOBAL);
    return ok;
}

bool gen_program(uint32_t seed, t32_image *img, gen_info *info)
{
    static gen g;                        /* 64 KiB: not on the stack */
    memset(&g, 0, sizeof g);
    t32_image_init(img);
    *info = (gen_info){ 0 };
    g.rng = seed * 2654435761u ^ 0x5eed1234u;
    if (g.rng == 0)
        g.rng = 1;
    g.info = info;
    g.kernel = true;
    g.ucode = UCODE;
    info->paging = g.paging = chance(&g, 70);
    info->timer = chance(&g, 85);
    bool handler_popf = chance(&g, 40);

    page_tables(&g);
    data(&g);
    init(&g);
    handler(&g, handler_popf);
    finish(&g);
    user_exit(&g);
    g.pc = KBODY;
    g.end = KBODY_END - 8;
    for (unsigned n = 20 + below(&g, 100); n > 0 && g.pc + BLOCK_MAX * 4 * 4 <= g.end; n--)
        kernel_block(&g);
    branch_to(&g, T32_OP_B, 0, FINISH);
    info->kernel_insns = (g.pc - KBODY) / 4;
    return !g.overflow && to_image(&g, img);
}
