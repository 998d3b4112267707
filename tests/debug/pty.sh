#!/bin/sh
# trapeze debug on a terminal (through ptydrive, a pseudo-terminal): the
# prompt and its hint, tab completion of commands, info sub-commands,
# registers and symbols, and history saved to $TRAPEZE_HISTORY and read
# back by the next session (the up arrow brings it back).
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
out=$BUILD/tests/debug
mkdir -p "$out"
"$BUILD/bin/t32as" -o "$out/guest.img" tests/debug/guest.s
drive=$BUILD/tests/debug/ptydrive
TRAPEZE_HISTORY=$out/history
export TRAPEZE_HISTORY
rm -f "$TRAPEZE_HISTORY"
status=0
expect() {   # expect WHAT FILE
    if ! grep -q -- "$1" "$2"; then
        echo "pty: FAILED: no '$1' in the terminal's output:"; cat "$2"; status=1
    fi
}
# Completion: "disas" + tab -> disassemble; "info pa" + tab -> pagetable or
# patches (ambiguous: both listed on a second tab); "p $s" + tab + tab ->
# $scratch $sp; "b inn" + tab -> inner.
"$drive" 'inf\treg\tpc\np $s\t\tp\nb inn\t\nquit\n' \
    "$BUILD/bin/trapeze" debug --bare "$out/guest.img" >"$out/pty1.txt" 2>&1 || status=1
expect "type .help." "$out/pty1.txt"
expect "(trapeze) " "$out/pty1.txt"
expect "info registers pc" "$out/pty1.txt"
expect "pc  *0x00001000" "$out/pty1.txt"
expect 'scratch' "$out/pty1.txt"
expect 'Breakpoint 1 at 0x00001054 <inner>' "$out/pty1.txt"
expect 'info registers pc' "$TRAPEZE_HISTORY"
# History: the up arrow recalls the last line of the last session.
"$drive" '\p\p\nquit\n' "$BUILD/bin/trapeze" debug --bare "$out/guest.img" >"$out/pty2.txt" 2>&1 || status=1
expect 'Breakpoint 1 at 0x00001054 <inner>' "$out/pty2.txt"
# A blank line repeats the last command (si).
"$drive" 'si\n\n\nquit\n' "$BUILD/bin/trapeze" debug --bare "$out/guest.img" >"$out/pty3.txt" 2>&1 || status=1
expect '0x0000100c <_start+0xc>' "$out/pty3.txt"
# ... print too, as gdb's; but not break (no second breakpoint).
"$drive" 'p 7\n\nb inner\n\ninfo breakpoints\nquit\n' "$BUILD/bin/trapeze" debug --bare "$out/guest.img" \
    >"$out/pty5.txt" 2>&1 || status=1
expect '\$2 = 7' "$out/pty5.txt"
if grep -q 'Breakpoint 2' "$out/pty5.txt"; then
    echo "pty: FAILED: a blank line repeated break:"; cat "$out/pty5.txt"; status=1
fi
# A history file this user may not write is left alone (readline would
# replace it by a rename, which needs only the folder's permission).  As
# root only, where nobody can reach the tools: the session runs as nobody,
# who owns the read-only file, in a folder anyone may write.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null &&
   setpriv --reuid=65534 --regid=65534 --clear-groups "$BUILD/bin/trapeze" --version \
       >/dev/null 2>&1; then
    ro=$(mktemp -d)
    chmod 777 "$ro"
    cp "$out/guest.img" "$ro/guest.img"
    printf 'p 1\n' >"$ro/history"
    chmod 444 "$ro/history"
    chown 65534:65534 "$ro/history"
    TRAPEZE_HISTORY=$ro/history setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$drive" 'p 2\nquit\n' "$BUILD/bin/trapeze" debug --bare "$ro/guest.img" \
        >"$out/pty4.txt" 2>&1 || status=1
    expect '\$1 = 2' "$out/pty4.txt"
    expect 'history was not saved to .*history' "$out/pty4.txt"
    if [ "$(cat "$ro/history")" != "p 1" ]; then
        echo "pty: FAILED: a read-only history file was rewritten:"; cat "$ro/history"; status=1
    fi
    rm -rf "$ro"
fi
[ $status -eq 0 ] && echo "pty: prompt, completion, history and repeat work on a terminal"
exit $status
