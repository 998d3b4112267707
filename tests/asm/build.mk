# tests/asm/ - the assembler, disassembler and image format: cmocka unit
# tests, golden files (golden/*.s with the expected listing *.lst or
# diagnostics *.err) compared exactly by golden.sh, and the command lines of
# t32dis and t32mkdisk (tools.sh).
TESTS += test_expr test_directives test_insn test_image test_roundtrip test_outfile

ASM_TEST_HELPERS := tests/asm/helpers.c

test_expr_SRCS   := tests/asm/test_expr.c $(ASM_TEST_HELPERS)
test_expr_LIBS   := t32asm t32
test_expr_LDLIBS := -lcmocka

test_directives_SRCS   := tests/asm/test_directives.c $(ASM_TEST_HELPERS)
test_directives_LIBS   := t32asm t32
test_directives_LDLIBS := -lcmocka

test_insn_SRCS   := tests/asm/test_insn.c $(ASM_TEST_HELPERS)
test_insn_LIBS   := t32asm t32
test_insn_LDLIBS := -lcmocka

test_image_SRCS   := tests/asm/test_image.c $(ASM_TEST_HELPERS)
test_image_LIBS   := t32asm t32
test_image_LDLIBS := -lcmocka

test_roundtrip_SRCS   := tests/asm/test_roundtrip.c $(ASM_TEST_HELPERS)
test_roundtrip_LIBS   := t32asm t32
test_roundtrip_LDLIBS := -lcmocka

test_outfile_SRCS   := tests/asm/test_outfile.c
test_outfile_LIBS   := t32
test_outfile_LDLIBS := -lcmocka

CHECK_SCRIPTS += tests/asm/golden.sh tests/asm/outputs.sh tests/asm/tools.sh
