# The two commands a fresh clone needs (see README):
#   make tick   run the daily tick on the embedded local stack with the bundled example data
#   make test   lint, type-check and run the whole test suite
# Both create .venv and install the project into it on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOME_DIR ?= .og-home
DATE ?= 2026-12-10
STAMP := $(VENV)/.installed

.PHONY: tick test lint simulate clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

tick: $(STAMP)
	@test -f $(HOME_DIR)/config.txt || $(BIN)/og init $(HOME_DIR)
	$(BIN)/og tick --home $(HOME_DIR) --date $(DATE)

simulate: $(STAMP)
	@test -f $(HOME_DIR)/config.txt || $(BIN)/og init $(HOME_DIR)
	$(BIN)/og simulate --home $(HOME_DIR) --start $(DATE) --days 21

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/og asl check

test: lint
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) $(HOME_DIR) .pytest_cache .mypy_cache .ruff_cache
