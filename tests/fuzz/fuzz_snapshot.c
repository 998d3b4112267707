/*
 * fuzz_snapshot.c - libFuzzer harness for t32_snapshot_deserialize.
 *
 * Snapshot files and migration streams come from outside, so any byte
 * string must either be rejected with a message or give a snapshot that
 * serializes back to exactly the same bytes (the format is canonical: one
 * machine state, one encoding).  Anything else - a crash, a sanitizer
 * report, a leak, a different re-encoding - is a bug.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "t32.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *err = NULL;
    t32_snapshot *s = t32_snapshot_deserialize(data, size, &err);
    if (!s) {
        if (!err || !*err)
            abort();                /* rejected without saying why */
        return 0;
    }
    size_t len = t32_snapshot_size(s);
    uint8_t *again = malloc(len ? len : 1);
    if (!again)
        abort();
    if (len != size || !t32_snapshot_serialize(s, again, len) ||
        memcmp(again, data, size) != 0)
        abort();                    /* accepted bytes must re-encode exactly */
    free(again);
    t32_snapshot_free(s);
    return 0;
}
