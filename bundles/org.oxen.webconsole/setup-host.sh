#!/bin/sh
# Installs what the web console's browser test needs, only if missing:
#   chromium   (Debian's headless browser, driven by the DevTools protocol from the test)
# Idempotent and quiet; needs root (or sudo) only when something is missing.
set -e
dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q 'install ok installed' && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "bundles/org.oxen.webconsole/setup-host.sh: need root to install chromium" >&2; exit 1
fi
echo "bundles/org.oxen.webconsole/setup-host.sh: installing chromium" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
