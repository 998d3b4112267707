# lib.sh - how the tests/asm/*.sh scripts start: the tools built in
# $BUILD/bin (default build/), a scratch folder as the current folder
# (removed at exit) and fail(), which counts into $failed.  A script sets
# its name in $name, then sources this file.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$root/${BUILD:-build}/bin"
for t in t32as t32dis t32mkdisk; do
    [ -x "$bin/$t" ] || { echo "$name: no $bin/$t (build it first)"; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM   # the EXIT trap then runs
cd "$tmp" || exit 1
failed=0

fail() { echo "FAIL $*"; failed=$((failed + 1)); }
