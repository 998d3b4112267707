# lib.sh - what every test of this lab uses (sourced by the .test files):
# the helpers all labs share (labs/grader/labtest.sh).
. "$REF/labs/grader/labtest.sh"
