#!/bin/sh
# compare.sh - `trapeze compare` and `trapeze audit`.
#
#   compare  the table and the JSON against golden files (everything but
#            the host times is deterministic); every mode of the registry
#            gets a column; the first divergence it reports is the cycle
#            after the first pushf, found independently in a bare
#            --trace-insns; a guest that writes its disk leaves the file
#            as it was; consoles are captured; exit statuses.
#   audit    the sites of a test program against a golden listing, guestos
#            (has some) and its paravirtual build (has none), statuses.
#
#   UPDATE=1 tests/vmm/compare.sh    rewrite the golden files instead
set -u
. tests/lib.sh
AS=$BUILD/bin/t32as
OS=$BUILD/guestos
HERE=tests/vmm/compare
pass() { echo "PASS $*"; }

# status WANT NAME CMD...: CMD must exit with status WANT.
status() {
    want=$1 name=$2
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    got=$?
    if [ "$got" -eq "$want" ]; then
        pass "$name (status $got)"
    else
        fail "$name: status $got, expected $want"
        sed 's/^/    /' "$tmp/err" | head -5
    fi
}

# golden FILE NAME: $tmp/FILE (paths made BUILD/ and TMP/) against $HERE/FILE.
golden() {
    sed -e "s|$BUILD/|BUILD/|g" -e "s|$tmp/|TMP/|g" "$tmp/$1" >"$tmp/$1.norm"
    if [ "${UPDATE:-0}" = 1 ]; then
        cp "$tmp/$1.norm" "$HERE/$1"
        echo "updated $HERE/$1"
    elif cmp -s "$tmp/$1.norm" "$HERE/$1"; then
        pass "$2"
    else
        fail "$2: differs from $HERE/$1"
        diff -u "$HERE/$1" "$tmp/$1.norm" | head -30 | sed 's/^/    /'
    fi
}

# ---- compare: command line ------------------------------------------------------------

status 0 "compare --help" "$T" compare --help
grep -q '^usage: trapeze compare' "$tmp/out" || fail "compare --help: no usage line"
modes=$("$T" --help | sed -n 's/^modes: //p')
[ -n "$modes" ] || fail "trapeze --help names no modes"
grep -q "^modes: $modes\$" "$tmp/out" || fail "compare --help does not name every mode"
hello=$BUILD/tests/vmm/guests/hello.img
status 2 "compare: no image" "$T" compare
status 2 "compare: --mode" "$T" compare --mode trap "$hello"
status 2 "compare: --bare" "$T" compare --bare "$hello"
status 2 "compare: --vm" "$T" compare --vm "$hello" --vm "$hello"
status 2 "compare: --vcpus" "$T" compare --vcpus 2 "$hello"
status 2 "compare: --console" "$T" compare --console "$tmp/c" "$hello"
status 2 "compare: --stats" "$T" compare --stats "$hello"
status 2 "compare: --trace" "$T" compare --trace - "$hello"
status 2 "compare: --pv-image without a value" "$T" compare "$hello" --pv-image
status 2 "compare: --pv-image twice" "$T" compare --pv-image "$hello" --pv-image=x "$hello"
grep -q "option '--pv-image' given twice" "$tmp/err" || fail "compare: --pv-image twice: $(cat "$tmp/err")"
status 2 "compare: an unknown option" "$T" compare --fast "$hello"
status 2 "compare: two images" "$T" compare "$hello" "$hello"
status 2 "compare: two images after --" "$T" compare -- "$hello" "$hello"
grep -q "compare runs one guest, in every mode" "$tmp/err" || fail "compare -- a b: $(cat "$tmp/err")"
grep -q "^trapeze compare: error: " "$tmp/err" || fail "compare: usage message"
status 1 "compare: a missing image" "$T" compare "$tmp/none.img"
status 1 "compare: a missing disk" "$T" compare --disk "$tmp/none.disk" "$hello"
status 1 "compare: a missing --pv-image" "$T" compare --pv-image "$tmp/none.img" "$hello"
# ... refused before any mode runs, as a missing IMAGE is: a guest that
# never halts would have bare report its limit first.
printf '    .text\n_start: b _start\n' >"$tmp/loop.s"
"$AS" -o "$tmp/loop.img" "$tmp/loop.s" || fail "loop.s: t32as"
for pv in "$tmp/none.img" "$tmp/loop.s"; do
    status 1 "compare: a bad --pv-image ($(basename "$pv"))" "$T" compare --pv-image "$pv" "$tmp/loop.img"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "^$pv: error: " "$tmp/err" &&
        pass "compare: a bad --pv-image is refused before any mode runs" ||
        { fail "compare: a bad --pv-image is not refused up front"; sed 's/^/    /' "$tmp/err"; }
