# Thin wrapper around CMake. `make run` and `make test` are the README's two
# set-up commands; both install missing Debian packages first.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
PREFIX     ?= /usr/local
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
STATE_DIR  ?= $(CURDIR)/state
# Most tests wait on a daemon, a fake or a timer rather than use a core:
# twice as many at once as there are cores.
CTEST_ARGS ?= --output-on-failure -j $(shell echo $$(( $(JOBS) * 2 )))

# One target at a time: apt must not run twice at once, and each build
# already uses every core.
.NOTPARALLEL:

.PHONY: all deps build run test test-normal test-asan test-fuzz install bench \
	clean format docs

all: build

deps:
	@scripts/install-deps

# Keyed on the generated Makefile, which only a configure that worked
# writes; the packages come first.
$(BUILD)/Makefile: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

$(ASAN_BUILD)/Makefile: | deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug \
		-DHERALD_SANITIZE=address,undefined

build: deps $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

run: build
	@scripts/run-demo $(BUILD) $(STATE_DIR)

test-normal: build
	cd $(BUILD) && ctest $(CTEST_ARGS)

test-asan: deps $(ASAN_BUILD)/Makefile
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest $(CTEST_ARGS)

$(FUZZ_BUILD)/Makefile: | deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug \
		-DCMAKE_C_COMPILER=clang -DHERALD_FUZZ=ON \
		-DHERALD_SANITIZE=address,undefined

# Every fuzz target (the protocol, and the parsers of what comes from
# outside), about a minute in all, under ASan and UBSan.
test-fuzz: deps $(FUZZ_BUILD)/Makefile
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers
	cd $(FUZZ_BUILD) && ctest --output-on-failure -R '^fuzz\.'

test: test-normal test-asan test-fuzz

# The prefix is configured, not only passed to --install, so the systemd
# unit names the binary where it really lands.
install: deps $(BUILD)/Makefile
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX)
	cmake --build $(BUILD) -j $(JOBS)
	cmake --install $(BUILD)

bench: build
	$(BUILD)/bench-engine -d $(BUILD)/heraldd
	$(BUILD)/bench-memory -d $(BUILD)/heraldd -a assets
	$(BUILD)/bench-image
	BUILD=$(BUILD) SRC=$(CURDIR) bash tests/bench/console_idle.sh

docs: build
	sh tests/tools/check-protocol-doc.sh $(BUILD)/tests/protodoc \
		docs/protocol.md --write

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
