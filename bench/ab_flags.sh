#!/usr/bin/env bash
# Interleaved A/B of two tessera-compile flag sets on one exported model, with
# ONNX Runtime in the same loop (the machines are shared and noisy: compare
# ratios within a round, not runs minutes apart).
#   bench/ab_flags.sh BUILD MODEL_DIR THREADS ROUNDS "FLAGS_A" "FLAGS_B"
# MODEL_DIR holds model.onnx and inputs/*.npy (bench/run.sh --work DIR leaves
# one per real model). Prints each round's --bench 30 medians and the ratios.
# Example: bench/ab_flags.sh build /tmp/bw/resnet50 2 4 "--conv-layout=nchw" ""
set -euo pipefail
build=$1 dir=$2 threads=$3 rounds=$4 flags_a=$5 flags_b=$6
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
inputs=()
for f in "$dir"/inputs/*.npy; do
  inputs+=("--input=$(basename "$f" .npy)=$f")
done
# shellcheck disable=SC2086
"$build/bin/tessera-compile" "$dir/model.onnx" -o "$tmp/a" $flags_a
# shellcheck disable=SC2086
"$build/bin/tessera-compile" "$dir/model.onnx" -o "$tmp/b" $flags_b
median() { sed -n 's/.*"median_ms": *\([0-9.]*\).*/\1/p' | tail -1; }
for round in $(seq "$rounds"); do
  a=$("$tmp/a" "${inputs[@]}" --bench 30 --threads "$threads" 2>/dev/null | median)
  b=$("$tmp/b" "${inputs[@]}" --bench 30 --threads "$threads" 2>/dev/null | median)
  o=$(node "$here/ort_bench.js" "$dir/model.onnx" "$dir/inputs" 30 "$threads" | median)
  awk -v r="$round" -v a="$a" -v b="$b" -v o="$o" 'BEGIN {
    printf "round %d: A %.2f ms  B %.2f ms  ORT %.2f ms  B/A %.2f  A/ORT %.2f  B/ORT %.2f\n",
           r, a, b, o, b / a, a / o, b / o }'
done
