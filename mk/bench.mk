# Benchmarks (never tests): they measure and report, they do not assert.
BENCH_SECONDS ?= 30

.PHONY: bench bench-deps
bench-deps: venv
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)

bench: venv bench-deps postgres web-assets web-chromium ## API (SQLite, PostgreSQL, vs a bare asyncpg baseline), the web pages beside their API calls, the dashboard's bytes on the wire in Chromium, memory per service -> docs/benchmarks.md
	$(BIN)/python -m bench.run --seconds $(BENCH_SECONDS)
