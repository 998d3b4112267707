/*
 * fuzz_snapshot.c - libFuzzer harness for t32_snapshot_deserialize.
 *
 * Snapshot files and migration streams come from outside, so any byte
 * string must either be rejected with a message or give a snapshot that
 * serializes back to exactly the same bytes (the format is canonical: one
 * machine state, one encoding).  A small accepted snapshot is then
 * restored into a machine of its shape and run for a while: whatever
 * state the bytes describe - odd PSRs, timers, pending lines, disk
 * transfers in flight - the machine must cope.  Anything else - a crash,
 * a sanitizer report, a leak, a different re-encoding - is a bug.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "t32.h"

#define RUN_MAX_MEM   (256u << 10)   /* restore and run only small machines */
#define RUN_CYCLES    2000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Accepted bytes must re-encode to exactly themselves. */
static void check_canonical(const t32_snapshot *s, const uint8_t *data, size_t size)
{
    size_t len = t32_snapshot_size(s);
    uint8_t *again = malloc(len ? len : 1);
    if (!again)
        abort();
    if (len != size || !t32_snapshot_serialize(s, again, len) ||
        memcmp(again, data, size) != 0)
        abort();
    free(again);
}

static void restore_and_run(const t32_snapshot *s)
{
    if (t32_snapshot_memsize(s) > RUN_MAX_MEM)
        return;
    t32_machine *m = t32_machine_new(t32_snapshot_memsize(s), t32_snapshot_ncpus(s));
    if (!m)
        abort();
    t32_console_init(&m->console, NULL, -1);    /* never read the host */
    if (!t32_snapshot_restore(m, s))
        abort();                                /* same shape: must fit */
    int which;
    t32_machine_run(m, RUN_CYCLES, &which);
    t32_machine_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *err = NULL;
    t32_snapshot *s = t32_snapshot_deserialize(data, size, &err);
    if (!s) {
        if (!err || !*err)
            abort();                /* rejected without saying why */
        return 0;
    }
    check_canonical(s, data, size);
    restore_and_run(s);
    t32_snapshot_free(s);
    return 0;
}
