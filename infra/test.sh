#!/usr/bin/env bash
# What `npm test` runs: install what is missing, start the real stack (Kafka +
# ClickHouse, left running afterwards), typecheck, lint (with the import rules), then every vitest project
# (unit, integration, system, browser). Exits with the first failing step's code.
# Extra arguments go to vitest: `npm test -- --project unit`.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

step() {
  local name="$1"; shift
  echo "==> $name: $*"
  "$@"
  local rc=$?
  if (( rc != 0 )); then
    echo "test: $name failed (exit $rc)" >&2
    exit "$rc"
  fi
}

step setup bash infra/setup.sh
step stack bash infra/stack.sh up
step typecheck npx --no-install tsc -p tsconfig.json
# eslint holds the import rules of docs/architecture.md: an arrow the wrong way fails here.
step lint npx --no-install eslint .
step vitest npx --no-install vitest run "$@"
