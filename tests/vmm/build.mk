# tests/vmm/ - the trap-and-emulate VMM.
#
#   test_vmm       unit tests of emulation, reflection and virtual time,
#                  each differential against bare T32 (no OS needed)
#   test_hostile   hostile guests (hostile/*.s, assembled here with t32as)
#                  between two victim VMs: isolation and fidelity
#   *.sh           end-to-end runs of guestos under --mode trap
TESTS += test_vmm
test_vmm_SRCS   := tests/vmm/test_vmm.c
test_vmm_LIBS   := vmm t32
test_vmm_LDLIBS := -lcmocka

# test_emulate: --mode emulate against bare T32 (pushf/popf, stale TLB
# entries and random programs included).
TESTS += test_emulate
test_emulate_SRCS   := tests/vmm/test_emulate.c
test_emulate_LIBS   := vmm t32
test_emulate_LDLIBS := -lcmocka

# test_console_flush: several VMs on one terminal (vdev_console_flush).
TESTS += test_console_flush
test_console_flush_SRCS   := tests/vmm/test_console_flush.c
test_console_flush_LIBS   := vmm t32
test_console_flush_LDLIBS := -lcmocka

# (Only once the assembler is part of the build.)
ifneq ($(wildcard assembler/build.mk),)
VMM_HOSTILE      := wild_stores dma ports pagetables spin trapstorm pvcalls
VMM_HOSTILE_IMGS := $(foreach h,$(VMM_HOSTILE),$(BUILD)/tests/vmm/hostile/$(h).img)

$(BUILD)/tests/vmm/hostile/%.img: tests/vmm/hostile/%.s tests/vmm/hostile/hostile.s $(BUILD)/bin/t32as
	@mkdir -p $(@D)
	$(BUILD)/bin/t32as -I tests/vmm/hostile -o $@ $<

EXTRA_ALL += $(VMM_HOSTILE_IMGS)
TESTS += test_hostile
test_hostile_SRCS   := tests/vmm/test_hostile.c
test_hostile_LIBS   := vmm t32
test_hostile_LDLIBS := -lcmocka
endif

# Small guests for the scripts: the popf problem (popf_problem.sh) and the
# ways a run can end (trapeze_cli.sh).
ifneq ($(wildcard assembler/build.mk),)
$(BUILD)/tests/vmm/popf/%.img: tests/vmm/popf/%.s $(BUILD)/bin/t32as
	@mkdir -p $(@D)
	$(BUILD)/bin/t32as -o $@ $<
$(BUILD)/tests/vmm/guests/%.img: tests/vmm/guests/%.s $(BUILD)/bin/t32as
	@mkdir -p $(@D)
	$(BUILD)/bin/t32as -o $@ $<
# fidelity.s with several timer intervals.
$(BUILD)/tests/vmm/guests/fidelity-%.img: tests/vmm/guests/fidelity.s $(BUILD)/bin/t32as
	@mkdir -p $(@D)
	$(BUILD)/bin/t32as -D TICK=$* -o $@ $<
VMM_FIDELITY_TICKS := 97 777 5000
EXTRA_ALL += $(BUILD)/tests/vmm/popf/tickwait.img \
             $(foreach g,hello escape idle reader counter ticks,$(BUILD)/tests/vmm/guests/$(g).img) \
             $(foreach t,$(VMM_FIDELITY_TICKS),$(BUILD)/tests/vmm/guests/fidelity-$(t).img)
endif
CHECK_SCRIPTS += tests/vmm/popf_problem.sh tests/vmm/trapeze_cli.sh tests/vmm/guestos_trap.sh tests/vmm/modes.sh \
                 tests/vmm/fidelity.sh
# --mode emulate against bare T32 on every guest; trapeze compare and audit.
CHECK_SCRIPTS += tests/vmm/emulate.sh tests/vmm/compare.sh
# Several VMs on one terminal: prefixes, cut lines, escaped control bytes.
CHECK_SCRIPTS += tests/vmm/console_share.sh tests/vmm/console_errors.sh tests/vmm/input_fair.sh \
                 tests/vmm/hint.sh tests/vmm/interrupt.sh
# --mode pv: guestos's paravirtual kernel against bare T32, the native
# kernel against --mode trap, exits per instruction against trap.
CHECK_SCRIPTS += tests/vmm/pv.sh

# `make bench`: VMM time / bare time on guestos's CPU-bound scenario.
PROGS += vmmbench
vmmbench_SRCS := tests/vmm/bench_vmm.c
vmmbench_LIBS := vmm t32
BENCH_SCRIPTS += tests/vmm/bench.sh
