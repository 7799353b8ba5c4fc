#!/usr/bin/env bash
# A local production-like Temporal cluster: the real server v1.29.1 (the version the
# CLI v1.5.1 embeds) with PostgreSQL persistence and SQL visibility, its frontend,
# history, matching and worker services as four separate processes.
#
#   scripts/cluster.sh start             build bin/temporal-server and bin/temporal-sql-tool if
#                                        missing, create the databases and schema, start the four
#                                        services, register the namespace and ColorMeShop
#   scripts/cluster.sh stop              stop the four services (CLUSTER_DROP_DB=1: drop the databases)
#   scripts/cluster.sh status            which services run, with their pids and ports
#   scripts/cluster.sh kill SERVICE      SIGKILL one service (frontend|history|matching|worker)
#   scripts/cluster.sh stop-service SERVICE    stop one service (SIGTERM; SIGKILL after 10 s)
#   scripts/cluster.sh start-service SERVICE   start one service again (after kill or stop-service)
#
# Settings (environment):
#   CLUSTER_DIR        state, config and logs (.data/cluster)
#   CLUSTER_PORT       frontend gRPC port (7433); history +1, matching +2, worker +3,
#                      frontend HTTP +4, membership ports +10..+13 (at most 32767)
#   CLUSTER_DB         persistence database (temporal_cluster); visibility: CLUSTER_DB_visibility
#   CLUSTER_NAMESPACE  namespace to register (default)
#   CLUSTER_LOG_LEVEL  server log level (warn)
#   PGHOST PGPORT PGUSER PGPASSWORD   PostgreSQL (127.0.0.1, 5432, postgres, empty: trust auth)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

DIR=${CLUSTER_DIR:-$ROOT/.data/cluster}
PORT=${CLUSTER_PORT:-7433}
DB=${CLUSTER_DB:-temporal_cluster}
VISDB=${DB}_visibility
NS=${CLUSTER_NAMESPACE:-default}
LOG_LEVEL=${CLUSTER_LOG_LEVEL:-warn}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
PGPASSWORD=${PGPASSWORD:-}
SERVICES=(frontend history matching worker)
SERVER=$ROOT/bin/temporal-server
SQLTOOL=$ROOT/bin/temporal-sql-tool
CLI=${TEMPORAL_CLI:-$ROOT/bin/temporal}
ADDR=127.0.0.1:$PORT

say() { echo "cluster: $*"; }
die() { echo "cluster: error: $*" >&2; exit 1; }
# The server stores membership ports in a PostgreSQL smallint.
[ $((PORT + 13)) -le 32767 ] || die "CLUSTER_PORT=$PORT is too high: the membership ports (up to CLUSTER_PORT+13) must stay below 32768"

