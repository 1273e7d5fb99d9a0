"""ONNX Runtime's com.microsoft QOperator ops (what quantize_static writes in the QOperator
format around its QLinearConv/QLinearMatMul): QLinearAdd, QLinearMul, QLinearConcat,
QLinearSigmoid, QLinearLeakyRelu, QLinearGlobalAveragePool (channels first and last),
QLinearAveragePool and QLinearSoftmax, each a small model compiled with tessera-compile and run
on random 8-bit inputs (fixed seed), against numpy: quantize(f(dequantize(inputs))) with
ContribOperators.md's per-tensor scales and zero points. ONNX Runtime's own kernels compute in
float32 (some through lookup tables), so an output may differ by one step where the float result
lies within rounding error of a tie: each case reports its count of such outputs, which must
stay below 1% and never exceed one step.

usage: qlinear_contrib.py TOOLS_DIR WORK_DIR [BAD_CASE]
(with BAD_CASE, only writes WORK_DIR/bad.onnx: a model the importer must reject)
"""
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from dynamic_quant_matmul import emit_summary, rel_l2_check, write_case

rng = np.random.default_rng(3)
F32 = np.float32
ONNX_TYPE = {np.uint8: TensorProto.UINT8, np.int8: TensorProto.INT8}
RANGE = {np.uint8: (0, 255), np.int8: (-128, 127)}


def qparams(dtype, scale, zp):
    return np.array(scale, F32), np.array(zp, dtype)


def dq(x, s, z):
    return (x.astype(F32) - F32(z)) * F32(s)


def q(y, s, z, dtype):
    lo, hi = RANGE[dtype]
    return np.clip(np.rint(y.astype(F32) / F32(s)) + F32(z), lo, hi).astype(dtype)


def ints(dtype, shape):
    lo, hi = RANGE[dtype]
    return rng.integers(lo, hi + 1, size=shape).astype(dtype)


def model(name, op, inputs, consts, out_shape, out_dtype, node_inputs, **attrs):
    node = helper.make_node(op, node_inputs, ["Y"], name=name, domain="com.microsoft",
                            **attrs)
    graph = helper.make_graph(
        [node], name,
        [helper.make_tensor_value_info(k, ONNX_TYPE[v.dtype.type], list(v.shape))
         for k, v in inputs.items()],
        [helper.make_tensor_value_info("Y", ONNX_TYPE[out_dtype], list(out_shape))],
        [numpy_helper.from_array(v, k) for k, v in consts.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                   helper.make_opsetid("com.microsoft", 1)])


def binary(name, op, shape_a, shape_b, dtype):
    a, b = ints(dtype, shape_a), ints(dtype, shape_b)
    za, zb, zc = (0, -3, 5) if dtype == np.int8 else (120, 131, 100)
    c = {"sa": np.array(0.05, F32), "za": np.array(za, dtype), "sb": np.array(0.02, F32),
         "zb": np.array(zb, dtype), "sc": np.array(0.1 if op == "QLinearAdd" else 0.5, F32),
         "zc": np.array(zc, dtype)}
    fa, fb = dq(a, c["sa"], za), dq(b, c["sb"], zb)
    y = fa + fb if op == "QLinearAdd" else fa * fb
    ref = q(y, c["sc"], zc, dtype)
    return model(name, op, {"A": a, "B": b}, c, ref.shape, dtype,
                 ["A", "sa", "za", "B", "sb", "zb", "sc", "zc"]), {"A": a, "B": b}, ref


def unary(name, op, shape, dtype, fn, out_scale, out_zp, **attrs):
    x = ints(dtype, shape)
    c = {"sx": np.array(0.04, F32), "zx": np.array(10 if dtype == np.int8 else 128, dtype),
         "sy": np.array(out_scale, F32), "zy": np.array(out_zp, dtype)}
    ref = q(fn(dq(x, c["sx"], c["zx"])), c["sy"], out_zp, dtype)
    return model(name, op, {"X": x}, c, ref.shape, dtype, ["X", "sx", "zx", "sy", "zy"],
                 **attrs), {"X": x}, ref


