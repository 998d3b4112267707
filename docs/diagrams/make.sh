#!/bin/sh
# docs/diagrams/make.sh - `make diagrams`: regenerate the diagrams drawn by
# `trapeze dot` from guestos, then render every docs/diagrams/*.dot
# (hand-written or generated) to SVG beside it with Graphviz's `dot`.
set -eu
BUILD="${BUILD:-build}"
T="$BUILD/bin/trapeze"
G="$BUILD/guestos"
D=docs/diagrams
command -v dot >/dev/null || { echo "make diagrams: Graphviz's dot is not installed" >&2; exit 1; }
disk=$(mktemp)
trap 'rm -f "$disk"' EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM   # the EXIT trap then runs
gen() {     # gen NAME ARGS...: trapeze dot ARGS on guestos into NAME.dot
    name=$1
    shift
    cp "$G/default.disk" "$disk"
    "$T" dot "$@" --disk "$disk" -o "$D/$name.dot" "$G/kernel.img" >/dev/null </dev/null
}
gen guestos-exits exits --mode trap
gen guestos-pagetable pagetable 0x00400010 --mode trap --at 400000
gen guestos-vms vms --mode trap --at 400000
for src in "$D"/*.dot; do
    dot -Tsvg "$src" -o "${src%.dot}.svg"
done
echo "diagrams: $(ls "$D"/*.svg | wc -l) SVGs in $D"
