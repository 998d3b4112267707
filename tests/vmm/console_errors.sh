#!/bin/sh
# console_errors.sh - console output that the host cannot write (/dev/full)
# is reported: "error: console output (WHERE): No space left on device", exit
# status 1 - on bare T32, for one VM, for several VMs sharing stdout, and
# for a VM's console=FILE.  The guest itself runs as usual, until the
# failure is noticed: a guest that prints for ever then stops (status 1,
# not a run that never ends).  A trace that cannot be written does the
# same, and says why.
set -eu
. tests/lib.sh

"$BUILD/bin/t32as" -o "$tmp/hello.img" tests/vmm/guests/hello.s
"$BUILD/bin/t32as" -D COUNT=100000 -o "$tmp/noline.img" tests/vmm/guests/noline.s
"$BUILD/bin/t32as" -o "$tmp/spew.img" tests/vmm/guests/spew.s

# full NAME -- COMMAND...: run it with stdout on /dev/full; expect status 1
# and the message on stderr.
full() {
    name=$1
    shift 2
    set +e
    timeout 20 "$@" </dev/null >/dev/full 2>"$tmp/err"
    got=$?
    set -e
    expect_error "$name" "$got" 'error: console output (.*): .*No space left on device'
}

full "bare, one line" -- "$T" run --bare --max-insns 100000 "$tmp/hello.img"
full "bare, more than a buffer" -- "$T" run --bare --max-insns 10000000 "$tmp/noline.img"
full "trap, one VM" -- "$T" run --mode trap --max-insns 100000 "$tmp/hello.img"
full "trap, two VMs on stdout" -- \
    "$T" run --mode trap --max-insns 10000000 --vm "$tmp/hello.img" --vm "$tmp/noline.img"
full "trap, console=/dev/full" -- \
    "$T" run --mode trap --max-insns 100000 --vm "$tmp/hello.img,console=/dev/full" --vm "$tmp/hello.img"
# The second VM's console fails, the first's does not: the message names
# that VM and its file.
set +e
"$T" run --mode trap --max-insns 100000 --vm "$tmp/hello.img,console=$tmp/ok.txt" \
    --vm "$tmp/hello.img,console=/dev/full" </dev/null >/dev/null 2>"$tmp/err"
got=$?
set -e
expect_error "trap, vm1's console=/dev/full" "$got" '^trapeze: vm1: error: console output (/dev/full): No space'


# A guest that never halts, with no --max-insns: its console failing ends
# the run (the timeout's status 124 would mean it ran on, every byte lost).
full "bare, for ever" -- "$T" run --bare "$tmp/spew.img"
full "trap, for ever" -- "$T" run --mode trap "$tmp/spew.img"
full "emulate, for ever" -- "$T" run --mode emulate "$tmp/spew.img"
full "trap, two VMs for ever" -- "$T" run --vm "$tmp/spew.img" --vm "$tmp/spew.img"
full "trap, console=/dev/full for ever" -- \
    "$T" run --vm "$tmp/spew.img,console=/dev/full" --vm "$tmp/hello.img"
# A trace that fails ends the run the same way, and says why, as a console
# does (trapper: no output of its own, a trap - a --trace line - per turn).
cat >"$tmp/trapper.s" <<'EOF'
    .text
_start:
    la r1, handler
    mtsr tvec, r1
1:  syscall
    b 1b
handler:
    rfe
EOF
"$BUILD/bin/t32as" -o "$tmp/trapper.img" "$tmp/trapper.s"
for mode in bare trap; do
    for trace in --trace --trace-insns; do
        set +e
        timeout 20 "$T" run --mode "$mode" "$trace" /dev/full "$tmp/trapper.img" \
            </dev/null >/dev/null 2>"$tmp/err"
        got=$?
        set -e
        expect_error "$mode, $trace /dev/full for ever" "$got" \
            "error: $trace: write failed: No space left on device"
    done
done

# A closed pipe with SIGPIPE ignored (as under nohup or some shells'
# scripts): the write fails with EPIPE instead of killing the process.
for mode in bare trap; do
    ( set +e; trap '' PIPE; timeout 20 "$T" run --mode "$mode" "$tmp/spew.img" 2>"$tmp/err"
      echo $? >"$tmp/status" ) | head -c 2 >/dev/null
    expect_error "$mode, closed pipe" "$(cat "$tmp/status")" 'error: console output (.*): .*Broken pipe'
done

echo "console_errors: $failures failures"
[ "$failures" -eq 0 ]
