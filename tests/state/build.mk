# tests/state/ - checkpoints and reverse execution (vmm/state/,
# vmm/debug/reverse.c), on guestos bare and under every VMM mode.
#
#   test_checkpoint  take at N, run to M, restore, run to M: the same state
#                    (registers, virtual state, RAM, console, disk); the
#                    console's input replay from a pipe
#   test_reverse     back N instructions and forward again: exactly the
#                    state forward execution had, across a timer interrupt,
#                    a disk transfer, console input, a page fault; the
#                    memory bound; reverse_find
#   rsibench         `make bench`: debug_rsi_ms, a step back after 10^8
#                    instructions
TESTS += test_checkpoint
test_checkpoint_SRCS   := tests/state/test_checkpoint.c
test_checkpoint_LIBS   := vmm t32asm t32
test_checkpoint_LDLIBS := -lcmocka

TESTS += test_reverse
test_reverse_SRCS   := tests/state/test_reverse.c
test_reverse_LIBS   := vmm t32asm t32
test_reverse_LDLIBS := -lcmocka

PROGS += rsibench
rsibench_SRCS := tests/state/rsibench.c
rsibench_LIBS := vmm t32asm t32

$(BUILD)/tests/state/long.img: tests/state/long.s $(BUILD)/bin/t32as
	@mkdir -p $(@D)
	$(BUILD)/bin/t32as -o $@ $<

BENCH_SCRIPTS += tests/state/bench.sh
