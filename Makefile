# Trapeze - one plain Makefile.
#
#   make          build everything (optimised) into build/
#   make check    build everything with clang (warnings are errors), then
#                 build with gcc under AddressSanitizer + UBSan into build/san/
#                 and run every test (unit, golden, end to end, fuzz slices)
#   make bench    run the benchmarks (optimised build)
#   make fuzz     run the libFuzzer harnesses for longer (FUZZ_SECONDS each)
#                 and FIDELITY_FUZZ_PROGRAMS random programs bare against
#                 every VMM mode but pv (its guests must call hcall)
#   make fidelity every guest bare and under every VMM mode (tests/fidelity/)
#   make demo     the main demo: boot guestos bare and under the VMM
#   make diagrams render docs/diagrams/*.dot to SVG (regenerating the ones
#                 `trapeze dot` draws from guestos)
#
# The build is quiet: one short line per compiled file (`CC isa/cpu.c`), and
# nothing for guest images unless t32as has something to say.  `make V=1 ...`
# shows every command in full.
#
# Each folder describes its own part in build.mk, using the variables below:
#   LIBS += name          a static library build/.../lib/libname.a, from name_SRCS
#   PROGS += name         a program build/.../bin/name, from name_SRCS, linked with
#                         the libraries in name_LIBS (highest level first) and
#                         the system libraries in name_LDLIBS
#   TESTS += name         a test program (cmocka), built like a program into
#                         build/.../tests/ and run by `make check`
#   CHECK_SCRIPTS += path a shell script run by `make check` (after the test
#                         programs), with BUILD set to the build folder
#   BENCH_SCRIPTS += path run by `make bench` with BUILD set
# A folder lists its C files with $(call sources,dir/*.c), not $(wildcard):
# a lab's starter may give some of them compiled (see `sources` below).
#   EXTRA_ALL += file     anything else `make` must build (guest images, disks)
# Build switches are documented in isa/config.h.

# Quiet or verbose (V=1).  `say` prints the short line for a command; with
# V=1 it prints nothing and make echoes the command itself.
V ?=
ifeq ($(V),1)
say :=
else
say = printf '  %-5s %s\n' '$(1)' '$(2)';
.SILENT:
MAKEFLAGS += --no-print-directory
endif

BUILD   ?= build
SAN     ?=
CC      ?= cc
ifeq ($(origin CC),default)
CC      := gcc
endif

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla
CSTD    := -std=c11 -D_POSIX_C_SOURCE=200809L
INCS    := -I. -Iisa
ifeq ($(SAN),1)
OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
else
OPT     := -O2 -g
endif
CFLAGS  ?=
CFLAGS  += $(CSTD) $(WARN) $(OPT) $(INCS) -MMD -MP
LDFLAGS += $(filter -fsanitize=%,$(OPT))

.PHONY: all check check-run bench fuzz fidelity demo diagrams deps clean
all: deps

# A lab's starter (labs/README.md) may give a C file compiled instead of as
# source: prebuilt/PATH.o then stands for PATH.c.  `sources` lists the C
# files matching the wildcards, given compiled or not; OBJ (below) finds
# each one's object.
sources = $(sort $(wildcard $(1)) \
                 $(patsubst prebuilt/%.o,%.c,$(wildcard $(addprefix prebuilt/,$(1:.c=.o)))))

LIBS :=
PROGS :=
TESTS :=
CHECK_SCRIPTS :=
BENCH_SCRIPTS :=

