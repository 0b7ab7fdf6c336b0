# Every target bootstraps .venv from requirements.txt when it is missing or out of date.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA_DIR ?= .dicom-emulator

.PHONY: lab test serve lint bench reset clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

lab: $(STAMP)  ## JupyterLab on notebooks/ (the local emulator starts on demand)
	$(BIN)/jupyter lab notebooks/

test: $(STAMP)  ## lint, then every test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

serve: $(STAMP)  ## the emulator in the foreground
	$(BIN)/python -m dicom_emulator serve --data-dir $(DATA_DIR)

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)  ## benchmarks (never part of the tests)
	$(BIN)/python -m bench

reset:  ## wipe the local emulator's state
	rm -rf $(DATA_DIR)

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache
