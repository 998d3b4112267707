# tests/machine/ - unit tests of the T32 machine: devices, ports, the
# multi-CPU run loop, snapshots, and the agreement of ISA.md with opcodes.h.
TESTS += test_devices test_console test_loaders test_machine test_snapshot test_spec

test_devices_SRCS   := tests/machine/test_devices.c
test_devices_LIBS   := t32
test_devices_LDLIBS := -lcmocka

# test_console: asking for input without blocking, noticing output errors.
test_console_SRCS   := tests/machine/test_console.c
test_console_LIBS   := t32
test_console_LDLIBS := -lcmocka

# test_loaders: image and disk files are read with a bound, whatever they are.
test_loaders_SRCS   := tests/machine/test_loaders.c
test_loaders_LIBS   := t32
test_loaders_LDLIBS := -lcmocka

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
# loaders.sh: trapeze given /dev/zero, a fifo, huge sparse files.
CHECK_SCRIPTS += tests/machine/loaders.sh
# disk_errors.sh: a guest's disk writes that fail on the host end the run
# with an error.
CHECK_SCRIPTS += tests/machine/disk_errors.sh
endif
endif
