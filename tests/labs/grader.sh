#!/bin/sh
# t32grade on the fixture project (tests/labs/fixture/, two small labs):
# full marks, partial marks, hidden tests, filters, Gradescope's and
# Autolab's formats, determinism, --jobs, and hostile submissions - an
# endless loop, a crash, a fork loop, gigabytes of output, writes outside the
# scratch tree, a build that never ends or does not compile - each contained
# and scored 0 with a clear reason, the grader never hanging.
name=grader
. tests/labs/lib.sh

# A copy of the fixture as a submission, with answer.c's add() made to do
# $2 (C statements) before it returns.
submission() {
    mkdir -p "$work/$1"
    cp -R "$fix/." "$work/$1/"
    rm -rf "$work/$1/build"
    if [ -n "${2:-}" ]; then
        awk -v body="$2" '{ print } /^static long add\(/ { getline; print; print body }' \
            "$fix/answer.c" >"$work/$1/answer.c"
    fi
}
# t32grade on the fixture's lab 01; output in $work/NAME.out, status in $rc.
run() {
    name=$1
    shift
    "$grade" --tree "$fix" --work "$work" --lab 01 "$@" >"$work/$name.out" 2>&1
    rc=$?
}
has() { grep -q -- "$2" "$work/$1.out"; }
# section_has NAME SUB RE: the report of submission $work/SUB in NAME.out matches RE
section_has() { sed -n "\\|^== $work/$2 ==\$|,/^Score:/p" "$work/$1.out" | grep -q -- "$3"; }
notimes() { sed 's/ ([0-9.]*s)$//' "$work/$1.out"; }

# 1. The reference itself: full marks, exit 0.
submission good
run good "$work/good"
if [ $rc -eq 0 ] && has good '^add: OK (' && has good '^mul: OK (' && has good '^Score: 5/5$' &&
   has good '^Part Sums: 2/2$' && ! has good big; then pass "full marks"; else fail "full marks"; cat "$work/good.out"; fi

# 2. Hidden tests only with --hidden.
run hidden --hidden "$work/good"
if [ $rc -eq 0 ] && has hidden '^big: OK' && has hidden '^Score: 10/10$'; then pass "hidden tests included"
else fail "hidden tests"; cat "$work/hidden.out"; fi

# 3. Partial marks: a mutant of mul; exit 1, the reason points at mul().
submission mutant
(cd "$work/mutant" && patch -s -p1 <labs/01-arith/mutants/mul-adds.patch)
run mutant "$work/mutant"
if [ $rc -eq 1 ] && has mutant '^add: OK' &&
   has mutant "^mul: FAIL (mul 3 4 printed '7', expected 12 - see answer.c, mul(), task 2)$" &&
   has mutant '^Score: 2/5$'; then pass "partial marks"; else fail "partial marks"; cat "$work/mutant.out"; fi

# 4. Filters: a name, a wildcard, an unknown name (exit 2).
run filter "$work/mutant" --tests mul
if [ $rc -eq 1 ] && ! has filter '^add:' && has filter '^Score: 0/3$'; then pass "filter by name"
else fail "filter by name"; cat "$work/filter.out"; fi
run glob --hidden "$work/good" -t 'b*'
if [ $rc -eq 0 ] && has glob '^big: OK' && has glob '^Score: 5/5$'; then pass "filter by wildcard"
else fail "filter by wildcard"; cat "$work/glob.out"; fi
run unknown "$work/good" --tests nosuchtest
if [ $rc -eq 2 ] && has unknown "no test is called 'nosuchtest'"; then pass "unknown test name"
else fail "unknown test name"; cat "$work/unknown.out"; fi
# A list without a name is refused too: it must not mean every test.
for list in '' ' , '; do
    run emptylist "$work/good" --tests "$list"
    if [ $rc -eq 2 ] && has emptylist "error: --tests '$list': no test named" && ! has emptylist '^add:'
    then pass "--tests '$list' refused"; else fail "--tests '$list': status $rc"; cat "$work/emptylist.out"; fi
done
# A test name that is also a folder here, a wildcard that the shell could
# expand: tests come only from --tests, submissions only from the rest.
mkdir -p "$work/mul"
(cd "$work" && "$grade" --tree "$fix" --work "$work" --lab 01 --tests 'add, m*' good) >"$work/names.out" 2>&1
rc=$?
if [ $rc -eq 0 ] && has names '^add: OK' && has names '^mul: OK' && has names '^Score: 5/5$' &&
   ! has names '^== '; then pass "--tests: a name that is a folder, a wildcard"
