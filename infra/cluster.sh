#!/usr/bin/env bash
# Cluster mode: three Kafka brokers (KRaft, each broker and controller, from the same Maven jars
# as the single node), one ZooKeeper, and two ClickHouse 18.16 replicas of one shard. It runs
# beside the single-node stack (own data dir, own ports) and is started by the same scripts:
# every broker is infra/kafka/kafka.sh with its own directory, id and quorum, every replica is
# infra/clickhouse/clickhouse.sh with its own directory plus config.d/cluster.xml written here.
#
#   cluster.sh up                 start everything (ZooKeeper first, then brokers and replicas in
#                                 parallel), wait until ready, write <data>/cluster/cluster.env
#   cluster.sh down               stop everything
#   cluster.sh status             one line per server; exit 0 when all run, 3 otherwise
#   cluster.sh env                print cluster.env: the variables services need for the cluster
#   cluster.sh kill9 NAME         SIGKILL one server: kafka-1..3, clickhouse-1..2, zookeeper
#   cluster.sh stop NAME          stop one server gracefully (rolling restarts)
#   cluster.sh start NAME         start one server again
#   cluster.sh wipe               down, then delete the cluster's data (the jars stay)
#
# npm run stack:up -- --cluster calls `up` and then creates the topics (replication factor 3,
# min.insync.replicas 2) and applies the migrations ON CLUSTER.
#
# Ports (each list: the servers in order); DOWNRADAR_CLUSTER_PORT_BASE=B puts them all at fixed
# offsets from B instead (a second cluster, the drills' own):
#   DOWNRADAR_CLUSTER_KAFKA_PORTS              9192,9194,9196   (B, B+2, B+4)
#   DOWNRADAR_CLUSTER_KAFKA_CONTROLLER_PORTS   9193,9195,9197   (B+1, B+3, B+5)
#   DOWNRADAR_CLUSTER_ZOOKEEPER_PORT           2181             (B+10)
#   DOWNRADAR_CLUSTER_CLICKHOUSE_HTTP_PORTS    8124,8125        (B+20, B+21)
#   DOWNRADAR_CLUSTER_CLICKHOUSE_TCP_PORTS     9001,9002        (B+30, B+31)
#   DOWNRADAR_CLUSTER_CLICKHOUSE_INTERSERVER_PORTS 9010,9011    (B+40, B+41)
# None of them is a port of the single-node stack (9092/9093, 8123/9000/9009), so both can run.
# A cluster that runs keeps the ports it was started with (<data>/cluster/ports.env).
# Replication: DOWNRADAR_KAFKA_REPLICATION_FACTOR (3) and DOWNRADAR_KAFKA_MIN_INSYNC_REPLICAS (2)
# for every topic, internal ones included; DOWNRADAR_CLICKHOUSE_CLUSTER (downradar) names the
# ClickHouse cluster; DOWNRADAR_SINK_INSERT_QUORUM (2) is what the sink asks of every insert.
# Accounts: every replica gets infra/clickhouse/users.sh's (the same `downradar` and `analyst`,
# profiles, quotas and passwords as the single node of the same data dir: <data>/clickhouse-password
# and clickhouse-analyst-password); cluster.env names the services' password file, so that a
# cluster in another data dir (the drills') is reached with its own.
set -uo pipefail
DR_NAME=cluster
# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

CL_DIR="$DR_DATA/cluster"
PORTS_FILE="$CL_DIR/ports.env"
ENV_FILE="$CL_DIR/cluster.env"
KAFKA="$DR_INFRA/kafka/kafka.sh"
CLICKHOUSE="$DR_INFRA/clickhouse/clickhouse.sh"
ZOOKEEPER="$DR_INFRA/zookeeper/zookeeper.sh"
KAFKA_NODES=(1 2 3)
CH_REPLICAS=(1 2)

