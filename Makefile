# The two commands of the README: `make run` and `make test`. Everything else is a step of theirs.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PYTHON ?= python3
DEV_ENV := DEBUG=1
# Two cores on these machines: two test processes keep the suite well under its time limit.
PYTEST_WORKERS ?= 2

.PHONY: run test install system-deps chromium tools redis messages lint format worker bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e ".[dev]"
	touch $@

install: system-deps $(VENV)/.installed messages

# Debian packages the app needs: gettext to compile translations, pango and DejaVu fonts for
# the PDF exports (WeasyPrint). As root on Debian they are installed here; elsewhere the
# message says exactly what to install.
SYSTEM_PACKAGES := gettext libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
system-deps:
	@missing=""; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	for lib in libpango-1.0.so.0 libpangoft2-1.0.so.0; do \
	  ldconfig -p 2>/dev/null | grep -q "$$lib" || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	done; \
	[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$$missing fonts-dejavu-core"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES); \
	  else echo "Please install: $(SYSTEM_PACKAGES) (e.g. sudo apt-get install $(SYSTEM_PACKAGES))"; exit 1; fi; \
	fi

# Like every development command, with DEBUG=1: with DEBUG off the settings refuse to load
# without a production SECRET_KEY.
messages: $(VENV)/.installed
	$(DEV_ENV) $(PY) manage.py compilemessages --ignore=.venv -v0

# Browser tests use Debian's Chromium where present; elsewhere Playwright's own build.
chromium: $(VENV)/.installed
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else $(VENV)/bin/playwright install chromium; fi

# The W3C Nu HTML checker (vnu-jar from npm) for tests/site/test_html_validity.py, kept in
# .tools/ (ignored by git). It needs Java and npm; as root on Debian they are installed here.
VNU_JAR := .tools/node_modules/vnu-jar/build/dist/vnu.jar
tools: $(VNU_JAR)
$(VNU_JAR):
	@missing=""; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "Please install:$$missing (e.g. sudo apt-get install$$missing)"; exit 1; fi; \
	fi
	mkdir -p .tools
	cd .tools && npm install --no-audit --no-fund --silent vnu-jar
	test -f $@ && touch $@

# Redis for the scale-out tests (tests/scaleout: two app servers share one cache, as in a
# deployment of several servers). As root on Debian it is installed here; wherever it is
# installed but not running, it is started (no persistence: it holds only a test cache).
# With SCALEOUT_REDIS_URL set, the tests use that Redis and this target leaves it alone.
redis:
	@if [ -n "$$SCALEOUT_REDIS_URL" ]; then exit 0; fi; \
	if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; \
	  else echo "Please install redis-server (e.g. sudo apt-get install redis-server)"; exit 1; fi; \
	fi; \
	if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then \
	  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save "" --appendonly no \
	    --dir "$${TMPDIR:-/tmp}" >/dev/null; \
	  for _ in $$(seq 1 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && exit 0; sleep 0.1; done; \
	  echo "Redis does not answer on 127.0.0.1:6379"; exit 1; \
	fi

run: install
	$(DEV_ENV) $(PY) manage.py migrate --noinput -v0
	$(DEV_ENV) $(PY) manage.py load_demo
	@echo "Serving on http://127.0.0.1:8000/ with a mail worker beside it (mail is printed here)"
	@trap 'kill 0' EXIT INT TERM; \
	  $(DEV_ENV) $(PY) manage.py db_worker --interval 1 --no-reload & \
	  $(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

# The background worker alone (production: run it under a process supervisor).
worker: install
	$(PY) manage.py db_worker

test: install chromium tools redis
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Load benchmark against PostgreSQL (BENCH_DATABASE_URL, default jahrestreffen_bench on
# 127.0.0.1, dropped and recreated); results in bench/results.md. BENCH_ARGS e.g. --sweep.
$(VENV)/.bench-installed: $(VENV)/.installed pyproject.toml
	$(PIP) install -q -e ".[dev,bench]"
	touch $@

bench: install $(VENV)/.bench-installed
	@if ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; \
	  else echo "Please install wrk, e.g. 'sudo apt-get install wrk'"; exit 1; fi; \
	fi
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 bench/out .tools
