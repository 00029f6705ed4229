#!/usr/bin/env bash
# Runs the whole test suite. On a fresh Debian machine (as root) it first installs what the
# tests drive besides our own code: beanstalkd 1.12 (reference for comparisons) and Ruby's
# beaneater client library (a real client run against our server); the container test installs
# podman. SKIP_CONTAINER_TEST=1 leaves the container test out (for quick local runs only).
set -euo pipefail
cd "$(dirname "$0")"

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  need=()
  command -v beanstalkd >/dev/null 2>&1 || need+=(beanstalkd)
  ruby -e 'require "beaneater"' >/dev/null 2>&1 || need+=(ruby ruby-beaneater)
  if [ ${#need[@]} -gt 0 ]; then
    echo "test.sh: installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
fi

dotnet test QueueServer.sln -c Release "$@"

# The container image: build it offline with podman and check start, stop, restart on a volume,
# memory limit and health check (installs podman itself; needs root).
if [ "${SKIP_CONTAINER_TEST:-0}" != 1 ]; then
  tests/container/container-test.sh
fi
