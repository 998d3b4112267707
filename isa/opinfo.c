/*
 * opinfo.c - lookups in the opcode table and the name tables of t32.h.
 *
 * Everything here is generated from the X-macros in opcodes.h and t32.h, so
 * there is no second list of mnemonics, causes or system registers.
 */
#include <string.h>

#include "t32.h"

const t32_opinfo t32_ops[256] = {
#define X(name, mnem, code, fmt, cls) [code] = { mnem, fmt, cls },
    T32_OPCODES(X)
#undef X
};

int t32_op_lookup(const char *mnemonic)
{
    for (int op = 0; op < 256; op++)
        if (t32_ops[op].mnemonic && strcmp(t32_ops[op].mnemonic, mnemonic) == 0)
            return op;
    return -1;
}

const char *t32_cause_name(t32_cause cause)
{
    switch (cause) {
#define X(name, str, num) case T32_CAUSE_##name: return str;
    T32_CAUSES(X)
#undef X
    default: return "?";
    }
}

static const char *const sysreg_names[T32_NSYSREGS] = {
#define X(name, str, num) [num] = str,
    T32_SYSREGS(X)
#undef X
};

const char *t32_sysreg_name(unsigned sr)
{
    return sr < T32_NSYSREGS ? sysreg_names[sr] : NULL;
}

int t32_sysreg_lookup(const char *name)
{
    for (unsigned sr = 0; sr < T32_NSYSREGS; sr++)
        if (strcmp(sysreg_names[sr], name) == 0)
            return (int)sr;
    return -1;
}

const char *t32_exit_name(t32_exit why)
{
    switch (why) {
    case T32_EXIT_HALT:       return "halt";
    case T32_EXIT_BUDGET:     return "budget";
    case T32_EXIT_TRAP:       return "trap";
    case T32_EXIT_BREAKPOINT: return "breakpoint";
    case T32_EXIT_IDLE:       return "idle";
    }
    return "?";
}
