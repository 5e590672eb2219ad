#!/bin/bash
# Like the official image: ELASTIC_PASSWORD seeds the keystore's bootstrap
# password (it counts only until the security index holds one), and every
# environment variable named like a setting (lower case with a dot, e.g.
# discovery.type) becomes `-E name=value`.
set -euo pipefail
if [ -n "${ELASTIC_PASSWORD:-}" ]; then
  [ -f config/elasticsearch.keystore ] || elasticsearch-keystore create >/dev/null
  if ! elasticsearch-keystore list | grep -qx bootstrap.password; then
    printf '%s' "$ELASTIC_PASSWORD" | elasticsearch-keystore add --stdin bootstrap.password >/dev/null
  fi
fi
args=()
while IFS='=' read -r -d '' name value; do
  [[ "$name" =~ ^[a-z0-9_]+(\.[a-z0-9_]+)+$ ]] && args+=("-E" "$name=$value")
done < <(env -0)
exec elasticsearch "${args[@]}" "$@"
