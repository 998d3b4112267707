# tests/bench/ - interpreter benchmarks, run by `make bench` (never by
# `make check`: timing is measured and printed, never asserted).  `make
# check` runs only usage.sh: t32bench's command line, on tiny runs.
PROGS += t32bench
t32bench_SRCS := tests/bench/bench.c
t32bench_LIBS := t32

BENCH_SCRIPTS += tests/bench/run.sh
CHECK_SCRIPTS += tests/bench/usage.sh
