# Benchmarks (never tests): they measure and report, they do not assert.
BENCH_SECONDS ?= 30
# dataset sizes (lots) of the growth-with-data cases; add 1000000 for the million (a few minutes more of seeding)
BENCH_LOTS ?= 10000,100000

.PHONY: bench bench-deps
bench-deps: venv
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)

bench: venv bench-deps postgres redis web-assets web-chromium ## API (SQLite, PostgreSQL, vs a bare asyncpg baseline; reads at BENCH_LOTS lots), the analytics cache off vs on (in-process, Redis), the web pages beside their API calls, the dashboard's bytes on the wire in Chromium, memory per service -> docs/benchmarks.md
	$(BIN)/python -m bench.run --seconds $(BENCH_SECONDS) --lots $(BENCH_LOTS)
