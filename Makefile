# Two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test bench install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

install-test: $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'

## Start the bot: Socket Mode when Slack tokens are set, otherwise the offline mode.
run: install
	$(BIN)/casegroup start

## Install the test dependencies and run the whole suite.
test: install-test
	$(BIN)/python -m pytest

## Install like `make test`, then measure the bot against its floor (minutes); writes bench/results.md.
bench: install-test
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info
