#!/bin/sh
# trapeze_cli.sh - the `trapeze` command line (and --help of every command):
# help, usage errors, bad
# files, and the exit status of each way a run can end (vmm/README.md).
set -eu
. tests/lib.sh
G=$BUILD/tests/vmm/guests
pass() { echo "PASS $*"; }

# expect STATUS PATTERN NAME -- COMMAND...: run it (stdin empty), check the
# exit status and that stdout+stderr contain PATTERN (a fixed string).
expect() {
    want=$1 pattern=$2 name=$3
    shift 4
    set +e
    "$@" >"$tmp/out" 2>&1 </dev/null
    got=$?
    set -e
    if [ "$got" -ne "$want" ]; then
        fail "$name: exit status $got, expected $want"; sed 's/^/    /' "$tmp/out"
    elif [ -n "$pattern" ] && ! grep -qF -- "$pattern" "$tmp/out"; then
        fail "$name: output lacks '$pattern'"; sed 's/^/    /' "$tmp/out"
    else
        pass "$name"
    fi
}

# ---- help and usage errors -----------------------------------------------------
expect 0 "usage: trapeze COMMAND" "trapeze --help" -- "$T" --help
expect 0 "--max-insns N" "trapeze run --help" -- "$T" run --help
expect 0 "usage: trapeze debug" "trapeze --help debug" -- "$T" --help debug
expect 2 "--version takes nothing after it (got 'x')" "trapeze --version x" -- "$T" --version x
expect 2 "--help takes nothing after it but a command name" "trapeze --help nope" -- "$T" --help nope
# Every other command of the project answers --help the same way.
expect 0 "usage: t32as" "t32as --help" -- "$BUILD/bin/t32as" --help
expect 0 "usage: t32dis" "t32dis --help" -- "$BUILD/bin/t32dis" --help
expect 0 "usage: t32mkdisk" "t32mkdisk --help" -- "$BUILD/bin/t32mkdisk" --help
expect 2 "usage: t32dis" "t32dis bad option" -- "$BUILD/bin/t32dis" -q
expect 2 "no command given" "no command" -- "$T"
expect 2 "unknown command 'frobnicate'" "unknown command" -- "$T" frobnicate
expect 2 "unknown option '--frob'" "unknown option" -- "$T" run --frob x.img
expect 2 "unknown mode 'fast'" "unknown mode" -- "$T" run --mode fast x.img
expect 2 "bad --mem '12345'" "--mem not a multiple of 4K" -- "$T" run --mem 12345 x.img
expect 2 "bad --mem '1G'" "--mem with a bad suffix" -- "$T" run --mem 1G x.img
expect 2 "bad --max-insns 'lots'" "--max-insns not a number" -- "$T" run --max-insns lots x.img
expect 2 "needs a value" "--disk without a value" -- "$T" run x.img --disk
expect 2 "no image to run" "no image" -- "$T" run --bare
# An empty file name names the option it came with.
expect 2 "bad --vm setting '' (the IMAGE is empty)" "--vm with an empty IMAGE" \
    -- "$T" run --mode trap --vm ,disk=x.disk
expect 2 "bad --vm setting 'console=' (an empty file name)" "--vm with an empty console=" \
    -- "$T" run --mode trap --vm "$G/hello.img,console="
# A console named as standard output cannot share it with a data stream.
expect 2 "--stats-json and the console cannot both write to standard output" \
    "--stats-json - --console -" -- "$T" run --stats-json - --console - "$G/hello.img"
expect 2 "--trace and a VM's console cannot both write to standard output" \
    "--trace - with console=/dev/stdout" \
    -- "$T" run --trace - --vm "$G/hello.img" --vm "$G/hello.img,console=/dev/stdout"

# Every usage error names its command, those found with the files too.
printf 'x' >"$tmp/u.disk"
expect 2 "trapeze run: error: '$tmp/u.disk' is both" "a file named twice: run's error" \
    -- "$T" run --bare --disk "$tmp/u.disk" --console "$tmp/u.disk" "$G/hello.img"
expect 2 "Try 'trapeze run --help'." "a file named twice: run's hint" \
    -- "$T" run --bare --disk "$tmp/u.disk" --console "$tmp/u.disk" "$G/hello.img"
expect 2 "trapeze run: error: --trace and --stats-json cannot both" "two on stdout: run's error" \
    -- "$T" run --mode trap --stats-json - --trace - "$G/hello.img"
expect 2 "trapeze dot: error: '$tmp/u.disk' is both" "a file named twice: dot's error" \
    -- "$T" dot exits --mode trap --disk "$tmp/u.disk" -o "$tmp/u.disk" "$G/hello.img"
expect 2 "Try 'trapeze debug --help'." "a file named twice: debug's hint" \
    -- "$T" debug --batch --trace - --stats-json - "$G/hello.img"

# Standard input cannot be named as an input (it would open a file "-");
# "--" ends the options.
expect 2 "bad --input '-' (standard input cannot be named" "--input -" \
    -- "$T" run --input - "$G/hello.img"
expect 2 "bad --vm setting 'input=-' (standard input cannot be named" "--vm ...,input=-" \
    -- "$T" run --vm "$G/hello.img,input=-"
expect 2 "bad --input '-'" "compare --input -" -- "$T" compare --input - "$G/hello.img"
expect 0 "hello from a guest" "run -- IMAGE" -- "$T" run --mode trap -- "$G/hello.img"
expect 1 "-x.img: error:" "run -- -x.img: an IMAGE, not an option" -- "$T" run -- -x.img
for cmd in run debug compare audit "dot vms"; do
    # shellcheck disable=SC2086  # "dot vms" is meant to split
    expect 1 "--help: error:" "$cmd -- --help: an IMAGE, not the help" -- "$T" $cmd -- --help
done
expect 0 "0 sites" "audit -- IMAGE" -- "$T" audit -- "$G/hello.img"
expect 0 "fidelity" "compare -- IMAGE" -- "$T" compare -- "$G/hello.img"

# Options that contradict each other are refused, not "the last one wins".
expect 2 "--mode trap contradicts --bare" "--bare --mode trap" -- "$T" run --bare --mode trap "$G/hello.img"
expect 2 "option '--max-insns' given twice" "--max-insns twice" \
    -- "$T" run --max-insns 5 --max-insns=6 "$G/hello.img"
