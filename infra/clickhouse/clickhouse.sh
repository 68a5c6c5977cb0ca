#!/usr/bin/env bash
# A real ClickHouse server from Debian's clickhouse-server package (18.16 on
# Debian 12), run with the project's own config and data dir.
#
#   clickhouse.sh up       install the package if absent, write config, start, wait for /ping
#   clickhouse.sh down     SIGTERM, wait up to DOWNRADAR_CLICKHOUSE_STOP_TIMEOUT_S (20), then SIGKILL
#   clickhouse.sh status   running/stopped, pid, version, RSS; exit 0 running, 3 stopped
#   clickhouse.sh kill9    SIGKILL the server (fault drills)
#   clickhouse.sh wipe     down, then delete everything under <data>/clickhouse
#   clickhouse.sh install  only install the package when absent (used by infra/setup.sh)
#   clickhouse.sh config   print the config.xml that `up` writes (with the environment's settings)
#
# Everything lives under <data>/clickhouse (<data> = $DOWNRADAR_DATA_DIR or <repo>/.data; a
# cluster replica: $DOWNRADAR_CLICKHOUSE_DIR, see infra/cluster.sh):
#   config.xml              generated on every start
#   users.xml               accounts, profiles, quotas: infra/clickhouse/users.sh, on every `up`
#                           (the server re-reads it live); users.d/*.xml are merged into it
#   data/                   databases and tables (<path>)
#   tmp/ user_files/ format_schemas/
#   log/clickhouse-server.log, log/clickhouse-server.err.log
#   stdout.log              the server's own stdout/stderr (crashes before logging starts)
#   clickhouse.pid
set -euo pipefail
DR_NAME="${DOWNRADAR_CLICKHOUSE_NAME:-clickhouse}"
# shellcheck source=../lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib.sh"

# A replica of the cluster (infra/cluster.sh) runs from its own directory; its replication
# settings are in <dir>/config.d/cluster.xml, which infra/cluster.sh writes and the server merges.
CH_DIR="${DOWNRADAR_CLICKHOUSE_DIR:-$DR_DATA/clickhouse}"
LOCK_NAME="clickhouse${DOWNRADAR_CLICKHOUSE_DIR:+-$(basename "$CH_DIR")}"
CONFIG="$CH_DIR/config.xml"
USERS="$CH_DIR/users.xml"
PIDFILE="$CH_DIR/clickhouse.pid"
STDOUT_LOG="$CH_DIR/stdout.log"
SERVER_LOG="$CH_DIR/log/clickhouse-server.log"
ERROR_LOG="$CH_DIR/log/clickhouse-server.err.log"

HTTP_PORT="${DOWNRADAR_CLICKHOUSE_HTTP_PORT:-8123}"
TCP_PORT="${DOWNRADAR_CLICKHOUSE_TCP_PORT:-9000}"
INTERSERVER_PORT="${DOWNRADAR_CLICKHOUSE_INTERSERVER_PORT:-9009}"
START_TIMEOUT_S="${DOWNRADAR_CLICKHOUSE_START_TIMEOUT_S:-60}"
STOP_TIMEOUT_S="${DOWNRADAR_CLICKHOUSE_STOP_TIMEOUT_S:-20}"
LISTEN_HOST="${DOWNRADAR_CLICKHOUSE_LISTEN_HOST:-127.0.0.1}"
# Measurement switches and server-wide table settings (infra/README.md, "ClickHouse under the live
# day"): part_log records every part made, merged or removed (off by default: its own flushes make
# parts too); DOWNRADAR_CLICKHOUSE_MERGE_TREE="name=value,..." adds <merge_tree> settings, the
# defaults of every MergeTree table (system.merge_tree_settings), for experiments.
PART_LOG="${DOWNRADAR_CLICKHOUSE_PART_LOG:-0}"
MERGE_TREE="${DOWNRADAR_CLICKHOUSE_MERGE_TREE:-}"

MARKER="--config-file=$CONFIG"

