#!/usr/bin/env bash
# Would a fresh Debian 12 machine have everything this build used? Run after a build, from anywhere:
#   bash tests/check_setup_packages.sh [BUILD_DIR]        (default: build)
# Every system header the compiler read (the *.o.d dependency files) and every system library on a link line is
# mapped to its Debian package (dpkg -S). Each must be one that setup.sh installs, or one those pull in through
# Depends / Pre-Depends (not Recommends: setup.sh installs with --no-install-recommends). .ci/run calls this after
# the build; it exits 1 naming each package a fresh machine would miss, with one file that needs it.
set -uo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
build=${1:-build}
[ -d "$build" ] || { echo "check_setup_packages: no build folder '$build'" >&2; exit 2; }

# The system files the build read or linked.
files=$(find "$build" -name '*.o.d' -exec cat {} + 2>/dev/null | tr ' \\' '\n\n' | grep -E '^/usr/(include|lib)/' | sort -u)
libs=$(find "$build" -name link.txt -exec cat {} + 2>/dev/null | tr ' ' '\n' | grep -E '^/usr/lib/.*\.(so|a)$' | sort -u)
[ -n "$files" ] || { echo "check_setup_packages: no dependency files under $build (build first)" >&2; exit 2; }
owners=$(printf '%s\n%s\n' "$files" "$libs" | grep . | xargs dpkg -S 2>/dev/null)
used=$(echo "$owners" | cut -d: -f1 | tr ',' '\n' | sed 's/^ *//' | sort -u)

# The packages setup.sh names (its packages=(...) list) and, recursively, what they depend on. A dependency can be
# an alternative (a | b: whichever is installed) or a virtual package (whatever installed package provides it).
named=$(sed -n '/^packages=(/,/)/p' setup.sh | tr -d '()' | sed 's/packages=//' | tr ' ' '\n' | grep -E '^[a-z0-9]' | sort -u)
provides=$(dpkg-query -W -f='${Package} ${Provides}\n' 2>/dev/null)
resolve() {  # installed packages that satisfy the dependency names on stdin
    while read -r d; do
        dpkg-query -W -f='${Package}\n' "$d" 2>/dev/null ||
            echo "$provides" | awk -v d="$d" '{for (i = 2; i <= NF; i++) { sub(/,$/, "", $i); if ($i == d) print $1 }}'
    done
}
covered=$(echo "$named" | resolve | sort -u)
frontier=$covered
while [ -n "$frontier" ]; do
    deps=$(for p in $frontier; do dpkg-query -W -f='${Depends}, ${Pre-Depends}\n' "$p" 2>/dev/null; done |
        tr ',|' '\n\n' | sed -E 's/\([^)]*\)//g; s/:any//; s/^ +//; s/ +$//' | grep . | sort -u | resolve | sort -u)
    frontier=$(comm -13 <(echo "$covered") <(echo "$deps") | grep .)
    covered=$(printf '%s\n%s\n' "$covered" "$frontier" | grep . | sort -u)
done

# The C library and the compiler's own runtime come with g++ on every machine.
missing=$(comm -23 <(echo "$used") <(echo "$covered") |
    grep -vE '^(libc6|libc6-dev|linux-libc-dev|libgcc-s1|libgcc-12-dev|libstdc\+\+6|libstdc\+\+-12-dev)$')
if [ -n "$missing" ]; then
    echo "check_setup_packages: the build used packages that setup.sh neither installs nor pulls in:"
    for p in $missing; do echo "  $p  (for example $(echo "$owners" | grep -E "(^|, )$p(:[a-z0-9]+)?[,:]" | head -1 | awk '{print $NF}'))"; done
    exit 1
fi
echo "check_setup_packages: the $(echo "$used" | wc -l) packages this build used are all installed by setup.sh"
