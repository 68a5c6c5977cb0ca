#!/usr/bin/env bash
# A real Apache Kafka broker (KRaft, one node acting as broker and controller),
# run from jars that Maven fetches from Maven Central (infra/kafka/pom.xml).
#
#   kafka.sh up       assemble the classpath if needed, format storage once, start, wait until ready
#   kafka.sh down     SIGTERM, wait up to DOWNRADAR_KAFKA_STOP_TIMEOUT_S (20), then SIGKILL
#   kafka.sh status   running/stopped, pid, port, RSS; exit 0 running, 3 stopped
#   kafka.sh kill9    SIGKILL the broker (fault drills: unclean shutdown)
#   kafka.sh wipe     down, then delete everything under <data>/kafka except libs/
#   kafka.sh libs     only assemble the classpath (used by infra/setup.sh)
#   kafka.sh tools    assemble Kafka's own tools (ProducerPerformance, ConsumerPerformance) for the
#                     broker's version into <data>/kafka/tools-libs and print that directory
#                     (the benchmarks' peers; infra/kafka/tools-pom.xml)
#   kafka.sh jvm-opts   print the broker's JVM flags, one a line (what `up` starts it with)
#   kafka.sh server-properties   print the server.properties that `up` writes
#
# Everything lives under <data>/kafka (<data> = $DOWNRADAR_DATA_DIR or <repo>/.data; a cluster
# node: $DOWNRADAR_KAFKA_DIR with the jars still in <data>/kafka/libs, see infra/cluster.sh):
#   libs/               the broker's jars (+ .pom.sha256, the stamp of the pom they came from)
#   tools-libs/         kafka-tools and its dependencies, same version (+ .stamp: pom hash and version)
#   data/               KRaft metadata log and topic partitions (log.dirs)
#   server.properties   generated on every start
#   log4j2.properties   generated on every start
#   cluster.id          the cluster id used to format data/
#   broker.log          the broker's log (previous run's in broker.log.1)
#   kafka.pid
set -euo pipefail
DR_NAME="${DOWNRADAR_KAFKA_NAME:-kafka}"
# shellcheck source=../lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib.sh"

# One node of a cluster (infra/cluster.sh) runs from its own directory with its own id, quorum
# and replication; the jars stay in the one shared libs/.
KAFKA_DIR="${DOWNRADAR_KAFKA_DIR:-$DR_DATA/kafka}"
LIBS="$DR_DATA/kafka/libs"
LOGDIR="$KAFKA_DIR/data"
PROPS="$KAFKA_DIR/server.properties"
LOG4J="$KAFKA_DIR/log4j2.properties"
LOGFILE="$KAFKA_DIR/broker.log"
PIDFILE="$KAFKA_DIR/kafka.pid"
POM="$DR_INFRA/kafka/pom.xml"

PORT="${DOWNRADAR_KAFKA_PORT:-9092}"
CONTROLLER_PORT="${DOWNRADAR_KAFKA_CONTROLLER_PORT:-9093}"
HEAP="${DOWNRADAR_KAFKA_HEAP:-512m}"
NODE_ID="${DOWNRADAR_KAFKA_NODE_ID:-1}"
VOTERS="${DOWNRADAR_KAFKA_QUORUM_VOTERS:-$NODE_ID@127.0.0.1:$CONTROLLER_PORT}"
# Internal topics (offsets, transactions, share state) and the defaults of topics created
# without explicit settings: replication 1 on one node, 3 with min ISR 2 in cluster mode.
INTERNAL_RF="${DOWNRADAR_KAFKA_INTERNAL_REPLICATION_FACTOR:-1}"
INTERNAL_MIN_ISR="${DOWNRADAR_KAFKA_INTERNAL_MIN_INSYNC_REPLICAS:-1}"
LOCK_NAME="kafka${DOWNRADAR_KAFKA_DIR:+-$(basename "$KAFKA_DIR")}"
# The JVM's collector and JIT, and the broker's thread pools (see jvm_opts and write_config).
GC="${DOWNRADAR_KAFKA_GC:-g1}"
JIT="${DOWNRADAR_KAFKA_JIT:-c1}"
NETWORK_THREADS="${DOWNRADAR_KAFKA_NETWORK_THREADS:-2}"
IO_THREADS="${DOWNRADAR_KAFKA_IO_THREADS:-4}"
# 32, not Kafka's 128: see server_properties.
CLEANER_BUFFER_MB="${DOWNRADAR_KAFKA_CLEANER_BUFFER_MB:-32}"
START_TIMEOUT_S="${DOWNRADAR_KAFKA_START_TIMEOUT_S:-60}"
STOP_TIMEOUT_S="${DOWNRADAR_KAFKA_STOP_TIMEOUT_S:-20}"