done

# ---- compare: the table ----------------------------------------------------------------

# modecheck asks pushf which mode it runs in: some modes diverge (status 1).
"$T" compare "$BUILD/examples/modecheck.img" </dev/null >"$tmp/full.txt"
[ $? -eq 1 ] || fail "compare modecheck: status should be 1 (a mode diverges)"
grep -v -e '^host time' -e '^  best of runs' -e '^slowdown' "$tmp/full.txt" >"$tmp/modecheck.txt"
golden modecheck.txt "compare modecheck: the table"
header=$(sed -n 3p "$tmp/full.txt" | tr -s ' ' | sed 's/^ //')
[ "$header" = "bare $(echo "$modes" | sed 's/bare, //; s/, / /g')" ] ||
    fail "compare: the columns '$header' are not bare and every mode ($modes)"
grep -q '^host time (ms)  *[0-9.]*  ' "$tmp/full.txt" || fail "compare: no host times"
grep -q '^slowdown  *1.00x ' "$tmp/full.txt" || fail "compare: bare's slowdown is not 1.00x"
grep -q 'mode check' "$tmp/full.txt" && fail "compare: the guest's console was printed"
# One run of a small guest is too short to time: every mode is timed over
# repeated runs, and the table says over how many.
awk '$1 == "best" && $3 == "runs" { for (i = 4; i <= NF; i++) if ($i < 2) bad = 1; ok = 1 }
     END { exit !(ok && !bad) }' "$tmp/full.txt" &&
    pass "compare: every mode is timed over repeated runs" ||
    fail "compare: a mode timed once, or no 'best of runs' row"
"$T" compare --help | grep -q "fastest run" || fail "compare --help: which time is shown"

# An image name that is not UTF-8 is escaped (\u00XX), so the JSON stays valid.
cp "$hello" "$tmp/$(printf 'h\377\001').img"
"$T" compare --json "$tmp/$(printf 'h\377\001').img" </dev/null >"$tmp/odd.json" 2>/dev/null
python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["image"].endswith("h\u00ff\u0001.img")' \
    <"$tmp/odd.json" 2>/dev/null || fail "compare --json: a non-UTF-8 image name is not escaped"
"$T" compare --json "$BUILD/examples/modecheck.img" </dev/null >"$tmp/full.json"
grep -v -e '"host_ms"' -e '"host_runs"' -e '"slowdown"' "$tmp/full.json" >"$tmp/modecheck.json"
golden modecheck.json "compare --json modecheck"
[ "$(grep -c '"host_ms"' "$tmp/full.json")" = "$(grep -c '"mode":' "$tmp/full.json")" ] ||
    fail "compare --json: a host time per mode"

# Where trap-and-emulate goes wrong, independently: the first pushf that
# bare T32 executes (the trace's cycle c) makes the state differ after
# c + 1 cycles.  For modecheck, and for guestos (its console code).
first_pushf() {
    "$T" run --bare --max-insns 2000 --trace-insns - "$@" 2>/dev/null </dev/null |
        awk '$NF == "pushf" { print $2 + 1, $3; exit }'
}
set -- $(first_pushf "$BUILD/examples/modecheck.img")
grep -q "^fidelity .* first divergence at cycle $1 " "$tmp/full.txt" &&
grep -q "^  at bare pc .* 0x$2 <" "$tmp/full.txt" &&
    pass "compare modecheck: trap diverges after the first pushf (cycle $1, pc $2)" ||
    fail "compare modecheck: expected a divergence at cycle $1, pc $2"

