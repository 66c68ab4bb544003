# Följa: build, demo and test entry points. GNU make; works as root on a fresh Debian with python3.11.
#
#   make demo          set everything up and run the product on SQLite with demo data
#   make personas      print the demo world's personas again (without rebuilding it)
#   make test          ruff + import graph + the whole suite in parallel on SQLite (no browser tests)
#   make test-pg       the same suite on PostgreSQL (DATABASE_URL below)
#   make drill         the backup and restore drill alone on PostgreSQL (also part of test-pg)
#   make test-browser  browser journeys in Chromium (tests_browser/, when it exists)
#   make test-deploy   the shipped nginx config in front of two gunicorn app servers (installs nginx)
#   make lint / fmt    ruff check + format check + import graph / format + autofix
#   make bench         benchmarks at municipality scale on PostgreSQL (bench/README.md)
#   make bench-notices the notices benchmarks (N1, N2) in a copy of the benchmark dataset
#   make bench-load    the load test: nginx + two app servers, the sustainable rate, then 4x (bench/README.md)
#   make makemessages  update the translation catalogues (folja/locale) from the source, then compile

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
RUFF := $(VENV)/bin/ruff
PYTEST := $(PY) -m pytest -p no:cacheprovider
MANAGE := $(PY) manage.py
# The stamp is newer than requirements.txt once that exact set is installed.
STAMP := $(VENV)/.requirements-installed
TEST_PG_URL ?= postgres://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=
DEMO_ADDR ?= 127.0.0.1:8000

# The SS 12000 spec (SIS copyright) is read from ../shared when it is there, never copied in:
# the SIS conformance tests use it and skip without it.
SS12000_SPEC ?= $(wildcard $(abspath ..)/shared/ss12000/ss12000v2.1.0.yaml)
export SS12000_SPEC

export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PIP_NO_INPUT := 1

.PHONY: help venv install messages makemessages js-deps demo personas test check-ruff check-imports test-sqlite test-pg test-browser test-deploy nginx lint fmt drill

help:
	@echo "make demo          set up and run Följa with demo data at http://$(DEMO_ADDR)/"
	@echo "make personas      print the demo personas and their test civic numbers again"
	@echo "make test          ruff + import graph + test suite on SQLite (parallel)"
	@echo "make test-pg       test suite on PostgreSQL ($(TEST_PG_URL))"
	@echo "make drill         backup and restore drill on PostgreSQL (local and S3 media)"
	@echo "make test-browser  browser journeys in Chromium (tests_browser/)"
	@echo "make test-deploy   deploy/nginx in front of two gunicorn app servers (installs Debian's nginx)"
	@echo "make lint | fmt    check style and the import graph | fix style"
	@echo "make bench         benchmarks as ratios to a reference page (bench/README.md; BENCH_SCALE=0.05 quick)"
	@echo "make bench-load    load test through nginx: sustainable rate, 4x burst, recovery (bench/README.md)"
	@echo "make makemessages  update the catalogues of all languages (then translate new strings: docs/languages.md)"

$(PY):
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: apt-get install python3.11 python3.11-venv" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV) || { echo "Creating the venv failed: apt-get install python3.11-venv" >&2; rm -rf $(VENV); exit 1; }

# pip's own output (hundreds of lines on a first install) goes to a log; only a failure shows its end.
$(STAMP): requirements.txt | $(PY)
	@echo "Installing the pinned Python packages (requirements.txt; log in $(VENV)/pip-install.log)"
	@$(PIP) install -q -r requirements.txt >$(VENV)/pip-install.log 2>&1 || { \
		tail -n 30 $(VENV)/pip-install.log >&2; echo "pip install failed: the whole log is in $(VENV)/pip-install.log" >&2; exit 1; }
	@touch $@

venv install: $(STAMP)

# Compile translations when there are any; Django falls back to the Swedish source text without them.
messages: $(STAMP)
	@if find folja -name '*.po' -path '*/locale/*' -print -quit 2>/dev/null | grep -q .; then \
		command -v msgfmt >/dev/null || { echo "msgfmt not found: apt-get install gettext" >&2; exit 1; }; \
		FOLJA_DEBUG=1 $(MANAGE) compilemessages --ignore=$(VENV) -v0; \
	fi