# What identifies our broker in the process table: its generated config path.
MARKER="$PROPS"

java_bin() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then echo "$JAVA_HOME/bin/java"; else command -v java || true; fi
}

check_java() {
  local java ver major
  java="$(java_bin)"
  [[ -n "$java" ]] || dr_die "Java 17 not found: apt-get install openjdk-17-jre-headless"
  ver="$("$java" -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')"
  major="${ver%%.*}"
  [[ "$major" == 1 ]] && major="$(echo "$ver" | cut -d. -f2)"
  if ! [[ "$major" =~ ^[0-9]+$ ]] || (( major < 17 )); then
    dr_die "Java 17 not found (found '${ver:-unknown}' at $java): apt-get install openjdk-17-jre-headless"
  fi
  JAVA="$java"
}

pom_hash() { sha256sum "$POM" | cut -d' ' -f1; }

# Assemble libs/ from the pom unless it was already assembled from this very pom.
ensure_libs() {
  local hash
  hash="$(pom_hash)"
  if [[ -f "$LIBS/.pom.sha256" && "$(cat "$LIBS/.pom.sha256")" == "$hash" ]] && compgen -G "$LIBS/kafka_2.13-*.jar" >/dev/null; then
    return 0
  fi
  command -v mvn >/dev/null || dr_die "mvn not found: apt-get install maven"
  local start tmp
  start="$(dr_now_ms)"
  dr_say "assembling the broker classpath from Maven Central into $LIBS"
  mkdir -p "$KAFKA_DIR"
  tmp="$KAFKA_DIR/libs.tmp.$$"
  rm -rf "$tmp"
  # target/ would otherwise appear next to the pom, in the source tree.
  if ! mvn -B -q -f "$POM" dependency:copy-dependencies -DincludeScope=runtime \
        -DoutputDirectory="$tmp" -Ddownradar.build.dir="$KAFKA_DIR/mvn-target" >"$KAFKA_DIR/mvn.log" 2>&1; then
    tail -n 40 "$KAFKA_DIR/mvn.log" >&2
    rm -rf "$tmp"
    dr_die "mvn could not assemble the Kafka classpath (full log: $KAFKA_DIR/mvn.log)"
  fi
  compgen -G "$tmp/kafka_2.13-*.jar" >/dev/null || dr_die "mvn ran but no kafka_2.13 jar landed in $tmp"
  echo "$hash" >"$tmp/.pom.sha256"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
  rm -rf "$KAFKA_DIR/mvn-target" "$DR_INFRA/kafka/target"
  dr_say "classpath ready: $(ls "$LIBS"/*.jar | wc -l) jars, $(du -sm "$LIBS" | cut -f1) MB, in $(dr_since "$start") s"
}

TOOLS_POM="$DR_INFRA/kafka/tools-pom.xml"
TOOLS_LIBS="$KAFKA_DIR/tools-libs"

