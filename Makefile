# The targets people expect. Each installs what it needs into .venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
# Microsoft's Agents Playground (npm, pinned in teams/playground/package-lock.json): a Teams client
PLAYGROUND_DIR := teams/playground
PLAYGROUND_STAMP := $(PLAYGROUND_DIR)/node_modules/.installed

.PHONY: install run test test-sqlite lint format demo bench teams-package clean playground playground-install

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# npm ci empties node_modules first, so the stamp goes with it and a removed folder reinstalls
$(PLAYGROUND_STAMP): $(PLAYGROUND_DIR)/package.json $(PLAYGROUND_DIR)/package-lock.json
	cd $(PLAYGROUND_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

## playground-install: the Agents Playground into teams/playground/node_modules (needs node, npm)
playground-install: $(PLAYGROUND_STAMP)

## run: serve the platform app.yaml names: Slack at /slack/events, Teams at /api/messages (SQLite by default)
run: $(STAMP)
	$(PY) -m bot

## test: the whole suite, on SQLite and (when TEST_POSTGRES_URL is set) on PostgreSQL; installs the
## Agents Playground first where npm is (its tests skip without it, fail with REQUIRE_PLAYGROUND=1)
test: $(STAMP)
	@if command -v npm >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory playground-install || \
	    echo "warning: could not install the Agents Playground; its tests will skip"; \
	fi
	$(PY) -m pytest

## playground: the app's Teams side behind Microsoft's Agents Playground; prints the URL to open
playground: $(STAMP) $(PLAYGROUND_STAMP)
	$(PY) -m tests.playground.run $(ARGS)

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
	rm -rf $(PLAYGROUND_DIR)/node_modules $(PLAYGROUND_DIR)/.run
