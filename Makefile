# Everything set-up needs, from a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Email links point at the server `make run` starts, unless told otherwise.
PUBLIC_URL ?= http://127.0.0.1:$(PORT)
PYTEST_ARGS ?=

.PHONY: run example test lint format schema test-reliability bench migrate clean oidc-key

# Reinstalls only when pyproject.toml changes, so a second `make run` is fast.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

migrate: $(VENV)/.installed
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput

# Development lists the example frontend's origin (make example) unless told otherwise.
EXAMPLE_ORIGIN ?= http://127.0.0.1:5173,http://localhost:5173

run: migrate
	DEBUG=$${DEBUG:-1} PUBLIC_URL=$(PUBLIC_URL) CORS_ALLOWED_ORIGINS=$${CORS_ALLOWED_ORIGINS-$(EXAMPLE_ORIGIN)} \
	  $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The example browser app (examples/frontend) on its own origin, against `make run`.
example:
	cd examples/frontend && npm ci --no-audit --no-fund && npm start

# A new signing key for the OpenID provider (OIDC_PRIVATE_KEY), printed as PEM.
oidc-key: $(VENV)/.installed
	@$(BIN)/python -m provider.keys

# ruff: lint and format, configured in pyproject.toml; `make format` rewrites.
lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The served schema, as SDL, for review and for clients' code generators.
schema: $(VENV)/.installed
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py export_schema schema.schema:schema --path schema.graphql

test: $(VENV)/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Races, outages and load against real gunicorn processes on PostgreSQL
# (RELIABILITY_PG_URL, default postgres://postgres@127.0.0.1:5432).
test-reliability: $(VENV)/.installed
	$(BIN)/python -m pytest -m reliability tests/reliability $(PYTEST_ARGS)

# The service against its ceiling and dj-rest-auth under gunicorn and wrk, and by
# callgrind's instruction counts: prints a table, writes bench/results/latest.json
# (docs/performance.md). BENCH_ARGS="--instructions-only" and others: bench/run.py --help.
$(VENV)/.bench-installed: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	touch $@

bench: $(VENV)/.bench-installed
	command -v wrk >/dev/null && command -v valgrind >/dev/null || (apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk valgrind >/dev/null)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
