"""State-space / linear-attention ONNX ops end to end: CausalConvWithState and
LinearAttention from ONNX Runtime's com.microsoft domain and from ONNX opset 27.
Two models (one per domain) hold every case; each is compiled with tessera-compile
(plus the flags given after WORK_DIR), run on random inputs (fixed seed), and every
output is compared (relative L2 <= 1e-4) with a float64 numpy reference written from
the operator specs, independent of Tessera's own ops. Every case is also saved alone
as WORK_DIR/ir/CASE.onnx for the IR checks of the .test file.

usage: onnx_ssm_ops.py TOOLS_DIR WORK_DIR [tessera-compile flags...]
"""
import math
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(27)
MS = "com.microsoft"
FLOAT = onnx.TensorProto.FLOAT


class Model:
    """The cases of one domain: one node each, with its inputs and references."""

    def __init__(self, name, opsets):
        self.name, self.opsets = name, opsets
        self.nodes, self.inputs, self.inits, self.refs = [], {}, [], {}
        self.cases = []  # (name, node, inputs, inits, refs)

    def add(self, name, op, ins, outs, **attrs):
        """`ins` maps input names to arrays (runtime inputs) or ("init", array)
        (initializers), None skips an optional input; `outs` maps output names to
        reference arrays, None skips an optional output."""
        domain = MS if self.name == "ms" else ""
        in_names, inputs, inits, refs = [], {}, [], {}
        for k, v in ins.items():
            if v is None:
                in_names.append("")
            elif isinstance(v, tuple):
                in_names.append(f"{name}_{k}")
                inits.append(numpy_helper.from_array(v[1], f"{name}_{k}"))
            else:
                in_names.append(f"{name}_{k}")
                inputs[f"{name}_{k}"] = v
        while in_names and not in_names[-1]:
            in_names.pop()
        out_names = []
        for k, v in outs.items():
            out_names.append("" if v is None else f"{name}_{k}")
            if v is not None:
                refs[f"{name}_{k}"] = v.astype(np.float32)
        node = helper.make_node(op, in_names, out_names, name=name, domain=domain, **attrs)
        self.nodes.append(node)
        self.inputs.update(inputs)
        self.inits += inits
        self.refs.update(refs)
        self.cases.append((name, node, inputs, inits, refs))

    def proto(self, name, nodes, inputs, inits, refs):
        vi = lambda n, a: helper.make_tensor_value_info(n, FLOAT, a.shape)
        graph = helper.make_graph(nodes, name, [vi(n, a) for n, a in inputs.items()],
                                  [vi(n, a) for n, a in refs.items()], initializer=inits)
        # onnx 1.12's checker knows opset 17 at most: the opset-27 model is not checked.
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v)
                                                        for d, v in self.opsets])
        model.ir_version = 8
        return model


