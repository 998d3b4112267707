#!/bin/sh
# Run every test program and check script given as arguments, print each
# one's result, and close with the summary line "N passed, N failed".
# Exit status is non-zero if anything failed.  BUILD names the build folder
# the scripts should use.
passed=0
failed=0
failures=""
for t in "$@"; do
    log="${BUILD:-build}/logs/$(echo "$t" | tr '/' '_').log"
    mkdir -p "$(dirname "$log")"
    start=$(date +%s)
    case $t in
        /*) path=$t ;;
        *) path=./$t ;;
    esac
    # A script runs through sh: its exec bit does not matter (a tree that
    # lost its modes must still pass); a test program runs as it is.
    if case $t in *.sh) sh "$path" ;; *) "$path" ;; esac >"$log" 2>&1; then
        passed=$((passed + 1))
        echo "PASS $t ($(( $(date +%s) - start ))s)"
    else
        failed=$((failed + 1))
        failures="$failures $t"
        echo "FAIL $t -- log follows"
        tail -n 60 "$log" | sed 's/^/    /'
    fi
done
echo
[ -n "$failures" ] && echo "failed:$failures"
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
