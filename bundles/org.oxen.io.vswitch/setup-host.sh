#!/bin/sh
# Installs what the virtual switch's tests need, only if missing:
#   tcpdump   (reads the pcap captures the bridges write: `tcpdump -r`)
# Idempotent and quiet; needs root (or sudo) only when something is missing.
set -e
dpkg-query -W -f='${Status}' tcpdump 2>/dev/null | grep -q 'install ok installed' && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "bundles/org.oxen.io.vswitch/setup-host.sh: need root to install tcpdump" >&2; exit 1
fi
echo "bundles/org.oxen.io.vswitch/setup-host.sh: installing tcpdump" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends tcpdump >/dev/null
