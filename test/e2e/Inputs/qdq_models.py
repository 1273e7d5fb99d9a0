"""Pre-quantized (QDQ) linear layers and convolutions, as ONNX Runtime's
static quantizer writes them: QuantizeLinear -> DequantizeLinear on the
activation, DequantizeLinear on constant int8 weights, then MatMul/Gemm
(+ bias, ReLU) or Conv (+ bias).

  qdq_models.py OUT TESSERA_COMPILE

builds each case, compiles it with --report, runs it and compares it with
the QDQ semantics computed in numpy (float32 quantize arithmetic as ONNX
specifies it). Prints per case how many layers went onto the int8 kernels
and whether the outputs match (relative L2 <= 1e-5).
"""
import json
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh


def quant_dequant(x, s, zp, lo, hi):
    q = np.clip(np.rint(x / np.float32(s)) + np.float32(zp), lo, hi)
    return ((q - np.float32(zp)) * np.float32(s)).astype(np.float32)


def case(name, rng, shape, k, n, signed=False, gemm=False, per_channel=True, relu=False,
         bias=True, weight_zp=0, weight_min=-127, zero_points=True):
    """One layer; returns (model, inputs, expected output)."""
    wq = rng.randint(weight_min, 128, size=(n, k) if gemm else (k, n)).astype(np.int8)
    wq.flat[5] = weight_min
    sw = (rng.rand(n) * 0.02 + 0.002).astype(np.float32) if per_channel else \
        np.array(0.01, np.float32)
    sx, zx = np.float32(0.03), (np.int8(-3) if signed else np.uint8(131))
    if not zero_points:
        zx = np.uint8(0)
    lo, hi = (-128, 127) if signed else (0, 255)
    b = rng.randn(n).astype(np.float32)
    inits = [nh.from_array(wq, "wq"), nh.from_array(sw, "sw"),
             nh.from_array(np.array(sx), "sx"), nh.from_array(b, "b")]
    zp_in = []
    if zero_points:
        inits.append(nh.from_array(np.array(zx), "zx"))
        zp_in = ["zx"]
    wzp = []
    if weight_zp is not None:
        inits.append(nh.from_array(np.full(n if per_channel else (), weight_zp, np.int8), "zw"))
        wzp = ["zw"]
    axis = 0 if gemm else 1
    nodes = [h.make_node("QuantizeLinear", ["x", "sx", *zp_in], ["xq"]),
             h.make_node("DequantizeLinear", ["xq", "sx", *zp_in], ["xd"]),
             h.make_node("DequantizeLinear", ["wq", "sw", *wzp], ["wd"], axis=axis)]
    if gemm:
        nodes.append(h.make_node("Gemm", ["xd", "wd", "b"], ["mm"], transB=1))
    else:
        nodes.append(h.make_node("MatMul", ["xd", "wd"], ["mm0"]))
        nodes.append(h.make_node("Add", ["mm0", "b"] if bias else ["mm0", "mm0"], ["mm"]))
    out = "mm"
    if relu:
        nodes.append(h.make_node("Relu", ["mm"], ["r"]))
        out = "r"
    g = h.make_graph(nodes, name, [h.make_tensor_value_info("x", T.FLOAT, list(shape))],
                     [h.make_tensor_value_info(out, T.FLOAT, list(shape[:-1]) + [n])], inits)
    model = h.make_model(g, opset_imports=[h.make_opsetid("", 13)])
    x = (rng.randn(*shape) * 2).astype(np.float32)
    xd = quant_dequant(x, sx, zx if zero_points else 0, lo, hi)
    wf = (wq.astype(np.float32) - np.float32(weight_zp or 0))
    scale = sw if per_channel else sw.reshape(())
    wd = wf * (scale[:, None] if gemm and per_channel else scale)
    y = xd.astype(np.float64) @ (wd.T if gemm else wd).astype(np.float64)
    y = y + b if (bias or gemm) else y + y
    if relu:
        y = np.maximum(y, 0)
    return model, x, y


def conv_f64(x, w, strides, pads, dilations, group):
    """Float64 convolution of x [N, C, D1..Dk] and w [F, C / group, K1..Kk]."""
    import itertools
    k = x.ndim - 2
    xp = np.pad(x, [(0, 0), (0, 0)] + [(pads[i], pads[k + i]) for i in range(k)])
    out = [(xp.shape[2 + i] - dilations[i] * (w.shape[2 + i] - 1) - 1) // strides[i] + 1
           for i in range(k)]
    cg, fg = x.shape[1] // group, w.shape[0] // group
    y = np.zeros((x.shape[0], w.shape[0], *out))
    for g in range(group):
        for off in itertools.product(*[range(w.shape[2 + i]) for i in range(k)]):
            window = xp[(slice(None), slice(g * cg, (g + 1) * cg)) + tuple(
                slice(off[i] * dilations[i], off[i] * dilations[i] + (out[i] - 1) * strides[i]
                      + 1, strides[i]) for i in range(k))]
            y[:, g * fg:(g + 1) * fg] += np.einsum(
                "nc...,fc->nf...", window, w[(slice(g * fg, (g + 1) * fg), slice(None)) + off])
    return y


