# The two commands users need: `make run` and `make test`. Both install missing Debian packages
# first (scripts/bootstrap), so a fresh Debian 12 machine needs nothing else.
SHELL := /bin/bash
BUILD_DIR ?= build
ASAN_DIR ?= build-asan
TSAN_DIR ?= build-tsan
CONFIG ?= examples/quickstart.yaml
JOBS ?= $(shell nproc)
# libFuzzer targets (docs/fuzzing.md): tests/fuzz/<name>_fuzz.cpp, built with clang in FUZZ_DIR.
FUZZ_DIR ?= build-fuzz
LAYERS_DIR ?= build-layers
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= $(patsubst tests/fuzz/%_fuzz.cpp,%,$(sort $(wildcard tests/fuzz/*_fuzz.cpp)))

.PHONY: all build run test test-asan test-tsan bootstrap tokenizer-deps ui-deps sdk-deps browser-deps bench fuzz layers \
        fuzz-build format clean

all: build

bootstrap:
	@bash scripts/bootstrap

# js-tiktoken, pinned by scripts/tokenizer/package-lock.json: the build converts its rank tables.
tokenizer-deps: bootstrap
	@if [ ! -d scripts/tokenizer/node_modules ] || [ scripts/tokenizer/package-lock.json -nt scripts/tokenizer/node_modules ]; then \
	  cd scripts/tokenizer && npm ci --no-audit --no-fund --loglevel=error && touch node_modules; fi

# Vite and the console's packages, pinned by ui/package-lock.json: the build embeds the console.
ui-deps: bootstrap
	@if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules ]; then \
	  cd ui && npm ci --no-audit --no-fund --loglevel=error && touch node_modules; fi

build: tokenizer-deps ui-deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	./$(BUILD_DIR)/sluice serve --config $(CONFIG)

# The official SDKs used by tests/e2e, pinned by its package-lock.json.
sdk-deps: bootstrap
	@if [ ! -d tests/e2e/node_modules ] || [ tests/e2e/package-lock.json -nt tests/e2e/node_modules ]; then \
	  cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error && touch node_modules; fi

# playwright-core for the browser tests, pinned by tests/browser/package-lock.json (the browser
# is Debian's chromium, installed by scripts/bootstrap).
browser-deps: bootstrap
	@if [ ! -d tests/browser/node_modules ] || [ tests/browser/package-lock.json -nt tests/browser/node_modules ]; then \
	  cd tests/browser && npm ci --no-audit --no-fund --loglevel=error && touch node_modules; fi

# Unit, integration, SDK, console and browser tests against the Release build.
test: build sdk-deps browser-deps
	ctest --test-dir $(BUILD_DIR) --output-on-failure

# The same tests against an AddressSanitizer + UndefinedBehaviorSanitizer build.
test-asan: tokenizer-deps sdk-deps
	@cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSLUICE_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_DIR) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(ASAN_DIR) --output-on-failure

# The same tests against a ThreadSanitizer build.
test-tsan: tokenizer-deps sdk-deps
	@cmake -S . -B $(TSAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSLUICE_TSAN=ON >/dev/null
	@cmake --build $(TSAN_DIR) -j $(JOBS)
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/tests/tsan.supp" \
	  ctest --test-dir $(TSAN_DIR) --output-on-failure

bench: build
	bash bench/run.sh

# Every layer as a shared library that must resolve its symbols in the layers below it
# (CMakeLists.txt, docs/architecture.md): a call up the stack is a link error here.
layers: tokenizer-deps
	@cmake -S . -B $(LAYERS_DIR) -G Ninja -DCMAKE_BUILD_TYPE= -DCMAKE_CXX_FLAGS=-O0 \
	  -DSLUICE_LAYER_CHECK=ON -DSLUICE_TESTS=OFF >/dev/null
	@cmake --build $(LAYERS_DIR) -j $(JOBS) --target sluice
	@echo "layers: every layer links against the ones below it only"

# The fuzz targets only (clang-14, libFuzzer + ASan + UBSan), in their own build dir.
fuzz-build: tokenizer-deps
	@bash scripts/bootstrap fuzz
	@CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZ_DIR) -G Ninja \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLUICE_FUZZ=ON -DSLUICE_TESTS=OFF >/dev/null
	@cmake --build $(FUZZ_DIR) -j $(JOBS) --target $(addsuffix _fuzz,$(FUZZ_TARGETS))

# Runs each of FUZZ_TARGETS for FUZZ_SECONDS on its corpus (seeded by scripts/fuzz_seeds; what
# libFuzzer finds is added there), JOBS targets side by side (scripts/fuzz_one). A crash, an
# invariant failure, an input slower than 10 s or more than 2 GB of memory fails the target: its
# input lands in FUZZ_DIR/crashes/<target>/ and make fails once every target has run. Logs:
# FUZZ_DIR/logs/<target>.log.
fuzz: fuzz-build
	@bash scripts/fuzz_seeds $(FUZZ_DIR)/corpus >/dev/null
	@mkdir -p $(FUZZ_DIR)/logs; rm -f $(FUZZ_DIR)/logs/failed; \
	printf '%s\n' $(FUZZ_TARGETS) | xargs -P $(JOBS) -I{} sh -c \
	  'bash scripts/fuzz_one $(FUZZ_DIR) {} $(FUZZ_SECONDS) || echo {} >> $(FUZZ_DIR)/logs/failed' ; \
	if [ -s $(FUZZ_DIR)/logs/failed ]; then \
	  echo "fuzz: failed: $$(tr '\n' ' ' < $(FUZZ_DIR)/logs/failed)(reproduce: ./$(FUZZ_DIR)/<target>_fuzz <crash file>)"; \
	  exit 1; fi

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(TSAN_DIR)
