#!/bin/sh
# The Gradescope autograder (labs/README.md, "Deploying on Gradescope") run
# as Gradescope runs it, in a scratch folder standing for /autograder
# (TRAPEZE_AUTOGRADER): lab 04's zip (labs/gradescope/package.sh, the
# recipe of `make gradescope`) unpacked into source/, its setup.sh (the
# packages are there already: scripts/deps.sh installs nothing), then
# run_autograder, copied to the top as Gradescope does, on
#   1. the reference solution (the zip's own tree): full marks;
#   2. the starter (labs/handout.sh, `make handout`), uploaded as a zip
#      with the tree in one folder (and a Mac's __MACOSX/): below full
#      marks, the build OK;
#   3. no t32grade at all: score 0 and a message for the staff.
# Each results.json must be valid JSON with what Gradescope reads: a
# numeric score; tests[] each with a name, numeric score and max_score,
# output and visibility.  Lab 04 is the quickest to grade (its tests run
# guestos a few times; its starter changes two files, hcall.c and pvops.s).
name=gradescope
. tests/labs/lib.sh
lab=04
total_start=$(date +%s)

# unpack ZIP DIR: what Gradescope's unzip leaves, file modes included
# (python3's zipfile, if there is no unzip, keeps no modes: then the
# scripts are made executable here, and their modes go unchecked).
unpack() {
    mkdir -p "$2"
    if command -v unzip >/dev/null 2>&1; then unzip -q "$1" -d "$2"
    else python3 -m zipfile -e "$1" "$2" && chmod +x "$2/setup.sh" "$2/run_autograder"; fi
}

ag="$work/autograder"
if ! sh labs/gradescope/package.sh "$lab" "$work" >"$work/package.out" 2>&1; then
    fail "package.sh $lab: $(tail -n 3 "$work/package.out")"; exit 1
fi
unpack "$work/lab-$lab.zip" "$ag/source"
for f in setup.sh run_autograder; do
    if [ -x "$ag/source/$f" ]; then pass "the zip's $f is at its top, executable"
    else fail "the zip has no executable $f at its top"; exit 1; fi
done
# Gradescope's own environment: none of make check's variables (BUILD,
# MAKEFLAGS) reach the scripts.
gs() { env -i PATH="$PATH" HOME="$work" TRAPEZE_AUTOGRADER="$ag" "$@"; }
start=$(date +%s)
if gs sh "$ag/source/setup.sh" >"$work/setup.out" 2>&1 &&
   [ -x "$ag/source/build/bin/t32grade" ]; then
    pass "setup.sh builds the reference ($(( $(date +%s) - start ))s)"
else fail "setup.sh:"; tail -n 20 "$work/setup.out"; exit 1; fi
cp -p "$ag/source/run_autograder" "$ag/run_autograder"

# Every test of the lab, with its points (the header's '# points: N').
: >"$work/points"
for t in labs/"$lab"-*/tests/*.test labs/"$lab"-*/hidden/*.test; do
    [ -f "$t" ] || continue
    n=${t##*/}
    echo "${n%.test} $(sed -n 's/^# points: *\([0-9]*\).*/\1/p' "$t" | head -n 1)" >>"$work/points"
done
ntests=$(wc -l <"$work/points")
max=$(awk '{ s += $2 } END { print s }' "$work/points")

# jtype PATH...: the JSON type of the value at PATH in $r (empty if none).
jtype() { "$json" "$r" "$@" '?' 2>/dev/null; }