else fail "--tests with a folder named like a test"; cat "$work/names.out"; fi
# make grade hands TESTS to --tests, quoted (else TESTS="s*" is the folder scripts/).
if make -n grade LAB=02 TESTS='s* examples' 2>/dev/null | tr '\n' ' ' | grep -q "t32grade [^;]*--tests 's\* examples'"
then pass "make grade passes TESTS quoted to --tests"
else fail "make grade's TESTS:"; make -n grade LAB=02 TESTS='s* examples' 2>&1 | grep -A3 t32grade; fi
# A submission that does not exist: 0 for it, a clear reason, the others graded.
run missing "$work/nosuchsub" "$work/good"
if [ $rc -eq 1 ] && section_has missing nosuchsub '^build: FAIL (t32grade: .*nosuchsub: No such file or directory' &&
   section_has missing nosuchsub '^Score: 0/5$' && section_has missing good '^Score: 5/5$'
then pass "a missing submission scores 0, the others are graded"
else fail "a missing submission"; cat "$work/missing.out"; fi

# 5. Gradescope's results.json: valid JSON, score, tests, visibility.
run gs --hidden --gradescope "$work/results.json" "$work/mutant"
if "$json" "$work/results.json" &&
   [ "$("$json" "$work/results.json" score)" = 7 ] &&
   [ "$("$json" "$work/results.json" tests '#')" = 3 ] &&
   [ "$("$json" "$work/results.json" tests 1 name)" = mul ] &&
   [ "$("$json" "$work/results.json" tests 1 score)" = 0 ] &&
   [ "$("$json" "$work/results.json" tests 1 max_score)" = 3 ] &&
   [ "$("$json" "$work/results.json" tests 2 visibility)" = hidden ] &&
   "$json" "$work/results.json" execution_time >/dev/null &&
   "$json" "$work/results.json" tests 0 output >/dev/null; then pass "gradescope results.json"
else fail "gradescope results.json"; cat "$work/results.json"; fi
# The top-level output is shown to students at once: nothing of the hidden
# test (name, reason, points, the total), only the visible tests' lines.
top=$("$json" "$work/results.json" output)
case $top in
    *big* | *10* | *'Score: '*) fail "results.json's output shows the hidden test: $top" ;;
    *'mul: FAIL'*'Score of the visible tests: 2/5'*) pass "results.json's output: visible tests only" ;;
    *) fail "results.json's output: $top" ;;
esac

# A results.json that cannot be written (a full disk, a missing folder, a
# folder in its place) is a report not given: exit 2, not 1, the file named.
ln -s /dev/full "$work/full.json"
mkdir -p "$work/dir.json"
for f in "$work/full.json" "$work/nosuchdir/r.json" "$work/dir.json"; do
    run gsbad --gradescope "$f" "$work/good"
    if [ $rc -eq 2 ] && has gsbad "^t32grade: error: $f: [A-Z]"; then pass "results.json unwritable (${f##*/}): exit 2"
    else fail "results.json unwritable (${f##*/}): status $rc"; cat "$work/gsbad.out"; fi
done

# 6. Autolab: the last line is {"scores": {part: points}}.
run al --hidden --autolab "$work/mutant"
tail -n 1 "$work/al.out" >"$work/al.json"
if "$json" "$work/al.json" && [ "$("$json" "$work/al.json" scores Sums)" = 7 ] &&
   [ "$("$json" "$work/al.json" scores Products)" = 0 ]; then pass "autolab last line"
else fail "autolab last line"; cat "$work/al.out"; fi

# A report that cannot be written (a full disk) is not a report given: an
# error on stderr and exit 2, the report and Autolab's line alike.
for opt in --verbose --autolab; do
    "$grade" --tree "$fix" --work "$work" --lab 01 $opt "$work/good" >/dev/full 2>"$work/full.out"
    rc=$?
    if [ $rc -eq 2 ] && has full '^t32grade: error: standard output: No space left on device$'
    then pass "a report lost to a full disk ($opt): exit 2"
    else fail "a report lost to a full disk ($opt): status $rc"; cat "$work/full.out"; fi
done

# 7. Determinism: the same submission twice, the same report (times aside).
run again --hidden --gradescope "$work/results2.json" "$work/mutant"
notimes gs >"$work/a.txt"; notimes again >"$work/b.txt"
grep -v '^"execution_time"' "$work/results.json" >"$work/a.json"
grep -v '^"execution_time"' "$work/results2.json" >"$work/b.json"
if cmp -s "$work/a.txt" "$work/b.txt" && cmp -s "$work/a.json" "$work/b.json"; then pass "deterministic"
else fail "not deterministic"; diff "$work/a.txt" "$work/b.txt"; diff "$work/a.json" "$work/b.json"; fi

