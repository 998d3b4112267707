#!/bin/sh
# The fuzzing slice of `make check`: every harness for 20 seconds (after
# replaying its regression inputs and seeds).  Zero findings allowed.
# Every harness has its row in tests/fuzz/README.md's table.
for harness in "$(dirname "$0")"/fuzz_*.c; do
    grep -q "^| \`$(basename "$harness")\` |" "$(dirname "$0")/README.md" ||
        { echo "fuzz: $(basename "$harness") is not in tests/fuzz/README.md's table"; exit 1; }
done
exec "$(dirname "$0")/run.sh" "${FUZZ_SLICE_SECONDS:-20}"
