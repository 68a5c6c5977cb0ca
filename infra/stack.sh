#!/usr/bin/env bash
# The whole local stack: the Kafka broker and the ClickHouse server, or the cluster.
#
#   stack.sh up [--cluster]      start both (in parallel), then create the topics and run the
#                                ClickHouse migrations if the services' CLIs exist yet; with
#                                --cluster (or DOWNRADAR_CLUSTER=1) the cluster instead: three
#                                brokers, ZooKeeper, two ClickHouse replicas (infra/cluster.sh),
#                                topics with replication 3 / min ISR 2, migrations ON CLUSTER
#   stack.sh down                stop both, the cluster, and every other stack under the data dir
#   stack.sh status [--cluster]  every stack under the data dir, clusters included; exit 0 when
#                                the main stack's two servers run (with --cluster: when every
#                                server of the main cluster runs), 3 otherwise
#
# The main stack lives in <data>/kafka and <data>/clickhouse, the cluster in <data>/cluster. Other
# stacks live in subdirectories of <data> with their own kafka/, clickhouse/ or cluster/ (the
# fault drills' private stack in <data>/drills, their cluster in <data>/drills-cluster, started
# by the drills on their own ports): `down` and `status` cover them too, so that nothing a test
# run left behind goes unnoticed or keeps running.
#
# npm run stack:up / stack:down / stack:status call this (npm run stack:up -- --cluster).
set -uo pipefail
DR_NAME=stack
# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

KAFKA="$DR_INFRA/kafka/kafka.sh"
CLICKHOUSE="$DR_INFRA/clickhouse/clickhouse.sh"
CLUSTER="$DR_INFRA/cluster.sh"
CLUSTER_DIR="$DR_DATA/cluster"

cluster=0
[[ "${DOWNRADAR_CLUSTER:-0}" =~ ^(1|true|yes)$ ]] && cluster=1
for a in "${@:2}"; do
  case "$a" in
    --cluster) cluster=1 ;;
    *) echo "usage: $0 up|down|status [--cluster]" >&2; exit 2 ;;
  esac
done

# run_prefixed NAME CMD...: runs CMD with each output line prefixed "NAME | ",
# keeps CMD's exit code.
run_prefixed() {
  local name="$1"; shift
  "$@" 2>&1 | sed -u "s/^/$name | /"
  return "${PIPESTATUS[0]}"
}

cmd_up() {
  local start k_pid c_pid k_rc c_rc
  start="$(dr_now_ms)"
  if (( cluster )); then
    bash "$CLUSTER" up || exit 1
    # The cluster's brokers, replicas, replication and ClickHouse cluster name, for the CLIs below
    # (they win over a single-node DOWNRADAR_KAFKA_BROKERS / _CLICKHOUSE_URL in the environment).
    set -a
    # shellcheck disable=SC1091
    source "$CLUSTER_DIR/cluster.env"
    set +a
  else
    # Each script prefixes its own lines ("kafka: started in 4.2 s").
    bash "$KAFKA" up & k_pid=$!
    bash "$CLICKHOUSE" up & c_pid=$!
    wait "$k_pid"; k_rc=$?
    wait "$c_pid"; c_rc=$?
    if (( k_rc != 0 || c_rc != 0 )); then
      (( k_rc != 0 )) && echo "stack: kafka failed to start (exit $k_rc)" >&2
      (( c_rc != 0 )) && echo "stack: clickhouse failed to start (exit $c_rc)" >&2
      exit 1
    fi
    # They find the servers this script started, also on non-default ports.
    export DOWNRADAR_KAFKA_BROKERS="${DOWNRADAR_KAFKA_BROKERS:-127.0.0.1:${DOWNRADAR_KAFKA_PORT:-9092}}"
    export DOWNRADAR_CLICKHOUSE_URL="${DOWNRADAR_CLICKHOUSE_URL:-http://127.0.0.1:${DOWNRADAR_CLICKHOUSE_HTTP_PORT:-8123}}"
  fi

  # Topics and migrations belong to services/common; they run here once they exist.
  # tsx straight from node_modules when there (npx adds a second or two and npm's chatter).
  local TSX=(npx --no-install tsx)
  [[ -x "$DR_ROOT/node_modules/.bin/tsx" ]] && TSX=("$DR_ROOT/node_modules/.bin/tsx")
  local cli
  for cli in topics migrate; do
    local f="services/common/src/cli/$cli.ts"
    if [[ -f "$DR_ROOT/$f" ]]; then
      local t; t="$(dr_now_ms)"
      if ! (cd "$DR_ROOT" && run_prefixed "$cli" "${TSX[@]}" "$f"); then
        echo "stack: $f failed" >&2
        exit 1
      fi
      echo "stack: $cli done in $(dr_since "$t") s"
    else
      echo "stack: $f not there yet, skipped"
    fi
  done
  if (( cluster )); then
    echo "stack: cluster up in $(dr_since "$start") s (Kafka $DOWNRADAR_KAFKA_BROKERS, ClickHouse $DOWNRADAR_CLICKHOUSE_URL; services: npm start -- --cluster)"
  else
    echo "stack: up in $(dr_since "$start") s (Kafka 127.0.0.1:${DOWNRADAR_KAFKA_PORT:-9092}, ClickHouse http://127.0.0.1:${DOWNRADAR_CLICKHOUSE_HTTP_PORT:-8123})"
  fi
}