expect 2 "option '--console' given twice" "--console twice" \
    -- "$T" run --console "$tmp/c1" --console "$tmp/c2" "$G/hello.img"
expect 2 "--bare contradicts --mode bt" "--mode bt --bare" -- "$T" run --mode bt --bare "$G/hello.img"
expect 2 "--mode emulate contradicts --mode trap" "--mode trap --mode=emulate" \
    -- "$T" run --mode trap --mode=emulate "$G/hello.img"
expect 0 "hello from a guest" "--mode trap twice: one mode" -- "$T" run --mode trap --mode trap "$G/hello.img"
expect 2 "--quantum is a VM's turn; --bare has no VMM" "--bare --quantum 5" \
    -- "$T" run --bare --quantum 5 "$G/hello.img"
expect 2 "--quantum is a VM's turn; one guest without --mode runs bare" "--quantum 5, no mode" \
    -- "$T" run --quantum 5 "$G/hello.img"
expect 2 "--switch-mode '100:trap' comes after one at cycle 200" "--switch-mode out of order" \
    -- "$T" run --mode trap --switch-mode 200:bt --switch-mode 100:trap "$G/counter.img"
# Several at one cycle are made in the order given (pv.sh: pv -> trap -> pv).
"$T" run --mode trap --switch-mode 50:bt --switch-mode 50:emulate --stats "$G/counter.img" \
    >/dev/null 2>"$tmp/stats.txt"
grep -qF "(mode emulate; started in trap, bt at cycle 50, emulate at cycle 50)" "$tmp/stats.txt" &&
    pass "--switch-mode twice at one cycle: both, in the order given" ||
    { fail "--switch-mode twice at one cycle"; grep mode "$tmp/stats.txt"; }

# What --help says of the defaults: --vcpus 2 implies trap; a positional
# IMAGE next to --vm is vm0.
expect 0 "trapeze statistics (mode trap)" "--vcpus 2 implies --mode trap" \
    -- "$T" run --vcpus 2 --stats "$G/hello.img"
expect 0 "[vm1] hello from a guest" "a positional IMAGE and --vm: two VMs" \
    -- "$T" run "$G/hello.img" --vm "$G/hello.img"
for key in disk console input; do
    expect 2 "bad --vm setting '$key=$tmp/b' (given twice for this VM)" "--vm with $key= twice" \
        -- "$T" run --vm "$G/hello.img,$key=$tmp/a,$key=$tmp/b"
done
for opt in --disk --console --input --stats-json --trace --trace-insns; do
    expect 2 "option '$opt' needs a file name" "$opt ''" -- "$T" run "$opt" '' "$G/hello.img"
done
expect 2 "the IMAGE is an empty file name" "run ''" -- "$T" run ''
expect 2 "the IMAGE is an empty file name" "compare ''" -- "$T" compare ''
expect 2 "IMAGE needs a file name, not an empty one" "audit ''" -- "$T" audit ''
expect 2 "option '--pv-image' needs a file name" "compare --pv-image ''" \
    -- "$T" compare --pv-image '' "$G/hello.img"
expect 2 "option '-o' needs a file name" "dot -o ''" -- "$T" dot exits -o '' "$G/hello.img"
# dot's output is checked before the guest runs (this one never ends).
mkdir -p "$tmp/odir"
expect 2 "option '-o' needs a file name, not the folder" "dot -o DIR, before running" \
    -- timeout 20 "$T" dot exits --mode trap -o "$tmp/odir" "$BUILD/tests/vmm/hostile/spin.img"
expect 2 "(a VM can switch to: trap, bt, pv, emulate)" "--switch-mode to an unknown mode" \
    -- "$T" run --mode trap --switch-mode 100:foo x.img
expect 2 "(a VM can switch to: trap, bt, pv, emulate)" "--switch-mode to bare" \
    -- "$T" run --mode trap --switch-mode 100:bare x.img
expect 2 "more than one IMAGE" "two images" -- "$T" run a.img b.img
expect 2 "several guests need a VMM mode" "several VMs on bare" -- "$T" run --bare --vm a.img --vm b.img
expect 2 "bad --vm setting 'color=red' (unknown setting: a VM takes disk=, console= and input=)" \
    "bad --vm setting" -- "$T" run --mode trap --vm a.img,color=red
expect 2 "bad --vm setting '' (an empty setting: a comma with nothing after it)" \
    "--vm with a trailing comma" -- "$T" run --mode trap --vm a.img,
expect 2 "bad --vm setting 'b' (expected IMAGE[,disk=F]" "--vm with a comma in a file name" \
    -- "$T" run --mode trap --vm a.img,disk=a,b
printf 'x' >"$tmp/shared.disk"
ln -s "$tmp/shared.disk" "$tmp/alias.disk"
expect 2 "cannot share the disk image" "two VMs, one disk" -- \
    "$T" run --mode trap --vm a.img,disk="$tmp/shared.disk" --vm b.img,disk="$tmp/alias.disk"

# ---- files that cannot be used -------------------------------------------------------
expect 1 "nothere.img: error:" "missing image" -- "$T" run "$tmp/nothere.img"
printf 'this is not an image' >"$tmp/junk.img"
expect 1 "junk.img: error:" "not an image" -- "$T" run --mode trap "$tmp/junk.img"
: >"$tmp/empty.img"
expect 1 "empty.img: error:" "empty image" -- "$T" run "$tmp/empty.img"
head -c 20 "$G/escape.img" >"$tmp/short.img"
expect 1 "short.img: error:" "truncated image" -- "$T" run "$tmp/short.img"
expect 1 "nodisk: error:" "missing disk" -- "$T" run --disk "$tmp/nodisk" "$G/idle.img"
printf 'odd' >"$tmp/odd.disk"
expect 1 "odd.disk: error:" "disk not a multiple of 512" -- "$T" run --mode trap --disk "$tmp/odd.disk" "$G/idle.img"
expect 1 "dir.json: error:" "unwritable stats file" -- "$T" run --mode trap --stats-json "$tmp/no/such/dir.json" "$G/hello.img"

