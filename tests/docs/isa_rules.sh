#!/bin/sh
# isa_rules.sh - the rules isa/ISA.md states for writing programs (layout,
# macros, local labels, EPSR, wfi timing, the disk without a disk, the D
# re-walk) hold: isa_rules.s checks each from inside a guest and prints
# PASS or FAIL; run bare and under the VMM, every check passes and the two
# transcripts are the same.  And the complete program of ISA.md section 5
# runs as shown.
set -eu
BUILD=${BUILD:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM   # the EXIT trap then runs
failures=0
"$BUILD/bin/t32as" -o "$tmp/rules.img" tests/docs/isa_rules.s
want=$(grep -cE '^;   [a-z@-]+ ' tests/docs/isa_rules.s)      # the rules listed at its top
for mode in bare trap; do
    status=0
    "$BUILD/bin/trapeze" run --mode $mode --max-insns 100000 "$tmp/rules.img" </dev/null \
        >"$tmp/$mode.txt" || status=$?
    sed "s/^/$mode: /" "$tmp/$mode.txt"
    passes=$(grep -c '^PASS ' "$tmp/$mode.txt" || true)
    if [ "$status" -ne 0 ] || grep -q '^FAIL' "$tmp/$mode.txt" || [ "$passes" -ne "$want" ]; then
        echo "FAIL $mode: status $status, $passes of $want checks passed"
        failures=$((failures + 1))
    fi
done
cmp -s "$tmp/bare.txt" "$tmp/trap.txt" || { echo "FAIL bare and trap transcripts differ"; failures=$((failures + 1)); }

# ISA.md section 5's complete program assembles as shown and prints its line.
awk '/hello[.]s`, with comments/ { want = 1 } want && /^```/ { if (inside) exit; inside = 1; next } inside' \
    isa/ISA.md >"$tmp/complete.s"
if "$BUILD/bin/t32as" -o "$tmp/complete.img" "$tmp/complete.s" &&
   [ "$("$BUILD/bin/trapeze" run --bare --max-insns 10000 "$tmp/complete.img")" = "hello, world" ]; then
    echo "PASS ISA.md's complete program"
else
    echo "FAIL ISA.md's complete program does not assemble or does not print 'hello, world':"
    cat "$tmp/complete.s"
    failures=$((failures + 1))
fi
[ "$failures" -eq 0 ] && echo "PASS all $want rules, bare and under the VMM"
[ "$failures" -eq 0 ]
