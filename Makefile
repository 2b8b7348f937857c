# The two commands: `make run` and `make test`. Everything else is a helper for them.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
VENDOR := redress/web/static/web/vendor/echarts.min.js
PORT ?= 8000
export PORT

.PHONY: run test install messages lint format bench serve-only

$(PY):
	$$(sh scripts/find-python.sh) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) messages $(VENDOR)

# Front-end libraries served by Redress itself (package.json, package-lock.json): Apache ECharts for the
# dashboards, copied out of node_modules into the static files (build output, not in git; a wheel copies its own:
# setup.py). Nothing is fetched from outside by a browser.
$(VENDOR): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(dir $(VENDOR))
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)
	cp node_modules/echarts/LICENSE $(dir $(VENDOR))echarts.LICENSE

# Compiled catalogues are build output, made from the committed .po files (a wheel compiles its own: setup.py).
messages: $(STAMP)
	$(VENV)/bin/pybabel -q compile -d redress/locale -D django

# The demo: its users log in, and it keeps a generated secret key in var/ (anywhere else one must be set).
run: export REDRESS_DEMO = 1
run: install
	$(VENV)/bin/redress migrate --noinput
	$(VENV)/bin/redress load-demo
	$(VENV)/bin/redress collectstatic --noinput --verbosity 0
	$(VENV)/bin/redress serve

test: install
	$(VENV)/bin/pytest -n 2 --dist loadfile

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# `make bench` runs everything; `make bench BENCH=registration` (or register-pages, or surge) runs one part.
BENCH ?= all
bench: install
	$(VENV)/bin/python -m bench.run $(BENCH)
