#!/bin/sh
# devices.sh - the device self-test guest (devices.s) end to end: on bare
# T32 and under the trap-and-emulate VMM, every check passes, the two
# transcripts are identical byte for byte (the VMM's virtual devices are
# the same devices), and the guest's disk write reached the image file.
set -eu
. tests/lib.sh

"$BUILD/bin/t32as" -o "$tmp/devices.img" tests/machine/devices.s

# A 4-sector disk; sector s is filled with the byte 0x11 * (s + 1).
mkdisk() {
    : >"$1"
    for b in 021 042 063 104; do head -c 512 /dev/zero | tr '\000' "\\$b" >>"$1"; done
}
byte_at() { od -An -tx1 -j "$2" -N 1 "$1" | tr -d ' '; }

for mode in bare trap; do
    mkdisk "$tmp/$mode.disk"
    if ! "$T" run --mode $mode --max-insns 10000000 --disk "$tmp/$mode.disk" \
            "$tmp/devices.img" </dev/null >"$tmp/$mode.txt"; then
        fail "$mode: the guest did not halt"
    fi
    passes=$(grep -c '^PASS ' "$tmp/$mode.txt" || true)
    if grep -q '^FAIL ' "$tmp/$mode.txt" || [ "$passes" -ne 20 ] ||
       [ "$(tail -n 1 "$tmp/$mode.txt")" != "devices: failures 0" ]; then
        fail "$mode: device checks"; cat "$tmp/$mode.txt"
    else
        echo "PASS $mode: $passes device checks"
    fi
    if [ "$(byte_at "$tmp/$mode.disk" 0)$(byte_at "$tmp/$mode.disk" 511)$(byte_at "$tmp/$mode.disk" 512)" = 5a5a22 ]; then
        echo "PASS $mode: the disk write reached the image file, and only sector 0"
    else
        fail "$mode: the image file after the disk write"
    fi
done
if cmp -s "$tmp/bare.txt" "$tmp/trap.txt"; then
    echo "PASS bare and trap transcripts are identical"
else
    fail "bare and trap transcripts differ"; diff "$tmp/bare.txt" "$tmp/trap.txt" | head
fi
echo "devices: $failures failures"
[ "$failures" -eq 0 ]
