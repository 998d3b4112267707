#!/bin/sh
# tests/labs/labcheck.sh [--tree TREE] [--quick] [--mutants NN] [NN ...] -
# the labs end to end, for each lab NN (default: every labs/NN-*/):
#   - the reference (TREE itself) scores full marks, hidden tests included,
#     runs every command block of the lab's handout with status 0, and
#     `make expected` there (labs/record.sh) stores exactly the committed
#     tests/expected/;
#   - the starter (labs/handout.sh), without its files' exec bits, builds
#     and scores below full marks, and graded by itself (make grade there:
#     the starter is its own $REF) each test has the result it gets
#     against the reference;
#   - the starter holds no other lab's answer (no telling line of another
#     lab's region that is not shared), and with this lab's answer put
#     back (the reference's files holding its regions) scores full marks;
#   - every mutant labs/NN-*/mutants/NAME.patch, applied to the reference,
#     builds and loses exactly the tests its '# loses:' line names, each
#     '# says: TEST TEXT' line's TEST with TEXT in its reason.
# --quick leaves the mutants out, except those of the lab named by
# --mutants.  The reference is built once; every lab's submissions are
# graded in one t32grade run with --jobs 2.  BUILD names the build folder
# holding t32grade.
set -u
BUILD=${BUILD:-build}
grade="$PWD/$BUILD/bin/t32grade"
handout="$PWD/labs/handout.sh"
tree=$PWD
quick= mutlab=
while [ $# -gt 0 ]; do
    case $1 in
        --tree) tree=$(cd "$2" && pwd); shift 2 ;;
        --quick) quick=1; shift ;;
        --mutants) mutlab=$2; shift 2 ;;
        *) break ;;
    esac
done
[ -x "$grade" ] || { echo "FAIL: $grade is not built"; exit 1; }
labs=$*
if [ -z "$labs" ]; then
    for d in "$tree"/labs/[0-9][0-9]-*/; do
        [ -d "$d" ] || continue
        n=${d%/}; n=${n##*/}; labs="$labs ${n%%-*}"
    done
fi
if [ -z "$labs" ]; then
    echo "labcheck: no labs in $tree/labs"
    exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/labcheck.XXXXXX")
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM   # the EXIT trap then runs
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "ok: $*"; }

# A copy of the tree without build/ and .git/.
copy() { mkdir -p "$1" && (cd "$tree" && tar cf - --exclude=./build --exclude=./.git .) | (cd "$1" && tar xf -); }

# sources_with REGEX: the tree's source files (C, T32 assembly) holding
# REGEX, from its top - the files labs' regions are in.
sources_with() {
    (cd "$tree" && grep -rlE "$1" --include='*.c' --include='*.h' --include='*.s' \
        --exclude-dir=build --exclude-dir=.git . | sed 's|^\./||' | grep -v '^tests/labs/')
}

# leaked LAB FILE STARTER-FILE: the lines of FILE's regions of labs other
# than LAB (not shared) that STARTER-FILE still has - another lab's answer
# left in the starter.  Only telling lines count: 8 characters or more,
# found neither outside the regions nor in the region's stub.
leaked() {
    [ -f "$3" ] || return 0
    awk -v lab="$1" -v labs="$tree/labs" '
    function trim(l) { gsub(/^[ \t]+|[ \t]+$/, "", l); return l }
    FNR == 1 { part++ }
    part == 1 {
        if (match($0, /LAB [0-9][0-9] (BEGIN|END) [a-z0-9-]+( shared)?/)) {
            split(substr($0, RSTART, RLENGTH), f, " ")
            if (f[3] == "BEGIN" && f[2] != lab && f[5] != "shared") {
                inside = 1
                cmd = "cat \"" labs "\"/" f[2] "-*/stubs/" f[4] " 2>/dev/null"
                while ((cmd | getline l) > 0) stub[trim(l)] = 1
                close(cmd)
            } else inside = 0
            next
        }
        l = trim($0)
        if (inside && length(l) >= 8) answer[l] = 1
        else if (!inside) outside[l] = 1
        next
    }
    { l = trim($0) }
    (l in answer) && !(l in outside) && !(l in stub) { print FILENAME ":" FNR ": " l }
    ' "$2" "$3"
}