# 8. --jobs 2 on three submissions: each report as when graded alone.
run jobs --jobs 2 "$work/good" "$work/mutant" "$work/good"
if [ $rc -eq 1 ] && [ "$(grep -c '^== ' "$work/jobs.out")" = 3 ] &&
   [ "$(grep -c '^Score: 5/5$' "$work/jobs.out")" = 2 ] &&
   sed -n '/^== .*mutant ==$/,/^Score/p' "$work/jobs.out" | grep -q '^Score: 2/5$'; then pass "--jobs 2"
else fail "--jobs 2"; cat "$work/jobs.out"; fi

# 9. Hostile submissions.  Each must FAIL add with the reason given, quickly.
hostile() {
    name=$1 code=$2 reason=$3
    submission "$name" "$code"
    start=$(date +%s)
    run "$name" --build-timeout 5 "$work/$name" --tests add
    took=$(( $(date +%s) - start ))
    if [ $rc -eq 1 ] && grep -q "^add: FAIL (.*$reason" "$work/$name.out" && [ "$took" -lt 30 ]; then
        pass "hostile $name contained (${took}s)"
    else
        fail "hostile $name (status $rc, ${took}s)"; cat "$work/$name.out"
    fi
}
hostile loop 'for (;;) ;' 'timed out after 3 s'
hostile segv '*(volatile int *)0 = 1;' 'answer add 2 3 failed (status 139)'
hostile forks 'for (;;) fork();' 'timed out after 3 s (killed; it ran [0-9]* processes, its limit: a fork loop?)'
hostile flood 'for (;;) fputs("gigabytes of output, gigabytes of output\\n", stderr);' \
    'printed more than 8 MiB'
# Outside its tree: next to it (the scratch folder is read-only; a
# non-root grader's submission can make it writable, and is caught).
hostile escape 'chmod("..", 0755); FILE *f = fopen("../escaped", "w"); if (!f) { perror("../escaped"); exit(3); } fclose(f);' \
    '\(wrote outside its tree: $SUB/../escaped\|failed (status 3)\)'
hostile ref '{ char p[4096]; snprintf(p, sizeof p, "%s/owned", getenv("REF")); FILE *f = fopen(p, "w"); if (!f) { perror(p); exit(3); } fclose(f); }' \
    '\(wrote outside its tree: in $REF\|failed (status 3)\)'
# Stopped while a submission's commands run: a SIGTERM to the grader alone
# (or Ctrl-C's SIGINT to its process group, which is not the submission's)
# must still kill them (their groups and the sandbox uid's processes),
# remove the scratch folder and exit 2, at once.  (SIGTERM: a script's
# background job starts with SIGINT ignored, and the grader leaves an
# ignored signal so.)  The submission's build never ends and keeps starting
# processes that sleep - named by its scratch path, under $work - so the
# test has a wide window (the build timeout), and nothing starves the
# machine it watches with (a CPU-bound fork loop would, on a busy host).
submission stopme
cat >"$work/stopme/spin.sh" <<'EOF'
if [ "${1:-}" = child ]; then while :; do sleep 1; done; fi
while :; do sh "$0" child & sleep 0.2; done
EOF
printf 'all:\n\tsh $(CURDIR)/spin.sh\n' >"$work/stopme/Makefile"
spinning() { ps -eo pid=,args= | grep -F -- "$work/" | grep 'spin\.sh' || true; }
"$grade" --tree "$fix" --work "$work" --lab 01 --build-timeout 120 "$work/stopme" \
    >"$work/stopme.out" 2>&1 &
gpid=$!
i=0
while [ $i -lt 240 ] && [ "$(spinning | wc -l)" -lt 3 ]; do
    sleep 0.25
    i=$((i + 1))
done
kill -TERM "$gpid"
start=$(date +%s)
wait "$gpid"
rc=$?
took=$(( $(date +%s) - start ))
sleep 1
if [ $rc -eq 2 ] && [ "$took" -le 5 ] && has stopme 'stopped by signal 15' &&
   [ -z "$(spinning)" ] && ! ls "$work"/t32grade.* >/dev/null 2>&1
