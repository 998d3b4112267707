#!/bin/sh
# hint.sh - a run that goes on and on says so, once, when a person is
# watching (stderr on a terminal), and never when it is not.  A guest that
# waits for a line typed at the terminal stands in for a guest in a loop:
# ptydrive (tests/debug) plays the terminal and types the line after the
# hint's time, TRAPEZE_HINT_SECONDS = 1, has passed.
set -eu
. tests/lib.sh
drive=$BUILD/tests/debug/ptydrive
pass() { echo "PASS $*"; }
eof=$(printf '\004')

TRAPEZE_HINT_SECONDS=1 "$drive" "\\n\\n\\n\\n\\n\\nhi\\n$eof" \
    "$T" run --bare "$BUILD/tests/vmm/guests/reader.img" >"$tmp/tty" 2>&1 || true
tr -d '\r' <"$tmp/tty" >"$tmp/out"
if [ "$(grep -c 'still running after 1 s' "$tmp/out")" -eq 1 ] && grep -q '^hi$' "$tmp/out"; then
    pass "on a terminal: the hint, once, and the guest's input unharmed"
else
    fail "on a terminal"; cat "$tmp/out"
fi

# A malformed TRAPEZE_HINT_SECONDS ("1x") means the default, 10 s: no
# hint in the second or two the same session takes.
TRAPEZE_HINT_SECONDS=1x "$drive" "\\n\\n\\n\\n\\n\\nhi\\n$eof" \
    "$T" run --bare "$BUILD/tests/vmm/guests/reader.img" >"$tmp/tty" 2>&1 || true
if ! grep -q 'still running' "$tmp/tty" && grep -q 'hi' "$tmp/tty"; then
    pass "TRAPEZE_HINT_SECONDS=1x: the default, not 1 s"
else
    fail "TRAPEZE_HINT_SECONDS=1x"; cat "$tmp/tty"
fi

# Not on a terminal: nothing, however long it runs.
(sleep 2; echo hi) | TRAPEZE_HINT_SECONDS=1 "$T" run --bare "$BUILD/tests/vmm/guests/reader.img" \
    >"$tmp/out" 2>&1
if ! grep -q 'still running' "$tmp/out" && grep -q '^hi$' "$tmp/out"; then
    pass "not on a terminal: no hint"
else
    fail "not on a terminal"; cat "$tmp/out"
fi

echo "hint: $failures failures"
[ "$failures" -eq 0 ]
