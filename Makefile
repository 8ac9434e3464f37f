# The two commands that matter: `make run` serves the app with demo data on
# http://127.0.0.1:8000, and `make test` runs the test suite against
# PostgreSQL and Redis.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Written after a successful install, so later runs skip pip until
# pyproject.toml changes.
STAMP := $(VENV)/.installed-stamp

TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/iop
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15
PYTEST_ARGS ?=

# apt-get needs root; elsewhere it runs through sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: venv install run test chromium lint bench clean

venv install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Without DATABASE_URL and CELERY_BROKER_URL this is the embedded mode:
# SQLite and a file broker under var/. With them it uses PostgreSQL and Redis.
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo_data
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start

# Browser tests drive Debian's Chromium; Playwright's own download is not used.
chromium:
	@test -x /usr/bin/chromium || { \
		$(SUDO) apt-get update && $(SUDO) apt-get install -y chromium; }

test: $(STAMP) chromium
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" \
	CELERY_BROKER_URL="$${CELERY_BROKER_URL:-$(TEST_BROKER_URL)}" \
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

bench: $(STAMP)
	@set -e; for script in bench/*.py; do \
		[ -e "$$script" ] || { echo "No benchmark scripts in bench/."; exit 0; }; \
		echo "== $$script"; \
		$(BIN)/python "$$script"; \
	done

# Removes the embedded database, the broker's files and collected static
# files; the virtual environment stays (rm -rf .venv removes it).
clean:
	rm -rf var staticfiles
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
