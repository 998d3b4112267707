# tests/make/ - the build itself: a change of compiler or flags rebuilds.
CHECK_SCRIPTS += tests/make/flags.sh
