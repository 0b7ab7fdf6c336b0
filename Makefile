# Every target bootstraps .venv from requirements.txt when it is missing or out of date.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA_DIR ?= .dicom-emulator

.PHONY: lab test test-fast demo serve lint bench reset clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

# newman runs the Postman collection in the tests; without npm that test is skipped.
NEWMAN := postman/node_modules/.bin/newman
$(NEWMAN): postman/package.json postman/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix postman --no-audit --no-fund && touch $(NEWMAN); \
	else echo "npm not found: the Postman collection test will be skipped"; fi

# Jupyter refuses to run as root unless told; containers often run as root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: $(STAMP)  ## JupyterLab on notebooks/ (the local emulator starts on demand)
	$(BIN)/jupyter lab notebooks/ $(ALLOW_ROOT)

test: $(STAMP) $(NEWMAN)  ## lint and types, then every test, then the notebooks (nbval, fresh emulator, auth on)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest
	$(BIN)/python -m pytest --nbval-lax -p no:cacheprovider notebooks/
	$(BIN)/python tools/check_notebooks.py

test-fast: $(STAMP)  ## the edit loop: lint and the tests that start no process and never wait
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -m "not live and not slow"

demo: $(STAMP)  ## execute every notebook into build/ (.ipynb and .html with images)
	$(BIN)/python tools/build_demo.py --out build

serve: $(STAMP)  ## the emulator in the foreground
	$(BIN)/python -m dicom_emulator serve --data-dir $(DATA_DIR)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(STAMP)  ## benchmarks (never part of the tests)
	$(BIN)/python -m bench

reset:  ## stop the local emulator and wipe its state
	if test -x $(BIN)/python; then DICOM_EMULATOR_DATA_DIR="$(abspath $(DATA_DIR))" \
		$(BIN)/python -m helpers.emulator stop; fi
	rm -rf $(DATA_DIR)

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache postman/node_modules
