"""AveragePool nodes of many geometries against a float64 reference:

  avg_pool_kernel.py OUT TESSERA_COMPILE

builds each case as a small ONNX model, compiles it, runs it on 1 and on 2
threads, and prints per case how the pool was lowered (the runtime's
depthwise kernel, tessera_depthwise_conv2d_f32, with or without a division
after it, or loops) and whether both outputs are within 1e-6 relative L2 of
the reference (NaN exactly where the reference has it). A Pad of zeros
before the pool (PyTorch's export of avg_pool2d with padding, as in
Inception v3) is taken into the pool: the case says so.
"""
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper

out, compiler = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
rng = np.random.RandomState(0)


def reference(x, kernel, strides, pads, ceil_mode, count_include_pad):
    """The ONNX AveragePool on float64: window sums of the zero-padded input
    (end pads extended for ceil_mode's last windows), divided by the same
    sums over a mask of the counted positions (the input, plus the explicit
    pads with count_include_pad)."""
    k = len(kernel)
    spatial = x.shape[2:]
    outs = []
    for i in range(k):
        room = spatial[i] + pads[i] + pads[i + k] - kernel[i]
        o = (-(-room // strides[i]) if ceil_mode else room // strides[i]) + 1
        if ceil_mode and (o - 1) * strides[i] >= spatial[i] + pads[i]:
            o -= 1
        outs.append(o)
    extra = [max(0, (outs[i] - 1) * strides[i] + kernel[i] - spatial[i] - pads[i])
             for i in range(k)]
    width = [(0, 0), (0, 0)] + [(pads[i], extra[i]) for i in range(k)]
    xp = np.pad(x.astype(np.float64), width)
    mask = np.zeros(xp.shape[2:])
    inside = tuple(slice(0 if count_include_pad else pads[i],
                         pads[i] + spatial[i] + (pads[i + k] if count_include_pad else 0))
                   for i in range(k))
    mask[inside] = 1
    total = np.zeros(x.shape[:2] + tuple(outs))
    count = np.zeros(tuple(outs))
    for tap in np.ndindex(*kernel):
        window = tuple(slice(tap[i], tap[i] + (outs[i] - 1) * strides[i] + 1, strides[i])
                       for i in range(k))
        total += xp[(slice(None), slice(None)) + window]
        count += mask[window]
    return total / count


def case(name, x_shape, kernel, strides=None, pads=None, ceil_mode=0, count_include_pad=0,
         nan=False, nhwc=False, pad_node=None, pad_value=0.0):
    k = len(kernel)
    strides = strides or [1] * k
    pads = pads or [0] * (2 * k)
    x = rng.randn(*x_shape).astype(np.float32)
    if nan:
        x.flat[x.size // 3] = np.nan
    attrs = dict(kernel_shape=kernel, strides=strides, pads=pads, ceil_mode=ceil_mode,
                 count_include_pad=count_include_pad)
    nodes, inits, src = [], [], "x"
    if pad_node:
        # An explicit Pad of zeros (ONNX pads: every dim's begin, then ends).
        xpad = np.pad(x, [(0, 0), (0, 0)] + [(pad_node[i], pad_node[i + k]) for i in range(k)],
                      constant_values=pad_value)
        ref = reference(xpad, list(kernel), list(strides), list(pads), ceil_mode,
                        count_include_pad)
        amounts = [0, 0] + list(pad_node[:k]) + [0, 0] + list(pad_node[k:])
        inits.append(numpy_helper.from_array(np.array(amounts, np.int64), "amounts"))
        inits.append(numpy_helper.from_array(np.array(pad_value, np.float32), "value"))
        nodes.append(h.make_node("Pad", ["x", "amounts", "value"], ["xp"], mode="constant"))
        src = "xp"
    else:
        ref = reference(x, list(kernel), list(strides), list(pads), ceil_mode,
                        count_include_pad)
    if nhwc:
        # A channels-last model: Transposes around the pool, which
        # tessera-channels-last cancels.
        x, ref = x.transpose(0, 2, 3, 1).copy(), ref.transpose(0, 2, 3, 1)
        nodes = [h.make_node("Transpose", ["x"], ["xt"], perm=[0, 3, 1, 2]),
                 h.make_node("AveragePool", ["xt"], ["yt"], **attrs),
                 h.make_node("Transpose", ["yt"], ["y"], perm=[0, 2, 3, 1])]
    else:
        nodes.append(h.make_node("AveragePool", [src], ["y"], **attrs))
    graph = h.make_graph(nodes, name, [h.make_tensor_value_info("x", T.FLOAT, list(x.shape))],
                         [h.make_tensor_value_info("y", T.FLOAT, None)], inits)
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 17)])
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "model.onnx")
    onnx.save(model, path)
    np.save(os.path.join(d, "x.npy"), x)
    ir = subprocess.run([compiler, path, "--emit=linalg", "-o", "-"], check=True,
                        capture_output=True, text=True).stdout
    if "tessera_depthwise_conv2d_f32" in ir:
        lowering = "depthwise-kernel" + (" divided" if "arith.divf" in ir else "")
    else:
        lowering = "loops"
    if nhwc or pad_node:
        tir = subprocess.run([compiler, path, "--emit=tessera", "-o", "-"], check=True,
                             capture_output=True, text=True).stdout
        if nhwc and "channels_last" in tir and "tessera.transpose" not in tir:
            lowering += " channels-last"
        if pad_node and "tessera.pad" not in tir:
            lowering += " pad-folded"
    exe = os.path.join(d, "model")
    subprocess.run([compiler, path, "-o", exe], check=True)
    for threads in (1, 2):
        res = os.path.join(d, "out%d" % threads)
        subprocess.run([exe, "--input=x=" + os.path.join(d, "x.npy"), "--output-dir", res,
                        "--threads", str(threads)], check=True, capture_output=True)
        y = np.load(os.path.join(res, "y.npy")).astype(np.float64)
        ok = y.shape == ref.shape and (np.isnan(y) == np.isnan(ref)).all()
        if ok:
            keep = ~np.isnan(ref)
            err = np.linalg.norm(y[keep] - ref[keep]) / max(np.linalg.norm(ref[keep]), 1e-30)
            ok = err <= 1e-6
        if not ok:
            print("%s: %s MISMATCH on %d threads (shape %s, want %s)" %
                  (name, lowering, threads, y.shape, ref.shape))
            return
    print("%s: %s, %s, ok" % (name, lowering, "x".join(map(str, ref.shape))))


