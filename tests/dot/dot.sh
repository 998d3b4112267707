#!/bin/sh
# tests/dot/dot.sh - `trapeze dot`: every kind of graph, bare and under the
# VMM, is valid DOT (Graphviz's `dot -Tsvg` accepts it) and shows what it
# should; .svg/.png outputs are rendered; mistakes are clear errors; the
# committed diagrams of docs/diagrams/ render and are up to date.
set -eu
BUILD="${BUILD:-build}"
T="$BUILD/bin/trapeze"
G="$BUILD/guestos"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM   # the EXIT trap then runs
fail() { echo "FAIL: $*"; exit 1; }
command -v dot >/dev/null || fail "Graphviz's dot is not installed"

# Every graph is valid: dot renders it.
valid() {       # valid NAME: $tmp/NAME.dot must render
    dot -Tsvg "$tmp/$1.dot" -o "$tmp/$1.svg" 2>"$tmp/err" || fail "$1: dot rejects it: $(cat "$tmp/err")"
    [ -s "$tmp/$1.svg" ] || fail "$1: empty svg"
}
for mode in trap bt emulate bare; do
    cp "$G/default.disk" "$tmp/d.disk"
    "$T" dot vms --mode $mode --disk "$tmp/d.disk" --at 300000 "$G/kernel.img" \
        -o "$tmp/vms-$mode.dot" >/dev/null </dev/null
    valid "vms-$mode"
    "$T" dot pagetable 0x00400010 --mode $mode --disk "$tmp/d.disk" --at 300000 \
        "$G/kernel.img" -o "$tmp/pt-$mode.dot" >/dev/null </dev/null
    valid "pt-$mode"
    grep -q 'PTBR' "$tmp/pt-$mode.dot" || fail "pagetable $mode: no PTBR"
    grep -q 'L2 entry 0 at' "$tmp/pt-$mode.dot" || fail "pagetable $mode: no L2 entry"
    [ $mode = bare ] && continue
    "$T" dot exits --mode $mode --disk "$tmp/d.disk" "$G/kernel.img" -o "$tmp/exits-$mode.dot" \
        >/dev/null </dev/null
    valid "exits-$mode"
    grep -q 'host physical' "$tmp/pt-$mode.dot" || fail "pagetable $mode: no host physical"
    grep -q 'shadow' "$tmp/pt-$mode.dot" || fail "pagetable $mode: no shadow entry"
done
# emulate mode keeps no shadow tables; an address the guest's own tables
# do not map has no shadow entry to fill (its fault is the guest's).
grep -q 'no shadow tables' "$tmp/pt-emulate.dot" || fail "pagetable emulate: no 'no shadow tables'"
! grep -q 'hidden page fault' "$tmp/pt-emulate.dot" || fail "pagetable emulate: a hidden page fault"
"$T" dot pagetable 0xdeadb000 --mode trap --disk "$tmp/d.disk" --at 300000 "$G/kernel.img" \
    -o "$tmp/pt-unmapped.dot" >/dev/null </dev/null
valid pt-unmapped
grep -q 'load-fault' "$tmp/pt-unmapped.dot" || fail "pagetable unmapped: no fault"
! grep -q 'hidden page fault' "$tmp/pt-unmapped.dot" || fail "pagetable unmapped: a hidden page fault"
cp "$G/kernel-pv.img" "$tmp/" && cp "$G/default.disk" "$tmp/d.disk"
"$T" dot exits --mode pv --disk "$tmp/d.disk" "$tmp/kernel-pv.img" -o "$tmp/exits-pv.dot" >/dev/null </dev/null
valid exits-pv
grep -q 'hypercall' "$tmp/exits-pv.dot" || fail "exits pv: no hypercalls"
grep -q 'bt patch' "$tmp/exits-bt.dot" || fail "exits bt: no patch exits"
grep -q 'syscall' "$tmp/exits-trap.dot" || fail "exits trap: no syscall exits"
# Each cause's edges carry its exits, one route each: they add up to the
# cause's count.  Under trap an illegal instruction is never emulated.
for m in trap bt pv; do
    awk '/^  cause[0-9]+ \[/ { split($0, a, "\\\\n"); split(a[2], b, " "); want[$1] = b[1] }
         /^  cause[0-9]+ -> / { if ($0 !~ /label="[0-9]+"/) { print "unlabelled: " $0; bad = 1 }
                                match($0, /label="[0-9]+"/); got[$1] += substr($0, RSTART + 7, RLENGTH - 8) }
         END { for (c in want) if (got[c] != want[c]) { print c ": " got[c] + 0 " of " want[c]; bad = 1 }
               exit bad }' "$tmp/exits-$m.dot" >"$tmp/sums" ||
        fail "exits $m: the edges do not add up: $(cat "$tmp/sums")"
