#!/bin/sh
# pv.sh - `--mode pv`, the paravirtual interface, end to end.
#
# 1. Fidelity: guestos's paravirtual kernel (kernel-pv.img) under --mode pv
#    does the same work as the native kernel on bare T32 - the same lines,
#    `mode check: kernel` included, in an order that may differ only
#    between processes, and the same summary but for its tick and switch
#    counts; the single-process scenarios print exactly the same transcript
#    (those two counts aside).
# 2. The trade-off, both ways: the PV kernel on bare T32 stops at its first
#    hcall with exit status 4 and says so; the native kernel under --mode pv
#    runs exactly as under --mode trap (same transcript, same exits).
# 3. Performance: on the mixed scenario (bench.disk) PV takes at most a
#    third of trap-and-emulate's exits per 1000 guest instructions.
# 4. The ABI's numbers agree in vmm/modes/pv/pv.h, guestos/include/hcall.s
#    and vmm/HYPERCALLS.md.
# 5. A hostile guest's summary counts its failures in decimal.
set -u
. tests/lib.sh
OS=$BUILD/guestos
pass() { echo "PASS $*"; }
LIMIT=100000000
printf 'hello there\npid\nuptime\nexit\n' >"$tmp/input"

for f in "$T" "$OS/kernel.img" "$OS/kernel-pv.img" "$OS/bench.disk"; do
    [ -f "$f" ] || { echo "missing $f (build it with: make BUILD=$BUILD)"; exit 1; }
done

# run MODE KERNEL SCENARIO OUT [OPTION...]: a fresh copy of the disk,
# $tmp/input on stdin; the exit status is trapeze's.
run() {
    mode=$1 kernel=$2 s=$3 out=$4
    shift 4
    cp "$OS/$s.disk" "$tmp/$s.$mode.disk"
    "$T" run --mode "$mode" --max-insns $LIMIT --disk "$tmp/$s.$mode.disk" "$@" \
        "$OS/$kernel.img" <"$tmp/input" >"$out" 2>"$out.err"
}
# The summary with its tick and switch counts blanked.
masked() { sed -e 's/ticks [0-9]*/ticks N/' -e 's/context switches [0-9]*/context switches N/' "$1"; }
# A JSON counter of a --stats-json file.
counter() { sed -n "s/^ *\"$2\": \\([0-9]*\\),*\$/\\1/p" "$1"; }

# ---- 1. fidelity: PV kernel under --mode pv against the native kernel, bare ----
for s in default counters faults bench cpu idle regs shell; do
    [ -f "$OS/$s.disk" ] || { fail "$s: $OS/$s.disk is missing"; continue; }
    run bare kernel "$s" "$tmp/$s.bare" || { fail "$s: bare run did not halt"; continue; }
    run pv kernel-pv "$s" "$tmp/$s.pv" || { fail "$s: pv run did not halt"; cat "$tmp/$s.pv.err"; continue; }
    masked "$tmp/$s.bare" | sort >"$tmp/a"
    masked "$tmp/$s.pv" | sort >"$tmp/b"
    if cmp -s "$tmp/a" "$tmp/b" && grep -q '^mode check: kernel$' "$tmp/$s.pv" &&
       grep -q '^summary:' "$tmp/$s.pv"; then
        pass "$s: the PV kernel does the same work under --mode pv"
    else
        fail "$s: the PV kernel does different work"; diff "$tmp/a" "$tmp/b" | head -20
    fi
done
# One process: nothing can interleave, so the transcripts are the same.
for s in cpu shell; do
    masked "$tmp/$s.bare" >"$tmp/a"
    masked "$tmp/$s.pv" >"$tmp/b"
    if cmp -s "$tmp/a" "$tmp/b"; then
        pass "$s: one process, the same transcript"
    else
        fail "$s: one process, different transcripts"; diff "$tmp/a" "$tmp/b" | head -20
    fi
done

