#!/bin/sh
# labs/handout.sh on the fixture project: lab 01's regions become their stubs;
# no other lab's solution is left in source form - lab 02's region in
# answer.c becomes lab 02's stub, and twice.c (lab 02's only) comes compiled,
# as prebuilt/twice.o with the headers it was compiled against, and runs;
# a region marked shared keeps its code; no marker line is left; hidden
# tests, mutants and other labs stay out; the starter builds and scores
# below full marks with reasons pointing at what is missing; a DEST that is
# not empty or not a folder, a missing stub, an unclosed region and another
# lab's file that does not compile are refused; make handout passes a DEST
# with spaces whole.
set -u
BUILD=${BUILD:-build}
grade="$PWD/$BUILD/bin/t32grade"
fix="$PWD/tests/labs/fixture"
work=$(mktemp -d "${TMPDIR:-/tmp}/handout-test.XXXXXX")
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM   # the EXIT trap then runs
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "ok: $*"; }

s="$work/starter"
if labs/handout.sh --tree "$fix" 01 "$s" >"$work/out" 2>&1; then pass "handout made"
else fail "handout: $(cat "$work/out")"; fi
if [ "$(cd "$s" && find . -type f | LC_ALL=C sort | tr '\n' ' ')" = \
     "./Makefile ./answer.c ./labs/01-arith/README.md ./labs/01-arith/compiled ./labs/01-arith/stubs/add ./labs/01-arith/stubs/mul ./labs/01-arith/tests/add.test ./labs/01-arith/tests/mul.test ./prebuilt/SHA256SUMS ./prebuilt/twice.o ./twice.h " ]
then pass "only the starter's files, twice.c given compiled"; else fail "files: $(cd "$s" && find . -type f)"; fi
if ! grep -q 'LAB [0-9]' "$s/answer.c" && grep -q 'Lab 01: add a and b here' "$s/answer.c" &&
   ! grep -q 'return a \* b;' "$s/answer.c" &&
   grep -q 'Lab 02: negate' "$s/answer.c" && ! grep -q 'return -a;' "$s/answer.c"
then pass "regions replaced by their labs' stubs, markers removed"; else fail "answer.c:"; cat "$s/answer.c"; fi
if [ "$(cat "$s/prebuilt/SHA256SUMS")" = "$(cd "$fix" && sha256sum twice.h)" ]
then pass "prebuilt/SHA256SUMS lists the header twice.c includes"
else fail "SHA256SUMS: $(cat "$s/prebuilt/SHA256SUMS")"; fi
if [ "$(grep -v '^#' "$s/labs/01-arith/compiled")" = twice.c ]
then pass "labs/01-arith/compiled lists twice.c"; else fail "compiled: $(cat "$s/labs/01-arith/compiled")"; fi
if (cd "$s" && make BUILD=build >/dev/null 2>&1) && [ "$("$s/build/bin/answer" twice 21)" = 42 ]
then pass "starter builds, with lab 02's twice() compiled in"; else fail "starter does not build or twice() is wrong"; fi
rm -rf "$s/build"
"$grade" --tree "$fix" --work "$work" --lab 01 "$s" >"$work/grade" 2>&1
if [ $? -eq 1 ] && grep -q '^Score: 0/5$' "$work/grade" &&
   grep -q "^add: FAIL (add 2 3 printed '0', expected 5 - see answer.c, add(), task 1)$" "$work/grade"
then pass "starter scores below full marks"; else fail "starter grade:"; cat "$work/grade"; fi

# Refusals.
if labs/handout.sh --tree "$fix" 01 "$s" >"$work/out" 2>&1; then fail "non-empty DEST accepted"
elif grep -q 'exists and is not empty' "$work/out"; then pass "non-empty DEST refused"
else fail "refusal: $(cat "$work/out")"; fi
# A DEST that is not a folder is refused as such (not as "not empty").
touch "$work/afile"
for d in /dev/null "$work/afile"; do
    if labs/handout.sh --tree "$fix" 01 "$d" >"$work/out" 2>&1; then fail "DEST $d accepted"
    elif grep -q "^handout: error: $d exists and is not a folder$" "$work/out"; then pass "DEST $d refused: not a folder"
    else fail "DEST $d: $(cat "$work/out")"; fi
done
# make handout passes DEST as one argument, spaces and all.
cmd=$(make -n handout LAB=01 DEST="$work/with space" 2>&1 | grep 'labs/handout\.sh')
eval "set -- ${cmd#*sh }"
if [ $# -eq 3 ] && [ "$1" = labs/handout.sh ] && [ "$3" = "$work/with space" ]
then pass "make handout: a DEST with a space is one argument"; else fail "make handout runs: $cmd"; fi
mkdir "$work/empty"
if labs/handout.sh --tree "$fix" 02 "$work/empty" >/dev/null 2>&1 && [ -f "$work/empty/answer.c" ] &&
   grep -q 'Lab 02: negate' "$work/empty/answer.c" && grep -q 'Lab 02: double' "$work/empty/twice.c" &&
   grep -q 'Lab 01: add a and b here' "$work/empty/answer.c" && [ ! -e "$work/empty/prebuilt" ]
then pass "an empty DEST is fine; lab 02's starter has lab 01's stubs"
else fail "empty DEST"; fi

# A shared region keeps its code in the other labs' starters.
shared="$work/shared"
cp -R "$fix" "$shared"
sed -i 's|LAB 01 BEGIN add \*/|LAB 01 BEGIN add shared */|' "$shared/answer.c"
if labs/handout.sh --tree "$shared" 02 "$work/s2" >/dev/null 2>&1 &&
   grep -q 'return a + b;' "$work/s2/answer.c" && ! grep -q 'return a \* b;' "$work/s2/answer.c" &&
   ! grep -q 'LAB 01' "$work/s2/answer.c"
then pass "a shared region keeps its code"; else fail "shared region:"; cat "$work/s2/answer.c"; fi
bad="$work/bad"
cp -R "$fix" "$bad"
rm -f "$bad/labs/01-arith/stubs/mul"
if labs/handout.sh --tree "$bad" 01 "$work/b1" >"$work/out" 2>&1; then fail "missing stub accepted"
elif grep -q 'answer.c:[0-9]*: error: no stub .*mul' "$work/out" && [ ! -e "$work/b1" ]
then pass "missing stub refused"; else fail "missing stub: $(cat "$work/out")"; fi
cp "$fix/labs/01-arith/stubs/add" "$bad/labs/01-arith/stubs/mul"
grep -v 'LAB 01 END add' "$fix/answer.c" >"$bad/answer.c"
if labs/handout.sh --tree "$bad" 01 "$work/b2" >"$work/out" 2>&1; then fail "unclosed region accepted"
elif grep -q 'error: LAB 01 BEGIN mul inside region 01 add' "$work/out"; then pass "unclosed region refused"
else fail "unclosed region: $(cat "$work/out")"; fi

# Another lab's file that does not compile: its errors, no DEST.
cp "$fix/answer.c" "$bad/answer.c"
sed -i 's|return 2 \* a;|return 2 * b;|' "$bad/twice.c"
if labs/handout.sh --tree "$bad" 01 "$work/b3" >"$work/out" 2>&1; then fail "a file that does not compile accepted"
elif grep -q "twice.c:[0-9]*:[0-9]*: error: .b. undeclared" "$work/out" &&
     grep -q 'handout: error: .* do not build' "$work/out" && [ ! -e "$work/b3" ]
then pass "a file given compiled that does not compile is refused"
else fail "uncompilable file: $(cat "$work/out")"; fi

echo "handout: $fails failure(s)"
[ "$fails" -eq 0 ]
