# Static gates beyond ruff, all part of `make lint`: mypy --strict over the three services (config: [tool.mypy] in
# the root pyproject.toml), shellcheck over the shell scripts, go vet over the local cluster's Go programs.
MYPY_PATHS := services/api/triboka_api services/web/triboka_web services/backup-job/triboka_backup

.PHONY: typecheck
typecheck: venv ## mypy --strict over the three services (pydantic plugin; config in pyproject.toml)
	$(BIN)/mypy $(MYPY_PATHS)