# ---- 2. the trade-off, both ways ------------------------------------------------
run bare kernel-pv bench "$tmp/pvbare"
status=$?
if [ "$status" -eq 4 ] && grep -q 'it was an hcall.*needs --mode pv' "$tmp/pvbare.err"; then
    pass "the PV kernel on bare T32 stops at its first hcall (status 4) and says why"
else
    fail "the PV kernel on bare T32: status $status"; cat "$tmp/pvbare.err"
fi
for s in default bench shell; do
    run trap kernel "$s" "$tmp/$s.k.trap" --stats-json "$tmp/$s.trap.json"
    run pv kernel "$s" "$tmp/$s.k.pv" --stats-json "$tmp/$s.pv.json"
    same=yes
    cmp -s "$tmp/$s.k.trap" "$tmp/$s.k.pv" || same=no
    for c in guest_insns exits_total injected_irqs reflected_traps shadow_faults; do
        [ "$(counter "$tmp/$s.trap.json" $c)" = "$(counter "$tmp/$s.pv.json" $c)" ] || same=no
    done
    [ "$(counter "$tmp/$s.pv.json" hypercalls)" = 0 ] || same=no
    if [ $same = yes ]; then
        pass "$s: the native kernel runs under --mode pv exactly as under --mode trap"
    else
        fail "$s: the native kernel under --mode pv differs from --mode trap"
        diff "$tmp/$s.k.trap" "$tmp/$s.k.pv" | head; diff "$tmp/$s.trap.json" "$tmp/$s.pv.json"
    fi
done

# ---- 3. performance: exits per 1000 guest instructions on bench.disk ------------
run trap kernel bench "$tmp/perf.trap" --stats-json "$tmp/perf.trap.json"
run pv kernel-pv bench "$tmp/perf.pv" --stats-json "$tmp/perf.pv.json"
te=$(counter "$tmp/perf.trap.json" exits_total) ti=$(counter "$tmp/perf.trap.json" guest_insns)
pe=$(counter "$tmp/perf.pv.json" exits_total) pi=$(counter "$tmp/perf.pv.json" guest_insns)
hc=$(counter "$tmp/perf.pv.json" hypercalls)
if [ -n "$te" ] && [ -n "$pe" ] && [ "$pi" -gt 0 ] && [ "$hc" -gt 0 ] &&
   [ $((3 * pe * ti)) -le $((te * pi)) ]; then
    pass "bench: pv $pe exits / $pi insns, trap $te / $ti: at most a third"
else
    fail "bench: pv ${pe:-?} exits / ${pi:-?} insns, trap ${te:-?} / ${ti:-?}: more than a third"
fi

# ---- 3b. where a turn ends changes nothing ---------------------------------------
# The guest's interrupt mask is in its memory, unmasked without an exit: the
# VMM may look at it only where the guest's run put a boundary, never where
# the scheduler's quantum ends a turn.  So the quantum changes nothing.
for q in 10000 7; do
    "$T" run --mode pv --quantum $q --stats-json "$tmp/q$q.json" "$OS/kernel-pv.img" \
        --disk "$OS/default.disk" >"$tmp/q$q.out" 2>&1
done
if [ "$(counter "$tmp/q10000.json" guest_insns)" = "$(counter "$tmp/q7.json" guest_insns)" ] &&
   [ "$(counter "$tmp/q10000.json" hypercalls)" = "$(counter "$tmp/q7.json" hypercalls)" ] &&
   cmp -s "$tmp/q10000.out" "$tmp/q7.out"; then
    pass "quantum 7 and 10000: the same run"
else
    fail "quantum 7: $(counter "$tmp/q7.json" guest_insns) instructions, 10000: $(counter "$tmp/q10000.json" guest_insns)"
fi

