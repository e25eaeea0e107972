#!/bin/sh
# Installs what the qcow2 bundle's interoperability tests need, only if missing:
#   qemu-utils   (qemu-img: creates fixtures, checks and compares what oxen writes)
# Idempotent and quiet; needs root (or sudo) only when something is missing.
set -e
dpkg-query -W -f='${Status}' qemu-utils 2>/dev/null | grep -q 'install ok installed' && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "bundles/org.oxen.storage.qcow2/setup-host.sh: need root to install qemu-utils" >&2; exit 1
fi
echo "bundles/org.oxen.storage.qcow2/setup-host.sh: installing qemu-utils" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends qemu-utils >/dev/null
