# assembler/ - t32as, t32dis and the assembler library (libt32asm.a).
LIBS += t32asm
t32asm_SRCS := $(filter-out assembler/t32as.c assembler/t32dis.c,$(call sources,assembler/*.c))

PROGS += t32as t32dis
t32as_SRCS := assembler/t32as.c
t32as_LIBS := t32asm t32
t32dis_SRCS := assembler/t32dis.c
t32dis_LIBS := t32asm t32
