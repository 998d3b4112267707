#!/bin/sh
# The command lines of t32dis and t32mkdisk (and t32as's file names): what
# they print, their exit status (0 success, 1 a bad input file, 2 a bad
# command line: the project's convention) and their messages.
#   BUILD=build/san tests/asm/tools.sh
name=tools
. "$(dirname "$0")/lib.sh"

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
# -r of a directory, or of a file larger than t32dis reads, is refused
# before anything is read (a sparse file: no disk used).
expect 1 ".: error: is a directory" "$bin/t32dis" -r .
truncate -s 3G huge.bin
expect 1 "huge.bin: error: 3221225472 bytes, more than 1073741824 (1 GiB)" "$bin/t32dis" -r huge.bin
rm -f huge.bin
# A command line that chooses no input, or two, says which.
expect 2 "t32dis: error: -w needs at least one word" "$bin/t32dis" -w
expect 2 "t32dis: error: give one of IMAGE, -r FILE and -w WORD..." "$bin/t32dis" -r raw.bin -w 1
expect 2 "t32dis: error: nothing to disassemble" "$bin/t32dis"
expect 2 "t32dis: error: -b applies to -r and -w" "$bin/t32dis" -b 4 raw.bin
expect 2 "t32dis: error: option '-b' needs a value" "$bin/t32dis" -w 1 -b
expect 2 "t32dis: error: unknown option '--bogus'" "$bin/t32dis" --bogus raw.bin
expect 2 "t32dis: error: one IMAGE only" "$bin/t32dis" a.t32 b.t32
# -b: an address out of range is not called unaligned.
expect 2 "t32dis: error: -b: '4294967296' is not a 32-bit address (0..0xfffffffc)" \
    "$bin/t32dis" -w 1 -b 4294967296
expect 2 "t32dis: error: -b: '-4' is not a 32-bit address" "$bin/t32dis" -w 1 -b -4
expect 2 "t32dis: error: -b needs a word-aligned address, not 0x00001002" \
    "$bin/t32dis" -w 1 -b 0x1002

# ---- t32dis of an image whose symbol names t32as would refuse (the image
# format allows any name): they are left out with a warning, and the
# output still assembles - a name cannot smuggle a line into the source.
printf '_start: halt\nzzzzzzzzzzzz: halt\nyyyyyy: .word 1\n' >names.s
"$bin/t32as" -o names.t32 names.s || fail "t32as names.s"
sed 's/zzzzzzzzzzzz/x\
.word 9999/; s/yyyyyy/_start/' names.t32 >odd.t32
expect 0 "odd.t32: warning: symbol 'x\x0a.word 9999' (0x00001004) left out: not a name t32as accepts" \
    "$bin/t32dis" -o odd.s odd.t32
grep -qF "symbol '_start' (0x00001008) left out: an earlier symbol has that name" err.txt ||
    { fail "t32dis: a second _start was not left out"; cat err.txt; }
"$bin/t32as" -o odd-back.t32 odd.s 2>as.err || { fail "t32dis's output for odd names does not assemble"; cat as.err; }
grep -q '^_start:$' odd.s || fail "t32dis: the first _start is lost"

# An image whose code segment holds 100 MiB of zeros after its stored
# bytes (the format allows it; t32as would store them, and stores at most
# 64 MiB) has no source: t32dis says so instead of writing what t32as
# refuses.  The first segment's size is at offset 32 + 4 (version 1).
printf '_start: halt\n' >tiny.s
"$bin/t32as" -o tiny.t32 tiny.s || fail "t32as tiny.s"
{ head -c 36 tiny.t32; printf '\000\000\100\006'; tail -c +41 tiny.t32; } >huge.t32
expect 1 "huge.t32: error: its .text and .data would store 104857600 bytes" "$bin/t32dis" huge.t32
rm -f tiny.s tiny.t32 huge.t32

