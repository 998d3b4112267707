#!/bin/sh
# The guide's Autolab Makefile (labs/README.md, "Deploying on Autolab"),
# taken literally from the guide and run by make as Autolab would: on the
# fixture's lab 02 with a handin below full marks, the last line of the
# output must be the scores' JSON (a make error after it would hide it).
name=autolab
. tests/labs/lib.sh

# The Makefile: the fenced block of the guide that starts with 'autograde:'.
awk '/^```/ { if (inblock && got) exit; inblock = !inblock; next }
     inblock && /^autograde:/ { got = 1 }
     inblock && got { print }' labs/README.md >"$work/Makefile"
grep -q '^autograde:' "$work/Makefile" || { echo "FAIL: no autograde Makefile in labs/README.md"; exit 1; }

# autograde.tar: the instructor's tree (the fixture) as course/, built, with
# this t32grade as its build/bin/t32grade; handin.tar: lab 02's mutant.
mkdir "$work/course" "$work/handin"
cp -R "$fix/." "$work/course/"
cp -R "$fix/." "$work/handin/"
rm -rf "$work/course/build" "$work/handin/build"
(cd "$work/course" && make >/dev/null && mkdir -p build/bin && cp "$grade" build/bin/t32grade)
(cd "$work/handin" && patch -s -p1 <labs/02-neg/mutants/neg-id.patch)
(cd "$work" && tar cf autograde.tar course && tar cf handin.tar -C handin . && rm -rf course handin)

(cd "$work" && make) >"$work/out" 2>&1
tail -n 1 "$work/out" >"$work/last.json"
if "$json" "$work/last.json" && [ "$("$json" "$work/last.json" scores Negation)" = 0 ] &&
   ! grep -q 'Error' "$work/out"; then pass "the guide's Autolab Makefile ends with the scores"
else fail "the guide's Autolab Makefile's last line:"; cat "$work/out"; fi

echo "autolab: $fails failure(s)"
[ "$fails" -eq 0 ]
