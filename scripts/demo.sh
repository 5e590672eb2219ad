#!/usr/bin/env bash
# The quickstart without Docker: native Elasticsearch and PostgreSQL, then the
# same steps the compose services run (seed, setup, the connector service).
# Settings: the environment over .env over .services.env over the defaults
# below; .env is parsed by dotenv rules, never sourced.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [ -z "${DEMO_SETTINGS_LOADED:-}" ]; then
  scripts/services.sh up
  # dotenv's own CLI: the first file wins over the next, the environment over both.
  files=()
  [ "${USE_DOTENV:-true}" != false ] && [ -f .env ] && files+=(-f .env)
  exec env DEMO_SETTINGS_LOADED=1 node_modules/.bin/dotenv run -q "${files[@]}" -f .services.env -- "$0" "$@"
fi

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
reseeded=$(node -e 'try { console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).action === "loaded") } catch { console.log(false) }' "$DEMO_DIR/seed.json")

echo "==> registering connector $CONNECTOR_ID"
# Native Elasticsearch has no security and no Kibana: setup uses the connector indices directly.
env -u ELASTIC_PASSWORD -u KIBANA_URL \
  CONNECTOR_PG_HOST="$PGHOST" CONNECTOR_PG_PORT="$PGPORT" \
  CONNECTOR_PG_USERNAME="$SEED_CONNECTOR_ROLE" CONNECTOR_PG_PASSWORD="$SEED_CONNECTOR_PASSWORD" \
  CONNECTOR_PG_DATABASE="$PGDATABASE" CONNECTOR_PG_SCHEMA="${SEED_SCHEMA:-public}" \
  CONNECTOR_PG_TABLES="${CONNECTOR_PG_TABLES:-categories,products,customers,orders,order_lines,reviews}" \
  SETUP_OUTPUT_FILE="$DEMO_DIR/connector.env" \
  "${CLI[@]}" setup >"$DEMO_DIR/setup.json"

# Setup queues a first sync only for a connector that never synced; new data
# (another SEED_SCALE) on a connector that did gets a sync of its own.
if [ "$reseeded" = true ] && ! grep -q '"firstSyncJobId"' "$DEMO_DIR/setup.json"; then
  "${CLI[@]}" sync "$CONNECTOR_ID"
fi

cat <<MSG

==> the connector service starts now (Ctrl-C stops it; a running sync is suspended and resumes next time)

Where to look, in another terminal:
  connector and its last sync:   scripts/connectors status $CONNECTOR_ID
  documents indexed so far:      curl -s '$ELASTICSEARCH_URL/$CONNECTOR_INDEX_NAME/_count'
  a search:                      curl -s '$ELASTICSEARCH_URL/$CONNECTOR_INDEX_NAME/_search?q=espresso&size=3&pretty'
  sync again now:                scripts/connectors sync $CONNECTOR_ID
  PostgreSQL:                    set -a; . ./.services.env; set +a; psql

MSG
export CONNECTORS_ENV_FILE="$DEMO_DIR/connector.env"
export CONNECTORS_POLL_INTERVAL="${CONNECTORS_POLL_INTERVAL:-5}"
export HTTP_PORT
echo $$ > "$DEMO_DIR/service.pid"
exec node services/connectors/dist/main.js
