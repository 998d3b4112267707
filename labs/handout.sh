#!/bin/sh
# labs/handout.sh [--tree TREE] NN DEST - make lab NN's starter tree in DEST.
#
# DEST gets the tree's tracked files (git ls-files; every file but build/
# and .git/ when TREE is not a git checkout's top), where
#   - each region of lab NN marked in a source file
#       /* LAB NN BEGIN id */ ... /* LAB NN END id */     (C)
#       ; LAB NN BEGIN id ... ; LAB NN END id             (T32 assembly)
#     is replaced by the file labs/NN-*/stubs/id, verbatim;
#   - no other lab's solution is left in source form:
#       * a C file holding regions of other labs only is given compiled,
#         as prebuilt/PATH.o in place of PATH.c (the tree's Makefile builds
#         $(BUILD)/obj/PATH.o from PATH.c, and links prebuilt/PATH.o when
#         PATH.c is absent), prebuilt/SHA256SUMS records the tree's
#         headers it was compiled against, and labs/NN-*/compiled lists
#         the files given so;
#       * any other region of lab MM is replaced by labs/MM-*/stubs/id,
#         unless it is marked shared (`LAB MM BEGIN id shared`): then it
#         keeps its code, as code every lab's starter needs and that
#         cannot be given compiled (guestos's system calls, in assembly);
#   - the marker lines of every lab are removed;
#   - labs/ keeps only what the starter needs: labs/build.mk, labs/grader/
#     and labs/NN-*/ without hidden/ and mutants/ (no other lab, no hidden
#     test, no mutant, no Gradescope packaging, no instructors' guide);
#   - tests/labs/ (the tests of this infrastructure) is left out.
# DEST must not exist or be an empty folder.  TREE defaults to the tree holding this
# script.  Errors (a region without its stub, an END without its BEGIN,
# nested regions, a file that does not compile) stop with file:line:
# error: lines and leave no DEST.
set -eu

tree=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = --tree ]; then
    tree=$(cd "$2" && pwd)
    shift 2
fi
if [ $# -ne 2 ]; then
    echo "usage: labs/handout.sh [--tree TREE] NN DEST" >&2
    exit 2
fi
case $1 in
    [0-9][0-9]) lab=$1 ;;
    [0-9]) lab=0$1 ;;
    *) echo "handout: error: lab '$1' is not a number like 02" >&2; exit 2 ;;
esac
dest=$2

