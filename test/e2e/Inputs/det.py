# Det of 4x4 and larger matrices (Gaussian elimination with partial pivoting
# at import) against numpy: a batch of 5x5 f32, 8x8 f64, a 4x4 with a zero
# column (det exactly 0, no NaN) and a 6x6 permutation-scaled matrix whose
# every pivot needs a row swap.
import os
import sys

import numpy as np
import onnx
from onnx import helper, TensorProto as T
out = sys.argv[1]; os.makedirs(out + "/in", exist_ok=True); os.makedirs(out + "/ref", exist_ok=True)
rng = np.random.default_rng(0)
a = rng.standard_normal((3, 5, 5)).astype(np.float32)
b = rng.standard_normal((4, 4)).astype(np.float32)
b[:, 0] = 0  # singular: the first pivot is 0
c = rng.standard_normal((2, 8, 8)).astype(np.float64)
p = np.eye(6, dtype=np.float32)[[2, 0, 5, 1, 3, 4]] * np.arange(1, 7, dtype=np.float32)  # zero pivots without swaps
ins = dict(a=a, b=b, c=c, p=p)
refs = {"da": np.linalg.det(a.astype(np.float64)).astype(np.float32), "db": np.float32(np.linalg.det(b.astype(np.float64))),
        "dc": np.linalg.det(c), "dp": np.float32(np.linalg.det(p.astype(np.float64)))}
nodes = [helper.make_node("Det", [k], ["d" + k]) for k in ins]
ty = {np.dtype(np.float32): T.FLOAT, np.dtype(np.float64): T.DOUBLE}
g = helper.make_graph(nodes, "det", [helper.make_tensor_value_info(k, ty[v.dtype], v.shape) for k, v in ins.items()],
                      [helper.make_tensor_value_info(k, ty[np.asarray(v).dtype], np.asarray(v).shape) for k, v in refs.items()])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), out + "/model.onnx")
for k, v in ins.items(): np.save(f"{out}/in/{k}.npy", v)
for k, v in refs.items(): np.save(f"{out}/ref/{k}.npy", np.asarray(v))
