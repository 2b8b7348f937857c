# The two commands: `make run` and `make test`. Everything else is a helper for them.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000
export PORT

.PHONY: run test install messages lint format bench serve-only

$(PY):
	$$(sh scripts/find-python.sh) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) messages

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

# `make bench` runs everything; `make bench BENCH=registration` (or register-pages) runs one part.
BENCH ?= all
bench: install
	$(VENV)/bin/python -m bench.run $(BENCH)
