#!/bin/sh
# Build every tests/fuzz/fuzz_*.c harness with clang and libFuzzer, and run
# each for SECONDS (default 20).  Usage:  tests/fuzz/run.sh [SECONDS]
#
# A harness is compiled together with every library source of isa/ and
# assembler/ (not the programs' main files), with AddressSanitizer and
# UBSan.  Before fuzzing, each harness replays its regression inputs
# (tests/fuzz/regress/NAME/*: inputs that once crashed) and its seeds
# (tests/fuzz/corpus/NAME/*).  Any crash, sanitizer report, leak or
# timeout fails the script; the reproducer is left in $BUILD/fuzz/.
set -eu
cd "$(dirname "$0")/../.."
seconds=${1:-20}
out=${BUILD:-build}/fuzz
mkdir -p "$out"
srcs=$(ls isa/*.c assembler/*.c | grep -v -e '^assembler/t32as\.c$' -e '^assembler/t32dis\.c$')
flags="-std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -fsanitize=fuzzer,address,undefined
       -fno-sanitize-recover=undefined -I. -Iisa -Iassembler"
status=0
for harness in tests/fuzz/fuzz_*.c; do
    name=$(basename "$harness" .c)
    echo "fuzz: building $name"
    # shellcheck disable=SC2086  # flags and sources are meant to split
    clang $flags -o "$out/$name" "$harness" $srcs
    corpus="$out/corpus/$name"
    mkdir -p "$corpus"
    for dir in "tests/fuzz/regress/$name" "tests/fuzz/corpus/$name"; do
        if [ -d "$dir" ] && [ -n "$(ls "$dir")" ]; then
            echo "fuzz: $name replays $dir"
            "$out/$name" -runs=0 "$dir"/* >"$out/$name.replay.log" 2>&1 || {
                echo "fuzz: $name FAILED on $dir"; tail -n 30 "$out/$name.replay.log"; status=1; }
            cp "$dir"/* "$corpus"/
        fi
    done
    echo "fuzz: running $name for ${seconds}s"
    if ! (cd "$out" && "./$name" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 \
            -max_len=8192 -print_final_stats=1 "corpus/$name" >"$name.log" 2>&1); then
        echo "fuzz: $name FOUND A PROBLEM (reproducer in $out/):"
        tail -n 40 "$out/$name.log"
        status=1
    else
        grep -E '^stat::number_of_executed_units' "$out/$name.log" | sed "s/^/fuzz: $name /" || true
    fi
done
exit $status
