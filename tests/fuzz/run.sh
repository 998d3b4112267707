#!/bin/sh
# Build every tests/fuzz/fuzz_*.c harness with clang and libFuzzer, and run
# each for SECONDS (default 20).  Usage:  tests/fuzz/run.sh [SECONDS]
#
# The library sources of isa/, assembler/ and vmm/ (not the programs' main files)
# are compiled once, with AddressSanitizer, UBSan and fuzzer coverage, and
# linked into each harness.  Before fuzzing, each harness replays its
# regression inputs (tests/fuzz/regress/NAME/*: inputs that once crashed)
# and its seeds (tests/fuzz/corpus/NAME/*).  Any crash, sanitizer report,
# leak or timeout fails the script; the reproducer is left in $BUILD/fuzz/.
set -eu
cd "$(dirname "$0")/../.."
seconds=${1:-20}
out=${BUILD:-build}/fuzz
mkdir -p "$out/obj"
cflags="-std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -fno-sanitize-recover=undefined -I. -Iisa -Iassembler"
srcs=$(find isa assembler vmm -name '*.c' | LC_ALL=C sort |
    grep -v -e '^assembler/t32as\.c$' -e '^assembler/t32dis\.c$' -e '^vmm/cli/')

# The execution engine - the interpreter, the MMU and devices, and the whole
# VMM but its parsers of untrusted text - runs every guest instruction.
# libFuzzer's comparison tracing there (the trace-cmp part of
# -fsanitize=fuzzer) would cost fuzz_guest most of its speed and guide
# little: what the engine compares are times and values the guest computed,
# not bytes of the input.  Edge coverage stays on everywhere, and the
# parsers keep comparison tracing: the assembler, the image and snapshot
# readers, the options and files of vmm/session/, and the debugger's
# command lines - its words (debug.c), expressions and locations (expr.c)
# and the arguments of its commands (points.c, show.c, vmminfo.c).  Its
# target.c (running the guest, hashing its RAM for every `info state`) and
# reverse.c (replaying it) stay with the engine.
engine=$(echo "$srcs" | grep -E '^isa/(cpu|mmu|machine|console|disk)\.c$|^vmm/' |
    grep -v -E '^vmm/session/|^vmm/debug/(debug|expr|points|show|vmminfo)\.c$')

echo "fuzz: compiling the libraries"
rm -f "$out"/obj/*.o
# shellcheck disable=SC2016,SC2086  # $0..$2 belong to the inner sh; flags split
echo "$srcs" | xargs -P 2 -I SRC sh -c \
    'more=; echo "$2" | grep -qx SRC && more=-fno-sanitize-coverage=trace-cmp
     clang $0 $more -fsanitize=fuzzer-no-link,address,undefined -c -o "$1/obj/$(echo SRC | tr / _).o" SRC' \
    "$cflags" "$out" "$engine"

status=0
for harness in tests/fuzz/fuzz_*.c; do
    name=$(basename "$harness" .c)
    # shellcheck disable=SC2086
    clang $cflags -fsanitize=fuzzer,address,undefined -o "$out/$name" "$harness" "$out"/obj/*.o
    corpus="$out/corpus/$name"
    mkdir -p "$corpus"
    # The assembler's test sources make good seeds for the assembler harness.
    [ "$name" = fuzz_asm ] && cp tests/asm/golden/*.s tests/asm/golden/inc/* tests/asm/run/*.s "$corpus"/
    for dir in "tests/fuzz/regress/$name" "tests/fuzz/corpus/$name"; do
        if [ -d "$dir" ] && [ -n "$(ls "$dir")" ]; then
            if ! "$out/$name" -runs=0 "$dir"/* >"$out/$name.replay.log" 2>&1; then
                echo "fuzz: $name FAILED replaying $dir"
                tail -n 30 "$out/$name.replay.log"
                status=1
            fi
            cp "$dir"/* "$corpus"/
        fi
    done
    if (cd "$out" && "./$name" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 \
            -max_len=8192 -print_final_stats=1 "corpus/$name" >"$name.log" 2>&1); then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$name.log" | tail -n 1)
        echo "fuzz: $name: ${seconds}s, $runs inputs, no findings"
    else
        echo "fuzz: $name FOUND A PROBLEM (reproducer in $out/):"
        tail -n 40 "$out/$name.log"
        status=1
    fi
done
exit $status
