#!/bin/sh
# Gradescope runs this once, as root, when it builds the autograder's image
# (the zip's files are in /autograder/source).  It installs the Debian
# packages the project needs - scripts/deps.sh's list, nothing else - and
# builds the tree: that build is the trusted reference ($REF) and t32grade.
# TRAPEZE_AUTOGRADER names a folder to stand for /autograder, as in
# run_autograder.
set -eu
root=${TRAPEZE_AUTOGRADER:-/autograder}
cd "$root/source"
sh scripts/deps.sh
make -j"$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)" BUILD=build all
# The sandbox runs each submission as its own uid: it must read $REF.
chmod -R a+rX "$root/source"
