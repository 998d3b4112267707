# tests/machine/ - unit tests of the T32 machine: devices, ports, the
# multi-CPU run loop, snapshots, and the agreement of ISA.md with opcodes.h.
TESTS += test_devices test_machine test_snapshot test_spec

test_devices_SRCS   := tests/machine/test_devices.c
test_devices_LIBS   := t32
test_devices_LDLIBS := -lcmocka

test_spec_SRCS   := tests/machine/test_spec.c
test_spec_LIBS   := t32
test_spec_LDLIBS := -lcmocka

test_machine_SRCS   := tests/machine/test_machine.c
test_machine_LIBS   := t32
test_machine_LDLIBS := -lcmocka

test_snapshot_SRCS   := tests/machine/test_snapshot.c
test_snapshot_LIBS   := t32
test_snapshot_LDLIBS := -lcmocka

# devices.s: a guest that checks the devices itself, run bare and under the
# VMM by devices.sh (needs t32as and trapeze).
ifneq ($(wildcard assembler/build.mk),)
ifneq ($(wildcard vmm/build.mk),)
CHECK_SCRIPTS += tests/machine/devices.sh
endif
endif
