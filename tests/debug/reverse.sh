#!/bin/sh
# Reverse execution lands exactly where forward execution was: in every
# mode, stop somewhere, note the state (cycle, pc, hashes of registers,
# virtual state and memory), run forward, step back to the same cycle and
# compare - then forward again, and compare once more.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
status=0
check() {   # check NAME OPTIONS...
    # (the breakpoint goes once reached: a count of steps stops at one)
    name=$1; shift
    out=$(printf 'break kputs\nc\ndelete\nsi 40\ninfo state\nsi 300\nrsi 300\ninfo state\nsi 7\nrsi 7\ninfo state\n' |
        "$BUILD/bin/trapeze" debug --batch "$@" 2>&1 | grep '^cycle ')
    if [ "$(echo "$out" | sort -u | wc -l)" -ne 1 ] || [ "$(echo "$out" | wc -l)" -ne 3 ]; then
        echo "reverse: $name FAILED: the states differ:"; echo "$out"; status=1
    fi
}
k=$BUILD/guestos/kernel.img
disk="--disk $BUILD/guestos/default.disk --max-insns 200000"
# shellcheck disable=SC2086
check bare --bare "$k" $disk
for mode in trap bt emulate; do
    # shellcheck disable=SC2086
    check "$mode" --mode "$mode" "$k" $disk
done
# shellcheck disable=SC2086
check pv --mode pv "$BUILD/guestos/kernel-pv.img" $disk
# A long step back (over several turns and timer ticks): a paravirtual
# guest's interrupts must not depend on where its runs were cut.
out=$(printf 'si 252058\ninfo state\nsi 8000\nrsi 8000\ninfo state\n' |
    "$BUILD/bin/trapeze" debug --batch --mode pv "$BUILD/guestos/kernel-pv.img" \
        --disk "$BUILD/guestos/default.disk" 2>&1 | grep '^cycle ')
if [ "$(echo "$out" | sort -u | wc -l)" -ne 1 ] || [ "$(echo "$out" | wc -l)" -ne 2 ]; then
    echo "reverse: pv, a long step back, FAILED: the states differ:"; echo "$out"; status=1
fi
# A search back (reverse-continue) re-runs history: --trace must not tell
# it again - as many lines as for the forward run alone.
g=$BUILD/tests/debug/guest.img
"$BUILD/bin/t32as" -o "$g" tests/debug/guest.s
t=$BUILD/tests/debug/rc-trace
printf 'si 60\n' | "$BUILD/bin/trapeze" debug --batch --mode bt --trace "$t.1" "$g" >/dev/null 2>&1
printf 'si 60\nbreak loop\nrc\nrc\n' |
    "$BUILD/bin/trapeze" debug --batch --mode bt --trace "$t.2" "$g" >/dev/null 2>&1
if [ "$(wc -l <"$t.1")" -ne "$(wc -l <"$t.2")" ]; then
    echo "reverse: rc told --trace again: $(wc -l <"$t.1") lines forward, $(wc -l <"$t.2") with rc"
    status=1
fi
# vmm/debug/README.md's walkthrough says its two `info state` lines print
# the same: run its commands (the printf line of its ```sh block) on a
# copy of the disk and compare them.
cmds=$(sed -n "s/^printf '\(break kputs[^']*\)'.*/\1/p" vmm/debug/README.md)
cp "$BUILD/guestos/default.disk" "$t.disk"
# shellcheck disable=SC2059  # the README's commands are the format
out=$(printf "$cmds" | "$BUILD/bin/trapeze" debug --batch --mode trap "$k" --disk "$t.disk" 2>&1 |
    grep '^cycle ')
if [ -z "$cmds" ] || [ "$(echo "$out" | sort -u | wc -l)" -ne 1 ] || [ "$(echo "$out" | wc -l)" -ne 2 ]; then
    echo "reverse: vmm/debug/README.md's walkthrough FAILED: its two info state lines differ:"
    echo "$out"; status=1
fi
[ $status -eq 0 ] && echo "reverse: a reverse step lands on the state forward execution had, in every mode"
exit $status
