#!/bin/sh
# The main demo: boot guestos on bare T32 and under every VMM mode, and show
# what changed - first - then all the modes side by side (trapeze compare),
# what the trap-and-emulate VMM saw, and the whole transcripts.
#   BUILD     build folder (default build)
#   SCENARIO  which guestos disk to boot (default: default)
set -eu
BUILD=${BUILD:-build}
SCENARIO=${SCENARIO:-default}
trapeze=$BUILD/bin/trapeze
kernel=$BUILD/guestos/kernel.img
disk=$BUILD/guestos/$SCENARIO.disk
out=$BUILD/demo
mkdir -p "$out"

# Each run gets its own copy of the disk: guests may write to it.
cp "$disk" "$out/bare.disk"
cp "$disk" "$out/trap.disk"
cp "$disk" "$out/bt.disk"
cp "$disk" "$out/pv.disk"
# failed MODE STATUS FILE: a run failed - say which, and what it said.
failed() {
    echo "demo: the $1 run failed (exit status $2); it said:" >&2
    sed 's/^/    /' "$3" >&2
    exit 1
}
"$trapeze" run --bare "$kernel" --disk "$out/bare.disk" </dev/null >"$out/bare.txt" \
    2>"$out/bare.err" || failed bare $? "$out/bare.err"
"$trapeze" run --mode trap --stats --stats-json "$out/trap.json" \
    "$kernel" --disk "$out/trap.disk" </dev/null >"$out/trap.txt" 2>"$out/trap.stats" ||
    failed trap $? "$out/trap.stats"
"$trapeze" run --mode bt "$kernel" --disk "$out/bt.disk" </dev/null >"$out/bt.txt" \
    2>"$out/bt.err" || failed bt $? "$out/bt.err"
"$trapeze" run --mode pv "$BUILD/guestos/kernel-pv.img" --disk "$out/pv.disk" \
    </dev/null >"$out/pv.txt" 2>"$out/pv.err" || failed pv $? "$out/pv.err"
# compare reads the disk into memory for each mode: the file is not written.
"$trapeze" compare --pv-image "$BUILD/guestos/kernel-pv.img" --disk "$disk" "$kernel" \
    </dev/null >"$out/compare.txt" || true

banner() { printf '\n===== %s =====\n' "$1"; }

printf '%s\n' "guestos, booted on bare T32 and under the VMM's modes."
printf 'bare T32:       %s\n' "$(grep '^mode check:' "$out/bare.txt")"
printf 'under the VMM:  %s\n' "$(grep '^mode check:' "$out/trap.txt")"
printf 'binary transl.: %s   (--mode bt: pushf/popf patched into traps)\n' \
    "$(grep '^mode check:' "$out/bt.txt")"
printf 'paravirtual:    %s   (--mode pv: the guest asks the VMM)\n' \
    "$(grep '^mode check:' "$out/pv.txt")"
cat <<'TXT'

There is no trap!  pushf and popf are sensitive but not privileged: they
never trap, so the VMM cannot emulate them.  The guest kernel's pushf reads
the REAL PSR, in which K is 0 (the VMM runs it in real user mode), so it
reports "mode check: user".  Its popf runs in real user mode too and
silently drops the interrupt re-enable, so timer ticks are held back and the
interleaving of the processes shifts.  Binary translation (VMware) patches
those two instructions into traps before kernel code runs; paravirtualization
(Xen) changes the kernel to call the VMM instead.  (vmm/README.md explains it
line by line; examples/modecheck.s is the mode check alone.)
TXT

banner "every mode side by side (trapeze compare)"
cat "$out/compare.txt"

banner "1. what changed under trap-and-emulate (diff bare -> trap)"
diff -u --label "bare T32" --label "under the VMM" "$out/bare.txt" "$out/trap.txt" || true

banner "2. what the VMM saw (exit statistics)"
cat "$out/trap.stats"

banner "3. guestos on bare T32 (the guest kernel really is in kernel mode)"
cat "$out/bare.txt"

banner "4. the same image under the VMM, --mode trap (guest kernel deprivileged)"
cat "$out/trap.txt"
printf '\nfiles: %s/{bare,trap,bt,pv}.txt, trap.stats, trap.json, compare.txt\n' "$out"
