#!/bin/sh
# Output files of t32as, t32dis and t32mkdisk (isa/outfile.h): a failed run
# never removes or truncates a device node, a fifo or a link, removes an old
# image or disk (never any other file) only when the input was bad, and replaces
# none of several outputs if one cannot be written; a directory is refused
# and survives, a write error
# (/dev/full) is reported with a non-zero exit status, /dev/stdout and its
# kin write to the open descriptor where it stands, and SIGINT or SIGTERM
# leaves no temporary behind.
#   BUILD=build/san tests/asm/outputs.sh
name=outputs
. "$(dirname "$0")/lib.sh"

# expect STATUS CMD...: run CMD (stderr to err.txt) and check its exit status.
expect() {
    want=$1; shift
    "$@" >out.txt 2>err.txt
    got=$?
    [ "$got" = "$want" ] || { fail "exit $got, not $want: $*"; cat err.txt; }
}

# files_only NAME...: the folder holds exactly these (no temporary left).
files_only() {
    have=$(ls -A | sort | tr '\n' ' ')
    want=$(printf '%s\n' "$@" err.txt out.txt | sort | tr '\n' ' ')
    [ "$have" = "$want" ] || fail "files: '$have', expected '$want'"
}

printf '_start: halt\n' >good.s
{ printf '_start: halt\n'; i=0; while [ $i -lt 3000 ]; do echo "        nop"; i=$((i + 1)); done; } >big.s
printf '_start: addi r1, r0, 1\n        bogus\n' >bad.s
printf '.org 0x00400000\n_start: halt\n' >user.s     # a guestos user program
"$bin/t32as" user.s || fail "t32as user.s"

# A character device like /dev/null, made here so that a bug destroys only
# a copy (mknod needs root; without it the fifo checks below still run).
if mknod null c 1 3 2>/dev/null; then
    expect 1 "$bin/t32as" -o null bad.s
    [ -c null ] || fail "t32as -o null (failing source) removed the device node"
    expect 0 "$bin/t32as" -o null good.s
    [ -c null ] || fail "t32as -o null replaced the device node"
    expect 1 "$bin/t32as" -o good.t32 -m null bad.s
    [ -c null ] || fail "t32as -m null (failing source) removed the device node"
    expect 1 "$bin/t32dis" -o null bad.s
    [ -c null ] || fail "t32dis -o null (bad image) removed the device node"
    expect 1 "$bin/t32mkdisk" -o null p=bad.s
    [ -c null ] || fail "t32mkdisk -o null (bad program) removed the device node"
    rm -f null
fi

# A fifo, with a reader so that opening it does not block.
mkfifo fifo
timeout 20 cat fifo >from-fifo &    # (a broken tool may never open it)
expect 1 "$bin/t32as" -o fifo bad.s
wait
[ -p fifo ] || fail "t32as -o fifo (failing source) removed the fifo"
timeout 20 cat fifo >from-fifo &    # (a broken tool may never open it)
expect 0 "$bin/t32as" -o fifo good.s
wait
[ -p fifo ] || fail "t32as -o fifo replaced the fifo"
[ "$(head -c 4 from-fifo)" = T32I ] || fail "t32as -o fifo: the image did not go through the fifo"
rm -f fifo from-fifo

