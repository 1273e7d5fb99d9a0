"""Numerics of every fused op against a numpy reference written from its
definition, through both lowerings: the runtime kernel where one exists (the
default) and the reference decomposition (--no-fused-kernels).

usage: fused_ops.py TOOLS_DIR WORK_DIR
Prints `CASE/PATH: ok (...)` per case and lowering path.
"""
import os
import subprocess
import sys
from math import erf, pi, sqrt

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def ty(a):
    dt = {np.float32: "f32", np.bool_: "i1"}[a.dtype.type]
    return "tensor<" + "x".join(str(d) for d in a.shape) + ("x" if a.shape else "") + dt + ">"


def softmax(s):
    m = np.max(s, axis=-1, keepdims=True)
    e = np.exp(s - m)
    return e / np.sum(e, axis=-1, keepdims=True)


def attention_ref(q, k, v, mask, kind, scale, causal, tiled=False):
    h, hkv = q.shape[1], k.shape[1]
    rep = (lambda a: np.tile(a, (1, h // hkv, 1, 1))) if tiled else \
        (lambda a: np.repeat(a, h // hkv, axis=1))
    k, v = rep(k), rep(v)
    s = scale * np.matmul(q.astype(np.float64), np.swapaxes(k, -1, -2))
    if kind == "additive":
        s = s + mask
    elif kind == "boolean":
        s = np.where(mask, s, -np.inf)
    if causal:
        S, Skv = s.shape[-2:]
        s = s + np.triu(np.full((S, Skv), -np.inf), 1)
    return np.matmul(softmax(s), v)


def attention_case(rng, b, h, hkv, s, skv, d, dv, kind, causal, mshape=None, tiled=False,
                   padding=False):
    q = rng.standard_normal((b, h, s, d)).astype(np.float32)
    k = rng.standard_normal((b, hkv, skv, d)).astype(np.float32)
    v = rng.standard_normal((b, hkv, skv, dv)).astype(np.float32)
    ins = {"q": q, "k": k, "v": v}
    mask = None
    if kind == "additive":
        mask = np.where(rng.random(mshape) < 0.3, -1e4,
                        rng.standard_normal(mshape)).astype(np.float32)
        ins["m"] = mask
    elif kind == "boolean":
        mask = rng.random(mshape) < 0.7
        mask[..., 0] = True  # no fully masked rows
        ins["m"] = mask
    scale = 1.0 / np.sqrt(d)
    out = np.zeros((b, h, s, dv), np.float32)
    attrs = (f'scale = {scale!r} : f64, causal = {str(causal).lower()}, mask_kind = "{kind}", '
             f'kv_tiled = {str(tiled).lower()}, padding_queries = {str(padding).lower()}')
    operands = ", ".join("%" + n for n in ins)
    body = (f"  %r = tessera.attention {operands} {{{attrs}}} : "
            f"({', '.join(ty(a) for a in ins.values())}) -> {ty(out)}\n")
    ref = attention_ref(q, k, v, mask, kind, scale, causal, tiled)
    if padding:
        # Query i is padding where its own key is masked: a 0 row.
        ref = np.where((mask[:, 0, 0, :] <= -1e4)[:, None, :, None], 0.0, ref)
    return ins, body, ty(out), ref


def unary_case(rng, opname, fn, shape):
    x = (rng.standard_normal(shape) * 2).astype(np.float32)
    body = f"  %r = tessera.{opname} %x : {ty(x)}\n"
    return {"x": x}, body, ty(x), fn(x.astype(np.float64))


def rms_case(rng, shape=(2, 5, 24), axis=2, gshape=(24,)):
    x = rng.standard_normal(shape).astype(np.float32)
    g = rng.standard_normal(gshape).astype(np.float32)
    dims = tuple(range(axis, len(shape)))
    ref = x / np.sqrt(np.mean(x.astype(np.float64) ** 2, dims, keepdims=True) + 1e-6) * g
    body = (f"  %r = tessera.rms_norm %x, %g {{axis = {axis} : i64, epsilon = 1.0e-06 : f32}} : "
            f"({ty(x)}, {ty(g)}) -> {ty(x)}\n")
    return {"x": x, "g": g}, body, ty(x), ref


def layer_norm_case(rng, shape, axis, gshape, bias):
    x = (rng.standard_normal(shape) * 3 + 1).astype(np.float32)
    ins = {"x": x, "g": rng.standard_normal(gshape).astype(np.float32)}
    if bias:
        ins["b"] = rng.standard_normal(gshape).astype(np.float32)
    dims = tuple(range(axis, len(shape)))
    x64 = x.astype(np.float64)
    mean = np.mean(x64, dims, keepdims=True)
    var = np.mean((x64 - mean) ** 2, dims, keepdims=True)
    ref = (x64 - mean) / np.sqrt(var + 1e-5) * ins["g"] + (ins["b"] if bias else 0)
    operands = ", ".join("%" + n for n in ins)
    body = (f"  %r = tessera.layer_norm {operands} {{axis = {axis} : i64, epsilon = 1.0e-05 : f32}} : "
            f"({', '.join(ty(a) for a in ins.values())}) -> {ty(x)}\n")
    return ins, body, ty(x), ref


def rotary_case(rng, interleaved):
    x = rng.standard_normal((1, 3, 7, 16)).astype(np.float32)
    ang = rng.standard_normal((7, 16)).astype(np.float32)
    c, s = np.cos(ang).astype(np.float32), np.sin(ang).astype(np.float32)
    x64 = x.astype(np.float64)
    if interleaved:
        rot = np.stack([-x64[..., 1::2], x64[..., ::2]], -1).reshape(x.shape)
    else:
        rot = np.concatenate([-x64[..., 8:], x64[..., :8]], -1)
    body = (f"  %r = tessera.rotary %x, %c, %s {{interleaved = {str(interleaved).lower()}}} : "
            f"({ty(x)}, {ty(c)}, {ty(s)}) -> {ty(x)}\n")
    return {"x": x, "c": c, "s": s}, body, ty(x), x64 * c + rot * s


def gelu_tanh(t):
    return 0.5 * t * (1 + np.tanh(sqrt(2 / pi) * (t + 0.044715 * t ** 3)))


ACTIVATIONS = {"none": lambda t: t, "relu": lambda t: np.maximum(t, 0),
               "gelu": lambda t: 0.5 * t * (1 + np.vectorize(erf)(t / sqrt(2))),
               "silu": lambda t: t / (1 + np.exp(-t)), "gelu_tanh": gelu_tanh,
               "hardswish": lambda t: t * np.clip(t + 3, 0, 6) / 6}


def linear_case(rng, transpose, act, bias, residual):
    x = rng.standard_normal((2, 5, 12)).astype(np.float32)
    w = rng.standard_normal((20, 12) if transpose else (12, 20)).astype(np.float32)
    ins = {"x": x, "w": w}
    y = np.matmul(x.astype(np.float64), w.T if transpose else w)
    opnds = "%x, %w"
    if bias:
        ins["b"] = rng.standard_normal((20,)).astype(np.float32)
        y = y + ins["b"]
        opnds += " bias %b"
    y = ACTIVATIONS[act](y)
    if residual:
        ins["res"] = rng.standard_normal((2, 5, 20)).astype(np.float32)
        y = y + ins["res"]
        opnds += " residual %res"
    out = "tensor<2x5x20xf32>"
    body = (f"  %r = tessera.linear {opnds} {{transpose_weight = {str(transpose).lower()}, "
            f'activation = "{act}"}} : ({", ".join(ty(a) for a in ins.values())}) -> {out}\n')
    return ins, body, out, y


def glu_case(rng):
    x = rng.standard_normal((3, 16)).astype(np.float32)
    x64 = x.astype(np.float64)
    ref = x64[:, :8] / (1 + np.exp(-x64[:, :8])) * x64[:, 8:]
    body = f'  %r = tessera.glu %x {{activation = "silu"}} : ({ty(x)}) -> tensor<3x8xf32>\n'
    return {"x": x}, body, "tensor<3x8xf32>", ref


def scan_ref(x, dt, A, B, C, D=None, z=None, bias=None, h0=None, softplus=False):
    x, dt, A, B, C = (a.astype(np.float64) for a in (x, dt, A, B, C))
    bt, l, d = x.shape
    n = A.shape[1]
    if bias is not None:
        dt = dt + bias
    if softplus:
        dt = np.where(dt > 20, dt, np.log1p(np.exp(dt)))
    h = np.zeros((bt, d, n)) if h0 is None else h0.astype(np.float64)
    y = np.zeros((bt, l, d))
    for t in range(l):
        bn = B[:, t, None, :] if B.ndim == 3 else B[None]
        cn = C[:, t, None, :] if C.ndim == 3 else C[None]
        h = np.exp(dt[:, t, :, None] * A) * h + dt[:, t, :, None] * bn * x[:, t, :, None]
        y[:, t] = np.sum(h * cn, -1)
    if D is not None:
        y = y + D * x
    if z is not None:
        y = y * z / (1 + np.exp(-z))
    return y, h


def scan_case(rng, bt, l, d, n, selective, extras, softplus):
    """A selective scan; `extras` names the optional operands it takes."""
    x = rng.standard_normal((bt, l, d)).astype(np.float32)
    dt = (rng.standard_normal((bt, l, d)) * 0.5 + (0 if softplus else 1)).astype(np.float32)
    if not softplus:
        dt = np.abs(dt)
    A = -np.exp(rng.standard_normal((d, n))).astype(np.float32)
    bc = (bt, l, n) if selective else (d, n)
    ins = {"x": x, "dt": dt, "A": A, "B": rng.standard_normal(bc).astype(np.float32),
           "C": rng.standard_normal(bc).astype(np.float32)}
    shapes = {"D": (d,), "z": (bt, l, d), "delta_bias": (d,), "initial_state": (bt, d, n)}
    for name in extras:
        ins[name] = rng.standard_normal(shapes[name]).astype(np.float32)
    if "delta_bias" in extras:
        ins["delta_bias"] = (ins["delta_bias"] * 0.3).astype(np.float32)
    y, h = scan_ref(ins["x"], ins["dt"], ins["A"], ins["B"], ins["C"], ins.get("D"),
                    ins.get("z"), ins.get("delta_bias"), ins.get("initial_state"), softplus)
    operands = "%x, %dt, %A, %B, %C" + "".join(f" {n} %{n}" for n in extras)
    body = (f"  %r, %s = tessera.selective_scan {operands} "
            f"{{delta_softplus = {str(softplus).lower()}}} : "
            f"({', '.join(ty(a) for a in ins.values())}) -> "
            f"({ty(y.astype(np.float32))}, {ty(h.astype(np.float32))})\n")
    return ins, body, [ty(y.astype(np.float32)), ty(h.astype(np.float32))], {"y": y, "h": h}


def cases(rng):
    yield "mha_padding", attention_case(rng, 2, 4, 4, 9, 9, 16, 16, "additive", False, (2, 1, 1, 9))
    yield "gqa_causal", attention_case(rng, 1, 8, 2, 37, 37, 64, 64, "none", True)
    yield "cross_bool", attention_case(rng, 2, 2, 2, 5, 70, 32, 24, "boolean", False, (1, 1, 5, 70))
    yield "causal_mask_full", attention_case(rng, 1, 2, 1, 130, 130, 80, 80, "additive", True,
                                             (1, 2, 130, 130))
    yield "gqa_tiled", attention_case(rng, 2, 6, 2, 20, 20, 16, 16, "none", True, tiled=True)
    yield "mqa_long", attention_case(rng, 1, 4, 1, 1, 300, 128, 128, "none", False)
    yield "padding_long", attention_case(rng, 2, 2, 2, 160, 160, 16, 16, "additive", False,
                                         (2, 1, 1, 160), padding=True)
    yield "scan_full", scan_case(rng, 2, 13, 20, 5, True,
                                 ["D", "z", "delta_bias", "initial_state"], True)
    yield "scan_per_channel", scan_case(rng, 3, 9, 7, 3, False, [], False)
    yield "rms_norm", rms_case(rng)
    yield "rms_norm_2d_scale", rms_case(rng, (3, 4, 10), 1, (4, 10))
    yield "rms_norm_broadcast_scale", rms_case(rng, (3, 4, 10), 1, (10,))
    yield "layer_norm", layer_norm_case(rng, (2, 7, 48), 2, (48,), True)
    yield "layer_norm_2d_nobias", layer_norm_case(rng, (3, 4, 6), 1, (4, 6), False)
    yield "layer_norm_rank2", layer_norm_case(rng, (5, 33), 1, (33,), True)
    yield "layer_norm_broadcast_scale", layer_norm_case(rng, (2, 3, 4, 5), 2, (1, 5), True)
    # Rows wider than the CPU kernel's 64 lanes, with a tail, and enough
    # rows that the kernel splits them between threads.
    yield "layer_norm_wide", layer_norm_case(rng, (3, 50, 200), 2, (200,), True)
    yield "rms_norm_wide", rms_case(rng, (130, 72), 1, (72,))
    yield "rotary_half", rotary_case(rng, False)
    yield "rotary_interleaved", rotary_case(rng, True)
    yield "gelu_tanh", unary_case(rng, "gelu_tanh", gelu_tanh, (4, 33))
    yield "linear_gelu_res", linear_case(rng, True, "gelu", True, True)
    yield "linear_silu", linear_case(rng, False, "silu", False, False)
    yield "linear_tanh_gelu_bias", linear_case(rng, False, "gelu_tanh", True, False)
    yield "linear_hardswish_res", linear_case(rng, True, "hardswish", True, True)
    yield "hardswish", unary_case(rng, "hardswish", ACTIVATIONS["hardswish"], (4, 37))
    yield "glu_silu", glu_case(rng)


# Lowering paths: the CPU runtime's kernel, the reference decomposition, and
# the CUDA target's kernels with their loop nests run on the host.
PATHS = [("kernel", []), ("reference", ["--no-fused-kernels"]),
         ("gpu", ["--target=cuda", "--gpu-emulate"])]


def main():
    tools, work = sys.argv[1:3]
    rng = np.random.default_rng(7)
    rc = 0
    for name, (ins, body, out_ty, ref) in cases(rng):
        d = os.path.join(work, name)
        os.makedirs(os.path.join(d, "ref"), exist_ok=True)
        args = ", ".join(f'%{n}: {ty(a)} {{tessera.name = "{n}"}}' for n, a in ins.items())
        # One result y (%r), or several: named results %r, %s, ...
        if not isinstance(ref, dict):
            out_ty, ref = [out_ty], {"y": ref}
        results = ", ".join(f'{t} {{tessera.name = "{n}"}}' for t, n in zip(out_ty, ref))
        values = ", ".join("%" + "rstu"[i] for i in range(len(ref)))
        with open(os.path.join(d, "model.mlir"), "w") as f:
            f.write(f"func.func @main_graph({args}) -> ({results}) {{\n"
                    f"{body}  return {values} : {', '.join(out_ty)}\n}}\n")
        for n, r in ref.items():
            np.save(os.path.join(d, "ref", n + ".npy"), r.astype(np.float32))
        inputs = []
        for n, a in ins.items():
            np.save(os.path.join(d, n + ".npy"), a)
            inputs += ["--input", f"{n}={os.path.join(d, n + '.npy')}"]
        for path, flags in PATHS:
            exe = os.path.join(d, "model-" + path)
            subprocess.run([os.path.join(tools, "tessera-compile"), os.path.join(d, "model.mlir"),
                            "-o", exe, *flags], check=True)
            out = os.path.join(d, "out-" + path)
            subprocess.run([exe, *inputs, "--output-dir", out], check=True)
            r = subprocess.run([sys.executable, os.path.join(HERE, "..", "compare.py"),
                                os.path.join(d, "ref"), out], capture_output=True, text=True)
            for line in r.stdout.splitlines():
                print(f"{name}/{path}: {line}", flush=True)
            rc |= r.returncode
    return rc


if __name__ == "__main__":
    sys.exit(main())