# Kafka's own tools for the broker's version, apart from the broker's classpath. Re-assembled
# when the tools pom or the broker's version changes.
ensure_tools() {
  local version stamp tmp start
  version="$(kafka_version)"
  [[ -n "$version" ]] || dr_die "no broker jars in $LIBS to take the version from"
  stamp="$(sha256sum "$TOOLS_POM" | cut -d' ' -f1) $version"
  if [[ -f "$TOOLS_LIBS/.stamp" && "$(cat "$TOOLS_LIBS/.stamp")" == "$stamp" ]] && compgen -G "$TOOLS_LIBS/kafka-tools-*.jar" >/dev/null; then
    return 0
  fi
  command -v mvn >/dev/null || dr_die "mvn not found: apt-get install maven"
  start="$(dr_now_ms)"
  dr_say "assembling kafka-tools $version from Maven Central into $TOOLS_LIBS" >&2
  tmp="$KAFKA_DIR/tools-libs.tmp.$$"
  rm -rf "$tmp"
  if ! mvn -B -q -f "$TOOLS_POM" dependency:copy-dependencies -DincludeScope=runtime -Dkafka.version="$version" \
        -DoutputDirectory="$tmp" -Ddownradar.build.dir="$KAFKA_DIR/mvn-tools-target" >"$KAFKA_DIR/mvn-tools.log" 2>&1; then
    tail -n 40 "$KAFKA_DIR/mvn-tools.log" >&2
    rm -rf "$tmp"
    dr_die "mvn could not assemble kafka-tools (full log: $KAFKA_DIR/mvn-tools.log)"
  fi
  compgen -G "$tmp/kafka-tools-$version.jar" >/dev/null || dr_die "mvn ran but no kafka-tools-$version jar landed in $tmp"
  echo "$stamp" >"$tmp/.stamp"
  rm -rf "$TOOLS_LIBS"
  mv "$tmp" "$TOOLS_LIBS"
  rm -rf "$KAFKA_DIR/mvn-tools-target" "$DR_INFRA/kafka/target"
  dr_say "kafka-tools ready: $(ls "$TOOLS_LIBS"/*.jar | wc -l) jars in $(dr_since "$start") s" >&2
}

kafka_version() { local j; j="$(ls "$LIBS"/kafka_2.13-*.jar 2>/dev/null | head -1)"; j="${j##*/kafka_2.13-}"; echo "${j%.jar}"; }

# The broker's JVM flags, one a line (`kafka.sh jvm-opts` prints them). DOWNRADAR_KAFKA_JVM_OPTS
# comes last and wins over any flag here except the collector (two collectors are refused by the
# JVM: choose one with DOWNRADAR_KAFKA_GC).
check_settings() {
  [[ "$HEAP" =~ ^[1-9][0-9]*[kKmMgG]$ ]] || dr_die "DOWNRADAR_KAFKA_HEAP must be a size like 512m (got '$HEAP')"
  [[ "$GC" =~ ^(g1|parallel|serial)$ ]] || dr_die "DOWNRADAR_KAFKA_GC must be g1, parallel or serial (got '$GC')"
  [[ "$JIT" =~ ^(c1|c2)$ ]] || dr_die "DOWNRADAR_KAFKA_JIT must be c1 or c2 (got '$JIT')"
  local n
  for n in NETWORK_THREADS IO_THREADS CLEANER_BUFFER_MB; do
    [[ "${!n}" =~ ^[1-9][0-9]*$ ]] || dr_die "DOWNRADAR_KAFKA_$n must be a positive integer (got '${!n}')"
  done
}