# fidelity MODE: the "fidelity" line of MODE's object in $tmp/os.json.
fidelity() {
    awk -v m="\"mode\": \"$1\"" 'index($0, m) { on = 1 }
        on && /"fidelity"/ { print; exit }' "$tmp/os.json"
}
set -- $(first_pushf --disk "$OS/default.disk" "$OS/kernel.img")
"$T" compare --json --disk "$OS/default.disk" --max-insns 3000000 "$OS/kernel.img" \
    </dev/null >"$tmp/os.json"
fidelity trap | grep -q "\"first_divergence\": {\"cycle\": $1, \"bare_pc\": \"0x$2 <" &&
    pass "compare guestos: trap diverges at the first pushf (cycle $1, pc $2)" ||
    { fail "compare guestos: expected a divergence at cycle $1, pc $2"; fidelity trap; }
fidelity emulate | grep -q '"identical": true, ' && pass "compare guestos: emulate is identical" ||
    { fail "compare guestos: emulate is not identical"; fidelity emulate; }

# --pv-image: pv runs the other image, and the table says so.
case " $modes, " in
*" pv, "*)
    "$T" compare --pv-image "$BUILD/examples/hello.img" "$hello" </dev/null >"$tmp/pv.txt"
    col=$(sed -n 3p "$tmp/pv.txt" | awk '{ for (i = 1; i <= NF; i++) if ($i == "pv") print i + 1 }')
    [ "$(awk -v c="$col" '$1 == "image" { print $c }' "$tmp/pv.txt")" = "--pv-image" ] &&
        pass "compare --pv-image: pv runs it" || fail "compare --pv-image: no image row for pv"
    # guestos's paravirtual kernel does bare's work: one process prints
    # bare's lines in bare's order but the summary (its tick count), several
    # processes the same lines in another order, again but the summary.
    if [ -f "$OS/kernel-pv.img" ]; then
        for d in cpu:'"lines_differ": 1, "same_order": true' \
                 default:'"lines_differ": 1, "same_order": false'; do
            "$T" compare --json --pv-image "$OS/kernel-pv.img" --disk "$OS/${d%%:*}.disk" \
                "$OS/kernel.img" </dev/null >"$tmp/pvw.json"
            grep -A 12 '"mode": "pv"' "$tmp/pvw.json" | grep -qF "${d#*:}" &&
                pass "compare --pv-image, ${d%%:*}.disk: ${d#*:}" ||
                { fail "compare --pv-image, ${d%%:*}.disk: not ${d#*:}"; grep fidelity "$tmp/pvw.json"; }
        done
        "$T" compare --pv-image "$OS/kernel-pv.img" --disk "$OS/cpu.disk" "$OS/kernel.img" \
            </dev/null >"$tmp/pvw.txt"
        grep -q '^fidelity .* 1 line differs ' "$tmp/pvw.txt" &&
            pass "compare --pv-image: the table says how many lines differ" ||
            { fail "compare --pv-image: no line count in the table"; grep fidelity "$tmp/pvw.txt"; }
    fi
    ;;
esac

# A paravirtual kernel given as IMAGE stops at its first hcall in every mode
# but pv: compare says so and how to compare it, its table stays a table
# (the pv column differs in most registers: counted, not listed), and run
# gives every mode without hypercalls the hint bare T32 gives.
if [ -f "$OS/kernel-pv.img" ]; then
    status 1 "compare: a paravirtual kernel as IMAGE" \
        "$T" compare --disk "$OS/default.disk" "$OS/kernel-pv.img"
    grep -q "kernel-pv.img is a paravirtual kernel: it stops at its first hcall" "$tmp/err" &&
    grep -q "trapeze compare --pv-image $OS/kernel-pv.img --disk $OS/default.disk KERNEL" \
        "$tmp/err" && pass "compare: a paravirtual IMAGE is explained" ||
        { fail "compare: a paravirtual IMAGE is not explained"; cat "$tmp/err"; }
    wide=$(awk '{ if (length($0) > w) w = length($0) } END { print w + 0 }' "$tmp/out")
    grep -q '^registers .* and [0-9]* more ' "$tmp/out" && [ "$wide" -le 120 ] &&
        pass "compare: a long list of registers is shortened" ||
        { fail "compare: the table is $wide wide"; grep '^registers' "$tmp/out"; }
    for m in trap bt emulate; do
        status 4 "run --mode $m kernel-pv.img" \
            "$T" run --mode "$m" --disk "$OS/default.disk" "$OS/kernel-pv.img"
        grep -q 'it was an hcall (hypercall 1); a paravirtual guest needs --mode pv$' "$tmp/err" ||
            { fail "run --mode $m kernel-pv.img: no hint"; cat "$tmp/err"; }
    done
