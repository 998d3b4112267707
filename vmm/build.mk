# vmm/ - the hypervisor (libvmm.a, every folder but cli/) and the `trapeze`
# command (vmm/cli/, one file per sub-command).
LIBS += vmm
vmm_SRCS := $(filter-out vmm/cli/%,$(call sources,vmm/*.c vmm/*/*.c vmm/*/*/*.c))

PROGS += trapeze
trapeze_SRCS := $(call sources,vmm/cli/*.c)
trapeze_LIBS := vmm t32asm t32
trapeze_LDLIBS := -lreadline