# A failed assembly removes an old image (nothing may run the old program
# believing it new), but not the map or the listing, which shows the
# errors; and only a regular file that is an image - through a symbolic
# link the file behind it stays (the devices and fifos above did too), and
# a file that is no image, which a mistyped -o named, is never lost.
expect 0 "$bin/t32as" -o prog.t32 -m prog.map good.s
expect 1 "$bin/t32as" -o prog.t32 -l prog.lst -m prog.map bad.s
[ ! -e prog.t32 ] || fail "t32as: a failed assembly left the old image"
grep -q _start prog.map || fail "t32as: a failed assembly changed the old map"
printf 'my notes\n' >notes.txt
expect 1 "$bin/t32as" -o notes.txt bad.s
[ "$(cat notes.txt)" = "my notes" ] || fail "t32as: a failed assembly removed a file that is no image"
rm -f notes.txt
grep -q bogus prog.lst || fail "t32as -l: no listing of a failed assembly"
expect 0 "$bin/t32as" -o prog.orig good.s
ln -s prog.orig link.t32
expect 1 "$bin/t32as" -o link.t32 bad.s
[ -L link.t32 ] && [ -s prog.orig ] || fail "t32as: a failed assembly removed a link or its file"
rm -f link.t32
printf 'old listing\n' >prog.lst
expect 0 "$bin/t32as" -o prog.t32 -l prog.lst -m prog.map good.s
grep -q halt prog.lst || fail "t32as -l: the listing was not replaced"
grep -q _start prog.map || fail "t32as -m: the map was not written"
files_only bad.s big.s good.s user.s user.t32 prog.lst prog.map prog.orig prog.t32

# A directory is refused and survives, even an empty one.
mkdir empty
expect 2 "$bin/t32as" -o empty good.s
grep -q 'empty: error: is a directory' err.txt || fail "t32as -o DIR: wrong message"
expect 2 "$bin/t32as" -o x.t32 -l empty good.s
expect 1 "$bin/t32dis" -o empty prog.t32
expect 1 "$bin/t32mkdisk" -o empty p=user.t32
[ -d empty ] || fail "an output directory was removed"
rmdir empty
[ ! -e x.t32 ] || fail "t32as wrote an image although its listing could not be opened"

# Write errors: the disk is full.  A private copy of /dev/full when we may
# make one, so that a tool that removes its output on failure (the bug this
# guards against) cannot delete the real one.
full=/dev/full
mknod full c 1 7 2>/dev/null && full=$tmp/full
if [ -w "$full" ]; then
    expect 2 "$bin/t32as" -o "$full" good.s
    grep -q 'full: error: write failed' err.txt || fail "t32as -o full: no message"
    # One output that cannot be written: none is replaced.
    cp prog.t32 prog.orig
    cp prog.map map.orig
    printf 'nop\n_start: halt\n' >other.s
    expect 2 "$bin/t32as" -o prog.t32 -l "$full" other.s
    expect 2 "$bin/t32as" -o prog.t32 -m "$full" other.s
    cmp -s prog.t32 prog.orig || fail "t32as -m full: the image was replaced all the same"
    expect 2 "$bin/t32as" -o "$full" -m prog.map other.s
    cmp -s prog.map map.orig || fail "t32as -o full: the map was replaced all the same"
    rm -f other.s map.orig
    expect 1 "$bin/t32dis" -o "$full" prog.t32
    grep -q 'error: write failed' err.txt || fail "t32dis -o full: no message"
    "$bin/t32dis" prog.t32 >"$full" 2>err.txt
    [ $? = 1 ] || fail "t32dis >full: exit status"
    grep -q 'standard output: error: write failed' err.txt || fail "t32dis >full: no message"
    "$bin/t32as" -l - good.s >"$full" 2>err.txt
    [ $? = 2 ] || fail "t32as -l - >full: exit status"
    grep -q '^t32as: standard output: error: write failed: No space left on device$' err.txt ||
        { fail "t32as -l - >full: the message"; cat err.txt; }
    # A write error keeps its reason however long the output (stdio's
    # buffer fills and fails long before the end) ...
    expect 2 "$bin/t32as" -o prog.t32 -l "$full" big.s
    grep -q 'write failed: No space left on device' err.txt || { fail "t32as -l full: no reason"; cat err.txt; }
    "$bin/t32as" -o big.t32 big.s || fail "t32as big.s"
    "$bin/t32dis" big.t32 >"$full" 2>err.txt
    grep -q 'write failed: No space left on device' err.txt || { fail "t32dis >full: no reason"; cat err.txt; }
    rm -f big.t32
    # ... and --help written nowhere is an error too.
    for tool in t32as t32dis t32mkdisk; do
        "$bin/$tool" --help >"$full" 2>err.txt && fail "$tool --help >full: exit status 0"
        grep -q "^$tool: standard output: error: write failed: No space left on device" err.txt ||
            { fail "$tool --help >full: the message"; cat err.txt; }
    done
    expect 1 "$bin/t32mkdisk" -o "$full" p=user.t32
    grep -q 'full: error: write failed' err.txt || fail "t32mkdisk -o full: no message"
    rm -f full
