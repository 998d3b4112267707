#!/bin/sh
# console_share.sh - several VMs on one terminal (vmm/README.md, "Decisions"):
# each VM's lines behind its "[vmN] " prefix, a line that never ends cut
# every 4096 bytes with a trailing "\", control bytes shown escaped so no
# guest can pose as another - and a single VM's console byte-exact.
set -eu
. tests/lib.sh
A=$BUILD/bin/t32as
G=tests/vmm/guests
pass() { echo "PASS $*"; }

"$A" -D COUNT=50000 -o "$tmp/noline.img" $G/noline.s
"$A" -D COUNT=1000000000 -o "$tmp/forever.img" $G/noline.s
"$A" -o "$tmp/forge.img" $G/forge.s
"$A" -o "$tmp/hello.img" $G/hello.s

# The alphabet, over and over, n bytes of it (what noline.s prints).
alphabet() {
    awk -v n="$1" 'BEGIN { s = ""; for (i = 0; i < n; i++) s = s sprintf("%c", 97 + i % 26); printf "%s", s }'
}

# ---- a line that never ends, beside another VM --------------------------------
"$T" run --mode trap --max-insns 10000000 --vm "$tmp/noline.img" --vm "$tmp/hello.img" \
    </dev/null >"$tmp/two.txt"
grep '^\[vm0\] ' "$tmp/two.txt" >"$tmp/vm0.txt" || true
if grep -qvE '^\[vm[01]\] ' "$tmp/two.txt"; then
    fail "a line without a prefix"; grep -vE '^\[vm[01]\] ' "$tmp/two.txt" | head -3 | cut -c1-80
else
    pass "every line has its VM's prefix"
fi
if [ "$(grep -c '^\[vm1\] hello from a guest$' "$tmp/two.txt")" -eq 1 ]; then
    pass "the other VM's line is whole"
else
    fail "the other VM's line"
fi
longest=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$tmp/vm0.txt")
cuts=$(grep -c '[^\\]\\$' "$tmp/vm0.txt" || true)
lines=$(wc -l <"$tmp/vm0.txt")
if [ "$longest" -eq $((6 + 4096 + 1)) ] && [ "$cuts" -eq $((50000 / 4096)) ] &&
   [ "$lines" -eq $((cuts + 1)) ]; then
    pass "50000 bytes without a newline: cut into $lines lines of at most 4096, $cuts marked"
else
    fail "cut lines: longest $longest, $cuts cuts, $lines lines"
fi
sed -e 's/^\[vm0\] //' -e 's/\\$//' "$tmp/vm0.txt" | tr -d '\n' >"$tmp/payload"
alphabet 50000 >"$tmp/want"
if cmp -s "$tmp/payload" "$tmp/want"; then
    pass "nothing lost or reordered across the cuts"
else
    fail "the bytes across the cuts differ from what the guest printed"
fi

# ---- a VM printing forever stops at its limit, its lines still bounded ----------
set +e
"$T" run --mode trap --max-insns 4000000 --vm "$tmp/forever.img" --vm "$tmp/hello.img" \
    </dev/null >"$tmp/forever.txt" 2>"$tmp/forever.err"
status=$?
set -e
longest=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$tmp/forever.txt")
if [ "$status" -eq 3 ] && [ "$longest" -le $((6 + 4096 + 1)) ] &&
   grep -q '^\[vm1\] hello from a guest$' "$tmp/forever.txt"; then
    pass "endless line: limit reached, no line longer than 4096 bytes"
else
    fail "endless line: status $status, longest line $longest"; cat "$tmp/forever.err"
fi

# ---- control bytes: shown with several VMs, byte-exact with one ------------------
"$T" run --mode trap --max-insns 100000 --vm "$tmp/forge.img" --vm "$tmp/hello.img" \
    </dev/null >"$tmp/forge2.txt"
printf '[vm0] \\r[vm1] forged\n[vm0] \\x1b[2J\\\\\tend\n[vm1] hello from a guest\n' >"$tmp/want"
if cmp -s "$tmp/forge2.txt" "$tmp/want"; then
    pass "a guest's carriage return and escape sequence are shown, not obeyed"
else
    fail "escaped output"; od -c "$tmp/forge2.txt" | head
fi
for mode in bare trap; do
    "$T" run --mode $mode --max-insns 100000 "$tmp/forge.img" </dev/null >"$tmp/forge1.txt"
    printf '\r[vm1] forged\n\033[2J\\\tend\n' >"$tmp/want"
    if cmp -s "$tmp/forge1.txt" "$tmp/want"; then
        pass "$mode: a single VM's console is byte-exact"
    else
        fail "$mode: single VM output"; od -c "$tmp/forge1.txt" | head
    fi
done
"$T" run --mode trap --max-insns 10000000 "$tmp/noline.img" </dev/null >"$tmp/noline1.txt"
alphabet 50000 >"$tmp/want"
if cmp -s "$tmp/noline1.txt" "$tmp/want"; then
    pass "a single VM's long line is neither cut nor ended"
else
    fail "single VM long line"
fi

# A console named standard output or error, next to a VM on the shared
# terminal, would put raw bytes among the prefixed lines: refused.  Alone
# on the terminal (the other VM's console a file) it is the terminal.
for c in - /dev/stdout /dev/stderr; do
    usage_error "console=$c beside a VM on the terminal: refused" \
        "vm0's console=$c: the VMs without a console file share the terminal" \
        "$T" run --vm "$tmp/hello.img,console=$c" --vm "$tmp/hello.img"
done
"$T" run --vm "$tmp/hello.img,console=-" --vm "$tmp/hello.img,console=$tmp/vm1.txt" </dev/null >"$tmp/out" &&
    [ "$(cat "$tmp/out")" = "hello from a guest" ] && pass "console=- with the other VM on a file" ||
    fail "console=- with the other VM on a file"

echo "console_share: $failures failures"
[ "$failures" -eq 0 ]