# Collect new and changed strings into the catalogues of every language in settings.LANGUAGES (sv
# keeps empty msgstr: the source is Swedish), then compile. Translate what is new in
# folja/locale/en/LC_MESSAGES/django.po and the other catalogues (docs/languages.md); the test suite
# fails while any entry is untranslated or fuzzy.
LANGS := sv en ar fa so uk fi
makemessages: $(STAMP)
	@command -v xgettext >/dev/null || { echo "xgettext not found: apt-get install gettext" >&2; exit 1; }
	FOLJA_DEBUG=1 $(MANAGE) makemessages $(foreach lang,$(LANGS),-l $(lang)) --ignore=$(VENV) --ignore=node_modules --ignore=var --ignore=tests_browser -v0
	$(MAKE) --no-print-directory messages

# Node tools used only by tests (the OpenID Provider of the sign-in tests); those tests skip
# without them, so a machine without npm still runs the rest. Scripts off: nothing needs them.
js-deps:
	@if [ -f package-lock.json ] && command -v npm >/dev/null; then \
		[ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --ignore-scripts; \
	fi

# Persona list for the terminal: role, name, civic number, what the persona shows. The persons and
# their numbers are fictitious; demo_world prints the full numbers only with FOLJA_DEBUG (the demo).
define PRINT_PERSONAS
import json, sys
document = json.load(sys.stdin)
print("\nPersonas to try. All persons and civic numbers are fictitious.\n")
for row in document.get("personas", []):
    number = row.get("civic_number") or ""
    civic = f"{number[:8]}-{number[8:]}" if len(number) == 12 else row.get("masked_civic_number") or ""
    print(f"  {row.get('role', ''):<9} {row.get('name', ''):<28} {civic:<14} {row.get('label', '')}")
print()
print("Sign in as a real user would: http://$(DEMO_ADDR)/login/, choose the role, then")
print("\"Test-legitimation\", and type the persona's civic number. Or pick a persona with")
print("one click at http://$(DEMO_ADDR)/dev/personas/.")
print("The guardian without e-ID: choose \"Kod med sms\" and type the mobile number in the list;")
print("the code is printed in this terminal (console SMS gateway).")
print()
endef
export PRINT_PERSONAS

demo personas: export FOLJA_DEBUG := 1
# The two-step sign-in works with Test-legitimation (fictitious civic numbers: demo_world --json).
demo personas: export FOLJA_TEST_EID_ENABLED := 1
# Links in e-mails (printed by the console e-mail backend) point at the demo server.
demo personas: export FOLJA_BASE_URL := http://$(DEMO_ADDR)
# SMS sign-in codes for guardians without e-ID are printed on the console (docs/sign-in.md).
demo personas: export FOLJA_SMS_BACKEND := folja.accounts.lower.gateways.ConsoleGateway
demo: $(STAMP) messages
	@mkdir -p "$${FOLJA_VAR_DIR:-var}"  # SQLite does not create the folder of its file
	@echo "Preparing the database and static files"
	@$(MANAGE) migrate --noinput -v0
	@$(MANAGE) collectstatic --noinput -v0
	@$(MANAGE) curriculum_load
	@set -euo pipefail; \
	personas=$$($(MANAGE) demo_world --reset --json); \
	printf '%s' "$$personas" | $(PY) -c "$$PRINT_PERSONAS"; \
	echo "Följa:           http://$(DEMO_ADDR)/"; \
	echo "Persona picker:  http://$(DEMO_ADDR)/dev/personas/"; \
	echo "Stop with Ctrl-C (the task worker stops with the server)."; echo; \
	$(MANAGE) db_worker --no-reload --interval 2 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null || true; wait $$worker 2>/dev/null || true' EXIT INT TERM; \
	$(MANAGE) runserver $(DEMO_ADDR)

# The personas of the demo world already built, again (demo_world without --reset rebuilds nothing).
personas: $(STAMP)
	@$(MANAGE) demo_world --json | $(PY) -c "$$PRINT_PERSONAS"

# Browser journeys are slow; they live in tests_browser/ and run only through test-browser.
# `make test` stops at a ruff error or an import cycle; `make -k test` (CI) runs the suite anyway and still fails.
test: check-ruff check-imports test-sqlite

check-ruff: $(STAMP)
	$(RUFF) check .

# The import graph between the apps under folja/ and its floors; fails on a cycle (docs/architecture.md).
check-imports: $(STAMP)
	$(PY) tools/import_graph.py

test-sqlite: $(STAMP) messages js-deps
	$(PYTEST) -n auto -m "not browser and not deploy" --ignore=tests_browser $(PYTEST_ARGS)

test-pg: $(STAMP) messages js-deps
	DATABASE_URL=$(TEST_PG_URL) $(PYTEST) -n auto -m "not browser and not deploy" --ignore=tests_browser $(PYTEST_ARGS)

# Back up a small world, wipe a scratch database and the storage, restore, verify: local and S3
# media (docs/operations.md, "Backup and restore"). test-pg, and so CI, runs it with everything else.
drill: $(STAMP) messages
	DATABASE_URL=$(TEST_PG_URL) $(PYTEST) folja/ops/tests/test_restore_drill.py $(PYTEST_ARGS)

test-browser: $(STAMP) messages js-deps
	@if [ -d tests_browser ]; then \
		$(PYTEST) -m browser tests_browser $(PYTEST_ARGS); \
	else \
		echo "No tests_browser/ folder yet: no browser tests to run."; \
	fi

# Debian's nginx for the deploy test, installed when missing (as root, with apt-get). The package's
# own service is not started (policy-rc.d): the test starts nginx itself on ports of its own.
nginx:
	@if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
		echo "nginx is not installed and cannot be installed here (needs root and apt-get): the deploy test will skip" >&2; exit 0; fi; \
	echo "Installing Debian's nginx for the deploy test"; \
	policy=no; if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; policy=yes; fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get install -y -qq --no-install-recommends nginx >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq --no-install-recommends nginx; } || \
		echo "Installing nginx failed: the deploy test will skip" >&2; \
	[ "$$policy" = no ] || rm -f /usr/sbin/policy-rc.d