# A setup that fails after the outputs are opened (a missing disk or input,
# an image that does not fit) ran nothing: every output keeps its old
# contents (isa/outfile.h), not a trace header or empty JSON.
old_kept() {
    name=$1 && shift
    for f in t.txt j.json c.txt; do echo OLD >"$tmp/$f"; done
    set +e
    "$@" >/dev/null 2>&1 </dev/null; got=$?
    set -e
    for f in t.txt j.json c.txt; do
        if [ "$(cat "$tmp/$f")" != OLD ]; then
            fail "$name: status $got, $f changed"; return
        fi
    done
    [ "$got" -eq 1 ] && pass "$name: outputs kept" || fail "$name: status $got"
}
old_kept "missing disk" "$T" run --mode trap --trace "$tmp/t.txt" --stats-json "$tmp/j.json" \
    --disk "$tmp/nonexistent.disk" "$G/hello.img"
old_kept "missing disk (bare)" "$T" run --bare --trace "$tmp/t.txt" --console "$tmp/c.txt" \
    --disk "$tmp/nonexistent.disk" "$G/hello.img"
old_kept "vm1's missing input" "$T" run --mode trap --vm "$G/hello.img,console=$tmp/c.txt" \
    --vm "$G/hello.img,input=$tmp/nonexist" --trace "$tmp/t.txt"
old_kept "an image that does not fit" "$T" run --mem 4K --stats-json "$tmp/j.json" "$G/hello.img"

# ---- console to a file, input from a file -------------------------------------------------
for mode in bare trap; do
    rm -f "$tmp/con.txt"
    expect 0 "" "--console FILE ($mode)" -- "$T" run --mode $mode --console "$tmp/con.txt" "$G/hello.img"
    if [ "$(cat "$tmp/con.txt")" = "hello from a guest" ]; then
        pass "--console FILE gets the output ($mode)"
    else
        fail "--console FILE gets the output ($mode)"
    fi
done
expect 2 "go with a positional IMAGE" "--console without IMAGE" -- "$T" run --console x --vm "$G/hello.img"
expect 1 "nowhere/con.txt: error:" "unwritable --console" -- "$T" run --console "$tmp/nowhere/con.txt" "$G/hello.img"
expect 1 "noinput: error:" "missing --input" -- "$T" run --input "$tmp/noinput" "$G/hello.img"
mkdir -p "$tmp/indir"
expect 1 "indir: error: is a directory" "--input DIR" -- "$T" run --input "$tmp/indir" "$G/hello.img"
expect 1 "indir: error: is a directory" "--vm ...,input=DIR" \
    -- "$T" run --mode trap --vm "$G/hello.img,input=$tmp/indir"
expect 1 "indir: error: is a directory" "compare --input DIR" \
    -- "$T" compare --input "$tmp/indir" "$G/hello.img"

# ---- how a run ends: the same status bare and in a VM ------------------------------------
# An escaped syscall is told at the syscall, though its EPC is the next one.
printf '_start: syscall\n        halt\n' >"$tmp/sys.s"
"$BUILD/bin/t32as" -o "$tmp/sys.img" "$tmp/sys.s"
for mode in bare trap; do
    expect 4 "syscall taken in kernel mode with tvec = 0, at pc 0x00001000 <_start>" \
        "escaped syscall ($mode)" -- "$T" run --mode $mode "$tmp/sys.img"
    expect 4 "unhandled trap: illegal taken in kernel mode with tvec = 0, at pc 0x00001008 <bad>" \
        "escape ($mode)" -- "$T" run --mode $mode "$G/escape.img"
    [ "$mode" = bare ] ||      # the trap it stopped at was delivered to no handler
        expect 4 "reflected traps                     0" "escape ($mode): no trap reflected" \
            -- "$T" run --mode $mode --stats "$G/escape.img"
    expect 5 "wfi with no timer" "idle for ever ($mode)" -- "$T" run --mode $mode "$G/idle.img"
    expect 3 "instruction limit reached after 5000 cycles" "instruction limit ($mode)" -- \
        "$T" run --mode $mode --max-insns 5000 "$BUILD/tests/vmm/hostile/spin.img"
done
expect 0 "hello from a guest" "halt ($mode)" -- "$T" run --mode $mode "$G/hello.img"
# The VMM's own memory, 4 MiB per VM (1024 frames, for the shadow tables
# and bt's copies), runs out; it must never stop or hang a guest that bare
# T32 runs.  Under bt every page that runs in kernel mode with a pushf in
# it gets a patched copy.  This kernel writes `pushf; pop r1; ret` into
# each page from 0x2000 up and calls it, page after page: more pages than
# frames.  bt drops copies it is not running (a cache, as VMware's
# translation cache was) and scans again.  With its stack in a 4 MiB region
# of its own, an instruction needs a shadow root and two L2 tables at once:
# if a reclaim freed room for one of them only, the next fault of the same
# instruction would take it back, for ever (hidden faults retire nothing:
# neither --max-insns nor the quantum would end it, and the other VMs
# would never run again).
for stack in 0x2000 0xf00000; do
    cat >"$tmp/copies.s" <<EOF
    .text
_start:
    la sp, $stack
    la r4, body
    ldw r5, 0(r4)
    ldw r6, 4(r4)
    ldw r7, 8(r4)
    la r8, 0x2000               ; the page being filled
    la r9, 1100                 ; pages: more than 1024
1:  stw r5, 0(r8)
    stw r6, 4(r8)
    stw r7, 8(r8)
    jalr lr, r8, 0
    la r1, 0x1000
    add r8, r8, r1
    subi r9, r9, 1
    bnez r9, 1b
    halt
body:
    pushf
    pop r1
    ret
EOF
    "$BUILD/bin/t32as" -o "$tmp/copies.img" "$tmp/copies.s"
    expect 0 "" "1100 pages with a pushf each, stack at $stack: bare T32 halts" -- \
        "$T" run --bare "$tmp/copies.img"
    expect 0 "" "1100 pages with a pushf each, stack at $stack: bt halts, its copies reclaimed" -- \
        timeout 60 "$T" run --mode bt "$tmp/copies.img"
    expect 0 "[vm1] hello from a guest" "1100 pages with a pushf each, stack at $stack: another VM runs too" -- \
        timeout 60 "$T" run --mode bt --vm "$tmp/copies.img" --vm "$G/hello.img"
