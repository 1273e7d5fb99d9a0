# Unsigned and int16 tensors through a compiled model, against numpy:
# uint8 Div/Max/Less/Cast (values above the signed range), uint16 Mod,
# uint32 -> float Cast, float -> uint8 Cast, int16 Min; uint64 values on both
# sides of 2^63 through the order-only ops (Max, Less, ArgMax, TopK, Clip with
# constant bounds, ReduceMin), which see them biased by 2^63; a uint32 Min
# against an initializer above 2^31.
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
u64 = rng.integers(0, 2**64, (3, 6), dtype=np.uint64)
v64 = rng.integers(0, 2**64, (3, 6), dtype=np.uint64)
lo64, hi64 = np.uint64(2**62), np.uint64(2**63 + 2**62)
inputs = dict(a8=a8, b8=b8, a16=a16, b16=b16, a32=a32, f=f, s16=s16, t16=t16,
              u64=u64, v64=v64)
refs = dict(div8=a8 // b8, max8=np.maximum(a8, b8), less8=a8 < b8,
            wide8=a8.astype(np.int32), mod16=a16 % b16, f32=a32.astype(np.float32),
            tou8=f.astype(np.uint8), min16=np.minimum(s16, t16),
            max64=np.maximum(u64, v64), less64=u64 < v64,
            argmax64=np.argmax(u64, axis=1).astype(np.int64),
            topk64=np.sort(u64, axis=1)[:, ::-1][:, :2].copy(),
            clip64=np.clip(u64, lo64, hi64), rmin64=u64.min(axis=0),
            min32=np.minimum(a32, np.uint32(3 * 2**30)))
types = {np.dtype(np.uint8): T.UINT8, np.dtype(np.uint16): T.UINT16,
         np.dtype(np.uint32): T.UINT32, np.dtype(np.float32): T.FLOAT,
         np.dtype(np.int16): T.INT16, np.dtype(np.int32): T.INT32,
         np.dtype(np.bool_): T.BOOL, np.dtype(np.uint64): T.UINT64,
         np.dtype(np.int64): T.INT64}
nodes = [helper.make_node("Div", ["a8", "b8"], ["div8"]),
         helper.make_node("Max", ["a8", "b8"], ["max8"]),
         helper.make_node("Less", ["a8", "b8"], ["less8"]),
         helper.make_node("Cast", ["a8"], ["wide8"], to=T.INT32),
         helper.make_node("Mod", ["a16", "b16"], ["mod16"]),
         helper.make_node("Cast", ["a32"], ["f32"], to=T.FLOAT),
         helper.make_node("Cast", ["f"], ["tou8"], to=T.UINT8),
         helper.make_node("Min", ["s16", "t16"], ["min16"]),
         helper.make_node("Max", ["u64", "v64"], ["max64"]),
         helper.make_node("Less", ["u64", "v64"], ["less64"]),
         helper.make_node("ArgMax", ["u64"], ["argmax64"], axis=1, keepdims=0),
         helper.make_node("TopK", ["u64", "k"], ["topk64", "topk64_idx"], axis=1),
         helper.make_node("Clip", ["u64", "lo64", "hi64"], ["clip64"]),
         helper.make_node("ReduceMin", ["u64"], ["rmin64"], axes=[0], keepdims=0),
         helper.make_node("Min", ["a32", "hi32"], ["min32"])]
inits = [helper.make_tensor("k", T.INT64, [1], [2]),
         helper.make_tensor("lo64", T.UINT64, [], [int(lo64)]),
         helper.make_tensor("hi64", T.UINT64, [], [int(hi64)]),
         # uint32 and uint64 initializers hold their values in uint64_data
         helper.make_tensor("hi32", T.UINT32, [], [3 * 2**30])]
vi = lambda name, arr: helper.make_tensor_value_info(name, types[arr.dtype], arr.shape)
graph = helper.make_graph(nodes, "unsigned", [vi(k, v) for k, v in inputs.items()],
                          [vi(k, v) for k, v in refs.items()], initializer=inits)
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
          f"{out}/model.onnx")
for d, arrays in (("in", inputs), ("ref", refs)):
    (__import__("os")).makedirs(f"{out}/{d}", exist_ok=True)
    for k, v in arrays.items():
        np.save(f"{out}/{d}/{k}.npy", v)
