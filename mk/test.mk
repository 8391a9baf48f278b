# The test tiers. `make test` installs what they need (Python packages, PostgreSQL, Chromium, helm, the local
# cluster) and runs every tier; each tier also runs alone.
RUFF_PATHS := services tests bench

.PHONY: test lint postgres redis test-api
postgres: ## install (Debian's postgresql-15) and start the PostgreSQL server the tests use
	scripts/ensure-postgres

redis: ## install Debian's redis-server (the API tests start private servers of it on free ports)
	scripts/ensure-redis

lint: venv ## ruff check and ruff format --check over the services, tests and benchmarks
	$(BIN)/ruff check $(RUFF_PATHS)
	$(BIN)/ruff format --check $(RUFF_PATHS)

test-api: venv postgres redis ## API contract tests, every module on SQLite and on PostgreSQL (rate limits also on Redis)
	$(BIN)/pytest tests/api -q

test: lint test-api test-backup test-web test-chart test-images test-e2e ## every test tier (what CI runs)