done
# Several VMs: the first (in --vm order) that did not halt decides, and
# each message names its VM.
expect 4 "vm1: unhandled trap" "several VMs: status of the first failure" -- \
    "$T" run --mode trap --vm "$G/hello.img" --vm "$G/escape.img" --vm "$G/idle.img"
expect 5 "vm0: wfi with no timer" "several VMs: the first failure decides" -- \
    "$T" run --mode trap --vm "$G/idle.img" --vm "$G/escape.img"
expect 0 "[vm1] hello from a guest" "several VMs: prefixed output" -- \
    "$T" run --mode trap --vm "$G/hello.img" --vm "$G/hello.img"

# `run --help` names every kind of --trace line (report/trace.c's event_names).
"$T" run --help >"$tmp/help" 2>&1
events=$(sed -n '/event_names\[\] = {/,/};/p' vmm/report/trace.c | grep -o '= "[a-z]*"' | tr -d '="')
missing=""
for e in $events; do
    grep -q "[ (]$e[,;) ]" "$tmp/help" || missing="$missing $e"
done
[ -n "$events" ] && [ -z "$missing" ] && pass "run --help names every --trace event" ||
    fail "run --help does not name --trace's:$missing"

# ---- statistics ------------------------------------------------------------------------------
"$T" run --mode trap --stats --stats-json "$tmp/s.json" "$G/escape.img" >/dev/null 2>"$tmp/stats.txt" || true
for key in '"mode": "trap"' '"guest_insns": 3' '"direct_insns"' '"emulated_insns"' \
           '"exits_total"' '"exits_by_cause": {' '"illegal": 1' '"privileged": 1' \
           '"injected_irqs"' '"reflected_traps"' '"shadow_faults"'; do
    if grep -qF -- "$key" "$tmp/s.json"; then pass "stats json has $key"; else fail "stats json lacks $key"; fi
done
grep -q "exits" "$tmp/stats.txt" && pass "--stats prints a table" || fail "--stats prints no table"
# A mode's own counters are in its --stats table even when they are zero:
# bt's four (hello.img has no pushf/popf to patch, no patched page written)
# and pv's hypercalls (an unmodified guest makes none).
"$T" run --mode bt --stats "$G/hello.img" >/dev/null 2>"$tmp/stats.txt"
if grep -q "^  pages scanned (bt) *1$" "$tmp/stats.txt" &&
   grep -q "^  instructions patched *0$" "$tmp/stats.txt" &&
   grep -q "^  patch exits *0$" "$tmp/stats.txt" &&
   grep -q "^  patched pages written *0$" "$tmp/stats.txt"; then
    pass "--stats under bt: bt's counters, zeros included"
else
    fail "--stats under bt: bt's counters, zeros included"; cat "$tmp/stats.txt"
fi
"$T" run --mode pv --stats "$G/hello.img" >/dev/null 2>"$tmp/stats.txt"
"$T" run --mode trap --switch-mode 5:pv --stats "$G/hello.img" >/dev/null 2>"$tmp/sw.txt"
if grep -q "^  hypercalls *0$" "$tmp/stats.txt" && grep -q "^  hypercalls *0$" "$tmp/sw.txt"; then
    pass "--stats under pv: hypercalls, zero included"
else
    fail "--stats under pv: hypercalls, zero included"; cat "$tmp/stats.txt" "$tmp/sw.txt"
fi
"$T" run --mode trap --stats "$G/hello.img" >/dev/null 2>"$tmp/stats.txt"
if grep -q "patch\|scanned\|hypercalls" "$tmp/stats.txt"; then
    fail "--stats under trap shows bt's or pv's counters"; cat "$tmp/stats.txt"
else
    pass "--stats under trap: no bt or pv rows"
fi
# After --switch-mode the statistics name the mode the VM ended in.
"$T" run --mode trap --switch-mode 50:bt --stats --stats-json "$tmp/sw.json" "$G/counter.img" \
    >/dev/null 2>"$tmp/stats.txt"
if grep -qF "trapeze statistics (mode bt; started in trap, bt at cycle 50)" "$tmp/stats.txt" &&
   grep -qF '"mode": "bt"' "$tmp/sw.json"; then
    pass "--stats after --switch-mode: the final mode"
else
    fail "--stats after --switch-mode: the final mode"; grep mode "$tmp/stats.txt" "$tmp/sw.json"
fi
# A switch to the mode the VM is in changes nothing, and the title does not
# list it (as --trace has no `mode` line for it).
"$T" run --mode trap --switch-mode 30:trap --switch-mode 50:bt --switch-mode 60:bt --stats \
    "$G/counter.img" >/dev/null 2>"$tmp/stats.txt"
if grep -qF "trapeze statistics (mode bt; started in trap, bt at cycle 50)" "$tmp/stats.txt"; then
    pass "--stats after --switch-mode to the mode a VM is in: no switch listed"
else
    fail "--stats after --switch-mode to the mode a VM is in"; grep mode "$tmp/stats.txt"
fi

# Each VM's JSON names its own final mode; the totals say "mixed" only when
# they differ (hello halts before cycle 1000, counter switches there).
"$T" run --mode trap --max-insns 5000 --switch-mode 1000:bt --stats-json "$tmp/mix.json" \
    --vm "$G/hello.img" --vm "$G/counter.img" >/dev/null 2>&1 || true
if [ "$(grep '"mode"' "$tmp/mix.json" | tr -d ' ,\n')" = '"mode":"mixed""mode":"trap""mode":"bt"' ]; then
    pass "--stats-json after --switch-mode: each VM's own final mode"
else
    fail "--stats-json after --switch-mode: each VM's own final mode"; grep mode "$tmp/mix.json"
fi
"$T" run --mode trap --switch-mode 50:bt --stats-json "$tmp/same.json" \
    --vm "$G/counter.img" --vm "$G/counter.img" >/dev/null 2>&1 || true
if ! grep -q mixed "$tmp/same.json" && [ "$(grep -c '"mode": "bt"' "$tmp/same.json")" -eq 3 ]; then
    pass "--stats-json: one final mode for all, not mixed"
else
    fail "--stats-json: one final mode for all, not mixed"; grep mode "$tmp/same.json"
fi

# ---- --max-insns with several vCPUs: each runs to the limit, whatever the quantum --------------
# (The VM used to stop when its first vCPU got there, the others wherever
# the quantum had left them: 150000 + 140000 instructions with the default
# quantum, other sums with others.)
for q in 10000 7; do
    "$T" run --vcpus 2 --max-insns 150000 --quantum "$q" --stats-json "$tmp/v$q.json" \
        "$G/counter.img" >/dev/null 2>&1 || true
