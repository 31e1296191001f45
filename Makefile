# The two commands users need: `make run` and `make test`. Both install missing Debian packages
# first (scripts/bootstrap), so a fresh Debian 12 machine needs nothing else.
SHELL := /bin/bash
BUILD_DIR ?= build
ASAN_DIR ?= build-asan
CONFIG ?= examples/quickstart.yaml
JOBS ?= $(shell nproc)

.PHONY: all build run test test-asan bootstrap tokenizer-deps sdk-deps bench format clean

all: build

bootstrap:
	@bash scripts/bootstrap

# js-tiktoken, pinned by scripts/tokenizer/package-lock.json: the build converts its rank tables.
tokenizer-deps: bootstrap
	@if [ ! -d scripts/tokenizer/node_modules ] || [ scripts/tokenizer/package-lock.json -nt scripts/tokenizer/node_modules ]; then \
	  cd scripts/tokenizer && npm ci --no-audit --no-fund --loglevel=error && touch node_modules; fi

build: tokenizer-deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	./$(BUILD_DIR)/sluice serve --config $(CONFIG)

# The official SDKs used by tests/e2e, pinned by its package-lock.json.
sdk-deps: bootstrap
	@if [ ! -d tests/e2e/node_modules ] || [ tests/e2e/package-lock.json -nt tests/e2e/node_modules ]; then \
	  cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error && touch node_modules; fi

# Unit, integration and SDK tests against the Release build.
test: build sdk-deps
	ctest --test-dir $(BUILD_DIR) --output-on-failure

# The same tests against an AddressSanitizer + UndefinedBehaviorSanitizer build.
test-asan: tokenizer-deps sdk-deps
	@cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSLUICE_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_DIR) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(ASAN_DIR) --output-on-failure

bench: build
	bash bench/run.sh

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR)
