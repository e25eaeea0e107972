#!/bin/sh
# Installs what the board's tests need to build their guests, only if missing:
#   gcc-multilib  (gcc -m32 for x86bench's kernel, ROM payload and native32 checksum reference)
#   nasm          (x86bench's 64 KiB ROM, rom.asm)
#   binutils      (GNU as --32 and ld -m elf_i386 for the test kernels)
#   make
#   bochs, bochsbios, vgabios, bochs-term  (BochsDiffTest: Bochs as the second reference for
#                 real mode, V86, task switches and 16-bit stacks; headless with the term display)
# Idempotent and quiet; needs root (or sudo) only when something is missing.
set -e

missing=""
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
for p in gcc-multilib nasm binutils make bochs bochsbios vgabios bochs-term; do
    have_pkg "$p" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "bundles/org.oxen.x86.machine/setup-host.sh: need root to install:$missing" >&2; exit 1
fi
echo "bundles/org.oxen.x86.machine/setup-host.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
