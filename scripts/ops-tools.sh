#!/usr/bin/env bash
# The tools the tests of the operations recipes (deploy/, test/ops/) check them with, from Debian's packages:
# systemd-analyze (package systemd) for the systemd units, and promtool for the alert rules. promtool is
# taken from the `prometheus` package without installing it (no service, no user): unpacked into
# .ci/tools/prometheus (git-ignored); the tests look for it there or on PATH. CI runs this; so can you.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=$([ "$(id -u)" -eq 0 ] && echo "" || echo sudo)
updated=
apt_update() { [ -n "$updated" ] || { $SUDO apt-get update -qq; updated=1; }; }

if ! command -v systemd-analyze >/dev/null 2>&1; then
  apt_update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends systemd >/dev/null
fi

tools=$PWD/.ci/tools
if ! command -v promtool >/dev/null 2>&1 && [ ! -x "$tools/prometheus/usr/bin/promtool" ]; then
  apt_update
  download=$(mktemp -d)
  # apt's download user must be able to write there.
  chmod 777 "$download"
  (cd "$download" && apt-get download -qq prometheus)
  mkdir -p "$tools/prometheus"
  dpkg-deb -x "$download"/prometheus_*.deb "$tools/prometheus"
  rm -rf "$download"
fi
echo "systemd-analyze: $(command -v systemd-analyze)"
echo "promtool: $(command -v promtool || echo "$tools/prometheus/usr/bin/promtool")"
