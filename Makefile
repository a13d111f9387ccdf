# Invoice Portal — the project's front door. `make demo` runs it, `make test` proves it.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=

.PHONY: help venv demo testdeps serve worker migrate test test-sqlite test-postgres lint fmt typecheck check-books bench load fuzz clean

help:
	@echo "make demo   - install, migrate the embedded SQLite database, load demo data, serve on 127.0.0.1:$(PORT)"
	@echo "make test   - lint, type-check, migration check, the suite on SQLite and again on PostgreSQL"
	@echo "make bench  - the benchmark suite on PostgreSQL (BENCH_SCALE, default 1,000,000 invoices); one JSON line per figure"
	@echo "make load   - Locust (headless, 60 s) against granian + PostgreSQL on 127.0.0.1: req/s, p50/p95/p99 per endpoint, errors, check-books"
	@echo "make fuzz   - schemathesis against the running API on a seeded database (>= 5,000 cases); reports in var/fuzz/"
	@echo "make lint | fmt | typecheck | migrate | check-books | clean"

# The virtualenv is rebuilt whenever pyproject.toml changes.
$(BIN)/.installed: pyproject.toml scripts/find-python scripts/sysdeps
	scripts/sysdeps
	@py=$$(scripts/find-python) || exit 1; \
	  if [ ! -x $(BIN)/python ] || ! $(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then \
	    rm -rf $(VENV); echo "Creating $(VENV) with $$py"; $$py -m venv $(VENV); fi
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

venv: $(BIN)/.installed

migrate: venv
	$(BIN)/invoice-portal migrate --noinput

demo: venv
	$(BIN)/invoice-portal migrate --noinput
	$(BIN)/invoice-portal load-demo
	@$(BIN)/invoice-portal check-books
	@scripts/serve-demo $(PORT)

lint: venv
	$(BIN)/ruff check src bench conftest.py
	$(BIN)/ruff format --check src bench conftest.py
	$(BIN)/lint-imports --no-cache

fmt: venv
	$(BIN)/ruff format src bench conftest.py
	$(BIN)/ruff check --fix src bench conftest.py

typecheck: venv
	$(BIN)/mypy

# Browser tests drive Debian's Chromium (Playwright's own browser download does not work here).
testdeps:
	scripts/sysdeps chromium

test: lint typecheck testdeps
	DJANGO_SETTINGS_MODULE=invoice_portal.test_settings $(BIN)/invoice-portal makemigrations --check --dry-run
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres

export INVOICE_PORTAL_REQUIRE_BROWSER := 1

test-sqlite: venv
	@echo "=== test suite on SQLite ==="
	env -u TEST_DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

# The PostgreSQL test database outlives a run (CI runs on the same machine), so it is built afresh from
# the migrations every time: a database left from an older checkout must never be reused.
test-postgres: venv
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect(sys.argv[1], connect_timeout=3).close()" "$(TEST_DATABASE_URL)" 2>/dev/null; then \
	  echo "=== test suite on PostgreSQL ($(TEST_DATABASE_URL)) ==="; \
	  TEST_DATABASE_URL="$(TEST_DATABASE_URL)" $(BIN)/pytest --create-db $(PYTEST_ARGS); \
	else \
	  echo; echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	  echo "!!! No PostgreSQL answers at $(TEST_DATABASE_URL): the PostgreSQL leg is SKIPPED."; \
	  echo "!!! Concurrency and locking tests did NOT run. Set TEST_DATABASE_URL to run them."; \
	  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; echo; \
	fi

bench: venv
	$(BIN)/python -m bench

# Locust (headless, LOAD_SECONDS, default 60) against granian + PostgreSQL on 127.0.0.1, then check-books.
load: venv
	$(BIN)/python -m bench.load

# Schemathesis against the running API on a seeded database (>= 5,000 cases, reports in var/fuzz/).
fuzz: venv
	$(BIN)/python scripts/fuzz

check-books: venv
	$(BIN)/invoice-portal check-books

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache .hypothesis
