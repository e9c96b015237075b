# change_portal — two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app change_portal
STAMP := $(VENV)/.installed
LOCALES := change_portal/translations

.PHONY: run test test-fast install translations extract migrate demo worker lint clean-db help e2e-deps audit

help:
	@echo "make run    set up and serve the demo collectivité at http://127.0.0.1:5000"
	@echo "make test   set up and run the whole test suite"
	@echo "make test-fast  the quick loop: SQLite, no browser tests, stop at the first failure"
	@echo "make xss-corpora-check  the vendored XSS corpora match ../shared (XSS_UPSTREAM)"
	@echo "make lint   ruff"
	@echo "make audit  bandit + pip-audit (requirements.lock)"

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

# Developers: refresh the catalogue after changing strings, then translate en/messages.po.
extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o $(LOCALES)/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i $(LOCALES)/messages.pot -d $(LOCALES) -l en --no-fuzzy-matching

migrate: install
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) demo --if-empty
	$(FLASK) courses sync

run: demo
	@echo "Portail : http://127.0.0.1:5000"
	SESSION_COOKIE_SECURE=0 $(FLASK) serve --host 127.0.0.1 --port 5000

worker: install
	$(FLASK) worker

AXE_VERSION := 4.10.3
AXE := .cache/e2e/node_modules/axe-core/axe.min.js

# Browser tests: Playwright (Python) drives Debian's chromium; axe-core comes from npm.
e2e-deps: $(AXE)
$(AXE):
	@command -v npm >/dev/null || { echo "npm is needed for axe-core (browser tests)"; exit 1; }
	mkdir -p .cache/e2e
	npm install --silent --no-audit --no-fund --prefix .cache/e2e axe-core@$(AXE_VERSION)

test: install xss-corpora-check
	@command -v npm >/dev/null && $(MAKE) --no-print-directory e2e-deps || echo "npm missing: browser tests will be skipped"
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The quick loop while developing: SQLite (whatever DATABASE_URL says), jobs inline,
# no browser tests, stop at the first failure. `make test` still runs everything.
test-fast: install
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python -m pytest -q -x -m "not e2e" $(PYTEST_ARGS)

# The XSS corpora are vendored in tests/data/xss/ (the tests read only that copy).
# When the team's reference copy is beside the repository, the vendored one must
# match it byte for byte; on a fresh clone without it the check says "skipped".
XSS_UPSTREAM ?= ../shared/security/xss
XSS_VENDORED := tests/data/xss
XSS_FILES := payloads-html.txt event-handlers.txt markdown-vectors.txt
.PHONY: xss-corpora-check xss-corpora-refresh
xss-corpora-check:
	@if [ ! -d "$(XSS_UPSTREAM)" ]; then \
	  echo "XSS corpora: $(XSS_UPSTREAM) absent, sync check skipped"; exit 0; fi; \
	stale=""; \
	for f in $(XSS_FILES); do \
	  cmp -s "$(XSS_UPSTREAM)/$$f" "$(XSS_VENDORED)/$$f" || stale="$$stale $$f"; done; \
	cmp -s "$(XSS_UPSTREAM)/README.md" "$(XSS_VENDORED)/UPSTREAM-README.md" || stale="$$stale README.md"; \
	for f in "$(XSS_UPSTREAM)"/*.txt; do \
	  case " $(XSS_FILES) " in *" $$(basename "$$f") "*) ;; *) stale="$$stale $$(basename "$$f")(new)";; esac; done; \
	if [ -n "$$stale" ]; then \
	  echo "XSS corpora: $(XSS_VENDORED) differs from $(XSS_UPSTREAM):$$stale"; \
	  echo "run 'make xss-corpora-refresh' (new files: add them to XSS_FILES and tests/xss.py)"; exit 1; fi; \
	echo "XSS corpora: $(XSS_VENDORED) matches $(XSS_UPSTREAM)"

xss-corpora-refresh:
	@test -d "$(XSS_UPSTREAM)" || { echo "$(XSS_UPSTREAM) not found (set XSS_UPSTREAM=...)"; exit 1; }
	for f in $(XSS_FILES); do cp "$(XSS_UPSTREAM)/$$f" "$(XSS_VENDORED)/$$f"; done
	cp "$(XSS_UPSTREAM)/README.md" "$(XSS_VENDORED)/UPSTREAM-README.md"
	@git status --short $(XSS_VENDORED)

lint: install
	$(BIN)/ruff check .

# Security: bandit (any high-severity finding fails) and pip-audit on the locked
# runtime dependencies (tests/security/audit.py: fails on a known vulnerability,
# says plainly which packages could not be audited; AUDIT_STRICT=1 fails on those).
audit: install
	@echo "bandit: high-severity findings in change_portal, courses, forums"
	$(BIN)/bandit -q -r change_portal courses forums -lll
	@echo "bandit: no high-severity finding"
	$(BIN)/python -m tests.security.audit requirements.lock

clean-db:
	rm -f instance/change_portal.sqlite3*

# Benchmark (bench/README.md): PostgreSQL on 127.0.0.1:5432, Redis db 14, wrk.
BENCH_PG := postgresql://postgres@127.0.0.1:5432
BENCH_SQLITE := sqlite:////tmp/cp-bench/small.sqlite3
.PHONY: bench bench-small
bench-small: install
	$(BIN)/python -m bench.generate --scale small --database-url $(BENCH_SQLITE)
	$(BIN)/python -m bench.generate --scale small --database-url $(BENCH_PG)/change_portal_bench_small
	$(BIN)/python -m bench.run --scale small --dialect sqlite
	$(BIN)/python -m bench.run --scale small

bench: install
	@test -f bench/.state/postgresql-change_portal_bench.json || \
	  $(BIN)/python -m bench.generate --scale full --database-url $(BENCH_PG)/change_portal_bench
	$(BIN)/python -m bench.run --scale full
