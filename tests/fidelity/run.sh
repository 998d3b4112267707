#!/bin/sh
# run.sh - fidelity across the VMM modes: `make fidelity`, and part of
# `make check`.  (README.md in this folder says what each mode must keep.)
#
#  1. guestos: every scenario of tests/guestos/run.sh (kernel image, disk,
#     input), bare against each mode:
#       bt, emulate  identical to bare in one process (fidelity image):
#                    transcript, instructions, registers, RAM; emulate
#                    with no instruction run directly
#       trap         the same work as bare (the popf problem, vmm/README.md:
#                    "mode check: user", lines in another order)
#       pv           kernel-pv.img under --mode pv against kernel.img bare,
#                    through trapeze run: the same lines (sorted; one
#                    process: in the same order), `mode check: kernel`,
#                    the summary without its tick and switch counts
#  2. every test guest (tests/vmm/guests, tests/vmm/hostile, tests/vmm/popf,
#     examples), assembled here, in one process: bt and emulate identical,
#     trap identical once the kernel's pushf/popf are nops; pv runs a native
#     guest by trap-and-emulate, so it gets trap's rule (a paravirtual
#     guest, one that executes hcall, has no bare reference and is left out)
#  3. random programs (tests/fidelity/gen.c): FIDELITY_PROGRAMS (1000) of
#     them, bare against every mode but pv.
#  4. the report itself: guests that do differ under trap (a kernel pushf,
#     a kernel popf, without --popf) must be reported with their first
#     divergence - instruction count, pc and symbol, the instruction - and
#     the register or memory word that differs after it.
#
# A mode this build does not have is skipped with a note; it is checked as
# soon as it exists (`fidelity modes` lists them).  On a mismatch the
# report names the first divergence: instruction, cycle, pc and symbol,
# and what differs after it (README.md, "A mismatch").
set -u
BUILD=${BUILD:-build}
T=$BUILD/bin/trapeze
F=$BUILD/bin/fidelity
AS=$BUILD/bin/t32as
OS=$BUILD/guestos
PROGRAMS=${FIDELITY_PROGRAMS:-1000}
LIMIT=100000000            # guestos halts long before this
GUEST_LIMIT=2000000        # test guests that never halt stop here, alike
HANG=${FIDELITY_HANG:-120} # seconds: a check taking longer is a hung VMM
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM   # the EXIT trap then runs
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

for f in "$T" "$F" "$AS" "$OS/kernel.img"; do
    [ -f "$f" ] || { echo "missing $f (build it with: make BUILD=$BUILD)"; exit 1; }
done
modes=$("$F" modes)
has() { echo "$modes" | grep -qx "$1"; }
for m in trap bt pv emulate; do
    has "$m" || echo "SKIP mode $m: not in this build yet (checked once it is)"
done

# check NAME IMAGE MODE [fidelity image options]: one in-process check.
check() {
    name=$1 img=$2 mode=$3
    shift 3
    rule=
    [ "$mode" = trap ] || [ "$mode" = pv ] && rule=--popf
    # A VMM that never returns cannot be stopped by --max-insns (it counts
    # guest time): the host's clock is the backstop here, never the guest's.
    timeout "$HANG" "$F" image "$img" --mode "$mode" $rule "$@" >"$tmp/check.out" 2>&1
    status=$?
    if [ "$status" -eq 0 ]; then
        echo "ok: $name, $mode: $(sed -n 's/^PASS [^:]*: //p' "$tmp/check.out")"
    elif [ "$status" -eq 124 ]; then
        fail "$name under $mode: no answer in $HANG s (the VMM hangs; reproduce with" \
             "trapeze run --mode $mode $* $img)"
    else
        fail "$name under $mode"
        sed 's/^/    /' "$tmp/check.out"
    fi
}

# ---- 1. guestos ------------------------------------------------------------------------
# The summary without what preemption moves: ticks and context switches.
summary_of() { sed -n 's/^summary: \(processes [0-9]*, killed [0-9]*\),.*\(syscalls [0-9]*\)$/\1, \2/p' "$1"; }
insns() { sed -n 's/.*"guest_insns": \([0-9]*\).*/\1/p' "$1" | head -n 1; }
lines() { grep -v '^summary:' "$1"; }

