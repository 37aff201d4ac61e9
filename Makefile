# The two commands of the README: `make run` and `make test`. Both set up what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test lint sysdeps bench scorecard clean

# Re-install only when the dependencies change.
$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Besvar needs Python 3.11 or newer; $(PYTHON) is " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

sysdeps:
	@scripts/sysdeps.sh

# The tests' OpenID provider (oidc-provider, from the npm registry, at the versions of its package-lock.json).
OIDC := tests/oidc/node_modules/.installed
$(OIDC): tests/oidc/package.json tests/oidc/package-lock.json
	@command -v npm >/dev/null || { echo "make test needs Node.js and npm (Debian packages nodejs npm) for the sign-in tests' OpenID provider"; exit 1; }
	npm ci --prefix tests/oidc --no-audit --no-fund --loglevel=error
	@touch $@

run: sysdeps $(BIN)/.installed
	@mkdir -p var
	$(BIN)/besvar db upgrade
	$(BIN)/besvar bank import question_bank
	@$(BIN)/besvar user demo
	@# A self-signed demo seal for Københavns Kommune, so approved demo PDFs come out sealed.
	@test -f var/seal.env || $(BIN)/besvar seal test-cert kk-bif --out var/seal-kk-bif.p12 > var/seal.env
	@echo "Besvar: http://127.0.0.1:$(PORT)  (API docs: http://127.0.0.1:$(PORT)/docs)"
	@echo "Mail: the worker runs beside the server; set SMTP_URL (see README) to send, else mail waits in the outbox."
	@# The worker sends the outbox beside the server, and stops with it.
	export PUBLIC_URL="$${PUBLIC_URL:-http://127.0.0.1:$(PORT)}" && set -a && . var/seal.env && set +a && \
	  { $(BIN)/besvar worker & WORKER=$$!; trap 'kill $$WORKER 2>/dev/null' EXIT; $(BIN)/besvar serve --port $(PORT); }

# `make test FULL=1`: 200 schemathesis cases per API operation, ten times the property examples, 50 SIGKILLs per database.
# The tests run in one process per core (pytest-xdist; tests marked xdist_group share one); `make test WORKERS=0` runs them in this one, in order.
WORKERS ?= auto
test: sysdeps $(BIN)/.installed $(OIDC) lint
	$(if $(FULL),BESVAR_FUZZ=full) $(BIN)/python -m pytest -n $(WORKERS) --dist loadgroup

# Style, common mistakes and types (pyproject.toml [tool.ruff], [tool.mypy]); part of make test.
lint: $(BIN)/.installed
	$(BIN)/ruff check app
	$(BIN)/mypy app

bench: sysdeps $(BIN)/.installed
	$(BIN)/python bench/bank_import.py
	$(BIN)/python bench/render.py
	$(BIN)/python bench/export.py
	$(BIN)/python bench/suggest_quality.py
	$(BIN)/python bench/suggest_speed.py
	$(BIN)/python bench/load.py

# docs/reliability.md from fresh measurements (about 35 minutes; needs the PostgreSQL of TEST_DATABASE_URL).
scorecard: sysdeps $(BIN)/.installed
	$(BIN)/python bench/scorecard.py

clean:
	rm -rf $(VENV) var .pytest_cache
