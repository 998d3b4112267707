# lib.sh - how many check scripts of tests/*/ start, run from the top of
# the tree: BUILD (the build folder, default build/), T (its trapeze), tmp
# (a scratch folder, removed at exit) and fail MESSAGE, which prints it and
# counts it in $failures.  A script sets its own `set` options, sources
# this file, and ends with [ "$failures" -eq 0 ].
BUILD=${BUILD:-build}
T=$BUILD/bin/trapeze
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

# expect_error NAME STATUS PATTERN: a command just ended with STATUS, its
# stderr in $tmp/err; it should have failed with status 1 and a line
# matching PATTERN (grep's).  PASS NAME, or fail with what it printed.
expect_error() {
    if [ "$2" -ne 1 ]; then
        fail "$1: exit status $2, expected 1"; sed 's/^/    /' "$tmp/err"
    elif ! grep -q -- "$3" "$tmp/err"; then
        fail "$1: no message"; sed 's/^/    /' "$tmp/err"
    else
        echo "PASS $1"
    fi
}
