# lib.sh - how most check scripts of tests/*/ start, run from the top of
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
