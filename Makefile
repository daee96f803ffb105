# cleaner: `make clean-corpus` and `make test` set up everything they need on a fresh machine
# (Python 3.11, Java 17 and Maven are all that must be there).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: setup languagetool chromium clean-corpus test test-fast lint bench soak fuzz help

help:
	@echo "make setup         create .venv, install cleaner with dev extras, install LanguageTool"
	@echo "make clean-corpus  clean corpus/raw/ into corpus/clean/"
	@echo "make test          run the test suite (as root it first installs Debian's chromium, saying so)"
	@echo "make test-fast     the fast tier (under a minute on two idle cores): one LanguageTool server, no browser, Ray, process kills or CLI batteries"
	@echo "make lint          ruff + mypy"
	@echo "make bench         benchmarks; writes bench/report.md"
	@echo "make soak          100,000 generated documents through the corpus runner; memory/fd/process figures"
	@echo "make fuzz          the long fuzz campaign (20,000 examples per property)"

# Re-installs only when pyproject.toml changes, so a second `make setup` takes a moment.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP) languagetool

languagetool:
	@if [ -f scripts/install-languagetool.sh ]; then bash scripts/install-languagetool.sh; fi

clean-corpus: setup
	$(VENV)/bin/cleaner corpus corpus/raw corpus/clean

# worksteal (both tiers): plain `load` hands the first worker the first eighth of the tests
# up front (in file order: the costly chrome, CLI and corpus files), and it worked through
# them while the other idled.
test: setup chromium
	$(VENV)/bin/pytest -n 2 --dist worksteal -q

# Bytecode is written so that a second run skips recompiling the code and rewriting the
# tests' asserts in every worker.
test-fast: setup
	PYTHONDONTWRITEBYTECODE= $(VENV)/bin/pytest -n 2 --dist worksteal -q -m "not slow"

lint: setup
	$(VENV)/bin/ruff check cleaner tests bench
	$(VENV)/bin/mypy cleaner

bench: setup
	$(PY) bench/run.py

soak: setup
	$(PY) bench/soak.py --docs 100000 --jobs 2

fuzz: setup
	CLEANER_FUZZ_EXAMPLES=20000 $(VENV)/bin/pytest -q -p no:xdist tests/test_fuzz.py tests/test_corpus_fuzz.py

# Headless Chromium (Debian's package) for the report's browser test (tests/test_report.py).
# As root it is installed with apt-get, saying so first; otherwise, or when the install fails,
# the browser tests are skipped with a message.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "make chromium: installing Debian's chromium package (apt-get, as root) for the report's browser test"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	      || echo "make chromium: could not install chromium; the report's browser tests will be skipped"; \
	  else echo "make chromium: chromium missing (sudo apt-get install chromium); the report's browser tests will be skipped"; fi; }

# Candidate rules mined from the tuning pages of bench/spin_split.toml (never the validation
# ones), written outside the rules folder: the miner quotes its examples from the pages, which
# are third-party text. Keep the pairs you trust and write their examples in your own words.
VALIDATION_PAGES := 002,006,009,010,011,014,020,021,022,025,028,029
mine-candidates: setup
	$(VENV)/bin/cleaner rules mine --pairs ../shared/data/spinner_pairs.tsv \
		--pages ../shared/data/spun-dev --exclude-pages $(VALIDATION_PAGES) \
		--skip-existing rules/candidates --min-count 1 -o build/mined-candidates.toml