grpc_port() {
  case $1 in
    frontend) echo "$PORT" ;; history) echo $((PORT + 1)) ;;
    matching) echo $((PORT + 2)) ;; worker) echo $((PORT + 3)) ;;
    *) die "unknown service '$1' (frontend, history, matching or worker)" ;;
  esac
}
member_port() {
  case $1 in
    frontend) echo $((PORT + 10)) ;; history) echo $((PORT + 11)) ;;
    matching) echo $((PORT + 12)) ;; worker) echo $((PORT + 13)) ;;
  esac
}
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pid_of() { [ -f "$DIR/$1.pid" ] && cat "$DIR/$1.pid"; }
running() { local pid; pid=$(pid_of "$1" || true); [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

build() {
  if [ ! -x "$SERVER" ] || [ ! -x "$SQLTOOL" ] || [ ! -x "$CLI" ]; then
    say "building bin/temporal-server, bin/temporal-sql-tool and bin/temporal (v1.29.1 / CLI v1.5.1, via tools/go.mod; ~1.5 min with the CLI's modules cached)"
    make -s bin/temporal-server bin/temporal-sql-tool bin/temporal
  fi
}

sqltool() { "$SQLTOOL" --plugin postgres12 --ep "$PGHOST" -p "$PGPORT" -u "$PGUSER" --pw "$PGPASSWORD" "$@"; }

schema() {
  pg_isready -h "$PGHOST" -p "$PGPORT" -q 2>/dev/null || die "PostgreSQL is not reachable at $PGHOST:$PGPORT (start it, or set PGHOST/PGPORT)"
  local moddir
  moddir=$(go list -modfile=tools/go.mod -m -f '{{.Dir}}' go.temporal.io/server) ||
    die "go.temporal.io/server not found through tools/go.mod"
  local db kind
  for db in "$DB" "$VISDB"; do
    kind=temporal; [ "$db" = "$VISDB" ] && kind=visibility
    if PGPASSWORD=$PGPASSWORD psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1; then
      say "database $db exists: updating its schema if needed"
    else
      say "creating database $db ($kind schema)"
      sqltool --db "$db" create-database >"$DIR/sql-tool.log" 2>&1 || { cat "$DIR/sql-tool.log" >&2; die "could not create database $db"; }
      sqltool --db "$db" setup-schema -v 0.0 >>"$DIR/sql-tool.log" 2>&1 || { cat "$DIR/sql-tool.log" >&2; die "setup-schema failed on $db"; }
    fi
    sqltool --db "$db" update-schema -d "$moddir/schema/postgresql/v12/$kind/versioned" >>"$DIR/sql-tool.log" 2>&1 ||
      { cat "$DIR/sql-tool.log" >&2; die "update-schema failed on $db"; }
  done
}

write_config() {
  mkdir -p "$DIR/config"
  cat >"$DIR/config/dynamicconfig.yaml" <<'EOF'
# As the CLI's dev server: search attributes visible at once after creation.
system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
frontend.persistenceMaxQPS:
  - value: 10000
history.persistenceMaxQPS:
  - value: 45000
system.namespaceCacheRefreshInterval:
  - value: 2s
# Eager activities: the history service hands an activity scheduled by a
# workflow task straight back to the worker that completed it, instead of a
# round trip through matching (the SDK asks for it by default).
system.enableActivityEagerExecution:
  - value: true
EOF
  local svc
  {
    cat <<EOF
# Written by scripts/cluster.sh: Temporal server v1.29.1, PostgreSQL persistence and SQL visibility.
log:
  stdout: true
  level: $LOG_LEVEL

persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: 4
  datastores:
    postgres-default:
      sql:
        pluginName: postgres12
        databaseName: $DB
        connectAddr: "$PGHOST:$PGPORT"
        connectProtocol: tcp
        user: "$PGUSER"
        password: "$PGPASSWORD"
        maxConns: 20
        maxIdleConns: 20
        maxConnLifetime: 1h
    postgres-visibility:
      sql:
        pluginName: postgres12
        databaseName: $VISDB
        connectAddr: "$PGHOST:$PGPORT"
        connectProtocol: tcp
        user: "$PGUSER"
        password: "$PGPASSWORD"
        maxConns: 10
        maxIdleConns: 10
        maxConnLifetime: 1h

global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1

services:
EOF
    for svc in "${SERVICES[@]}"; do
      echo "  $svc:"
      echo "    rpc:"
      echo "      grpcPort: $(grpc_port "$svc")"
      echo "      membershipPort: $(member_port "$svc")"
      echo "      bindOnLocalHost: true"
      [ "$svc" = frontend ] && echo "      httpPort: $((PORT + 4))"
    done
    cat <<EOF

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "$ADDR"

dcRedirectionPolicy:
  policy: noop

archival:
  history:
    state: disabled
  visibility:
    state: disabled

namespaceDefaults:
  archival:
    history:
      state: disabled
    visibility:
      state: disabled

dynamicConfigClient:
  filepath: "$DIR/config/dynamicconfig.yaml"
  pollInterval: 10s
EOF
  } >"$DIR/config/development.yaml"
}

start_service() {
  local svc=$1 port
  port=$(grpc_port "$svc")
  if running "$svc"; then say "$svc already running (pid $(pid_of "$svc"))"; return; fi
  port_busy "$port" && die "port $port for $svc is in use by another process (set CLUSTER_PORT)"
  [ -f "$DIR/config/development.yaml" ] || die "no config in $DIR/config: run 'scripts/cluster.sh start' first"
  # Own session, stdin/stdout/stderr detached: the caller does not wait for it.
  setsid "$SERVER" --root "$DIR" --config config --env development --allow-no-auth start --service "$svc" \
    </dev/null >>"$DIR/$svc.log" 2>&1 &
  echo $! >"$DIR/$svc.pid"
  say "$svc started (pid $!, gRPC 127.0.0.1:$port, log $DIR/$svc.log)"
}

wait_port() {
  local svc=$1 port i
  port=$(grpc_port "$svc")
  # The worker service serves no gRPC: its membership port says it is up.
  [ "$svc" = worker ] && port=$(member_port worker)
  for i in $(seq 1 120); do
    port_busy "$port" && return 0
    running "$svc" || { tail -3 "$DIR/$svc.log" | cut -c1-600 >&2; die "$svc exited during start-up (log: $DIR/$svc.log)"; }
    sleep 0.5
  done
  die "$svc did not listen on $port within 60 s (log: $DIR/$svc.log)"
}

# retry N CMD…: run CMD until it succeeds, once a second, at most N times.
retry() {
  local n=$1 i; shift
  for i in $(seq 1 "$n"); do
    "$@" >"$DIR/last-check.log" 2>&1 && return 0
    sleep 1
  done
  cat "$DIR/last-check.log" >&2
  return 1
}

register() {
  retry 60 "$CLI" operator cluster health --address "$ADDR" || die "frontend at $ADDR not healthy within 60 s"
  if ! "$CLI" operator namespace describe --address "$ADDR" --namespace "$NS" >/dev/null 2>&1; then
    retry 30 "$CLI" operator namespace create --address "$ADDR" --namespace "$NS" --retention 72h ||
      die "could not register namespace $NS"
    say "namespace $NS registered"
  fi
  if ! "$CLI" operator search-attribute list --address "$ADDR" --namespace "$NS" 2>/dev/null | grep -q ColorMeShop; then
    retry 30 "$CLI" operator search-attribute create --address "$ADDR" --namespace "$NS" --name ColorMeShop --type Keyword ||
      die "could not register the ColorMeShop search attribute"
    say "search attribute ColorMeShop (Keyword) registered"
  fi
  # Every service has the namespace once a workflow can be started, found by
  # ColorMeShop and terminated.
  local probe=cluster-probe-$$
  retry 60 "$CLI" workflow start --address "$ADDR" --namespace "$NS" --type ClusterProbe --task-queue cluster-probe \
    --workflow-id "$probe" --search-attribute 'ColorMeShop="probe"' || die "the cluster does not start workflows yet (logs in $DIR)"
  retry 30 "$CLI" workflow terminate --address "$ADDR" --namespace "$NS" --workflow-id "$probe" --reason "cluster.sh probe" ||
    die "could not terminate the probe workflow"
}

cmd_start() {
  mkdir -p "$DIR"
  build
  schema
  write_config
  local svc
  # History alone first: on a fresh database the first process writes the cluster
  # metadata, and two doing it at once fail. Then the other three together.
  start_service history
  wait_port history
  for svc in matching frontend worker; do start_service "$svc"; done
  for svc in matching frontend worker; do wait_port "$svc"; done
  register
  cat <<EOF
cluster: ready — Temporal server $("$SERVER" --version | awk '{print $NF}'), PostgreSQL $PGHOST:$PGPORT (databases $DB, $VISDB), namespace $NS
  frontend $ADDR   history :$((PORT + 1))   matching :$((PORT + 2))   worker :$((PORT + 3))   logs: $DIR/*.log
Point colorme-sync and the tools at it:
  export TEMPORAL_ADDRESS=$ADDR TEMPORAL_NAMESPACE=$NS
  bin/worker                                  # the worker (and the starter, the console) read TEMPORAL_ADDRESS
  bin/starter sync -shop demo
  bin/console
  bin/temporal workflow list --address $ADDR  # or: TEMPORAL_ADDRESS=$ADDR bin/temporal workflow list
  (no Web UI in this cluster; docker-compose.prod.yml runs temporalio/ui)
Stop it: make cluster-stop   (or scripts/cluster.sh stop; CLUSTER_DROP_DB=1 also drops the databases)
EOF
}

stop_service() {
  local svc=$1 pid i
  pid=$(pid_of "$svc" || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    say "$svc stopped (pid $pid)"
  fi
  rm -f "$DIR/$svc.pid"
}

cmd_stop() {
  local svc
  for svc in worker frontend matching history; do stop_service "$svc"; done
  if [ "${CLUSTER_DROP_DB:-}" = "1" ]; then
    for db in "$DB" "$VISDB"; do
      PGPASSWORD=$PGPASSWORD psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null &&
        say "database $db dropped"
    done
  fi
}

cmd_status() {
  local svc
  for svc in "${SERVICES[@]}"; do
    if running "$svc"; then echo "$svc: running, pid $(pid_of "$svc"), gRPC 127.0.0.1:$(grpc_port "$svc")"
    else echo "$svc: stopped"; fi
  done
}

case ${1:-} in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  kill)
    [ -n "${2:-}" ] || die "usage: scripts/cluster.sh kill SERVICE"
    grpc_port "$2" >/dev/null
    running "$2" || die "$2 is not running"
    kill -KILL "$(pid_of "$2")"; say "$2 SIGKILLed (pid $(pid_of "$2"))"; rm -f "$DIR/$2.pid" ;;
  stop-service)
    [ -n "${2:-}" ] || die "usage: scripts/cluster.sh stop-service SERVICE"
    grpc_port "$2" >/dev/null
    running "$2" || die "$2 is not running"
    stop_service "$2" ;;
  start-service)
    [ -n "${2:-}" ] || die "usage: scripts/cluster.sh start-service SERVICE"
    start_service "$2"; wait_port "$2" ;;
  *) echo "usage: scripts/cluster.sh start|stop|status|kill SERVICE|stop-service SERVICE|start-service SERVICE" >&2; exit 2 ;;
esac