done
if grep -q '"guest_insns": 300000,' "$tmp/v10000.json" && grep -q '"guest_insns": 300000,' "$tmp/v7.json"; then
    pass "--max-insns with --vcpus 2: each vCPU runs the limit, the same for every --quantum"
else
    fail "--max-insns with --vcpus 2: each vCPU runs the limit, the same for every --quantum"
    grep guest_insns "$tmp/v10000.json" "$tmp/v7.json"
fi

# A second vCPU parked in a dead wfi does not end the VM while vCPU 0 runs
# (it used to, before vCPU 0 printed, with a small quantum).
"$BUILD/bin/t32as" -o "$tmp/park.img" tests/vmm/guests/park.s
for q in 10000 1; do
    expect 5 "trapeze: vcpu1: wfi with no timer or disk transfer that could wake it, at pc" \
        "--vcpus 2, vCPU 1 parked, --quantum $q: status 5" \
        -- "$T" run --vcpus 2 --quantum "$q" "$tmp/park.img"
    "$T" run --vcpus 2 --quantum "$q" "$tmp/park.img" >"$tmp/park.out" 2>/dev/null || true
    [ "$(cat "$tmp/park.out")" = "A" ] && pass "--vcpus 2, vCPU 1 parked, --quantum $q: vCPU 0 runs to its halt" ||
        fail "--vcpus 2, vCPU 1 parked, --quantum $q: vCPU 0 runs to its halt"
done

# --trace-insns with several vCPUs: a line for each vCPU's instruction,
# named vm0.N as --trace names them (two vCPUs at the same cycle and pc
# used to be taken for one retried instruction, and half the lines lost).
"$T" run --vcpus 2 --quantum 1 --trace-insns "$tmp/v2.itrace" "$G/hello.img" >/dev/null 2>&1
if [ "$(grep -vc '^#' "$tmp/v2.itrace")" -eq 200 ] &&
   grep -q '^vm0\.1  *0 00001000 ' "$tmp/v2.itrace"; then
    pass "--trace-insns --vcpus 2: every vCPU's every instruction, named vm0.N"
else
    fail "--trace-insns --vcpus 2: every vCPU's every instruction, named vm0.N"
    head -n 5 "$tmp/v2.itrace"
fi

# ---- --trace -----------------------------------------------------------------------------------
# A header names the columns; each line has the guest's virtual K and IE.
"$T" run --mode trap --trace "$tmp/trace.txt" "$G/escape.img" >/dev/null 2>&1 || true
if head -n 1 "$tmp/trace.txt" | grep -q '^# vm .* cycle .* pc K IE event' &&
   grep -q '^vm0 .* 00001004 1  0 emulate  out 0x10$' "$tmp/trace.txt" &&
   grep -q '^vm0 .* 00001008 1  0 reflect  illegal$' "$tmp/trace.txt"; then
    pass "--trace shows emulation and reflection, with virtual K and IE"
else
    fail "--trace shows emulation and reflection, with virtual K and IE"; cat "$tmp/trace.txt"
fi
expect 4 "2 00001008 1  0 trap     illegal" "--trace on bare shows the traps taken" \
    -- "$T" run --trace - "$G/escape.img"
"$T" run --mode trap --trace - "$G/hello.img" >"$tmp/out" 2>/dev/null
grep -q "emulate  out 0x10" "$tmp/out" && pass "--trace - goes to stdout" || fail "--trace - goes to stdout"

# ---- --trace-insns: every instruction, bare and in a VM, the same -------------------------------
"$T" run --bare --trace-insns "$tmp/bare.itrace" "$G/hello.img" >/dev/null
"$T" run --mode trap --trace-insns "$tmp/trap.itrace" "$G/hello.img" >/dev/null
if grep -q '^bare  *0 00001000 1  0 [0-9a-f]\{8\} ' "$tmp/bare.itrace" &&
   [ "$(grep -vc '^#' "$tmp/bare.itrace")" -eq 100 ] &&
   [ "$(sed 's/^bare/vm0 /' "$tmp/bare.itrace")" = "$(cat "$tmp/trap.itrace")" ]; then
    pass "--trace-insns: one line per instruction, the same bare and in a VM"
else
    fail "--trace-insns: one line per instruction, the same bare and in a VM"
    diff "$tmp/bare.itrace" "$tmp/trap.itrace" | head -n 10
fi
# A wfi is one instruction however long it idles: bare T32 idles a cycle
# at a time, a VM to the next event at once; both write it once.
for m in bare trap emulate; do
    "$T" run --mode $m --trace-insns "$tmp/$m.itrace" --console /dev/null \
        "$BUILD/examples/timer.img" >/dev/null
done
if [ "$(grep -c ' wfi' "$tmp/bare.itrace")" -eq 2 ] &&
   [ "$(sed 's/^bare/vm0 /' "$tmp/bare.itrace")" = "$(cat "$tmp/trap.itrace")" ] &&
   cmp -s "$tmp/trap.itrace" "$tmp/emulate.itrace"; then
    pass "--trace-insns: a wfi is one line, bare and in a VM"
else
    fail "--trace-insns: a wfi is one line, bare and in a VM"
    diff "$tmp/bare.itrace" "$tmp/trap.itrace" | head -n 10
fi

# ---- a newcomer's conveniences ---------------------------------------------------------------------
expect 0 "trapeze 0." "trapeze --version" -- "$T" --version
"$T" run --mode trap --stats-json - "$G/hello.img" >"$tmp/out" 2>&1
if grep -q '"guest_insns": 100' "$tmp/out" && [ ! -e ./- ]; then
    pass "--stats-json - writes to stdout"
else
    fail "--stats-json - writes to stdout"; cat "$tmp/out"
fi
# Structured data on stdout stays parseable: the console moves to stderr.
"$T" run --mode trap --stats-json - "$G/hello.img" >"$tmp/out" 2>"$tmp/err"
if python3 -c 'import json,sys; json.load(sys.stdin)' <"$tmp/out" 2>/dev/null &&
   grep -q "hello from a guest" "$tmp/err"; then
    pass "--stats-json -: JSON alone on stdout, the console on stderr"
