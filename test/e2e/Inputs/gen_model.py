#!/usr/bin/env python3
"""Writes a small test model as MLIR, random inputs and reference outputs.

usage: gen_model.py MODEL DIR [--seed N]
  DIR/model.mlir   func.func @main_graph (weights as hex dense constants)
  DIR/in/NAME.npy  inputs, DIR/ref/NAME.npy  reference outputs (float64 math)
Linalg-level models need only the CPU code generator; tessera-level ones
(prefix `t_`) also need convert-tessera-to-linalg.
"""
import argparse
import os

import numpy as np
import torch


def tensor_type(shape, dtype="f32"):
    return "tensor<" + "".join(f"{d}x" for d in shape) + dtype + ">"


def dense(array):
    """An arith/tessera constant literal holding `array` bit-exactly."""
    return 'dense<"0x' + np.ascontiguousarray(array).tobytes().hex().upper() + '">'


def rand(rng, *shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


ID2 = "affine_map<(i, j) -> (i, j)>"
ROW = "affine_map<(i, j) -> (j)>"


def linalg_matmul(name, a, b, m, n, k):
    return f"""
  %{name}_e = tensor.empty() : {tensor_type([m, n])}
  %{name}_f = linalg.fill ins(%zero : f32) outs(%{name}_e : {tensor_type([m, n])}) -> {tensor_type([m, n])}
  %{name} = linalg.matmul ins(%{a}, %{b} : {tensor_type([m, k])}, {tensor_type([k, n])}) outs(%{name}_f : {tensor_type([m, n])}) -> {tensor_type([m, n])}"""


def linalg_bias_act(name, x, b, m, n, act):
    body = {"relu": "%r = arith.maximumf %s, %zero : f32",
            "none": "%r = arith.addf %s, %zero : f32"}[act]
    t = tensor_type([m, n])
    return f"""
  %{name}_e = tensor.empty() : {t}
  %{name} = linalg.generic {{indexing_maps = [{ID2}, {ROW}, {ID2}], iterator_types = ["parallel", "parallel"]}} ins(%{x}, %{b} : {t}, {tensor_type([n])}) outs(%{name}_e : {t}) {{
  ^bb0(%p: f32, %q: f32, %o: f32):
    %s = arith.addf %p, %q : f32
    {body}
    linalg.yield %r : f32
  }} -> {t}"""


def mlp(rng, m=64, k=96, h=128, n=32):
    """x @ W1 + b1 -> relu -> @ W2 + b2: two GEMMs with fused epilogues."""
    x, w1, b1 = rand(rng, m, k), rand(rng, k, h, scale=0.1), rand(rng, h)
    w2, b2 = rand(rng, h, n, scale=0.1), rand(rng, n)
    ir = f"""func.func @main_graph(%x: {tensor_type([m, k])} {{tessera.name = "x"}}) -> ({tensor_type([m, n])} {{tessera.name = "y"}}) {{
  %zero = arith.constant 0.0 : f32
  %w1 = arith.constant {dense(w1)} : {tensor_type([k, h])}
  %b1 = arith.constant {dense(b1)} : {tensor_type([h])}
  %w2 = arith.constant {dense(w2)} : {tensor_type([h, n])}
  %b2 = arith.constant {dense(b2)} : {tensor_type([n])}""" + \
        linalg_matmul("m1", "x", "w1", m, h, k) + linalg_bias_act("a1", "m1", "b1", m, h, "relu") + \
        linalg_matmul("m2", "a1", "w2", m, n, h) + linalg_bias_act("y", "m2", "b2", m, n, "none") + f"""
  return %y : {tensor_type([m, n])}
}}
"""
    hid = np.maximum(x.astype(np.float64) @ w1 + b1, 0)
    return ir, {"x": x}, {"y": (hid @ w2 + b2).astype(np.float32)}


def matmul(rng, m=512, k=512, n=512):
    """One GEMM with a weight operand: the GFLOP/s benchmark."""
    x, w = rand(rng, m, k), rand(rng, k, n, scale=0.05)
    ir = f"""func.func @main_graph(%x: {tensor_type([m, k])} {{tessera.name = "x"}}) -> ({tensor_type([m, n])} {{tessera.name = "y"}}) {{
  %zero = arith.constant 0.0 : f32
  %w = arith.constant {dense(w)} : {tensor_type([k, n])}""" + linalg_matmul("y", "x", "w", m, n, k) + f"""
  return %y : {tensor_type([m, n])}
}}
"""
    return ir, {"x": x}, {"y": (x.astype(np.float64) @ w).astype(np.float32)}


def bmm_math(rng, b=4, m=32, k=48, n=16):
    """batch_matmul, then transcendental epilogues and a row reduction; two
    inputs, three outputs (one of them i64-free but rank 2)."""
    p, q = rand(rng, b, m, k, scale=0.3), rand(rng, b, k, n, scale=0.3)
    t3, t2 = tensor_type([b, m, n]), tensor_type([b, m])
    id3 = "affine_map<(i, j, l) -> (i, j, l)>"
    red = "affine_map<(i, j, l) -> (i, j)>"
    ir = f"""func.func @main_graph(%p: {tensor_type([b, m, k])} {{tessera.name = "p"}}, %q: {tensor_type([b, k, n])} {{tessera.name = "q"}}) -> ({t3} {{tessera.name = "gelu"}}, {t3} {{tessera.name = "mix"}}, {t2} {{tessera.name = "rowsum"}}) {{
  %zero = arith.constant 0.0 : f32
  %half = arith.constant 0.5 : f32
  %one = arith.constant 1.0 : f32
  %rsqrt2 = arith.constant 0.70710678118 : f32
  %e = tensor.empty() : {t3}
  %f = linalg.fill ins(%zero : f32) outs(%e : {t3}) -> {t3}
  %mm = linalg.batch_matmul ins(%p, %q : {tensor_type([b, m, k])}, {tensor_type([b, k, n])}) outs(%f : {t3}) -> {t3}
  %gelu = linalg.generic {{indexing_maps = [{id3}, {id3}], iterator_types = ["parallel", "parallel", "parallel"]}} ins(%mm : {t3}) outs(%e : {t3}) {{
  ^bb0(%x: f32, %o: f32):
    %s = arith.mulf %x, %rsqrt2 : f32
    %er = math.erf %s : f32
    %a = arith.addf %er, %one : f32
    %h = arith.mulf %x, %half : f32
    %r = arith.mulf %h, %a : f32
    linalg.yield %r : f32
  }} -> {t3}
  %mix = linalg.generic {{indexing_maps = [{id3}, {id3}], iterator_types = ["parallel", "parallel", "parallel"]}} ins(%mm : {t3}) outs(%e : {t3}) {{
  ^bb0(%x: f32, %o: f32):
    %t = math.tanh %x : f32
    %x2 = math.exp %t : f32
    %l = math.log %x2 : f32
    %s = math.sqrt %x2 : f32
    %r = arith.addf %l, %s : f32
    linalg.yield %r : f32
  }} -> {t3}
  %re = tensor.empty() : {t2}
  %rf = linalg.fill ins(%zero : f32) outs(%re : {t2}) -> {t2}
  %rowsum = linalg.generic {{indexing_maps = [{id3}, {red}], iterator_types = ["parallel", "parallel", "reduction"]}} ins(%mm : {t3}) outs(%rf : {t2}) {{
  ^bb0(%x: f32, %acc: f32):
    %r = arith.addf %x, %acc : f32
    linalg.yield %r : f32
  }} -> {t2}
  return %gelu, %mix, %rowsum : {t3}, {t3}, {t2}
}}
"""
    mm = torch.from_numpy(p).double() @ torch.from_numpy(q).double()
    gelu = torch.nn.functional.gelu(mm)
    t = torch.tanh(mm)
    mix = t + torch.sqrt(torch.exp(t))
    ref = {"gelu": gelu, "mix": mix, "rowsum": mm.sum(-1)}
    return ir, {"p": p, "q": q}, {k: v.float().numpy() for k, v in ref.items()}


def t_mlp(rng, m=32, k=64, n=48):
    """tessera level: MatMul + Add + Relu, as the importer emits them."""
    x, w, b = rand(rng, m, k), rand(rng, k, n, scale=0.1), rand(rng, n)
    ir = f"""func.func @main_graph(%x: {tensor_type([m, k])} {{tessera.name = "x"}}) -> ({tensor_type([m, n])} {{tessera.name = "y"}}) {{
  %w = tessera.constant {dense(w)} : {tensor_type([k, n])}
  %b = tessera.constant {dense(b)} : {tensor_type([n])}
  %mm = tessera.matmul %x, %w : ({tensor_type([m, k])}, {tensor_type([k, n])}) -> {tensor_type([m, n])}
  %a = tessera.add %mm, %b : ({tensor_type([m, n])}, {tensor_type([n])}) -> {tensor_type([m, n])}
  %y = tessera.relu %a : {tensor_type([m, n])}
  return %y : {tensor_type([m, n])}
}}
"""
    ref = np.maximum(x.astype(np.float64) @ w + b, 0).astype(np.float32)
    return ir, {"x": x}, {"y": ref}


def t_block(rng, b=2, s=16, d=32, h=64):
    """tessera level: a transformer-ish block: layer_norm -> batched matmul
    (rank-3 x rank-2 broadcast) -> gelu -> matmul -> residual -> softmax."""
    x = rand(rng, b, s, d)
    g, beta = rand(rng, d) * 0.1 + 1, rand(rng, d) * 0.1
    w1, w2 = rand(rng, d, h, scale=0.2), rand(rng, h, d, scale=0.2)
    t_x, t_h = tensor_type([b, s, d]), tensor_type([b, s, h])
    ir = f"""func.func @main_graph(%x: {t_x} {{tessera.name = "x"}}) -> ({t_x} {{tessera.name = "probs"}}) {{
  %g = tessera.constant {dense(g)} : {tensor_type([d])}
  %beta = tessera.constant {dense(beta)} : {tensor_type([d])}
  %w1 = tessera.constant {dense(w1)} : {tensor_type([d, h])}
  %w2 = tessera.constant {dense(w2)} : {tensor_type([h, d])}
  %n = tessera.layer_norm %x, %g, %beta {{axis = 2 : i64, epsilon = 1.0e-05 : f32}} : ({t_x}, {tensor_type([d])}, {tensor_type([d])}) -> {t_x}
  %u = tessera.matmul %n, %w1 : ({t_x}, {tensor_type([d, h])}) -> {t_h}
  %a = tessera.gelu %u : {t_h}
  %v = tessera.matmul %a, %w2 : ({t_h}, {tensor_type([h, d])}) -> {t_x}
  %r = tessera.add %v, %x : ({t_x}, {t_x}) -> {t_x}
  %p = tessera.softmax %r {{axis = 2 : i64}} : {t_x}
  return %p : {t_x}
}}
"""
    xt = torch.from_numpy(x).double()
    n = torch.nn.functional.layer_norm(xt, (d,), torch.from_numpy(g).double(),
                                       torch.from_numpy(beta).double(), eps=1e-5)
    a = torch.nn.functional.gelu(n @ torch.from_numpy(w1).double())
    r = a @ torch.from_numpy(w2).double() + xt
    return ir, {"x": x}, {"probs": torch.softmax(r, -1).float().numpy()}


MODELS = {f.__name__: f for f in (mlp, matmul, bmm_math, t_mlp, t_block)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model", choices=sorted(MODELS))
    parser.add_argument("dir")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    ir, inputs, refs = MODELS[args.model](rng)
    for sub in ("in", "ref"):
        os.makedirs(os.path.join(args.dir, sub), exist_ok=True)
    with open(os.path.join(args.dir, "model.mlir"), "w") as f:
        f.write(ir)
    for name, value in inputs.items():
        np.save(os.path.join(args.dir, "in", name + ".npy"), value)
    for name, value in refs.items():
        np.save(os.path.join(args.dir, "ref", name + ".npy"), value)


if __name__ == "__main__":
    main()
