#!/bin/sh
# emulate.sh - --mode emulate end to end: every guest there is, run bare
# and emulated, must do exactly the same.
#
# For each guest - the VMM's test guests (tests/vmm/guests, hostile, popf),
# the examples, and every guestos scenario of tests/guestos/run.sh (its
# disks, the shell with its inputs, no disk, a damaged directory, too
# little RAM) - both runs must give the same console transcript byte for
# byte, the same messages and exit status, and the same guest instruction,
# idle-cycle and interrupt counts (--stats-json); and the emulated run must
# have run no instruction directly.  Guests that never halt are stopped by
# --max-insns at the same cycle both ways.  For a few guests, the traps in
# --trace are compared too: the same cycle, pc, K, IE and cause.
set -u
. tests/lib.sh
AS=$BUILD/bin/t32as
OS=$BUILD/guestos
checked=0
LIMIT=5000000

# count FILE KEY: a number of a --stats-json file.
count() { sed -n "s/^ *\"$2\": \([0-9]*\).*/\1/p" "$1"; }

# same NAME INPUT DISK IMAGE [OPTION...]: run IMAGE bare and emulated,
# with INPUT on stdin and each run on its own copy of DISK ("" = none).
same() {
    name=$1 input=$2 disk=$3 image=$4
    shift 4
    opts="$*"                   # a few words, no spaces inside
    for m in bare emulate; do
        d=""
        if [ -n "$disk" ]; then
            cp "$disk" "$tmp/$name.$m.disk"
            d="--disk $tmp/$name.$m.disk"
        fi
        # shellcheck disable=SC2086  # $opts and $d are split into words
        "$T" run --mode $m $opts $d --max-insns $LIMIT --stats-json "$tmp/$name.$m.json" \
            "$image" <"$input" >"$tmp/$name.$m.out" 2>"$tmp/$name.$m.err"
        echo $? >"$tmp/$name.$m.status"
    done
    checked=$((checked + 1))
    for f in out err status; do
        if ! cmp -s "$tmp/$name.bare.$f" "$tmp/$name.emulate.$f"; then
            fail "$name: the $f differs"
            diff "$tmp/$name.bare.$f" "$tmp/$name.emulate.$f" | head -5 | sed 's/^/    /'
            return
        fi
    done
    for k in guest_insns idle_cycles injected_irqs irqs_in_kernel; do
        b=$(count "$tmp/$name.bare.json" $k) e=$(count "$tmp/$name.emulate.json" $k)
        if [ -z "$b" ] || [ "$b" != "$e" ]; then
            fail "$name: $k bare '$b', emulate '$e'"
            return
        fi
    done
    if [ "$(count "$tmp/$name.emulate.json" direct_insns)" != 0 ]; then
        fail "$name: instructions ran directly under --mode emulate"
        return
    fi
    echo "PASS $name ($(count "$tmp/$name.bare.json" guest_insns) instructions, status" \
         "$(cat "$tmp/$name.bare.status"))"
}

# The small guests, assembled here (COUNT and TICK for the ones that ask).
for s in tests/vmm/guests/*.s tests/vmm/hostile/*.s tests/vmm/popf/*.s examples/*.s; do
    case $s in */hostile.s | */print.s) continue ;; esac   # included by others
    n=$(basename "$(dirname "$s")")-$(basename "$s" .s)
    "$AS" -I "$(dirname "$s")" -D COUNT=5000 -o "$tmp/$n.img" "$s" || fail "$s: t32as"
    same "$n" /dev/null "" "$tmp/$n.img"
done
"$AS" -D TICK=97 -o "$tmp/fidelity-97.img" tests/vmm/guests/fidelity.s
same fidelity-97 /dev/null "" "$tmp/fidelity-97.img"
printf 'typed input\n' >"$tmp/typed"
same guests-hello-input "$tmp/typed" "" "$tmp/guests-hello.img"

# guestos: every scenario of tests/guestos/run.sh.
for s in default counters faults bench cpu idle regs; do
    same "guestos-$s" /dev/null "$OS/$s.disk" "$OS/kernel.img"
done
same guestos-shell tests/guestos/shell.in "$OS/shell.disk" "$OS/kernel.img"
same guestos-shell-eof tests/guestos/shell-eof.in "$OS/shell.disk" "$OS/kernel.img"
same guestos-nodisk /dev/null "" "$OS/kernel.img"
head -c 4096 /dev/zero >"$tmp/zero.disk"
same guestos-nodir /dev/null "$tmp/zero.disk" "$OS/kernel.img"
cp "$OS/default.disk" "$tmp/bad.disk"
printf '\001\033\133\112' | dd of="$tmp/bad.disk" bs=1 seek=$((32 + 32 * 6 + 2)) \
    conv=notrunc 2>/dev/null
same guestos-badentry /dev/null "$tmp/bad.disk" "$OS/kernel.img"
same guestos-smallmem /dev/null "$OS/idle.disk" "$OS/kernel.img" --mem 1M

# The traces: each trap bare T32 takes (a "trap" line of --bare --trace) is
# a "reflect" or "inject" line under emulate, at the same cycle - the one
# the trapping instruction started at, as every mode reports it - with the
# same pc, K, IE and cause.
traps_of() {   # traps_of MODE IMAGE [DISK]: cycle, pc, K, IE, cause, address
    d=""
    if [ -n "${3:-}" ]; then
        cp "$3" "$tmp/trace.disk"
        d="--disk $tmp/trace.disk"
    fi
    # shellcheck disable=SC2086  # $d is split into words
    "$T" run --mode "$1" --max-insns $LIMIT --trace - $d "$2" </dev/null 2>/dev/null |
        awk '$6 == "trap" || $6 == "reflect" || $6 == "inject" { $1 = ""; $6 = ""; print }'
}
for g in examples-syscall examples-paging examples-timer guests-fidelity guestos; do
    case $g in
    guestos) img=$OS/kernel.img disk=$OS/default.disk ;;
    *)       img=$tmp/$g.img disk="" ;;
    esac
    traps_of bare "$img" "$disk" >"$tmp/$g.bare.traps"
    traps_of emulate "$img" "$disk" >"$tmp/$g.emulate.traps"
    if [ ! -s "$tmp/$g.bare.traps" ]; then
        fail "$g: bare T32 took no trap"
    elif cmp -s "$tmp/$g.bare.traps" "$tmp/$g.emulate.traps"; then
        echo "PASS $g: --trace, $(wc -l <"$tmp/$g.bare.traps") traps at bare's cycles"
    else
        fail "$g: the traps in --trace differ (bare <, emulate >)"
        diff "$tmp/$g.bare.traps" "$tmp/$g.emulate.traps" | head -5 | sed 's/^/    /'
    fi
done

echo "emulate: $checked guests, $failures failed"
[ "$failures" -eq 0 ] && [ "$checked" -gt 30 ]
