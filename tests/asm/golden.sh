#!/bin/sh
# Golden tests of t32as and t32dis: for each tests/asm/golden/NAME.s,
#   NAME.lst  expected listing (t32as -l)         NAME.map  expected symbol map (-m)
#   NAME.dis  expected t32dis output of the image NAME.err  expected diagnostics
# are compared byte for byte with what the build's tools produce; a .dis must
# also assemble back to an image that disassembles the same.  Without
# NAME.err the assembly must succeed silently; with it, the exit status must
# be 1 if the expected text holds an error, else 0.
#   BUILD=build/san tests/asm/golden.sh        (BUILD names the build folder)
#   UPDATE=1 tests/asm/golden.sh               rewrite the expected files
# Then end to end: each tests/asm/run/NAME.s is assembled and run with
# `trapeze run --bare`, and its console output compared with NAME.out.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$root/${BUILD:-build}/bin"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM   # the EXIT trap then runs
cd "$root/tests/asm/golden" || exit 1
failed=0
total=0

compare() {   # compare EXPECTED ACTUAL NAME
    if [ "${UPDATE:-}" = 1 ]; then cp "$2" "$1"; return; fi
    if ! cmp -s "$1" "$2"; then
        echo "FAIL $3: $1 differs:"
        diff -u "$1" "$2" | head -n 40
        failed=$((failed + 1))
    fi
}

for src in *.s; do
    name=${src%.s}
    total=$((total + 1))
    "$bin/t32as" -I inc -o "$tmp/$name.t32" -l "$tmp/$name.lst" -m "$tmp/$name.map" "$src" \
        2>"$tmp/$name.err"
    status=$?
    if [ -f "$name.err" ]; then
        compare "$name.err" "$tmp/$name.err" "$name"
        want=0
        grep -q 'error:' "$name.err" && want=1
    else
        want=0
        if [ -s "$tmp/$name.err" ]; then
            echo "FAIL $name: unexpected diagnostics:"; cat "$tmp/$name.err"; failed=$((failed + 1))
        fi
    fi
    if [ "$status" -ne "$want" ]; then
        echo "FAIL $name: exit status $status, expected $want"; failed=$((failed + 1))
    fi
    [ -f "$name.lst" ] && compare "$name.lst" "$tmp/$name.lst" "$name"
    [ -f "$name.map" ] && compare "$name.map" "$tmp/$name.map" "$name"
    if [ -f "$name.dis" ]; then
        "$bin/t32dis" "$tmp/$name.t32" >"$tmp/$name.dis" 2>&1
        compare "$name.dis" "$tmp/$name.dis" "$name"
        # The disassembly is source: assembled again, it disassembles the same.
        if ! "$bin/t32as" -o "$tmp/$name.again.t32" "$tmp/$name.dis" ||
           ! "$bin/t32dis" "$tmp/$name.again.t32" | cmp -s - "$tmp/$name.dis"; then
            echo "FAIL $name: the disassembly does not assemble back to the same image"
            failed=$((failed + 1))
        fi
    fi
done
cd "$root/tests/asm/run" || exit 1
for src in *.s; do
    name=${src%.s}
    total=$((total + 1))
    if ! "$bin/t32as" -o "$tmp/$name.t32" "$src" ||
       ! "$bin/trapeze" run --bare "$tmp/$name.t32" >"$tmp/$name.out" 2>&1; then
        echo "FAIL $name: did not assemble and run"; failed=$((failed + 1))
        continue
    fi
    compare "$name.out" "$tmp/$name.out" "$name"
done
echo "golden: $total sources, $failed failures"
[ "$failed" -eq 0 ]
