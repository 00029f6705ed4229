#!/usr/bin/env bash
# Builds the QueueServer OCI image offline with podman and checks it over 127.0.0.1.
#
#   sudo tests/container/container-test.sh          (as root; Debian 12; no registry needed)
#
# Steps: install podman/runc/catatonit if missing; publish the server (one native executable, NativeAOT)
# into out/container/; build a base image from the host's libraries (stands in for
# mcr.microsoft.com/dotnet/runtime-deps:10.0); build the repo's Dockerfile on it; then run the checks.
# Everything runs with --network=host and the server bound to 127.0.0.1 (no bridge, no -p).
# Every container, volume and image made here is removed on exit. Prints one ok/FAIL line per
# check and "container-test: N passed, M failed"; exits 1 if any check failed, 2 on a setup error.
#
# Environment:
#   PUBLISH_ARGS   extra dotnet publish arguments (default none: NativeAOT, as the project publishes).
#                  E.g. PUBLISH_ARGS="-p:PublishAot=false -p:PublishSingleFile=true -p:PublishReadyToRun=true" for a JIT build.
#   KEEP_IMAGES=1  keep the built images (for inspection)
set -uo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
RUN_ID=$$
IMAGE=localhost/queueserver:ci-$RUN_ID
BASE_IMAGE=localhost/queueserver-base:ci-$RUN_ID
VOLUME=queueserver-ci-$RUN_ID
CTR=queueserver-ci-$RUN_ID
PUBLISH_ARGS=${PUBLISH_ARGS-}
WORK=$(mktemp -d -t queueserver-ctr.XXXXXX)
CONTAINERS=()

t0=$SECONDS
log() { echo "[$((SECONDS - t0))s] $*"; }
pass=0; fail=0
ok() { pass=$((pass + 1)); log "ok   - $*"; }
bad() { fail=$((fail + 1)); log "FAIL - $*"; }
die() { log "setup error: $*"; exit 2; }