fi

# Every mode faithful: status 0.
status 0 "compare syscall: every mode identical" "$T" compare "$BUILD/examples/syscall.img"
# Every row the spec names is there, even when it is zero in every mode
# (syscall.img is no paravirtual guest, and has nothing for bt to patch).
for row in "guest instructions" "  direct share" "exits" "instructions patched" "hypercalls" \
           "host time (ms)" "slowdown" "fidelity"; do
    grep -q "^$row  " "$tmp/out" || fail "compare syscall: no '$row' row"
done

# A guest that writes its disk: `run` changes the file, compare must not.
cat >"$tmp/writer.s" <<'EOF'
; write sector 0 from memory (the code itself), wait for it, halt
    .text
_start:
    out r0, 0x20(r0)          ; sector 0
    la r1, _start
    out r1, 0x21(r0)          ; from this code
    li r1, 1
    out r1, 0x22(r0)          ; one sector
    li r1, 2
    out r1, 0x23(r0)          ; write
1:  in r1, 0x24(r0)
    cmpi r1, 1
    beq 1b                    ; busy
    halt
EOF
"$AS" -o "$tmp/writer.img" "$tmp/writer.s" || fail "writer.s: t32as"
head -c 4096 /dev/zero >"$tmp/w.disk"
cp "$tmp/w.disk" "$tmp/w-run.disk"
"$T" run --bare --disk "$tmp/w-run.disk" "$tmp/writer.img" </dev/null
cmp -s "$tmp/w.disk" "$tmp/w-run.disk" && fail "writer.s does not write its disk"
status 0 "compare: a guest that writes its disk" "$T" compare --disk "$tmp/w.disk" "$tmp/writer.img"
head -c 4096 /dev/zero | cmp -s - "$tmp/w.disk" &&
    pass "compare: the disk file is never written" || fail "compare wrote the disk file"