# --- ports: explicit variables, else those the cluster ran with, else the defaults ---------------
saved() { [[ -f "$PORTS_FILE" ]] && sed -n "s/^$1=//p" "$PORTS_FILE" | head -1; }
pick() {  # pick VAR DEFAULT BASE_OFFSETS
  local var="$1" def="$2" offsets="$3" v
  v="${!var:-}"
  if [[ -z "$v" && -n "${DOWNRADAR_CLUSTER_PORT_BASE:-}" ]]; then
    local o out=()
    for o in $offsets; do out+=($(( DOWNRADAR_CLUSTER_PORT_BASE + o ))); done
    v="$(IFS=,; echo "${out[*]}")"
  fi
  [[ -z "$v" ]] && v="$(saved "$var")"
  [[ -z "$v" ]] && v="$def"
  echo "$v"
}
K_PORTS="$(pick DOWNRADAR_CLUSTER_KAFKA_PORTS 9192,9194,9196 '0 2 4')"
K_CTRL="$(pick DOWNRADAR_CLUSTER_KAFKA_CONTROLLER_PORTS 9193,9195,9197 '1 3 5')"
ZK_PORT="$(pick DOWNRADAR_CLUSTER_ZOOKEEPER_PORT 2181 '10')"
CH_HTTP="$(pick DOWNRADAR_CLUSTER_CLICKHOUSE_HTTP_PORTS 8124,8125 '20 21')"
CH_TCP="$(pick DOWNRADAR_CLUSTER_CLICKHOUSE_TCP_PORTS 9001,9002 '30 31')"
CH_INTER="$(pick DOWNRADAR_CLUSTER_CLICKHOUSE_INTERSERVER_PORTS 9010,9011 '40 41')"
nth() { echo "$1" | cut -d, -f"$2"; }
for list in "$K_PORTS" "$K_CTRL"; do [[ "$(echo "$list" | tr ',' '\n' | grep -c .)" == 3 ]] || dr_die "three Kafka ports needed, got '$list'"; done
for list in "$CH_HTTP" "$CH_TCP" "$CH_INTER"; do [[ "$(echo "$list" | tr ',' '\n' | grep -c .)" == 2 ]] || dr_die "two ClickHouse ports needed, got '$list'"; done

RF="${DOWNRADAR_KAFKA_REPLICATION_FACTOR:-3}"
MIN_ISR="${DOWNRADAR_KAFKA_MIN_INSYNC_REPLICAS:-2}"
(( RF >= 1 && RF <= 3 && MIN_ISR >= 1 && MIN_ISR <= RF )) || dr_die "replication factor $RF / min.insync.replicas $MIN_ISR: need 1 <= min ISR <= RF <= 3 (three brokers)"
CH_CLUSTER="${DOWNRADAR_CLICKHOUSE_CLUSTER:-downradar}"
[[ "$CH_CLUSTER" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || dr_die "DOWNRADAR_CLICKHOUSE_CLUSTER must be an identifier (got '$CH_CLUSTER')"
INSERT_QUORUM="${DOWNRADAR_SINK_INSERT_QUORUM:-2}"

voters() {
  local i out=()
  for i in "${KAFKA_NODES[@]}"; do out+=("$i@127.0.0.1:$(nth "$K_CTRL" "$i")"); done
  (IFS=,; echo "${out[*]}")
}

# run_node NAME CMD: runs the server's own script with that server's environment.
run_node() {
  local name="$1" cmd="$2" i
  case "$name" in
    kafka-[123])
      i="${name#kafka-}"
      DOWNRADAR_KAFKA_DIR="$CL_DIR/$name" DOWNRADAR_KAFKA_NAME="$name" DOWNRADAR_KAFKA_NODE_ID="$i" \
      DOWNRADAR_KAFKA_PORT="$(nth "$K_PORTS" "$i")" DOWNRADAR_KAFKA_CONTROLLER_PORT="$(nth "$K_CTRL" "$i")" \
      DOWNRADAR_KAFKA_QUORUM_VOTERS="$(voters)" \
      DOWNRADAR_KAFKA_INTERNAL_REPLICATION_FACTOR="$RF" DOWNRADAR_KAFKA_INTERNAL_MIN_INSYNC_REPLICAS="$MIN_ISR" \
      DOWNRADAR_KAFKA_HEAP="${DOWNRADAR_KAFKA_CLUSTER_HEAP:-384m}" \
        bash "$KAFKA" "$cmd" ;;
    clickhouse-[12])
      i="${name#clickhouse-}"
      DOWNRADAR_CLICKHOUSE_DIR="$CL_DIR/$name" DOWNRADAR_CLICKHOUSE_NAME="$name" \
      DOWNRADAR_CLICKHOUSE_HTTP_PORT="$(nth "$CH_HTTP" "$i")" DOWNRADAR_CLICKHOUSE_TCP_PORT="$(nth "$CH_TCP" "$i")" \
      DOWNRADAR_CLICKHOUSE_INTERSERVER_PORT="$(nth "$CH_INTER" "$i")" \
        bash "$CLICKHOUSE" "$cmd" ;;
    zookeeper)
      DOWNRADAR_ZOOKEEPER_DIR="$CL_DIR/zookeeper" DOWNRADAR_ZOOKEEPER_PORT="$ZK_PORT" bash "$ZOOKEEPER" "$cmd" ;;
    *) dr_die "no server '$name' (kafka-1, kafka-2, kafka-3, clickhouse-1, clickhouse-2, zookeeper)" ;;
  esac
}