else
    fail "--stats-json -: JSON alone on stdout, the console on stderr"; cat "$tmp/out"
fi
for opt in --trace --trace-insns; do
    "$T" run --mode trap $opt - "$G/hello.img" >"$tmp/out" 2>"$tmp/err"
    if ! grep -q "hello" "$tmp/out" && grep -q "hello from a guest" "$tmp/err"; then
        pass "$opt -: the console on stderr"
    else
        fail "$opt -: the console on stderr"; head -n 5 "$tmp/out"
    fi
done
"$T" run --mode trap --stats-json /dev/stdout "$G/hello.img" >"$tmp/out" 2>"$tmp/err"
if python3 -c 'import json,sys; json.load(sys.stdin)' <"$tmp/out" 2>/dev/null &&
   grep -q "hello from a guest" "$tmp/err"; then
    pass "--stats-json /dev/stdout: JSON alone on stdout, the console on stderr"
else
    fail "--stats-json /dev/stdout: JSON alone on stdout, the console on stderr"; cat "$tmp/out"
fi
expect 2 "--trace and --stats-json cannot both write to standard output" "--trace - --stats-json -" \
    -- "$T" run --mode trap --trace - --stats-json - "$G/hello.img"
expect 2 "--trace-insns and --stats-json cannot both" "--trace-insns /dev/stdout --stats-json -" \
    -- "$T" run --trace-insns /dev/stdout --stats-json - "$G/hello.img"
"$T" run --mode trap --vm "$G/hello.img" --vm "$G/hello.img" --trace - >"$tmp/out" 2>"$tmp/err"
if ! grep -q "hello" "$tmp/out" && grep -q "^\[vm1\] hello from a guest" "$tmp/err"; then
    pass "--trace - with several VMs: the prefixed consoles on stderr"
else
    fail "--trace - with several VMs: the prefixed consoles on stderr"
fi
"$T" run --mode trap --trace - --console "$tmp/con2.txt" "$G/hello.img" >/dev/null 2>&1
grep -q "hello from a guest" "$tmp/con2.txt" && pass "--trace - keeps --console FILE" \
    || fail "--trace - keeps --console FILE"
"$T" run --bare --stats "$G/hello.img" >/dev/null 2>"$tmp/out"
if grep -q "guest instructions" "$tmp/out" && ! grep -q "exits\|emulated\|hidden" "$tmp/out"; then
    pass "--stats --bare shows no VMM rows"
else
    fail "--stats --bare shows no VMM rows"; cat "$tmp/out"
fi
expect 0 "[vm1] hello from a guest" "--vm twice implies a VMM mode" \
    -- "$T" run --vm "$G/hello.img" --vm "$G/hello.img"

# ---- numbers are checked for range and overflow -------------------------------------------------------
expect 2 "bad --mem" "--mem that would wrap" -- "$T" run --mem 17592186044417M "$G/hello.img"
expect 2 "bad --mem" "--mem over 256M" -- "$T" run --mem 257M "$G/hello.img"
expect 2 "bad --max-insns" "--max-insns past 2^64" -- "$T" run --max-insns 18446744073709551616 "$G/hello.img"
expect 2 "bad --quantum" "--quantum past 32 bits" -- "$T" run --mode trap --quantum 4294967296 "$G/hello.img"
expect 2 "bad --vcpus" "--vcpus 0" -- "$T" run --mode trap --vcpus 0 "$G/hello.img"
expect 2 "bad --vcpus" "--vcpus 9" -- "$T" run --mode trap --vcpus 9 "$G/hello.img"
expect 0 "" "--mem 16384K" -- "$T" run --mem 16384K "$G/hello.img"
expect 2 "do not fit in the machine's 1 GiB" "four VMs of 256M: a command-line problem" \
    -- "$T" run --mode trap --mem 256M --vm "$G/hello.img" --vm "$G/hello.img" \
    --vm "$G/hello.img" --vm "$G/hello.img"
expect 0 "" "three VMs of 256M fit" \
    -- "$T" run --mode trap --mem 256M --vm "$G/hello.img" --vm "$G/hello.img" --vm "$G/hello.img"

# ---- no file named twice, nothing lost ---------------------------------------------------------------
cp "$BUILD/guestos/default.disk" "$tmp/g.disk"
cksum "$tmp/g.disk" >"$tmp/g.sum"
expect 2 "is both" "a console that is another VM's disk" \
    -- "$T" run --mode trap --vm "$G/hello.img,disk=$tmp/g.disk" --vm "$G/hello.img,console=$tmp/g.disk"
expect 2 "is both" "a console that is the disk (bare)" \
    -- "$T" run --disk "$tmp/g.disk" --console "$tmp/g.disk" "$G/hello.img"
expect 2 "is both" "two VMs, one console file" \
    -- "$T" run --vm "$G/hello.img,console=$tmp/c.txt" --vm "$G/hello.img,console=$tmp/c.txt"
expect 2 "is both" "--trace onto the image" -- "$T" run --mode trap --trace "$G/hello.img" "$G/hello.img"
expect 2 "is both" "--stats-json onto the console file" \
    -- "$T" run --console "$tmp/c.txt" --stats-json "$tmp/c.txt" "$G/hello.img"
# dot's -o is one of the files too: never the disk, the image, the console
# or a trace.
cp "$G/hello.img" "$tmp/h.img"
cksum "$tmp/h.img" >"$tmp/h.sum"
expect 2 "is both" "dot -o onto the disk" \
    -- "$T" dot exits --mode trap "$G/hello.img" --disk "$tmp/g.disk" -o "$tmp/g.disk"
expect 2 "is both" "dot -o onto the image" -- "$T" dot exits --mode trap "$tmp/h.img" -o "$tmp/h.img"
expect 2 "is both" "dot -o onto the console file" \
    -- "$T" dot exits --mode trap "$G/hello.img" -o "$tmp/c.txt" --console "$tmp/c.txt"
expect 2 "is both" "dot -o onto the trace" \
    -- "$T" dot exits --mode trap "$G/hello.img" -o "$tmp/d.svg" --trace "$tmp/d.svg"
