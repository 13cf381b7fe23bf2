# Civitas: `make` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The test suite runs the database-facing tests on PostgreSQL as well as SQLite.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/civitas
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help
help: ## Show this help
	@grep -hE '^[a-z][a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==0.13.9

$(VENV)/.installed: $(BIN)/uv requirements.lock pyproject.toml
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: install
install: $(VENV)/.installed assets messages letter-libraries ## Create the virtualenv and build everything

.PHONY: letter-libraries
letter-libraries: ## Install the Debian libraries and fonts that letters' PDFs need, if missing
	@tools/install-letter-libraries.sh

.PHONY: assets
assets: node_modules/.installed ## Build GOV.UK Frontend into static files
	node frontend/build.mjs

.PHONY: messages
messages: $(VENV)/.installed ## Compile the Welsh translations
	@command -v msgfmt >/dev/null || $(MAKE) system-packages
	cd src/civitas && ../../$(BIN)/civitas compilemessages --verbosity 0

.PHONY: system-packages
system-packages: ## Install the Debian packages the tests and benchmarks use
	@missing=""; \
	for pair in chromium:chromium msgfmt:gettext wrk:wrk; do \
		command -v $${pair%%:*} >/dev/null || missing="$$missing $${pair#*:}"; \
	done; \
	command -v go >/dev/null || missing="$$missing golang-go"; \
	[ -d /usr/share/gocode/src/golang.org/x/mod/sumdb/tlog ] || missing="$$missing golang-golang-x-mod-dev"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing fonts-dejavu-core >/dev/null; \
	fi

.PHONY: migrate
migrate: $(VENV)/.installed
	$(BIN)/civitas migrate --verbosity 0

.PHONY: demo
demo: install ## Set up the demo and serve it on http://127.0.0.1:8000 with a worker
	@# A demo database made afresh starts a new transparency log: forget the checkpoint
	@# saved for the one it replaces, or the platform would take it for a rollback.
	@if [ -z "$$DATABASE_URL" ] && [ ! -e var/civitas.sqlite3 ]; then \
		$(BIN)/civitas ledger reset-state --database-was-recreated; fi
	$(BIN)/civitas migrate --verbosity 0
	$(BIN)/civitas demo setup
	@echo
	@echo "  Civitas is starting on http://$(HOST):$(PORT)/"
	@$(BIN)/civitas demo services --base http://$(HOST):$(PORT)
	@echo "  Staff:      http://$(HOST):$(PORT)/staff/  (each council sees only its own cases and emails)"
	@echo "    caseworker@example-borough.gov.uk / demo-caseworker-password"
	@echo "    caseworker@sample-district.gov.uk / demo-caseworker-password"
	@echo "    support@shared-services.example / demo-administrator-password  (works for both, one at a time)"
	@echo "    security code: run '$(BIN)/civitas demo code EMAIL' (or add TOTP secret JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP to an authenticator app for the first)"
	@echo "  Sent emails: http://$(HOST):$(PORT)/staff/messages/ (and var/mail/)"
	@echo "  Sent text messages: var/sms/firetext/ and var/sms/mmg/ (sandbox gateways; see docs/operations.md, Text messages)"
	@echo "  Payments: the permit's fee is paid on the local payment sandbox (http://127.0.0.1:8300)"
	@echo "    card 4444 3333 2222 1111 succeeds, 4000 0000 0000 0002 is declined, 4000 0000 0000 3220 asks for 3-D Secure"
	@echo "    finance@example-borough.gov.uk / demo-finance-password: refunds and reconciliation at /staff/payments/"
	@echo "    owner@example-borough.gov.uk / demo-service-owner-password: performance and forecasts at /staff/performance/ (owner@sample-district.gov.uk for the other council)"
	@echo "  Sign in through the local identity provider: http://$(HOST):$(PORT)/account/sign-in/identity-provider/"
	@echo "    citizen@example.com / demo-citizen-password (identity proved), unproved@example.com (not)"
	@echo
	HOST=$(HOST) PORT=$(PORT) CITIZEN_OIDC_ISSUER=http://127.0.0.1:8100 CITIZEN_OIDC_CLIENT_ID=civitas-demo \
	  CITIZEN_OIDC_CLIENT_KEY_FILE=var/identity-provider/client-key.pem \
	  $(BIN)/honcho --procfile Procfile start

.PHONY: test
test: install system-packages ## Run every test on SQLite, then on PostgreSQL
	$(BIN)/pytest -n auto --dist loadgroup -q
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest -n auto --dist loadgroup -q

.PHONY: lint
lint: $(VENV)/.installed ## Ruff, import contracts, mypy and a check that migrations are up to date
	$(BIN)/ruff check src tests bench tools conftest.py
	$(BIN)/ruff format --check src tests bench tools conftest.py
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/civitas makemigrations --check --dry-run --verbosity 1

.PHONY: format
format: $(VENV)/.installed ## Fix what ruff can fix
	$(BIN)/ruff check --fix src tests bench tools conftest.py
	$(BIN)/ruff format src tests bench tools conftest.py

.PHONY: bench
bench: install system-packages ## Benchmarks: ratios to floors measured in the same run
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements-bench.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@rm -f $(VENV)/.installed  # the bench extras differ from the test lock
	$(BIN)/python -m bench

.PHONY: lock
lock: $(BIN)/uv ## Re-resolve the pinned dependencies
	$(BIN)/uv pip compile --quiet pyproject.toml --extra dev -o requirements.lock --python-version 3.11
	$(BIN)/uv pip compile --quiet pyproject.toml --extra dev --extra bench -o requirements-bench.lock --python-version 3.11

.PHONY: clean
clean: ## Remove the virtualenv, built assets and local data
	rm -rf $(VENV) node_modules var src/civitas/platform/static/govuk
