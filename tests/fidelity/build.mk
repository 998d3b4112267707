# tests/fidelity/ - fidelity across the VMM modes (README.md).
#
#   fidelity   the checker: guests bare and under each mode, compared in one
#              process; the random program generator and its driver
#   run.sh     the harness (`make fidelity`, and `make check`): every guestos
#              scenario, test guest and example in every mode, then 1000
#              random programs
PROGS += fidelity
fidelity_SRCS := tests/fidelity/fidelity.c tests/fidelity/check.c tests/fidelity/gen.c
fidelity_LIBS := vmm t32asm t32
CHECK_SCRIPTS += tests/fidelity/run.sh
