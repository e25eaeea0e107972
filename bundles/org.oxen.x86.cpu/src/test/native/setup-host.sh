#!/bin/sh
# Makes this host able to build the 32-bit differential-test harness (gcc -m32).
# Idempotent: installs gcc-multilib only when gcc cannot link a 32-bit program.
set -e
probe() {
    tmp=$(mktemp -d)
    printf 'int main(void){return 0;}\n' > "$tmp/p.c"
    if gcc -m32 -o "$tmp/p" "$tmp/p.c" >/dev/null 2>&1; then rc=0; else rc=1; fi
    rm -rf "$tmp"
    return $rc
}
if probe; then
    exit 0
fi
echo "setup-host.sh: gcc -m32 cannot link; installing gcc-multilib" >&2
SUDO=
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q gcc-multilib
probe