then pass "stopped: the submission's commands killed, the scratch removed, exit 2 (${took}s)"
else
    fail "stopped (status $rc, ${took}s; $(spinning | wc -l) processes left)"
    cat "$work/stopme.out"
    # what this test started must not outlive it (the grader no longer can)
    pids=$(spinning | awk '{ print $1 }')
    [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
fi
if ! ls "$work"/t32grade.* >/dev/null 2>&1; then pass "scratch folders removed"
else fail "scratch folders left: $(ls -d "$work"/t32grade.*)"; fi
# Their processes are gone too (the fork loop's and the loop's).  Only
# this test's: their programs lie in its scratch folders, under $work (so
# another grader on the machine - a second `make check` - is not counted).
sleep 1
left=$(ps -eo pid,user,args | grep -F -- "$work/" | grep 'bin/answer add' || true)
if [ -z "$left" ]; then pass "no process left"
else fail "processes left: $left"; fi

# The build: a Makefile that never ends, a compile error.
submission buildloop
printf 'all:\n\twhile :; do :; done\n' >"$work/buildloop/Makefile"
run buildloop --build-timeout 3 "$work/buildloop"
if [ $rc -eq 1 ] && has buildloop '^build: FAIL (t32grade: timed out after 3 s' &&
   has buildloop '^add: FAIL (build failed: t32grade: timed out' && has buildloop '^Score: 0/5$'
then pass "endless build contained"; else fail "endless build"; cat "$work/buildloop.out"; fi
submission builderr 'this is not C'
run builderr "$work/builderr"
if [ $rc -eq 1 ] && has builderr '^build: FAIL (answer.c:.*error:' &&
   has builderr '^mul: FAIL (build failed: answer.c:.*error:'; then pass "compile error reported"
else fail "compile error"; cat "$work/builderr.out"; fi

# A build that fails in two places at once: whichever parallel job ends
# first must not decide the report.  The report is the one of make -j1:
# the first target's error.
submission builderrs
printf 'all: first second\nfirst:\n\t@sleep 1; echo "first.c:1:1: error: the first error"; exit 1\nsecond:\n\t@echo "second.c:1:1: error: the second error"; exit 1\n' \
    >"$work/builderrs/Makefile"
run builderrs "$work/builderrs"
if [ $rc -eq 1 ] && has builderrs '^build: FAIL (first.c:1:1: error: the first error)$' &&
   ! has builderrs 'second error'; then pass "a failing build's report does not depend on timing"
else fail "a failing parallel build"; cat "$work/builderrs.out"; fi

# A link error: the reason is the linker's undefined reference, which
# names the function, not collect2's "ld returned 1 exit status".
submission linkerr
printf 'all:\n\t@echo "/usr/bin/ld: exit.o: in function f: exit.c:(.text+0x1): undefined reference to \`vmm_emulate'"'"'"; echo "collect2: error: ld returned 1 exit status"; exit 1\n' \
    >"$work/linkerr/Makefile"
run linkerr "$work/linkerr"
if [ $rc -eq 1 ] && has linkerr "^build: FAIL (.*undefined reference to .vmm_emulate" &&
   ! has linkerr '^build: FAIL (collect2'; then pass "a link error names the undefined reference"
else fail "a link error's reason"; cat "$work/linkerr.out"; fi

# 10. Symbolic links are never followed: a submission that is only a link to
# a full tree (in a folder of its own, as a zip's folder would be) gets
# nothing, and the report says the link was ignored; a link among real
# files is left out and named too.
mkdir -p "$work/linkonly"
ln -s "$fix" "$work/linkonly/mytree"
run linkonly "$work/linkonly"
if [ $rc -eq 1 ] && has linkonly '^Score: 0/5$' && has linkonly '^build: FAIL (.*symbolic link ignored: mytree' &&
   has linkonly '^add: FAIL (build failed: .*symbolic link ignored: mytree'; then pass "a link to a tree is not followed"
else fail "a link to a tree"; cat "$work/linkonly.out"; fi
submission linkfile
rm "$work/linkfile/answer.c"
ln -s "$fix/answer.c" "$work/linkfile/answer.c"
run linkfile "$work/linkfile"
if [ $rc -eq 1 ] && has linkfile '^Score: 0/5$' && has linkfile '^build: FAIL' &&
   has linkfile '^    t32grade: symbolic link ignored: answer.c'; then pass "a linked file is left out and named"
else fail "a linked file"; cat "$work/linkfile.out"; fi

# A file named build at the top (not a folder) is left out like build/: the
# tree builds into a build/ of its own (the copy had failed, naming the
# grader's random scratch folder - a different reason every time).
submission buildfile
echo "my notes on how to build" >"$work/buildfile/build"
run buildfile "$work/buildfile"
if [ $rc -eq 0 ] && has buildfile '^Score: 5/5$'; then pass "a file named build is left out"
else fail "a file named build"; cat "$work/buildfile.out"; fi

# 12. A NUL byte in a test's output does not cut it: the reason is still the
# last line, and results.json still holds what came after the NUL.
mkdir -p "$work/nultree"
cp -R "$fix/." "$work/nultree/"
rm -rf "$work/nultree/build"
printf '# points: 1\nprintf "before\\n\\000after\\nthe real reason\\n"\nexit 1\n' \
    >"$work/nultree/labs/01-arith/tests/nul.test"
"$grade" --tree "$work/nultree" --work "$work" --lab 01 --tests nul --gradescope "$work/nul.json" \
    "$work/good" >"$work/nul.out" 2>&1
if has nul '^nul: FAIL (the real reason)$' &&
   "$json" "$work/nul.json" tests 0 output | grep -q 'after.*the real reason'
then pass "a NUL byte in the output"; else fail "a NUL byte in the output"; cat "$work/nul.out"; fi

# Bytes that only look like UTF-8 (a surrogate, an overlong form, a code
# point above U+10FFFF - a guest's console can print anything) become '?'
# in results.json, which a strict reader would otherwise reject whole; real
# UTF-8 (e acute, the euro sign, a 4-byte emoji) is kept.
printf '# points: 1\nprintf "bad \\355\\240\\200 \\340\\200\\200 \\364\\220\\200\\200 good \\303\\251\\342\\202\\254\\360\\237\\230\\200\\n"\nexit 1\n' \
    >"$work/nultree/labs/01-arith/tests/utf8.test"
"$grade" --tree "$work/nultree" --work "$work" --lab 01 --tests utf8 --gradescope "$work/utf8.json" \
    "$work/good" >"$work/utf8.out" 2>&1
if "$json" "$work/utf8.json" tests 0 output >"$work/utf8.got" &&
   grep -q "bad ??? ??? ???? good $(printf '\303\251\342\202\254\360\237\230\200')" "$work/utf8.got"
then pass "results.json is UTF-8 whatever bytes a test prints"
else fail "results.json with ill-formed UTF-8 in a test's output"; cat "$work/utf8.out" "$work/utf8.got"; fi

# Control characters in a reason (a guest's console line: a carriage
# return, an escape sequence) are shown as cat -v shows them: on a terminal
# they could make a FAIL line look like "fake: OK (0.1s)".
printf '# points: 1\nprintf "\\rfake: OK (0.1s)\\033[8m hidden\\n"\nexit 1\n' \
    >"$work/nultree/labs/01-arith/tests/fake.test"
"$grade" --tree "$work/nultree" --work "$work" --lab 01 --tests fake -v "$work/good" >"$work/fake.out" 2>&1
if has fake '^fake: FAIL (^Mfake: OK (0.1s)^\[\[8m hidden)$' && has fake '^    ^Mfake: OK' &&
   ! grep -q "$(printf '[\r\033]')" "$work/fake.out"
then pass "control characters in a reason are shown, not obeyed"
else fail "control characters in a reason"; cat -v "$work/fake.out"; fi

# A reason too long for the report (a list of failed unit tests) ends with
# "..." where it was cut: "test_lru_replacement" cut to "test" read as a
# test of that name.
printf '# points: 1\nfor i in $(seq 40); do printf "test_number_%%d " $i; done; echo\nexit 1\n' \
    >"$work/nultree/labs/01-arith/tests/long.test"
"$grade" --tree "$work/nultree" --work "$work" --lab 01 --tests long "$work/good" >"$work/long.out" 2>&1
reason=$(sed -n 's/^long: FAIL (\(.*\))$/\1/p' "$work/long.out")
case $reason in
    "test_number_1 test_number_2 "*...) pass "a cut reason ends with ... (${#reason} characters)" ;;
    *) fail "a long reason: '$reason'"; cat "$work/long.out" ;;
