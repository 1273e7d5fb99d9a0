#!/usr/bin/env bash
# make demo: generate a small GPT-2-like decoder with torch (the repo's model
# generator, random weights with a fixed seed), compile it to a native
# executable, print what the compiler fused, run it and print its logits
# beside torch's, the error and the latency.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$here/build}" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
py=/usr/bin/python3
size=(--layers 2 --hidden 128 --heads 4 --seq 32)

echo "== test/models/gen_models.py --family gpt2 ${size[*]}   (torch export to ONNX)"
"$py" "$here/test/models/gen_models.py" "$work" --family gpt2 "${size[@]}" \
  2> "$work/gen.log" | sed 's/^/   /'
model="$work/gpt2"
echo "== tessera-compile gpt2/model.onnx -o gpt2 --report=-"
"$build/bin/tessera-compile" "$model/model.onnx" -o "$model/gpt2" --report=- 2>&1 |
  sed 's/^/   /'
echo "== ./gpt2 --input input_ids=input_ids.npy --output-dir out --bench 20"
"$model/gpt2" --input input_ids="$model/inputs/input_ids.npy" \
  --output-dir "$model/out" --bench 20 > "$model/bench.json"
"$py" - "$model" <<'PY'
import json
import sys

import numpy as np

d = sys.argv[1]
got = np.load(f"{d}/out/logits.npy")
ref = np.load(f"{d}/reference/logits.npy")
ids = np.load(f"{d}/inputs/input_ids.npy")
bench = json.load(open(f"{d}/bench.json"))
np.set_printoptions(precision=5, suppress=True)
print(f"   input_ids {list(ids.shape)}, logits {list(got.shape)}; last position's first 6 logits:")
print("   tessera:", got[0, -1, :6])
print("   torch:  ", ref[0, -1, :6])
err = np.linalg.norm(got - ref) / np.linalg.norm(ref)
agree = np.mean(got.argmax(-1) == ref.argmax(-1))
print(f"   relative L2 error {err:.2e} {'(ok)' if err <= 1e-4 else '(MISMATCH)'}; "
      f"next-token argmax agrees at {agree:.0%} of positions")
print(f"   latency: median {bench['median_ms']:.3f} ms over {bench['iters']} runs "
      f"({bench['threads']} threads)")
sys.exit(0 if err <= 1e-4 else 1)
PY
