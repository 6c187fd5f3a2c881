# The two commands: `make run` serves the console, `make test` runs the suite.
# Both set up a virtualenv in .venv first; nothing else needs installing by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup stack lint lock

# Installs the exact versions of requirements.lock (every extra: test, stack),
# then the console itself without letting pip resolve anything again.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

# Local console: SQLite file, tasks in-process, emails printed to this terminal.
run: $(STAMP)
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py runserver 127.0.0.1:8000

# Whole suite. Uses DATABASE_URL / REDIS_URL when set (CI: PostgreSQL + Redis);
# pytest's exit code 5 (no tests collected) fails the run. Most of the suite's
# time is spent waiting (workers, browsers, SMTP), so it runs in TEST_WORKERS
# processes (pytest-xdist), each with its own test database and Redis database.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Production shape on one machine: gunicorn + Celery worker + beat (the Procfile),
# against the PostgreSQL and Redis named by DATABASE_URL and REDIS_URL.
stack: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start

# The checks CI runs besides the tests: lint, formatting, types (pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Re-resolve requirements.lock from pyproject.toml (to add or upgrade a
# dependency); needs uv (pip install uv). `make lock UPGRADE=--upgrade` takes
# the newest versions allowed, `UPGRADE="--upgrade-package django"` just one.
UV ?= $(if $(wildcard $(BIN)/uv),$(BIN)/uv,uv)
lock:
	$(UV) pip compile pyproject.toml --extra test --extra stack --python-version 3.11 $(UPGRADE) -o requirements.lock
