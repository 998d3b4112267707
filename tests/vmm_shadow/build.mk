# tests/vmm_shadow/ - shadow page tables (vmm/memory/shadow.c), driven on a real
# T32 machine and compared with the same page tables on bare T32.  The test
# brings its own VMM frame allocator (it counts, limits and poisons frames),
# so it links shadow.c directly instead of libvmm.
TESTS += test_vmm_shadow
test_vmm_shadow_SRCS   := tests/vmm_shadow/test_shadow.c vmm/memory/shadow.c vmm/memory/guest.c \
                          vmm/invariant.c
test_vmm_shadow_LIBS   := t32
test_vmm_shadow_LDLIBS := -lcmocka

# The same mechanism inside the real VMM: a small guest OS, run on bare T32
# and under trap-and-emulate, must end with the same guest memory.
TESTS += test_vmm_shadow_e2e
test_vmm_shadow_e2e_SRCS   := tests/vmm_shadow/test_shadow_vmm.c
test_vmm_shadow_e2e_LIBS   := vmm t32
test_vmm_shadow_e2e_LDLIBS := -lcmocka
