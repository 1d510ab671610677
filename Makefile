# The targets people expect. Each installs what it needs into .venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install run test test-sqlite lint format demo bench teams-package clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## run: serve Slack on http://localhost:$${PORT:-3000}/slack/events (SQLite by default)
run: $(STAMP)
	$(PY) -m bot

## test: the whole suite, on SQLite and (when TEST_POSTGRES_URL is set) on PostgreSQL
test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy bot handlers storage tests $(wildcard bench) $(wildcard teams/*.py)
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## demo: play a whole round against the local Slack emulator and print the board summary
demo: $(STAMP)
	$(PY) -m tests.demo_round $(ARGS)

bench: $(STAMP)
	$(PY) -m bench.vote_burst $(ARGS)

## teams-package: build/assess-teams.zip, the Teams app to upload (needs TEAMS_APP_ID and PUBLIC_URL)
teams-package: $(STAMP)
	$(PY) -m handlers.teams.package --out build/assess-teams.zip

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache assessment.db*
