# tests/vmm/ - the trap-and-emulate VMM: unit tests of emulation, reflection
# and virtual time (differential against bare T32), and end-to-end scripts.
TESTS += test_vmm
test_vmm_SRCS   := tests/vmm/test_vmm.c
test_vmm_LIBS   := vmm t32
test_vmm_LDLIBS := -lcmocka
