# The Makefile is the interface: `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DB ?= data/factwire.duckdb
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_LOGGING_LEVEL ?= WARNING

.PHONY: install run test lint bench bench-extract ui clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==0.13.8

$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/factwire ingest seeds/ --db $(DB)

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check flows tasks warehouse benchmarks tests
	$(BIN)/mypy flows tasks warehouse

bench-extract: install
	$(BIN)/python -m benchmarks.extraction

bench: install
	$(BIN)/python -m benchmarks.throughput --pages 1000 --pages 10000

clean:
	rm -rf $(VENV) data/ .pytest_cache
