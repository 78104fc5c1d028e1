# A thin wrapper over CMake. `make run` and `make test` work on a fresh
# Debian 12 machine: they install what is missing (as root; otherwise they
# print the apt-get line to run), configure, build and go.

BUILD    ?= build
CMAKE    ?= cmake
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
CMAKEFLAGS ?=

# Build dependencies, then what the tests drive (python3 runs the data-file
# runners, iproute2 makes the namespaces, tcpdump/tshark check our output).
BUILD_DEPS = gcc make cmake pkg-config libpcap-dev libdumbnet-dev \
	     libreadline-dev libcmocka-dev
TEST_DEPS  = python3 iproute2 tcpdump tshark procps libcap2-bin valgrind

.PHONY: all build run test test-sanitize bench deps test-deps clean format-check

all: build

deps:
	@sh tools/deps.sh $(BUILD_DEPS)

test-deps:
	@sh tools/deps.sh $(BUILD_DEPS) $(TEST_DEPS)

$(BUILD)/CMakeCache.txt:
	$(CMAKE) -S . -B $(BUILD) $(CMAKEFLAGS)

build: deps $(BUILD)/CMakeCache.txt
	$(CMAKE) --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/pktsh

test: test-deps $(BUILD)/CMakeCache.txt
	$(CMAKE) --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The same suite under ASan+UBSan, in its own build folder.
test-sanitize:
	$(MAKE) test BUILD=build-asan CMAKEFLAGS="-DPKTSH_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug"

bench: test-deps $(BUILD)/CMakeCache.txt
	$(CMAKE) --build $(BUILD) -j $(JOBS)
	sh bench/run.sh $(BUILD)

# Every C file as .clang-format (clang-format 14) has it.
format-check:
	@sh tools/deps.sh clang-format
	@git ls-files '*.c' '*.h' | xargs clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD) build-asan