fi

# t32mkdisk removes an old disk when a program is bad, too - only a disk:
# a mistyped image path never costs the file -o named.  t32dis's output is
# source, which nothing runs: an old one stays.
expect 0 "$bin/t32dis" -o prog.dis prog.t32
grep -q halt prog.dis || fail "t32dis -o: no source written"
expect 1 "$bin/t32dis" -o prog.dis bad.s
grep -q halt prog.dis || fail "t32dis: a failed run removed the old output"
expect 0 "$bin/t32mkdisk" -o prog.disk p=user.t32
expect 1 "$bin/t32mkdisk" -o prog.disk p=bad.s
[ ! -e prog.disk ] || fail "t32mkdisk: a failed run left the old disk"
printf 'my notes\n' >notes.txt
expect 1 "$bin/t32mkdisk" -o notes.txt p=no-such.t32
[ "$(cat notes.txt)" = "my notes" ] || fail "t32mkdisk: a failed run removed a file that is no disk"
rm -f notes.txt

# /dev/stdout, /dev/stderr, /dev/fd/N and /proc/self/fd/N name a descriptor
# that is already open: written where it stands (here, appended to a log),
# never renamed over or truncated - the log keeps its first line.
# log_kept WHAT PATTERN: the log starts "prev" and then holds PATTERN.
log_kept() {
    if [ "$(head -n 1 log)" != prev ] || ! grep -q "$2" log; then
        fail "$1: the log lost its old line or lacks '$2'"
        head -c 60 log | tr -c '[:print:]\n' . && echo
    fi
}
printf 'prev\n' >log
"$bin/t32dis" -o /dev/stdout prog.t32 >>log 2>err.txt || fail "t32dis -o /dev/stdout: exit $?"
log_kept "t32dis -o /dev/stdout" halt
printf 'prev\n' >log
"$bin/t32as" -o /dev/stdout good.s >>log 2>err.txt || fail "t32as -o /dev/stdout: exit $?"
log_kept "t32as -o /dev/stdout" T32I
printf 'prev\n' >log
"$bin/t32as" -o prog.t32 -l /dev/stderr -m /proc/self/fd/3 good.s 2>>log 3>>log ||
    fail "t32as -l /dev/stderr -m /proc/self/fd/3: exit $?"
log_kept "t32as -l /dev/stderr" halt
log_kept "t32as -m /proc/self/fd/3" _start
printf 'prev\n' >log
"$bin/t32mkdisk" -o /dev/fd/4 p=user.t32 4>>log 2>err.txt || fail "t32mkdisk -o /dev/fd/4: exit $?"
log_kept "t32mkdisk -o /dev/fd/4" T32D
printf 'prev\n' >log
ln -s /dev/stdout to-stdout
"$bin/t32dis" -o to-stdout prog.t32 >>log 2>err.txt || fail "t32dis -o LINK-TO-/dev/stdout: exit $?"
log_kept "t32dis -o LINK-TO-/dev/stdout" halt
[ -L to-stdout ] || fail "t32dis -o LINK-TO-/dev/stdout replaced the link"
# A descriptor that is not open, or open only for reading, is an error.
"$bin/t32dis" -o /dev/fd/5 prog.t32 2>err.txt
[ $? = 1 ] && grep -q '/dev/fd/5: error: cannot write' err.txt ||
    { fail "t32dis -o /dev/fd/5 (not open): no error"; cat err.txt; }
