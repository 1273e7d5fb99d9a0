# Unsigned and int16 tensors through a compiled model, against numpy:
# uint8 Div/Max/Less/Cast (values above the signed range), uint16 Mod,
# uint32 -> float Cast, float -> uint8 Cast, int16 Min.
import sys

import numpy as np
import onnx
from onnx import TensorProto as T, helper

out = sys.argv[1]
rng = np.random.default_rng(0)
a8 = rng.integers(0, 256, (3, 5), dtype=np.uint8)
b8 = rng.integers(1, 256, (3, 5), dtype=np.uint8)
a16 = rng.integers(0, 65536, (7,), dtype=np.uint16)
b16 = rng.integers(1, 65536, (7,), dtype=np.uint16)
a32 = rng.integers(2**31, 2**32, (4,), dtype=np.uint32)
f = rng.uniform(0, 255, (6,)).astype(np.float32)
s16 = rng.integers(-30000, 30000, (5,), dtype=np.int16)
t16 = rng.integers(-30000, 30000, (5,), dtype=np.int16)
inputs = dict(a8=a8, b8=b8, a16=a16, b16=b16, a32=a32, f=f, s16=s16, t16=t16)
refs = dict(div8=a8 // b8, max8=np.maximum(a8, b8), less8=a8 < b8,
            wide8=a8.astype(np.int32), mod16=a16 % b16, f32=a32.astype(np.float32),
            tou8=f.astype(np.uint8), min16=np.minimum(s16, t16))
types = {np.dtype(np.uint8): T.UINT8, np.dtype(np.uint16): T.UINT16,
         np.dtype(np.uint32): T.UINT32, np.dtype(np.float32): T.FLOAT,
         np.dtype(np.int16): T.INT16, np.dtype(np.int32): T.INT32,
         np.dtype(np.bool_): T.BOOL}
nodes = [helper.make_node("Div", ["a8", "b8"], ["div8"]),
         helper.make_node("Max", ["a8", "b8"], ["max8"]),
         helper.make_node("Less", ["a8", "b8"], ["less8"]),
         helper.make_node("Cast", ["a8"], ["wide8"], to=T.INT32),
         helper.make_node("Mod", ["a16", "b16"], ["mod16"]),
         helper.make_node("Cast", ["a32"], ["f32"], to=T.FLOAT),
         helper.make_node("Cast", ["f"], ["tou8"], to=T.UINT8),
         helper.make_node("Min", ["s16", "t16"], ["min16"])]
vi = lambda name, arr: helper.make_tensor_value_info(name, types[arr.dtype], arr.shape)
graph = helper.make_graph(nodes, "unsigned", [vi(k, v) for k, v in inputs.items()],
                          [vi(k, v) for k, v in refs.items()])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
          f"{out}/model.onnx")
for d, arrays in (("in", inputs), ("ref", refs)):
    (__import__("os")).makedirs(f"{out}/{d}", exist_ok=True)
    for k, v in arrays.items():
        np.save(f"{out}/{d}/{k}.npy", v)
