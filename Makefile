# The README's two commands: `make run` and `make test`. Everything else is a step they share.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_MEMBERS ?= 60
export DJANGO_SETTINGS_MODULE ?= community.settings.local

.PHONY: run test install migrate seed lint format worker bench bench-forums bench-forums-large bench-load bench-metrics bench-plans bench-multihost screenshots clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Hearth needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install only when the dependency list or the lock moves.
$(VENV)/.installed: $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --no-input

# The KPI history is queued for the worker `make run` starts (the embedded broker keeps it in
# $(EMBEDDED_DIR) until then), so the site is up before the history is computed.
seed: migrate
	@if [ -z "$$REDIS_URL" ]; then mkdir -p "$(EMBEDDED_DIR)"; fi
	EMBEDDED_DIR="$(EMBEDDED_DIR)" CELERY_TASK_ALWAYS_EAGER="$${CELERY_TASK_ALWAYS_EAGER:-false}" \
		$(BIN)/python manage.py seed_demo --if-empty --members $(DEMO_MEMBERS)

# Links in e-mails (SITE_URL) point where this serves, unless SITE_URL is set on the command
# line, in the environment or in .env.
ifeq ($(origin SITE_URL),undefined)
ifeq ($(shell grep -sE '^(export +)?SITE_URL=' .env),)
run: export SITE_URL = http://$(HOST):$(PORT)
endif
endif

# A Celery worker with beat runs beside the web server: on Redis when REDIS_URL is set, else on
# the embedded broker (files under EMBEDDED_DIR), with its output in $(EMBEDDED_DIR)/worker.log.
# Tasks the web server queues go to that worker unless CELERY_TASK_ALWAYS_EAGER=true is set.
EMBEDDED_DIR ?= var
WORKER_ARGS := worker --beat --scheduler django --pidfile= -Q default,email --loglevel INFO

run: seed
	@$(BIN)/python manage.py demo_logins --base-url http://$(HOST):$(PORT)
	@if [ -n "$$REDIS_URL" ]; then \
		echo "REDIS_URL is set: starting a Celery worker with beat beside the web server"; \
		$(BIN)/celery -A community $(WORKER_ARGS) & \
	else \
		mkdir -p "$(EMBEDDED_DIR)"; \
		echo "Starting a Celery worker with beat beside the web server (embedded broker);"; \
		echo "its output goes to $(EMBEDDED_DIR)/worker.log (tail -f $(EMBEDDED_DIR)/worker.log)"; \
		EMBEDDED_DIR="$(EMBEDDED_DIR)" CELERY_TASK_ALWAYS_EAGER=false \
			$(BIN)/celery -A community $(WORKER_ARGS) --pool solo \
			--logfile "$(EMBEDDED_DIR)/worker.log" >>"$(EMBEDDED_DIR)/worker.log" 2>&1 & \
		export EMBEDDED_DIR="$(EMBEDDED_DIR)" CELERY_TASK_ALWAYS_EAGER="$${CELERY_TASK_ALWAYS_EAGER:-false}"; \
	fi; \
	trap 'trap - INT TERM; kill 0' INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	DJANGO_SETTINGS_MODULE=community.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=community.settings.test $(BIN)/pytest $(PYTEST_ARGS)

# The README's pictures: Chromium through a freshly seeded demo, as each role, desktop and phone.
screenshots: install
	$(BIN)/python -m demo.screenshots $(SCREENSHOTS_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: install
	CELERY_TASK_ALWAYS_EAGER=false $(BIN)/celery -A community $(WORKER_ARGS)

clean:
	rm -rf $(VENV) *.egg-info staticfiles

# Member directory and profile pages at scale on PostgreSQL + gunicorn + wrk (docs/performance.md).
# Needs PostgreSQL and Redis on 127.0.0.1; takes about 10 minutes for 100,000 members.
BENCH_MEMBERS ?= 100000
bench: install
	bash bench/run_members.sh --members $(BENCH_MEMBERS)

# Forum pages on the peers' data set (2,000 members, 200,000 posts) next to a bare-page ceiling
# and Spirit, on PostgreSQL + gunicorn + wrk (docs/performance.md). Reuses the seeded database
# hearth_bench_forums when it is there (BENCH_FORUMS_ARGS=--reseed to start again): about
# 6 minutes, plus 3 for the first seed and 1 to install and seed Spirit (bench/peers/) the
# first time.
BENCH_FORUMS_ARGS ?=
bench-forums: install
	bash bench/run_forums.sh $(BENCH_FORUMS_ARGS)

# The same pages at 100,000 members and 1,000,000 posts (database hearth_bench_forums_large).
bench-forums-large: install
	bash bench/run_forums.sh --large $(BENCH_FORUMS_ARGS)

# A mixed community morning on the same database (never seeded here): 200 people, 70 % signed
# in, reading and writing through the real pages for 60 s, against gunicorn and a Celery worker
# (docs/performance.md, "Mixed load"). BENCH_LOAD_ARGS="--people 50 --duration 20" for less.
BENCH_LOAD_ARGS ?=
bench-load: install
	bash bench/run_load.sh $(BENCH_LOAD_ARGS)

# The nightly KPI snapshot and a year's backfill (--large: 100,000 members, 1,000,000 posts).
bench-metrics: install
	bash bench/run_metrics.sh $(BENCH_METRICS_ARGS)

bench-plans: install
	bash bench/run_plans.sh $(BENCH_PLANS_ARGS)

# Two gunicorn instances, two Celery workers and one beat on one database and one Redis,
# checked to behave as one site: sessions, caches, notifications, e-mail sent once, the
# replica alias, scheduled reports made once (docs/deployment.md, "Beyond one machine").
# Seeds and drops its own database hearth_bench_multihost; a few minutes.
bench-multihost: install
	bash bench/run_multihost.sh $(BENCH_MULTIHOST_ARGS)