def conv_case(name, rng, x_shape, w_shape, strides=None, pads=None, dilations=None, group=1,
              signed=False, per_channel=True, bias=True):
    """One QDQ convolution; returns (model, inputs, expected output)."""
    k = len(x_shape) - 2
    strides, dilations = strides or [1] * k, dilations or [1] * k
    pads = pads or [0] * (2 * k)
    f = w_shape[0]
    wq = rng.randint(-127, 128, size=w_shape).astype(np.int8)
    sw = (rng.rand(f) * 0.02 + 0.002).astype(np.float32) if per_channel else \
        np.array(0.01, np.float32)
    sx, zx = np.float32(0.03), (np.int8(-3) if signed else np.uint8(131))
    lo, hi = (-128, 127) if signed else (0, 255)
    b = rng.randn(f).astype(np.float32)
    inits = [nh.from_array(wq, "wq"), nh.from_array(sw, "sw"), nh.from_array(np.array(sx), "sx"),
             nh.from_array(np.array(zx), "zx"),
             nh.from_array(np.zeros(sw.shape, np.int8), "zw")]
    nodes = [h.make_node("QuantizeLinear", ["x", "sx", "zx"], ["xq"]),
             h.make_node("DequantizeLinear", ["xq", "sx", "zx"], ["xd"]),
             h.make_node("DequantizeLinear", ["wq", "sw", "zw"], ["wd"], axis=0)]
    conv_in = ["xd", "wd"]
    if bias:
        inits.append(nh.from_array(b, "b"))
        conv_in.append("b")
    nodes.append(h.make_node("Conv", conv_in, ["y"], strides=strides, pads=pads,
                             dilations=dilations, group=group))
    x = (rng.randn(*x_shape) * 2).astype(np.float32)
    xd = quant_dequant(x, sx, zx, lo, hi)
    wd = wq.astype(np.float32) * (sw.reshape([f] + [1] * (k + 1)) if per_channel else sw)
    y = conv_f64(xd.astype(np.float64), wd.astype(np.float64), strides, pads, dilations, group)
    if bias:
        y += b.reshape([1, f] + [1] * k)
    g = h.make_graph(nodes, name, [h.make_tensor_value_info("x", T.FLOAT, list(x_shape))],
                     [h.make_tensor_value_info("y", T.FLOAT, list(y.shape))], inits)
    return h.make_model(g, opset_imports=[h.make_opsetid("", 13)]), x, y


def chain_case(name, rng):
    """A stem-like QDQ conv (3 -> 16 channels, 7x7, stride 2) and ReLU, the
    result quantized again (a QDQ pair) into a dilated 3x3 conv: the second
    conv reads the first's channels-last output. Returns (model, input)."""
    def qdq(src, dst, scale, zp):
        inits.extend([nh.from_array(np.array(scale, np.float32), dst + "_s"),
                      nh.from_array(np.array(zp, np.uint8), dst + "_z")])
        nodes.extend([h.make_node("QuantizeLinear", [src, dst + "_s", dst + "_z"], [dst + "_q"]),
                      h.make_node("DequantizeLinear", [dst + "_q", dst + "_s", dst + "_z"],
                                  [dst])])

    def weights(w_name, shape):
        wq = rng.randint(-127, 128, size=shape).astype(np.int8)
        sw = (rng.rand(shape[0]) * 0.02 + 0.002).astype(np.float32)
        inits.extend([nh.from_array(wq, w_name + "_q"), nh.from_array(sw, w_name + "_s"),
                      nh.from_array(np.zeros(shape[0], np.int8), w_name + "_z"),
                      nh.from_array(rng.randn(shape[0]).astype(np.float32), w_name + "_b")])
        nodes.append(h.make_node("DequantizeLinear", [w_name + "_q", w_name + "_s",
                                                      w_name + "_z"], [w_name], axis=0))

    nodes, inits = [], []
    qdq("x", "xd", 0.03, 128)
    weights("w1", (16, 3, 7, 7))
    nodes.append(h.make_node("Conv", ["xd", "w1", "w1_b"], ["c1"], strides=[2, 2],
                             pads=[3, 3, 3, 3]))
    nodes.append(h.make_node("Relu", ["c1"], ["r1"]))
    qdq("r1", "rd", 0.05, 0)
    weights("w2", (8, 16, 3, 3))
    nodes.append(h.make_node("Conv", ["rd", "w2", "w2_b"], ["y"], pads=[2, 2, 2, 2],
                             dilations=[2, 2]))
    g = h.make_graph(nodes, name, [h.make_tensor_value_info("x", T.FLOAT, [1, 3, 20, 20])],
                     [h.make_tensor_value_info("y", T.FLOAT, [1, 8, 10, 10])], inits)
    x = (rng.randn(1, 3, 20, 20) * 2).astype(np.float32)
    return h.make_model(g, opset_imports=[h.make_opsetid("", 13)]), x


