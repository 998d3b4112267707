#!/bin/sh
# interrupt.sh - Ctrl-C (SIGINT) stops `trapeze run` where the guests are:
# a message with the cycle and pc, status 130, and the outputs written -
# the trace and the statistics of a guest stuck in a loop are what its user
# wants to see (vmm/README.md, "Exit status").
#
# The signal is sent once the run is surely going: after trapeze has used
# 0.3 s of CPU time, far more than opening the session takes, so the test
# does not depend on how fast the host is.  (A background job of a script
# starts with SIGINT ignored, and trapeze leaves an ignored SIGINT alone:
# env --default-signal gives the job the disposition a terminal's has.)
set -eu
. tests/lib.sh
pass() { echo "PASS $*"; }

cat >"$tmp/loop.s" <<'END'
_start: addi r1, r0, 0x42
        out  r1, 0x10(r0)           ; 'B' on the console, then loop for ever
loop:   addi r2, r2, 1
        b    loop
END
"$BUILD/bin/t32as" "$tmp/loop.s" -o "$tmp/loop.img"

# cpu_ticks PID: the CPU time it has used, in clock ticks (proc(5)).
cpu_ticks() {
    sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# ctrl_c PID: one SIGINT, then its status in $got.  A run that has not
# ended 30 s later is killed (status 137): the test fails, never hangs.
ctrl_c() {
    kill -INT "$1"
    n=0
    while kill -0 "$1" 2>/dev/null && [ "$n" -lt 600 ]; do
        sleep 0.05
        n=$((n + 1))
    done
    kill -KILL "$1" 2>/dev/null || true
    set +e
    wait "$1"
    got=$?
    set -e
}

# busy PID: wait until process PID has had 0.3 s of CPU time (30 ticks):
# running its guest, whatever the host's speed (at most a minute).
busy() {
    tries=0
    while [ "$(cpu_ticks "$1" 2>/dev/null || echo 0)" -lt 30 ] && [ "$tries" -lt 1200 ]; do
        sleep 0.05
        tries=$((tries + 1))
    done
}

# interrupt NAME OPTIONS...: run the loop guest with OPTIONS, Ctrl-C it.
interrupt() {
    name=$1
    shift
    rm -f "$tmp/s.json" "$tmp/t.txt"
    env --default-signal=INT "$T" run "$@" --stats-json "$tmp/s.json" --trace "$tmp/t.txt" \
        >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    busy "$pid"
    ctrl_c "$pid"
    if [ "$got" -ne 130 ]; then
        fail "$name: exit status $got, expected 130"; sed 's/^/    /' "$tmp/err"
    elif ! grep -q 'interrupted (Ctrl-C) after [0-9]* cycles, at pc 0x000010[0-9a-f]* <loop' "$tmp/err"; then
        fail "$name: no message"; sed 's/^/    /' "$tmp/err"
    elif ! grep -q '"guest_insns": [1-9]' "$tmp/s.json" 2>/dev/null; then
        fail "$name: no statistics"; cat "$tmp/s.json" 2>/dev/null || true
    elif [ ! -s "$tmp/t.txt" ] || ! grep -q "B$" "$tmp/out"; then
        fail "$name: the trace or the console was lost"
    else
        pass "$name"
    fi
}

interrupt "bare T32" --bare "$tmp/loop.img"
interrupt "trap" --mode trap "$tmp/loop.img"
interrupt "bt" --mode bt "$tmp/loop.img"
interrupt "two VMs" --mode trap --vm "$tmp/loop.img" --vm "$tmp/loop.img"
if [ "$(grep -c 'vm[01]: interrupted' "$tmp/err")" -eq 2 ]; then
    pass "two VMs: both told"
else
    fail "two VMs: both told"; sed 's/^/    /' "$tmp/err"
fi

# With several vCPUs the message names one that was still running, not a
# vCPU 0 that halted long before.
cat >"$tmp/loop2.s" <<'END'
_start: mfsr r1, cpuid
        bnz  r1, 1f
        halt                        ; vCPU 0 is done at once
1:      addi r1, r0, 0x42
        out  r1, 0x10(r0)           ; vCPU 1: 'B', then loop for ever
loop:   addi r2, r2, 1
        b    loop
END
"$BUILD/bin/t32as" "$tmp/loop2.s" -o "$tmp/loop2.img"
interrupt "vCPU 0 halted" --mode trap --vcpus 2 "$tmp/loop2.img"
if grep -q '^trapeze: vcpu1: interrupted' "$tmp/err"; then
    pass "vCPU 0 halted: the running vCPU is named"
else
    fail "vCPU 0 halted: the running vCPU is not named"; sed 's/^/    /' "$tmp/err"
fi

# A bare guest reading input that is there (a pipe that never runs dry):
# a Ctrl-C stops it at a boundary as any run, outputs written - the ending
# at once is only for a read that would wait.
rm -f "$tmp/s.json"
yes | env --default-signal=INT "$T" run --bare --stats-json "$tmp/s.json" \
    "$BUILD/tests/vmm/guests/reader.img" >/dev/null 2>"$tmp/err" &
rpid= tries=0                  # (trapeze's own pid, not the pipeline's)
while [ -z "$rpid" ] && [ "$tries" -lt 400 ]; do
    rpid=$(pgrep -n -f "stats-json $tmp/s.json" || true)
    sleep 0.05
    tries=$((tries + 1))
done
busy "$rpid"
ctrl_c "$rpid"
if grep -q 'interrupted (Ctrl-C)' "$tmp/err" && grep -q '"guest_insns": [1-9]' "$tmp/s.json" 2>/dev/null; then
    pass "bare, reading input that is there: stopped at a boundary, outputs written"
else
    fail "bare, reading input that is there"; sed 's/^/    /' "$tmp/err"
fi
wait 2>/dev/null || true

# A guest waiting for typed input: a prompt, then `in` (a writer holds the
# fifo open and never writes).  Under the VMM the scheduler's wait for the
# host ends with the Ctrl-C as any other run does.  Bare T32 is in the
# middle of its `in`, with no boundary to stop at: it ends at once, as
# from a second Ctrl-C, and leaves its outputs as they were (none here).
cat >"$tmp/wait.s" <<'END'
_start: addi r1, r0, 0x3e
        out  r1, 0x10(r0)           ; '>'
        in   r2, 0x10(r0)           ; waits for a byte that never comes
        halt
END
"$BUILD/bin/t32as" "$tmp/wait.s" -o "$tmp/wait.img"
mkfifo "$tmp/fifo"
sleep 600 >"$tmp/fifo" &
writer=$!
for mode in trap bare; do
    rm -f "$tmp/s.json" "$tmp/t.txt"
    env --default-signal=INT "$T" run --mode "$mode" --stats-json "$tmp/s.json" \
        --trace "$tmp/t.txt" "$tmp/wait.img" <"$tmp/fifo" >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    tries=0
    while ! grep -q '>' "$tmp/out" && [ "$tries" -lt 1200 ]; do
        sleep 0.05
        tries=$((tries + 1))
    done
    ctrl_c "$pid"
    if [ "$mode" = trap ]; then
        if [ "$got" -eq 130 ] && grep -q 'interrupted (Ctrl-C)' "$tmp/err" && [ -s "$tmp/s.json" ]; then
            pass "trap, waiting for input: stopped, outputs written"
        else
            fail "trap, waiting for input: status $got"; sed 's/^/    /' "$tmp/err"
        fi
    elif [ "$got" -eq 130 ] && [ ! -e "$tmp/s.json" ] && [ ! -e "$tmp/t.txt" ] &&
         [ -z "$(ls -A "$tmp" | grep '\.tmp$')" ]; then
        pass "bare, waiting for input: ended at once, no output left"
    else
        fail "bare, waiting for input: status $got"; ls -A "$tmp"; sed 's/^/    /' "$tmp/err"
    fi
done
kill "$writer"

echo "interrupt: $failures failures"
[ "$failures" -eq 0 ]
