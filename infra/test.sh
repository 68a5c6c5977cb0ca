#!/usr/bin/env bash
# What `npm test` runs: install what is missing, start the real stack (Kafka + ClickHouse),
# typecheck, lint (with the import rules), then every vitest project: unit, integration and system in one vitest run, browser
# in a second one (vitest starts every project's global setup before the first test, and the
# browser project's starts a whole system with a replay, which must not run through the other
# projects). Both runs happen; the exit code is the first failing step's. Extra arguments make
# it one vitest run with them: `npm test -- --project unit`.
#
# It stops what it started and leaves running what ran before: at the end (also after a failure
# or Ctrl-C) every server that was not running when the run began is stopped, the main stack's
# as well as those of any other stack under the data dir (the fault drills' private stack, which
# the drills stop themselves when they end normally).
set -uo pipefail
DR_NAME=test
# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
cd "$DR_ROOT"

# running_servers: "<stack dir> <kafka|clickhouse>" for every server running now, one per line.
running_servers() {
  local dir script stacks
  mapfile -t stacks < <(dr_other_stacks)
  for dir in "$DR_DATA" "${stacks[@]}"; do
    for script in kafka clickhouse; do
      if [[ "$dir" == "$DR_DATA" ]]; then
        bash "$DR_INFRA/$script/$script.sh" status >/dev/null 2>&1 && echo "$dir $script"
      else
        dr_in_stack "$dir" bash "$DR_INFRA/$script/$script.sh" status >/dev/null 2>&1 && echo "$dir $script"
      fi
    done
  done
  return 0
}

RUNNING_BEFORE="$(running_servers)"
stop_what_we_started() {
  local rc=$? dir script
  trap - EXIT INT TERM
  while read -r dir script; do
    [[ -z "$dir" ]] && continue
    grep -qxF "$dir $script" <<<"$RUNNING_BEFORE" && continue
    if [[ "$dir" == "$DR_DATA" ]]; then
      bash "$DR_INFRA/$script/$script.sh" down
    else
      dr_in_stack "$dir" bash "$DR_INFRA/$script/$script.sh" down | sed -u "s#^#${dir#"$DR_ROOT"/}: #"
    fi
  done < <(running_servers)
  if [[ -n "$RUNNING_BEFORE" ]]; then
    while read -r dir script; do
      if [[ "$dir" == "$DR_DATA" ]]; then
        echo "test: left running, as it was before the run: the stack's $script"
      else
        echo "test: left running, as it was before the run: $script of ${dir#"$DR_ROOT"/}"
      fi
    done <<<"$RUNNING_BEFORE"
  fi
  exit "$rc"
}
trap stop_what_we_started EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

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
if (( $# > 0 )); then
  step vitest npx --no-install vitest run "$@"
  exit 0
fi
# The browser tests run even when the others failed; the first failure gives the exit code.
echo "==> vitest: npx --no-install vitest run --project unit --project integration --project system"
npx --no-install vitest run --project unit --project integration --project system
first=$?
(( first != 0 )) && echo "test: vitest (unit, integration, system) failed (exit $first)" >&2
step vitest-browser npx --no-install vitest run --project browser
exit "$first"
