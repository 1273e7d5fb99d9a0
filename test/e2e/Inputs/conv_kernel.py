"""One-group, grouped and depthwise f32 Conv nodes of many geometries against torch
(float64):

  conv_kernel.py OUT TESSERA_COMPILE

builds each case as a one-node ONNX model, compiles it twice (with the
runtime's kernels, and with --no-fused-kernels: im2col + matmul), runs both
(the first on each of the runtime's conv paths: as the CPU picks, with
TESSERA_CONV_DIRECT=0 and =avx2 (the AVX2 direct kernel where the AVX-512 one
is picked), with TESSERA_GEMM_PORTABLE=1, and on two threads split by
positions and by channels, TESSERA_CONV_SPLIT) and prints per case
the kernel that ran (its TESSERA_PROFILE: tessera_conv2d_f32, the depthwise
kernel, or for non-overlapping patches the importer's linear layer; for a
channels-last model, whether its buffers went straight into the kernel),
what --report says was fused, and whether every output matches torch
(relative L2 <= 1e-5, no NaN).
"""
import json
import os
import subprocess
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

out, compiler = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
rng = np.random.RandomState(0)


def reference(x, w, b, strides, pads, dilations, group):
    """torch's conv on float64, the ONNX pads (begins, then ends) applied first."""
    k = w.ndim - 2
    padded = torch.from_numpy(x.astype(np.float64))
    # F.pad takes (last dim's begin, end, the one before's begin, end, ...).
    torch_pads = []
    for i in reversed(range(k)):
        torch_pads += [pads[i], pads[i + k]]
    padded = F.pad(padded, torch_pads)
    conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[k]
    y = conv(padded, torch.from_numpy(w.astype(np.float64)),
             None if b is None else torch.from_numpy(b.astype(np.float64)),
             stride=strides, dilation=dilations, groups=group)
    return y.numpy()


