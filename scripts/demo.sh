#!/usr/bin/env bash
# The quickstart without Docker: native Elasticsearch and PostgreSQL, then the
# same steps the compose services run (seed, setup, the connector service).
# Settings: the environment over .env over .services.env over the defaults
# below; .env is parsed by dotenv rules, never sourced.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

scripts/services.sh up
# .env over .services.env, parsed by dotenv's own parser (the service's rules);
# a variable the environment already has is kept.
while IFS= read -r -d '' assignment; do
  export "$assignment"
done < <(USE_DOTENV="${USE_DOTENV:-true}" node -e '
  const { existsSync, readFileSync } = require("fs");
  const { parse } = require("dotenv");
  const files = (process.env.USE_DOTENV === "false" ? [] : [".env"]).concat(".services.env");
  const seen = new Set(Object.keys(process.env));
  for (const file of files.filter(existsSync)) {
    for (const [key, value] of Object.entries(parse(readFileSync(file)))) {
      if (!seen.has(key)) { seen.add(key); process.stdout.write(`${key}=${value}\0`); }
    }
  }')

DEMO_DIR="$ROOT/.cache/demo"
mkdir -p "$DEMO_DIR"
export SEED_CONNECTOR_ROLE="${SEED_CONNECTOR_ROLE:-connector_reader}"
export SEED_CONNECTOR_PASSWORD="${SEED_CONNECTOR_PASSWORD:-readerdemo}"
export CONNECTOR_ID="${CONNECTOR_ID:-postgres-demo}"
export CONNECTOR_INDEX_NAME="${CONNECTOR_INDEX_NAME:-postgres-demo}"
HTTP_PORT="${CONNECTORS_HTTP_PORT:-8080}"
CLI=(node services/connectors/dist/cli/main.js)

# Another demo (or anything) on the service's port: stop before touching any data.
if (exec 3<>"/dev/tcp/127.0.0.1/$HTTP_PORT") 2>/dev/null; then
  pid=$(cat "$DEMO_DIR/service.pid" 2>/dev/null || true)
  echo "demo: port $HTTP_PORT is already in use${pid:+ (a running make demo, pid $pid?)}. Stop it (Ctrl-C in its terminal) or pick another port: CONNECTORS_HTTP_PORT=8081 make demo" >&2
  exit 1
fi

echo "==> building"
npm run build >/dev/null

echo "==> seeding PostgreSQL ($PGHOST:$PGPORT/$PGDATABASE, SEED_SCALE=${SEED_SCALE:-1})"
npm run --silent start -w seed >"$DEMO_DIR/seed.json"
if [ "${SEED_CONNECTOR_REPLICATION:-auto}" != false ] && [ -n "$SEED_CONNECTOR_ROLE" ]; then
  scripts/services.sh grant-replication "$SEED_CONNECTOR_ROLE"
fi
reseeded=$(node -e 'try { console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).action === "loaded") } catch { console.log(false) }' "$DEMO_DIR/seed.json")

echo "==> registering connector $CONNECTOR_ID"
# Native Elasticsearch has no security and no Kibana: setup uses the connector indices directly.
env -u ELASTIC_PASSWORD -u KIBANA_URL \
  CONNECTOR_PG_HOST="$PGHOST" CONNECTOR_PG_PORT="$PGPORT" \
  CONNECTOR_PG_USERNAME="$SEED_CONNECTOR_ROLE" CONNECTOR_PG_PASSWORD="$SEED_CONNECTOR_PASSWORD" \
  CONNECTOR_PG_DATABASE="$PGDATABASE" CONNECTOR_PG_SCHEMA="${SEED_SCHEMA:-public}" \
  CONNECTOR_PG_TABLES="${CONNECTOR_PG_TABLES:-categories,products,customers,orders,order_lines,reviews}" \
  CONNECTOR_PG_PUBLICATION="${SEED_PUBLICATION-connectors_demo}" \
  SETUP_OUTPUT_FILE="$DEMO_DIR/connector.env" \
  "${CLI[@]}" setup >"$DEMO_DIR/setup.json"

# Setup queues a first sync only for a connector that never synced; new data
# (another SEED_SCALE) on a connector that did gets a sync of its own.
# Setup logs on stdout too; its result is the last line.
first_sync=$(node -e 'const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n"); console.log(Boolean(JSON.parse(lines.at(-1)).firstSyncJobId))' "$DEMO_DIR/setup.json")
if [ "$reseeded" = true ] && [ "$first_sync" = false ]; then
  "${CLI[@]}" sync start "$CONNECTOR_ID"
fi

cat <<MSG

==> the connector service starts now (Ctrl-C stops it; a running sync is suspended and resumes next time)

Where to look, in another terminal:
  connector and its last sync:   scripts/connectors status $CONNECTOR_ID
  documents indexed so far:      curl -s '$ELASTICSEARCH_URL/$CONNECTOR_INDEX_NAME/_count'
  a search:                      curl -s '$ELASTICSEARCH_URL/$CONNECTOR_INDEX_NAME/_search?q=espresso&size=3&pretty'
  sync again now:                scripts/connectors sync start --wait $CONNECTOR_ID
  PostgreSQL:                    set -a; . ./.services.env; set +a; psql

MSG
export CONNECTORS_ENV_FILE="$DEMO_DIR/connector.env"
export CONNECTORS_POLL_INTERVAL="${CONNECTORS_POLL_INTERVAL:-5}"
export HTTP_PORT
echo $$ > "$DEMO_DIR/service.pid"
# Readable lines for the person watching the demo; LOG_FORMAT=json for ECS.
export LOG_FORMAT="${LOG_FORMAT:-pretty}"
# The start script's heap flags (services/connectors/package.json).
exec node --max-semi-space-size=2 --max-old-space-size=512 --expose-gc services/connectors/dist/main.js