# Only after check_settings.
jvm_opts() {
  echo "-Xmx$HEAP"
  echo "-Xms$HEAP"
  case "$GC" in
    # 4 MB regions: a produce request up to 2 MB is an ordinary young object, not a "humongous"
    # one (half a region or more, allocated in the old generation). With 1 MB regions (the
    # default for this heap) most of the day's produce requests were humongous, and with the old
    # generation near the 35 % below, 70 of 86 young pauses of an e2e run at 0.02 were
    # "Concurrent Start (G1 Humongous Allocation)", each followed by a concurrent cycle.
    g1) printf '%s\n' -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:G1HeapRegionSize=4m -XX:+ExplicitGCInvokesConcurrent ;;
    parallel) printf '%s\n' -XX:+UseParallelGC ;;
    serial) printf '%s\n' -XX:+UseSerialGC ;;
  esac
  echo "-XX:+ExitOnOutOfMemoryError"
  case "$JIT" in
    # JIT: C1 only (-XX:TieredStopAtLevel=1). Measured on 2 busy cores (load 20):
    # start 26-29 s -> 14-15 s (start CPU 8.7 s -> 3.9 s), and the broker even used
    # less CPU for the first 1M produced messages (1.2-2.0 s vs 2.3-4.2 s), since C2
    # compilations cost more than they save in a dev/test broker's lifetime.
    # Session 15, e2e at 0.05 (infra/README.md, "The broker's JVM"): C2 compiled for 15 s in the
    # broker's first 70-s run and 6 s in its second, and its working threads then cost 17-35 %
    # less than C1's; by the second run the total was lower. It pays back after about two minutes
    # of full load: C1 stays the default (tests and drills start many short brokers); use c2 for
    # a long day.
    c1) echo "-XX:TieredStopAtLevel=1" ;;
    # Tiered C1 + C2, the JVM's own default.
    c2) ;;
  esac
  echo "-Djava.awt.headless=true"
  echo "-Dlog4j2.configurationFile=$LOG4J"
  echo "-Dkafka.logs.dir=$KAFKA_DIR"
  # Word-split on purpose: a list of flags.
  # shellcheck disable=SC2086
  [[ -n "${DOWNRADAR_KAFKA_JVM_OPTS:-}" ]] && printf '%s\n' ${DOWNRADAR_KAFKA_JVM_OPTS}
  return 0
}

# server.properties (`kafka.sh server-properties` prints it). Only after check_settings.
server_properties() {
  cat <<EOF
# Generated by infra/kafka/kafka.sh on every start: edit the script, not this file.
process.roles=broker,controller
node.id=$NODE_ID
controller.quorum.voters=$VOTERS
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$LOGDIR

# Internal topics: replication factor $INTERNAL_RF (1 on one node, 3 in cluster mode) and few
# partitions (the default 50 partitions each only slow the start down).
num.partitions=1
default.replication.factor=$INTERNAL_RF
min.insync.replicas=$INTERNAL_MIN_ISR
offsets.topic.replication.factor=$INTERNAL_RF
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=$INTERNAL_RF
transaction.state.log.min.isr=$INTERNAL_MIN_ISR
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=$INTERNAL_RF
share.coordinator.state.topic.min.isr=$INTERNAL_MIN_ISR
share.coordinator.state.topic.num.partitions=4
# A replica that was not in sync never becomes leader (no acknowledged write is given up).
unclean.leader.election.enable=false

# Consumer groups form at once (tests, replays) instead of after 3 s.
group.initial.rebalance.delay.ms=0
# The services create their topics explicitly; auto-creation stays on for ad-hoc tools.
auto.create.topics.enable=true
delete.topic.enable=true

# Sized for a 2-core machine. 1/1 against 2/4 measured in session 15 (e2e at 0.05, two pairs):
# +0.4 and -2.9 microseconds an event of the broker's 13-16, each time dearer in the run with other work
# beside it; the same handler and network work either way. No clear win: 2/4 stays.
num.network.threads=$NETWORK_THREADS
num.io.threads=$IO_THREADS
num.recovery.threads.per.data.dir=1
# The log cleaner's key map, allocated whole in the heap at start: Kafka's 128 MB were a quarter
# of the heap held for good in the old generation, which kept G1 at its initiating occupancy.
# 32 MB hold about 1.2 million keys a cleaning pass (24 bytes a key, 90 % load); the compacted
# topics here (offsets, transactions, the detector's and the sources' checkpoints) have thousands.
# A larger topic is still cleaned completely, in more passes. No effect on what is stored.
log.cleaner.dedupe.buffer.size=$((CLEANER_BUFFER_MB * 1024 * 1024))
log.retention.hours=168
log.retention.check.interval.ms=300000
EOF
}

