#!/usr/bin/env bash
# What `npm run demo` runs: install what is missing, start the real stack, then
# hand over to the demo itself. Arguments are passed on: `npm run demo -- --speed 60`.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash infra/setup.sh || exit $?
bash infra/stack.sh up || exit $?

# The later hook: services/common/src/cli/demo.ts (written by the services) runs
# the actual demo (services, a replayed outage, the dashboard). Until it exists,
# the demo is just the running stack.
DEMO=services/common/src/cli/demo.ts
if [[ -f "$DEMO" ]]; then
  exec npx --no-install tsx "$DEMO" "$@"
fi

cat <<EOF
demo: $DEMO does not exist yet; the stack is up:
  Kafka       127.0.0.1:${DOWNRADAR_KAFKA_PORT:-9092}   (kcat -b 127.0.0.1:${DOWNRADAR_KAFKA_PORT:-9092} -L)
  ClickHouse  http://127.0.0.1:${DOWNRADAR_CLICKHOUSE_HTTP_PORT:-8123}  native 127.0.0.1:${DOWNRADAR_CLICKHOUSE_TCP_PORT:-9000}
              (clickhouse-client --user analyst -q 'SELECT version()')
  stop with   npm run stack:down
EOF
