# Two commands for a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= demo-output

LOWEST_VENV ?= .venv-lowest
LOWEST_BIN := $(LOWEST_VENV)/bin

.PHONY: demo test test-lowest lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	$(BIN)/appraisal demo --out $(OUT) --force

test: $(VENV)/.installed-test
	$(BIN)/python -m ruff check appraisal tests benchmarks notebooks
	$(BIN)/python -m pytest

# The suite again in its own venv, every dependency at the lowest version pyproject.toml
# declares (pinned in constraints/lowest.txt). Lint is `make test`'s job only: ruff's rules
# change between releases, so the lowest ruff would lint differently, not test compatibility.
$(LOWEST_BIN)/python:
	$(PYTHON) -m venv $(LOWEST_VENV)
	$(LOWEST_BIN)/python -m pip install --quiet --upgrade pip

$(LOWEST_VENV)/.installed-test: pyproject.toml constraints/lowest.txt | $(LOWEST_BIN)/python
	$(LOWEST_BIN)/python -m pip install --quiet -c constraints/lowest.txt -e '.[test]'
	touch $@

test-lowest: $(LOWEST_VENV)/.installed-test
	$(LOWEST_BIN)/python -m pytest

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/bench_engine.py

clean:
	rm -rf $(VENV) $(LOWEST_VENV) $(OUT) build dist .pytest_cache
