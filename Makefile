# Two entry points: `make demo` and `make test`. Each creates .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BROWSER := tests/web/browser
# npm ci deletes node_modules and installs again: only when node_modules is missing (a clean
# clone, `make clean`) or older than the lock file. The stamp lives inside node_modules, so it
# goes whenever node_modules goes.
NODE_STAMP := $(BROWSER)/node_modules/.installed

.PHONY: demo test lint typecheck unit bench clean browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/ketenhub demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest tests/unit tests/contract -q

# Two workers: one runs every Kafka test against its one broker, the other the rest.
test: lint typecheck browser
	$(BIN)/python dev/kafka/broker.py fetch
	$(BIN)/pytest -n 2 --dist loadgroup

# The browser tests (tests/web/browser) drive Debian's Chromium with Playwright, and check
# accessibility with axe-core from the npm registry (installed into a gitignored node_modules).
browser: $(STAMP) $(NODE_STAMP)
	test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

$(NODE_STAMP): $(BROWSER)/package-lock.json $(BROWSER)/package.json
	cd $(BROWSER) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

bench: $(STAMP)
	$(BIN)/python -m bench.embedded_pipeline

clean:
	rm -rf $(VENV) ketenhub-data dev/kafka/run $(BROWSER)/node_modules $(BROWSER)/screenshots
