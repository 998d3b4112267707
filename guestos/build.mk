# guestos/ - the guest OS: the kernel image, the user programs and one disk
# per scenario, all built into $(BUILD)/guestos/ with $(BUILD)/bin/t32as.
#
#   $(BUILD)/guestos/kernel.img        the kernel (boot it with trapeze run --bare)
#   $(BUILD)/guestos/kernel-pv.img     the paravirtual kernel (trapeze run --mode pv)
#   $(BUILD)/guestos/user/NAME.img     each user program, assembled at 0x00400000
#   $(BUILD)/guestos/SCENARIO.disk     a disk holding a chosen set of programs

PROGS += t32mkdisk
t32mkdisk_SRCS := guestos/mkdisk.c
t32mkdisk_LIBS := t32

GUESTOS_OUT   := $(BUILD)/guestos
GUESTOS_AS    := $(BUILD)/bin/t32as
GUESTOS_MKDISK := $(BUILD)/bin/t32mkdisk

$(GUESTOS_OUT)/kernel.img: $(wildcard guestos/kernel/*.s guestos/include/*.s) $(GUESTOS_AS)
	@mkdir -p $(@D)
	$(GUESTOS_AS) -I guestos/include -o $@ guestos/kernel/kernel.s

# The same sources, paravirtual (guestos/kernel/pvops.s): for --mode pv.
$(GUESTOS_OUT)/kernel-pv.img: $(wildcard guestos/kernel/*.s guestos/include/*.s) $(GUESTOS_AS)
	@mkdir -p $(@D)
	$(GUESTOS_AS) -I guestos/include -D PARAVIRT -o $@ guestos/kernel/kernel.s

# User programs: $(1) = program name, $(2) = source in guestos/user/,
# $(3) = extra t32as options (-D to choose a variant).
define GUESTOS_USER
$(GUESTOS_OUT)/user/$(1).img: guestos/user/$(2).s guestos/user/ulib.s guestos/include/abi.s $(GUESTOS_AS)
	@mkdir -p $$(@D)
	$(GUESTOS_AS) -I guestos/include $(3) -o $$@ guestos/user/$(2).s
endef
$(foreach p,motd hello primes sysbench sleeper badptr shell regcheck,$(eval $(call GUESTOS_USER,$(p),$(p),)))
$(eval $(call GUESTOS_USER,counta,counter,-D LETTER=65))
$(eval $(call GUESTOS_USER,countb,counter,-D LETTER=66))
GUESTOS_FAULTS := fault-null fault-kernel fault-priv fault-div fault-illegal fault-align fault-jump
$(foreach k,1 2 3 4 5 6 7,$(eval $(call GUESTOS_USER,$(word $(k),$(GUESTOS_FAULTS)),fault,-D KIND=$(k))))

# Scenarios: which programs each disk holds, in directory (= pid) order.
GUESTOS_SCENARIOS   := default counters faults shell bench cpu idle regs
GUESTOS_default     := motd hello counta countb primes sysbench sleeper badptr $(GUESTOS_FAULTS)
GUESTOS_counters    := counta countb
GUESTOS_faults      := counta fault-null fault-kernel fault-priv countb fault-div fault-illegal fault-align fault-jump
GUESTOS_shell       := shell
GUESTOS_bench       := primes sysbench
GUESTOS_cpu         := primes
GUESTOS_idle        := hello sleeper
GUESTOS_regs        := regcheck regcheck counta

define GUESTOS_DISK
$(GUESTOS_OUT)/$(1).disk: $(GUESTOS_MKDISK) $(foreach p,$(GUESTOS_$(1)),$(GUESTOS_OUT)/user/$(p).img)
	$(GUESTOS_MKDISK) -o $$@ $(foreach p,$(GUESTOS_$(1)),$(p)=$(GUESTOS_OUT)/user/$(p).img)
endef
$(foreach s,$(GUESTOS_SCENARIOS),$(eval $(call GUESTOS_DISK,$(s))))

# (Only once the assembler is part of the build.)
ifneq ($(wildcard assembler/build.mk),)
EXTRA_ALL += $(GUESTOS_OUT)/kernel.img $(GUESTOS_OUT)/kernel-pv.img $(foreach s,$(GUESTOS_SCENARIOS),$(GUESTOS_OUT)/$(s).disk)
endif
