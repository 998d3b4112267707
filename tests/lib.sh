# lib.sh - how many check scripts of tests/*/ start, run from the top of
# the tree: BUILD (the build folder, default build/), T (its trapeze), tmp
# (a scratch folder, removed at exit) and fail MESSAGE, which prints it and
# counts it in $failures.  A script sets its own `set` options, sources
# this file, and ends with [ "$failures" -eq 0 ].
BUILD=${BUILD:-build}
T=$BUILD/bin/trapeze
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM   # the EXIT trap then runs
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

# check_status NAME WANT GOT PATTERN: a command just ended with status GOT,
# its output in $tmp/err; it should have ended with WANT and printed a line
# matching PATTERN (grep's).  PASS NAME, or fail with what it printed.
check_status() {
    if [ "$3" -ne "$2" ]; then
        fail "$1: exit status $3, expected $2"; sed 's/^/    /' "$tmp/err"
    elif ! grep -q -- "$4" "$tmp/err"; then
        fail "$1: no message"; sed 's/^/    /' "$tmp/err"
    else
        echo "PASS $1"
    fi
}

# expect_error NAME STATUS PATTERN: status 1 (a file could not be used).
expect_error() {
    check_status "$1" 1 "$2" "$3"
}

# usage_error NAME PATTERN CMD...: CMD (stdin /dev/null) must fail with
# status 2, a bad command line, and a line matching PATTERN.
usage_error() {
    name=$1 pattern=$2
    shift 2
    if "$@" </dev/null >"$tmp/err" 2>&1; then got=0; else got=$?; fi
    check_status "$name" 2 "$got" "$pattern"
}