cleanup() {
  local c
  for c in "${CONTAINERS[@]}"; do podman rm -f -t 0 "$c" >/dev/null 2>&1 || true; done
  podman volume rm -f "$VOLUME" >/dev/null 2>&1 || true
  if [ "${KEEP_IMAGES:-0}" != 1 ]; then podman rmi -f "$IMAGE" "$BASE_IMAGE" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || die "run as root (podman here needs root; the script installs packages)"

# ---- 1. podman + runc (crun cannot handle this VM's hybrid cgroup layout) ----
if ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v catatonit >/dev/null; then
  log "apt-get install podman runc catatonit"
  apt-get update -qq || die "apt-get update"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman runc catatonit >/dev/null \
    || die "apt-get install podman runc catatonit"
fi

# ---- 2. podman settings: runc, cgroupfs, and rlimits this sandbox may set (no CAP_SYS_RESOURCE) ----
NOFILE=$(ulimit -Hn); NPROC=$(ulimit -Hu); PIDMAX=$(cat /proc/sys/kernel/pid_max)
[ "$NOFILE" = unlimited ] && NOFILE=1048576
if [ "$NPROC" = unlimited ] || [ "$NPROC" -gt "$PIDMAX" ]; then NPROC=$PIDMAX; fi
cat > "$WORK/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$NOFILE:$NOFILE", "nproc=$NPROC:$NPROC"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
export CONTAINERS_CONF="$WORK/containers.conf"
log "$(podman --version), $(runc --version | head -1)"

# ---- 3. publish on the host: one native executable (NativeAOT), invariant globalization ----
OUT=$REPO/out/container
log "dotnet publish src/Queue.Server $PUBLISH_ARGS"
rm -rf "$OUT"
# shellcheck disable=SC2086
dotnet publish "$REPO/src/Queue.Server" -c Release -r linux-x64 --self-contained \
  -p:DebugType=none -p:StripSymbols=true -p:InvariantGlobalization=true -p:PublishReferencesDocumentationFiles=false \
  $PUBLISH_ARGS \
  --artifacts-path "$REPO/out/container-build" -o "$OUT/app" -nologo -v q -clp:NoSummary \
  > "$WORK/publish.log" 2>&1 || { cat "$WORK/publish.log"; die "dotnet publish failed"; }
if grep -q 'warning' "$WORK/publish.log"; then
  bad "publish has warnings (trim/AOT analysis):"; grep 'warning' "$WORK/publish.log" | sort -u | head -20 | sed 's/^/    /'
else
  ok "publish is warning-free (NativeAOT${PUBLISH_ARGS:+ $PUBLISH_ARGS})"
fi
mkdir -p "$OUT/data"
# The load generator fills the container past its memory cap in check d.
LOADGEN=$REPO/bench/Queue.LoadGen/bin/Release/net10.0/queue-loadgen
dotnet build "$REPO/bench/Queue.LoadGen" -c Release -nologo -v q -clp:NoSummary > "$WORK/loadgen.log" 2>&1 \
  || { cat "$WORK/loadgen.log"; die "building the load generator failed"; }
BIN=$OUT/app/beanstalkd
[ -x "$BIN" ] || die "no executable at $BIN"
log "published $(du -b "$BIN" | cut -f1) bytes ($(ls "$OUT/app" | tr '\n' ' '))"

# ---- 4. base image from the host's own libraries (stands in for dotnet/runtime-deps) ----
R=$WORK/rootfs
mkdir -p "$R/tmp" "$R/etc/ssl/certs" "$R/home/app"; chmod 1777 "$R/tmp"
libs=$(ldd "$BIN" | grep -o '/[^ ]*')
# dlopen()ed by .NET, so not in ldd's list; runtime-deps has them too
for l in libssl.so.3 libcrypto.so.3 libz.so.1; do libs+=" /lib/x86_64-linux-gnu/$l"; done
for f in $libs; do
  [ -e "$f" ] && install -D -m 0755 "$(readlink -f "$f")" "$R$f"
done
cp /etc/ssl/certs/ca-certificates.crt "$R/etc/ssl/certs/" 2>/dev/null || true
printf 'root:x:0:0:root:/root:/sbin/nologin\napp:x:1654:1654:app:/home/app:/sbin/nologin\n' > "$R/etc/passwd"
printf 'root:x:0:\napp:x:1654:\n' > "$R/etc/group"
chown 1654:1654 "$R/home/app"
tar -C "$R" -c . | podman import -q --change 'ENV APP_UID=1654' --change 'ENV DOTNET_RUNNING_IN_CONTAINER=true' \
  - "$BASE_IMAGE" >/dev/null || die "podman import"
log "base image $BASE_IMAGE: $(podman image inspect --format '{{.Size}}' "$BASE_IMAGE") bytes"

# ---- 5. the repo's Dockerfile on that base (docker format: OCI images drop HEALTHCHECK) ----
podman build -q --format docker --network=host --build-arg BASE_IMAGE="$BASE_IMAGE" -t "$IMAGE" "$REPO" \
  > "$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; die "podman build failed"; }
log "built $IMAGE"

# ---- helpers ----
free_port() {
  local p
  for _ in $(seq 1 50); do
    # Below the ephemeral range (32768+), so no outgoing connection holds it as its local port.
    p=$((20000 + RANDOM % 12000))
    (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && continue
    if command -v ss >/dev/null && [ -n "$(ss -Htan "( sport = :$p )" 2>/dev/null)" ]; then continue; fi
    echo "$p"; return
  done
  return 1
}

# start NAME PORT [podman run options...] -- runs the image with -l 127.0.0.1 -p PORT -b /data
start() {
  local name=$1 port=$2; shift 2
  CONTAINERS+=("$name")
  # podman 4.3 logs "unable to get systemd connection to add healthchecks" here (no systemd, so no
  # periodic health timer); harmless: `podman healthcheck run` works without it. Shown on failure only.
  if ! podman run -d --name "$name" --network=host "$@" "$IMAGE" -l 127.0.0.1 -p "$port" -b /data \
      > "$WORK/run-$name.log" 2>&1; then
    sed 's/^/    podman run: /' "$WORK/run-$name.log"
    return 1
  fi
}

# wait_up PORT: until the server answers (bounded: 10 s)
wait_up() {
  local i
  for i in $(seq 1 100); do
    (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# A beanstalkd conversation over bash's /dev/tcp; every read is bounded (5 s).
bs_open() { exec {BS}<>/dev/tcp/127.0.0.1/"$1"; }
bs_close() { exec {BS}>&-; }
bs_send() { printf '%s\r\n' "$@" >&"$BS"; }
bs_line() { local l=""; IFS= read -r -t 5 l <&"$BS" || true; printf '%s' "${l%$'\r'}"; }
# bs_data N: a data block of N bytes plus its CRLF
bs_data() { local d=""; IFS= read -r -d '' -N $(($1 + 2)) -t 5 d <&"$BS" || true; printf '%s' "${d%$'\r\n'}"; }
# bs_yaml CMD: send CMD, print the YAML body of the OK reply
bs_yaml() { local r; bs_send "$1"; r=$(bs_line); [[ $r == OK\ * ]] && bs_data "${r#OK }"; }
yaml_get() { sed -n "s/^$2: //p" <<<"$1" | tr -d '\r"'; }

stop_container() { # prints "exit-code milliseconds"
  local s0 e
  s0=$(date +%s%N)
  podman stop -t 10 "$1" >/dev/null 2>&1
  e=$(podman inspect --format '{{.State.ExitCode}}' "$1" 2>/dev/null)
  echo "$e $((($(date +%s%N) - s0) / 1000000))"
}

# ---- a. starts on a volume, answers put/reserve/delete over 127.0.0.1 ----
PORT=$(free_port) || die "no free port"
podman volume create "$VOLUME" >/dev/null || die "volume create"
C1=$CTR-a
start "$C1" "$PORT" -v "$VOLUME:/data" || die "podman run failed"
if wait_up "$PORT"; then
  bs_open "$PORT"
  bs_send "use ci-smoke"; r1=$(bs_line)
  bs_send "watch ci-smoke" "ignore default"; bs_line >/dev/null; bs_line >/dev/null
  bs_send "put 7 0 60 11" "hello world"; r2=$(bs_line)
  bs_send "reserve-with-timeout 2"; r3=$(bs_line); body=""; [[ $r3 == RESERVED\ * ]] && body=$(bs_data "${r3##* }")
  id=${r2#INSERTED }
  bs_send "delete $id"; r4=$(bs_line)
  bs_close
  if [ "$r1" = "USING ci-smoke" ] && [[ $r2 == INSERTED\ * ]] && [ "$r3" = "RESERVED $id 11" ] && [ "$body" = "hello world" ] && [ "$r4" = DELETED ]; then
    ok "a. container answers put/reserve/delete on 127.0.0.1:$PORT"
  else
    bad "a. put/reserve/delete: got '$r1' '$r2' '$r3' '$body' '$r4'"
  fi
else
  bad "a. container did not accept connections on 127.0.0.1:$PORT within 10 s"
  podman logs "$C1" 2>&1 | tail -5 | sed 's/^/    container: /'
fi
user=$(podman inspect --format '{{.Config.User}}' "$C1")
vol_owner=$(stat -c %u:%g "$(podman volume inspect --format '{{.Mountpoint}}' "$VOLUME")")
if [ "$user" = 1654 ] && [ "$vol_owner" = 1654:1654 ]; then
  ok "a. runs as uid 1654; the fresh /data volume is owned by 1654:1654"
else
  bad "a. user '$user', /data volume owner '$vol_owner' (want 1654 and 1654:1654)"
fi

# ---- c (part 1). jobs to survive a restart: ready, delayed 3600 s, buried ----
READY_BODY='persisted ready job: 0123456789 !#$%&()*+,-./:;<=>?@[]^_{|}~'
if wait_up "$PORT"; then
  bs_open "$PORT"
  bs_send "use ci-persist"; bs_line >/dev/null
  bs_send "put 5 0 60 ${#READY_BODY}" "$READY_BODY"; p1=$(bs_line)
  bs_send "put 6 3600 60 7" "delayed"; p2=$(bs_line)
  bs_send "put 8 0 60 6" "buried"; p3=$(bs_line); bid=${p3#INSERTED }
  bs_send "reserve-job $bid"; r=$(bs_line); [[ $r == RESERVED\ * ]] && bs_data "${r##* }" >/dev/null
  bs_send "bury $bid 9"; p4=$(bs_line)
  bs_close
  [ "$p4" = BURIED ] || log "    (setting up the persisted jobs: '$p1' '$p2' '$p3' '$r' '$p4')"
fi

# ---- b. podman stop: SIGTERM to PID 1, graceful exit 0, quickly ----
read -r code took < <(stop_container "$C1")
if [ "$code" = 0 ] && [ "$took" -lt 5000 ]; then
  ok "b. podman stop → exit code $code after $took ms (SIGTERM handled as PID 1)"
else
  bad "b. podman stop → exit code '$code' after $took ms (want 0, well under the 10 s timeout)"
  podman logs "$C1" 2>&1 | tail -5 | sed 's/^/    container: /'
fi

# ---- c (part 2). a new container on the same volume still has them ----
C2=$CTR-c
start "$C2" "$PORT" -v "$VOLUME:/data" || die "podman run failed"
if wait_up "$PORT"; then
  bs_open "$PORT"
  st=$(bs_yaml "stats-tube ci-persist")
  bs_send "use ci-persist"; bs_line >/dev/null
  bs_send "peek-ready"; r=$(bs_line); pbody=""; [[ $r == FOUND\ * ]] && pbody=$(bs_data "${r##* }")
  bs_close
  rd=$(yaml_get "$st" current-jobs-ready); dl=$(yaml_get "$st" current-jobs-delayed); bu=$(yaml_get "$st" current-jobs-buried)
  if [ "$rd" = 1 ] && [ "$dl" = 1 ] && [ "$bu" = 1 ] && [ "$pbody" = "$READY_BODY" ]; then
    ok "c. after a restart on the same volume: 1 ready (body intact), 1 delayed, 1 buried"
  else
    bad "c. after a restart on the same volume: ready='$rd' delayed='$dl' buried='$bu' peek-ready='$r' (want 1/1/1 and the body; needs -b persistence)"
  fi
else
  bad "c. restarted container did not answer on 127.0.0.1:$PORT"
fi

# ---- e. HEALTHCHECK ----
hc=$(podman image inspect --format '{{json .Config.Healthcheck}}' "$IMAGE" 2>/dev/null)
if [[ $hc == *'"/app/beanstalkd","--health-check","127.0.0.1","11300"'* ]]; then
  ok "e. image HEALTHCHECK is [\"/app/beanstalkd\",\"--health-check\",\"127.0.0.1\",\"11300\"]"
else
  bad "e. image HEALTHCHECK missing or different: $hc"
fi
# The image probes 11300; this container listens on $PORT, so run the same probe against $PORT.
# (podman healthcheck run needs no systemd; only the periodic timer does.)
if out=$(podman exec "$C2" /app/beanstalkd --health-check 127.0.0.1 "$PORT" 2>&1); then
  ok "e. health probe in the running container exits 0 ($out)"
else
  bad "e. health probe in the running container failed: $out"
fi
NOPORT=$(free_port) || die "no free port"
if podman exec "$C2" /app/beanstalkd --health-check 127.0.0.1 "$NOPORT" >/dev/null 2>&1; then
  bad "e. health probe reported healthy for a port nobody listens on ($NOPORT)"
else
  ok "e. health probe fails (non-zero) for a port nobody listens on"
fi
read -r code _ < <(stop_container "$C2")
C3=$CTR-e
hout=""
if start "$C3" "$PORT" -v "$VOLUME:/data" \
     --health-cmd "[\"/app/beanstalkd\",\"--health-check\",\"127.0.0.1\",\"$PORT\"]" &&
   wait_up "$PORT" && hout=$(podman healthcheck run "$C3" 2>&1); then
  ok "e. podman healthcheck run → exit 0, status $(podman inspect --format '{{.State.Health.Status}}' "$C3" 2>/dev/null) (exec-form health command on port $PORT)"
else
  bad "e. podman healthcheck run failed: $hout"
fi

# ---- d. under --memory 128m ----
podman rm -f -t 0 "$C3" >/dev/null 2>&1
C4=$CTR-d
start "$C4" "$PORT" --memory 128m -v "$VOLUME:/data" || die "podman run failed"
if wait_up "$PORT"; then
  bs_open "$PORT"; st=$(bs_yaml stats); bs_close
  pid=$(podman inspect --format '{{.State.Pid}}' "$C4")
  lim=$(cat "/proc/$pid/root/sys/fs/cgroup/memory/memory.limit_in_bytes" 2>/dev/null \
        || cat "/proc/$pid/root/sys/fs/cgroup/memory.max" 2>/dev/null || echo unknown)
  rss=$(awk '/VmRSS/ {print $2 " " $3}' "/proc/$pid/status" 2>/dev/null)
  if [ -n "$(yaml_get "$st" pid)" ] && [ "$lim" = 134217728 ]; then
    ok "d. runs under --memory 128m: the container sees a cgroup limit of $lim bytes; RSS $rss"
  else
    bad "d. under --memory 128m: stats pid '$(yaml_get "$st" pid)', cgroup limit seen '$lim' (want 134217728)"
  fi
  cap=$(yaml_get "$st" memory-limit)
  if [ -n "$cap" ] && [ "$cap" -gt 0 ] && [ "$cap" -lt 134217728 ]; then
    ok "d. the memory cap defaults from the cgroup limit: memory-limit $cap bytes ($((cap / 1048576)) MiB of 128 MiB)"
  else
    bad "d. memory-limit '$cap' is not derived from the 128 MiB cgroup limit"
  fi
  # Fill past the cap with 100-byte jobs (8 connections x 16 pipelined, bounded to 120 s): puts
  # must end in OUT_OF_MEMORY while the container lives on (no OOM kill), still answering.
  fill=$("$LOADGEN" --scenario fill --host 127.0.0.1 --port "$PORT" --duration 120 --json 2>/dev/null | tail -1)
  accepted=$(sed -n 's/.*"acceptedBeforeRefusal":\([0-9]*\).*/\1/p' <<<"$fill")
  refused=$(sed -n 's/.*"OUT_OF_MEMORY":\([0-9]*\).*/\1/p' <<<"$fill")
  running=$(podman inspect --format '{{.State.Running}} {{.State.OOMKilled}}' "$C4" 2>/dev/null)
  bs_open "$PORT"; bs_send "put 0 0 1 1" "x"; after=$(bs_line)
  bs_send "reserve-with-timeout 0"; got=$(bs_line); [[ $got == RESERVED\ * ]] && bs_data "${got##* }" >/dev/null
  id=$(cut -d' ' -f2 <<<"$got"); bs_send "delete $id"; got=${got%% *}; del=$(bs_line)
  st=$(bs_yaml stats); bs_close
  if [ -n "$accepted" ] && [ "${refused:-0}" -gt 0 ] && [ "$running" = "true false" ] && [[ $after == OUT_OF_MEMORY || $after == INSERTED\ * ]] \
     && [ "$got" = RESERVED ] && [ "$del" = DELETED ]; then
    ok "d. filling past the cap: $accepted puts accepted, then OUT_OF_MEMORY ($refused refusals); not killed (running, OOMKilled false); then a put gets '$after' (the fill's connections are gone, so usage may be under the low watermark again); reserve+delete work; memory-used $(yaml_get "$st" memory-used) bytes"
  else
    bad "d. fill past the cap: loadgen '$fill'; container '$running'; put after fill '$after'; reserve '$got' delete '$del'"
  fi
else
  bad "d. container with --memory 128m did not answer"
  podman logs "$C4" 2>&1 | tail -5 | sed 's/^/    container: /'
fi
read -r code _ < <(stop_container "$C4")

# ---- f. image size ----
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
base=$(podman image inspect --format '{{.Size}}' "$BASE_IMAGE")
if [ -n "$size" ]; then
  ok "f. image size $size bytes ($((size / 1048576)) MiB; base $((base / 1048576)) MiB, app layer $(((size - base) / 1048576)) MiB)"
else
  bad "f. image size unknown"
fi

log "done"
echo "container-test: $pass passed, $fail failed"
[ "$fail" = 0 ]
