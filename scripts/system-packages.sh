#!/bin/sh
# Ensure Debian packages the test suite needs are installed.
# usage: scripts/system-packages.sh PACKAGE:PATH ...   (PATH is what proves it is there;
#        it may be a pattern: postgresql:/usr/lib/postgresql/*/bin/initdb)
# As root with apt-get, missing packages are installed; otherwise we stop with the
# exact command to run, so `make test` never fails half-way for want of a browser.
set -eu
missing=""
for spec in "$@"; do
    package=${spec%%:*}
    pattern=${spec#*:}
    found=""
    # shellcheck disable=SC2086  # the pattern expands to the paths it matches
    for path in $pattern; do
        [ -e "$path" ] && found=yes
    done
    [ -n "$found" ] || missing="$missing $package"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    # shellcheck disable=SC2086  # one word per package
    apt-get install -y $missing
else
    echo "missing Debian packages:$missing" >&2
    echo "run:  sudo apt-get update && sudo apt-get install -y$missing" >&2
    exit 1
fi
