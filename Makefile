# faasguard developer tasks. Everything runs in a local virtualenv built from the
# project's own files (pyproject.toml + the pinned lock), so a fresh machine with only
# Python 3.11+ and make is enough.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: help demo test lint typecheck check docs bench lock clean

help:
	@echo "make demo   scan the bundled example apps"
	@echo "make test   run the test suite (plus lint and type checks)"
	@echo "make bench  run the benchmarks (installs Checkov in its own venv)"
	@echo "make docs   regenerate docs/rules and the README rule table"

$(STAMP): pyproject.toml runtime/pyproject.toml requirements/dev.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "faasguard needs Python 3.11+")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e ./runtime -e .
	@touch $@

venv: $(STAMP)

# The example apps are vulnerable on purpose: exit code 1 (findings) is the expected outcome.
# The demo's advisories come from examples/advisories (no network needed).
demo: $(STAMP)
	@rm -f $(VENV)/demo-advisories.sqlite3  # a scratch database, rebuilt each time
	@$(BIN)/faasguard db import examples/advisories --advisory-db $(VENV)/demo-advisories.sqlite3 >/dev/null
	@$(BIN)/faasguard scan examples/ --no-progress --advisory-db $(VENV)/demo-advisories.sqlite3; \
	  status=$$?; if [ $$status -gt 1 ]; then exit $$status; fi

test: $(STAMP) lint typecheck
	$(BIN)/python -m pytest -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check src runtime tests scripts benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

docs: $(STAMP)
	$(BIN)/python scripts/gen_docs.py

# Each benchmark prints its figures and exits 1 when it misses its target; the others
# still run (the leading '-'), and make reports the misses at the end.
# Bytecode is compiled first: a pip-installed faasguard ships it, an editable one
# under PYTHONDONTWRITEBYTECODE never gets it, and timing the compiler is not the point.
bench: $(STAMP)
	$(BIN)/python -m compileall -q src runtime/src
	-$(BIN)/python benchmarks/run.py
	-$(BIN)/python benchmarks/code_accuracy.py
	-$(BIN)/python benchmarks/code_accuracy_js.py
	-$(BIN)/python benchmarks/code_speed.py
	-$(BIN)/python benchmarks/leastpriv_accuracy.py
	-$(BIN)/python benchmarks/logs_speed.py

# Re-pin the development lock from pyproject.toml (needs the network).
# faasguard-runtime is ours, not on an index: a local wheel lets the resolver see it and
# --unsafe-package keeps it out of the lock (it is installed editable from runtime/).
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/python -m pip wheel --quiet --no-deps ./runtime -w build/wheels
	$(BIN)/pip-compile --quiet --extra dev --strip-extras --no-header \
	  --find-links build/wheels --no-emit-find-links --unsafe-package faasguard-runtime \
	  --output-file requirements/dev.lock pyproject.toml

clean:
	rm -rf $(VENV) build src/*.egg-info runtime/src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