# The shipped deploy/nginx/folja.conf (ports and paths replaced) in front of two gunicorn app
# servers sharing a throwaway PostgreSQL database and Redis (folja/ops/tests/test_deploy.py).
test-deploy: $(STAMP) messages nginx
	DEPLOY_TEST_PG_URL=$(TEST_PG_URL) $(PYTEST) -m deploy folja/ops/tests/test_deploy.py $(PYTEST_ARGS)

lint: $(STAMP) check-imports
	$(RUFF) check .
	$(RUFF) format --check .

fmt: $(STAMP)
	$(RUFF) format .
	$(RUFF) check --fix .

# Benchmarks (bench/README.md): builds or reuses the dataset in its own PostgreSQL database, runs
# gunicorn with production settings, drives it with wrk and prints one table. BENCH_SCALE=0.05 is
# a quick run; BENCH_ARGS="--with-sis" adds the SIS full sync (minutes).
BENCH_SCALE ?= 1
BENCH_ARGS ?=
.PHONY: bench bench-notices bench-load
# The load test (bench/README.md, "Load"): the shipped nginx in front of two app servers, on the
# benchmark dataset at BENCH_LOAD_SCALE in a database of its own (the run writes to it).
BENCH_LOAD_SCALE ?= 0.05
bench-load: $(STAMP) messages nginx
	@command -v wrk >/dev/null || apt-get install -y -q wrk || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
	$(PY) bench/load.py --scale $(BENCH_LOAD_SCALE) $(BENCH_ARGS)

# The notices benchmarks (N1, N2: bench/README.md) in a copy of the dataset.
bench-notices: $(STAMP)
	$(PY) bench/notices.py $(BENCH_ARGS)

bench: $(STAMP)
	@command -v wrk >/dev/null || apt-get install -y -q wrk || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
	BENCH_SCALE=$(BENCH_SCALE) $(PY) bench/run.py $(BENCH_ARGS)
