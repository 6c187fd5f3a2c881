# The two commands: `make run` serves the console, `make test` runs the suite.
# Both set up a virtualenv in .venv first; nothing else needs installing by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup stack

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

# Local console: SQLite file, tasks in-process, emails printed to this terminal.
run: $(STAMP)
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py runserver 127.0.0.1:8000

# Whole suite. Uses DATABASE_URL / REDIS_URL when set (CI: PostgreSQL + Redis);
# pytest's exit code 5 (no tests collected) fails the run.
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Production shape on one machine: gunicorn + Celery worker + beat (the Procfile),
# against the PostgreSQL and Redis named by DATABASE_URL and REDIS_URL.
stack: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[stack]'
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start
