# natgrad: build the book, run the tests.  `make` = `make book`.
.DEFAULT_GOAL := book
SHELL := /bin/bash

VENV   := .venv
PY     := $(VENV)/bin/python
JB     := $(VENV)/bin/jupyter-book
STAMP  := $(VENV)/.installed
PORT   ?= 8000
# Python 3.11 if the machine has it, else whatever python3 is.
PYTHON ?= $(shell command -v python3.11 >/dev/null 2>&1 && echo python3.11 || echo python3)

# Headless matplotlib.  Tests and benchmarks use Agg.  The book's kernels must
# use the inline backend: under Agg, ipykernel would not capture figures and
# the chapters would lose their plots (ipykernel only picks the inline backend
# when MPLBACKEND is unset).  Both are non-interactive; neither needs a display.
# The book's environment (inline backend, NATGRAD_STATIC=1) and build command are written
# once, in tools/book.py, which make book, the tests and the benchmarks all call.
TEST_ENV := MPLBACKEND=Agg
# Two pytest workers (pytest-xdist). The book is built once per session (conftest.py); the
# build tests and the otter assignments each stay on one worker; the rest spreads over both.
XDIST    ?= -n 2 --dist loadscope

.PHONY: book site js test test-fast lint serve bench clean distclean install assignments grade pdfs lab lab-install test-lab test-mpl-oldest

$(PY):
	$(PYTHON) -m venv $(VENV)

# Installs only when a requirements file or pyproject.toml changed.  Then compiles the bytecode
# of every installed module (compileall; uv does not by default, and skips it when nothing
# changed): every process (each chapter's kernel, Sphinx, pytest and its subprocesses, each
# grading sandbox) loads .pyc files instead of compiling sympy, scipy, matplotlib... from
# source on every start, as it would under PYTHONDONTWRITEBYTECODE=1 (import natgrad_lib:
# ~2.0 s -> ~0.5 s of CPU). Compiling once costs ~25 s of CPU (~3 s when already compiled).
# uv (from PyPI, pinned) installs the requirements into the venv: ~25 s from a warm cache
# where pip takes ~160 s on this machine.  Where uv cannot be had, pip does the same install.
UV_VERSION := 0.13.9
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml | $(PY)
	@echo "installing requirements.txt, requirements-dev.txt and natgrad_lib (editable) into $(VENV)"
	@if $(PY) -m pip install --disable-pip-version-check -q "uv==$(UV_VERSION)" && \
	    $(VENV)/bin/uv pip install --python $(PY) -q -r requirements.txt -r requirements-dev.txt && \
	    $(VENV)/bin/uv pip install --python $(PY) -q --no-deps -e .; then echo "installed with uv"; \
	else echo "uv failed: installing with pip"; \
	  $(PY) -m pip install --disable-pip-version-check -q -r requirements.txt -r requirements-dev.txt && \
	  $(PY) -m pip install --disable-pip-version-check -q --no-deps -e .; \
	fi
	@# Bytecode for every installed module (but the packages' own tests) and for the library.
	$(PY) -m compileall -q -j0 -x '[/\\]tests[/\\]' "$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" natgrad_lib
	@# Build matplotlib's font cache now: if a chapter did it, its "building the
	@# font cache" message would land on stderr and fail the build.
	MPLBACKEND=Agg $(PY) -c "import matplotlib.pyplot"
	touch $@

install: $(STAMP)

# ---------------------------------------------------------------- live explorers (js/)
# The explorers that compute in the page: the families' formulas printed as JavaScript
# from their sympy definitions (natgrad_lib/jsgen.py -> js/build/formulas.js), and the one
# front end (js/src) bundled by esbuild, with d3 and stdlib-js from npm (pinned in
# js/package-lock.json), into _static/natgrad-live.js (the book's pages) and
# js/build/natgrad-live.mjs (anywidget in a kernel: natgrad_lib.live finds it in this
# checkout, and setup.py copies it into a wheel as natgrad_lib/static/natgrad-live.mjs, so
# an installed natgrad_lib carries it).  Generated, never committed.
JS_STAMP := js/node_modules/.installed
JS_OUT   := _static/natgrad-live.js
JS_MJS   := js/build/natgrad-live.mjs
$(JS_STAMP): js/package.json js/package-lock.json
	@command -v node >/dev/null && command -v npm >/dev/null || { echo "make js: node and npm are missing; they build the live explorers (Debian: apt-get install nodejs npm)" >&2; exit 1; }
	cd js && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

