/*
 * mmu.c - address translation: the page-table walk and the software TLB.
 *
 * With paging off (PTBR.E = 0) a virtual address is the physical address.
 * With paging on, every fetch, load and store goes through a two-level
 * table walk (ISA.md section 8):
 *
 *    virtual address
 *    31         22 21         12 11            0
 *   +-------------+-------------+---------------+
 *   |   L1 index  |   L2 index  |  page offset  |
 *   +-------------+-------------+---------------+
 *
 *   PTBR.frame --> L1 table [L1 index] --> L2 table [L2 index] --> page
 *
 *   L1 entry:  frame of the L2 table (31:12) ............ V (bit 0)
 *   L2 entry:  frame of the page     (31:12) ... D A U X W R V
 *                                                6 5 4 3 2 1 0
 *
 * Walking two tables in memory for every access would make each load cost
 * three.  Real CPUs cache finished translations in a TLB, and so do we: a
 * small direct-mapped array per CPU mode (t32_cpu.tlb[kernel]), indexed by
 * the low bits of the virtual page number.  An entry remembers the PTE it
 * was filled from (for the permission bits) and a host pointer to the
 * frame, so a hit turns a virtual address into a host pointer with one
 * compare.  With paging off the same array holds identity entries that
 * allow everything, so the interpreter has a single fast path.
 *
 * Like a real TLB, ours is NOT kept coherent with the page tables: editing
 * a PTE does not change a cached entry until `tlbflush` or a PTBR write.
 * Guests must flush after changing a mapping they have used, and the VMM's
 * shadow paging relies on being told (ISA.md section 8).
 */
#include <string.h>

#include "t32.h"
#include "cpu_internal.h"

/* The page-fault cause for each kind of access. */
static t32_cause fault_cause(t32_access access)
{
    switch (access) {
    case T32_FETCH: return T32_CAUSE_FETCH_FAULT;
    case T32_LOAD:  return T32_CAUSE_LOAD_FAULT;
    case T32_STORE: return T32_CAUSE_STORE_FAULT;
    }
    return T32_CAUSE_LOAD_FAULT;
}

/* The PTE permission bit each kind of access needs. */
static uint32_t needed_bit(t32_access access)
{
    switch (access) {
    case T32_FETCH: return T32_PTE_X;
    case T32_LOAD:  return T32_PTE_R;
    case T32_STORE: return T32_PTE_W;
    }
    return T32_PTE_R;
}

/* Does a valid L2 entry allow this access?  Kernel mode ignores U. */
static bool pte_allows(uint32_t pte, t32_access access, bool kernel)
{
    if (!(pte & T32_PTE_V) || !(pte & needed_bit(access)))
        return false;
    return kernel || (pte & T32_PTE_U);
}

/* ---- the walk (t32.h): one for the CPU, the VMM and the tests ------------ */

/*
 * Checks happen in the order the hardware meets them: the L1 entry
 * (BUS_ERROR if the root table is outside RAM, a fault if it is not valid),
 * the L2 entry (likewise), the permissions, and last the page's frame
 * (BUS_ERROR if outside RAM; a forbidden access faults before the frame is
 * ever used).  Nothing is written: setting A and D is t32_walk_mark's job,
 * so t32_translate and the VMM's side-effect-free lookups can share this.
 * (Entry addresses are word aligned and RAM is whole pages, so "the word is
 * in RAM" and "its address is in RAM" are the same test.)
 */
static inline __attribute__((always_inline)) t32_cause
walk(const t32_ptmem *mem, uint32_t ptbr, uint32_t va, t32_access access, bool kernel,
     t32_walk_result *out)
{
    *out = (t32_walk_result){ .paged = (ptbr & T32_PTBR_E) != 0 };
    if (!out->paged) {
        if (va >= mem->size)
            return T32_CAUSE_BUS_ERROR;
        out->pa = va;
        return T32_CAUSE_NONE;
    }

    uint32_t root = ptbr & T32_PTE_FRAME;
    if (!mem->read(mem->ctx, root + 4u * T32_VA_L1(va), &out->l1))
        return T32_CAUSE_BUS_ERROR;
    if (!(out->l1 & T32_PTE_V))
        return fault_cause(access);

    out->pte_pa = (out->l1 & T32_PTE_FRAME) + 4u * T32_VA_L2(va);
    if (!mem->read(mem->ctx, out->pte_pa, &out->pte))
        return T32_CAUSE_BUS_ERROR;
    if (!pte_allows(out->pte, access, kernel))
        return fault_cause(access);

    uint32_t frame = out->pte & T32_PTE_FRAME;
    if (frame >= mem->size)
        return T32_CAUSE_BUS_ERROR;
    out->pa = frame | T32_PAGE_OFFSET(va);
    return T32_CAUSE_NONE;
}

/* (walk() is the one walker; it is inlined where the memory is known - the
 * CPU's TLB refill below, where the callbacks then cost nothing.) */
