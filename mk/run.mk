# Running the product locally, on its embedded SQLite default.
.PHONY: run
run: venv web-assets ## run the API (127.0.0.1:5003) and the dashboard (127.0.0.1:5004) on ./var/triboka.db
	BIN=$(BIN) scripts/run-local
