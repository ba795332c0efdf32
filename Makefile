# Two commands matter: `make run` (serve the demo on SQLite) and `make test` (the whole suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
export PICCOLO_CONF := toollib.piccolo_conf

.PHONY: run test install install-dev lint messages clean

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/rental migrate
	$(BIN)/rental seed-demo --with-activity
	$(BIN)/rental serve --host $(HOST) --port $(PORT)

# Runs on SQLite; with TEST_DATABASE_URL=postgres://... the same suite runs on PostgreSQL.
test: install-dev
	$(BIN)/ruff check .
	PYTHONPATH=tests $(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .

# Re-extract the translatable strings and merge them into every catalog.
messages: install-dev
	$(BIN)/pybabel extract -F rental/babel.cfg -k _ -k N_ -k gettext -k ngettext:1,2 -k Plural:1,2 \
	  --no-location --no-wrap --sort-output -o rental/locale/messages.pot \
	  rental inventory bookings toollib templates \
	  templates/_ui  # pybabel skips folders named _* when it walks templates
	$(BIN)/pybabel update -i rental/locale/messages.pot -d rental/locale -D messages --no-fuzzy-matching --no-wrap

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache

# Benchmarks (not tests; see bench/README.md): seed the national data set, serve it with
# 2 workers, measure, print the table and write bench/results/<engine>-<date>.json.
# `make bench` runs on SQLite; `make bench BENCH_DATABASE_URL=postgres://...` also on that
# PostgreSQL database afterwards (it is emptied first). BENCH_SCALE=0.01 makes a quick one.
# The slow-line phone (Playwright, a dev dependency, and Debian's chromium) makes
# BENCH_PHONE_RUNS cold visits, about 15 s each; 0 leaves it out.
BENCH_SCALE ?= 1
BENCH_PORT  ?= 8100
BENCH_PHONE_RUNS ?= 3
BENCH_SQLITE_URL := sqlite:///var/bench/bench.sqlite
BENCH_ENV := PICCOLO_CONF=toollib.piccolo_conf VAR_DIR=var/bench

.PHONY: bench bench-tools

bench: install-dev bench-tools
	$(BENCH_ENV) DATABASE_URL=$(BENCH_SQLITE_URL) $(BIN)/python -m bench.seed --scale $(BENCH_SCALE)
	$(BENCH_ENV) DATABASE_URL=$(BENCH_SQLITE_URL) $(BIN)/python -m bench.run --port $(BENCH_PORT) --phone-runs $(BENCH_PHONE_RUNS)
	@if [ -n "$(BENCH_DATABASE_URL)" ]; then \
	  $(BENCH_ENV) DATABASE_URL="$(BENCH_DATABASE_URL)" $(BIN)/python -m bench.seed --scale $(BENCH_SCALE) && \
	  $(BENCH_ENV) DATABASE_URL="$(BENCH_DATABASE_URL)" $(BIN)/python -m bench.run --port $(BENCH_PORT) --phone-runs $(BENCH_PHONE_RUNS); \
	fi

# wrk for the throughput figures, from Debian (as root or through sudo); without it the
# bench measures with bench/load.py, which tops out lower.
bench-tools:
	@command -v wrk >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then as_root=; else as_root=sudo; fi; \
	  { $$as_root apt-get update -qq && $$as_root apt-get install -y -qq wrk; } \
	  || echo "wrk not installed: throughput is measured with bench/load.py"; }
