#!/usr/bin/env bash
# System packages the cluster shape needs, from Debian's repositories, installed where missing:
# HAProxy (the load balancer of npm run start:cluster, the cluster test and bench:scale).
# Called by .ci/run and by start:cluster; safe to run again.
set -euo pipefail
if command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "Installing HAProxy from Debian's packages (apt-get install haproxy)" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq haproxy >/dev/null
