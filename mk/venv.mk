# One development virtual environment (.venv) for the three services (installed editable) and every tool group
# of the root pyproject.toml, installed exactly as uv.lock says. uv itself lives in its own small venv, pinned
# by the root pyproject's `required-version` (one place), so syncing .venv never touches the tool doing it.
UV_VERSION := $(shell sed -n 's/^required-version = "==\(.*\)"/\1/p' pyproject.toml)
UV_VENV := $(CURDIR)/.venv-uv
UV := $(UV_VENV)/bin/uv
# uv uses this machine's Python 3.11, never one it would download
export UV_PYTHON_DOWNLOADS := never

$(UV_VENV)/.uv-$(UV_VERSION):
	@test -x $(UV_VENV)/bin/python || $(PYTHON) -m venv $(UV_VENV)
	@$(UV_VENV)/bin/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	@rm -f $(UV_VENV)/.uv-* && touch $@

# --locked: install the lock as it is, and stop with "run `make lock`" when a pyproject changed without it.
# --compile-bytecode: every test starts fresh interpreters (servers, workers, CLIs), and with
# PYTHONDONTWRITEBYTECODE set they would compile the libraries again each time (seconds on a busy machine).
$(VENV)/.installed: pyproject.toml uv.lock $(wildcard services/*/pyproject.toml) mk/venv.mk | $(UV_VENV)/.uv-$(UV_VERSION)
	$(UV) sync --quiet --locked --all-packages --compile-bytecode --python $(PYTHON)
	@touch $@

.PHONY: venv
venv: $(VENV)/.installed ## create or update the virtual environment (.venv) from uv.lock

.PHONY: uv
uv: $(UV_VENV)/.uv-$(UV_VERSION)
