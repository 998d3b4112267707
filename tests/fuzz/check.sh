#!/bin/sh
# The fuzzing slice of `make check`: every harness for 20 seconds (after
# replaying its regression inputs and seeds).  Zero findings allowed.
# Every harness has its row in tests/fuzz/README.md's table.
for harness in "$(dirname "$0")"/fuzz_*.c; do
    grep -q "^| \`$(basename "$harness")\` |" "$(dirname "$0")/README.md" ||
        { echo "fuzz: $(basename "$harness") is not in tests/fuzz/README.md's table"; exit 1; }
done
fuzzed=0
"$(dirname "$0")/run.sh" "${FUZZ_SLICE_SECONDS:-20}" || fuzzed=1

# README.md's split, on the objects run.sh compiled: the parsers of
# untrusted input with libFuzzer's comparison tracing (calls to
# __sanitizer_cov_trace_*cmp*), the execution engine without.
obj=${BUILD:-build}/fuzz/obj
status=0
# traced SRC: 0 if SRC's object calls the tracing (a missing object fails).
traced() {
    o="$obj/$(echo "$1" | tr / _).o"
    [ -f "$o" ] || { echo "fuzz: no $o"; status=1; return 2; }
    nm "$o" | grep -q '__sanitizer_cov_trace_.*cmp'
}
for src in assembler/expr.c isa/image.c isa/snapshot.c vmm/session/options.c \
           vmm/debug/debug.c vmm/debug/expr.c vmm/debug/points.c vmm/debug/show.c vmm/debug/vmminfo.c; do
    traced "$src" || [ $? -eq 2 ] || { echo "fuzz: $src, a parser, is compiled without comparison tracing"; status=1; }
done
for src in isa/cpu.c isa/mmu.c vmm/run/run.c vmm/modes/trap.c vmm/debug/target.c vmm/debug/reverse.c; do
    traced "$src" && { echo "fuzz: $src, the execution engine, is compiled with comparison tracing"; status=1; }
done
[ "$status" -eq 0 ] && echo "fuzz: comparison tracing on the parsers, not on the engine"
[ "$status" -eq 0 ] && [ "$fuzzed" -eq 0 ]
