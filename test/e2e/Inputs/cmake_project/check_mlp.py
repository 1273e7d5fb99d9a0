"""Reads run_models' output on stdin and checks the mlp line against numpy on the
example MLP's weights (argument: the .onnx file); prints the lines and 'mlp ok'."""
import sys

import numpy as np
import onnx
from onnx import numpy_helper

w = {t.name: numpy_helper.to_array(t) for t in onnx.load(sys.argv[1]).graph.initializer}
x = (np.arange(16, dtype=np.float32) / 16).reshape(2, 8)
ref = (np.maximum(x @ w["w1"] + w["b1"], 0) @ w["w2"].T + w["b2"]).ravel()
for line in sys.stdin:
    print(line.rstrip())
    if line.startswith("mlp"):
        got = np.array([float(v) for v in line.split("=")[1].split()])
        err = np.linalg.norm(got - ref) / np.linalg.norm(ref)
        print("mlp ok" if err <= 1e-4 else f"mlp MISMATCH {err:.2e}")
