#!/bin/sh
# The labs end to end in `make check` (tests/labs/labcheck.sh does the work):
#   1. the fixture's two labs, every mutant: all as intended;
#   2. labcheck itself notices a mutant that does not lose what it says, a
#      starter's FAIL that names no task, and a test that takes its expected
#      result from $REF's lab code;
#   3. the real labs, if any: every lab's reference and starter, and the
#      mutants of the first lab (`make labcheck` runs every lab's mutants);
#      a changed header of a starter's compiled files stops its build, and
#      a starter without prebuilt/ says so.
set -u
BUILD=${BUILD:-build}
fails=0
work=$(mktemp -d "${TMPDIR:-/tmp}/labs-test.XXXXXX")
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM   # the EXIT trap then runs

if tests/labs/labcheck.sh --tree tests/labs/fixture >"$work/fixture.out" 2>&1; then
    echo "ok: fixture labs as intended"
else
    echo "FAIL: fixture labs"; cat "$work/fixture.out"; fails=$((fails + 1))
fi

# planted NAME: a copy of the fixture in $work/NAME, to plant a fault in.
planted() {
    cp -R tests/labs/fixture "$work/$1"
    rm -rf "$work/$1/build"
}
# caught NAME WHAT MESSAGE LABCHECK-ARGS...: labcheck on $work/NAME must
# fail, saying MESSAGE (a fixed string); WHAT is the planted fault.
caught() {
    name=$1 what=$2 message=$3
    shift 3
    if tests/labs/labcheck.sh --tree "$work/$name" "$@" >"$work/$name.out" 2>&1; then
        echo "FAIL: $what went unnoticed"; fails=$((fails + 1))
    elif grep -qF -- "$message" "$work/$name.out"; then
        echo "ok: $what is reported"
    else
        echo "FAIL: $what:"; cat "$work/$name.out"; fails=$((fails + 1))
    fi
}

planted wrong
sed -i 's/^# loses: mul$/# loses: add/' "$work/wrong/labs/01-arith/mutants/mul-adds.patch"
caught wrong "a wrong '# loses:' line" \
    "FAIL: lab 01: mutant mul-adds loses 'mul ', expected 'add '" 01

# A starter's FAIL that says what is wrong but not which task to work on.
planted untold
sed -i 's/ - see answer.c, neg(), task 1"/"/' "$work/untold/labs/02-neg/tests/neg.test"
if grep -q 'task' "$work/untold/labs/02-neg/tests/neg.test"; then
    echo "FAIL: could not take the task out of the fixture's neg.test"; fails=$((fails + 1))
else
    caught untold "a starter FAIL that names no task" \
        "FAIL: lab 02: the starter's FAILs that name no task:" 02
fi

# A test that takes its expected result from $REF's lab code passes on
# untouched starter code when a student runs make grade (the starter is its
# own $REF).
planted selfref
sed -i 's/^\[ "$out" = "12" \]/want=$("$REF\/build\/bin\/answer" mul 3 4); [ "$out" = "$want" ]/' \
    "$work/selfref/labs/01-arith/tests/mul.test"
if ! grep -q 'REF/build/bin/answer' "$work/selfref/labs/01-arith/tests/mul.test"; then
    echo "FAIL: could not make the fixture's mul.test ask \$REF"; fails=$((fails + 1))
else
    caught selfref "a test whose expected result comes from \$REF" \
        "FAIL: lab 01: the starter graded by itself (make grade) differs" --quick 01
fi

first=$(ls -d labs/[0-9][0-9]-*/ 2>/dev/null | head -n 1)
if [ -n "$first" ]; then
    first=${first#labs/}; first=${first%%-*}
    if tests/labs/labcheck.sh --quick --mutants "$first"; then echo "ok: the labs end to end"
    else echo "FAIL: the labs end to end"; fails=$((fails + 1)); fi
    # A starter's compiled files pin the headers they were compiled with: a
    # changed one stops the build before they are linked (labs/build.mk).
    s="$work/pinned"
    if ! labs/handout.sh "$first" "$s" >"$work/pinned.out" 2>&1 || [ ! -s "$s/prebuilt/SHA256SUMS" ]; then
        echo "FAIL: lab $first's starter has no prebuilt/SHA256SUMS"; cat "$work/pinned.out"; fails=$((fails + 1))
    else
        h=$(sed -n '1s/^[0-9a-f]*  //p' "$s/prebuilt/SHA256SUMS")
        echo '/* changed */' >>"$s/$h"
        if (cd "$s" && make -j2 BUILD=build build/lib/libvmm.a) >"$work/pinned.out" 2>&1; then
            echo "FAIL: a changed $h went unnoticed"; fails=$((fails + 1))
        elif grep -q "^$h: error: changed, but the other labs' code in prebuilt/ was compiled with it" \
                "$work/pinned.out"; then
            echo "ok: a changed header of the compiled files stops the build"
        else
            echo "FAIL: a changed $h:"; cat "$work/pinned.out"; fails=$((fails + 1))
        fi
        # ... and a tree that lost prebuilt/ is told so, not left to fail linking.
        rm -rf "$s/prebuilt"
        if (cd "$s" && make -j2 BUILD=build all) >"$work/pinned.out" 2>&1; then
            echo "FAIL: a starter without prebuilt/ built"; fails=$((fails + 1))
        elif grep -q "prebuilt/.*\.o is missing: this starter has .*\.c only compiled" "$work/pinned.out"; then
            echo "ok: a starter without prebuilt/ says what is missing"
        else
            echo "FAIL: a starter without prebuilt/:"; tail -n 5 "$work/pinned.out"; fails=$((fails + 1))
        fi
    fi
else
    echo "ok: no labs yet (labs/NN-*/), nothing more to check"
fi
[ "$fails" -eq 0 ]
