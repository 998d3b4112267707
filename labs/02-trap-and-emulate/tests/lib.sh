# lib.sh - what every test of this lab uses (sourced by the .test files):
# the helpers all labs share (labs/grader/labtest.sh), and where the
# results only the course's code can give are stored (reference).
. "$REF/labs/grader/labtest.sh"
EXPECTED=$REF/labs/02-trap-and-emulate/tests/expected

# guest NAME WHAT: tests/guests/NAME.s under your --mode trap against bare
# T32 (transcript, exit status, instructions retired); WHAT is what a
# failure names: the guest and the task it tests.
guest() {
    assemble "$REF/labs/02-trap-and-emulate/tests/guests/$1.s" "$TMP/$1.img" \
        -I "$REF/examples"
    run bare "$REFVMM" bare "$TMP/$1.img"
    run trap "$SUBVMM" trap "$TMP/$1.img"
    same bare trap "$2"
    echo "$1: identical to bare T32"
}
