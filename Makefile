# Two commands on a fresh machine with Python 3.11:  make run   |   make test
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
LOCK := requirements/dev.lock
TRANSLATIONS := marketplace/translations
PORT ?= 5000

.PHONY: install translations migrate seed model run test screenshots lint format check-migrations messages bench clean

$(BIN)/activate:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required (set PYTHON=/path/to/python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/activate $(LOCK)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	touch $@

install: $(VENV)/.installed

translations: install
	$(BIN)/pybabel compile --use-fuzzy -d $(TRANSLATIONS)

migrate: install
	$(FLASK) db upgrade

seed: model
	$(FLASK) demo seed

# First run: trains the default credit model from the shipped data and promotes it.
model: migrate
	$(FLASK) scoring ensure

run: translations seed
	@echo "Serving on http://127.0.0.1:$(PORT) (make run PORT=... to change the port)"
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# The browser journeys (tests/browser) run when Chromium is installed and are skipped, with the
# reason shown, when it is not.
test: translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The browser journeys save their key pages to docs/screenshots (README "What it looks like").
screenshots: translations
	rm -f docs/screenshots/*.png
	SCREENSHOTS=docs/screenshots REQUIRE_BROWSER=1 $(BIN)/python -m pytest -q tests/browser

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit --quiet --recursive --severity-level medium marketplace scoring bench wsgi.py

# Format the code the way CI checks it.
format: install
	$(BIN)/ruff format .

# Re-extract the strings to translate and merge them into both catalogues.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -k lazy_gettext -k lazy_pgettext:1c,2 --no-location --sort-output -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance .pytest_cache
