# bf16 tensors inside a model, against torch's bfloat16 (round to nearest
# even): Cast f32 -> bf16 -> f32 over ties, the largest finite values (which
# round to infinity), NaN, infinities, signed zeros, subnormals and random
# values; a bf16 Mul, Add and Relu (each rounded once to bf16); a bf16 model
# input and output.
import sys

import numpy as np
import onnx
import torch
from onnx import TensorProto as T, helper

out = sys.argv[1]
rng = np.random.default_rng(0)
edge = np.array([
    1.0 + 2.0**-8,           # a tie: rounds down to the even 1.0
    1.0 + 3 * 2.0**-8,       # a tie: rounds up to the even 1.0 + 2^-6
    1.0 + 2.0**-8 + 2.0**-20,  # just above a tie: up
    -(1.0 + 2.0**-8),
    3.3961e38, 3.4028235e38, -3.4028235e38,  # the largest finite: to +-inf
    np.nan, np.inf, -np.inf, 0.0, -0.0,
    1e-40, -3e-39, 1.17549435e-38,  # subnormal and the smallest normal
    65504.0, 1e10, -7.25e-5], dtype=np.float32)
x = np.concatenate([edge, rng.standard_normal(46).astype(np.float32) * 100])
w = rng.standard_normal(x.shape).astype(np.float32)
xb_in = rng.standard_normal(x.shape).astype(np.float32)

tx = torch.from_numpy(x).to(torch.bfloat16)
tw = torch.from_numpy(w).to(torch.bfloat16)
tb = torch.from_numpy(xb_in).to(torch.bfloat16)
refs = dict(rounded=tx.float(), product=(tx * tw).float(),
            sum_relu=torch.relu(tx + tb).float(), bf16_out=(tb * tb))

nodes = [
    helper.make_node("Cast", ["x"], ["xb"], to=T.BFLOAT16),
    helper.make_node("Cast", ["w"], ["wb"], to=T.BFLOAT16),
    helper.make_node("Cast", ["xb"], ["rounded"], to=T.FLOAT),
    helper.make_node("Mul", ["xb", "wb"], ["pb"]),
    helper.make_node("Cast", ["pb"], ["product"], to=T.FLOAT),
    helper.make_node("Add", ["xb", "b"], ["sb"]),
    helper.make_node("Relu", ["sb"], ["rb"]),
    helper.make_node("Cast", ["rb"], ["sum_relu"], to=T.FLOAT),
    helper.make_node("Mul", ["b", "b"], ["bf16_out"]),
]
n = x.shape[0]
graph = helper.make_graph(
    nodes, "bfloat16",
    [helper.make_tensor_value_info("x", T.FLOAT, [n]),
     helper.make_tensor_value_info("w", T.FLOAT, [n]),
     helper.make_tensor_value_info("b", T.BFLOAT16, [n])],
    [helper.make_tensor_value_info("rounded", T.FLOAT, [n]),
     helper.make_tensor_value_info("product", T.FLOAT, [n]),
     helper.make_tensor_value_info("sum_relu", T.FLOAT, [n]),
     helper.make_tensor_value_info("bf16_out", T.BFLOAT16, [n])])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.checker.check_model(model)
import os
os.makedirs(f"{out}/in", exist_ok=True)
os.makedirs(f"{out}/ref", exist_ok=True)
onnx.save(model, f"{out}/model.onnx")
np.save(f"{out}/in/x.npy", x)
np.save(f"{out}/in/w.npy", w)
# bf16 crosses the boundary as its bits (uint16).
np.save(f"{out}/in/b.npy", tb.view(torch.int16).numpy().view(np.uint16))
for name, t in refs.items():
    if t.dtype == torch.bfloat16:
        np.save(f"{out}/ref/{name}.npy", t.view(torch.int16).numpy().view(np.uint16))
    else:
        np.save(f"{out}/ref/{name}.npy", t.numpy())
