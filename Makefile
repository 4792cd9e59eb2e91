# Two commands set up a fresh machine (see README):
#   make report   create .venv if missing, install peakdata, write this quarter's report of every
#                 scenario in scenarios/ into reports/<quarter>/
#   make test     the same install, then the test suite (and the doctests in forecast/)
# Both install the library versions CI tested, from constraints.txt; `make constraints` refreshes it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install report test bench golden constraints clean

$(BIN)/python:
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
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

report: install
	$(BIN)/peakdata report --out reports

test: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/trends.py
	$(BIN)/python benchmarks/report.py
	$(BIN)/python benchmarks/memory.py

golden: install
	$(BIN)/python -m pytest tests/test_golden.py --update-golden

# Resolve the newest libraries pyproject.toml allows into a scratch venv and write their versions to
# constraints.txt. Then run `make clean test` and commit constraints.txt only if the suite passes.
constraints:
	rm -rf .constraints-venv
	$(PYTHON) -m venv .constraints-venv
	.constraints-venv/bin/python -m pip install --quiet --upgrade pip
	.constraints-venv/bin/python -m pip install --quiet -e '.[test]'
	{ echo "# Library versions the test suite passed with (make constraints; see README)."; \
	  .constraints-venv/bin/python -m pip freeze --exclude-editable | grep -v '^-e ' | sort -f; } > constraints.txt
	rm -rf .constraints-venv

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