esac

# A submission's scratch tree (its copy, its build) is removed once it is
# graded, not at the end of the run: with hundreds of submissions they
# would fill a small /tmp.  The test, in the third submission, sees that
# the first's is gone.
printf '# points: 1\ncase $SUB in */sub-2/tree) [ ! -e "$SUB/../../sub-0" ] || { echo "sub-0 is still there"; exit 1; } ;; esac\n' \
    >"$work/nultree/labs/01-arith/tests/gone.test"
"$grade" --tree "$work/nultree" --work "$work" --lab 01 --tests gone "$work/good" "$work/good" \
    "$work/good" >"$work/gone.out" 2>&1
if [ "$(grep -c '^gone: OK' "$work/gone.out")" = 3 ]; then pass "a graded submission's scratch tree is removed at once"
else fail "a graded submission's scratch tree"; cat "$work/gone.out"; fi

# A test's environment is the one the guide's protocol lists, variable for
# variable (PWD is the shell's own).
printf '# points: 1\nenv | sed "s/=.*//" | grep -v "^PWD$" | LC_ALL=C sort | tr "\\n" " "; echo\nexit 1\n' \
    >"$work/nultree/labs/01-arith/tests/env.test"
"$grade" --tree "$work/nultree" --work "$work" --lab 01 --tests env "$work/good" >"$work/env.out" 2>&1
got=$(sed -n 's/^env: FAIL (\(.*\))$/\1/p' "$work/env.out")
documented=$(sed -n '/^The grader runs it as/,/^Exit status 0 is OK/p' labs/README.md |
             grep -o '`\$\{0,1\}[A-Z_0-9]*[`=]' | tr -d '`$=' | LC_ALL=C sort -u | tr '\n' ' ')
