#!/bin/sh
# The labs' test scripts with stand-in programs (no build of the project):
# labs/grader/labtest.sh's helpers and lab 01's collatz.test on a guest
# console that prints a NUL byte - grep and diff must still see lines, not
# "binary file matches"; lab 01's default.test on a kernel stopped by the
# instruction budget; lab 05's unit.test with a stand-in compiler.
set -u
work=$(mktemp -d "${TMPDIR:-/tmp}/labtests-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM   # the EXIT trap then runs
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "ok: $*"; }

# A tree standing in for both $REF and $SUB: the real labs/, and programs
# that print what a test expects.  trapeze prints $work/console (the
# collatz lines, then a line with a NUL byte) whatever it runs.
t="$work/tree"
mkdir -p "$t/build/bin" "$t/build/guestos/user" "$t/guestos/include" "$t/guestos/user"
cp -R labs "$t/labs"
for f in kernel.img user/hello.img; do : >"$t/build/guestos/$f"; done
printf '#!/bin/sh\nwhile [ $# -gt 1 ]; do shift; done\n: >"$1"\n' >"$t/build/bin/t32as"
printf '#!/bin/sh\nwhile [ $# -gt 0 ]; do [ "$1" = -o ] && : >"$2"; shift; done\nexit 0\n' \
    >"$t/build/bin/t32mkdisk"
cat >"$t/build/bin/trapeze" <<EOT
#!/bin/sh
while [ \$# -gt 0 ]; do [ "\$1" = --stats-json ] && echo '{"guest_insns": 1}' >"\$2"; shift; done
cat "$work/console"
if [ -e "$work/limit" ]; then
    echo "trapeze: instruction limit reached after 5000000 cycles, at pc 0x00001318 <sys_write+0x40>" >&2
    exit 3
fi
EOT
chmod +x "$t/build/bin/"*
{ cat labs/01-asm-syscall/tests/collatz.out; printf 'noise \000 from the guest\n'; } >"$work/console"

# in_test SCRIPT: run SCRIPT as the grader would, output in $work/out.
in_test() {
    rm -rf "$work/tmp"; mkdir "$work/tmp"
    (cd "$t" && env -i PATH=/usr/local/bin:/usr/bin:/bin LC_ALL=C SUB="$t" REF="$t" LAB=01 \
        TMP="$work/tmp" HOME="$work/tmp" sh "$1") >"$work/out" 2>&1
}

in_test labs/01-asm-syscall/tests/collatz.test
if [ $? -eq 0 ] && [ "$(tail -n 1 "$work/out")" = "collatz: right" ]; then pass "collatz.test with a NUL on the console"
else fail "collatz.test with a NUL on the console:"; cat "$work/out"; fi

# Lab 01's kernel tests: a kernel stopped by the instruction budget (a
# slow write, a loop) is told so, with where trapeze stopped it - not
# "expected the line ..., got ''" about the lines it never printed.
: >"$t/build/guestos/default.disk"
: >"$work/limit"
in_test labs/01-asm-syscall/hidden/default.test
rm -f "$work/limit"
case $(tail -n 1 "$work/out") in
    *"did not finish within 5000000 instructions; it said: trapeze: instruction limit reached"*)
        pass "default.test: a kernel stopped by the budget is told so" ;;
    *) fail "default.test with a kernel stopped by the budget:"; cat "$work/out" ;;
esac

# samefile (lab 01's): a NUL inside a line is shown (^@) in the reason, so its
# two halves do not look the same.
cat >"$work/samefile.sh" <<'EOT'
. "$REF/labs/01-asm-syscall/tests/lib.sh"
printf 'collatz 1: 0 steps\n' >"$TMP/want"; printf 'collatz 1:\000 0 steps\n' >"$TMP/got"
samefile "$TMP/want" "$TMP/got" "collatz.s"
EOT
in_test "$work/samefile.sh"
if [ "$(tail -n 1 "$work/out")" = "collatz.s: expected the line 'collatz 1: 0 steps', got 'collatz 1:^@ 0 steps'" ]; then
    pass "samefile: a NUL in the reason"
else fail "samefile with a NUL:"; tail -n 1 "$work/out"; fi

# same: two transcripts that differ after a NUL; the reason names the line.
cat >"$work/same.sh" <<'EOT'
. "$REF/labs/grader/labtest.sh"
printf 'a\000\nb\n' >"$TMP/x.out"; printf 'a\000\nc\n' >"$TMP/y.out"
for n in x y; do echo 0 >"$TMP/$n.rc"; : >"$TMP/$n.err"; done
same x y "two runs"
EOT
in_test "$work/same.sh"
if [ "$(tail -n 1 "$work/out")" = "two runs: the transcript differs from x's at line 2" ]; then
    pass "same: a NUL in the transcripts"
else fail "same with a NUL:"; cat "$work/out"; fi

# lab 05's unit test: cmocka names a failed test twice (when it fails, and
# in the summary); the reason names each once.  The stand-in compiler
# makes a test_shadow that prints what cmocka prints for two failures.
cat >"$t/build/bin/cc" <<'EOT'
#!/bin/sh
while [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done
cat >"$out" <<'EOP'
#!/bin/sh
printf '[ RUN      ] test_a\n[  FAILED  ] test_a\n[ RUN      ] test_b\n[       OK ] test_b\n'
printf '[ RUN      ] test_c\n[  FAILED  ] test_c\n[==========] 3 test(s) run.\n'
printf '[  PASSED  ] 1 test(s).\n[  FAILED  ] 2 test(s), listed below:\n[  FAILED  ] test_a\n[  FAILED  ] test_c\n'
exit 2
EOP
chmod +x "$out"
EOT
chmod +x "$t/build/bin/cc"
rm -rf "$work/tmp"; mkdir "$work/tmp"
(cd "$t" && env -i PATH=/usr/local/bin:/usr/bin:/bin LC_ALL=C SUB="$t" REF="$t" LAB=05 CC="$t/build/bin/cc" \
    TMP="$work/tmp" HOME="$work/tmp" sh labs/05-shadow-paging/hidden/unit.test) >"$work/out" 2>&1
if [ "$(tail -n 1 "$work/out")" = "shadow unit tests (tasks 1, 2: shadow.c): failed: test_a test_c" ]; then
    pass "unit.test names each failed unit test once"
else fail "unit.test's reason:"; cat "$work/out"; fi

echo "labtests: $fails failure(s)"
[ "$fails" -eq 0 ]
