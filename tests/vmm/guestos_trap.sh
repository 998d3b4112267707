#!/bin/sh
# guestos_trap.sh - guestos end to end under the trap-and-emulate VMM.
#
# 1. Every scenario halts under --mode trap and does the same work as on
#    bare T32: the same lines, in an order that may differ (the popf
#    problem moves preemption points - see popf_problem.sh) and apart from
#    the mode check and the tick count.  The shell scenario reads stdin.
# 2. Several VMs in one process: each VM's console transcript is exactly
#    the transcript of the same guest run alone - the round robin between
#    VMs is invisible to them - whether it goes to stdout with a [vmN]
#    prefix or to its own file.
set -eu
. tests/lib.sh
OS=$BUILD/guestos
pass() { echo "PASS $*"; }
LIMIT=100000000
printf 'hello there\npid\nuptime\nexit\n' >"$tmp/input"

# run MODE SCENARIO OUT: guestos with a fresh copy of the scenario's disk.
run() {
    cp "$OS/$2.disk" "$tmp/$2-$1.disk"
    "$T" run --mode "$1" --max-insns $LIMIT --disk "$tmp/$2-$1.disk" "$OS/kernel.img" \
        <"$tmp/input" >"$3"
}
same_work() { grep -v -e '^mode check:' -e '^summary:' "$1" | sort; }

# ---- 1. every scenario, bare and trap ---------------------------------------------
for s in default counters faults shell bench; do
    [ -f "$OS/$s.disk" ] || { fail "$s: $OS/$s.disk is missing"; continue; }
    if ! run bare "$s" "$tmp/$s-bare.txt"; then fail "$s: bare run did not halt"; continue; fi
    if ! run trap "$s" "$tmp/$s-trap.txt"; then fail "$s: trap run did not halt"; continue; fi
    same_work "$tmp/$s-bare.txt" >"$tmp/a"
    same_work "$tmp/$s-trap.txt" >"$tmp/b"
    if cmp -s "$tmp/a" "$tmp/b" && grep -q '^summary:' "$tmp/$s-trap.txt" &&
       { [ "$s" != shell ] || grep -q 'HELLO THERE' "$tmp/$s-trap.txt"; }; then
        pass "$s: same work under --mode trap"
    else
        fail "$s: different work under --mode trap"; diff "$tmp/a" "$tmp/b" | head -20
    fi
done

# ---- 2. several VMs in one process ---------------------------------------------------
for s in default counters bench; do cp "$OS/$s.disk" "$tmp/multi-$s.disk"; done
if "$T" run --mode trap --max-insns $LIMIT --quantum 3000 \
        --vm "$OS/kernel.img,disk=$tmp/multi-default.disk" \
        --vm "$OS/kernel.img,disk=$tmp/multi-counters.disk,console=$tmp/vm1.txt" \
        --vm "$OS/kernel.img,disk=$tmp/multi-bench.disk" </dev/null >"$tmp/multi.txt"; then
    pass "three VMs halt"
else
    fail "three VMs did not all halt"
fi
# A VM's own lines, prefix removed.
lines_of() { sed -n "s/^\[vm$1\] //p" "$tmp/multi.txt"; }
for pair in 0:default 2:bench; do
    n=${pair%%:*} s=${pair#*:}
    cp "$OS/$s.disk" "$tmp/solo.disk"
    "$T" run --mode trap --max-insns $LIMIT --disk "$tmp/solo.disk" "$OS/kernel.img" \
        </dev/null >"$tmp/solo-$s.txt" 2>/dev/null || true
    lines_of "$n" >"$tmp/vm$n.txt"
    if cmp -s "$tmp/vm$n.txt" "$tmp/solo-$s.txt"; then
        pass "vm$n ($s): the same transcript as alone"
    else
        fail "vm$n ($s): transcript differs from a solo run"; diff "$tmp/vm$n.txt" "$tmp/solo-$s.txt" | head
    fi
done
cp "$OS/counters.disk" "$tmp/solo.disk"
"$T" run --mode trap --max-insns $LIMIT --disk "$tmp/solo.disk" "$OS/kernel.img" </dev/null >"$tmp/solo-counters.txt" || true
if cmp -s "$tmp/vm1.txt" "$tmp/solo-counters.txt" && ! grep -q '^\[vm1\]' "$tmp/multi.txt"; then
    pass "vm1 (counters): its own console file, the same transcript as alone"
else
    fail "vm1 (counters): console file differs from a solo run"
fi

# Two interactive shells, each reading its own input file.
printf 'first vm\nexit\n' >"$tmp/in0"
printf 'second vm\nexit\n' >"$tmp/in1"
cp "$OS/shell.disk" "$tmp/sh0.disk"
cp "$OS/shell.disk" "$tmp/sh1.disk"
if "$T" run --mode trap --max-insns $LIMIT \
        --vm "$OS/kernel.img,disk=$tmp/sh0.disk,input=$tmp/in0" \
        --vm "$OS/kernel.img,disk=$tmp/sh1.disk,input=$tmp/in1" </dev/null >"$tmp/shells.txt" &&
   grep -q '^\[vm0\] > FIRST VM' "$tmp/shells.txt" && grep -q '^\[vm1\] > SECOND VM' "$tmp/shells.txt"; then
    pass "two shells, each with its own input"
else
    fail "two shells, each with its own input"; head -40 "$tmp/shells.txt"
fi

echo "guestos_trap: $failures failures"
[ "$failures" -eq 0 ]
