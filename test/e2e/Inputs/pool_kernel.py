"""MaxPool nodes of many geometries against torch (float64):

  pool_kernel.py OUT TESSERA_COMPILE

builds each case as a one-node ONNX model, compiles it, runs it on 1 and on
2 threads, and prints per case whether the runtime's kernel
(tessera_max_pool2d_f32: its AVX-512 path for strides 1 and 2 where the CPU
has AVX-512, its portable loops otherwise) computed it and whether both
outputs equal torch's max_pool exactly (NaN exactly where torch has it).
"""
import os
import subprocess
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import TensorProto as T
from onnx import helper as h

out, compiler = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
rng = np.random.RandomState(0)


def reference(x, kernel, strides, pads, dilations, ceil_mode):
    """torch's max_pool on float64: the ONNX pads (begins, then ends) as -inf
    first, or with ceil_mode torch's own (symmetric) padding."""
    k = len(kernel)
    t = torch.from_numpy(x.astype(np.float64))
    if k == 3:
        if ceil_mode:
            return F.max_pool3d(t, kernel, strides, padding=pads[:3], dilation=dilations,
                                ceil_mode=True).numpy()
        t = F.pad(t, [pads[2], pads[5], pads[1], pads[4], pads[0], pads[3]], value=-np.inf)
        return F.max_pool3d(t, kernel, strides, dilation=dilations).numpy()
    if k == 1:
        t = t.unsqueeze(2)
        kernel, strides, dilations = [1] + kernel, [1] + strides, [1] + dilations
        pads = [0, pads[0], 0, pads[1]]
    if ceil_mode:
        y = F.max_pool2d(t, kernel, strides, padding=pads[:2], dilation=dilations,
                         ceil_mode=True)
    else:
        t = F.pad(t, [pads[1], pads[3], pads[0], pads[2]], value=-np.inf)
        y = F.max_pool2d(t, kernel, strides, dilation=dilations)
    return (y.squeeze(2) if k == 1 else y).numpy()


def case(name, x_shape, kernel, strides=None, pads=None, dilations=None, ceil_mode=0,
         nan=False, nhwc=False):
    k = len(kernel)
    strides = strides or [1] * k
    pads = pads or [0] * (2 * k)
    dilations = dilations or [1] * k
    x = rng.randn(*x_shape).astype(np.float32)
    if nan:
        x.flat[x.size // 3] = np.nan
        x.flat[x.size // 2 + 5] = np.nan
    ref = reference(x, list(kernel), list(strides), list(pads), list(dilations), ceil_mode)
    nodes = [h.make_node("MaxPool", ["x"], ["y"], kernel_shape=kernel, strides=strides,
                         pads=pads, dilations=dilations, ceil_mode=ceil_mode)]
    if nhwc == "out":
        # Only the output channels-last: the pool channels-last on the
        # channel-first graph input, which reaches the kernel as a
        # transposed view (the kernel copies it channels-last).
        ref = ref.transpose(0, 2, 3, 1)
        nodes = [h.make_node("MaxPool", ["x"], ["yt"], **{a.name: h.get_attribute_value(a)
                                                        for a in nodes[0].attribute}),
                 h.make_node("Transpose", ["yt"], ["y"], perm=[0, 2, 3, 1])]
    elif nhwc:
        # A channels-last model: Transposes around the pool, which
        # tessera-channels-last cancels, so the kernel reads and writes
        # [N, H, W, C].
        x, ref = x.transpose(0, 2, 3, 1).copy(), ref.transpose(0, 2, 3, 1)
        nodes = ([h.make_node("Transpose", ["x"], ["xt"], perm=[0, 3, 1, 2])] +
                 [h.make_node("MaxPool", ["xt"], ["yt"], **{a.name: h.get_attribute_value(a)
                                                          for a in nodes[0].attribute})] +
                 [h.make_node("Transpose", ["yt"], ["y"], perm=[0, 2, 3, 1])])
    graph = h.make_graph(nodes, name, [h.make_tensor_value_info("x", T.FLOAT, list(x.shape))],
                         [h.make_tensor_value_info("y", T.FLOAT, None)])
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 17)])
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "model.onnx")
    onnx.save(model, path)
    np.save(os.path.join(d, "x.npy"), x)
    ir = subprocess.run([compiler, path, "--emit=llvm", "-o", "-"], check=True,
                        capture_output=True, text=True).stdout
    lowering = "pool-kernel" if "tessera_max_pool2d_f32" in ir else "loops"
    if nhwc:
        tir = subprocess.run([compiler, path, "--emit=tessera", "-o", "-"], check=True,
                             capture_output=True, text=True).stdout
        if "channels_last" in tir and (nhwc == "out" or "tessera.transpose" not in tir):
            lowering += " channels-last"
    exe = os.path.join(d, "model")
    subprocess.run([compiler, path, "-o", exe], check=True)
    for threads in (1, 2):
        res = os.path.join(d, "out%d" % threads)
        subprocess.run([exe, "--input=x=" + os.path.join(d, "x.npy"), "--output-dir", res,
                        "--threads", str(threads)], check=True, capture_output=True)
        y = np.load(os.path.join(res, "y.npy")).astype(np.float64)
        same = (y.shape == ref.shape and (np.isnan(y) == np.isnan(ref)).all()
                and (y[~np.isnan(ref)] == ref[~np.isnan(ref)]).all())
        if not same:
            print("%s: %s MISMATCH on %d threads (shape %s, want %s)" %
                  (name, lowering, threads, y.shape, ref.shape))
            return
    print("%s: %s, %s, ok" % (name, lowering, "x".join(map(str, ref.shape))))


