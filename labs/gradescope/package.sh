#!/bin/sh
# labs/gradescope/package.sh NN OUTDIR - make OUTDIR/lab-NN.zip, Gradescope's
# autograder for lab NN: setup.sh and run_autograder at the top (run_autograder
# knows the lab), next to the whole instructor's tree as it is in the working
# folder - in git, every file but those .gitignore leaves out (a test written
# but not yet committed goes too); outside git, every file but build/ and
# .git/: tests, hidden tests and the reference solution.  The zip is for
# Gradescope only - never give it out.  The folder it is made from is
# removed afterwards: only the zip is left.
set -eu
tree=$(cd "$(dirname "$0")/../.." && pwd)
case ${1:-} in
    [0-9][0-9]) lab=$1 ;;
    [0-9]) lab=0$1 ;;
    *) echo "usage: labs/gradescope/package.sh NN OUTDIR" >&2; exit 2 ;;
esac
out=${2:?usage: labs/gradescope/package.sh NN OUTDIR}
set -- "$tree"/labs/"$lab"-*/
[ -d "$1" ] || { echo "gradescope: error: no folder labs/$lab-*/" >&2; exit 2; }

mkdir -p "$out"
out=$(cd "$out" && pwd)
stage="$out/lab-$lab"
rm -rf "$stage" "$out/lab-$lab.zip"
trap 'rm -rf "$stage"' EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM   # the EXIT trap then runs
mkdir -p "$stage"
cd "$tree"
if [ "$(git rev-parse --show-toplevel 2>/dev/null)" = "$tree" ]; then
    git ls-files --cached --others --exclude-standard
else
    find . \( -path ./build -o -path ./.git \) -prune -o -type f -print | sed 's|^\./||'
fi | while IFS= read -r f; do
    [ -f "$f" ] || continue
    mkdir -p "$stage/$(dirname "$f")"
    cp -p "$f" "$stage/$f"
done
cp labs/gradescope/setup.sh "$stage/setup.sh"
sed "s/@LAB@/$lab/" labs/gradescope/run_autograder >"$stage/run_autograder"
chmod +x "$stage/setup.sh" "$stage/run_autograder"
cd "$stage"
if command -v zip >/dev/null 2>&1; then
    zip -qr "$out/lab-$lab.zip" .
elif command -v python3 >/dev/null 2>&1; then
    python3 -m zipfile -c "$out/lab-$lab.zip" $(ls -A)
else
    echo "gradescope: error: neither zip nor python3 is installed (apt-get install zip)" >&2
    exit 1
fi
echo "gradescope: $out/lab-$lab.zip (upload it as the autograder of lab $lab)"