include isa/build.mk
include $(sort $(wildcard assembler/build.mk guestos/build.mk vmm/build.mk labs/build.mk examples/build.mk))
include $(sort $(wildcard tests/*/build.mk))

# The object of each C file: compiled into $(BUILD)/obj/, or prebuilt/ when
# the file is given compiled (see `sources`).
obj_of = $(if $(wildcard $(1)),$(BUILD)/obj/$(1:.c=.o),$(or $(wildcard prebuilt/$(1:.c=.o)),$(BUILD)/obj/$(1:.c=.o)))
OBJ = $(foreach s,$(1),$(call obj_of,$(s)))

define LIB_template
$(BUILD)/lib/lib$(1).a: $(call OBJ,$($(1)_SRCS))
	@mkdir -p $$(@D)
	$$(call say,AR,$$@)rm -f $$@ && $(AR) rcs $$@ $$^
endef

define PROG_template
$(2)/$(1): $(call OBJ,$($(1)_SRCS)) $(foreach l,$($(1)_LIBS),$(BUILD)/lib/lib$(l).a)
	@mkdir -p $$(@D)
	$$(call say,LD,$$@)$$(CC) $$(LDFLAGS) -o $$@ $$^ $$($(1)_LDLIBS)
endef

$(foreach l,$(LIBS),$(eval $(call LIB_template,$(l))))
$(foreach p,$(PROGS),$(eval $(call PROG_template,$(p),$(BUILD)/bin)))
$(foreach t,$(TESTS),$(eval $(call PROG_template,$(t),$(BUILD)/tests)))

# The compiler and flags the objects were built with, in a file that
# changes only when they do: `make CC=clang` after `make` (or SAN=1, or
# new CFLAGS) rebuilds every object and program, never mixes the two.  Its
# recipe runs every time (FORCE) but rewrites the file only when the words
# differ (make's own $(file), so no quoting can break it); make then sees
# whether it is newer than an object.
FLAGS_STAMP := $(BUILD)/flags
BUILT_WITH  := $(CC) $(CFLAGS) | $(LDFLAGS)
same_flags   = $(and $(findstring $(BUILT_WITH),$(1)),$(findstring $(1),$(BUILT_WITH)))
.PHONY: FORCE
$(FLAGS_STAMP): FORCE
	@$(if $(call same_flags,$(file <$@)),:,$(shell mkdir -p '$(@D)')$(file >$@,$(BUILT_WITH)):)

$(BUILD)/obj/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(call say,CC,$<)$(CC) $(CFLAGS) -c -o $@ $<

all: $(foreach p,$(PROGS),$(BUILD)/bin/$(p)) $(EXTRA_ALL)

# (sh, not ./, here and for every script below: a tree that lost its
# files' exec bits - a zip made on Windows, a submission uploaded through a
# browser - must still build and run)
deps:
	@sh scripts/deps.sh

# The test suite: sanitizer build, every test program, every check script.
check: deps
	$(MAKE) BUILD=build/clang CC=clang all tests
	$(MAKE) BUILD=build/san SAN=1 all tests
	@BUILD=build/san sh tests/run.sh $(foreach t,$(TESTS),build/san/tests/$(t)) $(CHECK_SCRIPTS)

tests: $(foreach t,$(TESTS),$(BUILD)/tests/$(t))

bench: deps all
	@set -e; for s in $(BENCH_SCRIPTS); do BUILD=$(BUILD) sh $$s; done

# The main demo: guestos bare and under the VMM, the difference, the exits.
# The build's own lines go to $(BUILD)/build.log (errors still show).
demo: deps
	@mkdir -p $(BUILD)
	@echo "demo: building into $(BUILD)/ (the build's lines are in $(BUILD)/build.log)"
	@$(MAKE) --no-print-directory BUILD=$(BUILD) all >$(BUILD)/build.log
	@BUILD=$(BUILD) sh scripts/demo.sh

# The diagrams of docs/diagrams/: the generated ones drawn again by
# `trapeze dot`, then every .dot rendered to .svg by Graphviz.
diagrams: deps all
	@BUILD=$(BUILD) sh docs/diagrams/make.sh

# Fidelity across the VMM modes (also run by `make check`, on its build).
fidelity: deps all
	@BUILD=$(BUILD) sh tests/fidelity/run.sh

# Longer fuzzing runs (tests/fuzz/run.sh builds the harnesses with clang),
# then many more random programs than `make check` runs.
FUZZ_SECONDS ?= 300
FIDELITY_FUZZ_PROGRAMS ?= 100000
fuzz: deps
	sh tests/fuzz/run.sh $(FUZZ_SECONDS)
	$(MAKE) BUILD=$(BUILD) all
	$(BUILD)/bin/fidelity random --count $(FIDELITY_FUZZ_PROGRAMS) --first 1000001

# The build folder named (BUILD=other cleans other/); never the tree itself
# or a folder above it.
clean:
	@case "$(BUILD)" in ""|.|./|/|..|../*|*/..|*/../*) \
	    echo "make clean: BUILD=$(BUILD) is not a build folder to remove" >&2; exit 2;; esac
	rm -rf -- "$(BUILD)"

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
