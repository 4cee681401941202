#!/usr/bin/env bash
# Installs the system parts that svcnet's tests, benchmarks and agent use, on Debian or Ubuntu.
# Without them the tests that need them skip with a reason (or fail, with SVCNET_REQUIRE_ALL=1).
set -euo pipefail
packages=(redis-server redis-sentinel redis-tools iptables nftables ipset dnsutils conntrack iproute2 curl openssl tmux
          dnsperf knot nginx-light haproxy wrk
          gcc libc6-dev)  # gcc, libc6-dev: the DNS server's native UDP batching (packages/dns/scripts/build-native.mjs)
if ! command -v apt-get >/dev/null; then
  echo "setup:system: apt-get not found; install these by hand: ${packages[*]}" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "setup:system: run as root or install sudo" >&2; exit 1; }
  sudo="sudo"
fi
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup:system: all present (${packages[*]})"
  exit 0
fi
echo "setup:system: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# The packaged services are not wanted running: tests start their own servers.
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
for svc in redis-server redis-sentinel nginx knot haproxy; do
  $sudo systemctl disable --now "$svc" >/dev/null 2>&1 || true
done
echo "setup:system: done"
