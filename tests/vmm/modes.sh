#!/bin/sh
# modes.sh - binary translation (--mode bt) and switching modes while a
# guest runs (--switch-mode), end to end through `trapeze run`.
set -eu
. tests/lib.sh
K=$BUILD/guestos/kernel.img
D=$BUILD/guestos
pass() { echo "PASS $*"; }

# The instruction count and transcript of a run: "INSNS" on the first
# line, then the console.
run() {
    "$T" run --stats-json "$tmp/s.json" --max-insns 100000000 "$@" >"$tmp/out" 2>&1 </dev/null || true
    sed -n 's/^  "guest_insns": \([0-9]*\),$/\1/p' "$tmp/s.json"
    cat "$tmp/out"
}

# ---- bt: every guestos scenario exactly as on bare T32 -------------------------------
for disk in default cpu bench counters faults idle regs; do
    run --bare "$K" --disk "$D/$disk.disk" >"$tmp/bare"
    run --mode bt "$K" --disk "$D/$disk.disk" >"$tmp/bt"
    if cmp -s "$tmp/bare" "$tmp/bt" && grep -q "mode check: kernel" "$tmp/bt"; then
        pass "bt: guestos $disk: transcript and $(head -n 1 "$tmp/bt") instructions as bare"
    else
        fail "bt: guestos $disk differs from bare"; diff "$tmp/bare" "$tmp/bt" | head -n 10
    fi
done

# ---- bt fixes the popf problem -------------------------------------------------------------------
if "$T" run --mode bt --max-insns 200000 "$BUILD/tests/vmm/popf/tickwait.img" >"$tmp/out" 2>&1 &&
   grep -q "mode check: kernel" "$tmp/out" && grep -q "tick arrived" "$tmp/out"; then
    pass "bt: tickwait sees kernel mode and its tick"
else
    fail "bt: tickwait"; cat "$tmp/out"
fi

# ---- --switch-mode: at the exact cycle, without losing progress ------------------------------------
run --bare "$K" --disk "$D/default.disk" >"$tmp/bare"
run --mode trap --switch-mode 1:bt "$K" --disk "$D/default.disk" >"$tmp/sw"
if cmp -s "$tmp/bare" "$tmp/sw"; then
    pass "trap, switched to bt at cycle 1: as bare"
else
    fail "trap, switched to bt at cycle 1"; diff "$tmp/bare" "$tmp/sw" | head -n 10
fi
"$T" run --mode trap --switch-mode 300000:bt --switch-mode 600000:trap --trace "$tmp/trace" \
    "$K" --disk "$D/default.disk" >"$tmp/out" 2>&1
if [ "$(grep ' mode ' "$tmp/trace" | awk '{print $2, $NF}' | tr '\n' ' ')" = "300000 bt 600000 trap " ] &&
   grep -q "^summary: processes 15" "$tmp/out"; then
    pass "trap -> bt -> trap at cycles 300000 and 600000, and guestos finishes"
else
    fail "trap -> bt -> trap"; grep ' mode ' "$tmp/trace"; tail -n 3 "$tmp/out"
fi
# After the switch to bt, the kernel's critical sections work again: the
# guest's clock keeps every tick from then on.
run --mode bt "$K" --disk "$D/default.disk" | grep '^summary' >"$tmp/bt.sum"
run --mode trap --switch-mode 1:bt "$K" --disk "$D/default.disk" | grep '^summary' >"$tmp/sw.sum"
cmp -s "$tmp/bt.sum" "$tmp/sw.sum" && pass "switched at 1 = bt from the start" || fail "switched at 1"

# With several vCPUs, a switch waits for every vCPU that can still run: one
# due after vCPU 0 halted (its clock stands still) is made when vCPU 1
# gets there - it never hung the run - and so is a --at stop of dot.
cat >"$tmp/late.s" <<'EOF2'
_start: mfsr r1, cpuid
        bnz r1, 1f
        halt                    ; vCPU 0 halts at once
1:      li r5, 3                ; vCPU 1 prints B three times, slowly
2:      li r1, 'B'
        out r1, 0x10(r0)
        li r3, 20000
3:      addi r3, r3, -1
        bnz r3, 3b
        addi r5, r5, -1
        bnz r5, 2b
        halt
EOF2
"$BUILD/bin/t32as" -o "$tmp/late.img" "$tmp/late.s"
if [ "$(timeout 20 "$T" run --mode trap --vcpus 2 --switch-mode 1000:bt --stats-json "$tmp/late.json" \
        "$tmp/late.img" 2>&1 </dev/null)" = BBB ] && grep -q '"mode": "mixed"\|"mode": "bt"' "$tmp/late.json"; then
    pass "a switch due after vCPU 0 halted is made when vCPU 1 gets there"
else
    fail "a switch after vCPU 0 halted (hung, or not made)"; cat "$tmp/late.json" 2>/dev/null | head -5
fi
# ... and its trace line is vCPU 1's, at cycle 1000 (vCPU 0 stood at 3).
timeout 20 "$T" run --mode trap --vcpus 2 --switch-mode 1000:bt --trace "$tmp/late.trace" \
    "$tmp/late.img" >/dev/null 2>&1 </dev/null || true
if grep -q '^vm0\.1 *1000 .* mode *bt' "$tmp/late.trace"; then
    pass "a switch after vCPU 0 halted is traced at the vCPU that made it"
else
    fail "a switch after vCPU 0 halted: its trace line"; grep ' mode ' "$tmp/late.trace"
fi
timeout 20 "$T" dot vms --mode trap --vcpus 2 --at 5000 "$tmp/late.img" >/dev/null 2>&1 </dev/null &&
    pass "dot --at after vCPU 0 halted" || fail "dot --at after vCPU 0 halted (hung?)"

# ---- usage errors ------------------------------------------------------------------------------
for bad in "--bare --switch-mode 10:bt" "--mode trap --switch-mode 10:bare" \
           "--mode trap --switch-mode bt" "--mode trap --switch-mode 0:bt" \
           "--mode trap --switch-mode x:bt"; do
    # shellcheck disable=SC2086  # the options are meant to split
    usage_error "'$bad' is a usage error" "error" "$T" run $bad "$K"
done

# Cycle 0 is the start: the error says how to start in that mode.
"$T" run --mode trap --switch-mode 0:bt "$K" >"$tmp/out" 2>&1 || true
grep -q "switch-mode '0:bt' (CYCLES is a positive number; to start in bt, use --mode bt)" \
    "$tmp/out" && pass "--switch-mode 0:bt: use --mode bt" || { fail "--switch-mode 0:bt"; cat "$tmp/out"; }

# ---- the mode interface as vmm/README.md tells it ------------------------------------------------
# Every operation of vmm/modes/mode.h has its row in the README's table.
ops=$(sed -n 's/^ *[a-z_0-9 ]* (\*\([a-z_]*\))(.*/\1/p' vmm/modes/mode.h)
[ -n "$ops" ] || fail "no operations found in vmm/modes/mode.h"
for op in $ops; do
    if grep -q "^| \`$op\`" vmm/README.md || grep -q "^| \`[a-z_]*\`, \`$op\`" vmm/README.md; then
        pass "mode interface: $op is in vmm/README.md's table"
    else
        fail "mode interface: vmm/modes/mode.h has $op, vmm/README.md's table does not"
    fi
done

echo "modes: $failures failures"
[ "$failures" -eq 0 ]
