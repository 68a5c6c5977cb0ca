# shellcheck shell=bash
# Shared helpers for the infra scripts. Sourced, never run.
#
# Paths: DR_ROOT is the repository root (computed from this file's location),
# DR_DATA the data root: $DOWNRADAR_DATA_DIR if set, else $DR_ROOT/.data.

DR_INFRA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DR_ROOT="$(cd "$DR_INFRA/.." && pwd)"
if [[ -n "${DOWNRADAR_DATA_DIR:-}" ]]; then
  case "$DOWNRADAR_DATA_DIR" in
    /*) DR_DATA="$DOWNRADAR_DATA_DIR" ;;
    *) DR_DATA="$PWD/$DOWNRADAR_DATA_DIR" ;;
  esac
else
  DR_DATA="$DR_ROOT/.data"
fi
# One spelling per directory: the data dir's paths identify our servers' processes.
DR_DATA="$(realpath -m "$DR_DATA")"
export DR_INFRA DR_ROOT DR_DATA

# dr_other_stacks: the subdirectories of the data dir that hold a stack of their own (their own
# kafka/ and clickhouse/, e.g. the fault drills' <data>/drills, or a cluster/, e.g. the cluster
# drills' <data>/drills-cluster), one per line.
dr_other_stacks() {
  local d
  shopt -s nullglob
  for d in "$DR_DATA"/*/; do
    d="${d%/}"
    [[ "$d" == "$DR_DATA/kafka" || "$d" == "$DR_DATA/clickhouse" ]] && continue
    [[ -d "$d/kafka" || -d "$d/clickhouse" || -d "$d/cluster" ]] && echo "$d"
  done
  return 0
}

# dr_in_stack DIR CMD...: runs CMD (a kafka.sh, clickhouse.sh or cluster.sh call) for the stack
# in DIR. The ports in the environment are the main stack's: a running server reports its own
# ports from its config, a stopped one the ports it last ran with (a cluster: its ports.env).
dr_in_stack() {
  local dir="$1"; shift
  env -u DOWNRADAR_KAFKA_PORT -u DOWNRADAR_KAFKA_CONTROLLER_PORT -u DOWNRADAR_CLICKHOUSE_HTTP_PORT \
    -u DOWNRADAR_CLICKHOUSE_TCP_PORT -u DOWNRADAR_CLICKHOUSE_INTERSERVER_PORT \
    -u DOWNRADAR_CLUSTER_PORT_BASE -u DOWNRADAR_CLUSTER_KAFKA_PORTS -u DOWNRADAR_CLUSTER_KAFKA_CONTROLLER_PORTS \
    -u DOWNRADAR_CLUSTER_ZOOKEEPER_PORT -u DOWNRADAR_CLUSTER_CLICKHOUSE_HTTP_PORTS \
    -u DOWNRADAR_CLUSTER_CLICKHOUSE_TCP_PORTS -u DOWNRADAR_CLUSTER_CLICKHOUSE_INTERSERVER_PORTS \
    DOWNRADAR_DATA_DIR="$dir" "$@"
}

dr_die() { echo "${DR_NAME:-infra}: error: $*" >&2; exit 1; }
dr_say() { echo "${DR_NAME:-infra}: $*"; }

# Milliseconds since the epoch, and "12.3" seconds since a start in ms.
dr_now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
dr_since() {
  local ms=$(( $(dr_now_ms) - $1 ))
  printf '%d.%d' $(( ms / 1000 )) $(( (ms % 1000) / 100 ))
}

dr_alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null && [[ -r "/proc/$1/cmdline" ]] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# dr_cmdline PID: the command line with spaces between arguments.
dr_cmdline() { tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline"; }

# dr_find_pid PIDFILE MARKER: prints the pid of our process, or nothing.
# The pid file is trusted only if that process's command line contains MARKER
# (a path inside our data dir), which rules out recycled pids. Without a valid
# pid file, the process table is searched for MARKER, so a lost pid file
# does not lead to a second server.
dr_find_pid() {
  local pidfile="$1" marker="$2" pid p
  if [[ -f "$pidfile" ]]; then
    pid="$(cat "$pidfile" 2>/dev/null || true)"
    if [[ "$pid" =~ ^[0-9]+$ ]] && dr_alive "$pid" && dr_cmdline "$pid" | grep -qF -- "$marker"; then
      echo "$pid"; return 0
    fi
  fi
  # One grep over every command line (NUL-separated arguments, so the marker,
  # itself one argument, matches as a plain substring).
  local f
  for f in $(grep -lF -- "$marker" /proc/[0-9]*/cmdline 2>/dev/null); do
    p="${f#/proc/}"; p="${p%/cmdline}"
    [[ "$p" == "$$" ]] && continue
    # only the server itself (java / clickhouse), not a shell or grep that mentions the path
    case "$(cat 2>/dev/null "/proc/$p/comm")" in
      java|clickhouse*|ClickHouse*) dr_alive "$p" && { echo "$p"; return 0; } ;;
    esac
  done
  return 0
}

