"""Fused ONNX ops end to end: one model with every case (opset-23 Attention,
RMSNormalization, RotaryEmbedding; com.microsoft Attention, MultiHeadAttention,
GroupQueryAttention, Skip(Simplified)LayerNormalization, SimplifiedLayerNormalization,
FastGelu, BiasGelu, RotaryEmbedding) is compiled with tessera-compile, run on random
inputs (fixed seed), and every output is compared (relative L2 <= 1e-4) with a numpy
reference written from the operator specs, independent of Tessera's own ops.

usage: onnx_fused_ops.py TOOLS_DIR WORK_DIR
"""
import math
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(23)
MS = "com.microsoft"
TYPES = {np.dtype(np.float32): onnx.TensorProto.FLOAT, np.dtype(np.bool_): onnx.TensorProto.BOOL,
         np.dtype(np.int32): onnx.TensorProto.INT32, np.dtype(np.int64): onnx.TensorProto.INT64}

nodes, inputs, inits, refs = [], {}, [], {}


def randn(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def add(name, op, ins, outs, domain="", **attrs):
    """One case: `ins` maps input names to arrays (runtime inputs) or to
    ("init", array) (initializers), None skips an optional input; `outs` maps output
    names to reference arrays, None skips an optional output."""
    in_names = []
    for k, v in ins.items():
        if v is None:
            in_names.append("")
            continue
        in_names.append(f"{name}_{k}")
        if isinstance(v, tuple):
            inits.append(numpy_helper.from_array(v[1], f"{name}_{k}"))
        else:
            inputs[f"{name}_{k}"] = v
    out_names = []
    for k, v in outs.items():
        out_names.append("" if v is None else f"{name}_{k}")
        if v is not None:
            refs[f"{name}_{k}"] = v.astype(np.float32)
    nodes.append(helper.make_node(op, in_names, out_names, name=name, domain=domain, **attrs))


# --- numpy references ----------------------------------------------------------
def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def sdpa(q, k, v, scale, causal=False, mask=None):
    """[B, H, S, D] attention in float64; KV head g serves query heads g*H/Hkv..;
    a bool mask keeps True keys, a float mask is added; causal keeps j <= i."""
    q, k, v = (t.astype(np.float64) for t in (q, k, v))
    rep = q.shape[1] // k.shape[1]
    k, v = np.repeat(k, rep, axis=1), np.repeat(v, rep, axis=1)
    s = q @ k.transpose(0, 1, 3, 2) * scale
    if mask is not None:
        s = np.where(mask, s, -np.inf) if mask.dtype == np.bool_ else s + mask
    if causal:
        i, j = np.indices(s.shape[-2:])
        s = np.where(j <= i, s, -np.inf)
    return softmax(s) @ v


def heads(x, n):  # [B, S, n*D] -> [B, n, S, D]
    b, s, h = x.shape
    return x.reshape(b, s, n, h // n).transpose(0, 2, 1, 3)


def merge(x):  # [B, n, S, D] -> [B, S, n*D]
    b, n, s, d = x.shape
    return x.transpose(0, 2, 1, 3).reshape(b, s, n * d)


def rms(x, g, eps, axis=-1):
    axes = tuple(range(axis % x.ndim, x.ndim))
    x64 = x.astype(np.float64)
    return x64 / np.sqrt((x64 ** 2).mean(axes, keepdims=True) + eps) * g


def layer_norm(x, g, b, eps):
    x64 = x.astype(np.float64)
    mu = x64.mean(-1, keepdims=True)
    var = ((x64 - mu) ** 2).mean(-1, keepdims=True)
    return (x64 - mu) / np.sqrt(var + eps) * g + b


def rope(x, cos, sin, interleaved, rot):
    """x [B, S, N, D]; cos/sin [B|1, S, rot/2]: rotates pairs (2i, 2i+1)
    (interleaved) or (i, i + rot/2) of the first rot channels."""
    x = x.astype(np.float64)
    c, s = cos[:, :, None, :], sin[:, :, None, :]
    out = x.copy()
    if interleaved:
        a, b = x[..., 0:rot:2], x[..., 1:rot:2]
        out[..., 0:rot:2], out[..., 1:rot:2] = a * c - b * s, b * c + a * s
    else:
        h = rot // 2
        a, b = x[..., :h], x[..., h:rot]
        out[..., :h], out[..., h:rot] = a * c - b * s, b * c + a * s
    return out


def ort_rope(x, pos, cos_cache, sin_cache, interleaved, rot):
    """ONNX Runtime's CPU kernel formula, element by element: x [B, S, N, H]."""
    out = x.astype(np.float64).copy()
    half = rot // 2
    for b, s, n in np.ndindex(*x.shape[:3]):
        c, sn = cos_cache[pos[b, s]], sin_cache[pos[b, s]]
        for i in range(rot):
            if interleaved:
                idx, sign, j = i // 2, (-1 if i % 2 == 0 else 1), (i + 1 if i % 2 == 0 else i - 1)
            else:
                idx, sign, j = i % half, (-1 if i < half else 1), (i + half) % rot
            out[b, s, n, i] = x[b, s, n, i] * c[idx] + sign * x[b, s, n, j] * sn[idx]
    return out


erf = np.vectorize(math.erf)


def gelu(x):
    return 0.5 * x * (1 + erf(x / math.sqrt(2)))


def gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


# --- opset-23 Attention ----------------------------------------------------------
B, S, H, HKV, D = 2, 5, 4, 2, 8
q, k, v = randn(B, H, S, D), randn(B, HKV, 6, D), randn(B, HKV, 6, D)
add("attn_gqa_4d", "Attention", dict(q=q, k=k, v=v),
    dict(y=sdpa(q, k, v, 1 / math.sqrt(D))))

q3, k3, v3 = randn(B, S, H * D), randn(B, S, HKV * D), randn(B, S, HKV * 12)
add("attn_3d_causal", "Attention", dict(q=q3, k=k3, v=v3),
    dict(y=merge(sdpa(heads(q3, H), heads(k3, HKV), heads(v3, HKV), 0.3, causal=True))),
    q_num_heads=H, kv_num_heads=HKV, is_causal=1, scale=0.3)

bool_mask = rng.random((B, 1, S, 6)) < 0.6
bool_mask[..., 0] = True  # no fully masked row
add("attn_bool_mask", "Attention", dict(q=q, k=k, v=v, m=bool_mask),
    dict(y=sdpa(q, k, v, 1 / math.sqrt(D), mask=bool_mask)))

kc, vc = randn(B, HKV, S, D), randn(B, HKV, S, 16)
float_mask = randn(S, S)
add("attn_float_mask_causal", "Attention", dict(q=q, k=kc, v=vc, m=float_mask),
    dict(y=sdpa(q, kc, vc, 1 / math.sqrt(D), causal=True, mask=float_mask)), is_causal=1)

narrow = randn(S, 4)  # keys 4 and 5 are left out
add("attn_narrow_mask", "Attention", dict(q=q, k=k, v=v, m=narrow),
    dict(y=sdpa(q, k, v, 1 / math.sqrt(D),
                mask=np.pad(narrow.astype(np.float64), [(0, 0), (0, 2)],
                            constant_values=-np.inf))))

# --- RMSNormalization ------------------------------------------------------------
x, g = randn(B, S, 16), randn(16)
add("rmsnorm", "RMSNormalization", dict(x=x, g=("init", g)), dict(y=rms(x, g, 1e-6)),
    epsilon=1e-6)
g2 = randn(S, 16)
add("rmsnorm_axis1", "RMSNormalization", dict(x=x, g=g2), dict(y=rms(x, g2, 1e-5, axis=1)),
    axis=1)

# --- RotaryEmbedding (opset 23) ----------------------------------------------------
MAXPOS = 16
cos_t, sin_t = randn(MAXPOS, D // 2), randn(MAXPOS, D // 2)
pos = rng.integers(0, MAXPOS, (B, S)).astype(np.int64)
xr = randn(B, H, S, D)  # [B, heads, S, D]
add("rotary_4d", "RotaryEmbedding", dict(x=xr, cos=cos_t, sin=sin_t, pos=pos),
    dict(y=rope(xr.transpose(0, 2, 1, 3), cos_t[pos], sin_t[pos], False, D)
         .transpose(0, 2, 1, 3)))

xr3 = randn(B, S, H * D)
cos_b, sin_b = randn(B, S, 2), randn(B, S, 2)
add("rotary_3d_partial_interleaved", "RotaryEmbedding", dict(x=xr3, cos=cos_b, sin=sin_b),
    dict(y=rope(xr3.reshape(B, S, H, D), cos_b, sin_b, True, 4).reshape(B, S, H * D)),
    num_heads=H, rotary_embedding_dim=4, interleaved=1)

cos_p, sin_p = randn(MAXPOS, 2), randn(MAXPOS, 2)
add("rotary_3d_partial_pos", "RotaryEmbedding", dict(x=xr3, cos=cos_p, sin=sin_p, pos=pos),
    dict(y=rope(xr3.reshape(B, S, H, D), cos_p[pos], sin_p[pos], False, 4)
         .reshape(B, S, H * D)),
    num_heads=H, rotary_embedding_dim=4)

# --- com.microsoft Attention --------------------------------------------------------
HID, NH = 16, 2
xa, w, bias = randn(B, S, HID), randn(HID, 3 * HID), randn(3 * HID)
mask_index = np.ones((B, S), np.int32)
mask_index[1, 3:] = 0  # right padding
proj = xa @ w + bias
add_mask = np.where(mask_index > 0, 0.0, -10000.0)[:, None, None, :]
add("ms_attention", "Attention",
    dict(x=xa, w=("init", w), b=("init", bias), mask=mask_index),
    dict(y=merge(sdpa(heads(proj[..., :16], NH), heads(proj[..., 16:32], NH),
                      heads(proj[..., 32:], NH), 1 / math.sqrt(8), mask=add_mask))),
    domain=MS, num_heads=NH)

w2 = randn(HID, 40)
proj2 = xa @ w2
add("ms_attention_causal_v8", "Attention", dict(x=xa, w=w2),
    dict(y=merge(sdpa(heads(proj2[..., :16], NH), heads(proj2[..., 16:32], NH),
                      heads(proj2[..., 32:], NH), 0.25, causal=True))),
    domain=MS, num_heads=NH, unidirectional=1, qkv_hidden_sizes=[16, 16, 8], scale=0.25)

# --- com.microsoft MultiHeadAttention ----------------------------------------------
qm, km, vm, bm = randn(B, S, 16), randn(B, 6, 16), randn(B, 6, 8), randn(40)
lens = np.array([6, 3], np.int32)
attn_bias = randn(1, NH, S, 6)
keep = np.arange(6)[None, :] < lens[:, None]
mha_mask = np.where(keep, 0.0, -10000.0)[:, None, None, :] + attn_bias
add("ms_mha", "MultiHeadAttention",
    dict(q=qm, k=km, v=vm, b=bm, lens=lens, ab=attn_bias),
    dict(y=merge(sdpa(heads(qm + bm[:16], NH), heads(km + bm[16:32], NH),
                      heads(vm + bm[32:], NH), 1 / math.sqrt(8), mask=mha_mask))),
    domain=MS, num_heads=NH)

qkv = randn(B, S, NH, 3, 8)
add("ms_mha_packed_causal", "MultiHeadAttention", dict(qkv=qkv),
    dict(y=merge(sdpa(*(qkv[:, :, :, i].transpose(0, 2, 1, 3) for i in range(3)),
                      1 / math.sqrt(8), causal=True))),
    domain=MS, num_heads=NH, unidirectional=1)

# Keys and values already [B, N, Skv, H], a (B, Skv) key padding mask.
kb, vb = randn(B, NH, 7, 8), randn(B, NH, 7, 8)
kpm = (rng.random((B, 7)) < 0.7).astype(np.int32)
kpm[:, 0] = 1
add("ms_mha_bnsh_padding", "MultiHeadAttention", dict(q=qm, k=kb, v=vb, b=None, kpm=kpm),
    dict(y=merge(sdpa(heads(qm, NH), kb, vb, 1 / math.sqrt(8),
                      mask=np.where(kpm > 0, 0.0, -10000.0)[:, None, None, :]))),
    domain=MS, num_heads=NH)

# A per-query (B, S, Skv) mask_index.
mask3 = (rng.random((B, S, S)) < 0.7).astype(np.int32)
mask3[..., 0] = 1
add("ms_attention_mask3d", "Attention", dict(x=xa, w=("init", w), b=("init", bias), mask=mask3),
    dict(y=merge(sdpa(heads(proj[..., :16], NH), heads(proj[..., 16:32], NH),
                      heads(proj[..., 32:], NH), 1 / math.sqrt(8),
                      mask=np.where(mask3 > 0, 0.0, -10000.0)[:, None]))),
    domain=MS, num_heads=NH)

# --- com.microsoft GroupQueryAttention (H=4, Hkv=2) ----------------------------------
qg, kg, vg = randn(B, S, H * D), randn(B, S, HKV * D), randn(B, S, HKV * D)
seqlens = np.array([4, 2], np.int32)  # batch 1 has 3 valid keys
gqa_keep = (np.arange(S)[None, :] <= seqlens[:, None])[:, None, None, :]
add("ms_gqa", "GroupQueryAttention",
    dict(q=qg, k=kg, v=vg, pk=None, pv=None, seqlens=seqlens,
         total=("init", np.array(S, np.int32))),
    dict(y=merge(sdpa(heads(qg, H), heads(kg, HKV), heads(vg, HKV), 1 / math.sqrt(D),
                      causal=True, mask=gqa_keep))),
    domain=MS, num_heads=H, kv_num_heads=HKV)

# Packed QKV, bidirectional, an attention bias on top of the valid keys.
qkv_g = randn(B, S, (H + 2 * HKV) * D)
gqa_bias = randn(B, 1, S, S)
qp, kp, vp = qkv_g[..., :H * D], qkv_g[..., H * D:(H + HKV) * D], qkv_g[..., (H + HKV) * D:]
add("ms_gqa_packed_bias", "GroupQueryAttention",
    dict(qkv=qkv_g, k=None, v=None, pk=None, pv=None, seqlens=seqlens, total=None, c=None,
         s=None, p=None, ab=gqa_bias),
    dict(y=merge(sdpa(heads(qp, H), heads(kp, HKV), heads(vp, HKV), 1 / math.sqrt(D),
                      mask=np.where(gqa_keep, gqa_bias, -np.inf)))),
    domain=MS, num_heads=H, kv_num_heads=HKV, causal=0)

# --- com.microsoft norms and GELU ----------------------------------------------------
xs, skip = randn(B, S, 16), randn(S, 16)
gs, bs, biass = randn(16), randn(16), randn(16)
total = xs + skip + biass
add("ms_skip_layernorm", "SkipLayerNormalization",
    dict(x=xs, skip=skip, g=gs, b=bs, bias=biass),
    dict(y=layer_norm(total, gs, bs, 1e-5), mean=None, inv_std=None, sum=total),
    domain=MS, epsilon=1e-5)

skip3 = randn(B, S, 16)
total3 = xs + skip3 + biass
add("ms_skip_simplified", "SkipSimplifiedLayerNormalization",
    dict(x=xs, skip=skip3, g=gs, bias=biass),
    dict(y=rms(total3, gs, 1e-6), mean=None, inv_std=None, sum=total3),
    domain=MS, epsilon=1e-6)

add("ms_simplified_layernorm", "SimplifiedLayerNormalization", dict(x=xs, g=gs),
    dict(y=rms(xs, gs, 1e-5)), domain=MS)

xg, bg = randn(B, S, 16), randn(16)
add("ms_fastgelu", "FastGelu", dict(x=xg, b=bg), dict(y=gelu_tanh(xg + bg)), domain=MS)
add("ms_biasgelu", "BiasGelu", dict(x=xg, b=bg), dict(y=gelu(xg + bg)), domain=MS)

# --- com.microsoft RotaryEmbedding ---------------------------------------------------
start = np.array([3], np.int64)
pos_start = np.broadcast_to(3 + np.arange(S), (B, S))
add("ms_rotary_interleaved", "RotaryEmbedding",
    dict(x=xr3, pos=start, cos=cos_t, sin=sin_t),
    dict(y=ort_rope(xr3.reshape(B, S, H, D), pos_start, cos_t, sin_t, True, D)
         .reshape(B, S, H * D)),
    domain=MS, interleaved=1)

add("ms_rotary_4d_partial", "RotaryEmbedding", dict(x=xr, pos=pos, cos=cos_p, sin=sin_p),
    dict(y=ort_rope(xr.transpose(0, 2, 1, 3), pos, cos_p, sin_p, False, 4)
         .transpose(0, 2, 1, 3)),
    domain=MS, num_heads=H, rotary_embedding_dim=4)


def main():
    tools, work = sys.argv[1:3]
    for d in ("in", "ref", "out"):
        os.makedirs(os.path.join(work, d), exist_ok=True)
    vi = lambda n, a: helper.make_tensor_value_info(n, TYPES[a.dtype], a.shape)
    graph = helper.make_graph(nodes, "fused_ops", [vi(n, a) for n, a in inputs.items()],
                              [vi(n, a) for n, a in refs.items()], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23),
                                                    helper.make_opsetid(MS, 1)])
    model.ir_version = 8
    onnx.save(model, os.path.join(work, "model.onnx"))
    args = []
    for n, a in inputs.items():
        np.save(os.path.join(work, "in", n + ".npy"), a)
        args += ["--input", f"{n}={os.path.join(work, 'in', n + '.npy')}"]
    for n, a in refs.items():
        np.save(os.path.join(work, "ref", n + ".npy"), a)
    exe = os.path.join(work, "model")
    subprocess.run([os.path.join(tools, "tessera-compile"), os.path.join(work, "model.onnx"),
                    "-o", exe], check=True)
    subprocess.run([exe, *args, "--output-dir", os.path.join(work, "out")], check=True)
    sys.stdout.flush()
    return subprocess.run([sys.executable, os.path.join(os.path.dirname(HERE), "compare.py"),
                           os.path.join(work, "ref"), os.path.join(work, "out")]).returncode


if __name__ == "__main__":
    sys.exit(main())