# ---- t32mkdisk: one or more NAME=IMAGE; a bad command line is status 2
# and writes nothing, a bad image is status 1.
printf '.org 0x00400000\n_start: halt\n' >user.s
"$bin/t32as" user.s || fail "t32as user.s"
expect 0 "" "$bin/t32mkdisk" -o one.disk p=user.t32
[ "$(wc -c <one.disk)" -eq 1024 ] || fail "t32mkdisk: one program is not 2 sectors"
expect 2 "usage: t32mkdisk" "$bin/t32mkdisk"
# ... and says what is wrong with it.
expect 2 "t32mkdisk: error: option '-o' needs a file name" "$bin/t32mkdisk" -o
expect 2 "t32mkdisk: error: unknown option '-x'" "$bin/t32mkdisk" -x -o bad.disk p=user.t32
expect 2 "t32mkdisk: error: -o given twice" "$bin/t32mkdisk" -o bad.disk -o b2.disk p=user.t32
expect 2 "t32mkdisk: error: options come first" "$bin/t32mkdisk" -o bad.disk p=user.t32 -v
expect 2 "t32mkdisk: error: no programs: give at least one NAME=IMAGE" "$bin/t32mkdisk" -o none.disk
[ ! -e none.disk ] || fail "t32mkdisk without programs wrote a disk"
expect 2 "'user.t32': expected NAME=IMAGE" "$bin/t32mkdisk" -o bad.disk p=user.t32 user.t32
expect 2 "expected NAME=IMAGE with a name of 1 to 15 bytes" \
    "$bin/t32mkdisk" -o bad.disk =user.t32
expect 2 "'p=': no image after the '='" "$bin/t32mkdisk" -o bad.disk p=
expect 2 "expected NAME=IMAGE" "$bin/t32mkdisk" -o bad.disk a_name_of_16_chr=user.t32
set -- p=user.t32 p=user.t32 p=user.t32 p=user.t32 p=user.t32 p=user.t32 p=user.t32 p=user.t32
expect 2 "16 programs; a disk holds at most 15" "$bin/t32mkdisk" -o bad.disk "$@" "$@"
[ ! -e bad.disk ] || fail "t32mkdisk with a bad command line wrote a disk"
expect 1 "nothere.t32: error:" "$bin/t32mkdisk" -o bad.disk p=nothere.t32
# A name may repeat: it is only the process's name, and guestos's regs
# scenario runs two copies of regcheck (guestos/build.mk).
expect 0 "" "$bin/t32mkdisk" -o two.disk a=user.t32 a=user.t32

# ---- no file named twice: an output that is an input or another output
# is a command-line error (status 2), and nothing is written.  Same file:
# same device and inode, or for a file not yet made the same directory and
# name, however spelled.  A device may be named as often as you like.
printf '_start: halt\n' >h.s
"$bin/t32as" -o h.img h.s && cp h.img c.img && cp user.t32 ca.img || fail "t32as h.s"
cksum h.s h.img c.img ca.img >sums
mkdir sub
ln h.s hard.s
expect 2 "t32as: error: 'h.s' is both the source and the image" "$bin/t32as" -o h.s h.s
expect 2 "is both the image and the map (-m)" "$bin/t32as" -o h.img -m h.img h.s
expect 2 "is both the image and the listing (-l)" "$bin/t32as" -o x -l x h.s
expect 2 "is both the listing (-l) and the map (-m)" "$bin/t32as" -o y -l ./n.lst -m sub/../n.lst h.s
expect 2 "is both the source and the image" "$bin/t32as" -o hard.s h.s
cp h.s h.t32
expect 2 "is both the source and the image" "$bin/t32as" h.t32    # the default output: h.t32
rm -f h.t32
expect 2 "t32dis: error: 'c.img' is both the image and the output (-o)" "$bin/t32dis" -o c.img c.img
expect 2 "is both the raw input (-r) and the output (-o)" "$bin/t32dis" -o ./h.s -r h.s
expect 2 "t32mkdisk: error: 'ca.img' is both a program image and the disk (-o)" \
    "$bin/t32mkdisk" -o ca.img ca=ca.img
