#!/usr/bin/env bash
# Native Elasticsearch and PostgreSQL for machines without a Docker engine.
#   scripts/services.sh up|down|status
# Both read the compose stack's own settings (compose/elasticsearch/elasticsearch.yml,
# compose/postgres/postgresql.conf) and add only their ports, paths and sockets,
# so the native and the compose path cannot drift.
# Both servers refuse to run as root, so when invoked as root they run as an
# unprivileged account (SERVICES_USER). Connection settings go to .services.env.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/env.sh
source "$ROOT/scripts/lib/env.sh"
load_versions

ES_VERSION="${ES_VERSION:?ES_VERSION missing from .env.example}"
ES_PORT="${NATIVE_ES_PORT:-9250}"
PG_PORT="${NATIVE_PG_PORT:-54329}"
PG_USER="${NATIVE_PG_USER:-connectors}"
PG_PASSWORD="${NATIVE_PG_PASSWORD:-connectors}"
PG_DATABASE="${NATIVE_PG_DATABASE:-connectors}"
ES_HEAP="${NATIVE_ES_HEAP:-1g}"
SERVICES_USER="${SERVICES_USER:-connectors-dev}"

# shellcheck source=scripts/lib/state.sh
source "$ROOT/scripts/lib/state.sh"
# shellcheck source=scripts/lib/process.sh
source "$ROOT/scripts/lib/process.sh"
# shellcheck source=scripts/lib/es-zip.sh
source "$ROOT/scripts/lib/es-zip.sh"
ES_HOME="$STATE_DIR/elasticsearch-$ES_VERSION"
ES_DATA="$STATE_DIR/es-data"
ES_LOGS="$STATE_DIR/es-logs"
ES_PID="$STATE_DIR/es.pid"
PG_DATA="$STATE_DIR/pg-data"
PG_RUN="$STATE_DIR/pg-run"
PG_LOG="$STATE_DIR/pg.log"
SERVICES_ENV="$ROOT/.services.env"

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] error: %s\n' "$*" >&2; exit 1; }

# In a session of its own: a server started from `make demo` must not share the
# terminal's process group, or the Ctrl-C meant for the demo would stop it too.
as_service_user() {
  if [ "$(id -u)" = 0 ]; then
    setsid -w runuser -u "$SERVICES_USER" -- env "$@"
  else
    setsid -w env "$@"
  fi
}

ensure_user() {
  [ "$(id -u)" = 0 ] || return 0
  if ! id -u "$SERVICES_USER" >/dev/null 2>&1; then
    log "creating unprivileged account $SERVICES_USER"
    useradd --system --no-create-home --home-dir "$STATE_DIR" --shell /usr/sbin/nologin "$SERVICES_USER"
  fi
}

prepare_state_dir() {
  mkdir -p "$STATE_DIR"
  if [ "$(id -u)" = 0 ]; then
    chown "$SERVICES_USER" "$STATE_DIR"
    chmod 755 "$STATE_DIR"
  fi
}

# ---------------------------------------------------------------- Elasticsearch

