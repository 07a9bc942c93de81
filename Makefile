# reportkit: `make demo` and `make test` each create the environment when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name reportkit --display-name "Python (reportkit)"
	touch $(STAMP)

data/demo.sqlite: $(STAMP)
	$(BIN)/reportkit demo --path data/demo.sqlite

demo: $(STAMP) data/demo.sqlite
	$(BIN)/reportkit run params/demo-2026-10.yaml
	$(BIN)/reportkit run params/demo.yaml
	@echo
	@echo "Outputs:"
	@ls -1 outputs/2026-10/*.xlsx outputs/2026-10/*.html outputs/2026-11/*.xlsx outputs/2026-11/*.html

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) data outputs/*/ .pytest_cache