js/build/formulas.js: natgrad_lib/jsgen.py natgrad_lib/families.py natgrad_lib/registry.py natgrad_lib/_sym.py natgrad_lib/style.py | $(STAMP)
	$(PY) -m natgrad_lib.jsgen $@

$(JS_OUT) $(JS_MJS) &: js/build/formulas.js $(wildcard js/src/*) $(JS_STAMP)
	cd js && npm run --silent build
	touch $(JS_OUT) $(JS_MJS)

js: $(JS_OUT) $(JS_MJS)

# Execute every chapter (jupyter-cache: unchanged chapters are not re-run; the
# others run in parallel, one kernel per core) and build the HTML into _build/html
# (tools/book.py).  Any warning fails the build.  Sphinx builds incrementally and
# would not repeat the warnings of a page that did not change, so after a failed
# build the next one re-reads every page (--all).
book: $(STAMP) js
	@fresh=--all; [ -f _build/.book-ok ] && fresh=; rm -f _build/.book-ok; \
	echo "$(PY) tools/book.py $$fresh"; \
	$(PY) tools/book.py $$fresh && touch _build/.book-ok

# Lint (ruff: pyflakes, pycodestyle errors, import sorting, bugbear) and the layers
# contract of ARCHITECTURE.md (import-linter, [tool.importlinter] in pyproject.toml).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

# Everything: lint, unit tests, doctests, the book build, the browser gate, the assignments.
test: lint js
	$(TEST_ENV) $(PY) -m pytest $(XDIST)

# The library alone: unit tests and doctests, no book, no browser, no otter.
test-fast: $(STAMP) js
	$(TEST_ENV) $(PY) -m pytest $(XDIST) -m "not book and not assignments" tests natgrad_lib

# Read the built book at http://127.0.0.1:$(PORT)/ (loopback only).
serve: book
	$(PY) -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

# Run every benchmarks/bench_*.py and print its figures.
bench: $(STAMP) lab-install
	@shopt -s nullglob; files=(benchmarks/bench_*.py); \
	if [ $${#files[@]} -eq 0 ]; then echo "no benchmarks/bench_*.py yet"; exit 0; fi; \
	for f in "$${files[@]}"; do echo "== $$f"; $(TEST_ENV) $(PY) "$$f" || exit 1; done

# Classroom assignments (otter-grader; see assignments/README.md).  The repository holds
# the masters (solutions and hidden tests); a course may keep its own elsewhere:
# `make assignments MASTERS=path/to/masters`.  For each master <a>.ipynb, `otter assign`
# writes dist/<a>/student/ and dist/<a>/autograder/ (it fails unless the reference
# solutions get full marks); then assignments/release.py adds the student bundle
# dist/<a>/<a>-student.zip (notebook + natgrad_lib wheel, no solutions), puts the wheel
# into the Gradescope autograder zip, and writes the instructor release
# dist/<a>/<a>-instructor.zip.  A master is re-assigned only when it changed.
MASTERS ?= assignments
WHEEL   := dist/wheel/.built
ASSIGNMENTS := $(patsubst $(MASTERS)/%.ipynb,%,$(wildcard $(MASTERS)/*.ipynb))
assignments: $(ASSIGNMENTS:%=dist/%/.assigned)

$(WHEEL): pyproject.toml setup.py tools/wheel.py $(shell find natgrad_lib -name '*.py' -o -name '*.csv') $(STAMP) $(JS_MJS)
	rm -rf dist/wheel && $(PY) tools/wheel.py dist/wheel
	touch $@

# The site to publish (.github/workflows/publish.yml): the book, plus the natgrad_lib wheel
# in _build/html/wheels/. The wheel holds the explorers' built front end (package data that a
# git install lacks), and the downloaded notebooks' first cell installs it in Colab
# (_ext/launch_notebooks.py: wheel_url).
SITE_WHEELS := _build/html/wheels
site: book $(WHEEL)
	rm -rf $(SITE_WHEELS) && mkdir -p $(SITE_WHEELS) && cp dist/wheel/natgrad_lib-*.whl $(SITE_WHEELS)/

dist/%/.assigned: $(MASTERS)/%.ipynb $(WHEEL) assignments/release.py $(STAMP)
	rm -rf dist/$*
	$(TEST_ENV) $(PY) -m otter assign --no-pdfs $< dist/$*
	$(TEST_ENV) $(PY) assignments/release.py dist/$* --wheel-dir dist/wheel
	touch $@

# Grade every .ipynb under SUBMISSIONS (each in a bubblewrap sandbox, scored outside it)
# into dist/grades.csv (one row per student) and dist/feedback/.  HAND=file.csv merges
# hand-graded scores; QUESTION_TIMEOUT (CPU seconds, default 60) limits each code question.
QUESTION_TIMEOUT ?= 60
grade: assignments
	@[ -n "$(SUBMISSIONS)" ] || { echo "usage: make grade SUBMISSIONS=folder-of-notebooks [HAND=hand.csv]"; exit 2; }
	$(TEST_ENV) $(PY) assignments/grade.py "$(SUBMISSIONS)" --dist dist --masters "$(MASTERS)" \
		--question-timeout $(QUESTION_TIMEOUT) $(if $(HAND),--hand "$(HAND)")

# PDFs of the written questions of every submission (nbconvert HTML + system Chromium, offline).
pdfs: $(STAMP)
	@[ -n "$(SUBMISSIONS)" ] || { echo "usage: make pdfs SUBMISSIONS=folder-of-notebooks"; exit 2; }
	$(PY) assignments/pdfs.py "$(SUBMISSIONS)" --out dist/pdfs

# ---------------------------------------------------------------- learners in JupyterLab
# JupyterLab with the chapters opened as notebooks (jupytext; the default viewer for
# .md is set in .jupyter/labconfig/default_setting_overrides.json) and their MyST
# rendered (jupyterlab-myst).  Installed into .venv from requirements-lab.txt; served
# on 127.0.0.1 only.  LAB_PORT picks the port.
LAB_STAMP := $(VENV)/.lab-installed
LAB_PORT  ?= 8888
$(LAB_STAMP): requirements-lab.txt $(STAMP)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-lab.txt
	touch $@

lab-install: $(LAB_STAMP)

# JUPYTER_CONFIG_PATH adds the repository's configuration to the user's own.
lab: $(LAB_STAMP) js
	env -u MPLBACKEND -u NATGRAD_STATIC JUPYTER_CONFIG_PATH=$(CURDIR)/.jupyter \
	  $(VENV)/bin/jupyter lab --ip=127.0.0.1 --port=$(LAB_PORT) --ServerApp.root_dir=$(CURDIR) \
	  $(if $(filter 0,$(shell id -u)),--allow-root) \
	  --LabApp.default_url=/lab/tree/chapters/00_kl_divergence.md

# The learner's route, tested end to end (after `make test` in .ci/run): the explorers
# through build -> display -> interact with the oldest matplotlib allowed (3.8), the
# downloaded notebooks in a venv with only what their first cell installs (nbclient), and
# Playwright driving JupyterLab in the system Chromium through every chapter.
test-lab: $(LAB_STAMP) js test-mpl-oldest
	NATGRAD_LAB=1 $(TEST_ENV) $(PY) -m pytest -p no:cacheprovider -m lab tests/lab

# tests/test_explore.py against the oldest matplotlib, numpy and ipywidgets in range, in a
# venv of its own (.venv/oldest: inside .venv, so the book build and git ignore it).
OLDEST := $(VENV)/oldest
$(OLDEST)/.installed: pyproject.toml tests/lab/requirements-oldest.txt
	rm -rf $(OLDEST) && $(PYTHON) -m venv $(OLDEST)
	$(OLDEST)/bin/python -m pip install --disable-pip-version-check -q -r tests/lab/requirements-oldest.txt
	$(OLDEST)/bin/python -m pip install --disable-pip-version-check -q --no-deps -e .
	touch $@

test-mpl-oldest: $(OLDEST)/.installed
	$(TEST_ENV) $(OLDEST)/bin/python -m pytest -p no:cacheprovider -q tests/test_explore.py

# Remove build outputs and caches (keeps .venv; `make distclean` removes it too).
clean:
	rm -rf _build .pytest_cache .hypothesis *.egg-info js/build _static/natgrad-live.js natgrad_lib/static build
	find . -path ./$(VENV) -prune -o -type d \( -name __pycache__ -o -name .ipynb_checkpoints \) -print0 | xargs -0 -r rm -rf

distclean: clean
	rm -rf $(VENV) js/node_modules
