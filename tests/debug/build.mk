# tests/debug/ - trapeze debug.
#
#   run.sh   scripted sessions (*.x, run with --batch) against golden
#            transcripts in golden/ (UPDATE=1 tests/debug/run.sh rewrites them)
#   pty.sh   completion, history and the prompt through a pseudo-terminal,
#            driven by ptydrive (a small C program: posix_openpt)
CHECK_SCRIPTS += tests/debug/run.sh tests/debug/reverse.sh tests/debug/pty.sh
BENCH_SCRIPTS += tests/debug/bench.sh

EXTRA_ALL += $(BUILD)/tests/debug/ptydrive
$(BUILD)/tests/debug/ptydrive: tests/debug/ptydrive.c
	@mkdir -p $(@D)
	$(call say,CC,$<)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<
