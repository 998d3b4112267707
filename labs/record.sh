#!/bin/sh
# labs/record.sh NN - store the expected results of lab NN's tests that
# only lab code can compute (labs/NN-*/tests/expected/, see `reference` in
# labs/grader/labtest.sh): run every test of the lab, tests/ and hidden/,
# on this tree - built, with its solution - as both SUB and REF, with
# T32_RECORD=1.  `make expected LAB=NN` builds the tree and runs this; do it
# after any change to what the course's kernel or VMM prints, then check
# with `make labcheck LABS=NN` and commit the files.
set -eu
tree=$(cd "$(dirname "$0")/.." && pwd)
case ${1:-} in
    [0-9][0-9]) lab=$1 ;;
    [0-9]) lab=0$1 ;;
    *) echo "usage: labs/record.sh NN" >&2; exit 2 ;;
esac
set -- "$tree"/labs/"$lab"-*/
[ $# -eq 1 ] && [ -d "$1" ] || { echo "record: error: no single folder labs/$lab-*/" >&2; exit 2; }
labdir=${1%/}
[ -x "$tree/build/bin/trapeze" ] || { echo "record: error: $tree is not built (make)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/record.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM   # the EXIT trap then runs
rm -rf "$labdir/tests/expected"
fails=0
for t in "$labdir"/tests/*.test "$labdir"/hidden/*.test; do
    [ -f "$t" ] || continue
    rm -rf "$work/tmp" "$work/home"
    mkdir "$work/tmp" "$work/home"
    # The grader's environment (labs/README.md), and T32_RECORD.
    if (cd "$tree" && env -i PATH=/usr/local/bin:/usr/bin:/bin LC_ALL=C TERM=dumb T32GRADE=1 \
            SUB="$tree" REF="$tree" LAB="$lab" TMP="$work/tmp" TMPDIR="$work/tmp" \
            HOME="$work/home" T32_RECORD=1 sh "$t") >"$work/out" 2>&1; then
        echo "record: ${t#"$tree"/}: OK"
    else
        echo "record: ${t#"$tree"/}: FAIL ($(tail -n 1 "$work/out"))"
        fails=$((fails + 1))
    fi
done
if [ -d "$labdir/tests/expected" ]; then
    echo "record: $(ls "$labdir/tests/expected" | wc -l) file(s) in ${labdir#"$tree"/}/tests/expected/"
fi
[ "$fails" -eq 0 ] || { echo "record: $fails test(s) fail on this tree: fix them first" >&2; exit 1; }