# has_single_node DIR: whether DIR ever held a single-node stack (the cluster drills' DIR/kafka
# holds only the jars their brokers share).
has_single_node() { [[ -f "$1/kafka/server.properties" || -d "$1/clickhouse" ]]; }

# down_one [DIR]: stops the two servers of one stack (the main one without DIR), in parallel,
# and its cluster if one ever ran there.
down_one() {
  local k_pid c_pid l_pid k_rc=0 c_rc=0 l_rc=0 dir="${1:-$DR_DATA}"
  if [[ -n "${1:-}" ]]; then
    if has_single_node "$1"; then
      dr_in_stack "$1" bash "$KAFKA" down 2>&1 | sed -u "s#^#${1#"$DR_ROOT"/}: #" & k_pid=$!
      dr_in_stack "$1" bash "$CLICKHOUSE" down 2>&1 | sed -u "s#^#${1#"$DR_ROOT"/}: #" & c_pid=$!
    fi
    if [[ -d "$1/cluster" ]]; then
      dr_in_stack "$1" bash "$CLUSTER" down 2>&1 | sed -u "s#^#${1#"$DR_ROOT"/}: #" & l_pid=$!
    fi
  else
    bash "$KAFKA" down & k_pid=$!
    bash "$CLICKHOUSE" down & c_pid=$!
    if [[ -d "$dir/cluster" ]]; then bash "$CLUSTER" down & l_pid=$!; fi
  fi
  [[ -n "${k_pid:-}" ]] && { wait "$k_pid"; k_rc=$?; }
  [[ -n "${c_pid:-}" ]] && { wait "$c_pid"; c_rc=$?; }
  [[ -n "${l_pid:-}" ]] && { wait "$l_pid"; l_rc=$?; }
  (( k_rc == 0 && c_rc == 0 && l_rc == 0 ))
}

cmd_down() {
  local rc=0 dir stacks
  mapfile -t stacks < <(dr_other_stacks)
  down_one || rc=1
  for dir in "${stacks[@]}"; do down_one "$dir" || rc=1; done
  exit "$rc"
}

cmd_status() {
  local rc=0 l_rc=0 dir stacks
  mapfile -t stacks < <(dr_other_stacks)
  bash "$KAFKA" status || rc=3
  bash "$CLICKHOUSE" status || rc=3
  if [[ -d "$CLUSTER_DIR" ]] || (( cluster )); then
    echo "cluster ($CLUSTER_DIR):"
    bash "$CLUSTER" status 2>&1 | sed -u 's/^/  /'
    l_rc="${PIPESTATUS[0]}"
  fi
  for dir in "${stacks[@]}"; do
    echo "stack in ${dir#"$DR_ROOT"/}:"
    if has_single_node "$dir"; then
      dr_in_stack "$dir" bash "$KAFKA" status | sed 's/^/  /'
      dr_in_stack "$dir" bash "$CLICKHOUSE" status | sed 's/^/  /'
    fi
    if [[ -d "$dir/cluster" ]]; then
      echo "  cluster ($dir/cluster):"
      dr_in_stack "$dir" bash "$CLUSTER" status 2>&1 | sed 's/^/    /'
    fi
  done
  if (( cluster )); then return "$l_rc"; fi
  return "$rc"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