write_config() {
  mkdir -p "$KAFKA_DIR" "$LOGDIR"
  server_properties >"$PROPS.tmp"
  mv "$PROPS.tmp" "$PROPS"
  cat >"$LOG4J" <<'EOF'
# Generated by infra/kafka/kafka.sh. Quiet broker: WARN and up, plus the
# KafkaRaftServer lifecycle at INFO ("Kafka Server started" = ready).
status = warn
name = downradar-kafka
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d{ISO8601}{UTC}Z] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.console.ref = STDOUT
logger.raftserver.name = kafka.server.KafkaRaftServer
logger.raftserver.level = info
logger.kafka.name = kafka.Kafka$
logger.kafka.level = info
EOF
}

ensure_formatted() {
  [[ -f "$LOGDIR/meta.properties" ]] && return 0
  local id start
  start="$(dr_now_ms)"
  if [[ -s "$KAFKA_DIR/cluster.id" ]]; then
    id="$(cat "$KAFKA_DIR/cluster.id")"
  else
    # 16 random bytes, URL-safe base64 without padding, not starting with '-'.
    while :; do
      id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
      [[ "$id" != -* ]] && break
    done
    echo "$id" >"$KAFKA_DIR/cluster.id"
  fi
  dr_say "formatting storage in $LOGDIR (cluster id $id)"
  # Static quorum (controller.quorum.voters): format WITHOUT --standalone.
  # C1 only, as for the broker: the tool runs for seconds, C2 would only cost CPU.
  if ! "$JAVA" -XX:TieredStopAtLevel=1 -cp "$LIBS/*" -Dlog4j2.configurationFile="$LOG4J" kafka.tools.StorageTool \
        format -t "$id" -c "$PROPS" --ignore-formatted >"$KAFKA_DIR/format.log" 2>&1; then
    cat "$KAFKA_DIR/format.log" >&2
    dr_die "formatting the storage failed"
  fi
  dr_say "storage formatted in $(dr_since "$start") s"
}

log_tail() {
  echo "---- last 40 lines of $LOGFILE ----" >&2
  tail -n 40 "$LOGFILE" >&2 2>/dev/null || true
  echo "----" >&2
}

# A running broker keeps the ports it was started with, whatever the env says now.
use_running_ports() {
  # A data dir whose server never ran has no config yet: no ports to take, not an error.
  local p c
  p="$(sed -n 's#^listeners=PLAINTEXT://127.0.0.1:\([0-9]*\),.*#\1#p' "$PROPS" 2>/dev/null || true)"
  c="$(sed -n 's#^listeners=.*CONTROLLER://127.0.0.1:\([0-9]*\).*#\1#p' "$PROPS" 2>/dev/null || true)"
  [[ -n "$p" ]] && PORT="$p"
  [[ -n "$c" ]] && CONTROLLER_PORT="$c"
  return 0
}

