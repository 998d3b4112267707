#!/bin/sh
# usage.sh - t32bench's command line (the benchmarks themselves are timed
# and run only by `make bench`): NAME is alu, paged, mem or trap, and any
# other NAME - a figure's name such as alu_mips - is a usage error, not a
# run that measures nothing.  The runs here are tiny (SCALE 1e-7).
set -eu
. tests/lib.sh
B=$BUILD/bin/t32bench
for name in alu paged mem trap; do
    if "$B" 1e-7 "$name" >"$tmp/out" 2>&1 && [ -s "$tmp/out" ]; then
        echo "PASS t32bench 1e-7 $name prints its figures"
    else
        fail "t32bench 1e-7 $name"; cat "$tmp/out"
    fi
done
for bad in alu_mips nosuch ""; do
    set +e
    "$B" 1e-7 "$bad" >"$tmp/out" 2>"$tmp/err"
    status=$?
    set -e
    if [ "$status" -eq 2 ] && grep -q "usage: t32bench" "$tmp/err" && [ ! -s "$tmp/out" ]; then
        echo "PASS t32bench 1e-7 '$bad' is a usage error"
    else
        fail "t32bench 1e-7 '$bad': exit status $status, expected 2 and the usage"; cat "$tmp/out" "$tmp/err"
    fi
done
# Figures that cannot be written are no benchmark run: status 1, and why.
set +e
"$B" 1e-7 alu >/dev/full 2>"$tmp/err"
status=$?
set -e
expect_error "t32bench with stdout on /dev/full" "$status" "t32bench: standard output: error: write failed"
[ "$failures" -eq 0 ]
