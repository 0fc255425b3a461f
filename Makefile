# Two commands: `make run` (service with embedded stores and demo data) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench sweep audit clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

## Start embedded SecantusDB + SeaweedFS under ./var, seed the demo school, serve on :8000.
run: $(VENV)/.installed
	$(BIN)/python -m service run

## The whole test suite against real servers (embedded, or MONGODB_URI / S3_ENDPOINT when set).
test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check service retention tests bench
	$(BIN)/ruff format --check service retention tests bench

## Upload and portfolio figures (starts its own embedded stores).
bench: $(VENV)/.installed-dev
	$(BIN)/python bench/upload_and_portfolio.py

## Re-read every object: checksums, missing objects, orphans, locks (reports only).
audit: $(VENV)/.installed
	$(BIN)/python -m service audit

## Remove S3 objects left by interrupted uploads (older than ORPHAN_GRACE_SECONDS).
sweep: $(VENV)/.installed
	$(BIN)/python -m service sweep-orphans

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
