#!/bin/sh
# The VMM's benchmark figures (`make bench`): guestos's CPU-bound scenario
# on bare T32 and under trap-and-emulate.  Printed, never asserted.
set -eu
BUILD="${BUILD:-build}"
make -s BUILD="$BUILD" "$BUILD/bin/vmmbench" "$BUILD/guestos/kernel.img" "$BUILD/guestos/bench.disk"
"$BUILD/bin/vmmbench" "$BUILD/guestos/kernel.img" "$BUILD/guestos/bench.disk"