cmd_up() {
  local start pid wait_start
  start="$(dr_now_ms)"
  dr_lock "$LOCK_NAME"
  pid="$(dr_find_pid "$PIDFILE" "$MARKER")"
  if [[ -n "$pid" ]]; then
    echo "$pid" >"$PIDFILE"
    use_running_ports
    if dr_port_accepts "$PORT"; then
      dr_say "already running (pid $pid, 127.0.0.1:$PORT)"
      return 0
    fi
    dr_say "process $pid exists but port $PORT does not answer yet; waiting"
  else
    check_settings
    check_java
    dr_check_ports_free "$PORT" "$CONTROLLER_PORT"
    ensure_libs
    dr_check_ports_free "$PORT" "$CONTROLLER_PORT"
    write_config
    ensure_formatted
    [[ -f "$LOGFILE" ]] && mv -f "$LOGFILE" "$LOGFILE.1"
    local opts
    mapfile -t opts < <(jvm_opts)
    : >"$LOGFILE"
    dr_spawn "$PIDFILE" "$LOGFILE" "$JAVA" "${opts[@]}" -cp "$LIBS/*" kafka.Kafka "$PROPS"
    pid="$(cat "$PIDFILE")"
  fi
  # The start timeout covers the server's own start, not downloads or formatting.
  wait_start="$(dr_now_ms)"
  # Ready = the port accepts AND the broker said "Kafka Server started".
  while :; do
    if ! dr_alive "$pid"; then
      log_tail
      rm -f "$PIDFILE"
      dr_die "the broker (pid $pid) exited during start-up (log: $LOGFILE)"
    fi
    if grep -q 'Kafka Server started' "$LOGFILE" 2>/dev/null && dr_port_accepts "$PORT"; then
      break
    fi
    if (( $(dr_now_ms) - wait_start > START_TIMEOUT_S * 1000 )); then
      log_tail
      dr_die "not ready after ${START_TIMEOUT_S} s (pid $pid still running; DOWNRADAR_KAFKA_START_TIMEOUT_S raises the limit)"
    fi
    sleep 0.2
  done
  dr_say "started in $(dr_since "$start") s (Kafka $(kafka_version), pid $pid, 127.0.0.1:$PORT, log $LOGFILE)"
}

cmd_down() {
  local pid
  dr_lock "$LOCK_NAME"
  pid="$(dr_find_pid "$PIDFILE" "$MARKER")"
  if [[ -z "$pid" ]]; then
    rm -f "$PIDFILE"
    dr_say "already stopped"
    return 0
  fi
  local start; start="$(dr_now_ms)"
  dr_stop "$pid" "$STOP_TIMEOUT_S"
  rm -f "$PIDFILE"
  dr_say "stopped in $(dr_since "$start") s (was pid $pid)"
}

cmd_status() {
  local pid
  pid="$(dr_find_pid "$PIDFILE" "$MARKER")"
  if [[ -z "$pid" ]]; then
    # Without an explicit port, the one it last ran with.
    [[ -z "${DOWNRADAR_KAFKA_PORT:-}" ]] && use_running_ports
    echo "$DR_NAME: stopped (127.0.0.1:$PORT, data $KAFKA_DIR)"
    return 3
  fi
  use_running_ports
  local ready="ready"
  dr_port_accepts "$PORT" || ready="not accepting connections on $PORT"
  echo "$DR_NAME: running, $ready (Kafka $(kafka_version), pid $pid, 127.0.0.1:$PORT, controller 127.0.0.1:$CONTROLLER_PORT, RSS $(dr_rss_mb "$pid") MB, data $KAFKA_DIR)"
}

cmd_kill9() {
  local pid
  pid="$(dr_find_pid "$PIDFILE" "$MARKER")"
  if [[ -z "$pid" ]]; then dr_say "not running"; return 0; fi
  kill -KILL "$pid"
  local i
  for i in $(seq 1 50); do dr_alive "$pid" || break; sleep 0.1; done
  rm -f "$PIDFILE"
  dr_say "killed with SIGKILL (was pid $pid)"
}

cmd_wipe() {
  cmd_down
  local f
  shopt -s dotglob nullglob
  for f in "$KAFKA_DIR"/*; do
    [[ "$f" == "$LIBS" ]] && continue
    rm -rf "$f"
  done
  dr_say "wiped $KAFKA_DIR (kept libs/)"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  kill9) cmd_kill9 ;;
  wipe) cmd_wipe ;;
  libs) check_java; ensure_libs; dr_say "classpath ok: Kafka $(kafka_version) in $LIBS" ;;
  tools) check_java; ensure_libs >&2; ensure_tools; echo "$TOOLS_LIBS" ;;
  jvm-opts) check_settings; jvm_opts ;;
  server-properties) check_settings; server_properties ;;
  *) echo "usage: $0 up|down|status|kill9|wipe|libs|tools|jvm-opts|server-properties" >&2; exit 2 ;;
esac
