/*
 * itrace.c - an instruction trace (--trace-insns): one line per guest
 * instruction, before it executes, with the guest's mode and interrupt
 * enable and the instruction disassembled:
 *
 *   # vm        cycle       pc K IE     word instruction
 *   bare            0 00001000 1  0 1c100010 addi r1, r0, 16
 *
 * Under the VMM, K and IE are the guest's *virtual* ones (what it
 * believes), not the real CPU's.  Cycles are the guest's own (virtual) time.
 */
#include <inttypes.h>

#include "assembler/disasm.h"
#include "vmm/report/trace.h"

void trace_insn(FILE *out, const char *who, const t32_image *img, uint64_t cycle,
                uint32_t pc, uint32_t psr, const uint32_t *word)
{
    char text[128] = "(the fetch traps)";
    if (word)
        dis_insn(*word, pc, img, text, sizeof text);
    fprintf(out, "%-6s %10" PRIu64 " %08" PRIx32 " %u  %u %08" PRIx32 " %s\n", who, cycle,
            pc, (psr & T32_PSR_K) != 0, (psr & T32_PSR_IE) != 0, word ? *word : 0, text);
}
