# pwc-archive: every target sets up .venv from the lock file first (idempotent, fast when done).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
LOCK_HASH := $(shell cat requirements.lock pyproject.toml | sha256sum | cut -c1-12)
STAMP := $(VENV)/.installed-$(LOCK_HASH)
TODAY := $(shell date -u +%F)
PYTEST_ARGS ?=

.PHONY: setup nightly build test test-fast lint docs bench airflow-ui clean

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv==0.13.8
	$(BIN)/uv pip install -q --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	@# Byte-compile once: halves the cold start of every Airflow task and GE import.
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib > /dev/null || true
	@rm -f $(VENV)/.installed-* && touch $@

## The nightly build through Airflow (embedded: SQLite metadata, local store) on the bundled real sample.
nightly: setup
	scripts/airflow dags test nightly_release $(TODAY)
	$(BIN)/pwc-archive release list --from releases

## The same stages in one process, without a scheduler.
build: setup
	$(BIN)/pwc-archive release build

## Everything CI runs: unit, integration (real DuckDB, GE, HTTP) and Airflow end-to-end tests.
test: setup
	$(BIN)/python -m pytest -p no:cacheprovider -n 2 --dist loadfile $(PYTEST_ARGS)

## The fast tier: tests/unit (folder-derived marker), seconds.
test-fast: setup
	$(BIN)/python -m pytest -p no:cacheprovider -m unit $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check transforms dags tests benchmarks scripts
	$(BIN)/ruff format --check transforms dags tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

docs: setup
	$(BIN)/python -m transforms.publish.dataset_card > docs/tables.md

bench: setup
	$(BIN)/python benchmarks/build_stages.py
	$(BIN)/python benchmarks/intake.py

## The Airflow UI on the same DAGs (http://localhost:8080; login printed by Airflow).
airflow-ui: setup
	scripts/airflow standalone

clean:
	rm -rf .work .airflow releases/[0-9]* releases/*.json releases/.staging releases/latest
