# The README's two commands: `make site` and `make test`. Both set up what they need.
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# 0.0.0.0 lets phones on the estate office's network open the handbook
HOST ?= 127.0.0.1

.PHONY: setup site build serve live test code lint schema bench lock newest vendor

setup:
	bash tools/setup.sh

# Build the handbook (pages, PDFs, vendored scripts) and serve it on http://localhost:$(PORT)/
site: setup build serve

build:
	$(BIN)/kefu lint
	$(BIN)/mkdocs build --strict

serve:
	@echo "handbook: http://localhost:$(PORT)/  (or open site/index.html directly)"
	$(BIN)/python -m http.server $(PORT) --bind $(HOST) --directory site

# Editors: rebuild on every change to procedures/ or kefu.yaml (PDFs skipped for speed)
live: setup
	KEFU_NO_PDF=1 $(BIN)/mkdocs serve --dev-addr $(HOST):$(PORT)

# Every test: ruff and mypy first (a style or type error fails fast), then unit, CLI,
# site in headless Chromium, PDFs, and a wheel installed outside the checkout.
test: setup code
	$(BIN)/python -m pytest -q

# Static checks of the Python code (also run by pre-commit, see .pre-commit-config.yaml)
code:
	$(BIN)/ruff check tools tests benchmarks
	$(BIN)/mypy

lint: setup
	$(BIN)/kefu lint --strict

schema: setup
	$(BIN)/kefu schema

bench: setup
	$(BIN)/python benchmarks/bench_check.py --month
	$(BIN)/python benchmarks/bench_check.py
	$(BIN)/python benchmarks/bench_site.py
	$(BIN)/python benchmarks/bench_report.py
	$(BIN)/python benchmarks/bench_print.py

# Renew constraints.txt: the newest versions pyproject.toml allows (then `make test`, commit)
lock:
	bash tools/lock.sh

# Run the tests against the newest allowed versions without touching the lock (CI does this too)
newest:
	bash tools/newest.sh

# Refresh the scripts the site ships (tools/kefu/site/vendor/, committed) from the npm registry
vendor: setup
	$(BIN)/python tools/vendor.py