if [ -n "$got" ] && [ "$got " = "$documented" ]; then pass "a test's environment is the documented one ($got)"
else fail "a test's environment is '$got', labs/README.md lists '$documented'"; cat "$work/env.out"; fi

# 13. Without root, a submission can write into $REF: that fails its own
# test, $REF is put back as it was, and the submissions after it are
# graded as usual.  (As root the sandbox's uid cannot write there: the
# grader is run here as nobody.)
nr="$work/nonroot"
mkdir -p "$nr/ref"
cp -R "$fix/." "$nr/ref/"
rm -rf "$nr/ref/build"
(cd "$nr/ref" && make >/dev/null 2>&1)
submission refbad '{ char p[4096]; snprintf(p, sizeof p, "%s/owned", getenv("REF")); FILE *f = fopen(p, "w"); if (f) fclose(f); snprintf(p, sizeof p, "%s/answer.c", getenv("REF")); f = fopen(p, "w"); if (f) { fputs("garbage", f); fclose(f); } }'
as_user=
if [ "$(id -u)" = 0 ]; then
    chown -R 65534:65534 "$nr" "$work/refbad" "$work/good"
    as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi
$as_user "$grade" --tree "$fix" --ref "$nr/ref" --work "$nr" --lab 01 \
    "$work/refbad" "$work/good" "$work/good" >"$work/refbad.out" 2>&1
if section_has refbad refbad '^add: FAIL (t32grade: wrote outside its tree: in $REF' &&
   [ "$(grep -c '^Score: 5/5$' "$work/refbad.out")" = 2 ] && [ ! -e "$nr/ref/owned" ] &&
   cmp -s "$nr/ref/answer.c" "$fix/answer.c"; then pass "a write into \$REF fails only its submission, \$REF put back"
else fail "a write into \$REF"; cat "$work/refbad.out"; ls "$nr/ref"; fi
[ "$(id -u)" = 0 ] && chown -R 0:0 "$nr" "$work/refbad" "$work/good"
# ... also when it writes in place and sets the file's times back (its
# change time still moves).
submission refsneak 'system("sh sneak.sh");'
cat >"$work/refsneak/sneak.sh" <<'EOF2'
f="$REF/answer.c"; t=$(mktemp)
touch -r "$f" "$t"
printf '#' | dd of="$f" conv=notrunc 2>/dev/null
touch -r "$t" "$f"
rm -f "$t"
EOF2
[ "$(id -u)" = 0 ] && chown -R 65534:65534 "$nr" "$work/refsneak" "$work/good"
$as_user "$grade" --tree "$fix" --ref "$nr/ref" --work "$nr" --lab 01 \
    "$work/refsneak" "$work/good" >"$work/refsneak.out" 2>&1
if section_has refsneak refsneak '^add: FAIL (t32grade: wrote outside its tree: in $REF' &&
   [ "$(grep -c '^Score: 5/5$' "$work/refsneak.out")" = 1 ] &&
   cmp -s "$nr/ref/answer.c" "$fix/answer.c"; then pass "a write into \$REF with its times set back is caught too"
else fail "a write into \$REF with its times set back"; cat "$work/refsneak.out"; fi
[ "$(id -u)" = 0 ] && chown -R 0:0 "$nr" "$work/refsneak" "$work/good"

# ... also when the same command writes next to its tree too: every check
# runs and puts back what it watches, whichever catches it first - else
# $REF stays changed, and the next submission (add is the guilty one's
# last test) is blamed for it.
submission twowrites 'chmod("..", 0755); { FILE *f = fopen("../outside-written", "w"); if (f) fclose(f); char p[4096]; snprintf(p, sizeof p, "%s/answer.c", getenv("REF")); unlink(p); }'
[ "$(id -u)" = 0 ] && chown -R 65534:65534 "$nr" "$work/twowrites" "$work/good"
$as_user "$grade" --tree "$fix" --ref "$nr/ref" --work "$nr" --lab 01 --tests add \
    "$work/twowrites" "$work/good" >"$work/twowrites.out" 2>&1