newest_java_home() {
  # ES 9 needs Java 21+; pick the highest feature version installed.
  local best="" best_ver=0 dir ver
  for dir in /usr/lib/jvm/*/; do
    [ -x "$dir/bin/java" ] || continue
    ver=$("$dir/bin/java" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2}')
    ver=${ver%%.*}
    if [ -n "$ver" ] && [ "$ver" -gt "$best_ver" ]; then best_ver=$ver; best=${dir%/}; fi
  done
  [ "$best_ver" -ge 21 ] || die "Elasticsearch $ES_VERSION needs Java 21 or newer; found none under /usr/lib/jvm (newest: ${best_ver:-none})"
  printf '%s' "$best"
}

install_es() {
  [ -x "$ES_HOME/bin/elasticsearch" ] && return 0
  local zip; zip=$(es_zip) || exit 1
  log "unpacking Elasticsearch $ES_VERSION"
  local tmp="$STATE_DIR/.unpack"
  rm -rf "$tmp" && mkdir -p "$tmp"
  es_unzip "$zip" "$tmp"
  mv "$tmp/elasticsearch-$ES_VERSION" "$ES_HOME"
  rm -rf "$tmp"
  chmod +x "$ES_HOME"/bin/*
  [ "$(id -u)" = 0 ] && chown -R "$SERVICES_USER" "$ES_HOME"
  return 0
}

es_url() { printf 'http://127.0.0.1:%s' "$ES_PORT"; }

es_running() {
  [ -f "$ES_PID" ] && kill -0 "$(cat "$ES_PID")" 2>/dev/null
}

es_healthy() {
  curl -fsS -m 5 "$(es_url)/_cluster/health?wait_for_status=yellow&timeout=5s" 2>/dev/null | grep -q '"status":"\(yellow\|green\)"'
}

start_es() {
  if es_running && [ "$(cat "$STATE_DIR/es.port" 2>/dev/null)" != "$ES_PORT" ]; then
    log "Elasticsearch runs on port $(cat "$STATE_DIR/es.port" 2>/dev/null || echo '?'); restarting it on $ES_PORT (NATIVE_ES_PORT)"
    stop_es
  fi
  if es_running; then
    log "Elasticsearch already running (pid $(cat "$ES_PID"))"
  else
    if curl -fsS -m 2 "$(es_url)" >/dev/null 2>&1; then
      die "port $ES_PORT already serves something that is not our Elasticsearch; set NATIVE_ES_PORT"
    fi
    install_es
    mkdir -p "$ES_DATA" "$ES_LOGS"
    [ "$(id -u)" = 0 ] && chown "$SERVICES_USER" "$ES_DATA" "$ES_LOGS"
    local java_home; java_home=$(newest_java_home)
    log "starting Elasticsearch $ES_VERSION on $(es_url) (Java: $java_home)"
    rm -f "$ES_PID"
    echo "$ES_PORT" > "$STATE_DIR/es.port"
    install -m 644 "$ROOT/compose/elasticsearch/elasticsearch.yml" "$ES_HOME/config/elasticsearch.yml"
    # This cluster is also the test suites': their hundreds of small indices (a
    # primary and an unassigned replica each) would reach the default limit of
    # 1 000 shards in one `make test`.
    as_service_user ES_JAVA_HOME="$java_home" ES_JAVA_OPTS="-Xms$ES_HEAP -Xmx$ES_HEAP" \
      "$ES_HOME/bin/elasticsearch" -d -p "$ES_PID" \
      -Enode.name=native \
      -Enetwork.host=127.0.0.1 \
      -Ehttp.port="$ES_PORT" \
      -Etransport.port=$((ES_PORT + 50)) \
      -Epath.data="$ES_DATA" \
      -Epath.logs="$ES_LOGS" \
      -Expack.security.enabled=false \
      -Eaction.destructive_requires_name=false \
      -Ecluster.max_shards_per_node=5000 \
      >"$STATE_DIR/es-start.out" 2>&1 \
      || { tail -n 30 "$STATE_DIR/es-start.out" >&2; die "Elasticsearch did not start; see $ES_LOGS"; }
  fi
  local i
  for i in $(seq 1 120); do
    es_healthy && { log "Elasticsearch is healthy"; return 0; }
    if ! es_running && [ "$i" -gt 5 ]; then
      tail -n 40 "$ES_LOGS"/*.log >&2 2>/dev/null || true
      die "Elasticsearch exited during start-up; logs in $ES_LOGS"
    fi
    sleep 1
  done
  die "Elasticsearch not healthy after 120 s; logs in $ES_LOGS"
}

stop_es() {
  stop_pid_file "$ES_PID" Elasticsearch 60
}

# ------------------------------------------------------------------ PostgreSQL

pg_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/postgres" ] && { printf '%s' "$d"; return 0; }
  done
  return 1
}

install_pg() {
  pg_bindir >/dev/null && return 0
  [ "$(id -u)" = 0 ] || die "PostgreSQL server binaries missing; install them with: sudo apt-get install -y postgresql"
  log "installing PostgreSQL server with apt"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  pg_bindir >/dev/null || die "PostgreSQL binaries still missing after apt-get install postgresql"
}

# Rewritten on every start, so a changed NATIVE_PG_PORT applies; the compose
# settings first, then what only the native cluster has.
write_pg_conf() {
  install -m 600 "$ROOT/compose/postgres/postgresql.conf" "$PG_DATA/compose-postgresql.conf"
  cat > "$PG_DATA/native.conf" <<CONF
# Written by scripts/services.sh on every start.
include = 'compose-postgresql.conf'
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_RUN'
# A throw-away development cluster: durability is not worth the time.
fsync = off
CONF
  if ! grep -q "^include_if_exists = 'native.conf'" "$PG_DATA/postgresql.conf"; then
    echo "include_if_exists = 'native.conf'" >> "$PG_DATA/postgresql.conf"
  fi
  [ "$(id -u)" = 0 ] && chown "$SERVICES_USER" "$PG_DATA/compose-postgresql.conf" "$PG_DATA/native.conf"
  return 0
}

pg_running() {
  local bin; bin=$(pg_bindir) || return 1
  [ -f "$PG_DATA/postmaster.pid" ] && as_service_user "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

start_pg() {
  install_pg
  local bin; bin=$(pg_bindir)
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    log "creating PostgreSQL cluster in $PG_DATA"
    mkdir -p "$PG_DATA" "$PG_RUN"
    [ "$(id -u)" = 0 ] && chown "$SERVICES_USER" "$PG_DATA" "$PG_RUN"
    chmod 700 "$PG_DATA"
    local pwfile="$STATE_DIR/.pwfile"
    printf '%s\n' "$PG_PASSWORD" > "$pwfile"
    [ "$(id -u)" = 0 ] && chown "$SERVICES_USER" "$pwfile"
    as_service_user "$bin/initdb" -D "$PG_DATA" -U postgres --pwfile="$pwfile" \
      --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null \
      || { rm -f "$pwfile"; die "initdb failed"; }
    rm -f "$pwfile"
  fi
  write_pg_conf
  # postmaster.pid's fourth line is the port the running server listens on.
  local running_port; running_port=$(sed -n 4p "$PG_DATA/postmaster.pid" 2>/dev/null || true)
  if pg_running && [ "$running_port" != "$PG_PORT" ]; then
    log "PostgreSQL runs on port $running_port; restarting it on $PG_PORT (NATIVE_PG_PORT)"
    as_service_user "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -m fast -w -t 60 restart >/dev/null \
      || { tail -n 20 "$PG_LOG" >&2 || true; die "PostgreSQL did not restart; log: $PG_LOG"; }
  elif pg_running; then
    # Apply edits of compose/postgres/postgresql.conf (settings that need a restart say so in the log).
    as_service_user "$bin/pg_ctl" -D "$PG_DATA" reload >/dev/null
    log "PostgreSQL already running (settings reloaded)"
  else
    mkdir -p "$PG_RUN"; [ "$(id -u)" = 0 ] && chown "$SERVICES_USER" "$PG_RUN"
    log "starting PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
    as_service_user "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start >/dev/null \
      || { tail -n 20 "$PG_LOG" >&2 || true; die "PostgreSQL did not start; log: $PG_LOG"; }
  fi
  local i
  for i in $(seq 1 30); do
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" && break
    sleep 1
  done
  "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" || die "PostgreSQL not ready on port $PG_PORT"
  # The application role: password login, may create databases and roles (the seed
  # creates the connector's least-privilege role) and use replication.
  PGPASSWORD="$PG_PASSWORD" "$bin/psql" -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres \
    -v role="$PG_USER" -v pw="$PG_PASSWORD" -v db="$PG_DATABASE" >/dev/null <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L CREATEDB CREATEROLE REPLICATION', :'role', :'pw') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL
  log "PostgreSQL is ready"
}

stop_pg() {
  local bin; bin=$(pg_bindir) || return 0
  if pg_running; then
    log "stopping PostgreSQL"
    as_service_user "$bin/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null || true
  fi
}

# ---------------------------------------------------------------------- output

write_services_env() {
  local enc_pw; enc_pw=$(node -e 'process.stdout.write(encodeURIComponent(process.argv[1]))' "$PG_PASSWORD")
  cat > "$SERVICES_ENV" <<ENV
# Written by scripts/services.sh; connection settings of the native services.
ELASTICSEARCH_URL=$(es_url)
DATABASE_URL=postgres://$PG_USER:$enc_pw@127.0.0.1:$PG_PORT/$PG_DATABASE
PGHOST=127.0.0.1
PGPORT=$PG_PORT
PGUSER=$PG_USER
PGPASSWORD=$PG_PASSWORD
PGDATABASE=$PG_DATABASE
ENV
  chmod 600 "$SERVICES_ENV"
}

# Exit 0 whether running or stopped: a non-zero status is for errors only.
status() {
  if es_running; then
    # The port it was started on, which NATIVE_ES_PORT may no longer say.
    local url; url="http://127.0.0.1:$(cat "$STATE_DIR/es.port" 2>/dev/null || echo "$ES_PORT")"
    # The integ-test build answers GET / with 405, so the version comes from _nodes.
    local ver; ver=$(curl -sS -m 5 "$url/_nodes/_local?filter_path=nodes.*.version" 2>/dev/null \
      | sed -n 's/.*"version" *: *"\([^"]*\)".*/\1/p' | head -1 || true)
    echo "elasticsearch: running (pid $(cat "$ES_PID"), $url, version ${ver:-not answering})"
  else
    echo "elasticsearch: stopped"
  fi
  if pg_running; then
    local port; port=$(sed -n 4p "$PG_DATA/postmaster.pid" 2>/dev/null || true)
    echo "postgresql:    running (127.0.0.1:${port:-$PG_PORT}, data $PG_DATA)"
  else
    echo "postgresql:    stopped"
  fi
  echo "state:         $STATE_DIR"
}

