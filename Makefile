# Two commands do everything on a fresh machine: `make reports` and `make test`.
# The virtual environment is created on first use and reinstalled only when the lock changes.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PYDEVD_DISABLE_FILE_VALIDATION := 1
export MPLBACKEND := Agg

.DEFAULT_GOAL := help
.PHONY: help env reports test lint lab data instrument bench lock clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.lock lib/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e lib
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $(STAMP)

env: $(STAMP) ## Create .venv and install the locked environment (only when missing or changed)

reports: $(STAMP) ## Build every national report and the synthesis into outputs/
	$(BIN)/perspectives build

test: $(STAMP) ## Run the test suite
	$(BIN)/python -m pytest -q

lint: $(STAMP) ## Ruff over the library and the tests
	$(BIN)/ruff check lib tests

lab: $(STAMP) ## Open JupyterLab on the notebooks
	$(BIN)/jupyter lab notebooks/

data: $(STAMP) ## Regenerate the embedded synthetic data (byte for byte)
	$(BIN)/python -m perspectives.synth
	$(BIN)/python -m perspectives.synth_conversations

instrument: $(STAMP) ## Rebuild data/instrument.xlsx from data/instrument/*.csv
	$(BIN)/python -m perspectives.instrument

lock: ## Re-resolve the environment and rewrite requirements.lock
	rm -rf /tmp/perspectives-lock && $(PYTHON) -m venv /tmp/perspectives-lock
	/tmp/perspectives-lock/bin/pip install --quiet -e 'lib[dev]'
	/tmp/perspectives-lock/bin/pip freeze --exclude-editable | grep -v '^-e' > requirements.lock

clean: ## Remove generated outputs (keeps .venv)
	find outputs -mindepth 1 -not -name README.md -delete

bench: $(STAMP) ## Benchmark the build against plain papermill and the cost of the work itself
	$(BIN)/python benchmarks/run.py
