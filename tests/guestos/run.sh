#!/bin/sh
# Golden console transcripts of guestos on bare T32.
#
# Boots $BUILD/guestos/kernel.img with each scenario disk under
# `trapeze run --bare` and compares what the console printed, byte for
# byte, with tests/guestos/SCENARIO.out.  T32 is deterministic (the timer
# counts instructions, console input is read on demand), so the transcript
# of a run is exact: any difference is a change in behaviour.
#
# Also checks:
#   - the shell scenario, fed tests/guestos/shell.in on stdin (ends with
#     the exit command) and shell-eof.in (ends at the end of input);
#   - fault isolation: the counters print exactly the same lines whether or
#     not seven faulting processes are killed around them;
#   - a disk that is not a guestos disk, a disk with a bad directory entry
#     and no disk at all: the kernel explains itself and stops cleanly.
#
#   BUILD=build tests/guestos/run.sh           check (BUILD defaults to build)
#   UPDATE=1 tests/guestos/run.sh              rewrite the golden files instead;
#                                              read every diff before committing
set -u
BUILD=${BUILD:-build}
TRAPEZE=$BUILD/bin/trapeze
GOS=$BUILD/guestos
HERE=tests/guestos
MAX_INSNS=20000000          # every scenario halts long before this
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failed=0

for f in "$TRAPEZE" "$GOS/kernel.img" "$GOS/default.disk"; do
    if [ ! -f "$f" ]; then
        echo "missing $f (build it with: make BUILD=$BUILD)"
        exit 1
    fi
done

fail() {
    echo "FAIL: $*"
    failed=$((failed + 1))
}

# boot NAME DISK INPUT: boot the kernel with DISK ("" = none) and INPUT on
# stdin; the console output goes to $TMP/NAME.out.  The run must halt
# (exit status 0).
boot() {
    name=$1 disk=$2 input=$3
    if [ -n "$disk" ]; then
        set -- --disk "$disk"
    else
        set --
    fi
    "$TRAPEZE" run --bare --max-insns "$MAX_INSNS" "$@" "$GOS/kernel.img" \
        <"$input" >"$TMP/$name.out" 2>"$TMP/$name.err"
    status=$?
    if [ "$status" -ne 0 ]; then
        fail "$name: trapeze exited with status $status"
        sed 's/^/    /' "$TMP/$name.err"
    fi
}

# golden NAME: compare $TMP/NAME.out with $HERE/NAME.out (or update it).
golden() {
    name=$1
    if [ "${UPDATE:-0}" = 1 ]; then
        cp "$TMP/$name.out" "$HERE/$name.out"
        echo "updated $HERE/$name.out"
    elif cmp -s "$TMP/$name.out" "$HERE/$name.out"; then
        echo "ok: $name"
    else
        fail "$name: transcript differs from $HERE/$name.out"
        diff -u "$HERE/$name.out" "$TMP/$name.out" | head -40 | sed 's/^/    /'
    fi
}

# The scenarios, each with its golden transcript.
for s in default counters faults bench idle; do
    boot "$s" "$GOS/$s.disk" /dev/null
    golden "$s"
done
boot shell "$GOS/shell.disk" "$HERE/shell.in"
golden shell
boot shell-eof "$GOS/shell.disk" "$HERE/shell-eof.in"
golden shell-eof

# Fault isolation: killing seven processes must not change one line that
# the two counters print.  (Interleaving may shift, since the dying
# processes take turns too, so each counter's lines are compared apart.)
for c in A B; do
    grep "^counter $c:" "$TMP/counters.out" >"$TMP/alone.$c"
    grep "^counter $c:" "$TMP/faults.out" >"$TMP/among.$c"
    if [ ! -s "$TMP/alone.$c" ]; then
        fail "isolation: counter $c printed nothing"
    elif cmp -s "$TMP/alone.$c" "$TMP/among.$c"; then
        echo "ok: isolation, counter $c"
    else
        fail "isolation: counter $c prints differently next to faulting processes"
        diff -u "$TMP/alone.$c" "$TMP/among.$c" | sed 's/^/    /'
    fi
done
kills=$(grep -c '^kill: ' "$TMP/faults.out")
if [ "$kills" -eq 7 ]; then
    echo "ok: isolation, 7 kill lines"
else
    fail "isolation: expected 7 kill lines, found $kills"
fi

# Untrusted disks.  A disk that is all zeros has no directory; a directory
# entry claiming 4 GiB of memory is refused and skipped, and the other
# program still runs; no disk at all cannot even be read.
head -c 4096 /dev/zero >"$TMP/zero.disk"
boot nodir "$TMP/zero.disk" /dev/null
golden nodir
cp "$GOS/counters.disk" "$TMP/bad.disk"
# Entry 2 (countb) starts at byte 64 of sector 0; its memory size at +24.
printf '\377\377\377\377' | dd of="$TMP/bad.disk" bs=1 seek=88 conv=notrunc 2>/dev/null
boot badentry "$TMP/bad.disk" /dev/null
golden badentry
boot nodisk "" /dev/null
golden nodisk

echo "guestos: $failed failed"
[ "$failed" -eq 0 ]
