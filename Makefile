# Two commands set up a fresh machine (see README):
#   make report   create .venv if missing, install peakdata, write this quarter's report of every
#                 scenario in scenarios/ into reports/<quarter>/
#   make test     the same install, then the test suite (and the doctests in forecast/)
# Both install the library versions CI tested, from constraints.txt; `make constraints` refreshes it.
# Each step says what it does in one line; pip runs --quiet, so only errors print (and stop make).
# PIP_QUIET_BUILD drops setuptools' "Editable installation ... be careful with folders in your working
# directory" notice (an InformationOnly warning newer pips show in a !!/**** block): it matches
# that notice's text only, so every other warning and every error still prints.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP_QUIET_BUILD := PYTHONWARNINGS="ignore:Editable installation"

.PHONY: install report test bench golden constraints clean

$(BIN)/python:
	@echo "creating $(VENV), a Python environment for peakdata"
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python3 -m venv failed; installing Debian's python3-venv" >&2; \
	  rm -rf $(VENV); \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null; \
	  else \
	    echo "error: run 'sudo apt-get install python3-venv' and try again" >&2; exit 1; \
	  fi; \
	  $(PYTHON) -m venv $(VENV); }

$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	@echo "updating pip in $(VENV)"
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "installing peakdata and its libraries, the versions in constraints.txt (about 2 minutes, once)..."
	@$(PIP_QUIET_BUILD) $(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	@touch $(STAMP)
	@echo "installed: $(BIN)/peakdata"

install: $(STAMP)

report: install
	@echo "writing this quarter's report of every scenario: peakdata report --out reports"
	@$(BIN)/peakdata report --out reports

test: install
	@echo "running the test suite: $(BIN)/python -m pytest"
	@$(BIN)/python -m pytest

bench: install
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/trends.py
	$(BIN)/python benchmarks/report.py
	$(BIN)/python benchmarks/memory.py

golden: install
	$(BIN)/python -m pytest tests/test_golden.py tests/test_docs.py --update-golden

# Resolve the newest libraries pyproject.toml allows into a scratch venv and write their versions to
# constraints.txt. Then run `make clean test` and commit constraints.txt only if the suite passes.
constraints:
	rm -rf .constraints-venv
	$(PYTHON) -m venv .constraints-venv
	.constraints-venv/bin/python -m pip install --quiet --upgrade pip
	$(PIP_QUIET_BUILD) .constraints-venv/bin/python -m pip install --quiet -e '.[test]'
	{ echo "# Library versions the test suite passed with (make constraints; see README)."; \
	  .constraints-venv/bin/python -m pip freeze --exclude-editable | grep -v '^-e ' | sort -f; } > constraints.txt
	rm -rf .constraints-venv

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