# grade WHAT: run_autograder on what is in submission/; its results.json
# is copied to $work/WHAT.json.  0 if it is what Gradescope can read:
# valid JSON, a numeric score that is the tests' sum, and for every test of
# the lab its name, numeric score (0 or its points) and max_score (its
# points), status, output and a visibility Gradescope knows; the top
# output names no test that is not visible.  Sets $score.
grade() {
    rm -rf "$ag/results"
    t0=$(date +%s)
    gs "$ag/run_autograder" >"$work/$1.out" 2>&1
    rc=$?
    echo "  ($1 graded in $(( $(date +%s) - t0 ))s)"
    r="$work/$1.json"
    cp "$ag/results/results.json" "$r" 2>/dev/null || { fail "$1: no results.json"; return 1; }
    [ "$rc" -eq 0 ] || { fail "$1: run_autograder's exit status $rc"; return 1; }
    "$json" "$r" || { fail "$1: results.json is not valid JSON:"; cat "$r"; return 1; }
    [ "$(jtype score)" = number ] || { fail "$1: results.json has no numeric score"; return 1; }
    [ "$(jtype output)" = string ] || { fail "$1: results.json has no output"; return 1; }
    score=$("$json" "$r" score)
    n=$("$json" "$r" tests '#')
    [ "$n" = "$ntests" ] || { fail "$1: $n tests in results.json, the lab has $ntests"; return 1; }
    i=0 sum=0 bad=
    while [ "$i" -lt "$n" ]; do
        tname=$("$json" "$r" tests "$i" name)
        points=$(sed -n "s/^$tname \([0-9]*\)\$/\1/p" "$work/points")
        s=$("$json" "$r" tests "$i" score)
        vis=$("$json" "$r" tests "$i" visibility)
        status=$("$json" "$r" tests "$i" status)
        for k in name:string score:number max_score:number output:string visibility:string; do
            [ "$(jtype tests "$i" "${k%:*}")" = "${k#*:}" ] || bad="$bad; test $i ($tname): no ${k#*:} ${k%:*}"
        done
        [ -n "$points" ] || bad="$bad; '$tname' is no test of lab $lab"
        [ "$("$json" "$r" tests "$i" max_score)" = "$points" ] || bad="$bad; $tname: max_score is not $points"
        case $s:$status in "$points:passed"|0:failed) ;; *) bad="$bad; $tname: score $s, $status" ;; esac
        case $vis in
            visible) ;;
            hidden|after_due_date|after_published)
                "$json" "$r" output | grep -q "^$tname:" && bad="$bad; $tname ($vis) in the top output" ;;
            *) bad="$bad; $tname: visibility '$vis'" ;;
        esac
        sum=$((sum + s)) i=$((i + 1))
    done
    [ "$sum" = "$score" ] || bad="$bad; score $score, the tests' sum $sum"
    [ -z "$bad" ] || { fail "$1: results.json:${bad#;}"; cat "$r"; return 1; }
}

# 1. The reference solution: the zip's tree, as a student would upload it.
unpack "$work/lab-$lab.zip" "$ag/submission"
if grade reference; then
    if [ "$score" = "$max" ]; then pass "the reference solution: $score/$max, results.json as Gradescope reads it"
    else fail "the reference solution scores $score/$max"; cat "$work/reference.out"; fi
fi

# 2. The starter, in one folder (a zip of the tree) as students upload it;
# a zip made on a Mac has a __MACOSX/ folder next to it.
rm -rf "$ag/submission" && mkdir -p "$ag/submission/__MACOSX/lab$lab"
echo "Mac OS X resource fork" >"$ag/submission/__MACOSX/lab$lab/._Makefile"
if ! sh labs/handout.sh "$lab" "$ag/submission/lab$lab" >"$work/handout.out" 2>&1; then
    fail "handout $lab: $(tail -n 3 "$work/handout.out")"
elif grade starter; then
    if [ "$score" -lt "$max" ] && grep -q '^build: OK' "$work/starter.out"; then
        pass "the starter builds and scores $score/$max, results.json as Gradescope reads it"
    else fail "the starter scores $score/$max"; cat "$work/starter.out"; fi
fi

# 3. The grader cannot run: results.json still says so, with score 0.
rm "$ag/source/build/bin/t32grade"
gs "$ag/run_autograder" >"$work/broken.out" 2>&1
rc=$? r="$ag/results/results.json"
if [ "$rc" -eq 0 ] && "$json" "$r" && [ "$(jtype score)" = number ] &&
   [ "$("$json" "$r" score)" = 0 ] && [ "$(jtype output)" = string ] &&
   "$json" "$r" output | grep -q 'course staff'; then
    pass "no grader: results.json with score 0 and a message for the staff"
else fail "no grader: results.json:"; cat "$r" "$work/broken.out"; fi

# 4. A test written but not committed yet is in the zip (in a clone, with
# one more hidden test); the folder the zip was made from is gone.
if git rev-parse --show-toplevel >/dev/null 2>&1 && git clone -q . "$work/clone" 2>/dev/null; then
    cp labs/gradescope/package.sh "$work/clone/labs/gradescope/"   # this tree's, committed or not
    set -- "$work/clone/labs/$lab"-*/hidden
    echo "exit 0" >"$1/uncommitted.test"
    if sh "$work/clone/labs/gradescope/package.sh" "$lab" "$work/pkg" >"$work/pkg.out" 2>&1 &&
       python3 -m zipfile -l "$work/pkg/lab-$lab.zip" | grep -q 'hidden/uncommitted.test' &&
       [ ! -e "$work/pkg/lab-$lab" ]; then
        pass "an uncommitted test is in the zip, and only the zip is left"
    else fail "an uncommitted test: $(cat "$work/pkg.out"; ls "$work/pkg")"; fi
fi

echo "gradescope: $fails failure(s) ($(( $(date +%s) - total_start ))s)"
[ "$fails" -eq 0 ]
