#!/bin/sh
# examples.sh - every program in examples/ runs, bare and under the VMM,
# exactly as examples/README.md says: it halts (trapeze exits 0) and prints
# its expected transcript, examples/NAME.out - or examples/NAME.trap.out
# under --mode trap where the two differ on purpose (modecheck: pushf).
# The images are the ones `make` built into $BUILD/examples/.
# UPDATE=1 rewrites the transcripts from the bare and trap runs.
set -eu
. tests/lib.sh

n=0
for src in examples/*.s; do
    name=$(basename "$src" .s)
    [ "$name" = print ] && continue           # a library, not a program
    n=$((n + 1))
    img=$BUILD/examples/$name.img
    [ -f "$img" ] || { fail "$name: $img was not built by make"; continue; }
    for mode in bare trap; do
        want=examples/$name.out
        [ "$mode" = trap ] && [ -f "examples/$name.trap.out" ] && want=examples/$name.trap.out
        status=0
        "$T" run --mode $mode --max-insns 1000000 "$img" </dev/null \
            >"$tmp/out" 2>"$tmp/err" || status=$?
        if [ "${UPDATE:-}" = 1 ]; then
            if [ "$mode" = bare ]; then cp "$tmp/out" "examples/$name.out"
            elif ! cmp -s "$tmp/out" "examples/$name.out"; then cp "$tmp/out" "examples/$name.trap.out"; fi
            continue
        fi
        if [ "$status" -ne 0 ]; then
            fail "$name ($mode): trapeze exited with status $status, not 0 (halt)"
            cat "$tmp/err"
        elif ! cmp -s "$want" "$tmp/out"; then
            fail "$name ($mode): the transcript differs from $want:"
            diff "$want" "$tmp/out" || true
        else
            echo "PASS $name ($mode)"
        fi
    done
done
[ "$n" -ge 5 ] || fail "only $n examples found"
[ "$failures" -eq 0 ]
