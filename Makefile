# Quick start: `make run` (set up, migrate, ingest seeds/, serve) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup setup-dev system-packages run ingest-seeds serve test test-postgres lint typecheck evaluate evaluate-corpus bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed-app
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@

setup: $(VENV)/.installed-app
setup-dev: $(VENV)/.installed-dev

ingest-seeds: setup
	$(BIN)/timeline db upgrade
	$(BIN)/timeline ingest seeds/

serve: setup
	$(BIN)/timeline serve --host $(HOST) --port $(PORT)

run: ingest-seeds serve

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup-dev
	$(BIN)/mypy

# Debian's chromium drives the browser tests (installed when we are root with apt).
system-packages:
	sh scripts/system-packages.sh chromium:/usr/bin/chromium

test: lint typecheck system-packages
	$(BIN)/pytest

# The whole suite again against a throwaway PostgreSQL cluster on a Unix socket
# (installs Debian's postgresql when missing, as above; started and removed here).
test-postgres: setup-dev system-packages
	sh scripts/test-postgres.sh

evaluate: setup
	$(BIN)/timeline evaluate seeds/gold.yaml

# The extractor's regression guard on the development corpus beside the repo (CI runs
# it): floors set just under what the extractor reaches (README, "Evaluation").
CORPUS ?= ../shared/corpus
evaluate-corpus: setup
	@if [ -f $(CORPUS)/gold.yaml ]; then \
		$(BIN)/timeline evaluate $(CORPUS)/gold.yaml --min-f1 0.88 --min-language-f1 0.86 --min-date 0.87; \
	else \
		echo "no corpus at $(CORPUS): evaluation skipped"; \
	fi

clean:
	rm -rf $(VENV) data/ .mypy_cache .ruff_cache .pytest_cache test-artifacts