case "${1:-}" in
  up)
    ensure_user
    prepare_state_dir
    start_pg
    start_es
    write_services_env
    log "settings written to .services.env"
    ;;
  down)
    stop_es
    stop_pg
    ;;
  status)
    status
    ;;
  grant-replication)
    # PostgreSQL 15 lets only a superuser grant REPLICATION, so the seed (run as
    # the application role here) cannot; compose seeds as the superuser instead.
    [ -n "${2:-}" ] || die "usage: $0 grant-replication ROLE"
    pg_running || die "PostgreSQL is not running (make services-up)"
    PGPASSWORD="$PG_PASSWORD" "$(pg_bindir)/psql" -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres \
      -v role="$2" >/dev/null <<'SQL'
SELECT format('ALTER ROLE %I REPLICATION', :'role') FROM pg_roles WHERE rolname = :'role' AND NOT rolreplication \gexec
SQL
    log "role $2 may use replication (incremental sync)"
    ;;
  restart-elasticsearch)
    # Used by the resilience test: a real restart, data kept.
    stop_es
    ensure_user
    start_es
    ;;
  stop-elasticsearch)
    # The fault suite's outages: stopped (data kept), then started again.
    stop_es
    ;;
  start-elasticsearch)
    ensure_user
    start_es
    ;;
  restart-postgresql)
    # A fast restart (open connections are terminated), as an upgrade or a crash-restart would.
    as_service_user "$(pg_bindir)/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -m fast -w -t 60 restart >/dev/null \
      || { tail -n 20 "$PG_LOG" >&2 || true; die "PostgreSQL did not restart; log: $PG_LOG"; }
    log "PostgreSQL restarted"
    ;;
  *)
    echo "usage: $0 up|down|status|grant-replication ROLE|restart-elasticsearch|stop-elasticsearch|start-elasticsearch|restart-postgresql" >&2
    exit 2
    ;;
esac
