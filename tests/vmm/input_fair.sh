#!/bin/sh
# input_fair.sh - a VM waiting for console input on a silent, open pipe
# does not stop the others: `sleep 8 | trapeze run --vm reader --vm counter`
# must show the counter's work while the pipe is still open and silent.
set -eu
BUILD=${BUILD:-build}
T=$BUILD/bin/trapeze
G=$BUILD/tests/vmm/guests
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM   # the EXIT trap then runs
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
pass() { echo "PASS $*"; }

mkfifo "$tmp/in"
"$T" run --vm "$G/reader.img" --vm "$G/counter.img" <"$tmp/in" >"$tmp/out" 2>&1 &
pid=$!
exec 3>"$tmp/in"                 # the pipe is open, and says nothing
i=0
while [ $i -lt 200 ] && ! grep -q '^\[vm1\] 5$' "$tmp/out"; do
    sleep 0.05
    i=$((i + 1))
done
if grep -q '^\[vm1\] 5$' "$tmp/out"; then
    pass "the counter ran to its end while the reader waited on a silent pipe"
else
    fail "the counter was stopped by the reader's wait"; cat "$tmp/out"
fi
printf 'typed\n' >&3
exec 3>&-                        # end of input: the reader halts
status=0
wait "$pid" || status=$?
pid=
if [ "$status" -eq 0 ] && grep -q '^\[vm0\] typed$' "$tmp/out"; then
    pass "the reader got its line after the wait, and both VMs halted"
else
    fail "the reader's line (status $status)"; cat "$tmp/out"
fi

# Input from a file never waits: the same run twice gives the same output.
printf 'one\ntwo\n' >"$tmp/file"
"$T" run --vm "$G/reader.img" --vm "$G/counter.img" <"$tmp/file" >"$tmp/a" 2>&1
"$T" run --vm "$G/reader.img" --vm "$G/counter.img" <"$tmp/file" >"$tmp/b" 2>&1
cmp -s "$tmp/a" "$tmp/b" && grep -q '^\[vm0\] two$' "$tmp/a" &&
    pass "input from a file: deterministic" || fail "input from a file"

# A fifo that no process ever opens for writing: bare T32's read sees its
# end at once (after --input's grace), and so must a VM, whose poll sees
# nothing at all there - not wait for a writer for ever.
mkfifo "$tmp/nowriter"
for mode in bare trap; do
    st=0
    timeout 30 "$T" run --mode $mode --input "$tmp/nowriter" "$G/reader.img" \
        >"$tmp/$mode" 2>&1 </dev/null || st=$?
    if [ "$st" -eq 0 ]; then
        pass "--mode $mode, a fifo nobody writes: the end of input"
    else
        fail "--mode $mode, a fifo nobody writes: status $st"; cat "$tmp/$mode"
    fi
done
cmp -s "$tmp/bare" "$tmp/trap" && pass "a fifo nobody writes: the same transcript bare and in a VM" ||
    fail "a fifo nobody writes: bare and VM differ"

# A VM alone on the machine, waiting for typed input, waits as bare T32
# does: no virtual time passes, so no timer tick comes, whatever --quantum
# (it once idled to the end of its turn first: 99 ticks, or 9999).
for q in 10000 1000000; do
    rm -f "$tmp/tin" && mkfifo "$tmp/tin"
    "$T" run --mode trap --quantum $q "$G/ticks.img" <"$tmp/tin" >"$tmp/ticks" 2>&1 &
    pid=$!
    exec 4>"$tmp/tin"            # open, silent: the guest waits on it
    sleep 0.3
    printf 'x\n' >&4
    exec 4>&-
    wait "$pid" || true
    pid=
    if [ "$(cat "$tmp/ticks")" = 00000000 ]; then
        pass "--quantum $q: a lone VM waiting for input takes no tick"
    else
        fail "--quantum $q: a lone VM waiting for input took ticks: $(cat "$tmp/ticks")"
    fi
done

echo "input_fair: $failures failures"
[ "$failures" -eq 0 ]
