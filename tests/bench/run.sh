#!/bin/sh
# Print the interpreter's benchmark figures, one `NAME: VALUE UNIT` per line.
# Uses the build in $BUILD (the optimised build/ by default).
set -eu
BUILD="${BUILD:-build}"
make -s BUILD="$BUILD" "$BUILD/bin/t32bench"
"$BUILD/bin/t32bench" "${BENCH_SCALE:-1}"
