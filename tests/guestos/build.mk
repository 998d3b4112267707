# tests/guestos/ - golden console transcripts of guestos on bare T32.
CHECK_SCRIPTS += tests/guestos/run.sh