cksum "$tmp/h.img" | cmp -s - "$tmp/h.sum" && pass "the image survived dot" || fail "dot changed the image"
cksum "$tmp/g.disk" | cmp -s - "$tmp/g.sum" && pass "the disk survived" || fail "the disk was changed"
# A file not made yet is the same file however it is spelled.
mkdir "$tmp/sub"
expect 2 "is both vm0's console and vm1's console" "two VMs, one new console file spelled twice" \
    -- "$T" run --vm "$G/hello.img,console=$tmp/n.txt" --vm "$G/counter.img,console=$tmp/./n.txt"
expect 2 "is both --trace and --stats-json" "--trace and --stats-json, one new file spelled twice" \
    -- "$T" run --trace "$tmp/n6.txt" --stats-json "$tmp/sub/../n6.txt" "$G/hello.img"
[ ! -e "$tmp/n.txt" ] && [ ! -e "$tmp/n6.txt" ] && pass "nothing written after a file named twice" ||
    fail "a file named twice was written"
expect 0 "" "/dev/null for every output" \
    -- "$T" run --mode trap --console /dev/null --trace /dev/null --stats-json /dev/null "$G/hello.img"

# /dev/stdout names the descriptor: written where it stands (here, appended
# to a file), never renamed over the file.  It is standard output as "-"
# is: the guest's console moves to stderr.
printf 'prev\n' >"$tmp/f"
set +e
"$T" run --bare "$G/hello.img" --trace /dev/stdout >>"$tmp/f" 2>"$tmp/err"; got=$?
set -e
if [ "$got" -eq 0 ] && [ "$(head -n 1 "$tmp/f")" = prev ] && grep -q '^# vm .* cycle' "$tmp/f" &&
   ! grep -q "hello from a guest" "$tmp/f" && grep -q "hello from a guest" "$tmp/err"; then
    pass "--trace /dev/stdout: appended, the console on stderr"
else
    fail "--trace /dev/stdout: status $got"; cat "$tmp/f" "$tmp/err"
fi
# ... but a file that is both standard output and an output replaced by
# rename is named twice.
set +e
"$T" run --trace /dev/stdout --stats-json "$tmp/f" "$G/hello.img" >"$tmp/f" 2>"$tmp/err"; got=$?
set -e
[ "$got" -eq 2 ] && grep -q "is both --trace and --stats-json" "$tmp/err" &&
    pass "--trace /dev/stdout onto --stats-json's file" ||
    { fail "--trace /dev/stdout onto --stats-json's file: status $got"; cat "$tmp/err"; }

# ---- write errors are reported ---------------------------------------------------------------------------
if [ -w /dev/full ]; then
    expect 1 "console output (/dev/full): No space left on device" "--console /dev/full" -- "$T" run --console /dev/full "$G/hello.img"
    expect 1 "--trace: write failed" "--trace /dev/full" -- "$T" run --mode trap --trace /dev/full "$G/hello.img"
    expect 1 "--stats-json: write failed" "--stats-json /dev/full" -- "$T" run --stats-json /dev/full "$G/hello.img"
    for mode in bare trap; do
        set +e
        "$T" run --mode $mode --stats "$G/hello.img" >/dev/null 2>/dev/full; got=$?
        set -e
        [ "$got" -eq 1 ] && pass "--stats onto a full stderr ($mode)" ||
            fail "--stats onto a full stderr ($mode): status $got"
    done
    set +e
    "$T" run "$G/hello.img" >/dev/full 2>"$tmp/err"; got=$?
    set -e
    if [ "$got" -eq 1 ] && grep -q "No space left on device" "$tmp/err"; then
        pass "stdout on /dev/full"
    else
        fail "stdout on /dev/full: status $got"; cat "$tmp/err"
    fi
fi

# A write that failed is status 1 whatever the guests' ends - the limit
# (3), an escaped trap (4), another VM's end: what the run made is not all
# there, and a script must not take 3 for "the limit, the output whole".
"$BUILD/bin/t32as" -D COUNT=10000 -o "$tmp/noline.img" tests/vmm/guests/noline.s
spin=$BUILD/tests/vmm/hostile/spin.img
if [ -w /dev/full ]; then
    for mode in bare trap; do
        expect 1 "console output (/dev/full): No space left on device" "--console /dev/full at the limit ($mode)" \
            -- "$T" run --mode $mode --max-insns 50 --console /dev/full "$tmp/noline.img"
        expect 1 "--trace: write failed" "--trace /dev/full at the limit ($mode)" \
            -- "$T" run --mode $mode --max-insns 50 --trace /dev/full "$tmp/noline.img"
        expect 1 "--stats-json: write failed" "--stats-json /dev/full at the limit ($mode)" \
            -- "$T" run --mode $mode --max-insns 50 --stats-json /dev/full "$tmp/noline.img"
        expect 1 "console output (/dev/full): No space left on device" "--console /dev/full, a trap escapes ($mode)" \
            -- "$T" run --mode $mode --console /dev/full "$G/escape.img"
        set +e
        "$T" run --mode $mode --max-insns 50 --stats "$tmp/noline.img" >/dev/null 2>/dev/full; got=$?
        "$T" run --mode $mode "$G/escape.img" >/dev/full 2>"$tmp/err"; got2=$?
        set -e
        [ "$got" -eq 1 ] && pass "--stats onto a full stderr at the limit ($mode)" ||
            fail "--stats onto a full stderr at the limit ($mode): status $got"
        [ "$got2" -eq 1 ] && grep -q "No space left on device" "$tmp/err" &&
            pass "stdout on /dev/full, a trap escapes ($mode)" ||
            { fail "stdout on /dev/full, a trap escapes ($mode): status $got2"; cat "$tmp/err"; }
    done
    expect 1 "vm1: stopped after" "vm0 at its limit first, vm1's console on /dev/full" \
        -- "$T" run --max-insns 100000 --vm "$spin" --vm "$tmp/noline.img,console=/dev/full"
fi

