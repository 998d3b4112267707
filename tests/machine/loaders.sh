#!/bin/sh
# loaders.sh - `trapeze run` given files that are not images or disks:
# /dev/zero, a fifo that never ends, sparse files of gigabytes.  Each is
# refused at once, with the reason, after reading at most what the format
# needs (isa/IMAGE.md, "Size"; isa/README.md, "Disk").  `timeout 10` turns
# a loader that reads without a bound into a failure instead of a hang.
set -eu
. tests/lib.sh

"$BUILD/bin/t32as" -o "$tmp/hello.img" tests/vmm/guests/hello.s

# expect STATUS TEXT NAME -- COMMAND...: run it under timeout 10 (stdin
# empty) and check the exit status and that stdout+stderr equal TEXT.
expect() {
    want=$1 text=$2 name=$3
    shift 4
    set +e
    timeout 10 "$@" >"$tmp/out" 2>&1 </dev/null
    got=$?
    set -e
    if [ "$got" -ne "$want" ]; then
        fail "$name: exit status $got, expected $want"; sed 's/^/    /' "$tmp/out"
    elif [ "$(cat "$tmp/out")" != "$text" ]; then
        fail "$name: output"; echo "    expected: $text"; sed 's/^/    got:      /' "$tmp/out"
    else
        echo "PASS $name"
    fi
}

# ---- images ----------------------------------------------------------------------
expect 1 "/dev/zero: error: not a T32 image (bad magic number)" \
    "bare: /dev/zero as the image" -- "$T" run --bare /dev/zero
expect 1 "/dev/zero: error: not a T32 image (bad magic number)" \
    "trap: /dev/zero as a VM's image" -- "$T" run --mode trap --vm /dev/zero --vm "$tmp/hello.img"

# A sparse file of 2 GiB that starts like an image: refused for its size.
head -c 32 "$tmp/hello.img" >"$tmp/huge.img"
truncate -s 2G "$tmp/huge.img"
expect 1 "$tmp/huge.img: error: not a usable T32 image (2147483648 bytes, larger than 1073741824 bytes, the largest image)" \
    "a 2 GiB image file" -- "$T" run --bare "$tmp/huge.img"

# A fifo whose writer stays: this script holds it open read-write (fd 3),
# so it never reaches its end.  Junk is refused after the 32-byte header,
# and the bytes after it are still in the fifo; a real image is read as far
# as it goes and runs.
mkfifo "$tmp/fifo"
exec 3<>"$tmp/fifo"
printf '%-31s\nREMAINS\n' '#!/bin/sh - not an image' >&3
expect 1 "$tmp/fifo: error: not a T32 image (bad magic number)" \
    "junk in a fifo that does not end" -- "$T" run --bare "$tmp/fifo"
rest=$(timeout 5 dd bs=64k count=1 iflag=nonblock <&3 2>/dev/null || true)
if [ "$rest" = REMAINS ]; then
    echo "PASS only the header was read"
else
    fail "the reader took more than the header (left: '$rest')"
fi
cat "$tmp/hello.img" >&3
expect 0 "hello from a guest" \
    "an image in a fifo that does not end" -- "$T" run --bare --max-insns 100000 "$tmp/fifo"
exec 3>&-

# The same fifo with no writer left: open() must not wait for one (that is
# for ever), and the empty input is refused - by every tool that reads an
# image or a source.
empty="$tmp/fifo: error: not a T32 image (only 0 bytes, shorter than the header)"
expect 1 "$empty" "trapeze: a fifo without a writer as the image" -- "$T" run --bare "$tmp/fifo"
expect 1 "$empty" "t32dis: a fifo without a writer" -- "$BUILD/bin/t32dis" "$tmp/fifo"
expect 1 "$empty" "t32mkdisk: a fifo without a writer" -- \
    "$BUILD/bin/t32mkdisk" -o "$tmp/f.disk" "a=$tmp/fifo"
expect 1 "$tmp/fifo: error: the entry point 0x00001000 is not in .text: there is no code to run" \
    "t32as: a fifo without a writer as the source" -- "$BUILD/bin/t32as" -o "$tmp/f.img" "$tmp/fifo"

# ---- disks ------------------------------------------------------------------------
expect 1 "/dev/zero: error: disk image is not a regular file" \
    "/dev/zero as the disk" -- "$T" run --bare --disk /dev/zero "$tmp/hello.img"
expect 1 "$tmp/fifo: error: disk image is not a regular file" \
    "a fifo without a writer as the disk" -- "$T" run --bare --disk "$tmp/fifo" "$tmp/hello.img"
truncate -s 65M "$tmp/big.disk"
expect 1 "$tmp/big.disk: error: disk image is larger than 67108864 bytes (64 MiB)" \
    "a 65 MiB disk" -- "$T" run --bare --disk "$tmp/big.disk" "$tmp/hello.img"

echo "loaders: $failures failures"
[ "$failures" -eq 0 ]
