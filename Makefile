# The CHILD portal's two commands:
#   make run   - set everything up and run the portal (web + worker + beat) with demo data
#   make test  - set everything up and run ruff and the whole test suite
# Both need nothing but Python 3.11; everything else is installed into .venv.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
# Test processes (pytest-xdist): one per core by default; PYTEST_WORKERS=0 runs the suite in one process.
PYTEST_WORKERS ?= auto

.PHONY: run test lint migrate seed clean system-packages vnu-install vnu

# Debian packages SAML sign-in needs: xmlsec1 (the test IdP signs with it) and the libraries python3-saml's
# xmlsec binding builds against where no wheel fits; dovecot-imapd, the real IMAP server the reply-by-email
# tests run on loopback. Installed only when missing (apt-get, as root).
SYSTEM_PACKAGES := xmlsec1 libxmlsec1-dev libxmlsec1-openssl pkg-config dovecot-imapd

system-packages:
	@if ! command -v xmlsec1 >/dev/null 2>&1 || ! pkg-config --exists xmlsec1-openssl 2>/dev/null \
	    || ! [ -x /usr/sbin/dovecot ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing $(SYSTEM_PACKAGES)"; \
	    (apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null 2>&1 || \
	     (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null)); \
	  else \
	    echo "Note: SAML sign-in tests need these Debian packages: $(SYSTEM_PACKAGES)" >&2; \
	  fi; \
	fi

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (set PYTHON=/path/to/python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: requirements.txt | $(BIN)/python system-packages
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python system-packages
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.installed-run

run: export DEBUG ?= 1
run: $(VENV)/.installed-run
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  The CHILD portal is starting on http://127.0.0.1:8000/"
	@echo "  Demo logins (password child-demo-pass): sponsor@demo.example, facilitator@demo.example,"
	@echo "  member@demo.example, newcomer@demo.example, outsider@demo.example"
	@echo "  Emails are printed below by the worker. Ctrl-C stops web, worker and beat."
	@echo ""
	$(BIN)/honcho start -f Procfile

# The Nu HTML Checker (npm's vnu-jar, pinned in tests/support/package-lock.json) runs on Java; installed
# when missing. --ignore-scripts: its postinstall would download a Java of its own.
VNU_JAR := tests/support/node_modules/vnu-jar/build/dist/vnu.jar

vnu-install:
	@if [ ! -f $(VNU_JAR) ]; then \
	  if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/support --ignore-scripts --no-audit --no-fund; \
	  else echo "Note: the HTML check needs npm (apt-get install -y npm) and Java (default-jre-headless)" >&2; fi; \
	fi

# The HTML check alone: every main page, for each demo persona, through the Nu HTML Checker.
vnu: $(VENV)/.installed-dev vnu-install
	$(BIN)/python -m pytest -p no:randomly tests/childsys/test_html_valid.py

test: $(VENV)/.installed-dev system-packages vnu-install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile --durations=10 $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) var staticfiles