def randn(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def silu(y):
    return y / (1 + np.exp(-y))


# --- references, from the specs -------------------------------------------------
def causal_conv_ref(x, w, bias, past, act, dilation=1):
    """x [B, C, L], w [C, 1, K], past [B, C, (K-1)*dilation] or zeros: output
    position t, tap j reads x[t - (K-1-j)*dilation]; present_state is the last
    (K-1)*dilation steps of past ++ x."""
    b, c, l = x.shape
    k = w.shape[2]
    s = (k - 1) * dilation
    pad = np.zeros((b, c, s)) if past is None else past.astype(np.float64)
    xp = np.concatenate([pad, x.astype(np.float64)], axis=2)
    y = np.zeros((b, c, l))
    for j in range(k):
        y += w[None, :, 0, j, None].astype(np.float64) * xp[:, :, j * dilation:j * dilation + l]
    if bias is not None:
        y += bias[None, :, None]
    if act in ("silu", "swish"):
        y = silu(y)
    return y, xp[:, :, xp.shape[2] - s:]


def linear_attention_ref(q, k, v, past, decay, beta, hq, hkv, rule, scale=0.0):
    """The recurrence of the spec, one (batch, state head, step) at a time:
    gated:  S *= exp(g_t);  delta: v_t <- beta_t (v_t - S^T k_t);  S += k_t v_t^T;
    o_t = scale q_t^T S. Query head h reads state head h / (Hq/Hkv); with fewer
    query (or key) heads than state heads, state head h reads query (key) head
    h / (Hkv/Hq) (ONNX Runtime's inverse GQA and shared keys)."""
    b, t, _ = q.shape
    dk = q.shape[2] // hq
    hk = k.shape[2] // dk
    dv = v.shape[2] // hkv
    q4, k4 = q.reshape(b, t, hq, dk).astype(np.float64), k.reshape(b, t, hk, dk)
    v4 = v.reshape(b, t, hkv, dv)
    s = np.zeros((b, hkv, dk, dv)) if past is None else past.astype(np.float64).copy()
    scale = scale or 1 / math.sqrt(dk)
    h = max(hq, hkv)
    out = np.zeros((b, t, h, dv))
    for bi in range(b):
        for ti in range(t):
            for hi in range(hkv):
                kt = k4[bi, ti, hi // (hkv // hk)].astype(np.float64)
                vt = v4[bi, ti, hi].astype(np.float64)
                if rule in ("gated", "gated_delta"):
                    g = decay[bi, ti].reshape(hkv, -1)[hi]  # 1 or Dk values
                    s[bi, hi] *= np.exp(g.astype(np.float64))[:, None]
                if rule in ("delta", "gated_delta"):
                    bt = beta[bi, ti, hi if beta.shape[2] == hkv else 0]
                    vt = bt * (vt - s[bi, hi].T @ kt)
                s[bi, hi] += np.outer(kt, vt)
            for hh in range(h):
                if hq >= hkv:
                    state, qv = s[bi, hh // (hq // hkv)], q4[bi, ti, hh]
                else:
                    state, qv = s[bi, hh], q4[bi, ti, hh // (hkv // hq)]
                out[bi, ti, hh] = scale * (qv @ state)
    return out.reshape(b, t, h * dv), s


def l2norm(x, heads):
    b, t, w = x.shape
    x4 = x.reshape(b, t, heads, w // heads)
    return (x4 / np.linalg.norm(x4, axis=-1, keepdims=True)).reshape(b, t, w).astype(np.float32)


def sigmoid(x):
    return (1 / (1 + np.exp(-x))).astype(np.float32)


def log_decay(*shape):
    """Log-space decays in (-1, 0), as -exp(A)·softplus(..) gives them."""
    return (-rng.uniform(0.02, 0.8, shape)).astype(np.float32)


# --- CausalConvWithState ----------------------------------------------------------
def conv_case(m, name, b, c, l, k, act="none", bias=True, past=False, dilation=None,
              present=True, channels_last=None):
    dil = dilation or 1
    s = (k - 1) * dil
    x, w = randn(b, c, l), randn(c, 1, k)
    bv = randn(c) if bias else None
    pv = randn(b, c, s) if past else None
    y, st = causal_conv_ref(x, w, bv, pv, act, dil)
    attrs = {"activation": act}
    if dilation:
        attrs["dilation"] = dilation
    if channels_last:
        # [B, C, L] with C = d1 * d2 seen as [B, L, d1, d2].
        d1, d2 = channels_last
        tr = lambda a: np.ascontiguousarray(a.transpose(0, 2, 1)).reshape(a.shape[0], -1, d1, d2)
        x, y, st = tr(x), tr(y), tr(st)
        pv = tr(pv) if past else None
        attrs["channels_last"] = 1
    m.add(name, "CausalConvWithState",
          dict(x=x, w=("init", w), b=("init", bv) if bias else None, past=pv),
          dict(y=y, present=st if present else None), **attrs)


# --- LinearAttention --------------------------------------------------------------
def la_case(m, name, rule, b, t, hq, hkv, dk, dv, hk=None, past=True, decay_per_key=False,
            beta_per_head=True, scale=None, present=True, default_rule=False):
    hk = hk or hkv
    q, v = randn(b, t, hq * dk), randn(b, t, hkv * dv)
    k = randn(b, t, hk * dk)
    delta = rule in ("delta", "gated_delta")
    if delta:  # the delta rule expects unit keys (and, here, queries)
        q, k = l2norm(q, hq), l2norm(k, hk)
    pv = (0.5 * randn(b, hkv, dk, dv)) if past else None
    decay = log_decay(b, t, hkv * (dk if decay_per_key else 1)) \
        if rule in ("gated", "gated_delta") else None
    beta = sigmoid(randn(b, t, hkv if beta_per_head else 1)) if delta else None
    out, st = linear_attention_ref(q, k, v, pv, decay, beta, hq, hkv, rule, scale or 0.0)
    attrs = dict(q_num_heads=hq, kv_num_heads=hkv)
    if not default_rule:
        attrs["update_rule"] = rule
    if scale:
        attrs["scale"] = scale
    m.add(name, "LinearAttention",
          dict(q=q, k=k, v=v, past=pv, decay=decay, beta=beta),
          dict(y=out, present=st if present else None), **attrs)


ms = Model("ms", [("", 17), (MS, 1)])
conv_case(ms, "ms_conv_silu", 2, 6, 7, 4, act="silu")
conv_case(ms, "ms_conv_past", 2, 5, 6, 3, bias=False, past=True)
conv_case(ms, "ms_conv_decode_swish", 2, 4, 1, 4, act="swish", past=True)
conv_case(ms, "ms_conv_dilated_short", 1, 3, 2, 3, dilation=2)
conv_case(ms, "ms_conv_dilated_past", 2, 4, 5, 3, act="silu", past=True, dilation=2)
conv_case(ms, "ms_conv_channels_last", 2, 6, 5, 3, act="silu", past=True, channels_last=(2, 3))
conv_case(ms, "ms_conv_channels_last_nopast", 1, 6, 4, 2, channels_last=(3, 2))
conv_case(ms, "ms_conv_no_present", 1, 3, 5, 2, act="silu", present=False)
la_case(ms, "ms_la_linear", "linear", 2, 5, 2, 2, 4, 3, past=False)
la_case(ms, "ms_la_linear_gqa_scale", "linear", 1, 4, 4, 2, 3, 5, scale=0.5)
la_case(ms, "ms_la_gated_head", "gated", 2, 6, 2, 2, 4, 4)
la_case(ms, "ms_la_gated_key_gqa", "gated", 2, 5, 4, 2, 4, 3, decay_per_key=True)
la_case(ms, "ms_la_gated_inverse_gqa", "gated", 1, 4, 2, 4, 3, 2, hk=2, past=False)
la_case(ms, "ms_la_delta", "delta", 2, 5, 2, 2, 4, 3, beta_per_head=False)
la_case(ms, "ms_la_gated_delta_gqa", "gated_delta", 2, 6, 4, 2, 4, 4, default_rule=True)
la_case(ms, "ms_la_gated_delta_key", "gated_delta", 1, 5, 2, 2, 3, 4, decay_per_key=True,
        past=False)
la_case(ms, "ms_la_gated_delta_inverse", "gated_delta", 2, 4, 1, 2, 4, 3, hk=1)
la_case(ms, "ms_la_gated_delta_decode", "gated_delta", 2, 1, 2, 2, 4, 4, decay_per_key=True)
la_case(ms, "ms_la_delta_no_present", "delta", 1, 3, 2, 2, 2, 2, present=False)

onnx27 = Model("onnx27", [("", 27)])
conv_case(onnx27, "conv27_silu", 2, 4, 6, 4, act="silu")
conv_case(onnx27, "conv27_past", 2, 3, 5, 3, past=True)
conv_case(onnx27, "conv27_decode", 1, 4, 1, 3, act="swish", past=True, bias=False)
la_case(onnx27, "la27_linear_gqa", "linear", 2, 5, 4, 2, 4, 3)
la_case(onnx27, "la27_gated_key", "gated", 1, 6, 2, 2, 4, 3, decay_per_key=True, past=False)
la_case(onnx27, "la27_gated_mqa", "gated", 2, 4, 3, 1, 2, 4, scale=1.5)
la_case(onnx27, "la27_delta_scale", "delta", 2, 4, 2, 2, 4, 3, scale=0.7)
la_case(onnx27, "la27_gated_delta", "gated_delta", 2, 5, 4, 2, 4, 4, default_rule=True,
        present=False)


def run_model(tools, work, m, flags):
    d = os.path.join(work, m.name)
    for sub in ("in", "ref", "out"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    onnx.save(m.proto(m.name, m.nodes, m.inputs, m.inits, m.refs), os.path.join(d, "model.onnx"))
    args = []
    for n, a in m.inputs.items():
        np.save(os.path.join(d, "in", n + ".npy"), a)
        args += ["--input", f"{n}={os.path.join(d, 'in', n + '.npy')}"]
    for n, a in m.refs.items():
        np.save(os.path.join(d, "ref", n + ".npy"), a)
    exe = os.path.join(d, "model")
    subprocess.run([os.path.join(tools, "tessera-compile"), os.path.join(d, "model.onnx"),
                    "-o", exe, *flags], check=True)
    subprocess.run([exe, *args, "--output-dir", os.path.join(d, "out")], check=True)
    sys.stdout.flush()
    return subprocess.run([sys.executable, os.path.join(os.path.dirname(HERE), "compare.py"),
                           os.path.join(d, "ref"), os.path.join(d, "out")]).returncode


def main():
    tools, work, flags = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(os.path.join(work, "ir"), exist_ok=True)
    for m in (ms, onnx27):
        for name, node, inputs, inits, refs in m.cases:
            onnx.save(m.proto(name, [node], inputs, inits, refs),
                      os.path.join(work, "ir", name + ".onnx"))
    rc = 0
    for m in (ms, onnx27):
        rc |= run_model(tools, work, m, flags)
    return rc


if __name__ == "__main__":
    sys.exit(main())