# A closed pipe is a write error like /dev/full: a message and status 1,
# not a silent death by SIGPIPE (status 141).  The pipe's reading end is
# closed before trapeze starts, with SIGPIPE at its default as a shell
# leaves it.  (A help longer than stdio's buffer fails before its last
# flush, which is then all that is left to say: "failed", without EPIPE.)
closed_pipe() {
    python3 -c 'import os, subprocess, sys
r, w = os.pipe()
os.close(r)
rc = subprocess.call(sys.argv[1:], stdout=w, stdin=subprocess.DEVNULL, restore_signals=True)
sys.exit(rc if rc >= 0 else 128 - rc)' "$@"
}
for args in "run --mode trap $G/counter.img" "run --bare $G/counter.img" "--help" "--version" \
            "run --help" "compare --help" "audit --help" "audit $G/hello.img"; do
    set +e
    # shellcheck disable=SC2086  # the arguments are meant to split
    closed_pipe "$T" $args 2>"$tmp/err"; got=$?
    set -e
    if [ "$got" -eq 1 ] && grep -q "Broken pipe\|writing standard output failed" "$tmp/err"; then
        pass "trapeze $args | (closed): status 1, said why"
    else
        fail "trapeze $args | (closed): status $got"; cat "$tmp/err"
    fi
done

# What --help and --version print is checked as any output is.
if [ -w /dev/full ]; then
    for args in "--help" "--version" "run --help" "compare --help" "audit --help" "dot --help" \
                "debug --help"; do
        set +e
        # shellcheck disable=SC2086  # the arguments are meant to split
        "$T" $args >/dev/full 2>"$tmp/err"; got=$?
        set -e
        if [ "$got" -eq 1 ] && grep -q "error: writing standard output failed" "$tmp/err"; then
            pass "trapeze $args >/dev/full: status 1"
        else
            fail "trapeze $args >/dev/full: status $got"; cat "$tmp/err"
        fi
    done
fi

# A file with no write permission bit is never replaced, even by root (who
# could write it: the mode is the owner's "keep this").
printf 'keep\n' >"$tmp/ro.txt"
chmod 444 "$tmp/ro.txt"
for opt in --console --trace --stats-json; do
    expect 1 "ro.txt: error: cannot write: Permission denied" "$opt onto a read-only file" \
        -- "$T" run --mode trap "$opt" "$tmp/ro.txt" "$G/hello.img"
done
[ "$(cat "$tmp/ro.txt")" = keep ] && pass "a read-only file is kept" ||
    fail "a read-only file was replaced: $(cat "$tmp/ro.txt")"
chmod 644 "$tmp/ro.txt"

# With stdout closed, the trace's temporary must not take descriptor 1 and
# get the guest's console: the console's write fails (status 1).
set +e
"$T" run --trace "$tmp/closed.txt" "$G/hello.img" >&- 2>"$tmp/err"; got=$?
set -e
if [ "$got" -eq 1 ] && ! grep -q hello "$tmp/closed.txt" && grep -q '^# vm' "$tmp/closed.txt"; then
    pass "stdout closed: the console is not in the trace"
else
    fail "stdout closed: status $got"; cat "$tmp/closed.txt" "$tmp/err"
fi

# ---- Ctrl-C and kill leave no temporaries ---------------------------------------------------------
# A guest that never halts, its console and trace in files (each written
# to a temporary until the end): stopped by SIGTERM, the run removes the
# temporaries and ends with status 128 + signal; stopped by SIGINT (Ctrl-C),
# it writes them, as at any end - but timeout(1) sends its signal to the
# process and again to its group, and a second Ctrl-C removes them
# (tests/vmm/interrupt.sh sends one, and checks the rest) - and in no case
# is a temporary left.  (A shell running this in the
# background starts it with SIGINT ignored: then timeout's -k ends it,
# status 137, and that case is skipped.)
for sig in INT:130:t.txt_trace.txt TERM:143:; do
    files=$(echo "${sig##*:}" | tr _ '\n') sig=${sig%:*}
    want=${sig#*:} sig=${sig%:*}
    rm -rf "$tmp/sig" && mkdir "$tmp/sig"
    set +e
    timeout -k 5 --preserve-status -s $sig 1 "$T" run --mode trap --console "$tmp/sig/t.txt" \
        --trace "$tmp/sig/trace.txt" "$BUILD/tests/vmm/hostile/spin.img" </dev/null 2>/dev/null
    got=$?
    set -e
    left=$(ls -A "$tmp/sig")
    if [ "$got" -eq 137 ]; then
        echo "SKIP SIG$sig: ignored by this shell"
    elif [ "$got" -eq "$want" ] && { [ "$left" = "$files" ] || [ -z "$left" ]; }; then
        pass "SIG$sig: status $got, no temporaries left"
    else
        fail "SIG$sig: status $got, left: $left"
    fi
done

# An --input fifo that no process writes is read as ended after a short
# grace (isa/outfile.h, as every tool's input), never waited for in open()
# for ever; one whose writer comes later is read as it arrives.
mkfifo "$tmp/nowriter"
set +e
timeout 30 "$T" run --mode trap --input "$tmp/nowriter" "$BUILD/examples/hello.img" \
    >"$tmp/out" 2>&1 </dev/null
got=$?
set -e
if [ "$got" -eq 0 ] && grep -q "hello, world" "$tmp/out"; then
    pass "--input: a fifo nobody writes reads as ended"
else
    fail "--input: a fifo nobody writes: status $got"; cat "$tmp/out"
fi
(sleep 1; printf 'pid\nexit\n' >"$tmp/nowriter") &
set +e
timeout 30 "$T" run --bare --input "$tmp/nowriter" "$BUILD/guestos/kernel.img" \
    --disk "$BUILD/guestos/shell.disk" >"$tmp/out" 2>&1 </dev/null
got=$?
set -e
wait
if [ "$got" -eq 0 ] && grep -q "^> bye" "$tmp/out"; then
    pass "--input: a fifo whose writer comes later is read"
else
    fail "--input: a fifo whose writer comes later: status $got"; cat "$tmp/out"
fi

# Every key --stats-json writes is in vmm/README.md's table of them.
"$T" run --mode bt --stats-json "$tmp/keys.json" "$G/hello.img" >/dev/null 2>&1
keys=$(sed -n 's/^  "\([a-z_]*\)":.*/\1/p' "$tmp/keys.json" | grep -v '^mode$')
[ -n "$keys" ] || fail "--stats-json: no keys found"
for k in $keys; do
    grep -q "^  | \`$k\` |" vmm/README.md || fail "--stats-json key $k is not in vmm/README.md's table"
done
pass "--stats-json: every key documented"

echo "trapeze_cli: $failures failures"
[ "$failures" -eq 0 ]
