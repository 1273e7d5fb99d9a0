"""Weight sparsity end to end on a torch.nn TransformerEncoder (2 layers,
d = 64, 4 heads, FFN 256, GELU), against torch:

- `auto`: the torch weights are pruned here, before export, each linear
  weight in its own pattern (blocks of 1x16, 4x4, 16x1, 1x32, 4x16, 1x1 and
  2:4); the model compiled with --sparsity=auto must find the sparse
  weights and still match torch;
- every other case compiles the dense model with --sparsity=SPEC; torch runs
  the same model with the same per-layer pruning rule applied here
  (test/../passes/sparsity/Sparsify.cpp: least |w|, least block L2 norm, N
  largest |w| per group; ties to the lower index).

usage: sparse_torch.py TOOLS_DIR WORK_DIR
Prints per case `CASE: sparse-kernels=S pruned=P zero=Z%` (from --report)
and `CASE: rel_l2 E ok` (E <= 1e-4 against torch).
"""
import json
import math
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn


def encoder():
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(64, 4, 256, dropout=0.0, batch_first=True,
                                       activation="gelu")
    return nn.TransformerEncoder(layer, 2, enable_nested_tensor=False).eval()


def linears(model):
    """The 2-D linear weights in forward order, as [N, K] (out, in)."""
    out = []
    for layer in model.layers:
        out += [layer.self_attn.in_proj_weight, layer.self_attn.out_proj.weight,
                layer.linear1.weight, layer.linear2.weight]
    return out


def zero_least(score, count):
    order = np.lexsort((np.arange(score.size), score.ravel()))
    mask = np.ones(score.size, bool)
    mask[order[:count]] = False
    return mask.reshape(score.shape)


def prune(w, spec):
    """w [N, K] float32 pruned as tessera-sparsify does."""
    w = w.astype(np.float32).copy()
    n, k = w.shape
    if spec.startswith("unstructured:"):
        p = float(spec.split(":")[1])
        keep = zero_least(np.abs(w).astype(np.float64), math.floor(p * w.size + 0.5))
        return w * keep
    if spec.startswith("block:"):
        shape, p = spec[len("block:"):].split(":")
        r, c = map(int, shape.split("x"))
        blocks = w.astype(np.float64).reshape(n // r, r, k // c, c)
        norm = (blocks ** 2).sum(axis=(1, 3))
        keep = zero_least(norm, math.floor(float(p) * norm.size + 0.5))
        return (blocks * keep[:, None, :, None]).reshape(n, k).astype(np.float32)
    keep_n, m = map(int, spec.split(":"))
    groups = w.reshape(n, k // m, m)
    # Largest |w| first, ties to the lower k (a stable sort).
    order = np.argsort(-np.abs(groups), axis=-1, kind="stable")
    mask = np.zeros_like(groups, bool)
    np.put_along_axis(mask, order[..., :keep_n], True, axis=-1)
    return (groups * mask).reshape(n, k)


# auto: one pattern per linear weight, in forward order.
AUTO = ["block:1x16:0.9", "block:4x4:0.8", "block:16x1:0.9", "block:1x32:0.85",
        "block:4x16:0.9", "unstructured:0.9", "2:4", "block:1x16:0.95"]

CASES = {
    "auto": "auto",
    "block1x16": "block:1x16:0.8",
    "block4x4": "block:4x4:0.9",
    "unstructured": "unstructured:0.9",
    "nm": "2:4",
    "block16x1_skip": "block:16x1:0.7,skip-first,skip-last",
}


def run(tools, work, name, spec):
    model = encoder()
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    x = torch.randn(2, 24, 64, generator=torch.Generator().manual_seed(1))
    weights = linears(model)
    with torch.no_grad():
        if name == "auto":
            for w, s in zip(weights, AUTO):
                w.copy_(torch.from_numpy(prune(w.numpy(), s)))
        onnx_path = os.path.join(d, "model.onnx")
        # With gradients enabled torch.nn's fused fast path stays off.
        with torch.enable_grad():
            torch.onnx.export(model, (x,), onnx_path, opset_version=17, input_names=["x"],
                              output_names=["y"], do_constant_folding=True)
        if name != "auto":
            rule, *opts = spec.split(",")
            for i, w in enumerate(weights):
                if ("skip-first" in opts and i == 0) or \
                   ("skip-last" in opts and i == len(weights) - 1):
                    continue
                w.copy_(torch.from_numpy(prune(w.numpy(), rule)))
        ref = model(x).numpy()
    np.save(os.path.join(d, "x.npy"), x.numpy())
    exe = os.path.join(d, "model")
    report = os.path.join(d, "report.json")
    subprocess.run([os.path.join(tools, "tessera-compile"), onnx_path, "-o", exe,
                    "--sparsity=" + spec, "--report=" + report], check=True)
    r = json.load(open(report))
    counts = r["passes"]["tessera-sparsify"]
    layers = r["sparsity"]
    zero = sum(l["zero_fraction"] * l["weights"] for l in layers) / sum(l["weights"] for l in layers)
    print(f"{name}: sparse-kernels={counts['sparse-kernels']} pruned={counts['pruned']} "
          f"zero={zero * 100:.1f}% formats={','.join(l['format'] for l in layers)}")
    subprocess.run([exe, "--input", f"x={os.path.join(d, 'x.npy')}", "--output-dir",
                    os.path.join(d, "out")], check=True)
    got = np.load(os.path.join(d, "out", "y.npy")).astype(np.float64)
    err = np.linalg.norm(got - ref) / np.linalg.norm(ref)
    ok = np.isfinite(got).all() and err <= 1e-4
    print(f"{name}: rel_l2 {err:.2e}", "ok" if ok else "FAIL", flush=True)


def main():
    tools, work = sys.argv[1:3]
    for name, spec in CASES.items():
        run(tools, work, name, spec)


if __name__ == "__main__":
    main()