if section_has twowrites twowrites '^add: FAIL (t32grade: wrote outside its tree: $SUB/../outside-written)$' &&
   section_has twowrites good '^Score: 2/2$' && cmp -s "$nr/ref/answer.c" "$fix/answer.c"
then pass "a write next to its tree and into \$REF at once: \$REF put back, only its submission fails"
else fail "a write next to its tree and into \$REF at once"; cat "$work/twowrites.out"; fi
[ "$(id -u)" = 0 ] && chown -R 0:0 "$nr" "$work/twowrites" "$work/good"

# ... but when $REF is the submission itself (make grade: a tree grades
# itself), $REF is the user's own tree: a change there (an edit saved while
# it grades) is told, never undone nor blamed.
submission self '{ char p[4096]; snprintf(p, sizeof p, "%s/owned", getenv("REF")); FILE *f = fopen(p, "w"); if (f) fclose(f); }'
(cd "$work/self" && make >/dev/null 2>&1)
[ "$(id -u)" = 0 ] && chown -R 65534:65534 "$nr" "$work/self"
$as_user "$grade" --tree "$fix" --ref "$work/self" --work "$nr" --lab 01 --tests add \
    "$work/self" >"$work/selfref.out" 2>&1
if has selfref '^Score: 2/2$' && [ -e "$work/self/owned" ] &&
   grep -q "warning: \$REF .* changed while grading: it is a submission's own tree" "$work/selfref.out"
then pass "\$REF that is the submission (make grade): a change there is told, kept, not blamed"
else fail "\$REF that is the submission"; cat "$work/selfref.out"; fi
[ "$(id -u)" = 0 ] && chown -R 0:0 "$nr" "$work/self"

# ... nor can it change the grader's own files: its copies of the tests
# (the submission and every one graded after it passed everything), nor
# the results of tests run before (its own, or those of the submission
# graded before it).  wrong (add and mul wrong) is graded with each.
submission wrong
(cd "$work/wrong" && patch -s -p1 <labs/01-arith/mutants/mul-adds.patch &&
    patch -s -p1 <labs/01-arith/mutants/add-short.patch)
submission testsbad 'system("sh forge.sh");'
(cd "$work/testsbad" && patch -s -p1 <labs/01-arith/mutants/mul-adds.patch)
echo 'for t in ../../tests/*.test; do printf "# points: 1\nexit 0\n" >"$t"; done' >"$work/testsbad/forge.sh"
submission resbad 'system("sh forge.sh");'
(cd "$work/resbad" && patch -s -p1 <labs/01-arith/mutants/mul-adds.patch)
echo 'for f in ../../res-*/*.meta; do printf "1 0.0\nforged\n\n" >"$f"; done' >"$work/resbad/forge.sh"
[ "$(id -u)" = 0 ] && chown -R 65534:65534 "$nr" "$work/testsbad" "$work/resbad" "$work/wrong"
$as_user "$grade" --tree "$fix" --ref "$nr/ref" --work "$nr" --lab 01 --hidden \
    "$work/testsbad" "$work/wrong" >"$work/testsbad.out" 2>&1
$as_user "$grade" --tree "$fix" --ref "$nr/ref" --work "$nr" --lab 01 --hidden \
    "$work/wrong" "$work/resbad" >"$work/resbad.out" 2>&1
if section_has testsbad testsbad '^add: FAIL (t32grade: wrote outside its tree: in $TESTS' &&
   section_has testsbad testsbad '^Score: 0/10$' && section_has testsbad wrong '^Score: 2/10$'
then pass "a write into the grader's tests fails only its submission, the tests put back"
else fail "a write into the grader's tests"; cat "$work/testsbad.out"; fi
if section_has resbad wrong '^Score: 2/10$' && section_has resbad resbad '^Score: 7/10$' &&
   ! grep -q forged "$work/resbad.out"; then pass "a submission cannot rewrite results already given"
else fail "a submission rewrote results"; cat "$work/resbad.out"; fi
[ "$(id -u)" = 0 ] && chown -R 0:0 "$nr" "$work/testsbad" "$work/resbad" "$work/wrong"