# ... so it may be read-only, as a grader's reference copy is.
cp "$tmp/w.disk" "$tmp/ro.disk"
chmod a-w "$tmp/ro.disk"
case $T in /*) TT=$T ;; *) TT=$PWD/$T ;; esac
chmod a+rx "$tmp" && chmod a+r "$tmp/ro.disk" "$tmp/writer.img"
# (As root a read-only file is still writable: run as nobody where nobody
# can reach the build.)
if [ "$(id -u)" -eq 0 ] && su nobody -s /bin/sh -c "'$TT' --version" >/dev/null 2>&1; then
    su nobody -s /bin/sh -c "'$TT' compare --disk '$tmp/ro.disk' '$tmp/writer.img'" \
        >"$tmp/ro.out" 2>&1 && pass "compare: a read-only disk" ||
        { fail "compare: a read-only disk"; cat "$tmp/ro.out"; }
else
    status 0 "compare: a read-only disk" "$T" compare --disk "$tmp/ro.disk" "$tmp/writer.img"
fi

# ---- audit --------------------------------------------------------------------------------

status 0 "audit --help" "$T" audit --help
grep -q '^usage: trapeze audit \[--\] IMAGE' "$tmp/out" || fail "audit --help: no usage line"
status 2 "audit: no image" "$T" audit
status 2 "audit: two images" "$T" audit "$hello" "$hello"
status 2 "audit: an unknown option" "$T" audit --all "$hello"
status 1 "audit: a missing image" "$T" audit "$tmp/none.img"
grep -q "none.img: error: " "$tmp/err" || fail "audit: a missing image's message"

"$AS" -I "$HERE" -o "$tmp/sites.img" "$HERE/sites.s" || fail "sites.s: t32as"
status 1 "audit sites.s: sites found" "$T" audit "$tmp/sites.img"
cp "$tmp/out" "$tmp/sites.txt"
golden sites.txt "audit sites.s: the listing"
# Data that decodes as pushf/popf is no instruction, but bt patches it all
# the same: listed as data, counted, and status 1 like any site.
printf '    .text\n_start: halt\n    .word 0x42000000, 0x43000000\n' >"$tmp/dataonly.s"
"$AS" -o "$tmp/dataonly.img" "$tmp/dataonly.s" || fail "dataonly.s: t32as"
status 1 "audit: data that decodes as pushf/popf is a site" "$T" audit "$tmp/dataonly.img"
grep -q ' pushf .*  data$' "$tmp/out" && grep -q ' popf .*  data$' "$tmp/out" ||
    fail "audit: the data words are not listed as data"
grep -q 'no sensitive' "$tmp/out" && fail "audit: the summary says there is nothing"
tail -1 "$tmp/out" | grep -q 'dataonly.img: 2 sites (2 in data ranges)$' &&
    pass "audit: the summary counts the data sites" ||
    fail "audit: the summary is '$(tail -1 "$tmp/out")'"
# bt scans whole pages: a data segment placed in a page of code (.org) is
# scanned and patched with it, so audit lists its words too, as data.  A
# data segment in a page of its own is never scanned.
printf '    .text\n_start: halt\n    .data\n    .org 0x1800\n    .word 0x42000000\n    .org 0x2000\n    .word 0x43000000\n' \
    >"$tmp/datapage.s"
"$AS" -o "$tmp/datapage.img" "$tmp/datapage.s" || fail "datapage.s: t32as"
status 1 "audit: a data segment in a page of code has a site" "$T" audit "$tmp/datapage.img"
grep -q '^0x00001800 .* pushf .*  data$' "$tmp/out" && ! grep -q 'popf' "$tmp/out" &&
tail -1 "$tmp/out" | grep -q 'datapage.img: 1 site (1 in data ranges)$' &&
    pass "audit: the data word in the code page, and not the one in a page of its own" ||
    { fail "audit: a data segment sharing a page with code"; cat "$tmp/out"; }
status 0 "audit hello: none" "$T" audit "$hello"
grep -q 'no sensitive but unprivileged instructions' "$tmp/out" || fail "audit hello: summary"
# Nothing to list: no table header, and the last line counts, as always.
[ "$(wc -l <"$tmp/out")" -eq 2 ] && tail -1 "$tmp/out" | grep -q 'hello.img: 0 sites$' &&
    pass "audit hello: no table, the last line counts 0 sites" ||
    fail "audit hello: the output is '$(cat "$tmp/out")'"
status 1 "audit guestos: the kernel has sites" "$T" audit "$OS/kernel.img"
n=$(grep -c -E ' (pushf|popf) ' "$tmp/out")
grep -q ": $n sensitive but unprivileged instructions" "$tmp/out" &&
tail -1 "$tmp/out" | grep -q ": $n sites\( (.*)\)\?$" ||
    fail "audit guestos: $n sites listed, the summary says otherwise"
if [ -f "$OS/kernel-pv.img" ]; then
    status 0 "audit guestos: the paravirtual kernel has none" "$T" audit "$OS/kernel-pv.img"
fi

# compare runs one guest, and every way of asking for more says so.
for args in "$hello $hello" "--vm $hello --vm $hello" "--vm $hello,disk=$OS/default.disk" \
            "--vm $hello"; do
    # shellcheck disable=SC2086
    "$T" compare $args >"$tmp/out" 2>"$tmp/err" </dev/null
    got=$?
    if [ "$got" -eq 2 ] && grep -q "compare runs one guest\|it runs one guest" "$tmp/err" &&
       ! grep -q "use --vm" "$tmp/err"; then
        pass "compare $args: one guest"
    else
        fail "compare $args: status $got"; cat "$tmp/err"
    fi
done

# Options of run that compare refuses name themselves, with no advice that
# compare would refuse too (--switch-mode once suggested --mode).
for opt in "--switch-mode 5:bt" "--switch-mode=5:bt" "--stats" "--trace -" "--vcpus 2"; do
    # shellcheck disable=SC2086  # the options are meant to split
    "$T" compare $opt "$hello" >"$tmp/out" 2>"$tmp/err" </dev/null
    got=$?
    if [ "$got" -eq 2 ] && grep -q "error: ${opt%%[ =]*}.* is not for compare" "$tmp/err" &&
       ! grep -q -- "--mode trap" "$tmp/err"; then
        pass "compare $opt: not for compare"
    else
        fail "compare $opt: status $got"; cat "$tmp/err"
    fi
done

# A guest that never halts, without --max-insns: compare must end (bare's
# default limit, every mode stopped at the same cycle) and say why.
timeout 60 "$T" compare "$BUILD/tests/vmm/hostile/spin.img" >"$tmp/out" 2>"$tmp/err" </dev/null
got=$?
if [ "$got" -eq 0 ] && grep -q "did not halt on bare T32 within 200000000 cycles" "$tmp/err"; then
    pass "compare of a guest that never halts ends"
else
    fail "compare of a guest that never halts: status $got"; cat "$tmp/err"
fi
# ... and does not run those long runs again to time them.
awk '$1 == "best" && $3 == "runs" { for (i = 4; i <= NF; i++) if ($i != 1) bad = 1; ok = 1 }
     END { exit !(ok && !bad) }' "$tmp/out" && pass "compare: a long run is timed once" ||
    fail "compare: a long run is timed again: $(grep 'best of runs' "$tmp/out")"
# On a terminal it gives the same hint as run.
drive=$BUILD/tests/debug/ptydrive
if [ -x "$drive" ]; then
    TRAPEZE_HINT_SECONDS=1 timeout 60 "$drive" "" "$T" compare \
        "$BUILD/tests/vmm/hostile/spin.img" >"$tmp/tty" 2>&1
    grep -q "still running after 1 s" "$tmp/tty" && pass "compare: the long-run hint" ||
        fail "compare: no long-run hint"
fi

# A guest that runs no instruction (its first wfi can never wake) has no
# direct share - not 100%, which under emulate would be the opposite of the
# truth: "-" in the table and in --stats, null in the JSON.
idle=$BUILD/tests/vmm/guests/idle.img
"$T" compare "$idle" >"$tmp/out" 2>&1 </dev/null
"$T" compare --json "$idle" >"$tmp/json" 2>&1 </dev/null
"$T" run --mode emulate --stats "$idle" >/dev/null 2>"$tmp/stats" </dev/null
if grep -q '^  direct share  *- *- *- *- *-$' "$tmp/out" &&
   [ "$(grep -c '"direct_percent": null,' "$tmp/json")" -eq 5 ] &&
   grep -q '^  direct share  *-$' "$tmp/stats"; then
    pass "no instruction run: no direct share"
else
    fail "no instruction run: a direct share"; grep -h 'direct' "$tmp/out" "$tmp/json" "$tmp/stats"
fi

# --input is read once and every run gets the same bytes: a fifo (or a
# pipe) written once would otherwise feed the first run alone, and every
# mode after it would "differ" on an input that ended at once.  A fifo no
# process writes reads as ended after a short grace, never a hang.
mkfifo "$tmp/fifo"
(printf 'pid\nuptime\nexit\n' >"$tmp/fifo") &
set +e
timeout 60 "$T" compare --disk "$BUILD/guestos/shell.disk" --input "$tmp/fifo" \
    "$BUILD/guestos/kernel.img" >"$tmp/out" 2>&1 </dev/null
set -e
wait
if grep -q '^fidelity .* identical .* identical$' "$tmp/out" &&
   [ "$(grep -c '^console .* same .* same$' "$tmp/out")" -eq 1 ]; then
    pass "compare --input FIFO: every mode reads the same input"
else
    fail "compare --input FIFO: the modes read different input"
    grep -E '^(console|fidelity)' "$tmp/out" || true
fi
set +e
timeout 60 "$T" compare --input "$tmp/fifo" "$BUILD/examples/hello.img" >"$tmp/out" 2>&1 </dev/null
got=$?
set -e
if [ "$got" -eq 0 ]; then
    pass "compare --input FIFO nobody writes: ends"
else
    fail "compare --input FIFO nobody writes: status $got"; tail -3 "$tmp/out"
fi

echo "compare: $failures failed"
[ "$failures" -eq 0 ]
