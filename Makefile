# Each target does its own set-up: a virtualenv in .venv/, the locked dependencies
# and the project installed into it, and the servers it needs answering
# (scripts/ensure_services.sh).
#
# requirements.lock pins every package with hashes (CPython 3.11 and 3.12 on Linux
# x86_64 and aarch64); `make lock` refreshes it from pyproject.toml's ranges.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock
DEMO_ARGS ?=
PYTEST_ARGS ?=
EVALUATE_ARGS ?=

.PHONY: demo test bench evaluate evaluate-truth lint lock services clean

demo: $(STAMP) services
	$(BIN)/strangler demo $(DEMO_ARGS)

test: $(STAMP) services lint
	@scripts/ensure_chromium.sh
	$(BIN)/pytest $(PYTEST_ARGS)

bench: $(STAMP) services
	@scripts/ensure_bench_tools.sh
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# Route precision/recall of `strangler analyze` on real Flask apps from PyPI (evaluation/README.md).
evaluate: $(STAMP)
	$(BIN)/python -m evaluation.score $(EVALUATE_ARGS)

# Refresh one app's truth (its real url_map) in a throwaway venv: make evaluate-truth APP=name
evaluate-truth: $(STAMP)
	@test -n "$(APP)" || { echo "usage: make evaluate-truth APP=<name from evaluation/apps.toml>"; exit 2; }
	$(BIN)/python -m evaluation.dump_url_map $(APP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python scripts/check_test_asserts.py

services:
	@scripts/ensure_services.sh rabbitmq postgresql

$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "strangler needs Python 3.11+, found " + sys.version.split()[0]'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		--generate-hashes --quiet --custom-compile-command "make lock" -o $(LOCK)

clean:
	rm -rf $(VENV) var build *.egg-info .pytest_cache .mypy_cache .ruff_cache
