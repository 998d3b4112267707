#!/bin/sh
# The command lines of t32dis and t32mkdisk: what they print, their exit
# status (0 success, 1 a bad input file, 2 a bad command line: the
# project's convention) and their messages.
#   BUILD=build/san tests/asm/tools.sh
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$root/${BUILD:-build}/bin"
for t in t32as t32dis t32mkdisk; do
    [ -x "$bin/$t" ] || { echo "tools: no $bin/$t (build it first)"; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
failed=0

fail() { echo "FAIL $*"; failed=$((failed + 1)); }

# expect STATUS PATTERN CMD...: run CMD (output to out.txt, messages to
# err.txt), check its exit status and that err.txt holds PATTERN (fixed
# text; empty: anything).
expect() {
    want=$1 pattern=$2; shift 2
    "$@" >out.txt 2>err.txt
    got=$?
    if [ "$got" != "$want" ]; then
        fail "exit $got, not $want: $*"; cat err.txt
    elif [ -n "$pattern" ] && ! grep -qF -- "$pattern" err.txt; then
        fail "no '$pattern' from: $*"; cat err.txt
    fi
}

# ---- t32dis -w and -r: the output assembles back to the same words at
# the same address (branch targets are absolute, so the address matters).
# same_words BASE FILE.s BINARY: assemble FILE.s, and compare its one
# segment with BINARY at BASE.
same_words() {
    "$bin/t32as" -o back.t32 "$2" 2>as.err || { fail "$2 does not assemble:"; cat as.err; return; }
    "$bin/t32dis" back.t32 >back.s
    grep -q "^        \.org $1\$" back.s || fail "$2: not at $1 after the round trip"
    grep -v '^;' "$2" | sed -n 's/.*; [0-9a-f]*: //p' >want.txt
    grep -v '^;' back.s | sed -n 's/.*; [0-9a-f]*: //p' >got.txt
    cmp -s want.txt got.txt || { fail "$2: other words after the round trip"; diff want.txt got.txt; }
}
expect 0 "" "$bin/t32dis" -o w.s -w 0x30000001 0x3c10ffff 0x55000000
same_words 0x00000000 w.s
grep -q 'b 0x00000004' w.s || fail "t32dis -w: the branch target is not 0x00000004"
expect 0 "" "$bin/t32dis" -o w.s -w 0x30000001 0x3c10ffff 0x55000000 -b 0x00400000
same_words 0x00400000 w.s
expect 0 "" "$bin/t32dis" -o w.s -w 0x30000001 -b 0xfffffffc   # the very last word
same_words 0xfffffffc w.s
printf '\001\000\000\060\377\377\020\074\000\000\000\125' >raw.bin
expect 0 "" "$bin/t32dis" -o r.s -r raw.bin -b 0x2000
same_words 0x00002000 r.s
# Words past the top of the address space are refused, not wrapped to 0.
expect 2 "t32dis: error: 2 words at 0xfffffffc run past the end of the 32-bit address space" \
    "$bin/t32dis" -w 1 2 -b 0xfffffffc
expect 1 "raw.bin: error: 12 bytes at 0xfffffff8 run past the end of the 32-bit address space" \
    "$bin/t32dis" -r raw.bin -b 0xfffffff8

echo "tools: $failed failed"
[ "$failed" = 0 ]