expect 2 "is both a program image and the disk (-o)" "$bin/t32mkdisk" -o n.disk a=user.t32 b=./n.disk
cksum h.s h.img c.img ca.img | cmp -s - sums || fail "a file named twice was changed"
[ ! -e x ] && [ ! -e y ] && [ ! -e n.lst ] && [ ! -e n.disk ] || fail "a refused command wrote a file"
expect 0 "" "$bin/t32as" -o /dev/null -l /dev/null -m /dev/null h.s
expect 0 "" "$bin/t32as" -o h.img -l - -m - h.s
expect 0 "" "$bin/t32as" -o h.img -l /dev/stdout -m /dev/stdout h.s
expect 0 "" "$bin/t32dis" -o /dev/null -r /dev/null
# Standard output ("-", /dev/stdout, or t32dis with no -o) is the file open
# on descriptor 1: over an input (`1<>` opens it without truncating) it
# would overwrite what is still to be read.
stdout_on() {   # stdout_on FILE PATTERN CMD...: run CMD with stdout on FILE
    file=$1 pattern=$2; shift 2
    "$@" 1<>"$file" 2>err.txt
    got=$?
    [ "$got" = 2 ] && grep -qF -- "$pattern" err.txt || { fail "exit $got, not 2: $* 1<>$file"; cat err.txt; }
}
stdout_on h.s "is both the source and the listing (-l)" "$bin/t32as" -o /dev/null -l - h.s
stdout_on h.s "is both the source and the map (-m)" "$bin/t32as" -o /dev/null -m /dev/stdout h.s
stdout_on c.img "is both the image and the output (-o)" "$bin/t32dis" -o /dev/stdout c.img
stdout_on c.img "is both the image and the output (-o)" "$bin/t32dis" c.img
cksum h.s h.img c.img ca.img | cmp -s - sums || fail "an input behind standard output was changed"
"$bin/t32dis" c.img | cat >/dev/null && "$bin/t32as" -o /dev/null -l - h.s >/dev/null ||
    fail "standard output on a pipe or /dev/null refused"

# With standard output closed, the image's temporary must not take
# descriptor 1: a listing longer than stdio's buffer would be flushed into
# it, and the broken image written.  The listing's write fails (status 2),
# so no output is written at all.
{ printf '_start: halt\n'; i=0; while [ $i -lt 2000 ]; do echo "        nop"; i=$((i + 1)); done; } >big.s
"$bin/t32as" -o big.img -l - big.s >&- 2>err.txt
got=$?
[ "$got" = 2 ] && [ ! -e big.img ] || { fail "t32as with stdout closed: exit $got"; cat err.txt; }

# The entry point as assembler/README.md and isa/IMAGE.md describe it: a
# _start outside .text is an error, no fallback; .entry takes its value at
# its own line.
printf '        .text\nmain:   halt\n        .data\n_start: .word 1\n' >dstart.s
expect 1 "not in .text (it is _start's value: _start must label code in .text)" "$bin/t32as" -o dstart.img dstart.s
printf '        .equ _start, 0x2000\nmain:   halt\n' >estart.s
expect 1 "the entry point 0x00002000 is not in .text" "$bin/t32as" -o estart.img estart.s
printf '        .set n, 0x1000\n        .entry n\n        .set n, 0x1004\n        halt\n        halt\n' >setentry.s
"$bin/t32as" -o setentry.img setentry.s && "$bin/t32dis" setentry.img | grep -q '^; entry point 0x00001000$' ||
    fail ".entry n takes n's value at the .entry line"

# A constant beyond 32 bits: the map shows its value, the image (32-bit
# symbol values) leaves it out rather than keep a wrong one.
printf '.equ BIG, 0x100000000\n.equ NEG, -1\n.global BIG\nnop\n' >big.s
"$bin/t32as" -m big.map -o big.img big.s && grep -q '^100000000 A BIG$' big.map &&
    "$bin/t32dis" big.img >big.dis && ! grep -q 'BIG' big.dis && grep -q '\.equ NEG, 0xffffffff' big.dis ||
    fail "a constant beyond 32 bits: in the map whole, not in the image"

# A .equ of a constant defined further down is a constant too (kind A, the
# image's ABS bit, a .equ in t32dis's output), not an address; one that
# comes down to a label is an address (t).
printf '.equ a, b+1\n.equ b, 1\n.equ c, d+4\n.equ d, lab\n_start: halt\nlab: halt\n' >fwd.s
"$bin/t32as" -m fwd.map -o fwd.img fwd.s && grep -q '^00000002 a a$' fwd.map &&
    grep -q '^00001008 t c$' fwd.map && "$bin/t32dis" fwd.img >fwd.dis &&
    grep -q '\.equ a, 0x00000002' fwd.dis ||
    fail "a .equ of a later constant: $(cat fwd.map)"

