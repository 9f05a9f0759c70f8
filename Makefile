# Each target does its own set-up: a virtualenv in .venv/, the project installed
# into it, and the servers it needs answering (scripts/ensure_services.sh).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_ARGS ?=
PYTEST_ARGS ?=

.PHONY: demo test bench lint services clean

demo: $(STAMP) services
	$(BIN)/strangler demo $(DEMO_ARGS)

test: $(STAMP) services lint
	$(BIN)/pytest $(PYTEST_ARGS)

bench: $(STAMP) services
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

services:
	@scripts/ensure_services.sh rabbitmq postgresql

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "strangler needs Python 3.11+, found " + sys.version.split()[0]'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) var build *.egg-info .pytest_cache .mypy_cache .ruff_cache
