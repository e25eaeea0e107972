#!/bin/sh
# Installs what the guest kit needs beyond gcc and ld, only if missing:
#   gcc-multilib       (32-bit gcc support: -m32 headers such as stdint.h for i386)
#   nasm               (kept available for assembler-only images)
#   qemu-system-x86    (qemu-system-i386, runs the native flavor in tests)
#   gdb                (Debian's gdb, driven in batch mode by the gdb stub's tests)
# Idempotent and quiet; needs root (or sudo) only when something is missing.
set -e

missing=""
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
for p in gcc-multilib nasm qemu-system-x86 gdb; do
    have_pkg "$p" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "guests/setup-host.sh: need root to install:$missing" >&2; exit 1
fi
echo "guests/setup-host.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# --no-install-recommends keeps qemu lean (no GUI, no firmware beyond what -kernel needs)
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