server_bin() {
  local b
  for b in /usr/bin/clickhouse-server /usr/sbin/clickhouse-server; do
    [[ -x "$b" ]] && { echo "$b"; return 0; }
  done
  return 1
}

ensure_installed() {
  if server_bin >/dev/null && command -v clickhouse-client >/dev/null; then return 0; fi
  dr_need_root_for "installing ClickHouse" "clickhouse-server clickhouse-client"
  local start log
  start="$(dr_now_ms)"
  mkdir -p "$CH_DIR"
  log="$CH_DIR/apt-install.log"
  dr_say "installing clickhouse-server clickhouse-client with apt-get (log: $log)"
  # The package's post-install step tries to start a system service; without
  # systemd that is refused (policy-rc.d) and harmless: we start our own server.
  if ! { DEBIAN_FRONTEND=noninteractive apt-get update &&
         DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends clickhouse-server clickhouse-client; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    dr_die "apt-get could not install clickhouse-server clickhouse-client (full log: $log)"
  fi
  server_bin >/dev/null || dr_die "apt-get succeeded but no clickhouse-server binary in /usr/bin or /usr/sbin"
  dr_say "installed $(dpkg-query -W -f='${Version}' clickhouse-server) in $(dr_since "$start") s"
}


# <part_log> when DOWNRADAR_CLICKHOUSE_PART_LOG=1.
part_log_xml() {
  case "$PART_LOG" in
    0|'') ;;
    1) printf '    <part_log>\n        <database>system</database>\n        <table>part_log</table>\n        <flush_interval_milliseconds>7500</flush_interval_milliseconds>\n    </part_log>\n' ;;
    *) dr_die "DOWNRADAR_CLICKHOUSE_PART_LOG must be 0 or 1 (got '$PART_LOG')" ;;
  esac
}

# <merge_tree> from DOWNRADAR_CLICKHOUSE_MERGE_TREE="name=value,...".
merge_tree_xml() {
  [[ -z "$MERGE_TREE" ]] && return 0
  local pair name value out=""
  IFS=, read -ra pairs <<<"$MERGE_TREE"
  for pair in "${pairs[@]}"; do
    name="${pair%%=*}"; value="${pair#*=}"
    [[ "$pair" == *=* && "$name" =~ ^[a-z_]+$ && "$value" =~ ^[0-9]+$ ]] ||
      dr_die "DOWNRADAR_CLICKHOUSE_MERGE_TREE: '$pair' is not name=integer (names as in system.merge_tree_settings)"
    out+="        <$name>$value</$name>"$'\n'
  done
  printf '    <merge_tree>\n%s    </merge_tree>\n' "$out"
}

# The config.xml that `up` writes (`clickhouse.sh config` prints it).
config_xml() {
  local part_log merge_tree
  part_log="$(part_log_xml)"
  merge_tree="$(merge_tree_xml)"
  cat <<EOF
<?xml version="1.0"?>
<!-- Generated by infra/clickhouse/clickhouse.sh on every start: edit the script, not this file. -->
<yandex>
    <logger>
        <level>information</level>
        <log>$CH_DIR/log/clickhouse-server.log</log>
        <errorlog>$CH_DIR/log/clickhouse-server.err.log</errorlog>
        <size>100M</size>
        <count>3</count>
    </logger>

    <listen_host>$LISTEN_HOST</listen_host>
    <http_port>$HTTP_PORT</http_port>
    <tcp_port>$TCP_PORT</tcp_port>
    <interserver_http_port>$INTERSERVER_PORT</interserver_http_port>
    <interserver_http_host>127.0.0.1</interserver_http_host>

    <max_connections>1024</max_connections>
    <keep_alive_timeout>10</keep_alive_timeout>
    <max_concurrent_queries>100</max_concurrent_queries>
    <uncompressed_cache_size>1073741824</uncompressed_cache_size>
    <mark_cache_size>268435456</mark_cache_size>

    <path>$CH_DIR/data/</path>
    <tmp_path>$CH_DIR/tmp/</tmp_path>
    <user_files_path>$CH_DIR/user_files/</user_files_path>
    <format_schema_path>$CH_DIR/format_schemas/</format_schema_path>

    <users_config>$USERS</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <umask>022</umask>

    <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
    <max_session_timeout>3600</max_session_timeout>
    <default_session_timeout>60</default_session_timeout>

    <query_log>
        <database>system</database>
        <table>query_log</table>
        <partition_by>toYYYYMM(event_date)</partition_by>
        <flush_interval_milliseconds>7500</flush_interval_milliseconds>
    </query_log>
${part_log:+$part_log
}${merge_tree:+$merge_tree
}
    <!-- Protection against accidental drops of big tables: 0 = no limit (a dev/test stack). -->
    <max_table_size_to_drop>0</max_table_size_to_drop>
    <max_partition_size_to_drop>0</max_partition_size_to_drop>
</yandex>
EOF
}

