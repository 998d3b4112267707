# lib.sh - how the grader's test scripts start: t32grade and jsoncheck built
# in $BUILD/bin, the fixture project, a scratch folder $work that a root
# grader's sandbox uids can enter (removed at exit unless KEEP is set), and
# pass/fail, which count into $fails.  A script sets $name, then sources it
# from the top of the tree.
set -u
BUILD=${BUILD:-build}
grade="$PWD/$BUILD/bin/t32grade"
json="$PWD/$BUILD/bin/jsoncheck"
fix="$PWD/tests/labs/fixture"
for p in "$grade" "$json"; do
    [ -x "$p" ] || { echo "FAIL: $p is not built"; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/$name-test.XXXXXX")
chmod 755 "$work"     # a root grader runs submissions as other uids
trap '[ -n "${KEEP:-}" ] || { chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"; }' EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM   # the EXIT trap then runs
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "ok: $*"; }
