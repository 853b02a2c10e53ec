# The two commands: `make run` (the whole service on the embedded default) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)

.PHONY: run test chat bench check-content clean

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

run: $(STAMP)
	$(PY) -m bot run

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

chat: $(STAMP)
	$(PY) -m bot chat

bench: $(STAMP)
	$(PY) bench/run_all.py

check-content: $(STAMP)
	$(PY) -m bot content check

clean:
	rm -rf $(VENV) var