write_config() {
  mkdir -p "$CH_DIR"/{data,tmp,user_files,format_schemas,log}
  config_xml >"$CONFIG.tmp"
  mv "$CONFIG.tmp" "$CONFIG"
  write_users
}

# users.xml (accounts, profiles, quotas) and the passwords: infra/clickhouse/users.sh. The
# running server re-reads users.xml within a few seconds, so changes need no restart.
write_users() { bash "$DR_INFRA/clickhouse/users.sh" write "$TCP_PORT"; }

http_ping() { [[ "$(curl -s --max-time 2 "http://127.0.0.1:$HTTP_PORT/ping" 2>/dev/null)" == "Ok." ]]; }
# As the services' account; the password goes through curl's stdin, never onto a command line.
server_version() {
  local pw
  pw="$(tr -d '\n' <"$DR_DATA/clickhouse-password" 2>/dev/null)" || return 0
  printf 'header = "X-ClickHouse-User: downradar"\nheader = "X-ClickHouse-Key: %s"\n' "$pw" |
    curl -s --max-time 5 -K - "http://127.0.0.1:$HTTP_PORT/?query=SELECT%20version()" 2>/dev/null || true
}

log_tail() {
  local f
  for f in "$STDOUT_LOG" "$ERROR_LOG" "$SERVER_LOG"; do
    [[ -s "$f" ]] || continue
    echo "---- last 40 lines of $f ----" >&2
    tail -n 40 "$f" >&2
  done
  echo "----" >&2
}

# A running server keeps the ports it was started with, whatever the env says now.
use_running_ports() {
  # A data dir whose server never ran has no config yet: no ports to take, not an error.
  local h t
  h="$(sed -n 's#.*<http_port>\([0-9]*\)</http_port>.*#\1#p' "$CONFIG" 2>/dev/null || true)"
  t="$(sed -n 's#.*<tcp_port>\([0-9]*\)</tcp_port>.*#\1#p' "$CONFIG" 2>/dev/null || true)"
  [[ -n "$h" ]] && HTTP_PORT="$h"
  [[ -n "$t" ]] && TCP_PORT="$t"
  return 0
}

cmd_up() {
  local start pid bin wait_start
  start="$(dr_now_ms)"
  dr_lock "$LOCK_NAME"
  pid="$(dr_find_pid "$PIDFILE" "$MARKER")"
  if [[ -n "$pid" ]]; then
    echo "$pid" >"$PIDFILE"
    use_running_ports
    write_users
    if http_ping; then
      dr_say "already running (pid $pid, ClickHouse $(server_version), http 127.0.0.1:$HTTP_PORT)"
      return 0
    fi
    dr_say "process $pid exists but /ping does not answer yet; waiting"
  else
    command -v curl >/dev/null || dr_die "curl not found: apt-get install curl"
    ensure_installed
    bin="$(server_bin)"
    dr_check_ports_free "$HTTP_PORT" "$TCP_PORT" "$INTERSERVER_PORT"
    write_config
    [[ -f "$STDOUT_LOG" ]] && mv -f "$STDOUT_LOG" "$STDOUT_LOG.1"
    : >"$STDOUT_LOG"
    # Own working directory: the server writes nothing into the caller's cwd.
    ( cd "$CH_DIR" && dr_spawn "$PIDFILE" "$STDOUT_LOG" "$bin" "$MARKER" )
    pid="$(cat "$PIDFILE")"
  fi
  # The start timeout covers the server's own start, not downloads or formatting.
  wait_start="$(dr_now_ms)"
  while :; do
    if ! dr_alive "$pid"; then
      log_tail
      rm -f "$PIDFILE"
      dr_die "the server (pid $pid) exited during start-up (logs under $CH_DIR)"
    fi
    http_ping && break
    if (( $(dr_now_ms) - wait_start > START_TIMEOUT_S * 1000 )); then
      log_tail
      dr_die "not answering /ping after ${START_TIMEOUT_S} s (pid $pid still running; DOWNRADAR_CLICKHOUSE_START_TIMEOUT_S raises the limit)"
    fi
    sleep 0.2
  done
  dr_say "started in $(dr_since "$start") s (ClickHouse $(server_version), pid $pid, http 127.0.0.1:$HTTP_PORT, native 127.0.0.1:$TCP_PORT)"
}

cmd_down() {
  local pid start
  dr_lock "$LOCK_NAME"
  pid="$(dr_find_pid "$PIDFILE" "$MARKER")"
  if [[ -z "$pid" ]]; then
    rm -f "$PIDFILE"
    dr_say "already stopped"
    return 0
  fi
  start="$(dr_now_ms)"
  dr_stop "$pid" "$STOP_TIMEOUT_S"
  rm -f "$PIDFILE"
  dr_say "stopped in $(dr_since "$start") s (was pid $pid)"
}

cmd_status() {
  local pid version
  pid="$(dr_find_pid "$PIDFILE" "$MARKER")"
  if [[ -z "$pid" ]]; then
    # Without an explicit port, the one it last ran with.
    [[ -z "${DOWNRADAR_CLICKHOUSE_HTTP_PORT:-}" ]] && use_running_ports
    echo "$DR_NAME: stopped (http 127.0.0.1:$HTTP_PORT, data $CH_DIR)"
    return 3
  fi
  use_running_ports
  version="$(server_version)"
  echo "$DR_NAME: running, ${version:+ready }(ClickHouse ${version:-not answering}, pid $pid, http 127.0.0.1:$HTTP_PORT, native 127.0.0.1:$TCP_PORT, RSS $(dr_rss_mb "$pid") MB, data $CH_DIR)"
}

cmd_kill9() {
  local pid i
  pid="$(dr_find_pid "$PIDFILE" "$MARKER")"
  if [[ -z "$pid" ]]; then dr_say "not running"; return 0; fi
  kill -KILL "$pid"
  for i in $(seq 1 50); do dr_alive "$pid" || break; sleep 0.1; done
  rm -f "$PIDFILE"
  dr_say "killed with SIGKILL (was pid $pid)"
}

cmd_wipe() {
  cmd_down
  # A server that ran for a while leaves tens of thousands of files (outdated parts live on for
  # 8 minutes), which take a minute to delete here: move them aside at once, delete them behind.
  local trash
  if [[ -d "$CH_DIR" ]]; then
    trash="$CH_DIR.wiped.$(date +%s%N)"
    mv "$CH_DIR" "$trash"
  fi
  shopt -s nullglob
  local old=("$CH_DIR".wiped.*)
  if (( ${#old[@]} > 0 )); then
    nohup rm -rf "${old[@]}" >/dev/null 2>&1 9>&- &  # without fd 9: the up/down lock stays ours
    disown
  fi
  dr_say "wiped $CH_DIR (the old files are being deleted in the background)"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  kill9) cmd_kill9 ;;
  wipe) cmd_wipe ;;
  config) config_xml ;;
  install) ensure_installed; dr_say "ok: clickhouse-server $(dpkg-query -W -f='${Version}' clickhouse-server 2>/dev/null || echo '?') installed" ;;
  *) echo "usage: $0 up|down|status|kill9|wipe|install|config" >&2; exit 2 ;;
esac
