# lib.sh - what every test of this lab uses (sourced by the .test files):
# the helpers all labs share (labs/grader/labtest.sh), and where the
# results only the course's code can give are stored (reference).
. "$REF/labs/grader/labtest.sh"
EXPECTED=$REF/labs/03-binary-translation/tests/expected
