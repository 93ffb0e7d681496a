# Kretsløp: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
HOST   ?= 127.0.0.1
FLASK  := $(BIN)/flask --app wsgi

.PHONY: run test lint translations install install-test bench bench-relevance clean worker assets

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# axe-core for the browser accessibility tests (only where npm exists; they skip otherwise)
tests/browser/node_modules/axe-core/axe.min.js: tests/browser/package.json tests/browser/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix tests/browser --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: browser accessibility tests will skip"; fi

## make assets: rebuild the vendored front-end files in static/vendor/ (needs Node 20+ and npm;
## `make run` does not: the built files are committed). Add more steps to static/build/build.mjs.
assets:
	cd static/build && npm ci --no-audit --no-fund && npm run build

translations: $(VENV)/.installed
	@$(BIN)/pybabel compile --use-fuzzy -q -d app/translations 2>/dev/null || \
	  $(BIN)/pybabel compile --use-fuzzy -d app/translations >/dev/null

## make run: install, upgrade the database, load demo data, serve on http://$(HOST):$(PORT)
run: install translations
	$(FLASK) db upgrade
	$(FLASK) seed demo
	@echo "Serving Kretsløp on http://$(HOST):$(PORT)"
	$(FLASK) run --host $(HOST) --port $(PORT)

## make test: install what the tests need, lint, run the whole suite in parallel
## (pytest-xdist: TEST_WORKERS processes, one per core up to 8; TEST_WORKERS=0 runs
## serially). Each worker has its own database, Redis database, ports and folders;
## a test file stays in one worker so its module-wide live stack is started once, and
## the long files go first (tests/conftest.py, LONG_FILES) in the order collected.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ $$n -gt 8 ] && n=8; echo $$n)
test: install-test translations tests/browser/node_modules/axe-core/axe.min.js
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

worker: install
	$(FLASK) jobs worker

bench: install-test
	$(BIN)/pip install --quiet -e '.[test,bench]'
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done
	@echo "== bench/relevance/evaluate.py"; $(BIN)/python bench/relevance/evaluate.py

# Search and matching quality on our judged set (issue #17), well under a minute.
bench-relevance: install
	$(BIN)/python bench/relevance/evaluate.py

clean:
	rm -rf $(VENV) instance/*.sqlite3* instance/search instance/media instance/mail
