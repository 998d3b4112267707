#!/bin/sh
# The fuzzing slice of `make check`: every harness for 20 seconds (after
# replaying its regression inputs and seeds).  Zero findings allowed.
exec "$(dirname "$0")/run.sh" "${FUZZ_SLICE_SECONDS:-20}"
