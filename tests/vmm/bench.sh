#!/bin/sh
# The VMM's benchmark figures (`make bench`): guestos's CPU-bound scenario
# (and a syscall-heavy mix) on bare T32 and under each VMM mode (the
# paravirtual kernel under pv).  Printed, never asserted.
set -eu
BUILD="${BUILD:-build}"
g="$BUILD/guestos"
make -s BUILD="$BUILD" "$BUILD/bin/vmmbench" "$g/kernel.img" "$g/kernel-pv.img" \
    "$g/cpu.disk" "$g/bench.disk"
# cpu: the CPU-bound scenario (primes alone); mixed: primes + sysbench.
"$BUILD/bin/vmmbench" "$g/kernel.img" "$g/kernel-pv.img" cpu "$g/cpu.disk" mixed "$g/bench.disk"