# A word of code that no mnemonic spells round-trips as code: t32dis
# writes .inst, which t32as stores without a data range (a .word would
# make one).
printf '_start: nop\n .inst 0x55000001\n halt\n' >inst.s
"$bin/t32as" -o inst.img inst.s && "$bin/t32dis" -o inst.dis inst.img &&
    grep -q '\.inst 0x55000001' inst.dis && "$bin/t32as" -o inst2.img inst.dis &&
    "$bin/t32dis" -o inst2.dis inst2.img && cmp -s inst.dis inst2.dis &&
    [ "$(od -An -tu1 -j4 -N1 inst2.img | tr -d ' ')" = 1 ] ||
    fail "a word of code no mnemonic spells: not back as code (.inst, no data range)"

# The map is sorted by the value it prints, one beyond 32 bits too.
printf '.equ BIG, 0x100000010\n.equ SMALL, 3\n_start: halt\n' >order.s
"$bin/t32as" -m order.map -o order.img order.s &&
    [ "$(cut -d' ' -f3 order.map | tr '\n' ' ')" = "SMALL _start BIG " ] ||
    fail "the map is not sorted by value: $(cat order.map)"

# A -D that is no definition is a bad command line (status 2), said once.
printf '_start: halt\n' >d.s
expect 2 "-D needs a symbol name" "$bin/t32as" -D 1abc -o d.img d.s
[ "$(grep -c error: err.txt)" = 1 ] || fail "-D 1abc: more than one error: $(cat err.txt)"
expect 2 "unexpected text after the value" "$bin/t32as" -D 'X=1 2' -o d.img d.s
expect 0 "" "$bin/t32as" -D X=1 -o d.img d.s
expect 2 "-D needs a symbol name" "$bin/t32as" -D 9X -o d.img d.s
[ -f d.img ] || fail "-D 9X (a bad command line) removed the old image"

# A source named like a dotfile has no extension: .hidden -> .hidden.t32.
printf '_start: halt\n' >.hidden
expect 0 "" "$bin/t32as" .hidden
[ -f .hidden.t32 ] && [ ! -e .t32 ] || fail "t32as .hidden: not written to .hidden.t32"

# 256 segments, as the README says: 255 .org jumps in .text (.data and
# .bss, empty, are no pieces); one more is refused.
awk 'BEGIN { print "_start: halt"; for (i = 1; i < 256; i++) printf " .org 0x%x\n halt\n", 4096 + 16 * i }' >segs.s
expect 0 "" "$bin/t32as" -o segs.img segs.s
printf ' .org 0x3000\n halt\n' >>segs.s
expect 1 "at most 256 separate pieces" "$bin/t32as" -o segs.img segs.s

# A .equ whose value fails is one error: the symbol reads as 0 after it,
# not "undefined" at every use (nor "never defined" for its .global).
printf '.global X\n.equ X, 1/0\n_start: li r1, X\n .word X\n' >equ0.s
expect 1 "division by zero" "$bin/t32as" -o equ0.img equ0.s
[ "$(grep -c error: err.txt)" = 1 ] || fail ".equ X, 1/0: more than one error: $(cat err.txt)"
printf '.equ X, 1/0\n.equ X, 2\n_start: li r1, X\n' >equ1.s
expect 1 "division by zero" "$bin/t32as" -o equ1.img equ1.s
[ "$(grep -c error: err.txt)" = 1 ] || fail ".equ X, 1/0 then .equ X, 2: more than one error: $(cat err.txt)"

# The listing shows every line, a macro call with wrong arguments too.
printf '.macro m a\n addi r1, r0, \\a\n.endm\n_start: m 1, 2\n m\n nop\n' >badcall.s
expect 1 "" "$bin/t32as" -o badcall.img -l badcall.lst badcall.s
grep -q '_start: m 1, 2' badcall.lst && grep -q '^    5 ' badcall.lst ||
    fail "a macro call with wrong arguments is not in the listing: $(cat badcall.lst)"

# A macro's \@ outside a macro body says so.
printf '_start: halt\n mov r1, \\@\n' >stray.s
expect 1 "only inside a .macro body" "$bin/t32as" -o stray.img stray.s

echo "tools: $failed failed"
[ "$failed" = 0 ]
