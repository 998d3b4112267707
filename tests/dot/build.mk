# tests/dot/ - `trapeze dot` and docs/diagrams: every graph checked with
# Graphviz's `dot -Tsvg`.
CHECK_SCRIPTS += tests/dot/dot.sh
