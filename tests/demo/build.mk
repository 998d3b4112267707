# tests/demo/ - the README's first quickstart command keeps working.
CHECK_SCRIPTS += tests/demo/demo.sh
