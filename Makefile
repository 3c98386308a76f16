# Everyday commands. `make run` sets up and serves Newsdesk on SQLite with the seed corpus;
# `make test` runs the whole suite on SQLite and on PostgreSQL.

VENV := .venv
BIN := $(VENV)/bin
# pyenv's shims honour .python-version; otherwise any python3.12+ on the PATH will do.
PYTHON ?= $(shell command -v python3.12 || command -v python3.13 || ls /root/.pyenv/versions/3.12*/bin/python3 2>/dev/null | head -n1 || echo python3)
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=


.PHONY: run setup serve test test-sqlite test-postgres lint migrations-check bench clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 12), "Newsdesk needs Python 3.12+"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet ".[dev]"
	touch $@

var/secret_key:
	mkdir -p var
	$(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@
	chmod 600 $@

setup: $(VENV)/.installed var/secret_key
	SECRET_KEY=$$(cat var/secret_key) $(BIN)/python manage.py migrate --noinput
	SECRET_KEY=$$(cat var/secret_key) $(BIN)/python manage.py collectstatic --noinput -v0
	SECRET_KEY=$$(cat var/secret_key) $(BIN)/python manage.py setup_demo

serve:
	@echo "Newsdesk: open http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	SECRET_KEY=$$(cat var/secret_key) HTTPS=false $(BIN)/gunicorn newsdesk.wsgi \
		--bind $(HOST):$(PORT) --workers 2 --access-logfile -

run: setup serve

test: test-sqlite test-postgres

test-sqlite: $(VENV)/.installed-dev
	env -u DATABASE_URL $(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: $(VENV)/.installed-dev
	@pg_isready -q -d "$(TEST_DATABASE_URL)" || { echo "PostgreSQL is not answering at $(TEST_DATABASE_URL): start it, or run 'make test-sqlite' alone"; exit 1; }
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

migrations-check: $(VENV)/.installed
	SECRET_KEY=check $(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var/staticfiles
