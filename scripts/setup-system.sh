#!/usr/bin/env bash
# System packages the tests and the cluster shape need, from Debian's repositories, installed where missing:
# Chromium (the page tests drive it through playwright-core) and HAProxy (the load balancer of
# npm run start:cluster, the cluster test and bench:scale). Called by .ci/run and by start:cluster; safe to run again.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || [ -n "${FOOTPRINT_CHROMIUM:-}" ] || missing+=(chromium)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "Installing from Debian's packages: ${missing[*]} (apt-get install)" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
