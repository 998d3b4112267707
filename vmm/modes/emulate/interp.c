/*
 * interp.c - the emulator's interpreter: every guest instruction, executed
 * by the VMM in C.  No guest instruction ever runs on the real CPU.
 *
 * This is a T32 CPU written in software, working on a vCPU: the general
 * registers (cpu->r, where they live during the vCPU's turn), the virtual
 * pc and the *virtual* PSR - virtual K, virtual IE, the flags.  Because the
 * interpreter reads the virtual PSR, the two instructions that break
 * trap-and-emulate are no problem at all:
 *
 *   pushf   stores the virtual PSR: the guest kernel sees K = 1, as on
 *           bare T32;
 *   popf    restores IE when the *virtual* K is 1, as bare T32 does.
 *
 * That is the lecture's "emulation vs virtualization": an emulator is
 * perfectly faithful, and pays for it on every instruction (a fetch, a
 * decode and a dispatch in C where the real CPU would have run it).
 *
 * The loop is the classic one - fetch; dispatch; execute - with one case
 * per opcode of isa/opcodes.h, decoded with its field macros.  The table's
 * class column decides the rest: an opcode of class PRIVILEGED is executed
 * on the virtual state by run/emulate.c (the very code trap-and-emulate
 * uses) if the guest is in virtual kernel mode, and traps PRIVILEGED in
 * its user mode; an opcode the table does not have is ILLEGAL.
 *
 * Memory goes through the emulator's own TLB (emulate.h), filled from the
 * guest's page tables by t32_walk - the walk of bare T32's MMU - reading
 * guest-physical memory.  A TLB hit turns a guest virtual address into a
 * host pointer with one compare and an add, so a load or store costs
 * about what it costs in isa/cpu.c.
 *
 * Traps are data, as in isa/cpu.c: the instruction records cause, EPC and
 * BADVADDR and leaves through the one exit at the bottom; a faulting
 * instruction changes nothing else.  Time: one virtual cycle per
 * instruction, a trapping one included, exactly like bare T32.
 */
#include "vmm/modes/emulate/emulate.h"

/* The flags of a compare and the arithmetic shift are isa/'s rules:
 * t32_sub_flags and t32_sra (t32.h), shared with the CPU. */

/* A pc that never matches (pc & FETCH_MASK): no code page cached.  The
 * mask keeps the page number and the two alignment bits, which must be 0. */
#define NO_PAGE    0xffffffffu
#define FETCH_MASK (~(T32_PAGE_SIZE - 1u) | 3u)

