# Two commands on a fresh machine: `make run` and `make test`. Both set up everything first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
NODE_STAMP := node_modules/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8501
PYTEST_ARGS ?=
# The address in check-in links, unless CARE_PLANS_BASE_URL is set: this machine's first address
# when serving on every interface, else HOST itself (localhost: the page warns a phone cannot
# open it).
LINK_HOST = $(if $(filter 0.0.0.0,$(HOST)),$(shell hostname -I 2>/dev/null | cut -d' ' -f1),$(HOST))

.PHONY: install node-tools run test e2e bench bench-quick lint apt-deps apt-deps-run clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

# Node tools the tests run (the strict FHIR validator, tests/fhir_validate.mjs); Node 22 comes
# from the npm registry as the `node` package, whatever Node the machine has.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $(NODE_STAMP)

install: $(STAMP)

node-tools: $(NODE_STAMP)

apt-deps:
	@bash scripts/apt-deps.sh test

apt-deps-run:
	@bash scripts/apt-deps.sh run

run: export CARE_PLANS_BASE_URL ?= http://$(LINK_HOST):$(PORT)
run: install apt-deps-run
	@echo "check-in links will use $$CARE_PLANS_BASE_URL"
	$(BIN)/care-plans init-db
	$(BIN)/care-plans prepare-local
	$(BIN)/streamlit run dashboard/app.py --server.address $(HOST) --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

test: install apt-deps node-tools
	$(BIN)/python -m pytest $(PYTEST_ARGS)

e2e: install apt-deps node-tools
	$(BIN)/python -m pytest -m browser $(PYTEST_ARGS)

bench: install apt-deps
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

bench-quick: install
	$(BIN)/python -m benchmarks --quick $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
