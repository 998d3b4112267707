# tests/fuzz/ - libFuzzer harnesses (fuzz_*.c).  `make fuzz` runs each for
# FUZZ_SECONDS; `make check` runs a bounded slice of each (check.sh).
CHECK_SCRIPTS += tests/fuzz/check.sh
