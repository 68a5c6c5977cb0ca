#!/usr/bin/env bash
# ClickHouse accounts, profiles and quotas of downradar: writes <data>/clickhouse/users.xml
# (the server re-reads it within seconds, no restart) and the secrets it needs. Called by
# clickhouse.sh on every `up`; kept apart from it so that server and cluster settings
# (config.xml) and accounts (users.xml) change independently.
#
# A replica of the cluster (infra/cluster.sh) gets its users.xml and client config files in its
# own directory ($DOWNRADAR_CLICKHOUSE_DIR) and the same accounts, limits and passwords: the
# passwords are those of <data>, so the replicas and the single node of one data dir all know
# the same `downradar` and `analyst`, and the replicas can log in to each other as `downradar`.
#
#   users.sh write TCP_PORT   create the passwords when missing, write users.xml and the
#                             clickhouse-client config files (only when their content changes)
#   users.sh secrets          only create the passwords when missing (cluster.sh needs the
#                             services' one for remote_servers before a replica starts)
#   users.sh print VERSION    print the users.xml that a server of VERSION gets, with
#                             placeholder password hashes (tests of this generator)
#
# Accounts (docs/security.md says why):
#   downradar  the services (write, migrations). Password generated once into
#              <data>/clickhouse-password (mode 600); users.xml holds only its SHA-256.
#              Loopback only (DOWNRADAR_CLICKHOUSE_SERVICES_NETWORKS).
#   analyst    SQL users: readonly=1 (no writes, no SET, no per-query settings, no table
#              functions), only the downradar database (and `system`, which 18.16 opens to
#              every account), time, memory and concurrency limits per query, a quota per hour.
#              Password: DOWNRADAR_CLICKHOUSE_ANALYST_PASSWORD, else generated once into
#              <data>/clickhouse-analyst-password. Networks: DOWNRADAR_CLICKHOUSE_ANALYST_NETWORKS.
#   default    does not exist: a client that names no user is refused (Code 192).
#
# Client config files (mode 600), so that nobody types a password on a command line:
#   <data>/clickhouse/analyst-client.xml    clickhouse-client --config-file ... as analyst
#   <data>/clickhouse/services-client.xml   the same as the services' account (benchmarks, admin)
# (a replica: <its directory>/analyst-client.xml and services-client.xml, with its own port)
set -euo pipefail
DR_NAME=clickhouse
# shellcheck source=../lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib.sh"

CH_DIR="${DOWNRADAR_CLICKHOUSE_DIR:-$DR_DATA/clickhouse}"
USERS="$CH_DIR/users.xml"
SERVICES_PASSWORD_FILE="$DR_DATA/clickhouse-password"
ANALYST_PASSWORD_FILE="$DR_DATA/clickhouse-analyst-password"

SERVICES_USER=downradar
DATABASE="${DOWNRADAR_CLICKHOUSE_DATABASE:-downradar}"
SERVICES_NETWORKS="${DOWNRADAR_CLICKHOUSE_SERVICES_NETWORKS:-127.0.0.1,::1}"
ANALYST_NETWORKS="${DOWNRADAR_CLICKHOUSE_ANALYST_NETWORKS:-127.0.0.1,::1}"
# Per query
ANALYST_MAX_EXECUTION_S="${DOWNRADAR_CLICKHOUSE_ANALYST_MAX_EXECUTION_S:-30}"
ANALYST_MAX_MEMORY_BYTES="${DOWNRADAR_CLICKHOUSE_ANALYST_MAX_MEMORY_BYTES:-4000000000}"
ANALYST_CONCURRENT_QUERIES="${DOWNRADAR_CLICKHOUSE_ANALYST_CONCURRENT_QUERIES:-4}"
# Per hour, per analyst account
ANALYST_QUERIES_PER_HOUR="${DOWNRADAR_CLICKHOUSE_ANALYST_QUERIES_PER_HOUR:-3600}"
ANALYST_EXECUTION_S_PER_HOUR="${DOWNRADAR_CLICKHOUSE_ANALYST_EXECUTION_S_PER_HOUR:-1800}"
ANALYST_ROWS_READ_PER_HOUR="${DOWNRADAR_CLICKHOUSE_ANALYST_ROWS_READ_PER_HOUR:-20000000000}"

# The default profile's (the services') measurement and server-start settings, unset by default:
# DOWNRADAR_CLICKHOUSE_LOG_QUERIES=1 writes every query of the services into system.query_log;
# DOWNRADAR_CLICKHOUSE_BACKGROUND_POOL_SIZE sets the merge pool's threads (read at server start).
LOG_QUERIES="${DOWNRADAR_CLICKHOUSE_LOG_QUERIES:-0}"
BACKGROUND_POOL_SIZE="${DOWNRADAR_CLICKHOUSE_BACKGROUND_POOL_SIZE:-}"
[[ "$LOG_QUERIES" == 0 || "$LOG_QUERIES" == 1 ]] || dr_die "DOWNRADAR_CLICKHOUSE_LOG_QUERIES must be 0 or 1 (got '$LOG_QUERIES')"
[[ -z "$BACKGROUND_POOL_SIZE" || "$BACKGROUND_POOL_SIZE" =~ ^[1-9][0-9]*$ ]] ||
  dr_die "DOWNRADAR_CLICKHOUSE_BACKGROUND_POOL_SIZE must be a positive integer (got '$BACKGROUND_POOL_SIZE')"

