# Betal portal. `make run` and `make test` each set up everything they need on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
STAMP  := $(VENV)/.installed

.PHONY: run test bench lint format translations clean

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

translations: $(STAMP)
	$(FLASK) translate compile >/dev/null

run: $(STAMP) translations  ## set up, migrate, seed the demo once, print demo links and serve on :5000
	$(FLASK) db upgrade
	$(FLASK) demo seed
	@echo "Open a link above in your browser. Stop with Ctrl+C."
	$(FLASK) run --host 127.0.0.1 --port 5000

test: $(STAMP) translations  ## the whole suite (PostgreSQL too when PORTAL_TEST_DATABASE_URL is set)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP) translations  ## benchmarks; prints a table and writes bench/results.json
	$(BIN)/python bench/case_page.py
	$(BIN)/python bench/intake.py
	$(BIN)/python bench/webhooks.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) instance .pytest_cache bench/results.json
