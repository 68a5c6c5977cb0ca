#!/usr/bin/env bash
# `npm run bench`: every benchmark in turn (each writes bench/results/<name>.json). They run one
# after another, never together: each measures its peer in the same run, and two benchmarks at
# once would measure each other. bench:api (100 M reports) and bench:e2e (the whole 2021 day)
# are long: DOWNRADAR_BENCH_SKIP="api e2e" leaves them out.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
skip=" ${DOWNRADAR_BENCH_SKIP:-} "
for name in ingest replay detector sink clickhouse nlp sources e2e api; do
  if [[ "$skip" == *" $name "* ]]; then
    echo "== bench:$name skipped (DOWNRADAR_BENCH_SKIP)"
    continue
  fi
  echo "== bench:$name"
  npm run --silent "bench:$name"
done
