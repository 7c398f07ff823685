# expacti — `make eval` runs the product, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXPACTI_PORT ?= 3001
EXPACTI_DATA_DIR ?= $(CURDIR)/.expacti
export EXPACTI_PORT EXPACTI_DATA_DIR

# The SDKs in other languages: each folder's own Makefile builds it, lints it and runs its
# tests, the live ones against the real server (sdk/testing/live_server.py).
SDK_TESTS := sdk-go-test sdk-rust-test sdk-java-test sdk-ruby-test sdk-php-test

WEB_DIST := server/src/expacti_server/webapp/dist/index.html
WEB_SOURCES := $(shell find web/src web/public -type f ! -name schema.d.ts 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json

.PHONY: eval test lint format bench openapi install install-dev system-deps web web-test clean help \
	python-test sdk-test sdk-typescript-test $(SDK_TESTS)

help:
	@echo "make eval    install into $(VENV) and start the server (SQLite, demo tokens) on 127.0.0.1:$(EXPACTI_PORT)"
	@echo "make test    install test dependencies (PostgreSQL, Chromium, Ruby, PHP from Debian) and run lint + every test"
	@echo "make bench   run the benchmarks under bench/"
	@echo "make lint    ruff + mypy strict"
	@echo "make sdk-test  build every SDK but Python's and run its suite against a real server"
	@echo "make sdk-go-test (or -rust, -java, -ruby, -php, -typescript)  one of them"
	@echo "make web     build the reviewer web app (web/) into the server's static files"
	@echo "make openapi regenerate docs/openapi.yml"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: $(BIN)/python requirements/runtime.lock server/pyproject.toml sdk/python/pyproject.toml
	$(BIN)/pip install --quiet -r requirements/runtime.lock
	$(BIN)/pip install --quiet --no-deps -e server -e sdk/python
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements/dev.lock
	$(BIN)/pip install --quiet -r requirements/dev.lock
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

# The web app: npm dependencies pinned by package-lock.json, built into the
# server package (served at /app, shipped in the wheel, never committed).
web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(WEB_DIST): web/node_modules/.installed docs/openapi.yml $(WEB_SOURCES)
	cd web && npm run build

web: $(WEB_DIST)

web-test: web/node_modules/.installed
	cd web && npm test

# The TypeScript SDK (npm package `expacti`): its suite starts the real server from
# $(VENV), so it needs the Python install first.
sdk/typescript/node_modules/.installed: sdk/typescript/package.json sdk/typescript/package-lock.json
	cd sdk/typescript && npm ci --no-audit --no-fund --loglevel=error
	touch $@

sdk-typescript-test: install-dev sdk/typescript/node_modules/.installed
	cd sdk/typescript && EXPACTI_PYTHON=$(CURDIR)/$(BIN)/python npm run build
	cd sdk/typescript && EXPACTI_PYTHON=$(CURDIR)/$(BIN)/python npm test

# Go, Rust and Java come with the machine (see docs/SDKS.md); Ruby and PHP from system-deps.
$(SDK_TESTS): sdk-%-test: install-dev system-deps
	$(MAKE) --no-print-directory -C sdk/$* test EXPACTI_PYTHON=$(CURDIR)/$(BIN)/python

sdk-test: sdk-typescript-test $(SDK_TESTS)

eval: install web
	$(BIN)/expacti-server eval

system-deps:
	@scripts/install-system-deps

lint: install-dev
	$(BIN)/ruff check server sdk/python sdk/testing bench scripts action
	$(BIN)/ruff format --check server sdk/python sdk/testing bench scripts action
	cd server && ../$(BIN)/mypy src tests
	cd sdk/python && ../../$(BIN)/mypy src tests
	cd action && ../$(BIN)/mypy --strict --python-version 3.11 *.py
	$(BIN)/mypy --strict --python-version 3.11 sdk/testing/live_server.py

format: install-dev
	$(BIN)/ruff check --fix server sdk/python sdk/testing bench scripts action
	$(BIN)/ruff format server sdk/python sdk/testing bench scripts action

# The Python suites and the other SDKs' suites run side by side: the SDK suites mostly wait
# (on their servers, on deadlines), so two lanes finish minutes sooner on two cores. Each
# lane's output is printed whole when it ends (--output-sync), so logs do not interleave.
test: install-dev system-deps lint web web-test
	$(MAKE) --no-print-directory -j2 --output-sync=target python-test sdk-test

python-test: install-dev system-deps web
	cd sdk/python && ../../$(BIN)/pytest -q
	cd server && ../$(BIN)/pytest -q

bench: install-dev system-deps web
	$(BIN)/python bench/decision_rtt.py
	$(BIN)/python bench/queue_push.py

openapi: install
	$(BIN)/python -m expacti_server.api.openapi_doc --write docs/openapi.yml

clean:
	rm -rf $(VENV) .expacti web/node_modules server/src/expacti_server/webapp/dist \
		sdk/typescript/node_modules sdk/typescript/dist