# ---- 3c. out of pv and back, without losing progress --------------------------------
# --switch-mode (and the debugger's `mode`) may take a PV guest out of pv for
# a while it makes no hypercall, and back: the guest cannot know, so its
# shared page must still be registered when pv resumes - and the run must be
# the run that never left pv.  Both at one cycle (nothing runs in trap), and
# one instruction run by emulate.
for sw in "300000:trap --switch-mode 300000:pv" "300000:emulate --switch-mode 300001:pv"; do
    # shellcheck disable=SC2086  # the options are meant to split
    "$T" run --mode pv --max-insns $LIMIT --switch-mode $sw --stats-json "$tmp/sw.json" \
        "$OS/kernel-pv.img" --disk "$OS/default.disk" >"$tmp/sw.out" 2>&1
    if [ "$(counter "$tmp/sw.json" guest_insns)" = "$(counter "$tmp/q10000.json" guest_insns)" ] &&
       cmp -s "$tmp/q10000.out" "$tmp/sw.out"; then
        pass "pv, --switch-mode $sw: the run that never left pv"
    else
        fail "pv, --switch-mode $sw: $(counter "$tmp/sw.json" guest_insns) instructions"
        diff "$tmp/q10000.out" "$tmp/sw.out" | head -n 5
    fi
done

# ---- 4. one ABI, three places ----------------------------------------------------
sed -n 's/^ *X(\([A-Z_]*\), *\([0-9]*\),.*/\1 \2/p' vmm/modes/pv/pv.h | sort >"$tmp/abi.h"
sed -n 's/^\.equ HC_\([A-Z_]*\), *\([0-9]*\).*/\1 \2/p' guestos/include/hcall.s | sort >"$tmp/abi.s"
sed -n '/^## The calls/,/^## /s/^| *\([0-9][0-9]*\) *| *`\([A-Z_]*\)`.*/\2 \1/p' vmm/HYPERCALLS.md |
    sort >"$tmp/abi.md"
if [ -s "$tmp/abi.h" ] && cmp -s "$tmp/abi.h" "$tmp/abi.s" && cmp -s "$tmp/abi.h" "$tmp/abi.md"; then
    pass "hypercall numbers agree in pv.h, hcall.s and HYPERCALLS.md"
else
    fail "hypercall numbers differ"; diff "$tmp/abi.h" "$tmp/abi.s"; diff "$tmp/abi.h" "$tmp/abi.md"
fi
for w in SH_IE:PV_SH_IE SH_PENDING:PV_SH_PENDING SH_EPC:PV_SH_EPC SH_EPSR:PV_SH_EPSR \
         SH_CAUSE:PV_SH_CAUSE SH_BADVADDR:PV_SH_BADVADDR SH_SCRATCH:PV_SH_SCRATCH SH_PSR:PV_SH_PSR \
         HE_FAULT:PV_E_FAULT HE_NOSYS:PV_E_NOSYS HE_INVAL:PV_E_INVAL HE_FRAME:PV_E_FRAME; do
    a=$(sed -n "s/^\.equ ${w%%:*}, *\(-*[0-9]*\).*/\1/p" guestos/include/hcall.s)
    b=$(sed -n "s/^#define ${w#*:} *(*\(-*[0-9]*\))*.*/\1/p" vmm/modes/pv/pv.h)
    [ -n "$a" ] && [ "$a" = "$b" ] || fail "${w%%:*} is '$a' in hcall.s, '$b' in pv.h"
done

# ---- 5. the hostile guests' count ---------------------------------------------------
# pvcalls.s (lab 04 points students at it) ends with "hostile pvcalls: N
# failures": N in decimal, also past 9 (a starter's VMM fails 16 checks).
printf '    .text\n_start:\n    li r13, 16\n    la r1, name\n    call finish\nname: .asciz "count"\n    .align 4\n    .include "hostile.s"\n' \
    >"$tmp/count.s"
if $BUILD/bin/t32as -I tests/vmm/hostile -o "$tmp/count.img" "$tmp/count.s" >"$tmp/count.log" 2>&1 &&
   "$T" run --bare --max-insns 100000 "$tmp/count.img" >"$tmp/count.out" 2>&1 &&
   grep -q '^hostile count: 16 failures$' "$tmp/count.out"; then
    pass "a hostile guest's failure count in decimal"
else fail "a hostile guest's failure count: $(cat "$tmp/count.log" "$tmp/count.out")"; fi

echo "pv: $failures failed"
[ "$failures" -eq 0 ]
