#!/usr/bin/env bash
# Make sure the load tools of benchmarks/proxy_overhead.py are here: `wrk` (the load
# generator) and `nginx` (the reverse proxy the strangler proxy is compared with).
# Quick when both are installed; as root with apt, installs Debian's `wrk` and
# `nginx-light` packages (without starting nginx's system service: the benchmark runs its
# own nginx as a child process); otherwise says what is missing and goes on: the
# benchmark then leaves out the rows that need the missing tool, and says so.
set -euo pipefail

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
[ ${#missing[@]} = 0 ] && exit 0

give_up() { # message
  echo "ensure_bench_tools: $1" >&2
  echo "  benchmarks/proxy_overhead.py measures load with \`wrk\` and compares the proxy with" \
    "\`nginx\`; missing: ${missing[*]}. Install them: sudo apt-get install ${missing[*]}" >&2
  echo "  Going on: the benchmark leaves out the rows that need them." >&2
  exit 0
}

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  give_up "not installed, and this is not root on a system with apt-get."
fi
echo "ensure_bench_tools: installing ${missing[*]} with apt-get..." >&2
export DEBIAN_FRONTEND=noninteractive
# keep the package's nginx service from starting on port 80 (Debian's policy-rc.d
# protocol: 101 = action forbidden); only when no policy is in place already
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt-get update -qq || give_up "apt-get update failed (no network or no Debian mirror?)."
apt-get install -y -qq "${missing[@]}" >/dev/null ||
  give_up "apt-get install ${missing[*]} failed (see apt's message above)."
command -v wrk >/dev/null || give_up "the wrk package installed no \`wrk\` command."