# work_check SCENARIO MODE KERNEL DISK INPUT: KERNEL under MODE does the
# bare kernel's work.  pv (its own kernel) must also pass the mode check;
# trap cannot (the popf problem: "mode check: user", and preemption points
# move, so the order of lines too; the nop test of check() does not apply,
# since guestos's mode check needs the pushf it would take away).
work_check() {
    s=$1 m=$2
    cp "$4" "$tmp/vm.disk"
    "$T" run --mode "$m" --max-insns $LIMIT --stats-json "$tmp/pv.json" --disk "$tmp/vm.disk" \
        "$3" <"$5" >"$tmp/pv.txt" 2>"$tmp/pv.err" ||
        { fail "guestos $s, $m: did not halt"; sed 's/^/    /' "$tmp/pv.err"; return; }
    if [ "$m" = trap ]; then
        sed -i 's/^mode check: user$/mode check: kernel/' "$tmp/pv.txt"
    fi
    if [ "$(summary_of "$tmp/bare.txt")" != "$(summary_of "$tmp/pv.txt")" ] ||
       ! grep -q '^mode check: kernel$' "$tmp/pv.txt"; then
        fail "guestos $s, $m: not the same work"; diff "$tmp/bare.txt" "$tmp/pv.txt" | head -20
        return
    fi
    if [ "$m" = pv ] && grep -q '^summary: processes 1,' "$tmp/bare.txt"; then
        how="the same transcript"
        lines "$tmp/bare.txt" >"$tmp/a"; lines "$tmp/pv.txt" >"$tmp/b"
    else
        how="the same lines"
        lines "$tmp/bare.txt" | sort >"$tmp/a"; lines "$tmp/pv.txt" | sort >"$tmp/b"
    fi
    if cmp -s "$tmp/a" "$tmp/b"; then
        echo "ok: guestos $s, $m: $how, $(insns "$tmp/bare.json") instructions bare," \
             "$(insns "$tmp/pv.json") under $m"
    else
        fail "guestos $s, $m: not $how as bare"; diff "$tmp/a" "$tmp/b" | head -20
    fi
}

: >"$tmp/none.in"
for s in default counters faults bench cpu idle regs shell shell-eof; do
    disk=$OS/${s%-eof}.disk input=$tmp/none.in
    [ -f "tests/guestos/$s.in" ] && input=tests/guestos/$s.in
    [ -f "$disk" ] || { fail "guestos $s: $disk is missing"; continue; }
    cp "$disk" "$tmp/bare.disk"
    "$T" run --bare --max-insns $LIMIT --stats-json "$tmp/bare.json" --disk "$tmp/bare.disk" \
        "$OS/kernel.img" <"$input" >"$tmp/bare.txt" 2>&1 ||
        { fail "guestos $s: the bare run did not halt"; continue; }
    for m in bt emulate; do
        has "$m" && check "guestos $s" "$OS/kernel.img" "$m" --disk "$disk" --input "$input" \
            --max-insns $LIMIT
    done
    has trap && work_check "$s" trap "$OS/kernel.img" "$disk" "$input"
    if has pv && [ -f "$OS/kernel-pv.img" ]; then
        work_check "$s" pv "$OS/kernel-pv.img" "$disk" "$input"
    elif has pv; then
        echo "SKIP guestos $s, pv: no $OS/kernel-pv.img"
    fi
done

# ---- 2. test guests and examples ------------------------------------------------------
for src in tests/vmm/guests/*.s tests/vmm/hostile/*.s tests/vmm/popf/*.s examples/*.s; do
    grep -q '^_start:' "$src" || continue          # an include file, not a program
    name=${src%.s}
    img=$tmp/$(echo "$name" | tr / _).img
    defs=
    case $src in
    */noline.s) defs="-D COUNT=5000" ;;            # how many bytes it prints
    esac
    if ! "$AS" $defs -I "$(dirname "$src")" -o "$img" "$src" 2>"$tmp/as.err"; then
        fail "$src does not assemble"; sed 's/^/    /' "$tmp/as.err"; continue
    fi
    for m in trap bt pv emulate; do
        has "$m" || continue
        if [ "$m" = pv ] && grep -q '^[^;]*\bhcall\b' "$src"; then
            echo "skip: $name, pv: a paravirtual guest (hcall): no bare reference"
            continue
        fi
        check "$name" "$img" "$m" --max-insns $GUEST_LIMIT
    done
done

# ---- 3. random programs ----------------------------------------------------------------
echo "random programs: $PROGRAMS, bare against: $(echo "$modes" | grep -v '^pv$' | tr '\n' ' ')"
"$F" random --count "$PROGRAMS" || fail "random programs"

