/*
 * mode.c - the registry of VMM modes: which table of operations (mode.h)
 * implements each --mode name.  A new mode is its own file or folder with
 * its table, a VMM_MODE_* value (vmm.h), an extern (mode.h), one line in
 * each of the two tables here, and its name in --mode's help
 * (session/options.c).
 */
#include <string.h>

#include "vmm/modes/mode.h"

/* Indexed by vmm_mode.  Bare has no table: nothing of the VMM runs. */
static const vmm_mode_ops *const modes[VMM_NMODES] = {
    [VMM_MODE_BARE] = NULL,
    [VMM_MODE_TRAP] = &mode_trap,
    [VMM_MODE_BT]   = &mode_bt,
    [VMM_MODE_EMULATE] = &mode_emulate,
    [VMM_MODE_PV]   = &mode_pv,
};

static const char *const names[VMM_NMODES] = {
    [VMM_MODE_BARE] = "bare",
    [VMM_MODE_TRAP] = "trap",
    [VMM_MODE_BT]   = "bt",
    [VMM_MODE_EMULATE] = "emulate",
    [VMM_MODE_PV]   = "pv",
};

const vmm_mode_ops *mode_get(vmm_mode id)
{
    return (unsigned)id < VMM_NMODES ? modes[id] : NULL;
}

int mode_lookup(const char *name)
{
    for (int i = 0; i < VMM_NMODES; i++)
        if (names[i] && strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

const char *mode_name(vmm_mode id)
{
    return (unsigned)id < VMM_NMODES ? names[id] : "?";
}

const char *mode_names(void)
{
    static char list[128];
    if (list[0] == '\0') {
        for (int i = 0; i < VMM_NMODES; i++) {
            if (!names[i])
                continue;
            if (list[0] != '\0')
                strcat(list, ", ");
            strcat(list, names[i]);
        }
    }
    return list;
}
