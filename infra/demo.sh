#!/usr/bin/env bash
# What `npm run demo` runs: install what is missing, start the real stack, then hand over to
# tools/run/src/demo.ts. Options are passed on: `npm run demo -- --speed 60`.
#
#   --fresh   wipe Kafka's and ClickHouse's data first (keeps the broker's jars and the API keys),
#             so that a second demo replays 2021 into empty stores: after a first replay the
#             detector's event time stands in October 2021 at 01:00, and everything replayed
#             again before that is late for it.
#   --cluster the same on the cluster (three brokers, two ClickHouse replicas; infra/cluster.sh).
set -uo pipefail
DR_NAME=demo
# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
cd "$DR_ROOT"

fresh=0
cluster=()
args=()
for a in "$@"; do
  case "$a" in
    --fresh) fresh=1 ;;
    --cluster) cluster=(--cluster); args+=("$a") ;;
    *) args+=("$a") ;;
  esac
done

bash infra/setup.sh || exit $?
if (( fresh )); then
  dr_say "--fresh: wiping Kafka's and ClickHouse's data (the jars and API keys stay)"
  if (( ${#cluster[@]} )); then
    bash infra/cluster.sh wipe || exit $?
  else
    bash infra/kafka/kafka.sh wipe || exit $?
    bash infra/clickhouse/clickhouse.sh wipe || exit $?
  fi
  rm -f "$DR_DATA/demo-replayed"
fi
bash infra/stack.sh up "${cluster[@]}" || exit $?

exec npx --no-install tsx tools/run/src/demo.ts "${args[@]}"
