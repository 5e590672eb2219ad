#!/usr/bin/env bash
# The quickstart without Docker: native Elasticsearch and PostgreSQL, then the
# same commands the compose services run (seed, setup, the connector service).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

scripts/services.sh up
set -a
# shellcheck disable=SC1091
. ./.services.env
[ -f .env ] && . ./.env
set +a

DEMO_DIR="$ROOT/.cache/demo"
mkdir -p "$DEMO_DIR"
export SEED_CONNECTOR_ROLE="${SEED_CONNECTOR_ROLE:-connector_reader}"
export SEED_CONNECTOR_PASSWORD="${SEED_CONNECTOR_PASSWORD:-readerdemo}"
export CONNECTOR_ID="${CONNECTOR_ID:-postgres-demo}"
export CONNECTOR_INDEX_NAME="${CONNECTOR_INDEX_NAME:-postgres-demo}"

echo "==> building"
npm run build >/dev/null

echo "==> seeding PostgreSQL ($PGHOST:$PGPORT/$PGDATABASE, SEED_SCALE=${SEED_SCALE:-1})"
npm run --silent start -w seed

echo "==> registering connector $CONNECTOR_ID"
# Native Elasticsearch has no security and no Kibana: setup uses the connector indices directly.
env -u ELASTIC_PASSWORD -u KIBANA_URL \
  CONNECTOR_PG_HOST="$PGHOST" CONNECTOR_PG_PORT="$PGPORT" \
  CONNECTOR_PG_USERNAME="$SEED_CONNECTOR_ROLE" CONNECTOR_PG_PASSWORD="$SEED_CONNECTOR_PASSWORD" \
  CONNECTOR_PG_DATABASE="$PGDATABASE" CONNECTOR_PG_SCHEMA="${SEED_SCHEMA:-public}" \
  CONNECTOR_PG_TABLES="${CONNECTOR_PG_TABLES:-categories,products,customers,orders,order_lines,reviews}" \
  SETUP_OUTPUT_FILE="$DEMO_DIR/connector.env" \
  npm run --silent setup -w services/connectors >/dev/null

cat <<MSG

==> the connector service starts now (Ctrl-C stops it; a running sync is suspended and resumes next time)

Where to look, in another terminal:
  connector and its last sync:   npx -w services/connectors connectors status $CONNECTOR_ID
  documents indexed so far:      curl -s '$ELASTICSEARCH_URL/$CONNECTOR_INDEX_NAME/_count'
  a search:                      curl -s '$ELASTICSEARCH_URL/$CONNECTOR_INDEX_NAME/_search?q=espresso&size=3&pretty'
  sync again now:                npx -w services/connectors connectors sync $CONNECTOR_ID
  PostgreSQL:                    set -a; . ./.services.env; set +a; psql

MSG
export CONNECTORS_ENV_FILE="$DEMO_DIR/connector.env"
export CONNECTORS_POLL_INTERVAL="${CONNECTORS_POLL_INTERVAL:-5}"
export HTTP_PORT="${CONNECTORS_HTTP_PORT:-8080}"
exec npm run --silent start -w services/connectors
