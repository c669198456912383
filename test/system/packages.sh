#!/usr/bin/env bash
# The Debian packages the test suite runs against — real Mosquitto, InfluxDB 1.x, Redis, socat
# pseudo-terminals, Chromium for the pages, iperf3 and two STUN servers for network measurements.
# One list for both callers: `.ci/run` (which must have them) and `npm test`'s pretest (which
# installs them when it can, so a newcomer's `npm test` needs nothing installed by hand).
#   packages.sh install   install what is missing; fails when apt-get does
#   packages.sh ensure    the same, but only warns when it cannot (no root, no registry): the tests
#                         that need a missing server then skip and say which package they want
set -uo pipefail

packages=(mosquitto mosquitto-clients socat influxdb redis-server chromium iperf3 stun-server coturn iproute2 procps)
mode="${1:-ensure}"

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

warn_or_fail () {
  if [ "$mode" = "install" ]; then echo "test/system/packages.sh: $1" >&2; exit 1; fi
  echo "test/system/packages.sh: $1; the tests that need them will skip, naming the package" >&2
  exit 0
}

command -v apt-get >/dev/null 2>&1 || warn_or_fail "no apt-get here to install ${missing[*]}"
SUDO=""
if [ "$(id -u)" != "0" ]; then
  sudo -n true 2>/dev/null || warn_or_fail "not root and no password-less sudo to install ${missing[*]}"
  SUDO="sudo -n"
fi

echo "test/system/packages.sh: installing ${missing[*]} (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
{ $SUDO apt-get update -q && $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"; } >&2 \
  || warn_or_fail "apt-get could not install ${missing[*]}"

# The packages' own services are not wanted: each test starts its own server on a free port.
for service in mosquitto influxdb redis-server stun-server coturn; do
  $SUDO systemctl stop "$service" >/dev/null 2>&1 || $SUDO service "$service" stop >/dev/null 2>&1 || true
done
exit 0
