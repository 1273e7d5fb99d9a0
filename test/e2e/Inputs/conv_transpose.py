"""ConvTranspose nodes of many geometries against torch (float64):

  conv_transpose.py OUT TESSERA_COMPILE

builds each case as a one-node ONNX model (the weight an initializer, or
for the weight_input cases a graph input), compiles it twice (as the importer
picks: one group, no dilation and a stride above 1 become a matrix product
and col2im; and with --conv-transpose-col2im=false, a conv over the
zero-stuffed input), runs both and prints per case which runtime kernels ran
(TESSERA_PROFILE) and whether both outputs match torch (relative L2 <= 1e-5,
no NaN). The reference: torch's conv_transpose without padding, extended by
zeros at the end (output_padding, a larger output_shape), then the pads cut
off, as the ONNX spec defines the output.
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


def reference(x, w, b, strides, pads, out_pad, group, dilations):
    k = w.ndim - 2
    conv = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[k]
    y = conv(torch.from_numpy(x.astype(np.float64)), torch.from_numpy(w.astype(np.float64)),
             None, stride=strides, groups=group, dilation=dilations).numpy()
    y = np.pad(y, [(0, 0), (0, 0)] + [(0, p) for p in out_pad])
    y = y[(slice(None), slice(None)) +
          tuple(slice(pads[i], y.shape[2 + i] - pads[k + i]) for i in range(k))]
    if b is not None:
        y = y + b.reshape([1, -1] + [1] * k)
    return y


def case(name, x_shape, cout, kernel, strides, pads=None, out_pad=None, group=1,
         dilations=None, bias=True, output_shape=None, weight_input=False):
    k = len(kernel)
    pads = pads or [0] * (2 * k)
    out_pad = out_pad or [0] * k
    dilations = dilations or [1] * k
    cin = x_shape[1]
    x = rng.randn(*x_shape).astype(np.float32)
    w = (rng.randn(cin, cout // group, *kernel) / np.sqrt(cin * np.prod(kernel))).astype(
        np.float32)
    b = rng.randn(cout).astype(np.float32) if bias else None
    attrs = dict(strides=strides, group=group, dilations=dilations)
    if output_shape:
        # The pads and output_padding that give output_shape (ONNX: total
        # padding split with the extra element at the end).
        attrs["output_shape"] = output_shape
        pads, out_pad = [0] * (2 * k), [0] * k
        for i in range(k):
            full = strides[i] * (x_shape[2 + i] - 1) + dilations[i] * (kernel[i] - 1) + 1
            total = full - output_shape[i]
            if total >= 0:
                pads[i], pads[k + i] = total - total // 2, total // 2
            else:
                out_pad[i] = -total
    else:
        attrs.update(pads=pads, output_padding=out_pad)
    ref = reference(x, w, b, strides, pads, out_pad, group, dilations)
    # The weight an initializer, or (weight_input) a graph input.
    inputs = {"x": x, "w": w} if weight_input else {"x": x}
    inits = ([] if weight_input else [nh.from_array(w, "w")]) + (
        [nh.from_array(b, "b")] if bias else [])
    node = h.make_node("ConvTranspose", ["x", "w"] + (["b"] if bias else []), ["y"], **attrs)
    graph = h.make_graph([node], name,
                         [h.make_tensor_value_info(n, T.FLOAT, list(v.shape))
                          for n, v in inputs.items()],
                         [h.make_tensor_value_info("y", T.FLOAT, None)], inits)
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "model.onnx")
    onnx.save(h.make_model(graph, opset_imports=[h.make_opsetid("", 17)]), path)
    for n, v in inputs.items():
        np.save(os.path.join(d, n + ".npy"), v)
    report = []
    for tag, flags in (("default", []), ("stuffed", ["--conv-transpose-col2im=false"])):
        exe = os.path.join(d, tag)
        subprocess.run([compiler, path, "-o", exe] + flags, check=True)
        profile = os.path.join(d, tag + ".json")
        res = os.path.join(d, tag + "_out")
        subprocess.run([exe] + ["--input=%s=%s" % (n, os.path.join(d, n + ".npy"))
                                for n in inputs] + ["--output-dir", res],
                       check=True, capture_output=True,
                       env=dict(os.environ, TESSERA_PROFILE=profile))
        ran = {e["name"] for e in json.load(open(profile))["traceEvents"] if e.get("ph") == "X"}
        kernel_ran = ("conv" if ran & {"conv2d_f32", "depthwise_conv2d_f32"} else
                      "matmul" if any(n.startswith(("matmul", "batch_matmul", "linear")) for n in ran) else
                      "generated")
        got = np.load(os.path.join(res, "y.npy")).astype(np.float64)
        ok = (got.shape == ref.shape and not np.isnan(got).any() and
              np.linalg.norm(got - ref) <= 1e-5 * np.linalg.norm(ref))
        report.append("%s %s %s" % (tag, kernel_ran, "ok" if ok else
                                    "MISMATCH %s vs %s" % (got.shape, ref.shape)))
    print("%s: %s" % (name, ", ".join(report)), flush=True)


# Conv-TasNet's decoder (kernel 16, stride 8, one output channel, batch 2).
case("tasnet_decoder", [2, 32, 50], 1, [16], [8], bias=False)
# A kernel that is no multiple of the stride, pads that crop, output_padding.
case("conv1d_k5_s3", [1, 6, 9], 4, [5], [3], pads=[2, 1], out_pad=[2])
# A stride larger than the kernel (gaps of zeros between the products).
case("conv1d_k2_s3", [1, 3, 7], 5, [2], [3])
# U-Net's upsampling (kernel 2, stride 2: no overlap).
case("unet_up", [1, 16, 6, 7], 8, [2, 2], [2, 2])
# DCGAN's (kernel 4, stride 2, pads 1), a batch of 2.
case("dcgan", [2, 8, 5, 5], 6, [4, 4], [2, 2], pads=[1, 1, 1, 1])
# torch's ConvTranspose2d(k=3, s=2, p=1, output_padding=1): the stride per
# dimension, asymmetric pads.
case("k3_s2_op1", [1, 5, 6, 4], 7, [3, 3], [2, 2], pads=[1, 1, 1, 1], out_pad=[1, 1])
case("mixed_strides", [1, 3, 5, 6], 4, [3, 2], [1, 3], pads=[0, 1, 2, 0])
# output_shape beyond the products (zeros plus the bias at the end).
case("output_shape", [1, 2, 4, 4], 3, [3, 3], [2, 2], output_shape=[11, 10])
case("conv3d", [1, 2, 3, 4, 3], 3, [2, 3, 2], [2, 1, 2], pads=[0, 1, 0, 1, 0, 1])
# A weight that is no initializer: one linear layer over all taps, sliced.
case("weight_input", [2, 8, 5, 5], 6, [4, 3], [2, 2], pads=[1, 0, 1, 1], weight_input=True)
case("weight_input_1d", [1, 4, 9], 3, [5], [3], out_pad=[1], weight_input=True)
# Near misses that keep the zero-stuffed conv: stride 1, groups, dilation.
case("stride1", [1, 4, 6, 6], 3, [3, 3], [1, 1], pads=[1, 1, 1, 1])
case("grouped", [1, 4, 5, 5], 6, [3, 3], [2, 2], group=2)
case("dilated", [1, 3, 5, 5], 2, [2, 2], [2, 2], dilations=[2, 2])
