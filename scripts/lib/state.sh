# Shared by the scripts: where the project keeps machine state and caches.
# Root's home is usually not readable by the unprivileged account that runs the
# native services, so root keeps state under /var/lib, one folder per checkout,
# and caches (downloads, built tools) once per machine.
if [ "$(id -u)" = 0 ]; then
  STATE_DIR="${SERVICES_DIR:-/var/lib/pg-es-connectors/$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)}"
  CACHE_DIR="${PGESC_CACHE_DIR:-/var/lib/pg-es-connectors/cache}"
else
  STATE_DIR="${SERVICES_DIR:-$ROOT/.cache/services}"
  CACHE_DIR="${PGESC_CACHE_DIR:-$ROOT/.cache}"
fi
