#!/bin/sh
# The main demo: boot guestos on bare T32, then deprivileged under the
# trap-and-emulate VMM, and show what changed and what the VMM saw.
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

banner() { printf '\n===== %s =====\n' "$1"; }

banner "1. guestos on bare T32 (the guest kernel really is in kernel mode)"
"$trapeze" run --bare "$kernel" --disk "$out/bare.disk" </dev/null | tee "$out/bare.txt"

banner "2. the same image under the VMM, --mode trap (guest kernel deprivileged)"
"$trapeze" run --mode trap --stats --stats-json "$out/trap.json" \
    "$kernel" --disk "$out/trap.disk" </dev/null >"$out/trap.txt" 2>"$out/trap.stats"
cat "$out/trap.txt"

banner "3. what changed (diff bare -> trap)"
cat <<'TXT'
pushf and popf are sensitive but not privileged: they never trap, so the VMM
cannot emulate them.  The guest kernel's pushf reads the REAL PSR, in which K
is 0, so it reports "mode check: user"; its popf runs in real user mode and
silently drops the interrupt re-enable, so timer ticks are held back and the
interleaving of the processes shifts.  (vmm/README.md explains it line by line.)
TXT
diff -u "$out/bare.txt" "$out/trap.txt" || true

banner "4. what the VMM saw (exit statistics)"
cat "$out/trap.stats"
printf '\nfiles: %s/{bare,trap}.txt, trap.json\n' "$out"
