#!/bin/sh
# popf_problem.sh - "There is no trap!": what a deprivileged guest kernel
# does when pushf and popf run natively (vmm/README.md, "The popf problem").
#
# 1. tickwait (tests/vmm/popf/tickwait.s): pushf; cli; ...; popf, then wait
#    for a timer tick.  Bare T32: the tick arrives, the guest halts (0).
#    --mode trap: popf cannot restore the virtual IE, the tick is never
#    delivered and the guest spins until its budget (exit status 3).
# 2. guestos, default scenario: bare says "mode check: kernel", the VM says
#    "mode check: user".  Both finish (exit 0) and print the same lines -
#    nothing starves - but interrupts are lost inside the kernel: each
#    critical section leaves the virtual IE off for the rest of that kernel
#    path, so fewer timer ticks land in kernel mode, the ones due there are
#    delivered late (at the rfe back to user mode), and processes interleave
#    differently.
set -eu
BUILD=${BUILD:-build}
TRAPEZE=$BUILD/bin/trapeze
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM   # the EXIT trap then runs
fail() { echo "popf_problem: FAIL: $*"; exit 1; }

# ---- 1. the smallest demonstration ----------------------------------------
img=$BUILD/tests/vmm/popf/tickwait.img
[ -f "$img" ] || fail "$img is missing"
"$TRAPEZE" run --bare --max-insns 200000 "$img" >"$tmp/bare.txt" </dev/null || fail "tickwait: bare run failed"
set +e
"$TRAPEZE" run --mode trap --max-insns 200000 "$img" >"$tmp/trap.txt" 2>"$tmp/trap.err" </dev/null
status=$?
set -e
echo "--- tickwait, bare:"; cat "$tmp/bare.txt"
echo "--- tickwait, --mode trap (exit status $status):"; cat "$tmp/trap.txt" "$tmp/trap.err"
grep -qx "mode check: kernel" "$tmp/bare.txt" || fail "bare pushf should see kernel mode"
grep -qx "tick arrived" "$tmp/bare.txt" || fail "bare: the tick should arrive"
grep -qx "mode check: user" "$tmp/trap.txt" || fail "trap: pushf should reveal user mode"
grep -q "tick arrived" "$tmp/trap.txt" && fail "trap: the tick should never arrive"
[ "$status" -eq 3 ] || fail "trap: expected the instruction limit (status 3), got $status"

# ---- 2. guestos -------------------------------------------------------------
kernel=$BUILD/guestos/kernel.img
disk=$BUILD/guestos/default.disk
[ -f "$kernel" ] && [ -f "$disk" ] || fail "guestos images are missing"
for mode in bare trap; do
    cp "$disk" "$tmp/$mode.disk"
    "$TRAPEZE" run --mode $mode --max-insns 50000000 --stats-json "$tmp/$mode.json" \
        --disk "$tmp/$mode.disk" "$kernel" >"$tmp/os-$mode.txt" </dev/null ||
        fail "guestos: $mode run did not halt"
done
grep -qx "mode check: kernel" "$tmp/os-bare.txt" || fail "guestos bare: mode check"
grep -qx "mode check: user" "$tmp/os-trap.txt" || fail "guestos trap: mode check"
# Same work done: the same lines, apart from the mode check and the tick count.
strip() { grep -v -e '^mode check:' -e '^summary:' "$1" | sort; }
strip "$tmp/os-bare.txt" >"$tmp/bare.sorted"
strip "$tmp/os-trap.txt" >"$tmp/trap.sorted"
cmp -s "$tmp/bare.sorted" "$tmp/trap.sorted" || fail "guestos: different lines (something starved?)"
# Interrupts lost inside the kernel.
kirqs() { sed -n 's/.*"irqs_in_kernel": \([0-9]*\).*/\1/p' "$1" | head -n 1; }
kb=$(kirqs "$tmp/bare.json")
kt=$(kirqs "$tmp/trap.json")
echo "--- guestos: timer interrupts taken in kernel mode: bare $kb, trap $kt"
[ "$kt" -lt "$kb" ] || fail "guestos: expected fewer interrupts in kernel mode under trap"
echo "--- guestos: order of output, bare vs trap:"
diff "$tmp/os-bare.txt" "$tmp/os-trap.txt" || true
echo "popf_problem: PASS"
