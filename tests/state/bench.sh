#!/bin/sh
# `make bench`: debug_rsi_ms - a reverse step after 10^8 instructions, with
# checkpoint memory bounded (tests/state/rsibench.c).  Printed, never asserted.
set -eu
BUILD="${BUILD:-build}"
make -s BUILD="$BUILD" "$BUILD/bin/rsibench" "$BUILD/tests/state/long.img"
"$BUILD/bin/rsibench" "$BUILD/tests/state/long.img"