dr_rss_mb() {
  local kb
  kb="$(awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null)"
  [[ -n "$kb" ]] && echo $(( kb / 1024 )) || echo "?"
}

# dr_port_listening PORT: true if some socket listens on TCP PORT (any address).
dr_port_listening() {
  local hex
  hex="$(printf '%04X' "$1")"
  awk -v h=":$hex" 'NR > 1 && $4 == "0A" && substr($2, length($2) - 4) == h { found = 1 } END { exit !found }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# dr_port_owner PORT: "pid 123 (java)" for the process listening on PORT, if it can be found.
dr_port_owner() {
  local hex inodes inode fd pid
  hex="$(printf '%04X' "$1")"
  inodes="$(awk -v h=":$hex" 'NR > 1 && $4 == "0A" && substr($2, length($2) - 4) == h { print $10 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null)"
  for inode in $inodes; do
    for fd in /proc/[0-9]*/fd/*; do
      if [[ "$(readlink "$fd" 2>/dev/null)" == "socket:[$inode]" ]]; then
        pid="${fd#/proc/}"; pid="${pid%%/*}"
        echo "pid $pid ($(cat "/proc/$pid/comm" 2>/dev/null): $(dr_cmdline "$pid" | cut -c1-160))"
        return 0
      fi
    done
  done
  echo "an unknown process"
}

# dr_port_accepts PORT: true if a TCP connection to 127.0.0.1:PORT succeeds.
dr_port_accepts() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# dr_check_ports_free PORT...: dies naming the owner of the first port in use.
dr_check_ports_free() {
  local port
  for port in "$@"; do
    if dr_port_listening "$port"; then
      dr_die "port $port is already in use by $(dr_port_owner "$port"); stop it or choose other ports (see infra/README.md)"
    fi
  done
}

# dr_spawn PIDFILE LOGFILE CMD...: starts CMD detached (own session, no stdin,
# immune to SIGHUP), stdout+stderr appended to LOGFILE; the pid is written by
# the child itself just before exec, so it is exactly the server's pid.
dr_spawn() {
  local pidfile="$1" logfile="$2"; shift 2
  rm -f "$pidfile"
  # 9>&-: the server must not inherit the up/down lock (see dr_lock).
  nohup setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" >>"$logfile" 2>&1 </dev/null 9>&- &
  disown 2>/dev/null || true
  local i
  for i in $(seq 1 50); do [[ -s "$pidfile" ]] && break; sleep 0.1; done
  [[ -s "$pidfile" ]] || dr_die "could not start: $*"
}

# dr_stop PID TIMEOUT_S: SIGTERM, wait, then SIGKILL. Prints what happened.
dr_stop() {
  local pid="$1" timeout_s="$2" start
  start="$(dr_now_ms)"
  kill -TERM "$pid" 2>/dev/null || true
  while dr_alive "$pid"; do
    if (( $(dr_now_ms) - start > timeout_s * 1000 )); then
      dr_say "still running after ${timeout_s} s, sending SIGKILL to pid $pid"
      kill -KILL "$pid" 2>/dev/null || true
      local i
      for i in $(seq 1 50); do dr_alive "$pid" || break; sleep 0.1; done
      break
    fi
    sleep 0.2
  done
  dr_alive "$pid" && dr_die "pid $pid did not stop"
  return 0
}

# dr_lock NAME: serialises up/down of one component across processes
# (parallel test runs calling `stack.sh up` at once).
dr_lock() {
  mkdir -p "$DR_DATA"
  exec 9>"$DR_DATA/.$1.updown.lock"
  if ! flock -n 9; then
    dr_say "waiting for another up/down of $1 to finish (lock $DR_DATA/.$1.updown.lock)"
    flock -w 600 9 || dr_die "timed out waiting for the lock $DR_DATA/.$1.updown.lock; held by: $(fuser "$DR_DATA/.$1.updown.lock" 2>/dev/null || echo '?')"
  fi
}

dr_need_root_for() {
  [[ "$(id -u)" == 0 ]] || dr_die "$1 requires root (apt-get); run as root or install it yourself: apt-get install -y --no-install-recommends $2"
}
