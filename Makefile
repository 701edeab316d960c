# pwc-archive: every target sets up .venv from the lock file first (idempotent, fast when done).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
LOCK_HASH := $(shell cat requirements.lock pyproject.toml | sha256sum | cut -c1-12)
STAMP := $(VENV)/.installed-$(LOCK_HASH)
TODAY := $(shell date -u +%F)
PYTEST_ARGS ?=

.PHONY: setup nightly build serve browser test test-fast test-browser test-pythons stress lint docs bench bench-serve bench-full-scale airflow-ui clean \
	up down status test-production

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv==0.13.8
	$(BIN)/uv pip install -q --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	@# Byte-compile once: halves the cold start of every Airflow task and GE import.
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib > /dev/null || true
	@rm -f $(VENV)/.installed-* && touch $@

## The nightly build through Airflow (embedded: SQLite metadata, local store) on the bundled real sample:
## one line per stage and a summary (release id, where it went); skipped when nothing changed.
## FORCE=1 publishes anyway (the trigger form's force).
nightly: setup
	scripts/airflow dags test nightly_release $(TODAY)$(if $(FORCE), -c '{"force": true}')

## The same stages in one process, without a scheduler.
build: setup
	$(BIN)/pwc-archive release build

## The site over the latest release of releases/ (built first from the bundled sample if there is none).
serve: setup
	@test -f releases/latest.json || $(BIN)/pwc-archive release build
	$(BIN)/pwc-archive serve

## Debian's Chromium for the browser tests (Playwright drives it; nothing is downloaded by Playwright).
browser:
	@command -v chromium > /dev/null || { apt-get update -qq && apt-get install -y -qq chromium > /dev/null; }

## Everything CI runs: unit, integration (real DuckDB, GE, HTTP), browser and Airflow end-to-end tests.
test: setup browser
	$(BIN)/python -m pytest -p no:cacheprovider -n 2 --dist loadfile $(PYTEST_ARGS)

## A crash at every write of an intake run (the suite tries every 7th), then two real builds at once on
## one store, 20 times over (same id, then different ids): every indexed
## release verifies and latest is the newest. The suite runs it twice; this is the long version.
stress: setup
	PWC_CRASH_STRIDE=1 $(BIN)/python -m pytest -p no:cacheprovider tests/integration/test_intake.py -k every_write $(PYTEST_ARGS)
	PWC_STRESS_REPEAT=20 $(BIN)/python -m pytest -p no:cacheprovider tests/integration/test_faults.py -k two_builds $(PYTEST_ARGS)

## The wheel ([pipeline]) on each Python the machine has (3.11, pyenv's 3.12 and 3.13): build, verify,
## the client over HTTP, the same Parquet bytes everywhere. Part of `make test`; this runs it alone.
test-pythons: setup
	$(BIN)/python -m pytest -p no:cacheprovider -s tests/e2e/test_pythons.py $(PYTEST_ARGS)

## The fast tier: tests/unit (folder-derived marker), seconds.
test-fast: setup
	$(BIN)/python -m pytest -p no:cacheprovider -m unit $(PYTEST_ARGS)

## The site in headless Chromium; screenshots of every page kind land in .screenshots/.
test-browser: setup browser
	$(BIN)/python -m pytest -p no:cacheprovider -m browser $(PYTEST_ARGS)

## The production profile (Postgres, Redis + Celery, SeaweedFS as S3, Airflow): docs in README.md.
up: setup
	deploy/local/profile.sh up

down:
	deploy/local/profile.sh down

status:
	deploy/local/profile.sh status

## The e2e tests on the production profile (starts it if needed; leaves it running: make down).
test-production: up
	PRODUCTION_TESTS=1 $(BIN)/python -m pytest -p no:cacheprovider -m production -s tests/production $(PYTEST_ARGS)

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

## The build at the final archive's size (576k papers; input generated once into .work/scale), beside its floor.
bench-full-scale: setup
	$(BIN)/python benchmarks/full_scale.py --scale 1.0

## The site's latency (p95 per page kind, 16 clients), peak RSS and start-up over the latest release.
bench-serve: setup
	$(BIN)/python benchmarks/serve.py --store releases

## The Airflow UI on the same DAGs (http://localhost:8080; login printed by Airflow).
airflow-ui: setup
	scripts/airflow standalone

clean:
	rm -rf .work .airflow releases/[0-9]* releases/*.json releases/.staging releases/latest .screenshots
