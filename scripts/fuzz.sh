#!/usr/bin/env bash
# make fuzz SECONDS=N: builds the fuzz targets (test/fuzz) with clang-22,
# libFuzzer, ASan and UBSan in build-fuzz/, seeds their corpora and runs each
# for about N/2 seconds. Corpora grow in build-fuzz/fuzz/corpus-*; crashing
# inputs land in build-fuzz/fuzz/crashes/ (replay one with
# `build-fuzz/bin/tessera-fuzz-import FILE`, then add it as a regression test).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-60}"
build="${FUZZ_BUILD:-$here/build-fuzz}"
jobs="${NINJA_JOBS:-2}"

bash "$here/scripts/install-deps.sh" --fuzz
if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 -DTESSERA_FUZZ=ON
fi
ninja -C "$build" -j "$jobs" tessera-fuzz-import tessera-fuzz-compile

fuzz="$build/fuzz"
mkdir -p "$fuzz/crashes" "$fuzz/corpus-import" "$fuzz/corpus-compile"
[ -d "$fuzz/seeds" ] || /usr/bin/python3 "$here/test/fuzz/make_seeds.py" "$fuzz/seeds"
half=$(( seconds / 2 > 1 ? seconds / 2 : 1 ))
for target in import compile; do
  echo "== tessera-fuzz-$target for ${half}s"
  # Leaks are not crashes here: MLIR keeps some objects for the process.
  ASAN_OPTIONS=detect_leaks=0 "$build/bin/tessera-fuzz-$target" \
    "$fuzz/corpus-$target" "$fuzz/seeds" -max_total_time="$half" \
    -rss_limit_mb=4096 -max_len=262144 -timeout=60 -print_final_stats=1 \
    -artifact_prefix="$fuzz/crashes/$target-" 2>&1 |
    grep -E "^(#[0-9]+ *DONE|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)" || true
done
echo "crashes: $(ls "$fuzz/crashes" | wc -l) in $fuzz/crashes"
