# The two commands of the README: `make demo` (set up, ingest the sample corpus, serve it) and
# `make test` (set up, lint, type-check, check the import layers, run the tests).
# CI runs `make test` (.ci/run).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export SCARF_NO_ANALYTICS := true
export DO_NOT_TRACK := true

.PHONY: demo test setup setup-dev lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

setup: $(BIN)/python
	$(BIN)/pip install --quiet -e .

setup-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'

demo: setup
	$(BIN)/casebook ingest casebook/sample
	$(BIN)/casebook serve

lint: setup-dev
	$(BIN)/ruff check casebook grounding answers summaries mining ingest service eval cli bench tests training
	$(BIN)/mypy
	@# The import contract (pyproject.toml [tool.importlinter]): imports only run down the layers.
	@# tests/test_import_contract.py proves it fails on an import that runs up a layer.
	$(BIN)/lint-imports --no-cache

test: setup-dev lint
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -m "not slow"
	@# The quality gate: the smoke evaluation suite, where the shared datasets are present.
	@if [ -d "$${CASEBOOK_DATASETS:-../shared/datasets}" ]; then \
		HF_HUB_OFFLINE=1 $(BIN)/casebook eval run smoke; \
	else echo "casebook eval run smoke: skipped, no ../shared/datasets"; fi

bench: setup-dev
	$(BIN)/python bench/retrieval.py --dataset ../shared/datasets/doc2dial

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
