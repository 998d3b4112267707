# tests/labs/ - the labs' infrastructure (labs/README.md): the grader on a
# small fixture project with two labs (fixture/), hostile submissions, the
# output formats, handouts; then the real labs end to end.
#
#   jsoncheck      a strict JSON checker for results.json and Autolab's line
#   grader.sh      t32grade on the fixture: scores, filters, hidden tests,
#                  formats, determinism, --jobs, hostile submissions
#   handout.sh     labs/handout.sh on the fixture (regions, markers, refusals)
#   autolab.sh     the guide's Autolab Makefile, as written, ends with the scores
#   gradescope.sh  lab 04's Gradescope zip in a folder standing for
#                  /autograder: setup.sh builds, run_autograder gives the
#                  reference full marks and the starter less, and a
#                  results.json Gradescope reads, even without a grader
#   labtests.sh    the labs' test helpers and lab 01's collatz.test with
#                  stand-in programs (a NUL byte on a guest's console), its
#                  default.test on a kernel stopped by the instruction budget
#   labcheck.sh    every lab: reference full marks, starter builds and scores
#                  less, each mutant loses exactly its tests (--tree for the
#                  fixture; `make labcheck` runs it on the real labs)
PROGS += jsoncheck
jsoncheck_SRCS := tests/labs/jsoncheck.c
CHECK_SCRIPTS += tests/labs/grader.sh tests/labs/handout.sh tests/labs/autolab.sh tests/labs/gradescope.sh \
                 tests/labs/labtests.sh tests/labs/labs.sh
