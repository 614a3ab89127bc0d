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

DEMO_COLUMNS := status,channelLabel,viaLabel,end,endedByLabel,announced,effective,paragraphs

demo: $(STAMP)
	$(BIN)/kg build
	@echo
	@echo "Which channels between Russia and NATO remain after 1 November 2021 (as of 2021-11-02)?"
	$(BIN)/kg query channels-as-of --param a=Russia --param b=NATO --param date=2021-11-02 \
	    --columns $(DEMO_COLUMNS)
	@echo
	@echo "Who ended them, why, in answer to what, and which sources say so?"
	$(BIN)/kg query channels-ended-between --param a=Russia --param b=NATO \
	    --param from=2021-10-25 --param to=2021-11-08 \
	    --columns channelLabel,agentLabel,reason,inResponseTo,paragraphs
	$(BIN)/kg query channels-ended-between --param a=Russia --param b=NATO \
	    --param from=2021-10-25 --param to=2021-11-08 --columns channelLabel,sources

test: $(STAMP)
	$(BIN)/pytest

validate: $(STAMP)
	$(BIN)/kg validate

clean:
	rm -rf build .pytest_cache
