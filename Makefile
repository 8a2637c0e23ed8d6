# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# test files run in this many processes (each with its own database and Redis database); 1 runs them in order
TEST_WORKERS ?= 4
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test install bench lint clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 of nieuwer is nodig")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

run: $(STAMP)
	$(BIN)/ido run

# bytecode is written even where the environment says not to (PYTHONDONTWRITEBYTECODE): the suite starts the server
# and the workers about 90 times, and each would compile the project's modules and rewrite the tests' asserts again
test: $(STAMP)
	$(BIN)/python -m tests.prepare
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

bench: $(STAMP)
	$(BIN)/python -m bench.append

lint: $(STAMP)
	$(BIN)/ruff check domain application infra services tests bench

clean:
	rm -rf $(VENV) var
