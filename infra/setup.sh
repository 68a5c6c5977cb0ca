#!/usr/bin/env bash
# Installs whatever the project needs and is missing; does nothing for what is there.
# One line per thing: "ok: ..." or "installing: ...". Safe to run any number of times
# (npm test and npm run demo run it first).
#
#   node_modules   npm ci (npm install without a lockfile) when missing or older than package-lock.json
#   Debian         clickhouse-server clickhouse-client (the database), chromium (browser tests),
#                  kcat and python3-confluent-kafka (the example consumer), wrk (bench:ingest's
#                  single-POST load generator), plus a JDK 17 and
#                  Maven if `java`/`mvn` are absent; one apt-get update per run, only if needed
#   Kafka          the broker's jars from Maven Central (infra/kafka/kafka.sh libs)
#   chDB           a current ClickHouse engine in process, for the SQL compatibility test: a Python
#                  virtual environment in .data/chdb-venv (DOWNRADAR_CHDB_VENV) with the pinned
#                  chdb-core of tests/sql/requirements.txt from PyPI, made again only when that pin changes
set -uo pipefail
DR_NAME=setup
# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
cd "$DR_ROOT"

START="$(dr_now_ms)"

# --- Node.js ---------------------------------------------------------------
command -v node >/dev/null || dr_die "node not found: the project needs Node.js >= 20.19 (with npm)"
NODE_VER="$(node -p 'process.versions.node')"
NODE_MAJOR="${NODE_VER%%.*}"
(( NODE_MAJOR >= 20 )) || dr_die "Node.js $NODE_VER is too old: the project needs >= 20.19"
echo "ok: node $NODE_VER"

# --- npm dependencies ------------------------------------------------------
mtime() { stat -c %Y "$1" 2>/dev/null || echo 0; }
npm_reason=""
if [[ ! -d node_modules ]]; then
  npm_reason="node_modules is missing"
elif [[ -f package-lock.json && ! -f node_modules/.package-lock.json ]]; then
  npm_reason="node_modules was not installed by npm from the lockfile"
elif [[ -f package-lock.json ]] && (( $(mtime package-lock.json) > $(mtime node_modules/.package-lock.json) )); then
  # Whole seconds: npm writes the lockfile and its hidden copy within the same second.
  npm_reason="package-lock.json is newer than node_modules"
fi
if [[ -n "$npm_reason" ]]; then
  if [[ -f package-lock.json ]]; then npm_cmd=(npm ci); else npm_cmd=(npm install); fi
  echo "installing: npm dependencies ($npm_reason): ${npm_cmd[*]}"
  t="$(dr_now_ms)"
  "${npm_cmd[@]}" --no-audit --no-fund || dr_die "${npm_cmd[*]} failed (see the npm output above)"
  echo "ok: npm dependencies installed in $(dr_since "$t") s"
else
  echo "ok: npm dependencies (node_modules up to date with package-lock.json)"
fi

# --- Debian packages -------------------------------------------------------
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
missing=()
want() {  # want PACKAGE WHAT-FOR
  if installed "$1"; then
    echo "ok: $1 (already installed; $2)"
  else
    missing+=("$1"); echo "installing: $1 ($2)"
  fi
}
want_cmd() {  # want_cmd COMMAND PACKAGE WHAT-FOR: the command counts, however it was installed
  if command -v "$1" >/dev/null; then
    echo "ok: $1 (already installed; $3)"
  else
    missing+=("$2"); echo "installing: $2 ($3)"
  fi
}
if [[ -x /usr/bin/clickhouse-server || -x /usr/sbin/clickhouse-server ]]; then
  echo "ok: clickhouse-server (already installed; the database)"
else
  missing+=(clickhouse-server); echo "installing: clickhouse-server (the database)"
