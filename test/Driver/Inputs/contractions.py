"""Inputs and reference check for contractions.mlir: contractions.py DIR gen|check."""
import os
import subprocess
import sys

import numpy as np

d, mode = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(1)
shapes = {"a": ((2, 4, 8), np.float32), "b": ((2, 8, 16), np.float32),
          "c": ((4, 8), np.float64), "d": ((8, 4), np.float64),
          "e": ((4, 8), np.float32), "f": ((16, 8), np.float32)}
x = {k: rng.standard_normal(s).astype(t) for k, (s, t) in shapes.items()}
if mode == "gen":
    for k, v in x.items():
        np.save(os.path.join(d, k + ".npy"), v)
    sys.exit(0)
ref = os.path.join(d, "ref")
os.makedirs(ref, exist_ok=True)
np.save(os.path.join(ref, "ab.npy"), (x["a"].astype(np.float64) @ x["b"]).astype(np.float32))
np.save(os.path.join(ref, "cd.npy"), x["c"] @ x["d"])
np.save(os.path.join(ref, "ef.npy"), (x["e"].astype(np.float64) @ x["f"].T).astype(np.float32))
compare = os.path.join(os.path.dirname(__file__), "..", "..", "e2e", "compare.py")
sys.exit(subprocess.call([sys.executable, compare, ref, os.path.join(d, "out")]))
