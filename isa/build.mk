# isa/ - the T32 machine library (libt32.a).
LIBS += t32
t32_SRCS := $(call sources,isa/*.c)
