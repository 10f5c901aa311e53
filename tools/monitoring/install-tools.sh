#!/usr/bin/env bash
# Installs promtool and amtool, which the monitoring tests run on the synthesized rules and Alertmanager
# configuration (test/monitoring/tools.test.ts), from Debian's prometheus and prometheus-alertmanager packages.
# Idempotent: does nothing when both are already on PATH. The packages' daemons are kept from starting and, if
# one started anyway, stopped and disabled: only the command-line tools are wanted.
set -euo pipefail

if command -v promtool >/dev/null 2>&1 && command -v amtool >/dev/null 2>&1; then
  echo "install-tools: promtool and amtool already on PATH"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-tools: no apt-get here; install promtool and amtool by hand (the tool tests are skipped without them)" >&2
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

# Debian's convention for "do not start services while installing": a policy-rc.d that exits 101.
# Put one in place only if none exists, and remove it again on exit.
policy=/usr/sbin/policy-rc.d
placed=""
cleanup() { if [ -n "$placed" ]; then $sudo rm -f "$policy"; fi; }
trap cleanup EXIT
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
  placed=1
fi

export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends prometheus prometheus-alertmanager >/dev/null

# If a daemon came up anyway, stop it and keep it from starting at boot.
for svc in prometheus prometheus-alertmanager; do
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    $sudo systemctl disable --now "$svc" >/dev/null 2>&1 || true
  elif command -v update-rc.d >/dev/null 2>&1; then
    $sudo update-rc.d -f "$svc" disable >/dev/null 2>&1 || true
  fi
  # Only the processes of the packages' daemons (command line starting with their binary), by id.
  for pid in $(pgrep -f "^/usr/bin/${svc}( |\$)" || true); do
    echo "install-tools: stopping $svc daemon (pid $pid)"
    $sudo kill "$pid" || true
  done
done

promtool --version | head -1
amtool --version 2>&1 | head -1
