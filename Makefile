# Everything set-up needs, from a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Email links point at the server `make run` starts, unless told otherwise.
PUBLIC_URL ?= http://127.0.0.1:$(PORT)
PYTEST_ARGS ?=

.PHONY: run example test lint format schema test-reliability bench migrate clean oidc-key messages catalogues

# The locked dependencies (docs/dependencies.md): make installs exactly
# requirements-dev.lock, every file checked against its hash, and nothing else;
# `make lock` re-resolves it from pyproject.toml, `make upgrade` to the newest
# versions allowed. requirements.lock is the production set, within the same pins.
LOCK := requirements-dev.lock
PIP := $(BIN)/python -m pip --disable-pip-version-check
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/python -m piptools compile --quiet \
  --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links

# Reinstalls only when the lock or pyproject.toml changes, so a second `make run` is fast.
# A lock edited by hand fails its hashes; a pyproject.toml the lock no longer
# satisfies fails `pip check`: both stop here with "run make lock".
$(VENV)/.installed: $(LOCK) pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/python -m piptools sync --quiet --pip-args "--require-hashes --no-deps" $(LOCK)
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	$(PIP) check || (echo "pyproject.toml asks for what $(LOCK) does not hold: run make lock" >&2; exit 1)
	touch $@

.PHONY: lock upgrade audit package
# Needs only pip-tools from the current lock: a pyproject.toml that the lock
# no longer satisfies (a new dependency) is what it is run for.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -c "import piptools" 2>/dev/null || $(PIP) install --quiet --require-hashes --no-deps -r $(LOCK)
	$(PIP_COMPILE) $(LOCK_ARGS) -o requirements.lock pyproject.toml
	$(PIP_COMPILE) $(LOCK_ARGS) --extra dev --extra bench -c requirements.lock -o $(LOCK) pyproject.toml

# The newest versions pyproject.toml allows, then the whole suite on them: an
# upgrade is a commit of the two lock files that CI has passed, never a surprise.
upgrade:
	$(MAKE) lock LOCK_ARGS=--upgrade
	$(MAKE) $(VENV)/.installed
	bash .ci/run

# Known vulnerabilities in the locked versions (PyPI's advisory data); one
# listed with its reason in .ci/pip-audit-ignore is accepted (docs/dependencies.md).
audit: $(VENV)/.installed
	$(BIN)/python .ci/audit_lock.py $(LOCK) .ci/pip-audit-ignore

# The wheel, installed outside the checkout, checked and served (.ci/package_check.sh).
package: $(VENV)/.installed messages
	bash .ci/package_check.sh

migrate: $(VENV)/.installed messages
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput

# The service's own translations (gql_auth/locale): each .po compiled to the .mo
# Django reads, by GNU gettext's msgfmt (Debian's gettext, installed if missing).
# The .mo is committed too, so that a wheel or a checkout without gettext speaks
# French (tests/test_catalogues.py holds it to its .po).
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard gql_auth/locale/*/LC_MESSAGES/*.po))
messages: $(CATALOGUES)

# After marking new messages for translation: merge them into each catalogue
# (the code's and templates' into django.po, the pages' scripts' into djangojs.po),
# then translate what comes out empty or fuzzy, then `make messages`.
MARKED_IN := --no-location --no-obsolete $(foreach folder,.venv node_modules examples bench tests docs staticfiles build graphiql,--ignore=$(folder))
catalogues: $(VENV)/.installed
	DEBUG=1 $(BIN)/python manage.py makemessages --all $(MARKED_IN)
	DEBUG=1 $(BIN)/python manage.py makemessages --all -d djangojs $(MARKED_IN)

%.mo: %.po
	command -v msgfmt >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null)
	msgfmt --check -o $@ $<

# Development lists the example frontend's origin (make example) unless told otherwise.
EXAMPLE_ORIGIN ?= http://127.0.0.1:5173,http://localhost:5173

run: migrate
	DEBUG=$${DEBUG:-1} JOBS_IN_PROCESS=$${JOBS_IN_PROCESS:-1} PUBLIC_URL=$(PUBLIC_URL) CORS_ALLOWED_ORIGINS=$${CORS_ALLOWED_ORIGINS-$(EXAMPLE_ORIGIN)} \
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

test: $(VENV)/.installed messages
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Races, outages and load against real gunicorn processes on PostgreSQL
# (RELIABILITY_PG_URL, default postgres://postgres@127.0.0.1:5432).
test-reliability: $(VENV)/.installed messages
	$(BIN)/python -m pytest -m reliability tests/reliability $(PYTEST_ARGS)

# The service against its ceiling and dj-rest-auth under gunicorn and wrk, and by
# callgrind's instruction counts: prints a table, writes bench/results/latest.json
# (docs/performance.md). BENCH_ARGS="--instructions-only" and others: bench/run.py --help.
bench: $(VENV)/.installed
	command -v wrk >/dev/null && command -v valgrind >/dev/null || (apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk valgrind >/dev/null)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
