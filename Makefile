# Two commands do all set-up: `make demo` and `make test` create .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test build validate clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/kg build
	$(BIN)/kg query channels-remaining

test: $(STAMP)
	$(BIN)/pytest

validate: $(STAMP)
	$(BIN)/kg validate

clean:
	rm -rf build .pytest_cache
