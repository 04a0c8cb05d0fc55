#!/usr/bin/env bash
# Runs every Leasehold benchmark that needs outside parts, on loopback only:
#   1. the JMH hot-path suite at 1 and 2 threads (avgt + thrpt), then again with -prof gc;
#   2. the per-call comparison (Leasehold vs Bucket4j over a local redis-server vs gRPC per permit);
#   3. the allocator scale load generator.
# Installs redis-server with apt-get when missing, starts it on 127.0.0.1 on a free port and
# stops it by PID. Every loop is bounded in count and time. Results go to benchmarks/results/.
#
# Usage: benchmarks/run.sh [all|jmh|percall|scale]   (default: all)
# Short JMH settings by default (-f 1 -wi 3 -w 1s -i 5 -r 1s); override with JMH_OPTS.
set -euo pipefail

cd "$(dirname "$0")/.."
what="${1:-all}"
out=benchmarks/results
jar=benchmarks/target/benchmarks.jar
jmh_opts="${JMH_OPTS:--f 1 -wi 3 -w 1s -i 5 -r 1s}"
mkdir -p "$out"

if [[ ! -f "$jar" || "${REBUILD:-1}" == 1 ]]; then
  ./mvnw -B -q -pl benchmarks -am -DskipTests package
fi

# Benchmarks on a shared 2-core box mean nothing while a build runs beside them: with
# WAIT_QUIET=1, wait (at most 20 minutes) until the 1-minute load is below 1.5.
wait_quiet() {
  [[ "${WAIT_QUIET:-0}" == 1 ]] || return 0
  for _ in $(seq 1 120); do
    awk '{ exit !($1 < 1.5) }' /proc/loadavg && return 0
    sleep 10
  done
  echo "machine still busy (load $(cut -d' ' -f1-3 /proc/loadavg)); running anyway" >&2
}

machine() {
  {
    echo "date: $(date -u +%FT%TZ)"
    echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "nproc: $(nproc)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
    echo "java: $(java -version 2>&1 | head -2 | tr '\n' ' ')"
    echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  } > "$out/machine.txt"
  cat "$out/machine.txt"
}

run_jmh() {
  for t in 1 2; do
    wait_quiet
    # shellcheck disable=SC2086
    timeout 1200 java -jar "$jar" $jmh_opts -t "$t" -rf json -rff "$out/jmh-hotpath-t$t.json" \
      | tee "$out/jmh-hotpath-t$t.txt"
  done
  for t in 1 2; do
    wait_quiet
    # shellcheck disable=SC2086
    timeout 1200 java -jar "$jar" $jmh_opts -t "$t" -bm avgt -prof gc \
      -rf json -rff "$out/jmh-gc-t$t.json" | tee "$out/jmh-gc-t$t.txt"
  done
}

redis_pid=""
stop_redis() {
  if [[ -n "$redis_pid" ]]; then
    kill "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
    redis_pid=""
  fi
}
trap stop_redis EXIT

start_redis() {
  if ! command -v redis-server >/dev/null; then
    apt-get update -qq && apt-get install -y -qq redis-server >/dev/null
  fi
  redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # No persistence: the bucket is scratch state, and a fork for RDB would disturb latency.
  redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no \
    --protected-mode yes > "$out/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 1 50); do
    redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "redis-server did not answer on 127.0.0.1:$redis_port" >&2
  exit 1
}

run_percall() {
  wait_quiet
  start_redis
  timeout 300 java -cp "$jar" dev.leasehold.benchmarks.PerCallComparison \
    --rate 20000 --warmup 3 --seconds 10 --redis "127.0.0.1:$redis_port" | tee "$out/percall.md"
  stop_redis
}

run_scale() {
  wait_quiet
  timeout 900 java -cp "$jar" dev.leasehold.benchmarks.AllocatorScale \
    --warmup 3 --seconds 10 --inflight 64 | tee "$out/scale.md"
}

wait_quiet
machine
case "$what" in
  all) run_jmh; run_percall; run_scale ;;
  jmh) run_jmh ;;
  percall) run_percall ;;
  scale) run_scale ;;
  *) echo "usage: $0 [all|jmh|percall|scale]" >&2; exit 2 ;;
esac
echo "results in $out/ (machine.txt, jmh-*.txt/json, percall.md, scale.md)"
