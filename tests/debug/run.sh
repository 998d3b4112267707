#!/bin/sh
# Scripted debugger sessions against golden transcripts.
#
# Each tests/debug/NAME.x is a list of debugger commands; its first line
# is "# args: OPTIONS" - the options of `trapeze debug` ($BUILD is the build
# folder).  The session runs with --batch, commands on stdin; its stdout and
# stderr, and then its exit status, must equal golden/NAME.out (a session
# still running after 60 seconds is killed: status 124).
#   UPDATE=1 tests/debug/run.sh      rewrite the goldens (then read the diff)
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
out=$BUILD/tests/debug
mkdir -p "$out"
for src in tests/debug/*.s; do      # guest.s -> $BUILD/tests/debug/guest.img
    "$BUILD/bin/t32as" -o "$out/$(basename "$src" .s).img" "$src"
done
status=0
for x in tests/debug/*.x; do
    name=$(basename "$x" .x)
    args=$(sed -n '1s/^# args: //p' "$x")
    got="$out/$name.out"
    # shellcheck disable=SC2086  # the options are meant to split
    set +e
    # (a session that never ends - a command that loops - fails, not hangs)
    eval "timeout 60 \"$BUILD/bin/trapeze\" debug --batch $args" <"$x" >"$got" 2>&1
    echo "status: $?" >>"$got"
    set -e
    if [ "${UPDATE:-}" = 1 ]; then
        cp "$got" "tests/debug/golden/$name.out"
    elif ! diff -u "tests/debug/golden/$name.out" "$got" >"$out/$name.diff"; then
        echo "debug: $name FAILED (diff in $out/$name.diff)"
        head -n 40 "$out/$name.diff"
        status=1
    fi
done
# Input that is not a command script: endless bytes with no newline end the
# session with an error (bounded memory, no hang), and so does a folder.
img="$out/guest.img"
set +e
timeout 20 "$BUILD/bin/trapeze" debug --batch "$img" </dev/zero >"$out/zero.out" 2>&1
zs=$?
timeout 20 "$BUILD/bin/trapeze" debug --batch -x tests "$img" </dev/null >"$out/dir.out" 2>&1
ds=$?
# A -x script that does not exist is told before the session starts.
timeout 20 "$BUILD/bin/trapeze" debug --batch -x "$out/no-such.x" "$img" </dev/null >"$out/nox.out" 2>&1
xs=$?
set -e
# An image's line table names its source files, and the image comes from
# outside: a name that is /dev/zero (no newline, no end) or a fifo nobody
# writes is no source to show - "(source not found)", not a hang.
lt=$(mktemp -d)
cp tests/debug/guest.s "$lt/src.s"
"$BUILD/bin/t32as" -o "$lt/lt.img" "$lt/src.s"
for kind in zero fifo; do
    rm -f "$lt/src.s"
    if [ $kind = zero ]; then ln -s /dev/zero "$lt/src.s"; else mkfifo "$lt/src.s"; fi
    set +e
    printf 'stepi\nlist\n' | timeout 20 "$BUILD/bin/trapeze" debug --batch "$lt/lt.img" >"$out/lt.out" 2>&1
    ls=$?
    set -e
    if [ $ls -eq 124 ] || [ $ls -gt 128 ] || ! grep -q '(source not found)' "$out/lt.out"; then
        echo "debug: a line table naming a $kind FAILED (status $ls)"; tail -n 3 "$out/lt.out"; status=1
    fi
done
# A -x script that is a fifo nobody writes: an empty script after a short
# wait, then the session goes on (it used to wait in open() for ever).
mkfifo "$lt/script"
set +e
timeout 20 "$BUILD/bin/trapeze" debug --batch -x "$lt/script" "$img" </dev/null >"$out/ff.out" 2>&1
fs=$?
set -e
if [ $fs -ne 0 ]; then
    echo "debug: -x with a fifo nobody writes FAILED (status $fs)"; tail -n 3 "$out/ff.out"; status=1
fi
rm -rf "$lt"
# A script with CRLF line ends: the \r is no part of a command, so a
# command of 1023 characters (the most there is) is not "too long".
long=$(printf 'p 7%1020s' '')
printf '%s\r\nhelp si\r\n' "$long" >"$out/crlf.x"
set +e
timeout 20 "$BUILD/bin/trapeze" debug --batch -x "$out/crlf.x" "$img" </dev/null >"$out/crlf.out" 2>&1
cs=$?
set -e
# shellcheck disable=SC2016  # $1 is the debugger's first value, not the shell's
if [ $cs -ne 0 ] || ! grep -qxF '$1 = 7' "$out/crlf.out"; then
    echo "debug: a CRLF script FAILED (status $cs)"; tail -n 3 "$out/crlf.out"; status=1
fi
# The debugger's output cannot be written (a full disk): status 1, with
# the reason - not blamed on the guest console as an "Input/output error".
set +e
printf 'si\ninfo registers\n' | "$BUILD/bin/trapeze" debug --batch "$img" >/dev/full 2>"$out/full.err"
us=$?
set -e
if [ $us -ne 1 ] || grep -q 'console output' "$out/full.err" ||
   ! grep -q "cannot write the debugger's output: No space left on device" "$out/full.err"; then
    echo "debug: output to /dev/full FAILED (status $us)"; cat "$out/full.err"; status=1
fi
# Every command and info sub-command that help lists is in the README.
printf 'help\nhelp info\n' | "$BUILD/bin/trapeze" debug --batch "$img" >"$out/help.out" 2>&1
# shellcheck disable=SC2013  # one command name per line: words are lines
for word in $(sed -n 's/^  \([a-z][a-z-]*\).*/\1/p' "$out/help.out" | grep -v '^info$'); do
    grep -q "\`${word}[] \`/]" vmm/debug/README.md ||
        { echo "debug: help lists $word, vmm/debug/README.md does not"; status=1; }
done
# shellcheck disable=SC2013
for word in $(sed -n 's/^  info \([a-z-]*\).*/\1/p' "$out/help.out"); do
    grep -q "info $word" vmm/debug/README.md ||
        { echo "debug: help lists info $word, vmm/debug/README.md does not"; status=1; }
done
if [ $zs -ne 1 ] || ! grep -q "more than a mebibyte" "$out/zero.out"; then
    echo "debug: /dev/zero as commands FAILED (status $zs)"; tail -n 3 "$out/zero.out"; status=1
fi
if [ $ds -ne 1 ] || ! grep -q "cannot read the script tests (-x): it is a folder" "$out/dir.out" ||
    grep -q "_start" "$out/dir.out"; then
    echo "debug: -x FOLDER FAILED (status $ds)"; tail -n 3 "$out/dir.out"; status=1
fi
if [ $xs -ne 1 ] || ! grep -q "cannot read the script .*no-such.x (-x)" "$out/nox.out" ||
    grep -q "_start" "$out/nox.out"; then
    echo "debug: -x MISSING FAILED (status $xs)"; tail -n 3 "$out/nox.out"; status=1
fi
[ $status -eq 0 ] && echo "debug: every scripted session matches its golden transcript"
exit $status
