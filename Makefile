# m8flow: `make run` starts the gateway, `make test` runs the whole suite (SQLite + PostgreSQL).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JS_STAMP := tests/js/node_modules/.installed
HOST ?= 0.0.0.0
PORT ?= 8080

.PHONY: install run test bench lint docs clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

$(JS_STAMP): tests/js/package.json tests/js/package-lock.json
	npm ci --prefix tests/js --no-audit --no-fund --loglevel=error
	touch $(JS_STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/m8flow serve --host $(HOST) --port $(PORT)

test: $(STAMP) $(JS_STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider

bench: $(STAMP)
	$(BIN)/python bench/run.py

lint: $(STAMP)
	$(BIN)/python -m ruff check compat_api engine migrate forms tests bench
	$(BIN)/python -m mypy compat_api engine

docs: $(STAMP)
	$(BIN)/python -m compat_api.compatibility > docs/compatibility.md

clean:
	rm -rf $(VENV) tests/js/node_modules m8flow.db m8flow.db-wal m8flow.db-shm
