#!/bin/sh
# `make bench`: how fast `continue` runs the guest under the debugger,
# against `trapeze run` of the same guest (tests/debug/spin.s, 30 million
# instructions, under --mode trap), as a speed ratio (1.00 x = as fast):
#   debug_continue_ratio      continue, nothing watched (target >= 0.90)
#   debug_continue_10bp_ratio continue with 10 breakpoints set that never
#                             hit (target >= 0.50): the CPU checks each fetch
#                             from a page that holds one
# Timing is printed, never asserted.  Best of 3 runs each.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
t=$BUILD/bin/trapeze
mkdir -p "$BUILD/tests/debug"
"$BUILD/bin/t32as" -o "$BUILD/tests/debug/spin.img" tests/debug/spin.s
args="--mode trap $BUILD/tests/debug/spin.img"
best() {   # best CMD...: the fastest of 3 runs, in ns
    b=0
    for _ in 1 2 3; do
        s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N)
        [ $b -eq 0 ] || [ $((e - s)) -lt $b ] && b=$((e - s))
    done
    echo $b
}
bps=""
for i in 0 1 2 3 4 5 6 7 8 9; do bps="${bps}break *$((0xff0000 + 4 * i))
"; done
# shellcheck disable=SC2086
run=$(best $t run $args)
# shellcheck disable=SC2086
dbg=$(best sh -c "echo c | $t debug --batch $args")
# shellcheck disable=SC2086
dbg10=$(best sh -c "printf '%sc\n' '$bps' | $t debug --batch $args")
awk -v r="$run" -v d="$dbg" -v d10="$dbg10" 'BEGIN {
    printf "debug_continue_ratio: %.2f x\n", r / d
    printf "debug_continue_10bp_ratio: %.2f x\n", r / d10 }'
