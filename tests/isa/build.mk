# tests/isa/ - unit tests of the T32 CPU: the interpreter (test_cpu), the
# MMU with its software TLB (test_mmu), and the interpreter in lockstep
# with a slow reference CPU on random programs (test_ref, ref.c).  guest.c
# is their shared test seam: a machine with a program poked into memory
# with the T32_ENC_* macros, or a random one.  test_arch calls the rules
# that the CPU and the VMM share (trap entry, BADVADDR, system-register
# writes, the port map, the page-table walk) directly, without a CPU.
TESTS += test_cpu test_mmu test_ref test_arch

test_cpu_SRCS   := tests/isa/test_cpu.c tests/isa/guest.c
test_cpu_LIBS   := t32
test_cpu_LDLIBS := -lcmocka

test_mmu_SRCS   := tests/isa/test_mmu.c tests/isa/guest.c
test_mmu_LIBS   := t32
test_mmu_LDLIBS := -lcmocka

test_ref_SRCS   := tests/isa/test_ref.c tests/isa/ref.c tests/isa/guest.c
test_ref_LIBS   := t32
test_ref_LDLIBS := -lcmocka

test_arch_SRCS   := tests/isa/test_arch.c
test_arch_LIBS   := t32
test_arch_LDLIBS := -lcmocka