# One Kafka cluster id for the three nodes, written where kafka.sh formats from.
kafka_cluster_id() {
  local id_file="$CL_DIR/kafka-cluster.id" id i
  mkdir -p "$CL_DIR"
  if [[ ! -s "$id_file" ]]; then
    while :; do
      id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
      [[ "$id" != -* ]] && break
    done
    echo "$id" >"$id_file"
  fi
  for i in "${KAFKA_NODES[@]}"; do
    mkdir -p "$CL_DIR/kafka-$i"
    cp "$id_file" "$CL_DIR/kafka-$i/cluster.id"
  done
}

xml_escape() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g'; }

# The services' account, with which the replicas log in to each other (remote_servers: queries
# over the cluster, cluster(...) or a Distributed table; none of the services makes one today).
# Its password is the one infra/clickhouse/users.sh keeps in <data>/clickhouse-password and puts
# (as SHA-256) into every replica's users.xml, so it is read from there: a password that only the
# environment knew would not be the account's.
SERVICES_USER=downradar
SERVICES_PASSWORD_FILE="$DR_DATA/clickhouse-password"

# config.d/cluster.xml of replica I: ZooKeeper, its macros, the cluster (one shard, two
# replicas, each reached as the services' account) and the distributed DDL queue. Kept out of
# config.xml, which clickhouse.sh owns; mode 600, since it holds that password.
write_replica_config() {
  local i="$1" dir="$CL_DIR/clickhouse-$1" r replicas="" user password
  bash "$DR_INFRA/clickhouse/users.sh" secrets || dr_die "could not create the ClickHouse passwords under $DR_DATA"
  [[ -s "$SERVICES_PASSWORD_FILE" ]] || dr_die "no services' password in $SERVICES_PASSWORD_FILE"
  user="$(printf '%s' "$SERVICES_USER" | xml_escape)"
  password="$(tr -d '\n' <"$SERVICES_PASSWORD_FILE" | xml_escape)"
  for r in "${CH_REPLICAS[@]}"; do
    replicas+="
                <replica>
                    <host>127.0.0.1</host>
                    <port>$(nth "$CH_TCP" "$r")</port>
                    <user>$user</user>
                    <password>$password</password>
                </replica>"
  done
  mkdir -p "$dir/config.d"
  cat >"$dir/config.d/cluster.xml.tmp" <<EOF
<?xml version="1.0"?>
<!-- Generated by infra/cluster.sh on every start: edit the script, not this file. -->
<yandex>
    <zookeeper>
        <node>
            <host>127.0.0.1</host>
            <port>$ZK_PORT</port>
        </node>
        <session_timeout_ms>30000</session_timeout_ms>
    </zookeeper>
    <!-- Replicated tables live at /clickhouse/tables/{shard}/<db>/<table>, one {replica} each. -->
    <macros>
        <shard>1</shard>
        <replica>replica-$i</replica>
    </macros>
    <!-- One shard, two replicas. internal_replication: a Distributed table writes to one replica
         of a shard and the replicated table copies it to the other. -->
    <remote_servers>
        <$CH_CLUSTER>
            <shard>
                <internal_replication>true</internal_replication>$replicas
            </shard>
        </$CH_CLUSTER>
    </remote_servers>
    <!-- ON CLUSTER statements (the migrations in cluster mode) go through this ZooKeeper queue. -->
    <distributed_ddl>
        <path>/clickhouse/task_queue/ddl</path>
    </distributed_ddl>
</yandex>
EOF
  chmod 600 "$dir/config.d/cluster.xml.tmp"
  mv "$dir/config.d/cluster.xml.tmp" "$dir/config.d/cluster.xml"
}