for v in ANALYST_MAX_EXECUTION_S ANALYST_MAX_MEMORY_BYTES ANALYST_CONCURRENT_QUERIES ANALYST_QUERIES_PER_HOUR \
         ANALYST_EXECUTION_S_PER_HOUR ANALYST_ROWS_READ_PER_HOUR; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || dr_die "DOWNRADAR_CLICKHOUSE_$v must be a positive integer (got '${!v}'); 0 would mean no limit"
done
[[ "$DATABASE" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || dr_die "DOWNRADAR_CLICKHOUSE_DATABASE must be a plain name (got '$DATABASE')"

# A secret made once and kept (mode 600), like the reporter salt.
secret_file() {
  local file="$1"
  if [[ ! -s "$file" ]]; then
    mkdir -p "$(dirname "$file")"
    (umask 077 && od -An -tx1 -N24 /dev/urandom | tr -d ' \n' >"$file.tmp" && mv "$file.tmp" "$file")
  fi
  tr -d '\n' <"$file"
}

sha256_hex() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
xml_escape() { printf '%s' "$1" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g'; }

# <ip> entries of a comma-separated list of addresses or networks (1.2.3.4, 10.0.0.0/8, ::1).
networks_xml() {
  local list="$1" what="$2" net out=""
  IFS=',' read -ra nets <<<"$list"
  for net in "${nets[@]}"; do
    net="${net// /}"
    [[ -z "$net" ]] && continue
    [[ "$net" =~ ^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$ ]] || dr_die "$what: '$net' is not an IP address or network (like 10.1.0.0/16 or ::1)"
    out+="<ip>$net</ip>"
  done
  [[ -n "$out" ]] || dr_die "$what is empty: at least one address or network is needed"
  printf '%s' "$out"
}

# The major.minor of the installed server, e.g. 18.16.
server_version() {
  local v="${DOWNRADAR_CLICKHOUSE_SERVER_VERSION:-}"
  [[ -z "$v" ]] && v="$(dpkg-query -W -f='${Version}' clickhouse-server 2>/dev/null || true)"
  [[ -z "$v" ]] && v="$(clickhouse-client --version 2>/dev/null | grep -o '[0-9][0-9]*\.[0-9][0-9]*[.0-9]*' | head -n1 || true)"
  printf '%s' "${v:-18.16}"
}

# Settings constraints exist from 19.14 on. 18.16 would read <constraints> as an unknown setting
# and refuse the whole file, so they are written for newer servers only. On both, readonly=1
# already refuses every setting change; the constraints hold the limits even if a later change
# to this file lowered readonly.
has_constraints() {
  local major minor
  IFS=. read -r major minor _ <<<"$1"
  (( major > 19 || (major == 19 && minor >= 14) ))
}

users_xml() {
  local version="$1" services_hash="$2" analyst_hash="$3" constraints="" services_networks analyst_networks default_extra=""
  [[ "$LOG_QUERIES" == 1 ]] && default_extra+=$'\n            <log_queries>1</log_queries>'
  [[ -n "$BACKGROUND_POOL_SIZE" ]] && default_extra+=$'\n            '"<background_pool_size>$BACKGROUND_POOL_SIZE</background_pool_size>"
  # Checked here, outside the heredoc, so that a bad value stops the script.
  services_networks="$(networks_xml "$SERVICES_NETWORKS" DOWNRADAR_CLICKHOUSE_SERVICES_NETWORKS)"
  analyst_networks="$(networks_xml "$ANALYST_NETWORKS" DOWNRADAR_CLICKHOUSE_ANALYST_NETWORKS)"
  if has_constraints "$version"; then
    constraints="
            <constraints>
                <readonly><readonly/></readonly>
                <max_execution_time><readonly/></max_execution_time>
                <max_memory_usage><readonly/></max_memory_usage>
                <max_concurrent_queries_for_user><readonly/></max_concurrent_queries_for_user>
                <allow_ddl><readonly/></allow_ddl>
            </constraints>"
  fi
  cat <<EOF
<?xml version="1.0"?>
<!-- Generated by infra/clickhouse/users.sh for ClickHouse $version: edit the script, not this file.
     docs/security.md explains every account and limit. -->
<yandex>
    <profiles>
        <!-- The server's own default profile, and the services' account. -->
        <default>
            <max_memory_usage>8000000000</max_memory_usage>
            <use_uncompressed_cache>0</use_uncompressed_cache>
            <load_balancing>random</load_balancing>$default_extra
        </default>
        <!-- SQL users. readonly=1: no INSERT/CREATE/DROP/ALTER, no SET and no per-query setting
             that differs from this profile (URL parameters included), no table functions
             (url, remote, file, numbers, ...). What the cookbook needs is set here instead. -->
        <analyst>
            <readonly>1</readonly>
            <allow_ddl>0</allow_ddl>
            <max_execution_time>$ANALYST_MAX_EXECUTION_S</max_execution_time>
            <max_memory_usage>$ANALYST_MAX_MEMORY_BYTES</max_memory_usage>
            <max_concurrent_queries_for_user>$ANALYST_CONCURRENT_QUERIES</max_concurrent_queries_for_user>
            <enable_optimize_predicate_expression>1</enable_optimize_predicate_expression>
            <use_uncompressed_cache>0</use_uncompressed_cache>
            <load_balancing>random</load_balancing>$constraints
        </analyst>
    </profiles>

    <users>
        <$SERVICES_USER>
            <password_sha256_hex>$services_hash</password_sha256_hex>
            <networks>$services_networks</networks>
            <profile>default</profile>
            <quota>services</quota>
        </$SERVICES_USER>
        <analyst>
            <password_sha256_hex>$analyst_hash</password_sha256_hex>
            <networks>$analyst_networks</networks>
            <profile>analyst</profile>
            <quota>analyst</quota>
            <allow_databases>
                <database>$DATABASE</database>
            </allow_databases>
        </analyst>
    </users>

    <quotas>
        <!-- Counted, not limited. -->
        <services>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </services>
        <!-- Counted per account name (quotas without keys), so every account that uses this
             quota has its own budget; a client-supplied quota_key is refused (Code 200). -->
        <analyst>
            <interval>
                <duration>3600</duration>
                <queries>$ANALYST_QUERIES_PER_HOUR</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>$ANALYST_ROWS_READ_PER_HOUR</read_rows>
                <execution_time>$ANALYST_EXECUTION_S_PER_HOUR</execution_time>
            </interval>
        </analyst>
    </quotas>
</yandex>
EOF
}

client_xml() {
  local port="$1" user="$2" password="$3" database="$4"
  cat <<EOF
<?xml version="1.0"?>
<!-- Generated by infra/clickhouse/users.sh; for clickhouse-client (its config-file option). -->
<config>
    <host>127.0.0.1</host>
    <port>$port</port>
    <user>$user</user>
    <password>$(xml_escape "$password")</password>
    <database>$database</database>
</config>
EOF
}

# write_if_changed FILE: stdin to FILE (mode 600), only when it differs (a rewrite makes the server reload).
write_if_changed() {
  local file="$1"
  (umask 077 && cat >"$file.tmp")
  if [[ -f "$file" ]] && cmp -s "$file" "$file.tmp"; then
    rm -f "$file.tmp"
  else
    chmod 600 "$file.tmp"
    mv "$file.tmp" "$file"
  fi
}

cmd_write() {
  local port="${1:?usage: users.sh write TCP_PORT}" services_pw analyst_pw
  mkdir -p "$CH_DIR"
  services_pw="$(secret_file "$SERVICES_PASSWORD_FILE")"
  if [[ -n "${DOWNRADAR_CLICKHOUSE_ANALYST_PASSWORD:-}" ]]; then
    analyst_pw="$DOWNRADAR_CLICKHOUSE_ANALYST_PASSWORD"
  else
    analyst_pw="$(secret_file "$ANALYST_PASSWORD_FILE")"
  fi
  users_xml "$(server_version)" "$(sha256_hex "$services_pw")" "$(sha256_hex "$analyst_pw")" | write_if_changed "$USERS"
  client_xml "$port" analyst "$analyst_pw" "$DATABASE" | write_if_changed "$CH_DIR/analyst-client.xml"
  client_xml "$port" "$SERVICES_USER" "$services_pw" "$DATABASE" | write_if_changed "$CH_DIR/services-client.xml"
  # Throwaway test accounts (services/common/src/testing/sql-users.ts) left behind by a test run
  # that was killed: a day old is long past any test.
  [[ -d "$CH_DIR/users.d" ]] && find "$CH_DIR/users.d" -maxdepth 1 -name 't_sql_*.xml' -mmin +1440 -delete
  return 0
}

cmd_secrets() {
  secret_file "$SERVICES_PASSWORD_FILE" >/dev/null
  [[ -n "${DOWNRADAR_CLICKHOUSE_ANALYST_PASSWORD:-}" ]] || secret_file "$ANALYST_PASSWORD_FILE" >/dev/null
  return 0
}

cmd_print() {
  users_xml "${1:?usage: users.sh print VERSION}" "$(sha256_hex services-placeholder)" "$(sha256_hex analyst-placeholder)"
}

case "${1:-}" in
  write) shift; cmd_write "$@" ;;
  secrets) cmd_secrets ;;
  print) shift; cmd_print "$@" ;;
  *) echo "usage: $0 write TCP_PORT | secrets | print VERSION" >&2; exit 2 ;;
esac
