# Benchmarks (never tests): they measure and report, they do not assert.
BENCH_SECONDS ?= 30

.PHONY: bench bench-deps
bench-deps: venv
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)

bench: venv bench-deps postgres ## API (SQLite, PostgreSQL, vs a bare asyncpg baseline) and web load benchmark, memory per service -> docs/benchmarks.md
	$(BIN)/python -m bench.run --seconds $(BENCH_SECONDS)
