#!/usr/bin/env bash
# A Docker engine wherever one can be had.
#   scripts/docker-engine.sh up|down|status
# up:     use your engine if the docker CLI reaches one (DOCKER_HOST or its
#         current context) and has Compose v2; else, as root, install Debian's
#         docker.io if missing and start a private dockerd (own data root, exec
#         root and socket; it never touches the firewall or the routing), with
#         a Compose v2 plugin of its own. Writes .docker.env: for the private
#         engine DOCKER_HOST, DOCKER_CONFIG and COMPOSE_FILE (the offline overlay).
# down:   stops only the daemon that `up` started, by its pid file.
# status: which engine, and whether it answers.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/state.sh
source "$ROOT/scripts/lib/state.sh"
# shellcheck source=scripts/lib/process.sh
source "$ROOT/scripts/lib/process.sh"

ENGINE_DIR="$STATE_DIR/docker"
SOCKET="$ENGINE_DIR/docker.sock"
PID_FILE="$ENGINE_DIR/dockerd.pid"
ENGINE_LOG="$ENGINE_DIR/dockerd.log"
DOCKER_ENV="$ROOT/.docker.env"
# Compose v2, built from the Go module proxy when no plugin is installed.
COMPOSE_VERSION="${COMPOSE_VERSION:-v2.29.7}"
COMPOSE_CACHE="$CACHE_DIR/compose/$COMPOSE_VERSION"

log() { printf '[docker] %s\n' "$*" >&2; }
die() { printf '[docker] error: %s\n' "$*" >&2; exit 1; }

answers() { DOCKER_HOST="$1" timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }
# The caller's own engine: DOCKER_HOST, or the docker CLI's current context.
user_engine_answers() {
  [ "${DOCKER_HOST:-}" != "unix://$SOCKET" ] && command -v docker >/dev/null \
    && timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

private_running() { [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; }


install_engine() {
  command -v dockerd >/dev/null && command -v docker >/dev/null && return 0
  log "installing Debian's docker.io"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >&2
  command -v dockerd >/dev/null || die "dockerd still missing after apt-get install docker.io"
}

start_private() {
  mkdir -p "$ENGINE_DIR"
  if private_running; then
    log "private engine already running (pid $(cat "$PID_FILE"))"
  else
    log "starting a private dockerd (data under $ENGINE_DIR)"
    rm -f "$SOCKET" "$PID_FILE"
    # --iptables/--ip-masq off: containers reach each other on the engine's own
    # bridges and the host through published 127.0.0.1 ports, nothing more; the
    # machine's firewall and NAT are left alone. Builds use the host network.
    # No default bridge: compose makes its own networks, and docker0 stays free
    # for any other engine on the machine. No IP forwarding: nothing is routed.
    setsid dockerd \
      --data-root "$ENGINE_DIR/data" \
      --exec-root "$ENGINE_DIR/exec" \
      --pidfile "$PID_FILE" \
      -H "unix://$SOCKET" \
      --iptables=false --ip-masq=false --ip-forward=false --bridge=none \
      --ip 127.0.0.1 \
      >"$ENGINE_LOG" 2>&1 </dev/null &
  fi
  local i
  for i in $(seq 1 60); do
    answers "unix://$SOCKET" && return 0
    if [ "$i" -gt 3 ] && ! private_running; then
      tail -n 20 "$ENGINE_LOG" >&2 || true
      die "dockerd exited during start-up; log: $ENGINE_LOG"
    fi
    sleep 1
  done
  die "dockerd did not answer within 60 s; log: $ENGINE_LOG"
}

# The Compose v2 plugin for the private engine: the one the docker CLI already
# has, else one built with `go install` and cached, installed for it alone.
ensure_compose() {
  local config_dir="$1"
  if DOCKER_CONFIG="$config_dir" docker compose version >/dev/null 2>&1; then return 0; fi
  if [ ! -x "$COMPOSE_CACHE/docker-compose" ]; then
    command -v go >/dev/null || die "no Compose v2 plugin and no Go toolchain to build one"
    log "building Docker Compose $COMPOSE_VERSION from the Go module proxy (about 2 minutes, once)"
    mkdir -p "$COMPOSE_CACHE"
    GOBIN="$COMPOSE_CACHE" go install -ldflags "-X github.com/docker/compose/v2/internal.Version=$COMPOSE_VERSION" \
      "github.com/docker/compose/v2/cmd@$COMPOSE_VERSION" >&2
    mv "$COMPOSE_CACHE/cmd" "$COMPOSE_CACHE/docker-compose"
  fi
  mkdir -p "$config_dir/cli-plugins"
  ln -sf "$COMPOSE_CACHE/docker-compose" "$config_dir/cli-plugins/docker-compose"
}

# The private engine is the one of machines without a registry: compose then
# uses the images built here (scripts/offline-images.sh). A user's own engine
# is used as the docker CLI finds it, so .docker.env only says which it is.
write_private_env() {
  cat > "$DOCKER_ENV" <<ENV
# Written by scripts/docker-engine.sh; the Docker engine the project uses.
DOCKER_HOST=unix://$SOCKET
DOCKER_CONFIG=$ENGINE_DIR/config
COMPOSE_FILE=docker-compose.yml:compose/offline.yml
DOCKER_ENGINE=private
ENV
}

up() {
  if user_engine_answers; then
    if ! docker compose version >/dev/null 2>&1; then
      rm -f "$DOCKER_ENV"
      log "your Docker engine answers but its CLI has no Compose v2 plugin (docker-compose-plugin): the compose path is skipped (native tests still run)"
      return 0
    fi
    log "using your Docker engine ($(docker context show 2>/dev/null || echo "${DOCKER_HOST:-default}"))"
    printf '# Written by scripts/docker-engine.sh\nDOCKER_ENGINE=external\n' > "$DOCKER_ENV"
    return 0
  elif [ "$(id -u)" = 0 ]; then
    install_engine
    start_private
    ensure_compose "$ENGINE_DIR/config"
    write_private_env
    log "private engine ready: DOCKER_HOST=unix://$SOCKET"
  else
    rm -f "$DOCKER_ENV"
    log "no Docker engine answers and starting one needs root: the compose path is skipped (native tests still run)"
    return 0
  fi
  log "settings written to .docker.env ($(grep -v '^#' "$DOCKER_ENV" | cut -d= -f1 | paste -sd' '))"
}

down() {
  stop_pid_file "$PID_FILE" "the private dockerd" 30
  # .docker.env names the private engine only while it runs.
  if [ -f "$DOCKER_ENV" ] && grep -q '^DOCKER_ENGINE=private' "$DOCKER_ENV"; then rm -f "$DOCKER_ENV"; fi
}

status() {
  if private_running; then
    echo "docker: private engine running (pid $(cat "$PID_FILE"), unix://$SOCKET)"
  elif user_engine_answers; then
    echo "docker: your engine ($(docker context show 2>/dev/null || echo "${DOCKER_HOST:-default}"))"
  else
    echo "docker: no engine"
  fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
