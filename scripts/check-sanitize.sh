#!/usr/bin/env bash
# make check-sanitize: the compiler, the runtime and the tests' programs built
# with clang-22, AddressSanitizer and UndefinedBehaviorSanitizer in
# build-sanitize/, then the whole lit suite on them (the ONNX conformance run
# on every 4th test). Compiled models link the instrumented runtime; any
# sanitizer report fails the test that triggered it. libMLIR/libLLVM and the
# code generated for models stay uninstrumented.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${SANITIZE_BUILD:-$here/build-sanitize}"
jobs="${NINJA_JOBS:-2}"

bash "$here/scripts/install-deps.sh" --fuzz
start=$(date +%s)
if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DTESSERA_SANITIZE=ON
fi
ninja -C "$build" -j "$jobs"
built=$(date +%s)
status=0
/usr/lib/llvm-22/bin/lit -sv "$build/test" || status=$?
done_=$(date +%s)
echo "check-sanitize: build $(( (built - start) / 60 )) min $(( (built - start) % 60 )) s," \
     "lit $(( (done_ - built) / 60 )) min $(( (done_ - built) % 60 )) s"
exit $status
