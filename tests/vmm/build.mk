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

# (Only once the assembler is part of the build.)
ifneq ($(wildcard assembler/build.mk),)
VMM_HOSTILE      := wild_stores dma ports pagetables spin trapstorm
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

# The popf problem, demonstrated (tests/vmm/popf_problem.sh).
ifneq ($(wildcard assembler/build.mk),)
$(BUILD)/tests/vmm/popf/tickwait.img: tests/vmm/popf/tickwait.s $(BUILD)/bin/t32as
	@mkdir -p $(@D)
	$(BUILD)/bin/t32as -o $@ $<
EXTRA_ALL += $(BUILD)/tests/vmm/popf/tickwait.img
endif
CHECK_SCRIPTS += tests/vmm/popf_problem.sh

# `make bench`: VMM time / bare time on guestos's CPU-bound scenario.
PROGS += vmmbench
vmmbench_SRCS := tests/vmm/bench_vmm.c
vmmbench_LIBS := vmm t32
BENCH_SCRIPTS += tests/vmm/bench.sh
