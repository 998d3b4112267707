#!/bin/sh
# labs/handout.sh on the fixture project: lab 01's regions become their stubs,
# lab 02's keep their code, no marker line is left, hidden tests, mutants and
# other labs stay out; the starter builds and scores below full marks with
# reasons pointing at what is missing; a DEST that is not empty, a missing
# stub and an unclosed region are refused.
set -u
BUILD=${BUILD:-build}
grade="$PWD/$BUILD/bin/t32grade"
fix="$PWD/tests/labs/fixture"
work=$(mktemp -d "${TMPDIR:-/tmp}/handout-test.XXXXXX")
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "ok: $*"; }

s="$work/starter"
if labs/handout.sh --tree "$fix" 01 "$s" >"$work/out" 2>&1; then pass "handout made"
else fail "handout: $(cat "$work/out")"; fi
if [ "$(cd "$s" && find . -type f | LC_ALL=C sort | tr '\n' ' ')" = \
     "./Makefile ./answer.c ./labs/01-arith/README.md ./labs/01-arith/stubs/add ./labs/01-arith/stubs/mul ./labs/01-arith/tests/add.test ./labs/01-arith/tests/mul.test " ]
then pass "only the starter's files"; else fail "files: $(cd "$s" && find . -type f)"; fi
if ! grep -q 'LAB [0-9]' "$s/answer.c" && grep -q 'Lab 01: add a and b here' "$s/answer.c" &&
   grep -q 'return -a;' "$s/answer.c" && ! grep -q 'return a \* b;' "$s/answer.c"
then pass "regions replaced, markers removed"; else fail "answer.c:"; cat "$s/answer.c"; fi
if (cd "$s" && make >/dev/null 2>&1); then pass "starter builds"; else fail "starter does not build"; fi
rm -rf "$s/build"
"$grade" --tree "$fix" --work "$work" --lab 01 "$s" >"$work/grade" 2>&1
if [ $? -eq 1 ] && grep -q '^Score: 0/5$' "$work/grade" &&
   grep -q "^add: FAIL (add 2 3 printed '0', expected 5 - see answer.c, add(), task 1)$" "$work/grade"
then pass "starter scores below full marks"; else fail "starter grade:"; cat "$work/grade"; fi

# Refusals.
if labs/handout.sh --tree "$fix" 01 "$s" >"$work/out" 2>&1; then fail "non-empty DEST accepted"
elif grep -q 'exists and is not empty' "$work/out"; then pass "non-empty DEST refused"
else fail "refusal: $(cat "$work/out")"; fi
mkdir "$work/empty"
if labs/handout.sh --tree "$fix" 02 "$work/empty" >/dev/null 2>&1 && [ -f "$work/empty/answer.c" ] &&
   grep -q 'Lab 02: negate' "$work/empty/answer.c"; then pass "an empty DEST is fine"
else fail "empty DEST"; fi
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

echo "handout: $fails failure(s)"
[ "$fails" -eq 0 ]