write_env_files() {
  mkdir -p "$CL_DIR"
  cat >"$PORTS_FILE" <<EOF
DOWNRADAR_CLUSTER_KAFKA_PORTS=$K_PORTS
DOWNRADAR_CLUSTER_KAFKA_CONTROLLER_PORTS=$K_CTRL
DOWNRADAR_CLUSTER_ZOOKEEPER_PORT=$ZK_PORT
DOWNRADAR_CLUSTER_CLICKHOUSE_HTTP_PORTS=$CH_HTTP
DOWNRADAR_CLUSTER_CLICKHOUSE_TCP_PORTS=$CH_TCP
DOWNRADAR_CLUSTER_CLICKHOUSE_INTERSERVER_PORTS=$CH_INTER
EOF
  local brokers urls p
  brokers="$(for p in ${K_PORTS//,/ }; do printf '127.0.0.1:%s,' "$p"; done)"
  urls="$(for p in ${CH_HTTP//,/ }; do printf 'http://127.0.0.1:%s,' "$p"; done)"
  cat >"$ENV_FILE" <<EOF
# Generated by infra/cluster.sh up: what services need to run against the cluster
# (npm start -- --cluster and npm run demo -- --cluster read it).
DOWNRADAR_KAFKA_BROKERS=${brokers%,}
DOWNRADAR_KAFKA_REPLICATION_FACTOR=$RF
DOWNRADAR_KAFKA_MIN_INSYNC_REPLICAS=$MIN_ISR
DOWNRADAR_CLICKHOUSE_URL=${urls%,}
DOWNRADAR_CLICKHOUSE_CLUSTER=$CH_CLUSTER
DOWNRADAR_CLICKHOUSE_PASSWORD_FILE=$SERVICES_PASSWORD_FILE
DOWNRADAR_SINK_INSERT_QUORUM=$INSERT_QUORUM
EOF
}

all_names() { echo zookeeper; for i in "${KAFKA_NODES[@]}"; do echo "kafka-$i"; done; for i in "${CH_REPLICAS[@]}"; do echo "clickhouse-$i"; done; }

cmd_up() {
  local start pids=() names=() rc=0 i n
  start="$(dr_now_ms)"
  mkdir -p "$CL_DIR"
  run_node zookeeper up || exit 1
  kafka_cluster_id
  bash "$KAFKA" libs >/dev/null || dr_die "could not assemble the Kafka broker's classpath"
  for i in "${CH_REPLICAS[@]}"; do write_replica_config "$i"; done
  # The three brokers must start together (each waits for a quorum of controllers).
  for n in kafka-1 kafka-2 kafka-3 clickhouse-1 clickhouse-2; do
    run_node "$n" up & pids+=($!); names+=("$n")
  done
  for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then echo "cluster: ${names[$i]} failed to start" >&2; rc=1; fi
  done
  (( rc == 0 )) || exit 1
  write_env_files
  dr_say "up in $(dr_since "$start") s: Kafka ${K_PORTS} (replication $RF, min ISR $MIN_ISR), ClickHouse http ${CH_HTTP} (cluster $CH_CLUSTER, 1 shard x 2 replicas), ZooKeeper $ZK_PORT; env in $ENV_FILE"
}

cmd_down() {
  local pids=() n rc=0
  for n in $(all_names); do [[ "$n" == zookeeper ]] && continue; run_node "$n" down & pids+=($!); done
  for n in "${pids[@]}"; do wait "$n" || rc=1; done
  # ZooKeeper last: replicas close their sessions first.
  run_node zookeeper down || rc=1
  return "$rc"
}

cmd_status() {
  local rc=0 n
  for n in $(all_names); do run_node "$n" status || rc=3; done
  return "$rc"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) [[ -f "$ENV_FILE" ]] || dr_die "no $ENV_FILE: start the cluster first (npm run stack:up -- --cluster)"; cat "$ENV_FILE" ;;
  kill9|stop|start)
    [[ -n "${2:-}" ]] || dr_die "usage: $0 $1 kafka-1|kafka-2|kafka-3|clickhouse-1|clickhouse-2|zookeeper"
    case "$1" in kill9) run_node "$2" kill9 ;; stop) run_node "$2" down ;; start) run_node "$2" up ;; esac ;;
  wipe)
    cmd_down
    rm -rf "$CL_DIR"
    dr_say "wiped $CL_DIR (the jars stay)" ;;
  *) echo "usage: $0 up|down|status|env|kill9 NAME|stop NAME|start NAME|wipe" >&2; exit 2 ;;
esac