# Stride 2: ResNet's 3x3/2 stem pool (rows a multiple of 16), rows with a
# tail and a batch, asymmetric pads, a 2x2/2 pool, rows wider than 64, a
# 5x5/2 with ceil_mode (windows past the end), a NaN.
case("resnet_3x3_s2", (1, 8, 112, 112), [3, 3], [2, 2], [1, 1, 1, 1])
case("s2_tail_batch", (2, 5, 23, 37), [3, 3], [2, 2], [1, 1, 1, 1])
case("s2_asym_pads", (1, 3, 15, 16), [3, 3], [2, 2], [0, 1, 1, 0])
case("s2_2x2", (1, 6, 32, 34), [2, 2], [2, 2])
case("s2_wide_rows", (1, 2, 9, 150), [3, 3], [2, 2], [1, 1, 1, 1])
case("s2_5x5_ceil", (1, 2, 19, 23), [5, 5], [2, 2], [2, 2, 2, 2], ceil_mode=1)
case("s2_nan", (1, 4, 20, 20), [3, 3], [2, 2], [1, 1, 1, 1], nan=True)
# Stride 1: same padding, dilation, a wide 7x7 window.
case("s1_3x3_same", (1, 4, 20, 19), [3, 3], [1, 1], [1, 1, 1, 1])
case("s1_dilated", (1, 3, 17, 21), [3, 3], [1, 1], [2, 2, 2, 2], [2, 2])
case("s1_7x7", (1, 2, 16, 40), [7, 7], [1, 1], [3, 3, 3, 3])
# 1-d (generated loops, not the kernel); the portable loops: stride 2 with dilation, stride 3.
case("pool1d_s2", (2, 4, 50), [3], [2], [1, 1])
case("s2_dilated_portable", (1, 3, 20, 20), [3, 3], [2, 2], [1, 1, 1, 1], [2, 2])
case("s3_portable", (1, 3, 20, 22), [3, 3], [3, 3], [1, 1, 1, 1])
# Channels-last (the kernel's loops along the channels: vectors of 16 four
# at a time, single vectors, then single channels): ResNet's stem pool over
# 64 channels, a batch with 40 (two vectors and a tail of 8), stride 1 with
# dilation over 80, ceil_mode over 20, NaN over 32.
case("cl_resnet_3x3_s2", (1, 64, 28, 28), [3, 3], [2, 2], [1, 1, 1, 1], nhwc=True)
case("cl_s2_asym_batch", (2, 40, 13, 11), [3, 3], [2, 2], [0, 1, 1, 0], nhwc=True)
case("cl_s1_dilated", (1, 80, 9, 10), [3, 3], [1, 1], [2, 2, 2, 2], [2, 2], nhwc=True)
case("cl_5x5_ceil", (1, 20, 19, 23), [5, 5], [2, 2], [2, 2, 2, 2], ceil_mode=1, nhwc=True)
case("cl_nan", (1, 32, 12, 12), [3, 3], [2, 2], [1, 1, 1, 1], nan=True, nhwc=True)
# Stride 2 over 144 channels with NaN: the AVX2 build's tiles of one
# position x 64 channels twice, then a single vector 4 positions at a time.
case("cl_s2_c144_nan", (1, 144, 13, 12), [3, 3], [2, 2], [1, 1, 1, 1], nan=True,
     nhwc=True)
# Stride 1, undilated: the register-reusing tiles (3 wide: 4 x 4 vectors,
# then a single one; 5 wide as YOLO's SPPF: 6 x 2, then one, with NaN).
case("cl_s1_3x3", (1, 80, 9, 10), [3, 3], [1, 1], [1, 1, 1, 1], nhwc=True)
case("cl_s1_5x5_nan", (1, 48, 8, 7), [5, 5], [1, 1], [2, 2, 2, 2], nan=True, nhwc=True)
# Small maps with many channels: on 2 threads split by channels (a batch,
# 200 channels: pieces of whole vectors, the last one with a tail of 8).
case("cl_s1_chsplit_nan", (2, 200, 10, 9), [3, 3], [1, 1], [1, 1, 1, 1], nan=True,
     nhwc=True)
# 24 channels: a single reusing vector, then the last one overlapping it.
case("cl_s1_3x3_tail", (1, 24, 9, 10), [3, 3], [1, 1], [1, 1, 1, 1], nan=True, nhwc=True)
# Channels-last out, the channel-first graph input in: a batch with NaN,
# ResNet's stem pool.
case("cl_in_view_s2_batch_nan", (2, 40, 15, 13), [3, 3], [2, 2], [1, 1, 1, 1], nan=True,
     nhwc="out")
case("cl_in_view_resnet", (1, 64, 56, 56), [3, 3], [2, 2], [1, 1, 1, 1], nhwc="out")
# 3-d pools (video models: S3D): a 2-d pool over [N, C*T, H, W], then one
# over T on [N, C, T, H'*W']. A 3x3x3/2 pool, a spatial-only 1x3x3/(1,2,2)
# pool, and a batch with a temporal dilation, pads on two dims, ceil_mode and
# NaNs.
case("pool3d_3x3x3_s2", (1, 6, 8, 14, 14), [3, 3, 3], [2, 2, 2], [1, 1, 1, 1, 1, 1])
case("pool3d_spatial", (1, 4, 4, 20, 20), [1, 3, 3], [1, 2, 2], [0, 1, 1, 0, 1, 1])
case("pool3d_ceil_dil_batch", (2, 3, 9, 9, 10), [3, 2, 2], [2, 1, 2], [1, 0, 1, 1, 0, 1],
     [2, 1, 1], ceil_mode=1, nan=True)