# 11. Options that do not make sense are refused (exit 2): a lab that is not
# a number, a Gradescope file that is not .json (as --help says).
run badlab --lab 1x "$work/good"
if [ $rc -eq 2 ] && has badlab "lab '1x' is not a number"; then pass "--lab 1x refused"
else fail "--lab 1x"; cat "$work/badlab.out"; fi
run badgs --gradescope="$work/x.txt" "$work/good"
if [ $rc -eq 2 ] && has badgs 'must end in .json' && [ ! -e "$work/x.txt" ]; then pass "--gradescope=x.txt refused"
else fail "--gradescope=x.txt"; cat "$work/badgs.out"; fi
# A FILE for --gradescope that does not end in .json is a submission: with
# the real one, two submissions, which the message says, naming the file.
run gstxt --gradescope "$work/x.txt" "$work/good"
if [ $rc -eq 2 ] && has gstxt "error: --gradescope grades one submission, not 2 ('$work/x.txt' after --gradescope is one: a FILE for results must end in .json)" &&
   [ ! -e "$work/x.txt" ]; then pass "--gradescope x.txt SUB: the .json rule named"
else fail "--gradescope x.txt SUB"; cat "$work/gstxt.out"; fi
run al2 --autolab "$work/good" "$work/good"
if [ $rc -eq 2 ] && has al2 "error: --autolab grades one submission, not 2$"; then pass "--autolab with two submissions refused"
else fail "--autolab with two submissions"; cat "$work/al2.out"; fi
# The scratch folder inside $REF, the instructor's tree or a submission is
# refused at once: its own files would change $REF's fingerprint (every
# submission failing as having written there), or a copy would hold itself.
mkdir -p "$work/reftree/scratch"
cp -R "$fix/." "$work/reftree/"
mkdir -p "$work/good/scratch"
for where in "--ref $work/reftree --work $work/reftree/scratch" "--tree $work/reftree --work $work/reftree/scratch" \
             "--work $work/good/scratch"; do
    # shellcheck disable=SC2086  # one word per option and value
    "$grade" --tree "$fix" $where --lab 01 "$work/good" >"$work/inside.out" 2>&1
    rc=$?
    if [ $rc -eq 2 ] && has inside "error: --work $work/.*/scratch: the scratch folder would be inside" &&
       [ -z "$(ls -A "$work/reftree/scratch")" ] && [ -z "$(ls -A "$work/good/scratch")" ]
    then pass "scratch folder inside the tree refused ($where)"
    else fail "scratch folder inside the tree ($where): status $rc"; cat "$work/inside.out"; fi
done
rm -r "$work/good/scratch"
# Numbers are whole numbers in range: "10m" is not 10 seconds, "abc" not uid 0.
for opt in "--build-timeout 10m" "--jobs 2x" "--jobs 0" "--uid-base abc"; do
    run badnum $opt "$work/good"
    if [ $rc -eq 2 ] && has badnum "error: ${opt% *} '${opt#* }': a whole number from"; then pass "$opt refused"
    else fail "$opt"; cat "$work/badnum.out"; fi
done
# As root, a sandbox uid never belongs to an account (daemon, nobody, a
# person): the grader would hand it the scratch tree and kill all its
# processes after every test.  From 1 on, the first uids are accounts.
if [ "$(id -u)" = 0 ] && getent passwd 1 >/dev/null; then
    submission whoami 'system("echo sandbox uid $(id -u) >&2"); exit(3);'
    run whoami --uid-base 1 -v "$work/whoami" --tests add
    uid=$(sed -n 's/^ *sandbox uid \([0-9]*\)$/\1/p' "$work/whoami.out" | head -n 1)
    if [ -n "$uid" ] && ! getent passwd "$uid" >/dev/null; then pass "--uid-base 1: uid $uid, no account's"
    else fail "--uid-base 1 ran the submission as uid '$uid' ($(getent passwd "$uid" | cut -d: -f1))"; cat "$work/whoami.out"; fi
else
    echo "skip: sandbox uids and accounts (needs root and a passwd entry for uid 1)"
fi

# 14. Two root graders at once (two labs graded on one machine): each claims
# sandbox uids of its own, so neither's end-of-test kill of its uid's
# processes reaches the other's running test.  A's add sleeps 2 s (its limit is 3); B grades
# quickly meanwhile.
if [ "$(id -u)" = 0 ]; then
    submission slow 'system("sleep 2");'
    "$grade" --tree "$fix" --work "$work" --lab 01 "$work/slow" >"$work/slowA.out" 2>&1 &
    pa=$!
    sleep 0.7
    run quickB "$work/good"
    rb=$rc
    wait $pa
    ra=$?
    if [ $ra -eq 0 ] && [ $rb -eq 0 ] && has slowA '^add: OK'; then pass "two graders at once"
    else fail "two graders at once (A $ra, B $rb)"; cat "$work/slowA.out"; fi
else
    echo "skip: two graders at once (needs root)"
fi

echo "grader: $fails failure(s)"
[ "$fails" -eq 0 ]