fi
want_cmd clickhouse-client clickhouse-client "SQL shell for ClickHouse"
want chromium "headless browser for the browser tests"
want kcat "command-line Kafka client"
want wrk "HTTP load generator of bench:ingest's single POSTs"
want python3-confluent-kafka "the Python example consumer"
want_cmd java openjdk-17-jre-headless "runs the Kafka broker"
want_cmd mvn maven "fetches the Kafka broker from Maven Central"
want_cmd python3 python3 "runs chDB for the SQL compatibility test"
# `python3 -m venv` needs ensurepip, which Debian ships apart (python3-venv).
if command -v python3 >/dev/null && ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  want python3-venv "Python virtual environments (chDB for the SQL compatibility test)"
fi

if (( ${#missing[@]} > 0 )); then
  dr_need_root_for "installing ${missing[*]}" "${missing[*]}"
  t="$(dr_now_ms)"
  apt_log="$DR_DATA/setup-apt.log"
  mkdir -p "$DR_DATA"
  echo "installing: apt-get update && apt-get install -y --no-install-recommends ${missing[*]} (log: $apt_log)"
  if ! { DEBIAN_FRONTEND=noninteractive apt-get update &&
         DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; } >"$apt_log" 2>&1; then
    tail -n 30 "$apt_log" >&2
    dr_die "apt-get could not install: ${missing[*]} (full log: $apt_log)"
  fi
  echo "ok: installed ${missing[*]} in $(dr_since "$t") s"
fi

# --- Kafka broker jars -----------------------------------------------------
bash "$DR_INFRA/kafka/kafka.sh" libs || dr_die "could not assemble the Kafka broker's classpath"
# --- NAB data (not in the repository; tools/eval/src/nab/nab-published.test.ts reads it) ------
# Said here, in the first seconds of `npm test`, rather than by that test's failure at the end.
node --import tsx -e 'import("./tools/eval/src/nab/nab-corpus.ts").then((m) => {
  try { console.log(`ok: NAB data at ${m.resolveNabDir()}`); }
  catch (e) { console.log(`missing: ${e.message} (the NAB test of npm test fails without it)`); }
})'


# --- chDB: current ClickHouse in process (tests/sql-compat.integration.test.ts) ---
# Pinned in tests/sql/requirements.txt; the venv carries the hash of the file it was made from,
# so it is made again only when the pin changes (about 1 min and 900 MB from PyPI the first time).
CHDB_VENV="${DOWNRADAR_CHDB_VENV:-$DR_ROOT/.data/chdb-venv}"
CHDB_REQ="$DR_ROOT/tests/sql/requirements.txt"
chdb_want="$(sha256sum "$CHDB_REQ" | cut -d' ' -f1)"
if [[ -x "$CHDB_VENV/bin/python" && "$(cat "$CHDB_VENV/.requirements.sha256" 2>/dev/null)" == "$chdb_want" ]] &&
   "$CHDB_VENV/bin/python" -c 'import chdb' 2>/dev/null; then
  echo "ok: chdb ($(grep -v '^#' "$CHDB_REQ" | tr '\n' ' ')in $CHDB_VENV)"
else
  t="$(dr_now_ms)"
  echo "installing: $(grep -v '^#' "$CHDB_REQ" | tr '\n' ' ')from PyPI into the virtual environment $CHDB_VENV (the SQL compatibility test's current ClickHouse)"
  # The stamp is written last: a venv without it (an interrupted install) is made again.
  rm -rf "$CHDB_VENV"
  mkdir -p "$(dirname "$CHDB_VENV")" "$DR_DATA"
  python3 -m venv "$CHDB_VENV" || dr_die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  if ! "$CHDB_VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$CHDB_REQ" >"$DR_DATA/chdb-pip.log" 2>&1; then
    tail -n 20 "$DR_DATA/chdb-pip.log" >&2
    dr_die "pip could not install $(grep -v '^#' "$CHDB_REQ" | tr '\n' ' ')(full log: $DR_DATA/chdb-pip.log)"
  fi
  echo "$chdb_want" >"$CHDB_VENV/.requirements.sha256"
  echo "ok: chdb installed in $(dr_since "$t") s ($CHDB_VENV)"
fi
echo "ok: setup complete in $(dr_since "$START") s"