start=$(date +%s)
copy "$work/ref"
if ! (cd "$work/ref" && make -j2 BUILD=build >"$work/ref.log" 2>&1); then
    fail "the reference does not build"; tail -n 20 "$work/ref.log"; exit 1
fi
echo "labcheck: reference built ($(( $(date +%s) - start ))s)"

# One section of t32grade's report: the lines between '== DIR ==' and Score.
section() { sed -n "\\|^== $2 ==\$|,/^Score:/p" "$1"; }

for lab in $labs; do
    subs="$work/ref"
    if ! "$handout" --tree "$tree" "$lab" "$work/starter-$lab" >"$work/handout-$lab.log" 2>&1; then
        fail "lab $lab: no starter: $(tail -n 3 "$work/handout-$lab.log")"
        continue
    fi
    # No other lab's answer is in the starter (labs/README.md: other labs'
    # C files come compiled, their other regions as their stubs).
    leaks=$(sources_with 'LAB [0-9]{2} BEGIN' | while read -r f; do
            leaked "$lab" "$tree/$f" "$work/starter-$lab/$f"
        done)
    if [ -z "$leaks" ]; then pass "lab $lab: the starter holds no other lab's answer"
    else fail "lab $lab: the starter holds other labs' answers:"; echo "$leaks" | sed 's/^/    /'; fi
    # A student may get the starter, and hand it in, as a zip that keeps no
    # file modes (made on Windows, uploaded through a browser): it must
    # build without its exec bits.
    find "$work/starter-$lab" -type f -exec chmod a-x {} +
    subs="$subs $work/starter-$lab"
    # The starter with this lab's answer put back (the reference's files
    # holding its regions): full marks, hidden tests included - the other
    # labs' code it is given, compiled or not, does its part.
    rm -rf "$work/solved-$lab"
    cp -R "$work/starter-$lab" "$work/solved-$lab"
    sources_with "LAB $lab BEGIN" | while read -r f; do cp "$tree/$f" "$work/solved-$lab/$f"; done
    subs="$subs $work/solved-$lab"
    # Every file the handout names (`dir/file`, from the tree's top or the
    # lab's folder; build/ outputs aside) is in the starter: the student
    # reads it first.
    labrel=$(cd "$work/starter-$lab" && ls -d labs/"$lab"-*)
    missing=
    for p in $(grep -o '`[A-Za-z0-9_.-]*/[A-Za-z0-9_./-]*`' "$work/starter-$lab/$labrel/README.md" |
               tr -d '`' | LC_ALL=C sort -u); do
        case $p in build/*) continue ;; esac
        [ -e "$work/starter-$lab/$p" ] || [ -e "$work/starter-$lab/$labrel/$p" ] || missing="$missing $p"
    done
    if [ -z "$missing" ]; then pass "lab $lab: every file the handout names is in the starter"
    else fail "lab $lab: the handout names files the starter does not have:$missing"; fi
    # Every command block of the handout (between ``` lines) runs as
    # written in the reference tree, each command with status 0: a student
    # copies them.  (Their files in /tmp go to a folder of this check's.)
    mkdir -p "$work/cmds-$lab"
    awk '/^```/ { inside = !inside; if (!inside) print "#"; next } inside' \
        "$work/starter-$lab/$labrel/README.md" | sed "s|/tmp/|$work/cmds-$lab/|g" >"$work/cmds-$lab.txt"
    bad=
    while IFS= read -r cmd; do
        case $cmd in ''|'#') continue ;; esac
        (cd "$work/ref" && eval "$cmd") >"$work/cmds-$lab.log" 2>&1 </dev/null ||
            bad="$bad; '$cmd' (status $?: $(tail -n 1 "$work/cmds-$lab.log"))"
    done <"$work/cmds-$lab.txt"
    if [ -z "$bad" ]; then pass "lab $lab: the handout's commands run on the reference"
    else fail "lab $lab: the handout's commands fail on the reference${bad}"; fi
    # `make expected` on the reference stores exactly the committed
    # tests/expected/: nothing a test may need is left out (a file read only
    # on a failing submission's path was not stored, and then missing).
    exp="$labrel/tests/expected"
    if [ -d "$tree/$exp" ] || [ -f "$work/ref/labs/record.sh" ]; then
        if sh "$work/ref/labs/record.sh" "$lab" >"$work/record-$lab.log" 2>&1 &&
           diff -r "$tree/$exp" "$work/ref/$exp" >"$work/record-$lab.diff" 2>&1 ||
           { [ ! -d "$tree/$exp" ] && [ ! -d "$work/ref/$exp" ]; }; then
            pass "lab $lab: make expected stores the committed tests/expected/"
        else
            fail "lab $lab: make expected does not store the committed tests/expected/:"
            tail -n 3 "$work/record-$lab.log" "$work/record-$lab.diff" | sed 's/^/    /'
        fi
    fi
    mutants=
    if [ -z "$quick" ] || [ "$mutlab" = "$lab" ]; then
        for p in "$tree"/labs/"$lab"-*/mutants/*.patch; do
            [ -f "$p" ] || continue
            m=${p##*/}; m=${m%.patch}
            copy "$work/mutant-$lab-$m"
            if ! (cd "$work/mutant-$lab-$m" && patch -s -p1 <"$p") >"$work/patch.log" 2>&1; then
                fail "lab $lab: mutant $m does not apply: $(head -n 3 "$work/patch.log")"
                continue
            fi
            subs="$subs $work/mutant-$lab-$m"
            mutants="$mutants $m"
        done
    fi
    t0=$(date +%s)
    out="$work/grade-$lab.out"
    "$grade" --tree "$tree" --ref "$work/ref" --work "$work" --lab "$lab" --hidden --jobs 2 \
        --keep $subs >"$out" 2>"$work/grade-$lab.err"
    cat "$work/grade-$lab.err" >>"$out"
    kept=$(sed -n 's/^t32grade: the scratch folder is //p' "$work/grade-$lab.err")
    echo "labcheck: lab $lab graded: reference, starter, starter with the answer,$mutants ($(( $(date +%s) - t0 ))s)"
    if [ "$(echo $subs | wc -w)" -eq 1 ]; then   # one submission: no '== DIR ==' header
        sed -i "1i== $work/ref ==" "$out"
    fi

    # The reference: full marks.
    score=$(section "$out" "$work/ref" | sed -n 's/^Score: //p')
    if [ -n "$score" ] && [ "${score%/*}" = "${score#*/}" ]; then pass "lab $lab: reference $score"
    else fail "lab $lab: reference scores '$score'"; section "$out" "$work/ref" | grep -v ': OK'; fi

    # The starter with the answer put back: full marks.
    score=$(section "$out" "$work/solved-$lab" | sed -n 's/^Score: //p')
    if [ -n "$score" ] && [ "${score%/*}" = "${score#*/}" ]; then pass "lab $lab: starter with the answer put back $score"
    else fail "lab $lab: starter with the answer put back scores '$score'"; section "$out" "$work/solved-$lab" | grep -v ': OK'; fi

    # The starter: builds, below full marks.
    s=$(section "$out" "$work/starter-$lab")
    score=$(echo "$s" | sed -n 's/^Score: //p')
    if echo "$s" | grep -q '^build: OK' && [ -n "$score" ] && [ "${score%/*}" != "${score#*/}" ]
    then pass "lab $lab: starter builds, scores $score"
    else fail "lab $lab: starter: $score"; echo "$s" | sed 's/^/    /'; fi
    # ... and each test it fails says which task to work on (labs/README.md:
    # "each FAIL pointing at a task"): a reason like "the transcript differs
    # at line 2" leaves a student with the starter's code and no lead.
    untold=$(echo "$s" | grep '^[^ ]*: FAIL (' | grep -v '^build:' | grep -v '(.*task')
    if [ -z "$untold" ]; then pass "lab $lab: every FAIL of the starter names a task"
    else fail "lab $lab: the starter's FAILs that name no task:"; echo "$untold" | sed 's/^/    /'; fi
    # ... and boots guestos on bare T32 (its build is submission 1's).
    st="$kept/sub-1/tree"
    if [ -x "$st/build/bin/trapeze" ] && [ -f "$st/build/guestos/kernel.img" ]; then
        (cd "$st" && build/bin/trapeze run --bare --max-insns 20000000 build/guestos/kernel.img \
            --disk build/guestos/default.disk) >"$work/boot-$lab.out" 2>&1 </dev/null
        rc=$?
        if [ $rc -lt 128 ] && grep -q '^guestos: booting' "$work/boot-$lab.out"; then
            pass "lab $lab: starter boots guestos bare"
        else fail "lab $lab: starter does not boot guestos bare (status $rc)"; tail -n 5 "$work/boot-$lab.out"; fi
    elif [ -f "$tree/guestos/build.mk" ]; then
        fail "lab $lab: the starter's build has no trapeze or guestos kernel"
    fi
    # ... and `make grade` in it - the starter as its own $REF - gives each
    # test the result it gets against the reference: a test that took its
    # expected result from $REF's lab code would pass there on starter code.
    if [ -d "$st" ]; then
        "$grade" --tree "$st" --ref "$st" --work "$work" --lab "$lab" "$st" >"$work/self-$lab.out" 2>&1
        sed -n 's/^\([^ :]*\): \(OK\|FAIL\).*/\1: \2/p' "$work/self-$lab.out" | LC_ALL=C sort >"$work/self-$lab"
        echo "$s" | sed -n 's/^\([^ :]*\): \(OK\|FAIL\).*/\1: \2/p' | LC_ALL=C sort |
            awk 'NR == FNR { self[$1] = 1; next } $1 in self' "$work/self-$lab" - >"$work/ref-$lab"
        if [ -s "$work/self-$lab" ] && cmp -s "$work/ref-$lab" "$work/self-$lab"; then
            pass "lab $lab: the starter graded by itself (make grade) as against the reference"
        else
            fail "lab $lab: the starter graded by itself (make grade) differs from against the reference:"
            diff "$work/ref-$lab" "$work/self-$lab" | sed 's/^/    /'
            grep 'FAIL\|error' "$work/self-$lab.out" | sed 's/^/    /'
        fi
    fi
    [ -n "$kept" ] && rm -rf "$kept"

    # Each mutant: exactly its tests lost.
    for m in $mutants; do
        p=$(ls "$tree"/labs/"$lab"-*/mutants/"$m".patch)
        want=$(sed -n 's/^# loses://p' "$p" | tr ' ' '\n' | grep . | LC_ALL=C sort | tr '\n' ' ')
        s=$(section "$out" "$work/mutant-$lab-$m")
        got=$(echo "$s" | sed -n 's/^\([^ :]*\): FAIL (.*/\1/p' | grep -v '^build$' |
              LC_ALL=C sort | tr '\n' ' ')
        if [ -z "$want" ]; then fail "lab $lab: mutant $m has no '# loses:' line"
        elif echo "$s" | grep -q '^build: OK' && [ "$got" = "$want" ]; then
            pass "lab $lab: mutant $m loses ${want% }"
        else
            fail "lab $lab: mutant $m loses '$got', expected '$want'"
            echo "$s" | grep -v ': OK' | sed 's/^/    /'
        fi
        # '# says: TEST TEXT': TEST's reason holds TEXT (the task it names).
        sed -n 's/^# says: //p' "$p" | while read -r t text; do
            if echo "$s" | grep "^$t: FAIL (" | grep -qF -- "$text"; then
                pass "lab $lab: mutant $m: $t says '$text'"
            else
                echo "FAIL: lab $lab: mutant $m: $t does not say '$text':"
                echo "$s" | grep "^$t: " | sed 's/^/    /'
            fi
        done >"$work/says.out"
        cat "$work/says.out"
        fails=$((fails + $(grep -c '^FAIL' "$work/says.out")))
    done
done
echo "labcheck: $fails failure(s) ($(( $(date +%s) - start ))s)"
[ "$fails" -eq 0 ]
