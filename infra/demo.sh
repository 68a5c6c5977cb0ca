#!/usr/bin/env bash
# What `npm run demo` runs: install what is missing, start the real stack, then
# hand over to the demo itself. Arguments are passed on: `npm run demo -- --speed 60`.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash infra/setup.sh || exit $?
bash infra/stack.sh up || exit $?

exec npx --no-install tsx services/common/src/cli/demo.ts "$@"
