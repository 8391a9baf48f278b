# One development virtual environment for the three services (installed editable) and the tests.
SERVICE_DIRS := $(patsubst %/pyproject.toml,%,$(wildcard services/*/pyproject.toml))
UV_VERSION := 0.13.8

$(VENV)/.installed: $(wildcard services/*/pyproject.toml) tests/requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install -q --python $(BIN)/python $(addprefix -e ,$(SERVICE_DIRS)) -r tests/requirements.txt
	@touch $@

.PHONY: venv
venv: $(VENV)/.installed ## create or update the virtual environment (.venv)
