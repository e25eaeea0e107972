#!/bin/sh
# Installs what netback's TAP uplink test needs, only if missing:
#   iputils-ping  (the host pings a guest through the TAP uplink)
#   iproute2      (ip netns: the test's own network namespace)
# Idempotent and quiet; needs root (or sudo) only when something is missing.
set -e
missing=""
for p in iputils-ping iproute2; do
    dpkg-query -W -f='${Status}' $p 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "bundles/org.oxen.io.netback/setup-host.sh: need root to install$missing" >&2; exit 1
fi
echo "bundles/org.oxen.io.netback/setup-host.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
