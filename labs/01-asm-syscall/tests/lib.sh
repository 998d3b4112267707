# lib.sh - what every test of this lab uses (sourced by the .test files):
# the helpers all labs share (labs/grader/labtest.sh), and a disk of user
# programs.
. "$REF/labs/grader/labtest.sh"
EXPECTED=$REF/labs/01-asm-syscall/tests/expected

# userprog NAME...: REF's assembled user programs, a disk $TMP/disk.disk
# holding them in that order (NAME=path.img for another image)
mkdisk() {
    set -- $(for p in "$@"; do case $p in *=*) echo "$p";; *) echo "$p=$REF/build/guestos/user/$p.img";; esac; done)
    "$REF/build/bin/t32mkdisk" -o "$TMP/disk.disk" "$@" >/dev/null || fail "internal error: t32mkdisk $*"
}

# collatz_img: the submission's collatz.s assembled as the grader does it,
# with the course's guestos/include and guestos/user as handed out, into
# $TMP/collatz.img; a failure says why (and where a symbol missing from
# the course's files belongs: in your own tree those files are yours, so a
# function added to ulib.s works with make grade, not on the grader).
collatz_img() {
    "$T32AS" -I "$REF/guestos/include" -I "$REF/guestos/user" -o "$TMP/collatz.img" \
        "$SUB/labs/01-asm-syscall/collatz.s" >"$TMP/as.log" 2>&1 && return 0
    cat "$TMP/as.log"
    hint=
    if grep -q "error: undefined symbol" "$TMP/as.log"; then
        hint=" - the grader uses the course's guestos/include and guestos/user as handed out (ulib.s:"
        hint="$hint puts, putdec, putc, getpid, exit ...): put any other function in collatz.s"
    fi
    fail "collatz.s does not assemble (task 1): $(head -n 1 "$TMP/as.log")$hint"
}

# guestos NAME KERNEL: boot KERNEL bare with a copy of $TMP/disk.disk;
# NAME.out as printed, NAME.norm with the summary's tick and switch counts
# left out (they depend on how many instructions your code takes), and
# NAME.sorted, its lines sorted (processes interleave by timing too).
# KERNEL "course" is the course's kernel: its run as stored with the tests
# (reference, labtest.sh) - in your tree, $REF's kernel is yours.
guestos() {
    cp "$TMP/disk.disk" "$TMP/$1.disk"
    if [ "$2" = course ]; then
        reference "$1" "$REFVMM" bare "$REF/build/guestos/kernel.img" --disk "$TMP/$1.disk"
    else
        run "$1" "$REFVMM" bare "$2" --disk "$TMP/$1.disk"
    fi
    sed 's/ticks [0-9]*, context switches [0-9]*/ticks N, context switches N/' "$TMP/$1.out" >"$TMP/$1.norm"
    sort "$TMP/$1.norm" >"$TMP/$1.sorted"
}

# finished NAME WHAT: run NAME must have ended by itself, not by the
# instruction budget ($LIMIT, several times what the course's kernel
# needs): else WHAT, with where trapeze stopped it - not "expected the
# line ..., got ''" about lines it never reached.
finished() {
    [ "$(cat "$TMP/$1.rc")" != 3 ] ||
        fail "$2: your kernel did not finish within $LIMIT instructions$(said "$1")"
}

# samefile EXPECTED GOT WHAT: two files must be equal
samefile() {
    if ! cmp -s "$1" "$2"; then
        echo "--- expected:"; head -c 3000 "$1"
        echo "--- got:"; head -c 3000 "$2"
        echo "--- diff:"; diff -a "$1" "$2" | head -n 20 || true
        # (a NUL byte, which $(...) would drop, shown as ^@ as cat -v does)
        want=$(diff -a "$1" "$2" | sed -n 's/^< //p' | head -n 1 | sed 's/\x0/^@/g')
        got=$(diff -a "$1" "$2" | sed -n 's/^> //p' | head -n 1 | sed 's/\x0/^@/g')
        fail "$3: expected the line '$want', got '$got'"
    fi
}
