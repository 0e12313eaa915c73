# Kizuna: `make demo` runs it, `make test` checks it. Needs only Python 3.11+, make and git.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/kizuna
PYTEST_ARGS ?=

.PHONY: demo install dev test test-sqlite test-postgres lint migrations-check browser messages bench clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("Kizuna needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	# Test data only: lifetimes ships the CDNOW sample the CLV tests check against (0101).
	$(BIN)/pip install --quiet --no-deps lifetimes==0.11.3
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

dev: $(VENV)/.installed-dev

## make demo: install, create/migrate var/kizuna.sqlite3, load the demo company, print the login,
## serve on 127.0.0.1:8000
demo: install
	$(BIN)/kizuna setup --demo
	$(BIN)/kizuna serve --with-worker

lint: dev
	$(BIN)/ruff check src tests benchmarks

migrations-check: dev
	KIZUNA_DATA_DIR=$$(mktemp -d) $(BIN)/kizuna makemigrations --check --dry-run

# Browser tests drive Debian's chromium; install it from Debian if it is missing (never a
# downloaded browser build).
browser:
	@./scripts/ensure-chromium

## make test: lint, migrations check, the whole suite on SQLite, then on PostgreSQL if it answers
test: dev lint migrations-check browser test-sqlite test-postgres

export KIZUNA_REQUIRE_TEST_DATA = 1

test-sqlite: dev
	@echo "== tests on SQLite =="
	@./scripts/pytest-nonempty $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: dev
	@if $(BIN)/python scripts/port-open 127.0.0.1 5432; then \
		echo "== tests on PostgreSQL ($(PG_URL)) =="; \
		DATABASE_URL=$(PG_URL) ./scripts/pytest-nonempty $(BIN)/pytest $(PYTEST_ARGS); \
	else \
		echo "== PostgreSQL not reachable on 127.0.0.1:5432: PostgreSQL run skipped =="; \
	fi

# Translations: needs GNU gettext (developers only; the compiled .mo files are committed).
messages: dev
	cd src/kizuna && ../../$(BIN)/kizuna makemessages -l ja --no-obsolete --no-location
	cd src/kizuna && ../../$(BIN)/kizuna compilemessages

# Benchmarks run Kizuna and its peers (benchmarks/requirements.txt) in their own venv, so the
# peers never become dependencies of the product.
BENCH := .venv-bench
$(BENCH)/.installed: pyproject.toml benchmarks/requirements.txt
	$(PYTHON) -m venv $(BENCH)
	$(BENCH)/bin/pip install --quiet -e . -r benchmarks/requirements.txt
	touch $@

bench: $(BENCH)/.installed
	@for script in benchmarks/*.py; do case $$script in */_*) continue;; esac; echo "== $$script"; $(BENCH)/bin/python $$script || exit 1; done

clean:
	rm -rf $(VENV) $(BENCH) .pytest_cache .ruff_cache .hypothesis test-artifacts
