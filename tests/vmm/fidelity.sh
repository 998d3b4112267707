#!/bin/sh
# fidelity.sh - Popek and Goldberg's fidelity, end to end: a paged kernel
# with a user process (guests/fidelity.s, no pushf/popf) gives the same
# console transcript, byte for byte, and retires the same number of
# instructions on bare T32 and under --mode trap - for several timer
# intervals, since the transcript interleaves timer ticks with user output.
set -eu
BUILD=${BUILD:-build}
T=$BUILD/bin/trapeze
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM   # the EXIT trap then runs
failures=0
insns() { sed -n 's/.*"guest_insns": \([0-9]*\).*/\1/p' "$1" | head -n 1; }
for tick in 97 777 5000; do
    img=$BUILD/tests/vmm/guests/fidelity-$tick.img
    for mode in bare trap; do
        "$T" run --mode $mode --max-insns 20000000 --stats-json "$tmp/$mode.json" "$img" \
            >"$tmp/$mode.txt" </dev/null || { echo "FAIL tick $tick: $mode run did not halt"; failures=$((failures + 1)); }
    done
    if ! cmp -s "$tmp/bare.txt" "$tmp/trap.txt"; then
        echo "FAIL tick $tick: transcripts differ"; diff "$tmp/bare.txt" "$tmp/trap.txt" | head
        failures=$((failures + 1))
    elif [ "$(insns "$tmp/bare.json")" != "$(insns "$tmp/trap.json")" ]; then
        echo "FAIL tick $tick: $(insns "$tmp/bare.json") instructions bare, $(insns "$tmp/trap.json") in the VM"
        failures=$((failures + 1))
    elif ! grep -q 'faults 00000001' "$tmp/trap.txt" || ! grep -q 'P182e1418$' "$tmp/trap.txt"; then
        echo "FAIL tick $tick: the kernel did not run as designed"; cat "$tmp/trap.txt"
        failures=$((failures + 1))
    else
        echo "PASS tick $tick: same transcript, $(insns "$tmp/trap.json") instructions either way"
        tail -n 1 "$tmp/trap.txt"
    fi
done
echo "fidelity: $failures failures"
[ "$failures" -eq 0 ]