"$bin/t32dis" -o /dev/stdin prog.t32 <good.s 2>err.txt
[ $? = 1 ] && grep -q 'open for reading only' err.txt ||
    { fail "t32dis -o /dev/stdin (read-only): no error"; cat err.txt; }
grep -qx '_start: halt' good.s || fail "t32dis -o /dev/stdin replaced the file on stdin"
rm -f log to-stdout

# Stopped by SIGINT or SIGTERM while it waits for its source (a fifo whose
# writer - this script, on descriptor 4 - stays silent) with the image open
# as a temporary, a tool removes the temporary and dies of the signal
# (status 128 + signal).  A shell that runs this in the background starts
# it with SIGINT ignored: then timeout's -k ends it (status 137) and that
# case is skipped.
mkfifo wait.s
exec 4<>wait.s
for sig in INT:130 TERM:143; do
    want=${sig#*:} sig=${sig%:*}
    for tool in "t32as -o z.t32" "t32dis -o z.s"; do
        timeout -k 5 --preserve-status -s $sig 1 "$bin"/$tool wait.s 2>/dev/null
        got=$?
        left=$(ls -A | grep '\.tmp$')
        if [ "$got" = 137 ]; then
            echo "SKIP $tool: SIG$sig ignored by this shell"
        elif [ "$got" != "$want" ] || [ -n "$left" ]; then
            fail "$tool stopped by SIG$sig: status $got, left: $left"
            rm -f .*.tmp
        fi
    done
done
exec 4>&-
rm -f wait.s

# A fifo that no process reads, as an output: refused at once (opening it
# would wait for a reader for ever), and it stays a fifo.
mkfifo noreader
expect 2 timeout 20 "$bin/t32as" -o noreader good.s
grep -q 'noreader: error: cannot open: no process reads this fifo' err.txt ||
    { fail "t32as -o fifo without a reader: no message"; cat err.txt; }
expect 1 timeout 20 "$bin/t32dis" -o noreader prog.t32
grep -q "no process reads this fifo" err.txt || { fail "t32dis -o fifo without a reader"; cat err.txt; }
expect 1 timeout 20 "$bin/t32mkdisk" -o noreader p=user.t32
grep -q "no process reads this fifo" err.txt || { fail "t32mkdisk -o fifo without a reader"; cat err.txt; }
[ -p noreader ] || fail "a fifo without a reader was replaced"
rm -f noreader

# A file this user may not write (read-only, or another user's in a folder
# anyone may write) is refused, not replaced by a rename: status 2 (as
# any output t32as cannot open),
# "cannot write: Permission denied", the file as it was.  Root may write
# anything, so this runs as nobody, where nobody can reach the tools.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null &&
   setpriv --reuid=65534 --regid=65534 --clear-groups "$bin/t32as" --help >/dev/null 2>&1; then
    chmod 777 .
    echo keep >ro.t32 && chmod 444 ro.t32 && chown 65534 ro.t32
    echo keep >roots.t32
    for f in ro.t32 roots.t32; do
        expect 2 setpriv --reuid=65534 --regid=65534 --clear-groups "$bin/t32as" -o $f good.s
        grep -q "$f: error: cannot write: Permission denied" err.txt ||
            { fail "t32as -o $f (not writable): no message"; cat err.txt; }
        [ "$(cat $f)" = keep ] || fail "t32as -o $f replaced a file it may not write"
    done
    [ "$(stat -c %U roots.t32)" = root ] || fail "t32as -o roots.t32 took over root's file"
    rm -f ro.t32 roots.t32
else
    echo "SKIP a file that may not be written: not root, or nobody cannot run the tools"
fi

echo "outputs: $failed failed"
[ "$failed" = 0 ]
