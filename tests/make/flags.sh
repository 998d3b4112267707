#!/bin/sh
# flags.sh - objects remember the compiler and flags they were built with:
# `make CC=clang` after a gcc build rebuilds them (it used to keep the gcc
# objects and link them as if they were clang's), and the same command
# twice builds nothing the second time.
set -eu
BUILD=${BUILD:-build}
b=$BUILD/flags-test
trap 'rm -rf "$b"' EXIT INT TERM HUP
rm -rf "$b"
obj=$b/obj/isa/opinfo.o
mkdir -p "$b"
built() {   # built CC: did `make CC=... $obj` compile it again?
    touch "$b/before"
    MAKEFLAGS='' make -s BUILD="$b" CC="$1" "$obj" >/dev/null 2>&1
    [ "$obj" -nt "$b/before" ]
}
built gcc || { echo "FAIL: the first gcc build compiled nothing"; exit 1; }
built gcc && { echo "FAIL: the same gcc build twice compiled again"; exit 1; }
built clang || { echo "FAIL: CC=clang after gcc reused the gcc object"; exit 1; }
built clang && { echo "FAIL: the same clang build twice compiled again"; exit 1; }
# clean and a build in one command: the stamp comes back with the objects.
MAKEFLAGS='' make -s BUILD="$b" clean "$obj" >/dev/null 2>&1 && [ -f "$obj" ] ||
    { echo "FAIL: make clean $obj did not build it again"; exit 1; }
echo "PASS a change of compiler rebuilds the objects, and only then; clean and build in one go"