# Inception v3's pools: avg_pool2d(x, 3, 1, 1) exported as a Pad and a
# pool without pads (every window's divisor 9), channel-first and with a
# batch; the same geometry as explicit pads with count_include_pad.
case("inception_pad_pool", (1, 24, 35, 35), [3, 3], pad_node=[1, 1, 1, 1])
case("pad_pool_batch", (2, 5, 9, 11), [3, 3], pad_node=[1, 1, 1, 1])
case("s1_count_pad", (1, 8, 17, 17), [3, 3], [1, 1], [1, 1, 1, 1], count_include_pad=1)
# Border windows divide by fewer (count_include_pad = 0): the kernel's sums,
# then the division.
case("s1_border", (1, 6, 12, 13), [3, 3], [1, 1], [1, 1, 1, 1])
case("s2_border_asym", (1, 5, 15, 16), [3, 3], [2, 2], [0, 1, 1, 0])
# DenseNet's transitions (2x2/2, no pads) and a 5x5/3 with ceil_mode (the
# last windows read past the end; not counted).
case("densenet_2x2_s2", (1, 16, 28, 28), [2, 2], [2, 2])
case("s3_5x5_ceil", (1, 4, 19, 23), [5, 5], [3, 3], [2, 2, 2, 2], ceil_mode=1,
     count_include_pad=1)
case("s2_ceil_border", (1, 3, 10, 11), [3, 3], [2, 2], [1, 1, 1, 1], ceil_mode=1)
case("nan", (1, 4, 10, 10), [3, 3], [1, 1], [1, 1, 1, 1], nan=True)
# 1-d pools (a height-1 depthwise conv) and a 3-d one (loops).
case("pool1d_s2", (2, 4, 50), [3], [2], [1, 1])
case("pool1d_pad_node", (1, 6, 40), [4], [1], pad_node=[2, 1])
case("pool3d", (1, 3, 6, 7, 8), [2, 3, 3], [2, 1, 2], [0, 1, 1, 1, 1, 0])
# Channels-last (the kernel along the channels).
case("cl_s1_count_pad", (1, 40, 12, 12), [3, 3], [1, 1], [1, 1, 1, 1], count_include_pad=1,
     nhwc=True)
case("cl_s2_border_batch", (2, 20, 13, 11), [3, 3], [2, 2], [1, 1, 1, 1], nhwc=True)
case("cl_2x2_s2", (1, 32, 14, 14), [2, 2], [2, 2], nhwc=True)
# Near misses of the Pad fold: a non-zero pad value stays a Pad; a pool
# whose own pads are not counted (count_include_pad = 0) keeps the Pad too.
case("pad_value_one", (1, 4, 9, 9), [3, 3], pad_node=[1, 1, 1, 1], pad_value=1.0)
case("pad_pool_own_pads", (1, 4, 9, 9), [3, 3], [1, 1], [1, 1, 1, 1], pad_node=[1, 1, 1, 1])
