#!/usr/bin/env bash
# Builds tessera-compile and the runtime, runs the driver and end-to-end tests,
# and times a 512^3 MatMul through a compiled model (GFLOP/s).
#   scripts/codegen-check.sh [BUILD_DIR]   (default: build)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
jobs="${NINJA_JOBS:-2}"
llvm_bin=/usr/lib/llvm-22/bin

[ -f "$build/build.ninja" ] || cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release
ninja -C "$build" -j "$jobs" tessera-compile tessera_runtime

"$llvm_bin/lit" -sv "$build/test/Driver" "$build/test/e2e"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$root/test/e2e/Inputs/gen_onnx.py" gemm512 "$work"
start=$(date +%s.%N)
"$build/bin/tessera-compile" "$work/model.onnx" -O3 -o "$work/model"
end=$(date +%s.%N)
echo "compile time (512^3 MatMul model, -O3): $(echo "$end - $start" | bc) s"
for threads in 1 2; do
  line=$("$work/model" --input x="$work/in/x.npy" --output-dir "$work/out" \
         --bench 50 --threads "$threads")
  ms=$(echo "$line" | sed -n 's/.*"median_ms": *\([0-9.]*\).*/\1/p')
  echo "512^3 MatMul, $threads thread(s): median $ms ms = $(echo "2*512^3 / ($ms * 10^6)" | bc) GFLOP/s"
done
/usr/bin/python3 "$root/test/e2e/compare.py" "$work/ref" "$work/out"
