#!/usr/bin/env bash
# Installs the system packages Patchbay needs. Idempotent: does nothing when all are present.
# Both README commands (npm start, npm test) run it first.
set -euo pipefail

PACKAGES=(
  prometheus               # the lab's Prometheus server and promtool (never started as a service)
  prometheus-node-exporter # compared against in npm run bench:exporter
  conntrack                # conntrack tool: exporter fallback and lab debugging
  iproute2                 # ip netns, veth, bridge: the netns lab driver
  nftables                 # per-host rule that turns on connection tracking
  util-linux               # nsenter, unshare, setpriv
  bubblewrap               # bwrap: the sandbox of each lab host and of the bare gateway's shell
  procps psmisc            # ps, pkill, fuser for teardown checks
  chromium                 # browser tests with playwright-core
  wrk                      # outside HTTP client for npm run bench:sidecar
  curl jq                  # used by the course's commands in the tools host
  iputils-ping             # ping between lab hosts
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "patchbay setup: missing system packages: ${missing[*]}" >&2
    echo "Run as root:  sudo sh -c '$cmd'" >&2
    exit 1
  fi
  echo "patchbay setup: installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The Debian package enables its own Prometheus and node_exporter services; Patchbay runs its own
# instances per lab and must never rely on (or clash with) the packaged ones.
for svc in prometheus prometheus-node-exporter; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    systemctl stop "$svc" || true
    systemctl disable "$svc" >/dev/null 2>&1 || true
  fi
  # Without systemd, the postinst may have started nothing; stop any packaged daemon by its pidfile's PID.
  for pidfile in /run/$svc.pid /var/run/$svc.pid; do
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
done

# Node dependencies (lockfile pinned). Skipped when node_modules matches the lockfile.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "patchbay setup: installing npm dependencies"
  npm ci --no-audit --no-fund
fi
