#!/bin/sh
# readme_commands.sh - every command the READMEs show runs, verbatim, on a
# fresh clone.
#
# The convention (tests/docs/README.md states it for writers):
#   - Only fenced blocks opened with ```sh or ```bash are run, by sh or by
#     bash.  Other blocks (```, ```text, ```console: transcripts, synopses,
#     output) are shown, never run.
#   - Each line of such a block is one command (a line ending in a
#     backslash continues on the next).  A block runs in one shell, from the
#     top of the repository, with stdin from /dev/null, so a variable set on
#     one line is seen by the next.
#   - A command must exit with status 0, unless its trailing comment says
#     `# exit N` (or `# exit status N`): then it must exit with N.
#   - `make check` is never run here: it is what runs this script.
#
# "Fresh clone": the files git knows about (tracked, or new and not
# ignored) are copied to a temporary folder with no build/ in it, `make`
# builds there, and then the commands run there - so they cannot lean on
# files left in the working tree.  The build folder is the default, build/,
# as the docs say: BUILD and the other make settings are unset.
set -eu
# A reader's shell: no build settings inherited from `make check` (BUILD
# would send the fresh build elsewhere, MAKEFLAGS carries its jobserver).
unset BUILD SAN V CC CFLAGS LDFLAGS MAKEFLAGS MFLAGS MAKELEVEL
DOCS="README.md examples/README.md isa/README.md assembler/README.md guestos/README.md vmm/README.md vmm/debug/README.md labs/README.md docs/ARCHITECTURE.md"
BLOCK_TIMEOUT=${BLOCK_TIMEOUT:-600}      # seconds per block

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM   # the EXIT trap then runs
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard | tar -cf - --null -T - | tar -xf - -C "$root"
else
    tar --exclude=./build -cf - . | tar -xf - -C "$root"     # (an exported tree)
fi
rm -rf "$root/build"
echo "docs: building a fresh copy in $root"
(cd "$root" && make >"$root/.make.log" 2>"$root/.make.err") ||
    { echo "FAIL make in the fresh copy"; tail -40 "$root/.make.log" "$root/.make.err"; exit 1; }
# The build is quiet (Makefile header): make itself prints only short
# `CC file` lines - no compiler or t32as command lines.
if grep -v -E '^  [A-Z]{2,5} +[^ ]+$' "$root/.make.log" >"$root/.noisy"; then
    echo "FAIL make printed more than short lines:"; head -5 "$root/.noisy"; exit 1
fi
echo "PASS the fresh build prints $(wc -l <"$root/.make.log") short lines"

# extract DOC: one shell script per runnable block, $root/.blocks/DOC.N.{sh,bash}.
# After each command the script calls `check LINE EXPECTED STATUS`.
extract() {
    awk -v doc="$1" -v out="$root/.blocks/$(echo "$1" | tr '/' '_')" '
    function flush_cmd() {
        if (cmd == "") return
        expect = 0
        if (match(last, /# *exit( status)? [0-9]+/)) {
            s = substr(last, RSTART, RLENGTH); sub(/.* /, "", s); expect = s + 0
        }
        if (cmd ~ /^[ \t]*make[ \t]+check([ \t]|$)/)
            printf "skip %d\n", first >> file
        else
            printf "%s\n__status=$?; check %d %d $__status\n", cmd, first, expect >> file
        cmd = ""
    }
    /^```(sh|bash)[ \t]*$/ && !inblock {
        inblock = 1; n++; shell = substr($0, 4); sub(/[ \t]+$/, "", shell)
        file = out "." n "." shell
        printf "cd \"%s\" || exit 99\n. \"%s/.check.sh\"\n", root, root > file
        next
    }
    /^```/ && inblock { flush_cmd(); print "DONE=1" >> file; inblock = 0; close(file); next }
    /^```/ { skipping = !skipping; next }
    inblock {
        if (cmd == "") first = NR
        line = $0
        if (line ~ /^[ \t]*$/ && cmd == "") next
        cont = (line ~ /\\$/)
        cmd = cmd (cmd == "" ? "" : "\n") line
        last = line
        if (!cont) flush_cmd()
    }
    ' root="$root" "$1"
}

mkdir -p "$root/.blocks"
cat >"$root/.check.sh" <<'CHECK'
# Sourced at the top of every block.  The commands' own output goes to
# $LOG; PASS/FAIL lines to fd 3, the real stdout.
exec 3>&1 >"$LOG" 2>&1 </dev/null
# check LINE EXPECTED STATUS - report one command of the current document.
check() {
    if [ "$3" -eq "$2" ]; then
        echo "PASS $DOC:$1: $(sed -n "$1p" "$DOC")" >&3
    else
        echo "FAIL $DOC:$1: exit status $3, expected $2: $(sed -n "$1p" "$DOC")" >&3
        FAILED=$((FAILED + 1))
    fi
}
skip() { echo "SKIP $DOC:$1: $(sed -n "$1p" "$DOC") (it runs this script)" >&3; }
FAILED=0
DONE=0
# A block that stops early (a syntax error, say) fails even if every
# command so far passed.
trap '[ "$DONE" = 1 ] || { echo "FAIL $DOC: the block stopped before its end" >&3; FAILED=$((FAILED + 1)); }; exit $FAILED' EXIT
CHECK

# Any other document of the tree with a runnable block is run too (after
# those above, in name order), so that no ```sh block escapes the check.
others=$(cd "$root" && find . -name '*.md' ! -path './.blocks/*' ! -path './build/*' | sed 's|^\./||' | LC_ALL=C sort |
    while read -r doc; do
        case " $DOCS " in *" $doc "*) continue ;; esac
        if grep -q -E '^```(sh|bash)[[:space:]]*$' "$doc"; then echo "$doc"; fi
    done)

failures=0
for doc in $DOCS $others; do
    [ -f "$root/$doc" ] || { echo "FAIL $doc: not found"; failures=$((failures + 1)); continue; }
    extract "$doc"
    found=0
    for block in "$root/.blocks/$(echo "$doc" | tr '/' '_')".*; do
        [ -f "$block" ] || continue
        found=1
        case $block in *.bash) sh=bash ;; *) sh=sh ;; esac
        if ! DOC=$doc LOG=$root/.log timeout "$BLOCK_TIMEOUT" "$sh" "$block"; then
            failures=$((failures + 1))
            echo "    the block's output ends with:"; tail -20 "$root/.log" | sed 's/^/    /'
        fi
    done
    [ "$found" = 1 ] || echo "note: $doc has no \`\`\`sh or \`\`\`bash block"
done
[ "$failures" -eq 0 ]
