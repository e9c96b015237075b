# change_portal — two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app change_portal
STAMP := $(VENV)/.installed
LOCALES := change_portal/translations

.PHONY: run test install translations migrate demo worker lint e2e-deps clean-db help

help:
	@echo "make run    set up and serve the demo collectivité at http://127.0.0.1:5000"
	@echo "make test   set up and run the whole test suite"
	@echo "make lint   ruff"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	@for po in $(LOCALES)/*/LC_MESSAGES/messages.po; do \
	  [ -f "$$po" ] && $(BIN)/pybabel compile --use-fuzzy -f -d $(LOCALES) -i "$$po" \
	    -l $$(basename $$(dirname $$(dirname $$po))) -o "$${po%.po}.mo" >/dev/null; \
	done; true

migrate: install
	$(FLASK) db upgrade heads

demo: migrate
	$(FLASK) demo --if-empty
	$(FLASK) courses sync || true

run: demo
	@echo "Portail : http://127.0.0.1:5000"
	SESSION_COOKIE_SECURE=0 $(FLASK) serve --host 127.0.0.1 --port 5000

worker: install
	$(FLASK) worker

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

clean-db:
	rm -f instance/change_portal.sqlite3*
