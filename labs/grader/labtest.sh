# labtest.sh - what every lab's tests use (each lab's tests/lib.sh sources
# it; the .test scripts source their lab's lib.sh).
#
# The grader runs each test with SUB = the submission's tree (built), REF = a
# trusted build of the course's tree, TMP = a scratch folder.  Guests and
# expected behaviour come from REF: bare T32 ($REF's `trapeze run --bare`) is
# the judge of fidelity, and REF's assembler builds the test guests.  But in
# a student's tree `make grade` uses that very tree as REF: whatever a lab
# region changes (the kernel's system calls, the VMM's trap path...) is the
# student's code there, so a result only lab code can compute is never
# computed from REF - it is stored with the tests (see reference below).
# Each lab's lib.sh sets EXPECTED, the folder of those stored results.
set -eu
T32AS=$REF/build/bin/t32as
REFVMM=$REF/build/bin/trapeze
SUBVMM=$SUB/build/bin/trapeze
LIMIT=${LIMIT:-5000000}

fail() { printf '%s\n' "$*"; exit 1; }   # (printf: a reason may hold backslashes)

[ -x "$SUBVMM" ] || fail "your tree did not build: $SUBVMM is missing"

# assemble SRC OUT [t32as options...]
assemble() {
    src=$1 out=$2
    shift 2
    "$T32AS" "$@" -o "$out" "$src" || fail "internal error: cannot assemble $src"
}

# run NAME VMM MODE IMAGE [trapeze options...]: console in $TMP/NAME.out,
# diagnostics in NAME.err, statistics in NAME.json, exit status in NAME.rc.
# A --disk is copied first (trapeze writes disks through).
run() {
    name=$1 vmm=$2 mode=$3 img=$4
    shift 4
    set +e
    "$vmm" run --mode "$mode" --max-insns "$LIMIT" --stats-json "$TMP/$name.json" \
        "$@" "$img" >"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null
    rc=$?
    echo $rc >"$TMP/$name.rc"
    set -e
    # A trapeze killed by a signal wrote nothing a test could judge (no
    # statistics, a console cut short): that is the reason, said as such.
    if [ $rc -gt 128 ]; then
        show "$name"
        who=$([ "$vmm" = "$SUBVMM" ] && echo "your trapeze" || echo "internal error: the course's trapeze")
        fail "$who crashed under --mode $mode ($(basename "$img")): killed by signal $((rc - 128)) (SIG$(kill -l $((rc - 128)) 2>/dev/null || echo '?'))"
    fi
}

# reference NAME VMM MODE IMAGE [trapeze options...]: the run NAME as the
# course's own code makes it ($TMP/NAME.out, .rc, .json, as run gives them),
# read from $EXPECTED/NAME.out, .rc and .json.  Those are made from the
# instructor's tree by `make expected LAB=NN` (labs/record.sh), which runs
# the tests with T32_RECORD=1: only then is the command run (on REF, the
# instructor's tree) and what it gives stored.  The grader never passes
# T32_RECORD to a test.
reference() {
    name=$1
    if [ "${T32_RECORD:-}" = 1 ]; then
        run "$@"
        mkdir -p "$EXPECTED"
        for x in out rc json; do cp "$TMP/$name.$x" "$EXPECTED/$name.$x"; done
        return
    fi
    for x in out rc json; do
        [ -f "$EXPECTED/$name.$x" ] ||
            fail "internal error: $EXPECTED/$name.$x is missing (the instructor's tree: make expected LAB=$LAB; a starter: the lab's tests/expected/ from the handout)"
        cp "$EXPECTED/$name.$x" "$TMP/$name.$x"
    done
    : >"$TMP/$name.err"             # (what it said on stderr is not kept)
}

# copydisk DISK NAME: a private copy, $TMP/NAME.disk
copydisk() { cp "$1" "$TMP/$2.disk"; }

# stat NAME KEY: a number from NAME.json
stat() { sed -n "s/.*\"$2\": *\([0-9][0-9]*\).*/\1/p" "$TMP/$1.json" | head -n 1; }

# causes NAME: the exits_by_cause object of NAME.json
causes() { sed -n 's/.*"exits_by_cause": *\({[^}]*}\).*/\1/p' "$TMP/$1.json" | head -n 1; }

# show NAME: its console and diagnostics, for the log
show() {
    echo "--- $1: exit status $(cat "$TMP/$1.rc")"
    # (each ends its line: the reason that follows must be a line of its own)
    head -c 3000 "$TMP/$1.out" | sed -e '$a\'
    head -c 1000 "$TMP/$1.err" | sed -e '$a\'
}

# said NAME: what trapeze said last on stderr in run NAME (or nothing)
said() {
    last=$(grep -a -v '^ *$' "$TMP/$1.err" | tail -n 1)
    [ -z "$last" ] || printf '; it said: %s' "$last"
}

# same EXPECTED GOT WHAT: the two runs must end the same way, print the same
# transcript and (unless NOCYCLES=1) retire the same number of instructions.
same() {
    if [ "$(cat "$TMP/$1.rc")" != "$(cat "$TMP/$2.rc")" ]; then
        show "$1"
        show "$2"
        fail "$3: trapeze ended with status $(cat "$TMP/$2.rc") (expected $(cat "$TMP/$1.rc"))$(said "$2")"
    fi
    if ! cmp -s "$TMP/$1.out" "$TMP/$2.out"; then
        show "$1"
        show "$2"
        echo "--- diff $1 $2:"
        diff -a "$TMP/$1.out" "$TMP/$2.out" | head -n 20 || true
        # The first hunk, "12c12", "5d4" or "0a1": the first line that
        # differs, counted from 1 (an "a" adds after the line it names).
        hunk=$(diff -a "$TMP/$1.out" "$TMP/$2.out" | sed -n '1p')
        line=${hunk%%[acd]*}
        line=${line%%,*}
        case $hunk in *a*) line=$((line + 1));; esac
        fail "$3: the transcript differs from $1's at line $line$(said "$2")"
    fi
    if [ "${NOCYCLES:-0}" != 1 ] && [ "$(stat "$1" guest_insns)" != "$(stat "$2" guest_insns)" ]; then
        fail "$3: $(stat "$2" guest_insns) guest instructions, $1 retired $(stat "$1" guest_insns)"
    fi
}
