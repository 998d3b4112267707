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
#   - a disk that is not a guestos disk, a directory with bad entries, no
#     disk at all, and too little RAM: the kernel explains itself and stops
#     cleanly; randomly damaged directories never make the kernel fault.
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
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM   # the EXIT trap then runs
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

# boot NAME DISK INPUT [OPTION...]: boot the kernel with DISK ("" = none),
# INPUT on stdin and any extra trapeze options; the console output goes to
# $TMP/NAME.out.  The run must halt (exit status 0).
boot() {
    name=$1 disk=$2 input=$3
    shift 3
    if [ -n "$disk" ]; then
        set -- "$@" --disk "$disk"
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
for s in default counters faults bench cpu idle regs; do
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

# poke32 FILE OFFSET VALUE: overwrite 4 bytes of FILE, little-endian.
poke32() {
    bytes=$(printf '\\%03o\\%03o\\%03o\\%03o' $(($3 & 255)) $(($3 >> 8 & 255)) \
        $(($3 >> 16 & 255)) $(($3 >> 24 & 255)))
    # shellcheck disable=SC2059  # the format is made of octal escapes
    printf "$bytes" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# Untrusted disks.  A disk that is all zeros has no directory.  A directory
# whose entries lie in every way the loader checks for: each bad entry is
# reported and skipped, and the good programs still run.  No disk at all
# cannot even be read.
head -c 4096 /dev/zero >"$TMP/zero.disk"
boot nodir "$TMP/zero.disk" /dev/null
golden nodir
# default.disk's entries: 0 motd, 1 hello, 2 counta, 3 countb, 4 primes,
# 5 sysbench, 6 sleeper, 7 badptr, 8.. the faults.  Entry i is at byte
# 32 + 32*i: name +0, first sector +16, bytes on disk +20, bytes in
# memory +24, entry point +28.
cp "$GOS/default.disk" "$TMP/bad.disk"
poke32 "$TMP/bad.disk" $((32 + 32 * 1 + 24)) 0              # hello: no memory
poke32 "$TMP/bad.disk" $((32 + 32 * 2 + 20)) 0x2000         # counta: file > memory
poke32 "$TMP/bad.disk" $((32 + 32 * 3 + 28)) 0x00400002     # countb: unaligned entry
poke32 "$TMP/bad.disk" $((32 + 32 * 4 + 28)) 0x00500000     # primes: entry outside
poke32 "$TMP/bad.disk" $((32 + 32 * 5 + 24)) 0x7fffffff     # sysbench: 2 GiB
poke32 "$TMP/bad.disk" $((32 + 32 * 6 + 2)) 0x4a5b1b01      # sleeper: name "sl^A^[[J..."
poke32 "$TMP/bad.disk" $((32 + 32 * 7 + 16)) 0x00100000     # badptr: sector past the end
boot badentry "$TMP/bad.disk" /dev/null
golden badentry
boot nodisk "" /dev/null
golden nodisk

# Random damage to the directory sector, 40 deterministic variations: the
# kernel must never fault itself (no "panic: kernel" line) and the run must
# end, by halting or, when a damaged entry makes a program loop forever, at
# the instruction limit (status 3).  Nothing else is acceptable.
bad_runs=0
for seed in $(seq 1 40); do
    cp "$GOS/default.disk" "$TMP/fuzz.disk"
    awk -v seed="$seed" 'BEGIN { srand(seed); n = 1 + int(rand() * 12)
        for (i = 0; i < n; i++) print int(rand() * 512), int(rand() * 256) }' |
    while read -r off val; do
        # shellcheck disable=SC2059  # the format is the octal escape
        printf "$(printf '\\%03o' "$val")" |
            dd of="$TMP/fuzz.disk" bs=1 seek="$off" conv=notrunc 2>/dev/null
    done
    "$TRAPEZE" run --bare --max-insns 5000000 --disk "$TMP/fuzz.disk" "$GOS/kernel.img" \
        </dev/null >"$TMP/fuzz.out" 2>&1
    status=$?
    if { [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; } || grep -q '^panic: kernel' "$TMP/fuzz.out"; then
        bad_runs=$((bad_runs + 1))
        cp "$TMP/fuzz.disk" "$TMP/fuzz-$seed.disk"
        echo "    seed $seed: status $status"; tail -n 3 "$TMP/fuzz.out" | sed 's/^/    /'
    fi
done
if [ "$bad_runs" -eq 0 ]; then
    echo "ok: 40 damaged directories, the kernel never faulted"
else
    fail "damaged directories: $bad_runs runs went wrong"
fi

# Too little RAM for the kernel's memory map: a clear refusal, not a hang.
boot smallmem "$GOS/idle.disk" /dev/null --mem 1M
golden smallmem

echo "guestos: $failed failed"
[ "$failed" -eq 0 ]
