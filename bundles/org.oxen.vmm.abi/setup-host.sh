#!/bin/sh
# Installs what XenHeadersTest needs to check oxen's two copies of the Xen ABI (this bundle's
# Java constants and guests/include/oxen/xen_abi.h) against Xen's own public headers:
#   libxen-dev    (/usr/include/xen: Xen's public headers, Debian's build of them)
#   gcc-multilib  (gcc -m32: the headers' x86_32 view, and running the dump it compiles)
#   binutils      (readelf: the kit header's struct members, read from its DWARF)
# Idempotent and quiet; needs root (or sudo) only when something is missing.
set -e

missing=""
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
for p in libxen-dev gcc-multilib binutils; do
    have_pkg "$p" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "bundles/org.oxen.vmm.abi/setup-host.sh: need root to install:$missing" >&2; exit 1
fi
echo "bundles/org.oxen.vmm.abi/setup-host.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