t32_cause t32_walk(const t32_ptmem *mem, uint32_t ptbr, uint32_t va,
                   t32_access access, bool kernel, t32_walk_result *out)
{
    return walk(mem, ptbr, va, access, kernel, out);
}

/*
 * The hardware sets A on the first successful access through a translation
 * and D on the first successful store, in the L2 entry in memory (only a
 * change is written).  w->pte becomes the entry as it now is: that is what
 * a TLB caches.
 */
static inline __attribute__((always_inline)) bool
mark(const t32_ptmem *mem, t32_walk_result *w, t32_access access)
{
    if (!w->paged)
        return true;
    uint32_t pte = w->pte | T32_PTE_A;
    if (access == T32_STORE)
        pte |= T32_PTE_D;
    if (pte == w->pte)
        return true;
    w->pte = pte;
    return mem->write(mem->ctx, w->pte_pa, pte);
}

bool t32_walk_mark(const t32_ptmem *mem, t32_walk_result *w, t32_access access)
{
    return mark(mem, w, access);
}

/* ---- the machine's RAM as page-table memory ------------------------------- */

/* A word of physical memory; false if outside RAM. */
static bool ram_read(void *ctx, uint32_t pa, uint32_t *word)
{
    const t32_machine *m = ctx;
    if (pa > m->memsize - 4u)
        return false;
    *word = t32_load32(m->mem + pa);
    return true;
}

static bool ram_write(void *ctx, uint32_t pa, uint32_t word)
{
    t32_machine *m = ctx;
    if (pa > m->memsize - 4u)
        return false;
    t32_store32(m->mem + pa, word);
    return true;
}

static t32_ptmem machine_ram(t32_machine *m)
{
    return (t32_ptmem){ .read = ram_read, .write = ram_write, .ctx = m,
                        .size = m->memsize };
}

t32_cause t32_translate(const t32_cpu *cpu, uint32_t va, t32_access access,
                        bool kernel, uint32_t *pa)
{
    t32_ptmem ram = machine_ram(cpu->m);    /* (only read: nothing is marked) */
    t32_walk_result w;
    t32_cause cause = t32_walk(&ram, cpu->sr[T32_SR_PTBR], va, access, kernel, &w);
    if (cause == T32_CAUSE_NONE)
        *pa = w.pa;
    return cause;
}

/* ---- the TLB refill -------------------------------------------------------- */

/* An identity "PTE" for paging off: every permission, A and D already set,
 * so no access ever leaves the fast path for permission reasons. */
#define IDENTITY_PTE (T32_PTE_V | T32_PTE_R | T32_PTE_W | T32_PTE_X | \
                      T32_PTE_U | T32_PTE_A | T32_PTE_D)

t32_cause t32_mmu_access(t32_cpu *cpu, uint32_t va, t32_access access,
                         uint8_t **host)
{
    t32_machine *m = cpu->m;
    bool kernel = cpu->psr & T32_PSR_K;
    t32_ptmem ram = machine_ram(m);
    t32_walk_result w;
    t32_cause cause = walk(&ram, cpu->sr[T32_SR_PTBR], va, access, kernel, &w);
    if (cause != T32_CAUSE_NONE)
        return cause;               /* a fault never sets A or D */
    mark(&ram, &w, access);         /* (cannot fail: the entry was just read) */
    uint32_t pte = w.paged ? w.pte : (va & T32_PTE_FRAME) | IDENTITY_PTE;

    t32_tlb_entry *e = &cpu->tlb[kernel][T32_TLB_SLOT(va)];
    t32_forget_code_pages(cpu);     /* the entry a cached code page copies may go */
    if (e->vpage == 0 && cpu->tlb_nfilled < 2 * T32_TLB_SIZE)
        cpu->tlb_filled[cpu->tlb_nfilled++] =
            (uint16_t)((unsigned)kernel * T32_TLB_SIZE + T32_TLB_SLOT(va));
    e->vpage = T32_VPN(va) + 1u;    /* +1: zero means an empty slot */
    e->pte = pte;
    e->host = m->mem + (pte & T32_PTE_FRAME);
    *host = e->host + T32_PAGE_OFFSET(va);
    return T32_CAUSE_NONE;
}

/* Empty every slot.  Usually only a few were filled since the last flush,
 * and those are listed: clearing them is much cheaper than clearing all
 * 512 (an entry is empty when its vpage is 0). */
void t32_tlb_flush(t32_cpu *cpu)
{
    t32_forget_code_pages(cpu);
    if (cpu->tlb_nfilled > 2 * T32_TLB_SIZE) {
        memset(cpu->tlb, 0, sizeof cpu->tlb);
    } else {
        t32_tlb_entry *flat = &cpu->tlb[0][0];
        for (uint32_t i = 0; i < cpu->tlb_nfilled; i++)
            flat[cpu->tlb_filled[i]].vpage = 0;
    }
    cpu->tlb_nfilled = 0;
}
