#!/usr/bin/env bash
# Runs every loadgen scenario against a freshly started server (one per scenario, so each starts
# with an empty tube) and prints one JSON line per run on stdout.
#
#   bench/Queue.LoadGen/run-suite.sh [duration-seconds]
#
# Environment:
#   SERVER  command that starts the server in the foreground; "{port}" is replaced by the port
#           (default: "beanstalkd -l 127.0.0.1 -p {port}")
#   PORT    loopback port to use (default 11399)
#   WARMUP  warmup seconds (default 2)
#   EXTRA   extra loadgen arguments for every run (for example "--threads 2")
#   QUIET   if set to N, wait up to N seconds before each run until the machine has been
#           >= 93 % idle for 4 seconds in a row (other workloads on a shared machine skew results)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
duration=${1:-5}
port=${PORT:-11399}
warmup=${WARMUP:-2}
server=${SERVER:-"beanstalkd -l 127.0.0.1 -p {port}"}
server=${server//\{port\}/$port}

dotnet build "$here" -c Release -nologo -v q >/dev/null
loadgen="$here/bin/Release/net10.0/queue-loadgen"

# Busy and total jiffies of the whole machine from /proc/stat.
cpu_jiffies() {
    local _ user nice system idle iowait irq softirq steal
    read -r _ user nice system idle iowait irq softirq steal _ </proc/stat
    echo "$((user + nice + system + irq + softirq + steal)) $((user + nice + system + idle + iowait + irq + softirq + steal))"
}

wait_quiet() {
    local limit=$1 calm=0 busy0 total0 busy1 total1
    for _ in $(seq 1 "$limit"); do
        read -r busy0 total0 < <(cpu_jiffies)
        sleep 1
        read -r busy1 total1 < <(cpu_jiffies)
        if [ $(((busy1 - busy0) * 100)) -le $(((total1 - total0) * 7)) ]; then calm=$((calm + 1)); else calm=0; fi
        if [ "$calm" -ge 4 ]; then return 0; fi
    done
    echo "machine never became quiet; running anyway" >&2
}

run() {
    if [ -n "${QUIET:-}" ]; then wait_quiet "$QUIET"; fi
    # shellcheck disable=SC2086 # word splitting of $server and $EXTRA is intended
    $server >/dev/null 2>&1 &
    local pid=$!
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
        sleep 0.1
    done
    local status=0
    # shellcheck disable=SC2086
    "$loadgen" --port "$port" --server-pid "$pid" --duration "$duration" --warmup "$warmup" --json ${EXTRA:-} "$@" || status=$?
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    if [ "$status" -ne 0 ]; then echo "queue-loadgen $* exited with $status" >&2; fi
}

run --scenario put
run --scenario reserve-delete
run --scenario pubsub
run --scenario pubsub --connections 50 --pipeline 1
run --scenario fill
