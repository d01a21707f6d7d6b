# Two commands for a newcomer: `make run` and `make test`. Everything else they need
# (virtualenv, migrations, demo ledger, trained model) is built on the way.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
RASA    := $(VENV)/bin/rasa
STAMP   := $(VENV)/.installed-$(shell cat requirements.lock requirements-dev.txt 2>/dev/null | sha1sum | cut -c1-12)
MODEL   := models/collections.tar.gz
TRAIN_INPUTS := config.yml domain.yml $(wildcard data/*.yml data/nlu/*.yml)

export DATABASE_URL ?= sqlite:///$(CURDIR)/var/bot.db
# endpoints.yml reads it; the action server listens on ACTIONS_PORT (default 5055).
export ACTION_SERVER_URL ?= http://127.0.0.1:$(or $(ACTIONS_PORT),5055)/webhook
export PYTHONPATH := $(CURDIR)
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 3
export RASA_TELEMETRY_ENABLED := false
# The plain REST channel (any sender id) for run/demo/test; off in production by default.
export ENABLE_REST_CHANNEL ?= 1

# Python 3.10 (Rasa 3.6 does not support newer): PYTHON310, then pyenv, then PATH.
PYTHON310 ?= $(shell (ls -d $$(pyenv root 2>/dev/null)/versions/3.10.*/bin/python3.10 2>/dev/null; command -v python3.10) | head -1)

.PHONY: help install db demo-data train run cluster demo validate test test-unit test-pg test-stories test-e2e test-cluster crossval bench lint clean nps-eval nlu-heldout explore

help:
	@echo "make run       install what is missing, migrate, load the demo ledger if empty, train, start"
	@echo "make test      everything: unit tests (SQLite and PostgreSQL if reachable), data validation,"
	@echo "               conversation tests, end-to-end tests with the real servers"
	@echo "make cluster   the production shape on this machine: PostgreSQL, Redis, nginx on 5005,"
	@echo "               2 Rasa replicas, 2 action servers, the outreach worker (docs/deploy.md)"
	@echo "make demo      the same as run, on a fresh demo database (var/demo.db)"
	@echo "make crossval  NLU cross-validation; writes the table into README.md"
	@echo "make bench     benchmarks (import, NPS report, turn latency, make run vs make cluster)"
	@echo "make lint      ruff and mypy (part of make test)"
	@echo "make nps-eval  NPS theme purity and polarity agreement on the labelled answers"
	@echo "make nlu-heldout  score the trained model on the held-out long and colloquial messages"
	@echo "make explore N=20000 [SEED=1]  generated conversations checked against the dialogue invariants"

$(STAMP): requirements.lock requirements-dev.txt
	@if [ -z "$(PYTHON310)" ]; then echo "error: Python 3.10 not found (Rasa 3.6 needs it). Install it with pyenv or set PYTHON310=/path/to/python3.10" >&2; exit 1; fi
	@test -x $(PY) || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==24.3.1" "setuptools==70.3.0" "wheel==0.45.1"
	$(PY) -m pip install --quiet -r requirements.lock -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*; touch $@

install: $(STAMP)

db: install
	$(PY) -m bot db upgrade

demo-data: db
	@if [ "$${DEMO_DATA:-1}" != "0" ]; then $(PY) -m bot demo-data --if-empty; fi

$(MODEL): $(STAMP) $(TRAIN_INPUTS)
	$(RASA) train --fixed-model-name collections --out models --quiet
	@touch $@

train: $(MODEL)

run: demo-data train
	@bash scripts/serve.sh

# The production profile (docs/deploy.md); it migrates and loads the demo ledger itself,
# on its own PostgreSQL unless DATABASE_URL names one.
cluster: install train
	@bash scripts/cluster.sh

# A separate, fresh demo database with the demo ledger plus simulated history, so the
# dashboard and the NPS report have something to show.
DEMO_DB := sqlite:///$(CURDIR)/var/demo.db
demo: install
	@rm -f var/demo.db var/demo.db-wal var/demo.db-shm
	DATABASE_URL=$(DEMO_DB) $(PY) -m bot db upgrade
	DATABASE_URL=$(DEMO_DB) $(PY) -m bot demo-data
	DATABASE_URL=$(DEMO_DB) $(PY) -m bot simulate --debtors 300 --days 120 --seed 7
	$(MAKE) run DATABASE_URL=$(DEMO_DB) DEMO_DATA=1

validate: install
	$(RASA) data validate --quiet

test-unit: install
	$(PY) -m pytest tests -q -m "not e2e and not cluster" -p no:cacheprovider

# The same database tests on PostgreSQL when TEST_DATABASE_URL points at one (.ci/run sets it).
test-pg: install
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  $(PY) -m pytest tests -q -m "not e2e and not browser and not cluster" -p no:cacheprovider; \
	else echo "TEST_DATABASE_URL not set: PostgreSQL run skipped"; fi

test-stories: train
	$(RASA) test core --stories tests/stories --model $(MODEL) --fail-on-prediction-errors --out results/stories --quiet

test-e2e: train
	$(PY) -m pytest tests -q -m "e2e" -p no:cacheprovider

# The whole cluster (scripts/cluster.sh) on free ports, with faults injected.
test-cluster: train
	$(PY) -m pytest tests/cluster -q -m "cluster" -p no:cacheprovider -rs

# Ends with what could not run on this machine and the one command that installs it.
test: lint validate test-unit test-pg test-stories test-e2e test-cluster
	@bash scripts/skipped.sh

crossval: install
	rm -rf results/crossval
	$(RASA) test nlu --nlu data/nlu --config config.yml --cross-validation --folds 5 --successes --out results/crossval --quiet
	$(PY) scripts/crossval_report.py results/crossval README.md

bench: train
	$(PY) bench/bench_import.py
	$(PY) bench/bench_nps.py
	$(PY) bench/bench_propensity.py
	$(PY) bench/bench_turns.py
	$(PY) bench/bench_cluster.py

# Intent accuracy, safety-intent recall/precision and entity recall on tests/nlu/heldout_*.yml.
nlu-heldout: train
	$(PY) scripts/nlu_heldout.py

# A long conversation-explorer run: make explore N=20000 [SEED=123]
explore: train
	$(PY) scripts/explore.py $(or $(N),1000) $(SEED)

# Theme purity and polarity agreement on the hand-labelled answers in tests/fixtures/nps_eval/.
nps-eval: install
	$(PY) scripts/nps_eval.py

lint: install
	$(VENV)/bin/ruff check bot actions tests scripts bench
	$(VENV)/bin/mypy  # bot and actions, configured in pyproject.toml

clean:
	rm -rf models results .pytest_cache
