#!/bin/sh
# demo.sh - scripts/demo.sh (what `make demo` runs) still shows what it
# promises: guestos halts bare and under the VMM, the bare kernel sees kernel
# mode and the deprivileged one sees user mode (pushf does not trap), the two
# transcripts differ in exactly that way, and the VMM's exit statistics show
# privileged exits and hidden page faults.  And the point comes first: the
# mode-check lines in the first lines of the output, the diff before the
# whole transcripts.
set -eu
BUILD=${BUILD:-build}
out=$BUILD/demo
failures=0
check() {   # check NAME FILE PATTERN: FILE contains the fixed string PATTERN
    if grep -qF -- "$3" "$2"; then echo "PASS $1"; else echo "FAIL $1: $2 lacks '$3'"; failures=$((failures + 1)); fi
}

BUILD=$BUILD sh scripts/demo.sh >"$BUILD/demo.log" 2>&1 || {
    echo "FAIL scripts/demo.sh exited with status $?"; cat "$BUILD/demo.log"; exit 1; }

check "bare kernel sees kernel mode" "$out/bare.txt" "mode check: kernel"
check "deprivileged kernel sees user mode" "$out/trap.txt" "mode check: user"
check "bare run reaches the summary" "$out/bare.txt" "summary: processes 15, killed 7"
check "VM run reaches the summary" "$out/trap.txt" "summary: processes 15, killed 7"
check "the diff shows the mode line" "$BUILD/demo.log" "+mode check: user"
check "statistics: privileged exits" "$out/trap.stats" "privileged"
check "statistics: hidden page faults" "$out/trap.stats" "hidden page faults"
check "JSON statistics written" "$out/trap.json" "\"mode\": \"trap\""
check "bt restores kernel mode" "$out/bt.txt" "mode check: kernel"
check "pv restores kernel mode" "$out/pv.txt" "mode check: kernel"
check "compare: every mode side by side" "$out/compare.txt" "emulate"
check "compare: bt identical to bare" "$out/compare.txt" "identical"

# The difference leads: both mode-check lines within the first 5 lines, and
# the diff's mode line before the first line of a whole transcript.
line_of() { grep -n -m1 -x -F -- "$1" "$BUILD/demo.log" | cut -d: -f1; }
bare_at=$(line_of "bare T32:       mode check: kernel")
vm_at=$(line_of "under the VMM:  mode check: user")
diff_at=$(line_of "+mode check: user")
full_at=$(line_of "guestos: booting")
if [ -n "$bare_at" ] && [ -n "$vm_at" ] && [ "$bare_at" -le 5 ] && [ "$vm_at" -le 5 ]; then
    echo "PASS the mode-check lines lead (lines $bare_at and $vm_at)"
else
    echo "FAIL the mode-check lines are not in the first 5 lines (at '${bare_at:-none}' and '${vm_at:-none}')"
    failures=$((failures + 1))
fi
if [ -n "$diff_at" ] && [ -n "$full_at" ] && [ "$diff_at" -lt "$full_at" ]; then
    echo "PASS the diff (line $diff_at) comes before the transcripts (line $full_at)"
else
    echo "FAIL the diff (line ${diff_at:-none}) does not come before the transcripts (line ${full_at:-none})"
    failures=$((failures + 1))
fi

# The two runs do the same work: with the mode line and the tick-dependent
# summary line set aside, each process prints the same lines (in another
# order: the held-back ticks move the preemption points).
grep -v -e '^mode check:' -e '^summary:' "$out/bare.txt" | sort >"$out/bare.sorted"
grep -v -e '^mode check:' -e '^summary:' "$out/trap.txt" | sort >"$out/trap.sorted"
if cmp -s "$out/bare.sorted" "$out/trap.sorted"; then
    echo "PASS same lines bare and in the VM"
else
    echo "FAIL the VM run printed other lines than the bare run:"
    diff "$out/bare.sorted" "$out/trap.sorted" || true
    failures=$((failures + 1))
fi
# A run that fails says why: a kernel that escapes at once stops the demo
# with the run's own message, not make's "Error 1" alone.
fake=$(mktemp -d)
trap 'rm -rf "$fake"' EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM   # the EXIT trap then runs
mkdir -p "$fake/bin" "$fake/guestos"
cp "$BUILD/bin/trapeze" "$fake/bin/"
cp "$BUILD/guestos/default.disk" "$BUILD/guestos/kernel-pv.img" "$fake/guestos/"
printf '_start: .word 0\n' >"$fake/bad.s"
"$BUILD/bin/t32as" -o "$fake/guestos/kernel.img" "$fake/bad.s"
if BUILD=$fake sh scripts/demo.sh >"$fake/log" 2>&1; then
    echo "FAIL a demo whose kernel escapes passed"; failures=$((failures + 1))
else
    check "a failed run says which, and why" "$fake/log" "demo: the bare run failed (exit status 4)"
    check "... with the run's own message" "$fake/log" "unhandled trap: illegal"
fi
[ "$failures" -eq 0 ]
