#!/usr/bin/env bash
# make demo: compile examples/mlp.onnx to a native executable, run it on a
# sample input and print its output beside a numpy reference.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$here/build}" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
py=/usr/bin/python3

echo "== tessera-compile examples/mlp.onnx -o mlp"
"$build/bin/tessera-compile" "$here/examples/mlp.onnx" -o "$work/mlp"
"$py" -c "import numpy as np; np.save('$work/x.npy', np.random.default_rng(1).standard_normal((2, 8)).astype(np.float32))"
echo "== ./mlp --input x=x.npy --output-dir out"
"$work/mlp" --input x="$work/x.npy" --output-dir "$work/out"
"$py" - "$here/examples/mlp.onnx" "$work" <<'PY'
import sys
import numpy as np
import onnx
from onnx import numpy_helper
model, work = onnx.load(sys.argv[1]), sys.argv[2]
w = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
x = np.load(f"{work}/x.npy")
ref = np.maximum(x @ w["w1"] + w["b1"], 0) @ w["w2"].T + w["b2"]
got = np.load(f"{work}/out/y.npy")
np.set_printoptions(precision=5, suppress=True)
print("tessera y =\n", got)
print("numpy   y =\n", ref)
err = np.linalg.norm(got - ref) / np.linalg.norm(ref)
print(f"relative L2 error: {err:.2e}", "(ok)" if err <= 1e-4 else "(MISMATCH)")
sys.exit(0 if err <= 1e-4 else 1)
PY