def main():
    out, compiler = sys.argv[1:3]
    rng = np.random.RandomState(0)
    cases = {
        "matmul_u8_per_channel_relu": dict(shape=(4, 64), k=64, n=48, relu=True),
        "matmul_3d_tokens": dict(shape=(2, 7, 96), k=96, n=40),
        "gemm_s8_per_tensor": dict(shape=(5, 32), k=32, n=24, signed=True, gemm=True,
                                   per_channel=False),
        "gemm_s8_per_channel": dict(shape=(3, 40), k=40, n=16, signed=True, gemm=True),
        "no_zero_points": dict(shape=(4, 32), k=32, n=16, zero_points=False, weight_zp=None),
        # Near misses: stay as imported (still correct, not on the kernels).
        "near_weight_zero_point": dict(shape=(4, 32), k=32, n=16, weight_zp=3),
        "near_weight_minus_128": dict(shape=(4, 32), k=32, n=16, weight_min=-128),
    }
    convs = {
        "conv_3x3_pad_u8": dict(x_shape=(1, 8, 9, 9), w_shape=(16, 8, 3, 3),
                                pads=[1, 1, 1, 1]),
        "conv_strided_s8_per_tensor": dict(x_shape=(2, 4, 11, 10), w_shape=(6, 4, 3, 2),
                                           strides=[2, 1], dilations=[1, 2], pads=[1, 0, 0, 1],
                                           signed=True, per_channel=False, bias=False),
        "conv_1d": dict(x_shape=(2, 6, 20), w_shape=(5, 6, 3), strides=[2], pads=[1, 1]),
        "conv_grouped": dict(x_shape=(1, 8, 6, 6), w_shape=(6, 4, 3, 3), group=2,
                             pads=[1, 1, 1, 1]),
        # Near miss: a depthwise conv (9 terms per group) stays as imported.
        "near_conv_depthwise": dict(x_shape=(1, 4, 6, 6), w_shape=(4, 1, 3, 3), group=4),
    }
    for name, cfg in list(cases.items()) + list(convs.items()):
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        model, x, want = (conv_case if name in convs else case)(name, rng, **cfg)
        onnx.checker.check_model(model)
        onnx.save(model, os.path.join(d, "model.onnx"))
        np.save(os.path.join(d, "x.npy"), x)
        report = os.path.join(d, "report.json")
        subprocess.run([compiler, os.path.join(d, "model.onnx"), "-o", os.path.join(d, "m"),
                        "--report=" + report], check=True)
        subprocess.run([os.path.join(d, "m"), "--input", "x=" + os.path.join(d, "x.npy"),
                        "--output-dir", os.path.join(d, "out")], check=True)
        got = np.load(os.path.join(d, "out", os.listdir(os.path.join(d, "out"))[0]))
        err = np.linalg.norm(got - want) / np.linalg.norm(want)
        counts = json.load(open(report))["passes"]["tessera-fuse-qdq-linear"]
        fused = counts.get("qdq-linear", 0) + counts.get("qdq-conv", 0)
        print(f"{name}: int8 kernels {fused}, rel_l2 {err:.1e}",
              "ok" if err <= 1e-5 and np.isfinite(got).all() else "FAIL")


    # The chain: the int8 kernels against the reference decompositions
    # (--no-fused-kernels: im2col and the qlinear's reference, the same
    # float operations up to the order of the sums).
    name = "conv_chain_channels_last"
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    model, x = chain_case(name, rng)
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(d, "model.onnx"))
    np.save(os.path.join(d, "x.npy"), x)
    outs = {}
    for build, flags in (("kernels", []), ("decomposed", ["--no-fused-kernels"])):
        exe = os.path.join(d, build)
        subprocess.run([compiler, os.path.join(d, "model.onnx"), "-o", exe] + flags, check=True)
        subprocess.run([exe, "--input", "x=" + os.path.join(d, "x.npy"), "--output-dir",
                        os.path.join(d, build + "_out")], check=True)
        outs[build] = np.load(os.path.join(d, build + "_out", "y.npy"))
    ir = subprocess.run([compiler, os.path.join(d, "model.onnx"), "--emit=tessera", "-o", "-"],
                        check=True, capture_output=True, text=True).stdout
    err = np.linalg.norm(outs["kernels"] - outs["decomposed"]) / np.linalg.norm(outs["decomposed"])
    print(f"{name}: qconv {ir.count('tessera.qconv ')}, kernels vs decomposed rel_l2 {err:.1e}",
          "ok" if err <= 1e-6 and np.isfinite(outs["kernels"]).all() else "FAIL")


if __name__ == "__main__":
    main()
