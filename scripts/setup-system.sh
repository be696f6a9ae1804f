#!/usr/bin/env bash
# System packages the tests and the cluster shape need, from Debian's repositories, installed where missing:
# Chromium (the page tests drive it through playwright-core), HAProxy (the load balancer of
# npm run start:cluster, the cluster test and bench:scale) and Radicale (the CardDAV server the contact
# transfer test pushes to; test/support/radicale.ts starts it). Called by npm test, .ci/run and start:cluster;
# a no-op when all are present. Redis and PostgreSQL are not installed here: the tests use the machine's
# running servers (README, Quick start).
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || [ -n "${FOOTPRINT_CHROMIUM:-}" ] || missing+=(chromium)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
command -v radicale >/dev/null 2>&1 || python3 -c 'import radicale' >/dev/null 2>&1 || missing+=(radicale)
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if ! command -v apt-get >/dev/null 2>&1 || { [ -n "$SUDO" ] && ! command -v sudo >/dev/null 2>&1; }; then
  echo "setup-system: missing ${missing[*]}, and this machine has no apt-get${SUDO:+ or no sudo} to install them." >&2
  echo "Install them with your package manager (the cluster test needs haproxy on the PATH or at /usr/sbin/haproxy;" >&2
  echo "the page tests need chromium, or FOOTPRINT_CHROMIUM naming a Chromium binary;" >&2
  echo "the CardDAV transfer test needs radicale, the python3 module or its command), then run the command again." >&2
  exit 1
fi
echo "setup-system: installing ${missing[*]} from Debian's packages (${SUDO:+sudo }apt-get install), needed by the tests" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
echo "setup-system: installed ${missing[*]}" >&2
