#!/bin/sh
# disk_errors.sh - a guest's disk writes that do not reach the image file
# are reported: "error: cannot write the disk image: ...", exit status 1,
# on bare T32 and under the VMM.  The guest cannot be told (its run must
# not depend on the host), so the run itself must not pass for a success.
#
# The failure comes from a file size limit (ulimit -f) below the offset
# the guest writes to, with SIGXFSZ ignored: the write then fails with
# EFBIG, as it would with ENOSPC on a full file system.
set -eu
. tests/lib.sh

"$BUILD/bin/t32as" -o "$tmp/dw.img" tests/machine/diskwrite.s

# limited NAME -- COMMAND...: run it with writes past 2 KiB refused; expect
# status 1 and the message naming the disk.
limited() {
    name=$1
    shift 2
    rm -f "$tmp/d.disk"
    truncate -s 64k "$tmp/d.disk"
    set +e
    (trap '' XFSZ; ulimit -f 2; exec timeout 20 "$@") </dev/null >"$tmp/out" 2>"$tmp/err"
    got=$?
    set -e
    expect_error "$name" "$got" "^$tmp/d.disk: error: cannot write the disk image: File too large"
}

limited "bare" -- "$T" run --bare --max-insns 100000 --disk "$tmp/d.disk" "$tmp/dw.img"
limited "trap, one VM" -- "$T" run --mode trap --max-insns 100000 --disk "$tmp/d.disk" "$tmp/dw.img"
limited "trap, two VMs" -- "$T" run --mode trap --max-insns 100000 \
    --vm "$tmp/dw.img" --vm "$tmp/dw.img,disk=$tmp/d.disk"

# Without the limit the same run succeeds and the file holds the data.
rm -f "$tmp/d.disk"
truncate -s 64k "$tmp/d.disk"
if "$T" run --bare --max-insns 100000 --disk "$tmp/d.disk" "$tmp/dw.img" >"$tmp/out" 2>&1 &&
   [ "$(cat "$tmp/out")" = 2 ] && [ "$(head -c 10 "$tmp/d.disk")" = "guest data" ]; then
    echo "PASS a disk with room"
else
    fail "a disk with room"; sed 's/^/    /' "$tmp/out"
fi

# A directory, or a path through a file, is no disk image: said plainly.
set +e
"$T" run --bare --max-insns 100000 --disk "$tmp" "$tmp/dw.img" </dev/null >"$tmp/out" 2>"$tmp/err"
got=$?
set -e
expect_error "a directory as the disk" "$got" "^$tmp: error: disk image is a directory$"
set +e
"$T" run --bare --max-insns 100000 --disk "$tmp/dw.img/d.disk" "$tmp/dw.img" </dev/null \
    >"$tmp/out" 2>"$tmp/err"
got=$?
set -e
expect_error "a path through a file" "$got" "^$tmp/dw.img/d.disk: error: disk image not found$"

# A disk image this user may not write: refused at the start with the
# reason, status 1.  (Root may write anything: run as nobody.)
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null &&
   setpriv --reuid=65534 --regid=65534 --clear-groups "$T" --version >/dev/null 2>&1; then
    chmod a+rx "$tmp" && chmod a+r "$tmp/dw.img"
    truncate -s 64k "$tmp/ro.disk" && chmod 444 "$tmp/ro.disk"
    set +e
    setpriv --reuid=65534 --regid=65534 --clear-groups "$T" run --bare --max-insns 100000 \
        --disk "$tmp/ro.disk" "$tmp/dw.img" </dev/null >"$tmp/out" 2>"$tmp/err"
    got=$?
    set -e
    expect_error "a read-only disk image" "$got" \
        "^$tmp/ro.disk: error: cannot open disk image for reading and writing: Permission denied"
else
    echo "SKIP a read-only disk image: not root, or nobody cannot run trapeze"
fi

# A disk image with no write permission bit: refused to root too, who
# could write it (the rule of every output file), and left as it was.
truncate -s 64k "$tmp/ro0.disk" && chmod 444 "$tmp/ro0.disk"
cksum <"$tmp/ro0.disk" >"$tmp/ro0.sum"
set +e
"$T" run --bare --max-insns 100000 --disk "$tmp/ro0.disk" "$tmp/dw.img" </dev/null >"$tmp/out" 2>"$tmp/err"
got=$?
set -e
expect_error "a disk image with no write bit" "$got" \
    "^$tmp/ro0.disk: error: cannot open disk image for reading and writing: Permission denied"
cksum <"$tmp/ro0.disk" | cmp -s - "$tmp/ro0.sum" ||
    { echo "FAIL a disk image with no write bit was written"; failures=$((failures + 1)); }

echo "disk_errors: $failures failures"
[ "$failures" -eq 0 ]
