# expacti — `make eval` runs the product, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXPACTI_PORT ?= 3001
EXPACTI_DATA_DIR ?= $(CURDIR)/.expacti
export EXPACTI_PORT EXPACTI_DATA_DIR

.PHONY: eval test lint format bench openapi install install-dev system-deps clean help

help:
	@echo "make eval    install into $(VENV) and start the server (SQLite, demo tokens) on 127.0.0.1:$(EXPACTI_PORT)"
	@echo "make test    install test dependencies (PostgreSQL from Debian) and run lint + every test"
	@echo "make bench   run the benchmarks under bench/"
	@echo "make lint    ruff + mypy strict"
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

eval: install
	$(BIN)/expacti-server eval

system-deps:
	@scripts/install-system-deps

lint: install-dev
	$(BIN)/ruff check server sdk/python bench
	$(BIN)/ruff format --check server sdk/python bench
	cd server && ../$(BIN)/mypy src tests
	cd sdk/python && ../../$(BIN)/mypy src tests

format: install-dev
	$(BIN)/ruff check --fix server sdk/python bench
	$(BIN)/ruff format server sdk/python bench

test: install-dev system-deps lint
	cd sdk/python && ../../$(BIN)/pytest -q
	cd server && ../$(BIN)/pytest -q

bench: install-dev
	$(BIN)/python bench/decision_rtt.py

openapi: install
	$(BIN)/python -m expacti_server.api.openapi_doc --write docs/openapi.yml

clean:
	rm -rf $(VENV) .expacti
