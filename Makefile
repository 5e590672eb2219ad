# pg-es-connectors — every entry point of the project.
# Native targets work without a Docker engine; compose targets need one.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# docker compose on the engine `make docker-up` chose (.docker.env), if any; the caller's environment wins.
COMPOSE ?= scripts/compose
WS := -w services/connectors

.PHONY: help install build typecheck lint unit integration test run \
        services-up services-down services-status docker-up docker-down offline-images browser docs \
        up down logs ps reset demo demo-changes e2e bench bench-service bench-live clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.package-lock.json ## Install npm dependencies (npm ci) when needed

build: install ## Compile TypeScript to dist/
	npm run build

typecheck: install ## Type-check every workspace
	npm run typecheck

lint: install ## ESLint over the repository
	npm run lint

services-up: ## Start native Elasticsearch and PostgreSQL; writes .services.env
	scripts/services.sh up

services-down: ## Stop the native services
	scripts/services.sh down

services-status: ## Show the native services
	scripts/services.sh status

docker-up: ## A Docker engine for the compose path (the one that answers, else a private dockerd as root) and, for the private one, the offline images
	scripts/docker-engine.sh up
	@if grep -qs '^DOCKER_ENGINE=private' .docker.env; then scripts/offline-images.sh; fi

docker-down: ## Stop the private Docker engine (an engine of your own is never touched)
	scripts/docker-engine.sh down

offline-images: ## Build the base images compose/offline.yml names (Debian, Node, Elasticsearch, PostgreSQL), when their inputs changed
	scripts/offline-images.sh

docs: install ## Regenerate the reference tables of docs/configuration.md from the schemas (a test checks them)
	npx tsx services/connectors/tools/docs.ts

browser: ## Debian's chromium for the status-page test (puppeteer-core downloads no browser); nothing when it is there
	scripts/browser.sh

unit: install ## Unit tests only
	npm run test:unit $(WS)

integration: install services-up browser ## Integration tests against the native services
	npm run test:integration $(WS)

test: install services-up docker-up browser build typecheck lint ## THE test command: typecheck, lint, unit, integration and e2e tests (native and compose)
	npm test

run: install ## Run the connector service from source, in the foreground (settings: environment, then .env, then .services.env)
	@# Not through npm: a failed start prints the service's one line, without npm's own error lines.
	node_modules/.bin/tsx services/connectors/src/main.ts

demo: install ## Native quickstart: services, seed, setup, then the connector service in the foreground
	scripts/demo.sh

demo-changes: install ## Keep editing the demo store (SEED_CHANGES_PER_SECOND, default 2) so incremental sync has work; Ctrl-C stops
	npm run build -w seed >/dev/null
	npm run --silent start -w seed -- changes

e2e: install services-up docker-up build ## End-to-end: native services, and the compose stack wherever a Docker engine can be had
	npm run test:e2e $(WS)

bench: install services-up build ## Full syncs at two sizes and a 1 M-row narrow table against Elasticsearch's ceiling (docs/s, RSS, CPU), incremental latency; results in services/connectors/bench/results
	npm run bench $(WS)

bench-service: install services-up build ## The service's own CPU per 100 k documents against a null Elasticsearch: object and serialized paths, store ×10 and a 1 M-row narrow table
	npm run bench:service $(WS)

bench-live: install services-up build ## The quickstart's incremental defaults under live changes for BENCH_LIVE_SECONDS (600): job documents written
	npm run bench:live $(WS)

up: ## docker compose up (detached), waiting until every service is healthy
	$(COMPOSE) up --wait

down: ## Stop the compose stack (volumes kept)
	$(COMPOSE) down

logs: ## Follow the compose logs
	$(COMPOSE) logs -f --tail=100

ps: ## Compose services and their health
	$(COMPOSE) ps

reset: ## Stop the compose stack and delete its volumes
	$(COMPOSE) down -v

clean: ## Remove build output
	rm -rf services/connectors/dist seed/dist