done
! grep -q 'cause1 -> emulate' "$tmp/exits-trap.dot" || fail "exits trap: illegal -> emulate"
# The edges into the emulate box add up to its count too: bt's patched
# originals and run-on, pv's hypercalls and emulate mode's interpreter come
# in by edges of their own.
for m in trap bt pv emulate; do
    awk '/^  emulate \[/ { split($0, a, "\\\\n"); split(a[3], b, " "); want = b[1] }
         / -> emulate \[/ { match($0, /label="[0-9]+/); got += substr($0, RSTART + 7, RLENGTH - 7) }
         END { if (got != want) { print got + 0 " of " want; exit 1 } }' \
        "$tmp/exits-$m.dot" >"$tmp/sums" ||
        fail "exits $m: the edges into emulate do not add up: $(cat "$tmp/sums")"
done
# The counts are the --stats counts.
cp "$G/default.disk" "$tmp/d.disk"
n=$("$T" run --mode trap --stats --disk "$tmp/d.disk" "$G/kernel.img" </dev/null 2>&1 >/dev/null |
    awk '/^  exits /{print $2}')
grep -q "trap): $n exits" "$tmp/exits-trap.dot" || fail "exits trap: total is not $n"
# --at with --switch-mode: the VM switches on the way, as under trapeze run.
"$T" dot exits --mode trap --switch-mode 100000:bt --disk "$tmp/d.disk" --at 200000 \
    "$G/kernel.img" -o "$tmp/exits-switch.dot" >/dev/null </dev/null
valid exits-switch
grep -q 'vm0 (bt): ' "$tmp/exits-switch.dot" || fail "--at past a --switch-mode: not in bt"
# --at runs as trapeze run does, to that time: --stats at the end, and a
# bare guest's --trace-insns (one line per instruction, after its header).
"$T" dot exits --mode trap --stats --disk "$tmp/d.disk" --at 50000 "$G/kernel.img" \
    -o "$tmp/exits-at.dot" 2>"$tmp/at.err" >/dev/null </dev/null
grep -q '^  guest instructions  *50000$' "$tmp/at.err" || fail "--at with --stats: $(cat "$tmp/at.err")"
"$T" dot vms --bare --trace-insns "$tmp/at.trace" --at 1000 "$G/kernel.img" --disk "$tmp/d.disk" \
    -o "$tmp/vms-at.dot" >/dev/null 2>&1 </dev/null
[ "$(wc -l <"$tmp/at.trace")" -eq 1001 ] || fail "--at with --trace-insns, bare: $(wc -l <"$tmp/at.trace") lines"

# Several VMs: each with its RAM in host memory, vCPUs on the pCPU.
"$T" dot vms --mode trap --vm "$BUILD/examples/hello.img" --vm "$BUILD/examples/timer.img" \
    -o "$tmp/two.dot" >/dev/null </dev/null
valid two
grep -q 'vm1 RAM' "$tmp/two.dot" || fail "vms: no vm1 RAM"
grep -q 'VMM memory' "$tmp/two.dot" || fail "vms: no VMM memory"

# No -o: the DOT text alone on stdout; the guests' console output on stderr.
cp "$G/default.disk" "$tmp/d.disk"
"$T" dot exits --mode trap --disk "$tmp/d.disk" --at 200000 "$G/kernel.img" \
    >"$tmp/stdout.dot" 2>"$tmp/stdout.err" </dev/null
head -n 1 "$tmp/stdout.dot" | grep -q '^digraph' || fail "no -o: stdout is not only the graph"
valid stdout
grep -q 'guestos: booting' "$tmp/stdout.err" || fail "no -o: the console output is not on stderr"
"$T" dot vms --mode trap --vm "$BUILD/examples/hello.img" --vm "$BUILD/examples/timer.img" \
    >"$tmp/stdout-two.dot" 2>/dev/null </dev/null
head -n 1 "$tmp/stdout-two.dot" | grep -q '^digraph' || fail "no -o, two VMs: stdout is not only the graph"
valid stdout-two

# Rendered outputs.
"$T" dot vms --mode trap "$BUILD/examples/hello.img" -o "$tmp/r.svg" >/dev/null </dev/null
grep -q '<svg' "$tmp/r.svg" || fail "-o x.svg is not SVG"
"$T" dot vms --mode trap "$BUILD/examples/hello.img" -o "$tmp/r.png" >/dev/null </dev/null
head -c 4 "$tmp/r.png" | grep -q 'PNG' || fail "-o x.png is not PNG"

# Mistakes: clear errors, statuses of `trapeze run --help`.
status() { set +e; "$@" >/dev/null 2>"$tmp/err" </dev/null; s=$?; set -e; echo $s; }
[ "$(status "$T" dot)" = 2 ] || fail "no kind: not status 2"
[ "$(status "$T" dot cube "$BUILD/examples/hello.img")" = 2 ] || fail "bad kind: not status 2"
grep -q "unknown graph 'cube'" "$tmp/err" || fail "bad kind: $(cat "$tmp/err")"
[ "$(status "$T" dot pagetable "$BUILD/examples/hello.img")" = 2 ] || fail "no vaddr: not 2"
[ "$(status "$T" dot exits --bare "$BUILD/examples/hello.img" -o "$tmp/x.dot")" = 2 ] ||
    fail "exits of bare: not status 2"
grep -q "bare run has no VMM" "$tmp/err" || fail "exits of bare: $(cat "$tmp/err")"
[ ! -e "$tmp/x.dot" ] || fail "a failed graph left a file"
[ "$(status "$T" dot exits --mode trap --vm-index 3 "$BUILD/examples/hello.img")" = 2 ] ||
    fail "no such VM: not status 2"
# vms draws every VM, but a VM named that is not there is still a mistake.
[ "$(status "$T" dot vms --mode trap --vm-index 1 "$BUILD/examples/hello.img")" = 2 ] ||
    fail "vms, no such VM: not status 2"
grep -q "^trapeze dot: error: --vm-index 1: there is 1 VM" "$tmp/err" || fail "vms, no such VM: $(cat "$tmp/err")"
# A bare run has one guest, 0: another index is no VM either, not ignored
# (the guest given as IMAGE or as --vm alone).
for g in "$BUILD/examples/hello.img" "--vm $BUILD/examples/hello.img"; do
    # shellcheck disable=SC2086  # "--vm IMAGE" is meant to split
    [ "$(status "$T" dot pagetable 0x1000 --vm-index 5 $g -o "$tmp/vi.dot")" = 2 ] ||
        fail "bare, --vm-index 5 ($g): not status 2"
    grep -q "^trapeze dot: error: --vm-index 5: a bare run has no VMs" "$tmp/err" ||
        fail "bare, --vm-index 5: $(cat "$tmp/err")"
    [ ! -e "$tmp/vi.dot" ] || fail "bare, --vm-index 5: a graph was drawn"
done
[ "$(status "$T" dot pagetable 0x1000 --vm-index 0 "$BUILD/examples/hello.img" -o "$tmp/vi.dot")" = 0 ] ||
    fail "bare, --vm-index 0: $(cat "$tmp/err")"
# -o naming a file of the session, or a folder: usage errors of trapeze dot.
cp "$BUILD/examples/hello.img" "$tmp/h.img"
[ "$(status "$T" dot vms "$tmp/h.img" -o "$tmp/h.img")" = 2 ] || fail "-o IMAGE: not status 2"
grep -q "^trapeze dot: error: .* is both the image and -o" "$tmp/err" || fail "-o IMAGE: $(cat "$tmp/err")"
grep -qF "Try 'trapeze dot --help'." "$tmp/err" || fail "-o IMAGE: $(cat "$tmp/err")"
cmp -s "$tmp/h.img" "$BUILD/examples/hello.img" || fail "-o IMAGE: the image was overwritten"
mkdir "$tmp/folder"
[ "$(status "$T" dot vms "$tmp/h.img" -o "$tmp/folder")" = 2 ] || fail "-o FOLDER: not status 2"
grep -q "^trapeze dot: error: option '-o' needs a file name, not the folder" "$tmp/err" ||
    fail "-o FOLDER: $(cat "$tmp/err")"
# ... said before the guest runs: a guest that never halts is not run first.
[ "$(status timeout 20 "$T" dot exits --mode trap --vm-index 1 "$BUILD/tests/vmm/hostile/spin.img")" = 2 ] ||
    fail "no such VM, a guest that never halts: not status 2 at once"
[ "$(status timeout 20 "$T" dot exits --bare "$BUILD/tests/vmm/hostile/spin.img")" = 2 ] ||
    fail "exits of bare, a guest that never halts: not status 2 at once"
# Graphviz missing: a clear error, no file.
mkdir "$tmp/nodot"
[ "$(PATH="$tmp/nodot" status "$T" dot vms --mode trap "$BUILD/examples/hello.img" -o "$tmp/y.svg")" = 1 ] ||
    fail "dot missing: not status 1"
grep -q "cannot run Graphviz's 'dot'" "$tmp/err" || fail "dot missing: $(cat "$tmp/err")"
[ ! -e "$tmp/y.svg" ] || fail "dot missing: a file was left"
# A graph that cannot be written: its file named, status 1.
if [ -w /dev/full ]; then
    [ "$(status "$T" dot exits --mode trap "$BUILD/examples/hello.img" -o /dev/full)" = 1 ] ||
        fail "-o /dev/full: not status 1"
    grep -q "^/dev/full: error: cannot write the graph" "$tmp/err" || fail "-o /dev/full: $(cat "$tmp/err")"
fi
"$T" dot --help | grep -q 'pagetable VADDR' || fail "--help"

# The debugger's dot writes the same pictures: .svg and .png rendered,
# "-" on its standard output, and never over a file of the session.
cp "$G/default.disk" "$tmp/d.disk"
cp "$G/kernel.img" "$tmp/k.img"
cp "$tmp/d.disk" "$tmp/d.orig"
(cd "$tmp" && printf 'dot pagetable 0x1000 r.svg\ndot exits r.png\ndot vms -\ndot vms d.disk\ndot exits ./k.img\n' |
    "$OLDPWD/$T" debug --batch --mode trap --disk d.disk k.img >repl.out 2>&1) && fail "repl dot: status 0"
grep -q '<svg' "$tmp/r.svg" || fail "repl dot: .svg is not SVG"
head -c 4 "$tmp/r.png" | grep -q 'PNG' || fail "repl dot: .png is not PNG"
grep -q '^digraph vms' "$tmp/repl.out" || fail "repl dot: - is not stdout"
[ ! -e "$tmp/-" ] || fail "repl dot: - made a file named -"
cmp -s "$tmp/d.disk" "$tmp/d.orig" || fail "repl dot: the session's disk was overwritten"
cmp -s "$tmp/k.img" "$G/kernel.img" || fail "repl dot: the session's image was overwritten"
grep -q "'d.disk' is the disk of this session" "$tmp/repl.out" || fail "repl dot: $(cat "$tmp/repl.out")"
# ... nor over the debugger's own files: a -x script, the command history.
printf 'dot exits self.x\n' >"$tmp/self.x"
cp "$tmp/self.x" "$tmp/self.orig"
printf 'old history\n' >"$tmp/hist"
(cd "$tmp" && printf 'dot exits hist\n' | TRAPEZE_HISTORY=hist "$OLDPWD/$T" debug --batch \
    --mode trap -x self.x k.img >own.out 2>&1) && fail "repl dot over its own files: status 0"
cmp -s "$tmp/self.x" "$tmp/self.orig" || fail "repl dot: the -x script was overwritten"
[ "$(cat "$tmp/hist")" = "old history" ] || fail "repl dot: the history was overwritten"
grep -q "'self.x' is a -x script of this session" "$tmp/own.out" || fail "repl dot -x: $(cat "$tmp/own.out")"
grep -q "'hist' is the command history" "$tmp/own.out" || fail "repl dot history: $(cat "$tmp/own.out")"
# A double-quoted FILE may have blanks (and \" in it); the hint quotes it
# for the shell.
(cd "$tmp" && printf '%s\n' 'dot exits "with space.dot"' 'dot pagetable 0x1000 "p \"q\".svg"' \
    'dot vms "open' | "$OLDPWD/$T" debug --batch --mode trap --disk d.disk k.img >quoted.out 2>&1) &&
    fail "repl dot, a quote left open: status 0"
valid "with space"
grep -q '<svg' "$tmp/p \"q\".svg" || fail "repl dot, a quoted .svg: $(cat "$tmp/quoted.out")"
grep -qF "dot -Tsvg 'with space.dot' -o" "$tmp/quoted.out" || fail "repl dot, quoted: $(cat "$tmp/quoted.out")"
grep -q "3: error: a quoted name without its closing" "$tmp/quoted.out" ||
    fail "repl dot, a quote left open: $(cat "$tmp/quoted.out")"

# docs/diagrams: every committed source renders; the SVGs are up to date.
for src in docs/diagrams/*.dot; do
    svg="${src%.dot}.svg"
    [ -f "$svg" ] || fail "$svg missing (make diagrams)"
    dot -Tsvg "$src" -o "$tmp/check.svg" || fail "$src does not render"
    cmp -s "$tmp/check.svg" "$svg" || fail "$svg is out of date (make diagrams)"
done
echo "dot: all graphs valid"