set -- "$tree"/labs/"$lab"-*/
if [ $# -ne 1 ] || [ ! -d "$1" ]; then
    echo "handout: error: no single folder labs/$lab-*/ in $tree" >&2
    exit 2
fi
labdir=${1%/}
labname=${labdir##*/}
if [ -e "$dest" ] && [ ! -d "$dest" ]; then
    echo "handout: error: $dest exists and is not a folder" >&2
    exit 2
fi
if [ -e "$dest" ] && [ -n "$(ls -A "$dest" 2>/dev/null)" ]; then
    echo "handout: error: $dest exists and is not empty" >&2
    exit 2
fi

# The files, relative to the tree, one a line.
list() {
    if [ "$(git -C "$tree" rev-parse --show-toplevel 2>/dev/null)" = "$tree" ]; then
        git -C "$tree" ls-files
    else
        (cd "$tree" && find . \( -path ./build -o -path ./.git \) -prune -o -type f -print |
            sed 's|^\./||' | LC_ALL=C sort)
    fi
}

# Whether a file belongs in the starter.
keep() {
    case $1 in
        tests/labs/*) return 1 ;;
        labs/build.mk | labs/grader/*) return 0 ;;
        "labs/$labname"/hidden/* | "labs/$labname"/mutants/*) return 1 ;;
        "labs/$labname"/*) return 0 ;;
        labs/*) return 1 ;;
    esac
    return 0
}

# The folder of each lab, one "NN=path" a line, for the other labs' stubs.
labdirs=
for d in "$tree"/labs/[0-9][0-9]-*/; do
    [ -d "$d" ] || continue
    d=${d%/}
    n=${d##*/}
    labdirs="$labdirs${n%%-*}=$d
"
done

# Rewrite one file's regions (awk): stdin -> stdout, errors on stderr.
regions() {
    awk -v lab="$lab" -v labdirs="$labdirs" -v file="$1" '
    BEGIN {
        n = split(labdirs, d, "\n")
        for (i = 1; i <= n; i++) if (d[i] != "") dir[substr(d[i], 1, 2)] = substr(d[i], 4)
    }
    function marker(line,   m) {
        if (match(line, /(\/\*|;)[ \t]*LAB [0-9][0-9] (BEGIN|END) [a-z0-9-]+( shared)?/)) {
            m = substr(line, RSTART, RLENGTH)
            sub(/^(\/\*|;)[ \t]*LAB /, "", m)
            split(m, f, " ")
            mlab = f[1]; mkind = f[2]; mid = f[3]; mshared = f[4] == "shared"
            return 1
        }
        return 0
    }
    function fail(msg) { printf "%s:%d: error: %s\n", file, NR, msg > "/dev/stderr"; bad = 1 }
    {
        if (!marker($0)) { if (!skipping) print; next }
        if (mkind == "BEGIN") {
            if (open != "") fail("LAB " mlab " BEGIN " mid " inside region " open)
            open = mlab " " mid
            if (mlab == lab || !mshared) {      # this lab'"'"'s task, or another lab'"'"'s answer
                if (!(mlab in dir)) { fail("region " mid " of lab " mlab ", which has no folder labs/" mlab "-*/"); next }
                stub = dir[mlab] "/stubs/" mid
                if ((getline l < stub) < 0) { fail("no stub " stub " for region " mid); next }
                print l
                while ((getline l < stub) > 0) print l
                close(stub)
                skipping = 1
            }
        } else {
            if (open != mlab " " mid) fail("LAB " mlab " END " mid " without its BEGIN")
            open = ""; skipping = 0
        }
    }
    END {
        if (open != "") { NR = NR; fail("region " open " has no END") }
        exit bad
    }'
}

# Whether a file is given compiled: C, with no region of this lab and some
# region of another lab that is not shared.
compiled() {
    case $1 in *.c) ;; *) return 1 ;; esac
    ! grep -Eq "LAB $lab (BEGIN|END) " "$tree/$1" &&
        grep -E 'LAB [0-9]{2} BEGIN [a-z0-9-]+' "$tree/$1" | grep -Evq 'BEGIN [a-z0-9-]+ shared'
}

tmp="$dest.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp"
bld=$(mktemp -d "${TMPDIR:-/tmp}/handout-build.XXXXXX")   # the files given compiled
trap 'rm -rf "$tmp" "$tmp.compiled" "$bld"' EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM   # the EXIT trap then runs
: >"$tmp.compiled"
list | while IFS= read -r f; do
    keep "$f" || continue
    [ -f "$tree/$f" ] || continue          # tracked but deleted in the work tree
    if ! grep -Eq 'LAB [0-9]{2} (BEGIN|END) ' "$tree/$f" 2>/dev/null; then
        mkdir -p "$tmp/$(dirname "$f")"
        cp "$tree/$f" "$tmp/$f"
    elif compiled "$f"; then
        echo "$f" >>"$tmp.compiled"
        continue
    else
        mkdir -p "$tmp/$(dirname "$f")"
        regions "$f" <"$tree/$f" >"$tmp/$f"
    fi
    [ -x "$tree/$f" ] && chmod +x "$tmp/$f"
    :
done
# The files given compiled: built by the tree's own Makefile (its flags,
# without debugging information), whatever make this script runs under.
if [ -s "$tmp.compiled" ]; then
    objs=$(sed "s|\.c\$|.o|; s|^|$bld/obj/|" "$tmp.compiled")
    if ! (unset MAKEFLAGS MFLAGS MAKELEVEL
          # shellcheck disable=SC2086  # one word per object
          make -C "$tree" BUILD="$bld" OPT=-O2 V= $objs) >"$bld/make.log" 2>&1; then
        grep -E ': (error|fatal error):' "$bld/make.log" >&2 || cat "$bld/make.log" >&2
        rm -f "$bld/make.log"
        echo "handout: error: the files of other labs, which the starter gets compiled, do not build" >&2
        exit 1
    fi
    rm -f "$bld/make.log"
    headers=
    while IFS= read -r f; do
        mkdir -p "$tmp/prebuilt/$(dirname "$f")"
        cp "$bld/obj/${f%.c}.o" "$tmp/prebuilt/${f%.c}.o"
        # The tree's headers it includes (from the compiler's -MMD list).
        if [ -f "$bld/obj/${f%.c}.d" ]; then
            headers="$headers $(sed 's/\\$//; s/^[^:]*://' "$bld/obj/${f%.c}.d" |
                tr ' ' '\n' | grep '\.h$' | grep -v '^/' || :)"
        fi
    done <"$tmp.compiled"
    headers=$(printf '%s\n' $headers | LC_ALL=C sort -u)
    for h in $headers; do
        if grep -Eq 'LAB [0-9]{2} (BEGIN|END) ' "$tree/$h"; then
            echo "$h: error: a lab's region in a header that files given compiled include" >&2
            exit 1
        fi
    done
    # shellcheck disable=SC2086  # one word per header
    [ -z "$headers" ] || (cd "$tmp" && sha256sum $headers) >"$tmp/prebuilt/SHA256SUMS"
    # The list, in the lab's folder: for the student, and for the build,
    # which without prebuilt/ says what is missing (labs/build.mk).
    { echo "# The files this starter has compiled, in prebuilt/, not as source: they"
      echo "# hold other labs' answers.  Keep prebuilt/ with your tree: the build needs it."
      cat "$tmp.compiled"; } >"$tmp/labs/$labname/compiled"
fi
# Every stub must have been used: a stub for a region no file has is a typo.
for s in "$labdir"/stubs/*; do
    [ -f "$s" ] || continue
    id=${s##*/}
    if ! list | while IFS= read -r f; do
            keep "$f" && [ -f "$tree/$f" ] && grep -Eq "LAB $lab BEGIN $id([^a-z0-9-]|\$)" "$tree/$f" && echo x
        done | grep -q x; then
        echo "handout: error: $s: no region 'LAB $lab BEGIN $id' in the tree" >&2
        exit 1
    fi
done
mkdir -p "$dest"
(cd "$tmp" && tar cf - .) | (cd "$dest" && tar xf -)
echo "handout: lab $lab starter in $dest"
