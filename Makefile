# The two commands: `make run` (the whole service on the embedded default) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)

.PHONY: run test chat bench check-content clean browser screenshots

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

run: $(STAMP)
	$(PY) -m bot run

test: $(STAMP) browser
	$(PY) -m pytest $(PYTEST_ARGS)

# The console's browser tests drive Debian's chromium through Playwright (never a browser download).
# Installed here when missing and apt can do it; otherwise those tests are skipped, and say why.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif ! command -v apt-get >/dev/null 2>&1; then echo "no apt-get: the browser tests will be skipped (install chromium to run them)"; \
	elif [ "$$(id -u)" = 0 ]; then echo "installing chromium for the browser tests"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >/dev/null; } || \
	  echo "chromium could not be installed: the browser tests will be skipped"; \
	elif sudo -n true 2>/dev/null; then echo "installing chromium for the browser tests"; \
	  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >/dev/null || \
	  echo "chromium could not be installed: the browser tests will be skipped"; \
	else echo "chromium is missing and cannot be installed without root: the browser tests will be skipped"; fi

chat: $(STAMP)
	$(PY) -m bot chat

bench: $(STAMP)
	$(PY) bench/run_all.py

# The console's pictures in docs/screenshots/, on the demo data (not a test; needs /usr/bin/chromium and a
# Chinese font: without Debian's fonts-noto-cjk, chromium draws the Chinese as boxes).
screenshots: $(STAMP) browser
	@fc-list :lang=zh 2>/dev/null | grep -q . || echo "no Chinese font: install fonts-noto-cjk (apt-get install fonts-noto-cjk), or the pictures show boxes"
	$(PY) scripts/screenshots.py

check-content: $(STAMP)
	$(PY) -m bot content check

clean:
	rm -rf $(VENV) var