emu_stop emu_interpret(vmm_vcpu *vc, t32_cpu *cpu, emu_vcpu *ev, uint64_t n,
                       t32_trap *trap)
{
    uint32_t *const r = cpu->r;
    uint32_t pc = vc->pc;
    uint32_t psr = vc->vpsr;
    const bool kernel = psr & T32_PSR_K;     /* only rfe or a trap change it, */
    const emu_tlb_entry *const tlb = ev->tlb[kernel];  /* and both end the stretch */
    uint8_t *const mem = vc->vm->mem;        /* guest-physical 0 */
    uint64_t left = n;
    uint32_t code_va = NO_PAGE;              /* virtual page of the cached code page */
    const uint8_t *code = NULL;              /* its host pointer */
    uint32_t w = 0;                          /* the instruction word */
    emu_stop why;

/* Fields of w (ISA.md section 3). */
#define RA        r[T32_FA(w)]
#define RB        r[T32_FB(w)]
#define RC        r[T32_FC(w)]
#define SIMM      T32_SIMM16(w)
#define UIMM      T32_IMM16(w)
#define SET_RA(v) do { r[T32_FA(w)] = (v); r[0] = 0; } while (0)   /* r0 stays 0 */
/* Condition flags as 0/1. */
#define FN        (psr >> 31)
#define FZ        ((psr >> 30) & 1u)
#define FC        ((psr >> 29) & 1u)
#define FV        ((psr >> 28) & 1u)
#define BRANCH_IF(cond) (next = (cond) ? pc + 4u * T32_OFF24(w) : next)

/* Leave through the one exit. */
#define STOP(reason) do { why = (reason); goto leave; } while (0)
/* A trap: its cycle is given back, for emulate.c to charge once the trap
 * has been reported at the time the instruction started (as run/exit.c
 * does for a trap the real CPU took). */
#define TRAP(c, at, bad)                                                      \
    do {                                                                      \
        *trap = (t32_trap){ .cause = (c), .epc = (at), .insn = w,             \
                            .badvaddr = t32_cause_sets_badvaddr(c) ? (bad) : 0 }; \
        left++;                                                               \
        STOP(EMU_TRAP);                                                       \
    } while (0)

/* Host pointer `p` for an access of `size` bytes at `va` that needs the PTE
 * bits `bits`: alignment first, then the TLB, then a walk (emulate.c).  A
 * fill may evict the code page's entry, so the cached code page is
 * forgotten: fetches see exactly what the TLB holds, as in isa/cpu.c. */
#define MEM(p, va, size, access, bits)                                        \
    do {                                                                      \
        if ((va) & ((size) - 1u))                                             \
            TRAP(T32_CAUSE_MISALIGNED, pc, (va));                             \
        const emu_tlb_entry *e_ = &tlb[EMU_TLB_SLOT(va)];                     \
        if (e_->vpage == ((va) >> T32_PAGE_SHIFT) + 1u &&                     \
            (e_->pte & (bits)) == (bits)) {                                   \
            p = mem + (e_->pte & T32_PTE_FRAME) + EMU_PAGE_OFFSET(va);        \
        } else {                                                              \
            t32_cause c_ = emu_tlb_fill(vc, ev, (va), (access), kernel, &p);  \
            code_va = NO_PAGE;                                                \
            if (c_ != T32_CAUSE_NONE)                                         \
                TRAP(c_, pc, (va));                                           \
        }                                                                     \
    } while (0)
#define LOAD_PTR(p, va, size)  MEM(p, va, size, T32_LOAD, T32_PTE_R)
/* A store also needs D set in the cached PTE; if it is clear, the walk
 * sets it (ISA.md section 8). */
#define STORE_PTR(p, va, size) MEM(p, va, size, T32_STORE, T32_PTE_W | T32_PTE_D)

    for (;;) {
        /* ---- fetch: one cycle, even if it faults ---- */
        if (left == 0)
            STOP(EMU_DONE);
        left--;
        if ((pc & FETCH_MASK) != code_va) {
            uint8_t *p;
            w = 0;
            MEM(p, pc, 4, T32_FETCH, T32_PTE_X);
            code = p - EMU_PAGE_OFFSET(pc);
            code_va = pc & ~(T32_PAGE_SIZE - 1u);
        }
        w = t32_load32(code + EMU_PAGE_OFFSET(pc));
        uint32_t next = pc + 4;
        uint32_t va, t;
        uint8_t *p;

        /* ---- dispatch and execute ---- */
        switch ((t32_opcode)T32_OPC(w)) {
        /* ALU, register-register */
        case T32_OP_ADD:  SET_RA(RB + RC); break;
        case T32_OP_SUB:  SET_RA(RB - RC); break;
        case T32_OP_AND:  SET_RA(RB & RC); break;
        case T32_OP_OR:   SET_RA(RB | RC); break;
        case T32_OP_XOR:  SET_RA(RB ^ RC); break;
        case T32_OP_SHL:  SET_RA(RB << (RC & 31u)); break;
        case T32_OP_SHR:  SET_RA(RB >> (RC & 31u)); break;
        case T32_OP_SRA:  SET_RA(t32_sra(RB, RC & 31u)); break;
        case T32_OP_MUL:  SET_RA(RB * RC); break;
        case T32_OP_DIV:
            if (RC == 0)
                TRAP(T32_CAUSE_DIVZERO, pc, 0);
            if (RB == 0x80000000u && RC == 0xffffffffu)
                SET_RA(0x80000000u);             /* INT_MIN / -1 wraps */
            else
                SET_RA((uint32_t)((int32_t)RB / (int32_t)RC));
            break;
        case T32_OP_DIVU:
            if (RC == 0)
                TRAP(T32_CAUSE_DIVZERO, pc, 0);
            SET_RA(RB / RC);
            break;
        case T32_OP_REM:
            if (RC == 0)
                TRAP(T32_CAUSE_DIVZERO, pc, 0);
            if (RB == 0x80000000u && RC == 0xffffffffu)
                SET_RA(0);                       /* INT_MIN rem -1 */
            else
                SET_RA((uint32_t)((int32_t)RB % (int32_t)RC));
            break;
        case T32_OP_REMU:
            if (RC == 0)
                TRAP(T32_CAUSE_DIVZERO, pc, 0);
            SET_RA(RB % RC);
            break;
        case T32_OP_SLT:  SET_RA((int32_t)RB < (int32_t)RC); break;
        case T32_OP_SLTU: SET_RA(RB < RC); break;

        /* ALU, register-immediate */
        case T32_OP_ADDI:  SET_RA(RB + SIMM); break;
        case T32_OP_ANDI:  SET_RA(RB & UIMM); break;
        case T32_OP_ORI:   SET_RA(RB | UIMM); break;
        case T32_OP_XORI:  SET_RA(RB ^ UIMM); break;
        case T32_OP_SHLI:  SET_RA(RB << (UIMM & 31u)); break;
        case T32_OP_SHRI:  SET_RA(RB >> (UIMM & 31u)); break;
        case T32_OP_SRAI:  SET_RA(t32_sra(RB, UIMM & 31u)); break;
        case T32_OP_SLTI:  SET_RA((int32_t)RB < (int32_t)SIMM); break;
        case T32_OP_SLTIU: SET_RA(RB < SIMM); break;
        case T32_OP_LUI:   SET_RA(UIMM << 16); break;

        /* flags */
        case T32_OP_CMP:  psr = (psr & ~T32_PSR_FLAGS) | t32_sub_flags(RB, RC); break;
        case T32_OP_CMPI: psr = (psr & ~T32_PSR_FLAGS) | t32_sub_flags(RB, SIMM); break;
        case T32_OP_TST:
            t = RB & RC;
            psr = (psr & ~T32_PSR_FLAGS) | (t & T32_PSR_N) | (t == 0 ? T32_PSR_Z : 0);
            break;

        /* loads and stores: address = base + sext(imm) */
        case T32_OP_LDW:
            va = RB + SIMM; LOAD_PTR(p, va, 4); SET_RA(t32_load32(p)); break;
        case T32_OP_LDH:
            va = RB + SIMM; LOAD_PTR(p, va, 2);
            SET_RA((uint32_t)(int32_t)(int16_t)t32_load16(p)); break;
        case T32_OP_LDHU:
            va = RB + SIMM; LOAD_PTR(p, va, 2); SET_RA(t32_load16(p)); break;
        case T32_OP_LDB:
            va = RB + SIMM; LOAD_PTR(p, va, 1); SET_RA((uint32_t)(int32_t)(int8_t)p[0]); break;
        case T32_OP_LDBU:
            va = RB + SIMM; LOAD_PTR(p, va, 1); SET_RA(p[0]); break;
        case T32_OP_STW:
            va = RB + SIMM; STORE_PTR(p, va, 4); t32_store32(p, RA); break;
        case T32_OP_STH:
            va = RB + SIMM; STORE_PTR(p, va, 2); t32_store16(p, RA); break;
        case T32_OP_STB:
            va = RB + SIMM; STORE_PTR(p, va, 1); p[0] = (uint8_t)RA; break;

        /* branches: target = pc + 4 * offset (an unaligned target traps
         * MISALIGNED when it is fetched) */
        case T32_OP_B:    BRANCH_IF(1); break;
        case T32_OP_BEQ:  BRANCH_IF(FZ); break;
        case T32_OP_BNE:  BRANCH_IF(!FZ); break;
        case T32_OP_BLT:  BRANCH_IF(FN != FV); break;
        case T32_OP_BGE:  BRANCH_IF(FN == FV); break;
        case T32_OP_BGT:  BRANCH_IF(!FZ && FN == FV); break;
        case T32_OP_BLE:  BRANCH_IF(FZ || FN != FV); break;
        case T32_OP_BLTU: BRANCH_IF(FC); break;
        case T32_OP_BGEU: BRANCH_IF(!FC); break;
        case T32_OP_BGTU: BRANCH_IF(!FC && !FZ); break;
        case T32_OP_BLEU: BRANCH_IF(FC || FZ); break;
        case T32_OP_BZ:   if (RA == 0) next = pc + 4u * SIMM; break;
        case T32_OP_BNZ:  if (RA != 0) next = pc + 4u * SIMM; break;
        case T32_OP_JAL:  r[T32_REG_LR] = pc + 4; next = pc + 4u * T32_OFF24(w); break;
        case T32_OP_JALR: next = RB + SIMM; SET_RA(pc + 4); break;

        /* the stack: sp moves only once the access has worked */
        case T32_OP_PUSH:
            va = r[T32_REG_SP] - 4; STORE_PTR(p, va, 4);
            t32_store32(p, RA); r[T32_REG_SP] = va; break;
        case T32_OP_POP:
            va = r[T32_REG_SP]; LOAD_PTR(p, va, 4);
            t = t32_load32(p); r[T32_REG_SP] = va + 4; SET_RA(t); break;   /* pop sp: sp := t */

        /* The two sensitive instructions, on the *virtual* PSR: faithful. */
        case T32_OP_PUSHF:                    /* the guest's own K and IE */
            va = r[T32_REG_SP] - 4; STORE_PTR(p, va, 4);
            t32_store32(p, psr); r[T32_REG_SP] = va; break;
        case T32_OP_POPF: {                   /* IE only in virtual kernel mode */
            va = r[T32_REG_SP]; LOAD_PTR(p, va, 4);
            t = t32_load32(p); r[T32_REG_SP] = va + 4;
            uint32_t keep = kernel ? T32_PSR_K : T32_PSR_K | T32_PSR_IE;
            psr = (psr & keep) | (t & ~keep & T32_PSR_MASK);
            pc = next;
            STOP(EMU_DONE);                   /* IE may be on: a boundary decides */
        }

        /* traps */
        case T32_OP_SYSCALL: TRAP(T32_CAUSE_SYSCALL, pc + 4, 0);
        case T32_OP_BRK:     TRAP(T32_CAUSE_BREAKPOINT, pc, 0);
        case T32_OP_HCALL:   TRAP(T32_CAUSE_ILLEGAL, pc, 0);   /* no hypercalls here */

        /* The rest: the table's class says what it is. */
        default:
            if (t32_ops[T32_OPC(w)].cls != T32_PRIVILEGED)
                TRAP(T32_CAUSE_ILLEGAL, pc, 0);                 /* not in the table */
            if (!kernel)
                TRAP(T32_CAUSE_PRIVILEGED, pc, 0);             /* guest user code */
            left++;                     /* run/emulate.c charges its cycle */
            trap->insn = w;
            STOP(EMU_SYSTEM);
        }
        pc = next;
    }

leave:
    vc->pc = pc;
    vc->vpsr = psr;
    uint64_t ran = n - left;
    vc->vcycles += ran;
    vc->vm->stats.emulated_insns += ran;
    vc->vm->stats.guest_insns += ran;
    return why;

#undef RA
#undef RB
#undef RC
#undef SIMM
#undef UIMM
#undef SET_RA
#undef FN
#undef FZ
#undef FC
#undef FV
#undef BRANCH_IF
#undef STOP
#undef TRAP
#undef MEM
#undef LOAD_PTR
#undef STORE_PTR
}
