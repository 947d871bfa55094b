# Two commands: `make run` serves the demo, `make test` runs the whole suite.
# Both create .venv and install the project when missing or when pyproject.toml changed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SCALE ?= 1

.PHONY: run test typecheck bench check clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed; set PYTHON=python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/hub demo --dir demo --scale $(SCALE)

# Two workers for the suite, then the timing tests (marked serial) on a quiet machine.
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m 'not serial'
	$(BIN)/python -m pytest -m serial -p no:xdist

# The house rules: mypy (strict for hub/) over the whole tree.
typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench.sync_demo --scale 10

check: $(STAMP)
	$(BIN)/hub check --config demo/hub.toml

clean:
	rm -rf $(VENV) demo .pytest_cache