def softmax(v, axis):
    e = np.exp(v - v.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def avgpool2(v):
    n, ch, h, w = v.shape
    return v.reshape(n, ch, h // 2, 2, w // 2, 2).mean(axis=(3, 5))


def concat(name):
    a, b = ints(np.uint8, (2, 3, 4)), ints(np.uint8, (2, 5, 4))
    c = {"sy": np.array(0.03, F32), "zy": np.array(90, np.uint8),
         "sa": np.array(0.02, F32), "za": np.array(128, np.uint8),
         "sb": np.array(0.05, F32), "zb": np.array(100, np.uint8)}
    y = np.concatenate([dq(a, 0.02, 128), dq(b, 0.05, 100)], axis=1)
    ref = q(y, c["sy"], 90, np.uint8)
    return model(name, "QLinearConcat", {"A": a, "B": b}, c, ref.shape, np.uint8,
                 ["sy", "zy", "A", "sa", "za", "B", "sb", "zb"], axis=-2), \
        {"A": a, "B": b}, ref


def qgemm(name, trans_a=False, trans_b=False, alpha=1.0, quantized=False):
    """QGemm of uint8 A [6, 32] and int8 B [32, 16] (per-column scales, int32 bias C): float
    output, or uint8 with y_scale."""
    m, k, n = 6, 32, 16
    a = ints(np.uint8, (k, m) if trans_a else (m, k))
    b = rng.integers(-127, 128, size=(n, k) if trans_b else (k, n)).astype(np.int8)
    c = {"as": np.array(0.02, F32), "az": np.array(120, np.uint8), "B": b,
         "bs": (rng.random(n) * 0.01 + 0.005).astype(F32), "bz": np.zeros(n, np.int8),
         "C": rng.integers(-3000, 3000, size=n).astype(np.int32)}
    names = ["A", "as", "az", "B", "bs", "bz", "C"]
    ac = a.astype(np.int64) - 120
    bc = b.astype(np.int64)
    prod = (ac.T if trans_a else ac) @ (bc.T if trans_b else bc)
    ab = (c["as"] * c["bs"]).astype(np.float64)
    y = (alpha * ab * prod + ab * c["C"]).astype(F32)
    out_dtype = F32
    if quantized:
        c["ys"], c["yz"] = np.array(0.05, F32), np.array(128, np.uint8)
        names += ["ys", "yz"]
        y, out_dtype = q(y, c["ys"], 128, np.uint8), np.uint8
    node = helper.make_node("QGemm", names, ["Y"], name=name, domain="com.microsoft",
                            alpha=alpha, transA=int(trans_a), transB=int(trans_b))
    out_type = TensorProto.FLOAT if out_dtype == F32 else ONNX_TYPE[out_dtype]
    graph = helper.make_graph(
        [node], name, [helper.make_tensor_value_info("A", TensorProto.UINT8, list(a.shape))],
        [helper.make_tensor_value_info("Y", out_type, [m, n])],
        [numpy_helper.from_array(v, key) for key, v in c.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                   helper.make_opsetid("com.microsoft", 1)]), \
        {"A": a}, y


CASES = {
    "qladd_u8_broadcast": lambda n: binary(n, "QLinearAdd", (2, 3, 4), (4,), np.uint8),
    "qlmul_s8": lambda n: binary(n, "QLinearMul", (3, 5), (3, 5), np.int8),
    "qlconcat_u8": concat,
    "qlsigmoid_u8": lambda n: unary(n, "QLinearSigmoid", (2, 16), np.uint8,
                                    lambda v: 1 / (1 + np.exp(-v)), 1 / 256, 0),
    "qlleakyrelu_s8": lambda n: unary(n, "QLinearLeakyRelu", (4, 9), np.int8,
                                      lambda v: np.where(v < 0, F32(0.1) * v, v), 0.04, 0,
                                      alpha=0.1),
    "qlgap_u8": lambda n: unary(n, "QLinearGlobalAveragePool", (1, 8, 5, 5), np.uint8,
                                lambda v: v.mean(axis=(2, 3), keepdims=True), 0.02, 128),
    "qlgap_channels_last": lambda n: unary(n, "QLinearGlobalAveragePool", (1, 5, 5, 8),
                                           np.uint8,
                                           lambda v: v.mean(axis=(1, 2), keepdims=True), 0.02,
                                           128, channels_last=1),
    "qlavgpool_u8": lambda n: unary(n, "QLinearAveragePool", (1, 4, 8, 8), np.uint8, avgpool2,
                                    0.03, 128, kernel_shape=[2, 2], strides=[2, 2]),
    "qlsoftmax_u8": lambda n: unary(n, "QLinearSoftmax", (2, 10), np.uint8,
                                    lambda v: softmax(v, -1), 1 / 256, 0, axis=-1, opset=13),
    "qgemm_float_out": lambda n: qgemm(n),
    "qgemm_transb_alpha_quantized": lambda n: qgemm(n, trans_b=True, alpha=0.5, quantized=True),
    # Near miss: a transposed A takes the exact f64 product.
    "qgemm_transa": lambda n: qgemm(n, trans_a=True),
}


def run(tools, work, name):
    m, inputs, ref = CASES[name](name)
    d, path, flags = write_case(work, name, m, inputs)
    subprocess.run([os.path.join(tools, "tessera-compile"), path, "-o", os.path.join(d, "m")],
                   check=True)
    subprocess.run([os.path.join(d, "m"), *flags, "--output-dir", os.path.join(d, "out")],
                   check=True)
    y = np.load(os.path.join(d, "out", "Y.npy"))
    how = f" [{emit_summary(tools, path)}]" if name.startswith("qgemm") else ""
    if ref.dtype == F32:
        ok, text = rel_l2_check(ref)(y, 1e-6)
        print(f"{name}: {'ok' if ok else 'FAIL'} ({text}){how}")
        return
    if y.dtype != ref.dtype or y.shape != ref.shape:
        print(f"{name}: FAIL ({y.dtype}{list(y.shape)} vs {ref.dtype}{list(ref.shape)})")
        return
    diff = np.abs(y.astype(np.int64) - ref.astype(np.int64))
    off = int((diff > 0).sum())
    ok = diff.max() <= 1 and off <= 0.01 * diff.size
    print(f"{name}: {'ok' if ok else 'FAIL'} ({off}/{diff.size} off by one, "
          f"max {diff.max()}){how}")


def main():
    tools, work = sys.argv[1:3]
    if len(sys.argv) > 3:  # a per-channel scale: refused, naming the node
        os.makedirs(work, exist_ok=True)
        a = np.zeros((2, 3), np.uint8)
        c = {"sa": np.ones(3, F32), "za": np.array(0, np.uint8), "sb": np.array(1, F32),
             "zb": np.array(0, np.uint8), "sc": np.array(1, F32), "zc": np.array(0, np.uint8)}
        onnx.save(model("bad", "QLinearAdd", {"A": a, "B": a}, c, (2, 3), np.uint8,
                        ["A", "sa", "za", "B", "sb", "zb", "sc", "zc"]),
                  os.path.join(work, "bad.onnx"))
        return
    for name in CASES:
        run(tools, work, name)


if __name__ == "__main__":
    main()
