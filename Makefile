# Every target bootstraps .venv from requirements.txt when it is missing or out of date,
# then runs the kit's own entry point, `python -m helpers.kit <target>`: the same code
# Windows PowerShell runs (see the README's Windows section).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KIT := $(BIN)/python -m helpers.kit
# DATA_DIR=... on the command line selects another emulator data dir (else the settings').
KIT_ENV := $(if $(DATA_DIR),DICOM_EMULATOR_DATA_DIR="$(abspath $(DATA_DIR))",)

.PHONY: lab test test-fast demo serve stop status lint bench soak reset clean viewer

# Two `make lab` at once (two terminals, a double click): one builds .venv, the other
# waits for it, then finds it up to date. flock where there is one (Linux; its lock goes
# with the process); else a mkdir lock (macOS), removed on exit or Ctrl+C.
FLOCK ?= $(shell command -v flock)
define BUILD_VENV
if [ -f $(STAMP) ] && [ $(STAMP) -nt requirements.txt ] && [ $(STAMP) -nt pyproject.toml ]; then exit 0; fi; \
echo "building $(VENV) from requirements.txt (a few minutes, once)"; \
test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || exit 1; \
$(BIN)/python -m pip install --quiet --upgrade pip || exit 1; \
$(BIN)/python -m pip install --quiet -r requirements.txt || exit 1; \
touch $(STAMP)
endef
export BUILD_VENV

$(STAMP): requirements.txt pyproject.toml
	@if [ -n "$(FLOCK)" ]; then \
		$(FLOCK) $(VENV).lock sh -c "$$BUILD_VENV"; \
	else \
		until mkdir $(VENV).lock.d 2>/dev/null; do \
			echo "another make is building $(VENV): waiting (if none is, remove $(VENV).lock.d)"; \
			sleep 3; \
		done; \
		trap 'rmdir $(VENV).lock.d' EXIT INT TERM; sh -c "$$BUILD_VENV"; \
	fi

# newman runs the Postman collection in the tests; without npm that test is skipped (and
# fails under CI=true, where it must run: .ci/run installs npm when it is missing).
NEWMAN := postman/node_modules/.bin/newman
$(NEWMAN): postman/package.json postman/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix postman --no-audit --no-fund && touch $(NEWMAN); \
	else echo "npm not found: the Postman collection test will be skipped"; fi

# OHIF (the viewer lesson and the browser tests), installed the same way; only its built
# dist/ is used, so no install scripts run. Without npm the viewer cells say how to get it
# and the browser tests are skipped (they fail under CI=true).
OHIF := viewer/node_modules/@ohif/app/dist/index.html
$(OHIF): viewer/package.json viewer/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix viewer --ignore-scripts --no-audit --no-fund && touch $(OHIF); \
	else echo "npm not found: the OHIF viewer and its browser tests will be skipped"; fi

# Azurite (local Azure Blob Storage) for the export lesson and its tests; without npm they
# are skipped with a message (and fail under CI=true, as newman's).
AZURITE := azurite/node_modules/.bin/azurite-blob
$(AZURITE): azurite/package.json azurite/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix azurite --no-audit --no-fund && touch $(AZURITE); \
	else echo "npm not found: the export lesson's Azurite will be missing (its tests skip)"; fi

lab: $(STAMP)  ## JupyterLab on notebooks/ (the local emulator starts on demand)
	@$(KIT_ENV) $(KIT) lab

test: $(STAMP) $(NEWMAN) $(AZURITE) $(OHIF)  ## lint and types, then every test, then the notebooks (nbval, fresh emulator, auth on)
	@$(KIT) test

test-fast: $(STAMP)  ## the edit loop: lint and the tests that start no process and never wait
	@$(KIT) test-fast

demo: $(STAMP)  ## execute every notebook into build/ (.ipynb and .html with images)
	@$(KIT) demo

serve: $(STAMP)  ## the emulator in the foreground (or where it already runs)
	@$(KIT_ENV) $(KIT) serve

viewer: $(STAMP) $(OHIF)  ## the emulator with the OHIF viewer at its root, in the foreground
	@$(KIT_ENV) $(KIT) viewer

stop: $(STAMP)  ## stop this checkout's emulator; its data stays
	@$(KIT_ENV) $(KIT) stop

status: $(STAMP)  ## what serves the emulator's port
	@$(KIT_ENV) $(KIT) status

lint: $(STAMP)
	@$(BIN)/ruff check .
	@$(BIN)/mypy

soak: $(STAMP)  ## long reliability runs: 10,000+ hostile STOWs, 20,000 requests, 20 SIGKILLs
	@$(KIT) soak

bench: $(STAMP)  ## benchmarks (never part of the tests)
	@$(BIN)/python -m bench

reset:  ## stop this checkout's emulator and wipe its state
	@if test -x $(BIN)/python; then $(KIT_ENV) $(KIT) reset; \
	else rm -rf $(or $(DATA_DIR),.dicom-emulator); fi

clean:
	rm -rf $(VENV) $(VENV).lock $(VENV).lock.d build .pytest_cache .ruff_cache postman/node_modules azurite/node_modules \
		viewer/node_modules
