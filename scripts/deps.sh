#!/bin/sh
# Install the Debian packages Trapeze needs, if any are missing.
# Called by `make` and `make check`; safe to run again (it does nothing when
# everything is present). Needs root (or sudo) only when something is missing.
#
# What each package is for: build-essential (gcc, make), libcmocka-dev (the
# unit tests), clang and libclang-rt-dev (`make check` builds with clang;
# libFuzzer), libreadline-dev (`trapeze debug`'s line editing, history and
# completion) and graphviz (`dot` renders the pictures `trapeze dot` and
# `make diagrams` write as DOT text).
set -eu

need=""
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
for pkg in build-essential libreadline-dev libcmocka-dev graphviz clang libclang-rt-dev; do
    have_pkg "$pkg" || need="$need $pkg"
done
[ -z "$need" ] && exit 0

echo "deps: installing missing Debian packages:$need" >&2
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2
# shellcheck disable=SC2086  # the package list is meant to split
$sudo apt-get install -y -qq --no-install-recommends $need >&2
