# Two commands on a fresh machine: `make run` and `make test`. Both set up everything first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8501
PYTEST_ARGS ?=

.PHONY: install run test e2e bench lint apt-deps apt-deps-run node-deps clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

# axe-core for the browser tests' accessibility checks (pinned in package.json / package-lock.json).
node_modules/.installed-stamp: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

node-deps: node_modules/.installed-stamp

apt-deps:
	@bash scripts/apt-deps.sh test

apt-deps-run:
	@bash scripts/apt-deps.sh run

run: install apt-deps-run
	$(BIN)/care-plans init-db
	$(BIN)/care-plans prepare-local
	$(BIN)/streamlit run dashboard/app.py --server.address $(HOST) --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

test: install apt-deps node-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

e2e: install apt-deps node-deps
	$(BIN)/python -m pytest -m browser $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
