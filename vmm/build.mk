# vmm/ - the hypervisor (libvmm.a) and the `trapeze` command.
LIBS += vmm
vmm_SRCS := $(filter-out vmm/trapeze.c,$(wildcard vmm/*.c))

PROGS += trapeze
trapeze_SRCS := vmm/trapeze.c
trapeze_LIBS := vmm t32
