#!/usr/bin/env bash
# make bench: regenerate the test-model families, compile them with Tessera and
# time them beside ONNX Runtime (CPU, same inputs, same thread count).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$here/build}" && pwd)"
exec /usr/bin/python3 "$here/bench/run.py" --build "$build" "${@:2}"
