# Front door: `make check` and `make demo` work from a fresh clone (they install
# missing Debian packages first; root or sudo).
BUILD ?= build
NINJA_JOBS ?= 2

.PHONY: all deps build check check-sanitize demo bench fuzz clean
SECONDS ?= 60

all: build

deps:
	@bash scripts/install-deps.sh

# clang-22 (installed by deps) compiles this tree in about a third of g++'s
# time; CC/CXX in the environment still choose another compiler.
CMAKE_COMPILERS = $(if $(CXX_SET),,-DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22)
CXX_SET = $(filter environment,$(origin CXX))

$(BUILD)/build.ninja:
	cmake -G Ninja -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_COMPILERS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD) -j $(NINJA_JOBS)

check: build
	ninja -C $(BUILD) check-tessera

demo: build
	@bash scripts/demo.sh $(BUILD)

bench: build
	@bash scripts/install-deps.sh --bench
	@bash bench/run.sh $(BUILD)

# libFuzzer + ASan + UBSan build of the fuzz targets in build-fuzz/ (clang-22).
fuzz:
	@bash scripts/fuzz.sh $(SECONDS)

# ASan + UBSan build (clang-22) in build-sanitize/, then the lit suite on it.
check-sanitize:
	@bash scripts/check-sanitize.sh

clean:
	rm -rf $(BUILD)