# ---- 4. the report of a mismatch ----------------------------------------------------------
# kp.s asks pushf for the mode and prints it: under trap the stored PSR has
# K = 0, so the first divergence is the pushf and a stack word.  With
# LOOPS=5000 the pushf comes past the cycles the harness steps together,
# and bisection must find the same instruction.  kf.s sets IE by popf,
# which a deprivileged kernel's popf ignores: the PSR differs.
cat >"$tmp/kp.s" <<'EOF'
    .text
_start:
    la   sp, stack_top
    li   r2, LOOPS
    b    2f
1:  addi r2, r2, -1          ; LOOPS times round an empty loop
2:  bnz  r2, 1b
ask:
    pushf                    ; bare: K = 1; trap: K = 0 (the popf problem)
    pop  r1
    andi r1, r1, 1
    addi r1, r1, 0x30        ; '1' in kernel mode
    stw  r1, answer(r0)
    out  r1, 0x10(r0)
    halt
    .data
answer: .word 0
stack:  .space 64
stack_top:
EOF
cat >"$tmp/kf.s" <<'EOF'
    .text
_start:
    la   sp, stack_top
    li   r1, 3               ; K | IE
    push r1
set_ie:
    popf                     ; bare: IE := 1; trap: IE left alone
    halt
    .data
stack:  .space 64
stack_top:
EOF

# report_check NAME IMAGE LINE...: the trap check fails, and its report
# has every LINE (a whole line, leading spaces aside).
report_check() {
    name=$1 img=$2
    shift 2
    "$F" image "$img" --mode trap >"$tmp/report.out" 2>&1
    status=$?
    missing=
    for line in "$@"; do
        sed 's/^ *//' "$tmp/report.out" | grep -qxF "$line" || missing="$missing
      $line"
    done
    if [ "$status" -eq 1 ] && [ -z "$missing" ]; then
        echo "ok: the report of $name names its first divergence"
    else
        fail "the report of $name (exit status $status), without:$missing"
        sed 's/^/    /' "$tmp/report.out"
    fi
}

if has trap; then
    "$AS" -D LOOPS=0 -o "$tmp/kp.img" "$tmp/kp.s" &&
    "$AS" -D LOOPS=5000 -o "$tmp/kp-late.img" "$tmp/kp.s" &&
    "$AS" -o "$tmp/kf.img" "$tmp/kf.s" || fail "the report guests do not assemble"
    report_check "a kernel pushf" "$tmp/kp.img" \
        "first divergence at instruction 6 (cycle 6): pc 0x00001018 <ask>, K=1 IE=0: pushf" \
        "memory word 0x00002040 <stack+0x3c>: bare 0x00000001, trap 0x00000000"
    report_check "a late kernel pushf" "$tmp/kp-late.img" \
        "first divergence at instruction 10006 (cycle 10006): pc 0x00001018 <ask>, K=1 IE=0: pushf" \
        "memory word 0x00002040 <stack+0x3c>: bare 0x00000001, trap 0x00000000"
    report_check "a kernel popf" "$tmp/kf.img" \
        "first divergence at instruction 5 (cycle 5): pc 0x00001010 <set_ie>, K=1 IE=0: popf" \
        "psr: bare 0x00000003 (K IE), trap 0x00000001 (K)"
    check "the kernel pushf guest" "$tmp/kp.img" trap
fi

# The fidelity command's own command line: a bad value is a usage error
# (status 2), never a number read as 0 or a run that passes by doing nothing.
cli() {     # cli WANT ARGS...: fidelity ARGS exits with status WANT
    want=$1
    shift
    "$F" "$@" >"$tmp/cli.out" 2>&1 </dev/null
    got=$?
    [ "$got" -eq "$want" ] || { fail "fidelity $*: status $got, expected $want"; sed 's/^/    /' "$tmp/cli.out"; }
}
cli 0 --help
cli 2 random --count abc
cli 2 random --count 0
cli 2 random --first -1
cli 2 random --mode pv
cli 2 gen --seed x -o "$tmp/x.img"
cli 2 gen --seed 99999999999999999999 -o "$tmp/x.img"
cli 1 gen --seed 1 -o /dev/full
cli 2 image "$tmp/kp.img" --mode bt --max-insns abc
cli 2 image "$tmp/kp.img" --mode bt --mem 100
cli 2 image "$tmp/kp.img" --mode bt --mem 300M
cli 2 image "$tmp/kp.img" --mode bt --mode trap
cli 1 image "$tmp/none.img" --mode bt
[ "$failures" -eq 0 ] && echo "ok: fidelity's command line"

echo "fidelity: $failures failed"
[ "$failures" -eq 0 ]
