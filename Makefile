# Set-up is part of both commands: a fresh clone needs only `make run` or `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell sha256sum requirements.lock | cut -c1-12)
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export DVC_NO_ANALYTICS := 1

.PHONY: setup run test bench clean-outputs

$(STAMP): requirements.lock
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP)

## every stage over seeds/ into outputs/ (dvc repro reruns only what changed)
run: setup
	dvc repro

## the test suite, accuracy gate included
test: setup
	sh scripts/install_chromium.sh
	$(PY) -m pytest -q

## throughput and memory figures; the property test of `run` at its longer profile
bench: setup
	$(PY) -m pipeline bench
	PIPELINE_PROPERTY_PROFILE=bench $(PY) -m pytest -q -p no:cacheprovider tests/test_run_properties.py