def case(name, x_shape, f, kernel, strides=None, pads=None, dilations=None, bias=True,
         group=1, act=None, nan=False, residual=None, nhwc=False, pre_act=None):
    k = len(kernel)
    strides = strides or [1] * k
    pads = pads or [0] * (2 * k)
    dilations = dilations or [1] * k
    c = x_shape[1]
    x = rng.randn(*x_shape).astype(np.float32)
    if nan:
        # NaN, or the value given (an Inf).
        x.flat[x.size // 3] = np.nan if nan is True else nan
    w = (rng.randn(f, c // group, *kernel) / np.sqrt(c // group * np.prod(kernel))).astype(
        np.float32)
    b = rng.randn(f).astype(np.float32) if bias else None
    inits = [nh.from_array(w, "w")] + ([nh.from_array(b, "b")] if bias else [])
    ref = reference(x, w, b, strides, pads, dilations, group)
    inputs = {"x": x}
    conv_out = "c" if act else "y"
    nodes = [h.make_node("Conv", ["x", "w"] + (["b"] if bias else []),
                         ["c0" if residual else conv_out],
                         strides=strides, pads=pads, dilations=dilations, group=group)]
    # An activation right after the conv, before any residual: SiLU as
    # torch exports it (x * Sigmoid(x)), Sigmoid or Tanh.
    if pre_act:
        name_out = nodes[0].output[0]
        nodes[0].output[0] = "pre"
        if pre_act == "silu":
            nodes += [h.make_node("Sigmoid", ["pre"], ["pre_s"]),
                      h.make_node("Mul", ["pre", "pre_s"], [name_out])]
        elif pre_act == "hardsigmoid_mul":
            # HardSwish as torch exports it below opset 14.
            nodes += [h.make_node("HardSigmoid", ["pre"], ["pre_s"], alpha=1 / 6, beta=0.5),
                      h.make_node("Mul", ["pre", "pre_s"], [name_out])]
        elif pre_act == "hardswish":
            nodes.append(h.make_node("HardSwish", ["pre"], [name_out]))
        else:
            nodes.append(h.make_node(pre_act.capitalize(), ["pre"], [name_out]))
        t = torch.from_numpy(ref)
        ref = {"silu": F.silu, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
               "hardswish": F.hardswish,
               "hardsigmoid_mul": F.hardswish}[pre_act](t).numpy()
    # A residual Add: "r" a graph input of the output's shape (on either side
    # of the Add), or a slice of a wider one (a strided view).
    if residual:
        shape = list(ref.shape)
        if residual == "sliced":
            shape[-1] += 3
        r = rng.randn(*shape).astype(np.float32)
        inputs["r"] = r
        src = "r"
        if residual == "sliced":
            last = len(shape) - 1
            inits += [nh.from_array(np.array(v, np.int64), n)
                      for v, n in (([1], "s0"), ([shape[-1] - 2], "s1"), ([last], "sa"))]
            nodes.append(h.make_node("Slice", ["r", "s0", "s1", "sa"], ["rs"]))
            src = "rs"
            r = r[..., 1:-2]
        pair = [src, "c0"] if residual == "left" else ["c0", src]
        nodes.append(h.make_node("Add", pair, [conv_out]))
        ref = ref + r.astype(np.float64)
    # A ReLU, or a Clip with constant bounds (lo, hi; None leaves a side open).
    if act == "relu":
        nodes.append(h.make_node("Relu", ["c"], ["y"]))
    elif act:
        lo, hi = act
        inits += [nh.from_array(np.array(v, np.float32), n) for v, n in ((lo, "lo"), (hi, "hi"))
                  if v is not None]
        nodes.append(h.make_node("Clip", ["c", "lo" if lo is not None else "",
                                           "hi" if hi is not None else ""], ["y"]))
    if nhwc:
        # A channels-last model: the inputs and the output [N, H, W, C] (1-d:
        # [N, L, C]), Transposes around the conv that tessera-channels-last
        # cancels, so the kernel reads and writes channels-last buffers.
        # nhwc="out": only the output channels-last, the kernel's input the
        # channel-first graph input passed as a transposed view.
        rank = len(x_shape)
        last = [0] + list(range(2, rank)) + [1]
        first = [0, rank - 1] + list(range(1, rank - 1))
        cl = lambda v: v.transpose(*last)
        if nhwc != "out":
            nodes = [h.make_node("Transpose", [n + "_cl"], [n], perm=first)
                     for n in inputs] + nodes
            inputs = {n + "_cl": cl(v).copy() for n, v in inputs.items()}
        nodes[-1].output[0] = "y_cf"
        nodes.append(h.make_node("Transpose", ["y_cf"], ["y"], perm=last))
        ref = cl(ref)
    graph = h.make_graph(nodes, name,
                         [h.make_tensor_value_info(n, T.FLOAT, list(v.shape))
                          for n, v in inputs.items()],
                         [h.make_tensor_value_info("y", T.FLOAT, None)], inits)
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 17)])
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "model.onnx")
    onnx.save(model, path)
    for n, v in inputs.items():
        np.save(os.path.join(d, n + ".npy"), v)
    if act == "relu":
        ref = np.maximum(ref, 0)  # NaN stays NaN
    elif act:
        ref = np.clip(ref, act[0] if act[0] is not None else -np.inf,
                      act[1] if act[1] is not None else np.inf)
    results = []
    lowering = None
    for tag, flags in (("kernels", []), ("im2col", ["--no-fused-kernels"])):
        exe = os.path.join(d, tag)
        report = os.path.join(d, "report.json")
        if tag == "kernels":
            flags = flags + ["--report=" + report]
        subprocess.run([compiler, path, "-o", exe] + flags, check=True)
        # The kernel build on each of the runtime's paths: the direct AVX2
        # kernel where the CPU has it, the packed GEMM (implicit im2col, or
        # positions as rows) and the portable code. The first run's profile
        # names the kernel that ran.
        profile = os.path.join(d, tag + "_profile.json")
        envs = [("", {"TESSERA_PROFILE": profile})]
        if tag == "kernels":
            envs += [("gemm", {"TESSERA_CONV_DIRECT": "0"}),
                     # Winograd F(4x4, 3x3) for every channels-last 3x3 conv
                     # of stride 1; F(2x2, 3x3) for every one, on 2 threads
                     # (which split its output channels) and on 1; for none.
                     ("winograd", {"TESSERA_CONV_WINOGRAD": "1"}),
                     ("winograd2", {"TESSERA_CONV_WINOGRAD": "2",
                                    "TESSERA_NUM_THREADS": "2"}),
                     ("winograd2_1t", {"TESSERA_CONV_WINOGRAD": "2",
                                       "TESSERA_NUM_THREADS": "1"}),
                     ("nowinograd", {"TESSERA_CONV_WINOGRAD": "0"}),
                     # The same on the AVX2 kernels (WinogradAvx2.cpp) where
                     # the CPU has AVX-512.
                     ("winograd_avx2", {"TESSERA_CONV_WINOGRAD": "1",
                                        "TESSERA_CONV_DIRECT": "avx2"}),
                     ("winograd2_avx2", {"TESSERA_CONV_WINOGRAD": "2",
                                         "TESSERA_CONV_DIRECT": "avx2",
                                         "TESSERA_NUM_THREADS": "2"}),
                     ("avx2", {"TESSERA_CONV_DIRECT": "avx2"}),
                     ("portable", {"TESSERA_GEMM_PORTABLE": "1"}),
                     # Both ways of sharing a conv between two threads.
                     ("positions", {"TESSERA_CONV_SPLIT": "positions",
                                    "TESSERA_NUM_THREADS": "2"}),
                     ("channels", {"TESSERA_CONV_SPLIT": "channels",
                                   "TESSERA_NUM_THREADS": "2"}),
                     # Per plane; blocks of 8 channels only (the AVX2 CPUs'
                     # path; with AVX-512, blocks of 16 first); channels-last,
                     # the AVX2 build. Depthwise convs only (below).
                     ("planes", {"TESSERA_DEPTHWISE_INTERLEAVED": "0"}),
                     ("blocks8", {"TESSERA_GEMM_ISA": "avx2"}),
                     # Channels-last depthwise convs on small maps split by
                     # rows as large ones are, rather than by channels.
                     ("rowsplit", {"TESSERA_NHWC_CHANNEL_SPLIT": "0",
                                   "TESSERA_NUM_THREADS": "2"}),
                     # Grouped channels-last convs without the row tiles.
                     ("norows", {"TESSERA_CONV_ROWS": "0"}),
                     # Channels-last 1x1 projections on the direct kernel
                     # rather than the GEMM.
                     ("pwdirect", {"TESSERA_CONV_POINTWISE_GEMM": "0"}),
                     # Channels-last 1x1 convs of stride 1 over a batch
                     # image by image rather than as one image of all the
                     # positions.
                     ("perimage", {"TESSERA_CONV_MERGE_IMAGES": "0"})]
        for suffix, env in envs:
            if suffix in ("planes", "blocks8") and not lowering.startswith("depthwise"):
                continue
            if suffix == "rowsplit" and not (nhwc and lowering.startswith("depthwise")):
                continue
            if suffix == "norows" and not (nhwc and group > 1 and
                                           lowering.startswith("conv-kernel")):
                continue
            if suffix == "pwdirect" and not (
                    nhwc and lowering.startswith("conv-kernel") and kernel == [1, 1]
                    and strides == [1, 1] and group == 1):
                continue
            if suffix == "perimage" and not (
                    nhwc and lowering.startswith("conv-kernel") and kernel == [1, 1]
                    and strides == [1, 1] and x_shape[0] > 1):
                continue
            # Winograd takes one group, or groups of 32 or more input
            # channels and a multiple of 16 of both.
            wide = group == 1 or (c // group >= 32 and c // group % 16 == 0
                                  and f // group % 16 == 0)
            if suffix.startswith(("winograd", "nowinograd")) and not (
                    nhwc and lowering.startswith("conv-kernel") and kernel == [3, 3]
                    and strides == [1, 1] and dilations == [1, 1] and wide):
                continue
            res = os.path.join(d, tag + suffix + "_out")
            subprocess.run([exe] + ["--input=%s=%s" % (n, os.path.join(d, n + ".npy"))
                                    for n in inputs] + ["--output-dir", res],
                           check=True, capture_output=True, env=dict(os.environ, **env))
            if tag == "kernels" and not suffix:
                # What ran (the runtime kernel, or only generated code) and
                # what the graph passes did.
                ran = [e["name"] for e in json.load(open(profile))["traceEvents"]
                       if e.get("ph") == "X"]
                counts = json.load(open(report))["passes"]
                fusions = counts["tessera-fuse-conv-activation"]
                fused = " + ".join(f for f in ("conv-residual", "conv-activation")
                                   if fusions[f] > 0)
                lowering = ("conv-kernel" if "conv2d_f32" in ran else
                            "depthwise" if "depthwise_conv2d_f32" in ran else
                            "patch-linear" if "linear_f32" in ran else "im2col")
                # A channels-last model's buffers straight into the kernel
                # (no transposing copy around it).
                if (nhwc and counts["tessera-channels-last"]["channels-last"] > 0
                        and len(ran) == 1):
                    lowering += " channels-last"
            y = np.load(os.path.join(res, "y.npy")).astype(np.float64)
            # NaN exactly where the reference has it (a NaN input), else none.
            finite = np.isfinite(ref)
            ok = y.shape == ref.shape and (np.isfinite(y) == finite).all()
            err = (np.linalg.norm(y[finite] - ref[finite]) / np.linalg.norm(ref[finite])
                   if ok else float("inf"))
            results.append("%s %.1e" % (suffix or tag, err))
            if not (ok and err <= 1e-5):
                print("%s: %s MISMATCH (%s)" % (name, suffix or tag, results[-1]))
                return
    print("%s: %s%s, %s, ok" % (name, lowering, " + " + fused if fused else "",
                                ", ".join(results)))


# The implicit GEMM: 3x3 same padding, the ResNet stem (7x7, stride 2, pad 3),
# stride 2 with asymmetric pads and dilation over a batch, a pointwise conv,
# a kernel wider than the input with pads, a 3x3/2 with a strided input row
# read, and 1-d feature extractors (the wav2vec2 stem has few positions:
# rows in the packed-GEMM path). Non-overlapping patches (2x2/2, 4x4/4) stay
# a linear layer.
case("conv3x3_same", (1, 16, 20, 20), 24, [3, 3], pads=[1, 1, 1, 1])
case("conv7x7_stem", (1, 3, 40, 36), 16, [7, 7], strides=[2, 2], pads=[3, 3, 3, 3])
case("conv3x3_s2_asym_dil_batch", (2, 5, 33, 37), 12, [3, 3], strides=[2, 2],
     pads=[0, 1, 2, 1], dilations=[2, 2], bias=False)
case("conv1x1", (1, 64, 24, 24), 32, [1, 1])
case("patch2x2", (1, 8, 32, 32), 96, [2, 2], strides=[2, 2])
case("wide_kernel_pads", (1, 3, 5, 40), 20, [7, 5], pads=[3, 2, 3, 2])
case("patch4x4_nobias", (2, 3, 64, 64), 40, [4, 4], strides=[4, 4], bias=False)
case("conv3x3_s2", (1, 16, 40, 40), 32, [3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
case("conv1d_stem", (1, 1, 800), 32, [10], strides=[5])
case("conv1d_dilated_pads", (2, 8, 600), 12, [3], strides=[2], pads=[4, 1], dilations=[3])
# Output channels in blocks of 3 and of 2 vectors (the AVX-512 direct
# kernel picks the block that pads the fewest: 96 = 2 x 48, 160 = 5 x 32).
case("conv3x3_f96", (1, 32, 14, 13), 96, [3, 3], pads=[1, 1, 1, 1])
case("conv1x1_k320_f160", (1, 320, 7, 7), 160, [1, 1])
# Few positions and many channels: the packed-GEMM path takes them as rows.
case("rows_7x7_batch", (3, 32, 7, 7), 64, [3, 3], pads=[1, 1, 1, 1])
case("rows_1x1_output", (1, 16, 5, 5), 40, [5, 5])
# Depthwise (tessera_depthwise_conv2d_f32): the specialized 3x3, 5x5 and 7x7
# kernels at strides 1 and 2, widths that are no multiple of 8, a plane
# narrower than 8, asymmetric pads, and the general loop (dilation, 1-d with
# 31 taps like the Conformer's, 3x5, stride 3; 13x13).
case("dw3x3", (2, 24, 21, 19), 24, [3, 3], pads=[1, 1, 1, 1], group=24)
case("dw3x3_s2", (1, 16, 30, 37), 16, [3, 3], strides=[2, 2], pads=[1, 1, 1, 1], group=16)
case("dw5x5_s2_asym", (1, 8, 29, 40), 8, [5, 5], strides=[2, 2], pads=[2, 1, 1, 2], group=8,
     bias=False)
case("dw7x7", (1, 12, 14, 14), 12, [7, 7], pads=[3, 3, 3, 3], group=12)
case("dw3x3_narrow", (1, 10, 6, 5), 10, [3, 3], pads=[1, 1, 1, 1], group=10)
case("dw3x3_dilated", (1, 8, 25, 33), 8, [3, 3], pads=[2, 2, 2, 2], dilations=[2, 2], group=8)
case("dw1d_31", (2, 16, 150), 16, [31], pads=[15, 15], group=16)
case("dw3x5_s3", (1, 6, 40, 41), 6, [3, 5], strides=[3, 3], pads=[0, 2, 1, 0], group=6)
# More than 128 taps: the kernel's plain per-output loop.
# Small planes take the channel-interleaved path (8 channels per vector,
# the rest per plane): channel tails, a batch, stride 2 with asymmetric pads,
# dilation, a generic 3x5 kernel, one plane narrower and shorter than 8.
case("dwi_tail_batch", (2, 20, 9, 11), 20, [3, 3], pads=[1, 1, 1, 1], group=20)
case("dwi_s2_asym", (1, 16, 14, 13), 16, [3, 3], strides=[2, 2], pads=[0, 1, 1, 0], group=16)
case("dwi_5x5_dilated", (1, 24, 12, 12), 24, [5, 5], pads=[4, 4, 4, 4], dilations=[2, 2],
     group=24)
case("dwi_3x5_s2_nobias", (1, 8, 15, 17), 8, [3, 5], strides=[2, 1], pads=[1, 2, 0, 1], group=8,
     bias=False)
case("dwi_tiny", (1, 8, 3, 2), 8, [3, 3], pads=[1, 1, 1, 1], group=8)
# Blocks of 16 channels (AVX-512), then one of 8, then planes, over a batch
# with a ReLU6; a 5x5/2 over two blocks of 16.
case("dwi16_mixed_batch", (2, 43, 9, 10), 43, [3, 3], pads=[1, 1, 1, 1], group=43,
     act=(0.0, 6.0))
case("dwi16_5x5_s2", (1, 32, 15, 14), 32, [5, 5], strides=[2, 2], pads=[2, 2, 2, 2], group=32)
case("dw13x13_plain", (1, 4, 20, 22), 4, [13, 13], pads=[6, 6, 6, 6], group=4)
# Fused activations (tessera-fuse-conv-activation): ReLU, ReLU6 (Clip 0..6)
# and a Clip with only a lower bound on each kernel, a Clip on the GEMM
# paths' small and large maps, and a NaN input that must stay NaN.
case("conv3x3_relu", (1, 8, 20, 20), 24, [3, 3], pads=[1, 1, 1, 1], act="relu")
case("conv1x1_relu6_large", (1, 16, 24, 24), 32, [1, 1], act=(0.0, 6.0))
# K = 160 > the AVX2 GEMM's K block: the clamp and bias go into the last
# block's tile stores.
case("conv1x1_k160_relu", (1, 160, 20, 20), 24, [1, 1], act="relu")
case("conv3x3_clip_rows", (1, 32, 7, 7), 64, [3, 3], pads=[1, 1, 1, 1], act=(-0.5, 0.5))
case("dw3x3_relu6", (1, 16, 17, 19), 16, [3, 3], pads=[1, 1, 1, 1], group=16, act=(0.0, 6.0))
case("dw5x5_clipmin", (1, 8, 12, 12), 8, [5, 5], strides=[2, 2], pads=[2, 2, 2, 2], group=8,
     act=(0.25, None))
case("conv3x3_relu_nan", (1, 4, 16, 16), 16, [3, 3], pads=[1, 1, 1, 1], act="relu", nan=True)
case("dw3x3_relu_nan", (1, 8, 16, 16), 8, [3, 3], pads=[1, 1, 1, 1], group=8, act="relu",
     nan=True)
# Residual Adds (tessera-fuse-conv-activation's conv residual), with and
# without an activation after them: the direct kernel's store, the GEMM's
# epilogue (1x1 over a large map), the positions-as-rows path (7x7 map), a
# strided slice as the residual, 1-d, a batch with stride 2, depthwise (the
# kernel, then one elementwise add), and a NaN input.
case("res3x3_relu", (1, 16, 14, 14), 16, [3, 3], pads=[1, 1, 1, 1], act="relu",
     residual="right")
case("res1x1_large_relu", (1, 64, 24, 24), 32, [1, 1], act="relu", residual="left")
case("res_rows_7x7", (1, 64, 7, 7), 128, [3, 3], pads=[1, 1, 1, 1], act="relu",
     residual="right")
case("res_sliced_relu6", (1, 8, 10, 10), 8, [3, 3], pads=[1, 1, 1, 1], act=(0.0, 6.0),
     residual="sliced")
case("res_1d", (1, 8, 50), 12, [3], pads=[1, 1], bias=False, residual="right")
case("res_batch_s2", (2, 8, 9, 9), 16, [3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
     residual="left")
case("res_depthwise_relu", (1, 16, 9, 9), 16, [3, 3], pads=[1, 1, 1, 1], group=16,
     act="relu", residual="right")
case("res_relu_nan", (1, 8, 12, 12), 8, [3, 3], pads=[1, 1, 1, 1], act="relu", nan=True,
     residual="right")

# Channels-last models (tessera-channels-last): the direct kernel reading a
# zero-padded [H, W, C] copy with the channels as the inner taps and storing
# each position's channels as one run (5 channels, stride 2, dilation,
# asymmetric pads, a batch; the 7x7 stem; a residual and a ReLU); in place
# (1x1 of stride 2); the 1x1 GEMM with the positions as rows (a residual on
# either side, a batch without bias: projections, below); depthwise along the channels (vectors
# of 16 four at a time, then single ones, then a tail; stride 2, dilation,
# all-border planes, ReLU6, NaN; stride 1 reusing the columns it loads).
case("cl_conv3x3_s2_asym_dil_batch", (2, 5, 33, 37), 12, [3, 3], strides=[2, 2],
     pads=[0, 1, 2, 1], dilations=[2, 2], bias=False, nhwc=True)
case("cl_stem7x7", (1, 3, 40, 36), 16, [7, 7], strides=[2, 2], pads=[3, 3, 3, 3], nhwc=True)
case("cl_res3x3_relu", (1, 16, 14, 14), 40, [3, 3], pads=[1, 1, 1, 1], act="relu",
     residual="right", nhwc=True)
case("cl_conv1x1_s2", (1, 32, 14, 13), 48, [1, 1], strides=[2, 2], nhwc=True)
case("cl_res1x1_relu6", (1, 64, 24, 24), 32, [1, 1], act=(0.0, 6.0), residual="left",
     nhwc=True)
case("cl_conv1x1_batch_nobias", (2, 20, 5, 7), 40, [1, 1], bias=False, nhwc=True)
# More than 1.5 blocks of 256 taps: partial sums over a block and a tail
# (432 = 256 + 176 taps, with a residual and ReLU; 600 = 256 + 256 + 88).
case("cl_res3x3_k432_relu", (1, 48, 11, 13), 40, [3, 3], pads=[1, 1, 1, 1], act="relu",
     residual="right", nhwc=True)
case("cl_conv1x1_k600_batch", (2, 600, 5, 6), 24, [1, 1], nhwc=True)
# Projections (1x1, at most half as many outputs as inputs, at least 64
# inputs: the GEMM with the positions as rows; the "pwdirect" run is the
# direct kernel): SiLU, a residual and a NaN over a batch; a near miss, 64
# -> 64 with ReLU, stays direct.
case("cl_proj1x1_silu_res_nan", (2, 96, 7, 9), 24, [1, 1], pre_act="silu",
     residual="left", nan=True, nhwc=True)
case("cl_proj1x1_square_relu", (1, 64, 10, 10), 64, [1, 1], act="relu", nhwc=True)
# A batch of 1x1 convs of stride 1 runs as one image of all the positions
# (the "perimage" run: one image at a time): an expansion on the direct
# kernel with a residual, and a projection on the GEMM; near misses, padded
# (the output has positions the input lacks) and strided, go image by image.
case("cl_exp1x1_res_relu_batch3", (3, 16, 6, 5), 48, [1, 1], act="relu",
     residual="right", nhwc=True)
case("cl_proj1x1_gemm_batch3", (3, 128, 5, 7), 40, [1, 1], nhwc=True)
case("cl_conv1x1_pad_batch", (2, 24, 5, 6), 32, [1, 1], pads=[0, 0, 1, 1], nhwc=True)
case("cl_conv1x1_s2_batch", (2, 24, 7, 6), 32, [1, 1], strides=[2, 2], nhwc=True)
case("cl_conv3x3_relu_nan", (1, 4, 16, 16), 16, [3, 3], pads=[1, 1, 1, 1], act="relu",
     nan=True, nhwc=True)
case("cl_dw3x3_relu6_batch", (2, 43, 9, 10), 43, [3, 3], pads=[1, 1, 1, 1], group=43,
     act=(0.0, 6.0), nhwc=True)
case("cl_dw5x5_s2", (1, 64, 15, 14), 64, [5, 5], strides=[2, 2], pads=[2, 2, 2, 2], group=64,
     nhwc=True)
case("cl_dw3x3_80", (1, 80, 12, 11), 80, [3, 3], pads=[1, 1, 1, 1], group=80, bias=False,
     nhwc=True)
case("cl_dw3x3_dilated", (1, 16, 25, 33), 16, [3, 3], pads=[2, 2, 2, 2], dilations=[2, 2],
     group=16, nhwc=True)
case("cl_dw3x3_tiny", (1, 32, 3, 2), 32, [3, 3], pads=[1, 1, 1, 1], group=32, nhwc=True)
case("cl_dw3x3_relu_nan", (1, 32, 16, 16), 32, [3, 3], pads=[1, 1, 1, 1], group=32,
     act="relu", nan=True, nhwc=True)
# The register-reusing tiles of stride-1 depthwise windows: 5 wide (6 x 2
# vectors, then single vectors, then a tail), a row narrower than one tile
# (taps outside on both sides), 3 wide unpadded (unchecked tiles, a row's
# last tile short).
case("cl_dw5x5_s1_relu6", (1, 72, 9, 13), 72, [5, 5], pads=[2, 2, 2, 2], group=72,
     act=(0.0, 6.0), nhwc=True)
case("cl_dw5x5_narrow", (1, 32, 7, 4), 32, [5, 5], pads=[2, 2, 2, 2], group=32, nhwc=True)
case("cl_dw3x3_valid", (1, 64, 10, 11), 64, [3, 3], group=64, nhwc=True)
# Channel counts no multiple of 16: the last vector ends at channel C and
# overlaps the one before (after 4 x 4 reusing tiles, with NaN; after plain
# tiles at stride 2); under 16 channels, one at a time.
case("cl_dw3x3_tail_nan", (1, 72, 11, 10), 72, [3, 3], pads=[1, 1, 1, 1], group=72,
     act="relu", nan=True, nhwc=True)
case("cl_dw5x5_s2_tail", (1, 20, 13, 12), 20, [5, 5], strides=[2, 2], pads=[2, 2, 2, 2],
     group=20, nhwc=True)
# Stride 2 over 152 channels (AVX2: one position x 64 channels twice, a
# vector, then the last one overlapping it), with NaN and a clamp.
case("cl_dw3x3_s2_c152_nan", (1, 152, 11, 13), 152, [3, 3], strides=[2, 2],
     pads=[1, 1, 1, 1], group=152, act=(0.0, 6.0), nan=True, nhwc=True)
case("cl_dw3x3_12", (1, 12, 9, 9), 12, [3, 3], pads=[1, 1, 1, 1], group=12, nhwc=True)
# Small maps with many channels split by channels between the threads
# (pieces of whole 16-channel vectors, the last one taking the tail): a
# batch of 7x7 maps with 200 channels and NaN (4 pieces per image, a tail
# of 8), stride 2 over 152 channels at 14x13 (the output 7x7), SiLU on 64
# channels at 16x16 (the most positions split so: 2 pieces of 32).
case("cl_dw5x5_chsplit_batch_nan", (2, 200, 7, 7), 200, [5, 5], pads=[2, 2, 2, 2], group=200,
     act=(0.0, 6.0), nan=True, nhwc=True)
case("cl_dw3x3_chsplit_s2", (1, 152, 14, 13), 152, [3, 3], strides=[2, 2],
     pads=[1, 1, 1, 1], group=152, nhwc=True)
case("cl_dw3x3_chsplit_silu", (1, 64, 16, 16), 64, [3, 3], pads=[1, 1, 1, 1], group=64,
     pre_act="silu", nhwc=True)
# An activation fused before the residual and the clamp
# (clamp(act(conv + bias) + residual)): on the partial sums of the direct
# kernel (both layouts; the GEMM paths' epilogue with TESSERA_CONV_DIRECT=0,
# positions as rows included), on the channels-last depthwise rows, and
# after the channel-first depthwise paths; NaN stays NaN.
case("cl_silu3x3_nan", (1, 16, 14, 14), 40, [3, 3], pads=[1, 1, 1, 1], pre_act="silu",
     nan=True, nhwc=True)
case("cl_silu3x3_res_relu", (1, 24, 10, 9), 24, [3, 3], pads=[1, 1, 1, 1], pre_act="silu",
     residual="right", act="relu", nhwc=True)
case("cl_dw3x3_silu_relu6", (1, 96, 9, 10), 96, [3, 3], pads=[1, 1, 1, 1], group=96,
     pre_act="silu", act=(0.0, 6.0), nhwc=True)
# A channels-last depthwise conv whose input is the channel-first graph
# input (a transposed view): the kernel copies it channels-last first.
case("cl_in_view_dw3x3_silu_batch", (2, 40, 17, 15), 40, [3, 3], pads=[1, 1, 1, 1], group=40,
     pre_act="silu", nan=True, nhwc="out")
case("cl_in_view_dw5x5_s2_relu6", (1, 24, 30, 29), 24, [5, 5], strides=[2, 2],
     pads=[2, 1, 1, 2], group=24, act=(0.0, 6.0), nhwc="out")
# The same for one-group convs: 1x1 convs and those over 16 channels or
# more copy the input channels-last (a batch with NaN; a residual that is a
# channel-first input too); a stem's 3 channels take the channel-major copy.
case("cl_in_view_1x1_batch_nan", (2, 8, 13, 11), 24, [1, 1], nan=True, nhwc="out")
case("cl_in_view_3x3_c16_relu", (1, 16, 20, 17), 32, [3, 3], pads=[1, 1, 1, 1], act="relu",
     nhwc="out")
case("cl_in_view_1x1_res", (1, 12, 9, 10), 20, [1, 1], residual="right", nhwc="out")
case("cl_in_view_stem", (1, 3, 30, 28), 16, [3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
     nhwc="out")
# Tight clamps on both sides (most outputs clamped), a residual, 48
# channels (3 blocks of 16 stored from the tiles' registers), NaN through
# SiLU and an upper bound alone.
case("cl_conv1x1_clip_res", (1, 16, 10, 12), 48, [1, 1], residual="right",
     act=(-0.5, 0.5), nhwc=True)
case("cl_conv3x3_silu_clip_nan", (1, 8, 9, 10), 32, [3, 3], pads=[1, 1, 1, 1],
     pre_act="silu", act=(None, 0.4), nan=True, nhwc=True)
case("rows_7x7_sigmoid", (3, 32, 7, 7), 64, [3, 3], pads=[1, 1, 1, 1], pre_act="sigmoid")
case("conv1d_tanh", (1, 8, 100), 12, [3], pads=[1, 1], pre_act="tanh")
# HardSwish (MobileNetV3): the ONNX op, and HardSigmoid times x.
case("cl_hardswish_nan", (1, 16, 11, 10), 40, [3, 3], pads=[1, 1, 1, 1], pre_act="hardswish",
     nan=True, nhwc=True)
case("cl_dw_hardsigmoid_mul", (1, 72, 9, 8), 72, [5, 5], pads=[2, 2, 2, 2], group=72,
     pre_act="hardsigmoid_mul", nhwc=True)
case("rows_hardswish_res", (2, 32, 7, 7), 48, [1, 1], pre_act="hardswish", residual="left")
case("dw1d_sigmoid_res", (2, 16, 60), 16, [5], pads=[2, 2], group=16, pre_act="sigmoid",
     residual="left")
# Grouped convs that are not depthwise (tessera_conv2d_f32 finds the groups
# from the weight's columns): the direct kernel's blocks each within one
# group (RegNet's groups of 8 channels; ResNeXt-like 4 -> 8 at stride 2 with
# a residual; groups of 24 output channels, one partial block each; groups
# of 80, a block of 48 and one of 32; a channel multiplier of 2); the other
# paths run each group as its own conv on views of its channels. On the
# AVX-512 kernel, channels-last groups of up to 16 output channels pack
# several groups into each block of 16 (ConvDirect::packedGroupF): groups of
# 8 (permuted inputs), 4 -> 8 (half the vector's lanes), multiplier 2 (1 ->
# 2), 4 (permutes within 128-bit lanes; 10 groups: a last block of 8 with
# SiLU and a NaN), 16 (one group per block, broadcast; residual, ReLU, a
# batch), and 13 groups of 8 (a last block of one group; dilated). The AVX2
# kernel packs groups of 4, 8 and 16 channels in and out the same way (a
# shuffle within 128-bit lanes, a broadcast per group, one broadcast),
# including the last blocks of one group of 8 and of two groups of 4.
case("cl_grouped3x3_g8_relu", (1, 48, 14, 13), 48, [3, 3], pads=[1, 1, 1, 1], group=6,
     act="relu", nhwc=True)
case("cl_grouped3x3_s2_res_batch", (2, 32, 15, 16), 64, [3, 3], strides=[2, 2],
     pads=[1, 1, 1, 1], group=8, residual="right", nhwc=True)
case("grouped3x3_f24_silu", (1, 24, 12, 11), 48, [3, 3], pads=[1, 1, 1, 1], group=2,
     pre_act="silu")
case("cl_grouped1x1_f80_nan", (1, 40, 9, 10), 160, [1, 1], group=2, bias=False, nan=True,
     nhwc=True)
case("cl_multiplier2", (1, 8, 10, 10), 16, [3, 3], pads=[1, 1, 1, 1], group=8, nhwc=True)
case("grouped1d", (2, 12, 50), 18, [3], pads=[1, 1], group=3)
case("cl_grouped3x3_g4_silu_nan", (1, 40, 9, 11), 40, [3, 3], pads=[1, 1, 1, 1], group=10,
     pre_act="silu", nan=True, nhwc=True)
case("cl_grouped3x3_g16_res_relu", (2, 64, 9, 9), 64, [3, 3], pads=[1, 1, 1, 1], group=4,
     act="relu", residual="left", nhwc=True)
case("cl_grouped3x3_g8x13_dil", (1, 104, 10, 9), 104, [3, 3], pads=[2, 2, 2, 2],
     dilations=[2, 2], group=13, nhwc=True)
# Groups of 4 whose last block holds 3 groups (44 channels) or 1 (36): the
# AVX2 tiles read only the block's inputs (the last position's end the
# image).
case("cl_grouped3x3_g4x11_res", (1, 44, 8, 9), 44, [3, 3], pads=[1, 1, 1, 1], group=11,
     residual="right", nhwc=True)
case("cl_grouped3x3_g4x9_s2", (2, 36, 9, 7), 36, [3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
     group=9, act="relu", nhwc=True)
# The AVX2 kernel's packed groups (of 4, 8, 16; the cases above too) read a
# padded image in place: windows inside it first, then the border windows
# gathered with zeros for the padding (groups of 4 with a last block of 12
# or 4 channels gather only those). Groups of 8: asymmetric pads at stride 2 past the right and bottom edges
# with a NaN, a residual and ReLU over a batch; a 5x5 window with column
# dilation (25 taps), SiLU, 40 channels (a last block of one group).
case("cl_g8_s2_border_nan", (2, 24, 11, 13), 24, [3, 3], strides=[2, 2], pads=[1, 0, 2, 1],
     group=3, act="relu", residual="right", nan=True, nhwc=True)
case("cl_g8_5x5_dil_silu", (1, 40, 12, 10), 40, [5, 5], pads=[2, 3, 2, 1], dilations=[1, 2],
     group=5, pre_act="silu", nhwc=True)
# 3-wide windows of stride 1 or 2 (dilation 1) take the packed kernel's row
# tiles (ConvDirect::rowReuse): consecutive positions of one output row,
# each image column read once per window row for up to 3 of them, the image
# read in place and the taps in its padding skipped by the tiles. Rows
# longer than a tile (31 outputs as 10 + 10 + 11; 40 as 4 x 10), windows
# past the right edge (61 columns at stride 2), the window's top row in the
# padding, groups of 16 (broadcast) at stride 2 with ReLU, groups of 4
# (permutes within 128-bit lanes) at stride 2 without padding with a
# residual, a batch split over the threads mid-row, groups of 8 with
# asymmetric pads. "norows": the packed tiles on a padded copy instead.
case("cl_rows_g16_s2_wide_relu", (1, 32, 12, 61), 32, [3, 3], strides=[2, 2],
     pads=[1, 1, 1, 1], group=2, act="relu", nhwc=True)
case("cl_rows_g4_s2_valid_res_batch", (2, 16, 13, 29), 16, [3, 3], strides=[2, 2],
     group=4, residual="right", nhwc=True)
case("cl_rows_g8_asym_wide", (1, 24, 6, 40), 24, [3, 3], pads=[0, 2, 1, 0], group=3,
     nhwc=True)
# Row tiles of other window heights: 5 rows of dilation 2 (the window
# reaching past the image top and bottom by 4), and a single row (1x3, a
# 1-d conv over the columns).
case("cl_rows_g16_k5x3_dil2", (1, 32, 12, 10), 32, [5, 3], pads=[4, 1, 4, 1],
     dilations=[2, 1], group=2, nhwc=True)
case("cl_rows_g4_k1x3_s2", (1, 16, 3, 21), 16, [1, 3], strides=[1, 2], pads=[0, 1, 0, 1],
     group=4, act="relu", nhwc=True)
# Dilations large against the map (DeepLabV3's ASPP): the direct kernel's
# tiles skip the window taps none of their positions reads from the image
# (a third to two thirds of them here). 48 input channels: the blocks of
# 256 taps end inside a window tap; 16: one block straight to the output,
# stride 2; groups of 4: the packed kernel.
case("cl_aspp_dil6_k432_relu", (1, 48, 9, 10), 24, [3, 3], pads=[6, 6, 6, 6],
     dilations=[6, 6], act="relu", nhwc=True)
case("cl_dil4_s2_out", (1, 16, 11, 9), 20, [3, 3], strides=[2, 2], pads=[4, 4, 4, 4],
     dilations=[4, 4], nhwc=True)
# Most taps reading padding (the tiles end where their positions' live
# taps change): a batch, a residual, ReLU and NaN; 16 channels straight to
# the output.
case("cl_sparse_dil6_res_batch_nan", (2, 40, 13, 11), 24, [3, 3], pads=[6, 6, 6, 6],
     dilations=[6, 6], act="relu", residual="right", nan=True, nhwc=True)
case("cl_sparse_dil5_c16", (1, 16, 12, 14), 32, [3, 3], pads=[5, 5, 5, 5],
     dilations=[5, 5], nhwc=True)
case("cl_grouped3x3_g4_dil5", (1, 32, 8, 8), 32, [3, 3], pads=[5, 5, 5, 5],
     dilations=[5, 5], group=8, nhwc=True)
# Winograd F(4x4, 3x3) (channels-last 3x3 convs of stride 1 with at least
# 49 tiles of 4x4 outputs; the "nowinograd" run is the direct kernel): edge tiles (outputs no multiple of 4), channel
# counts no multiple of 16, a batch, a residual and ReLU, no padding with
# SiLU, asymmetric pads with a Clip, a NaN and an Inf (such tiles are
# computed directly: the transforms would spread them over the tile, and
# turn Inf into NaN), 2 threads.
case("cl_wino3x3", (1, 64, 30, 30), 64, [3, 3], pads=[1, 1, 1, 1], nhwc=True)
case("cl_wino3x3_res_relu_batch", (2, 40, 23, 19), 48, [3, 3], pads=[1, 1, 1, 1], act="relu",
     residual="right", nhwc=True)
case("cl_wino3x3_valid_silu", (1, 32, 30, 29), 24, [3, 3], pre_act="silu", nhwc=True)
case("cl_wino3x3_asym_clip", (1, 16, 25, 25), 96, [3, 3], pads=[2, 0, 1, 2], act=(0.0, 6.0),
     nhwc=True)
case("cl_wino3x3_nan_relu", (1, 48, 28, 26), 32, [3, 3], pads=[1, 1, 1, 1], act="relu",
     nan=True, residual="left", nhwc=True)
case("cl_wino3x3_inf", (1, 48, 28, 26), 32, [3, 3], pads=[1, 1, 1, 1], nan=np.inf, nhwc=True)
# Winograd F(2x2, 3x3) (at least 49 tiles of 2x2 outputs and fewer of 4x4:
# 14x14 maps; on 2 threads each takes half of the output channel blocks):
# 96 channels (2 blocks of 48), edge tiles over a batch with a residual and
# ReLU (80 channels, 5 blocks: 2 and 3), a NaN and an Inf with SiLU (such
# tiles are computed directly, once), and a near miss: 7x7 maps stay direct
# (16 tiles), except with the AVX2 kernel 128 channels and up.
case("cl_wino2_3x3_f96", (1, 96, 14, 14), 96, [3, 3], pads=[1, 1, 1, 1], nhwc=True)
case("cl_wino2_res_relu_batch", (2, 40, 11, 9), 80, [3, 3], pads=[1, 1, 1, 1], act="relu",
     residual="right", nhwc=True)
case("cl_wino2_nan_silu", (1, 48, 14, 13), 40, [3, 3], pads=[1, 1, 1, 1], pre_act="silu",
     nan=True, residual="left", nhwc=True)
case("cl_wino2_inf", (1, 32, 15, 14), 64, [3, 3], pads=[1, 1, 1, 1], nan=np.inf, nhwc=True)
case("cl_wino2_7x7_direct", (1, 64, 7, 7), 64, [3, 3], pads=[1, 1, 1, 1], nhwc=True)
case("cl_wino2_7x7_c128", (1, 128, 7, 7), 144, [3, 3], pads=[1, 1, 1, 1], act="relu",
     residual="right", nhwc=True)
# Grouped Winograd (groups of at least 32 input channels, multiples of 16):
# F(4x4) on 2 groups of 32 at 28x28 with a residual and ReLU; F(2x2) on 2
# groups of 48 -> 32 at 14x13 with SiLU and a NaN (its tiles computed
# directly, per group); near misses that stay direct: groups of 32 at 14x14
# (F(2x2) takes 48 and up) and of 24 at 28x28 (no multiple of 16).
case("cl_wino_g2x32_res_relu", (1, 64, 28, 28), 64, [3, 3], pads=[1, 1, 1, 1], group=2,
     act="relu", residual="right", nhwc=True)
case("cl_wino2_g2x48_silu_nan", (1, 96, 14, 13), 64, [3, 3], pads=[1, 1, 1, 1], group=2,
     pre_act="silu", nan=True, nhwc=True)
case("cl_wino_g4x32_14_direct", (1, 128, 14, 14), 128, [3, 3], pads=[1, 1, 1, 1], group=4,
     nhwc=True)
case("cl_wino_g2x24_direct", (1, 48, 28, 28), 48, [3, 3], pads=[1, 1, 1, 1], group=2,
     nhwc=True)

# Channels-last 1-d convs ([N, L, C], read as [N, 1, L, C]): wav2vec2's
# feature-extractor convs (kernel 3, stride 2, over 3 blocks of 16
# channels), with a residual, dilation, pads and a batch, a Conformer's
# depthwise conv (31 taps, SiLU) and its pointwise convs, and groups of 8.
case("cl1d_k3_s2_tanh", (1, 64, 301), 48, [3], strides=[2], pre_act="tanh", nhwc=True)
case("cl1d_res_dil_batch", (2, 24, 50), 20, [5], pads=[4, 3], dilations=[2], act="relu",
     residual="left", nhwc=True)
case("cl1d_dw31_silu", (1, 40, 120), 40, [31], pads=[15, 15], group=40, pre_act="silu",
     nhwc=True)
case("cl1d_pointwise", (1, 64, 200), 128, [1], nhwc=True)
case("cl1d_grouped8", (1, 32, 45), 32, [3], pads=[1, 1], group=4, nan=True, nhwc=True)

# 3-d convs of one clip (tessera-conv3d-as-conv2d): 2-d convs over the frames,
# one per temporal tap, chained through their residual (3x3x3 padded with a
# temporal stride, a residual and a ReLU; the (1,3,3) and (3,1,1) halves of
# R(2+1)D, the latter dilated and grouped). Near misses stay im2col + GEMM:
# two clips, and an activation fused before the taps' sum.
case("conv3d_333_res_relu", (1, 4, 7, 9, 9), 8, [3, 3, 3], strides=[2, 1, 2],
     pads=[1, 1, 0, 1, 0, 1], residual="right", act="relu")
case("conv3d_spatial", (1, 5, 4, 10, 10), 6, [1, 3, 3], strides=[1, 2, 2],
     pads=[0, 1, 1, 0, 1, 1], bias=False)
case("conv3d_temporal_dil_grouped", (1, 6, 8, 5, 5), 4, [3, 1, 1], pads=[2, 0, 0, 2, 0, 0],
     dilations=[2, 1, 1], group=2, act=(0.0, 6.0))
case("conv3d_two_clips", (2, 3, 5, 6, 6), 4, [3, 3, 3], pads=[1, 1, 1, 1, 1, 1])
case("conv3d_silu", (1, 3, 5, 6, 6), 4, [3, 3, 3], pre_act="silu")
