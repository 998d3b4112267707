# tests/docs/ - the documentation says what the code does: the examples
# print their expected transcripts bare and under the VMM, every ```sh
# command in the READMEs runs on a fresh copy, and the assembler and
# machine rules ISA.md states hold (tests/docs/README.md).
CHECK_SCRIPTS += tests/docs/examples.sh tests/docs/isa_rules.sh tests/docs/readme_commands.sh
