# examples/ - small T32 programs to read first (examples/README.md), each
# assembled into $(BUILD)/examples/NAME.img.  tests/docs/examples.sh runs
# every one bare and under the VMM against its expected transcript.
EXAMPLES := hello syscall modecheck timer paging

$(BUILD)/examples/%.img: examples/%.s examples/print.s $(BUILD)/bin/t32as
	@mkdir -p $(@D)
	$(BUILD)/bin/t32as -o $@ $<

EXTRA_ALL += $(foreach e,$(EXAMPLES),$(BUILD)/examples/$(e).img)
