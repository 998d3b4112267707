# labs/ - the labs' infrastructure (labs/README.md): the grader t32grade,
# and the targets that make handouts, grade and package for Gradescope.
#
#   make handout LAB=NN DEST=DIR   lab NN's starter tree in DIR (labs/handout.sh)
#   make grade LAB=NN [TESTS="name ..."]
#                                  build this tree and grade it (hidden tests too
#                                  when labs/NN-*/hidden/ is here)
#   make expected LAB=NN           store the course's runs lab NN's tests compare
#                                  with, labs/NN-*/tests/expected/ (labs/record.sh)
#   make gradescope LAB=NN         build/gradescope/lab-NN.zip, the autograder
#   make labcheck [LABS="NN ..."]  every lab: the reference scores full marks,
#                                  the starter builds and scores less, every
#                                  mutant loses exactly the tests it names
PROGS += t32grade
t32grade_SRCS := $(call sources,labs/grader/*.c)

.PHONY: handout grade expected gradescope labcheck

# A starter gets the other labs' C files compiled (prebuilt/, made by
# labs/handout.sh), against the headers prebuilt/SHA256SUMS lists.  Were one
# of those headers changed, the compiled files would disagree with the rest
# of the build about a structure's layout - silently - so the build stops
# before it links them.
ifneq ($(wildcard prebuilt/SHA256SUMS),)
$(wildcard prebuilt/*.o prebuilt/*/*.o prebuilt/*/*/*.o prebuilt/*/*/*/*.o): | $(BUILD)/prebuilt.ok
$(BUILD)/prebuilt.ok: prebuilt/SHA256SUMS $(shell sed 's/^[0-9a-f]*  //' prebuilt/SHA256SUMS)
	@mkdir -p $(@D)
	@if sha256sum --check --quiet prebuilt/SHA256SUMS >$@.log 2>&1; then touch $@; else \
	    sed -n 's/^\(.*\): FAILED.*$$/\1: error: changed, but the other labs'"'"' code in prebuilt\/ was compiled with it as it was handed out: undo the change/p' $@.log >&2; \
	    exit 1; fi
endif
# The starter lists those files (labs/NN-*/compiled).  A tree that has lost
# prebuilt/ - a submission uploaded without it - is told what is missing,
# rather than failing to link.
compiled_missing := $(foreach f,$(shell sed '/^\#/d' $(wildcard labs/[0-9][0-9]-*/compiled) /dev/null),\
                      $(if $(wildcard $(f) prebuilt/$(f:.c=.o)),,$(f)))
ifneq ($(strip $(compiled_missing)),)
$(error prebuilt/$(patsubst %.c,%.o,$(firstword $(compiled_missing))) is missing: this starter has $(firstword $(compiled_missing)) only compiled, in prebuilt/ (labs/*/compiled) - restore prebuilt/ from the starter)
endif

# DEST goes quoted: a folder's name may have spaces.
handout:
	@test -n "$(LAB)" -a -n "$(DEST)" || { echo "usage: make handout LAB=NN DEST=DIR" >&2; exit 2; }
	@sh labs/handout.sh '$(LAB)' '$(DEST)'

# The tree grades itself: it is both the submission and $REF (its build/).
# TESTS names tests only when given on make's command line (the Makefile's
# own TESTS lists the cmocka programs); it goes to --tests quoted, so that
# neither a name that is also a folder here (examples) nor a wildcard (s*)
# is taken for something else.
grade: deps
	@test -n "$(LAB)" || { echo "usage: make grade LAB=NN [TESTS=\"name ...\"]" >&2; exit 2; }
	@$(MAKE) --no-print-directory BUILD=build all
	@build/bin/t32grade --tree . --ref . --lab $(LAB) \
	    $(if $(wildcard labs/$(LAB)-*/hidden labs/0$(LAB)-*/hidden),--hidden) \
	    $(if $(filter command line,$(origin TESTS)),--tests '$(TESTS)') .

# Only in the instructor's tree (a starter has no labs/record.sh, nor the
# solution the expected runs come from).
expected: deps
	@test -n "$(LAB)" || { echo "usage: make expected LAB=NN" >&2; exit 2; }
	@test -f labs/record.sh || { echo "make expected: only in the instructor's tree (a starter's" \
	    "expected runs come with its tests: get labs/$(LAB)*/tests/ again from the handout)" >&2; exit 2; }
	@$(MAKE) --no-print-directory BUILD=build all
	@sh labs/record.sh $(LAB)

gradescope:
	@test -n "$(LAB)" || { echo "usage: make gradescope LAB=NN" >&2; exit 2; }
	@sh labs/gradescope/package.sh $(LAB) build/gradescope

labcheck: deps
	@$(MAKE) --no-print-directory BUILD=$(BUILD) $(BUILD)/bin/t32grade
	@BUILD=$(BUILD) sh tests/labs/labcheck.sh $(LABS)
