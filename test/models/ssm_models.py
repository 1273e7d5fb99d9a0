#!/usr/bin/python3
"""Generates state-space-model test models (static shapes, opset 17, fixed seeds).

Forms (each writes OUT/<form>/model.onnx, inputs/<name>.npy, reference/<name>.npy):
  unrolled    Mamba blocks (RMSNorm, in_proj, causal depthwise conv + SiLU, x_proj,
              softplus dt_proj, selective scan, D skip, SiLU(z) gate, out_proj) whose
              scan is a Python loop that torch.onnx.export unrolls; written the way
              mamba-minimal does it (einsum-built exp(Δ·A) and Δ·B·u, [b, l, d]).
  unrolled-bdl  The same blocks in mamba_ssm's reference layout ([b, d, l], stack on
              axis 2, decay and input computed inside the loop).
  scan        The SSM core (softplus Δ, selective scan, D skip, SiLU(z) gate) as one
              ONNX Scan over time, built with onnx.helper; numpy reference.
  loop        The same core as an ONNX Loop with a constant trip count whose body
              gathers step i of outer-scope tensors and stacks y_t as a scan output.
  unrolled-core  The same core unrolled over time with onnx.helper, as torch's exporter
              would: per step a constant-index Gather of x, dt, B, C on axis 1, the step
              ops and an Unsqueeze of y_t, then one Concat; seconds for any step count.
  gla         Gated linear attention blocks (per-key sigmoid decay, S_t = g_t·S + k_t v_tᵀ,
              o_t = einsum(q_t, S_t), torch.stack), unrolled by torch.
  linear-attn Ungated linear attention (ELU+1 feature maps, outer product and read-out as
              matmuls of keep-dim slices, torch.cat).
  retention   A fixed per-head scalar decay (RetNet-style), read out with reduce_sum.

  /usr/bin/python3 test/models/ssm_models.py OUT [--form NAME]... [--layers N]
      [--d-model N] [--d-state N] [--expand N] [--conv N] [--steps N] [--batch N]
      [--heads N] [--seed N]
"""
import argparse
import os

import numpy as np

FORMS = ["unrolled", "unrolled-bdl", "scan", "loop", "unrolled-core", "gla", "linear-attn",
         "retention"]
DEFAULTS = dict(layers=2, d_model=16, d_state=4, expand=2, conv=4, steps=10, batch=1, vocab=32,
                heads=2)


def save(fdir, inputs, outputs):
    for sub, values in (("inputs", inputs), ("reference", outputs)):
        os.makedirs(os.path.join(fdir, sub), exist_ok=True)
        for name, value in values.items():
            np.save(os.path.join(fdir, sub, name + ".npy"), value)


# --- torch-exported, unrolled ------------------------------------------------------
def torch_model(c, layout):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class RMSNorm(nn.Module):
        def __init__(self, d):
            super().__init__()
            self.weight = nn.Parameter(1 + 0.1 * torch.randn(d))

        def forward(self, x):
            return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * self.weight

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            h, n = c["d_model"], c["d_state"]
            self.di, self.n = c["expand"] * h, n
            self.dt_rank = max(1, (h + 15) // 16)
            self.norm = RMSNorm(h)
            self.in_proj = nn.Linear(h, 2 * self.di, bias=False)
            self.conv = nn.Conv1d(self.di, self.di, c["conv"], groups=self.di,
                                  padding=c["conv"] - 1)
            self.x_proj = nn.Linear(self.di, self.dt_rank + 2 * n, bias=False)
            self.dt_proj = nn.Linear(self.dt_rank, self.di)
            self.A_log = nn.Parameter(torch.log(torch.arange(1, n + 1).float()).repeat(self.di, 1)
                                      + 0.1 * torch.rand(self.di, n))
            self.D = nn.Parameter(1 + 0.1 * torch.randn(self.di))
            self.out_proj = nn.Linear(self.di, h, bias=False)

        def forward(self, x):
            b, l, _ = x.shape
            u, z = self.in_proj(self.norm(x)).chunk(2, dim=-1)
            u = F.silu(self.conv(u.transpose(1, 2))[:, :, :l].transpose(1, 2))
            dt, B, C = self.x_proj(u).split([self.dt_rank, self.n, self.n], dim=-1)
            delta = F.softplus(self.dt_proj(dt))
            A = -torch.exp(self.A_log)
            if layout == "bld":
                dA = torch.exp(torch.einsum("bld,dn->bldn", delta, A))
                dBu = torch.einsum("bld,bln,bld->bldn", delta, B, u)
                h = torch.zeros(b, self.di, self.n)
                ys = []
                for i in range(l):
                    h = dA[:, i] * h + dBu[:, i]
                    ys.append(torch.einsum("bdn,bn->bd", h, C[:, i]))
                y = torch.stack(ys, dim=1)
            else:
                # mamba_ssm's selective_scan_ref: [b, d, l] tensors, per step.
                ub, db = u.transpose(1, 2), delta.transpose(1, 2)
                Bb, Cb = B.transpose(1, 2), C.transpose(1, 2)
                h = torch.zeros(b, self.di, self.n)
                ys = []
                for i in range(l):
                    dAi = torch.exp(db[:, :, i, None] * A)
                    h = dAi * h + db[:, :, i, None] * Bb[:, None, :, i] * ub[:, :, i, None]
                    ys.append((h * Cb[:, None, :, i]).sum(-1))
                y = torch.stack(ys, dim=2).transpose(1, 2)
            y = y + u * self.D
            return x + self.out_proj(y * F.silu(z))

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(c["vocab"], c["d_model"])
            self.blocks = nn.ModuleList(Block() for _ in range(c["layers"]))
            self.norm = RMSNorm(c["d_model"])
            self.head = nn.Linear(c["d_model"], c["vocab"], bias=False)

        def forward(self, ids):
            x = self.embed(ids)
            for blk in self.blocks:
                x = blk(x)
            return self.head(self.norm(x))

    return Model().eval()


def gen_unrolled(fdir, c, seed, layout):
    import torch
    torch.manual_seed(seed)
    model = torch_model(c, layout)
    g = torch.Generator().manual_seed(seed + 1)
    ids = torch.randint(0, c["vocab"], (c["batch"], c["steps"]), generator=g)
    os.makedirs(fdir, exist_ok=True)
    with torch.no_grad():
        out = model(ids)
        torch.onnx.export(model, (ids,), os.path.join(fdir, "model.onnx"), opset_version=17,
                          input_names=["input_ids"], output_names=["logits"],
                          do_constant_folding=True)
    save(fdir, {"input_ids": ids.numpy()}, {"logits": out.numpy()})


# --- torch-exported linear attention, unrolled ------------------------------------
def linear_attention_model(c, form):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            d, h = c["d_model"], c["heads"]
            self.h, self.dk = h, max(1, d // h)
            self.q = nn.Linear(d, h * self.dk, bias=False)
            self.k = nn.Linear(d, h * self.dk, bias=False)
            self.v = nn.Linear(d, h * self.dk, bias=False)
            self.g = nn.Linear(d, h * self.dk)
            self.decay = nn.Parameter(torch.rand(h) * 2 + 1)
            self.o = nn.Linear(h * self.dk, d, bias=False)
            self.norm = nn.LayerNorm(d)

        def heads(self, x):
            b, t, _ = x.shape
            return x.view(b, t, self.h, self.dk).transpose(1, 2)  # [b, h, t, dk]

        def forward(self, x):
            b, T, _ = x.shape
            y = self.norm(x)
            q, k, v = self.heads(self.q(y)), self.heads(self.k(y)), self.heads(self.v(y))
            S = torch.zeros(b, self.h, self.dk, self.dk)
            outs = []
            if form == "gla":
                g = torch.sigmoid(self.heads(self.g(y)))
                q = q * self.dk ** -0.5
                for t in range(T):
                    S = g[:, :, t, :, None] * S + k[:, :, t, :, None] * v[:, :, t, None, :]
                    outs.append(torch.einsum("bhk,bhkv->bhv", q[:, :, t], S))
                o = torch.stack(outs, dim=2)
            elif form == "linear-attn":
                q, k = F.elu(q) + 1, F.elu(k) + 1
                for t in range(T):
                    S = S + k[:, :, t:t + 1].transpose(-1, -2) @ v[:, :, t:t + 1]
                    outs.append(q[:, :, t:t + 1] @ S)
                o = torch.cat(outs, dim=2)
            else:
                gamma = torch.sigmoid(self.decay)[None, :, None, None]
                for t in range(T):
                    S = S * gamma + k[:, :, t, :, None] * v[:, :, t, None, :]
                    outs.append((q[:, :, t, :, None] * S).sum(2))
                o = torch.stack(outs, dim=2)
            return x + self.o(o.transpose(1, 2).reshape(b, T, -1))

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(c["vocab"], c["d_model"])
            self.blocks = nn.ModuleList(Block() for _ in range(c["layers"]))
            self.head = nn.Linear(c["d_model"], c["vocab"], bias=False)

        def forward(self, ids):
            x = self.embed(ids)
            for blk in self.blocks:
                x = blk(x)
            return self.head(x)

    return Model().eval()


def gen_linear_attention(fdir, c, seed, form):
    import torch
    torch.manual_seed(seed)
    model = linear_attention_model(c, form)
    g = torch.Generator().manual_seed(seed + 1)
    ids = torch.randint(0, c["vocab"], (c["batch"], c["steps"]), generator=g)
    os.makedirs(fdir, exist_ok=True)
    with torch.no_grad():
        out = model(ids)
        torch.onnx.export(model, (ids,), os.path.join(fdir, "model.onnx"), opset_version=17,
                          input_names=["input_ids"], output_names=["logits"],
                          do_constant_folding=True)
    save(fdir, {"input_ids": ids.numpy()}, {"logits": out.numpy()})


# --- onnx.helper: Scan and Loop --------------------------------------------------
def softplus(x):
    return np.where(x > 20, x, np.log1p(np.exp(np.minimum(x, 20))))


def ssm_reference(x, dt, A, B, C, D, z):
    b, l, d = x.shape
    n = A.shape[1]
    delta = softplus(dt.astype(np.float64))
    h = np.zeros((b, d, n))
    y = np.zeros((b, l, d))
    for t in range(l):
        h = np.exp(delta[:, t, :, None] * A) * h + \
            delta[:, t, :, None] * B[:, t, None, :] * x[:, t, :, None]
        y[:, t] = (h * C[:, t, None, :]).sum(-1)
    y = y + x * D
    return (y * z / (1 + np.exp(-z))).astype(np.float32)


def core_inputs(c, rng):
    b, l, d, n = c["batch"], c["steps"], c["expand"] * c["d_model"], c["d_state"]
    ins = {"x": rng.standard_normal((b, l, d)), "dt": rng.standard_normal((b, l, d)) - 1,
           "B": rng.standard_normal((b, l, n)), "C": rng.standard_normal((b, l, n)),
           "z": rng.standard_normal((b, l, d))}
    ins = {k: v.astype(np.float32) for k, v in ins.items()}
    A = (-np.exp(np.log(np.arange(1, n + 1, dtype=np.float32))[None, :].repeat(d, 0)
                 + 0.1 * rng.random((d, n)))).astype(np.float32)
    D = (1 + 0.1 * rng.standard_normal(d)).astype(np.float32)
    return ins, A, D


def step_nodes(helper, prefix, x_t, dt_t, b_t, c_t, h_in, h_out, y_out):
    """One step of the recurrence on [b, d] / [b, n] slices (A is outer-scope 'A')."""
    P = lambda s: f"{prefix}{s}"
    return [
        helper.make_node("Softplus", [dt_t], [P("delta")]),
        helper.make_node("Unsqueeze", [P("delta"), "ax_last"], [P("delta3")]),
        helper.make_node("Mul", [P("delta3"), "A"], [P("dA0")]),
        helper.make_node("Exp", [P("dA0")], [P("dA")]),
        helper.make_node("Unsqueeze", [b_t, "ax_1"], [P("B3")]),
        helper.make_node("Unsqueeze", [x_t, "ax_last"], [P("x3")]),
        helper.make_node("Mul", [P("delta3"), P("B3")], [P("dB")]),
        helper.make_node("Mul", [P("dB"), P("x3")], [P("dBx")]),
        helper.make_node("Mul", [P("dA"), h_in], [P("decayed")]),
        helper.make_node("Add", [P("decayed"), P("dBx")], [h_out]),
        helper.make_node("Unsqueeze", [c_t, "ax_1"], [P("C3")]),
        helper.make_node("Mul", [h_out, P("C3")], [P("hC")]),
        helper.make_node("ReduceSum", [P("hC"), "ax_last"], [y_out], keepdims=0),
    ]


def gen_core(fdir, c, seed, form):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(seed)
    ins, A, D = core_inputs(c, rng)
    b, l, d = ins["x"].shape
    n = A.shape[1]
    f32 = lambda name, shape: helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)
    inits = [numpy_helper.from_array(A, "A"), numpy_helper.from_array(D, "D"),
             numpy_helper.from_array(np.array([-1], np.int64), "ax_last"),
             numpy_helper.from_array(np.array([1], np.int64), "ax_1"),
             numpy_helper.from_array(np.zeros((b, d, n), np.float32), "h0")]
    nodes = []
    if form == "scan":
        body = helper.make_graph(
            step_nodes(helper, "s_", "x_t", "dt_t", "B_t", "C_t", "h_in", "h_out", "y_t"),
            "step",
            [f32("h_in", [b, d, n]), f32("x_t", [b, d]), f32("dt_t", [b, d]), f32("B_t", [b, n]),
             f32("C_t", [b, n])],
            [f32("h_out", [b, d, n]), f32("y_t", [b, d])])
        nodes.append(helper.make_node("Scan", ["h0", "x", "dt", "B", "C"], ["h_last", "y_scan"],
                                      num_scan_inputs=4, body=body,
                                      scan_input_axes=[1, 1, 1, 1], scan_output_axes=[1]))
        y_name = "y_scan"
    elif form == "loop":
        # Loop: iteration i gathers step i of the outer-scope tensors.
        gathers = [helper.make_node("Gather", [src, "i"], [src + "_t"], axis=1)
                   for src in ("x", "dt", "B", "C")]
        body_nodes = gathers + step_nodes(helper, "l_", "x_t", "dt_t", "B_t", "C_t", "h_in",
                                          "h_out", "y_t") + [
            helper.make_node("Identity", ["cond_in"], ["cond_out"])]
        body = helper.make_graph(
            body_nodes, "step",
            [helper.make_tensor_value_info("i", TensorProto.INT64, []),
             helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
             f32("h_in", [b, d, n])],
            [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
             f32("h_out", [b, d, n]), f32("y_t", [b, d])])
        inits.append(numpy_helper.from_array(np.array(l, np.int64), "trip"))
        inits.append(numpy_helper.from_array(np.array(True), "cond"))
        nodes.append(helper.make_node("Loop", ["trip", "cond", "h0"], ["h_last", "y_lbd"],
                                      body=body))
        nodes.append(helper.make_node("Transpose", ["y_lbd"], ["y_loop"], perm=[1, 0, 2]))
        y_name = "y_loop"
    else:
        # unrolled-core: step t reads constant-index slices and the previous step's state.
        ys = []
        for t in range(l):
            idx = f"t{t}"
            nodes.append(helper.make_node("Constant", [], [idx],
                                          value=numpy_helper.from_array(np.array(t, np.int64))))
            nodes += [helper.make_node("Gather", [src, idx], [f"{src}_{t}"], axis=1)
                      for src in ("x", "dt", "B", "C")]
            nodes += step_nodes(helper, f"u{t}_", f"x_{t}", f"dt_{t}", f"B_{t}", f"C_{t}",
                                f"h_{t - 1}" if t else "h0", f"h_{t}", f"y_{t}")
            nodes.append(helper.make_node("Unsqueeze", [f"y_{t}", "ax_1"], [f"y3_{t}"]))
            ys.append(f"y3_{t}")
        nodes.append(helper.make_node("Concat", ys, ["y_cat"], axis=1))
        y_name = "y_cat"
    nodes += [helper.make_node("Mul", ["x", "D"], ["xD"]),
              helper.make_node("Add", [y_name, "xD"], ["y_skip"]),
              helper.make_node("Sigmoid", ["z"], ["zs"]),
              helper.make_node("Mul", ["z", "zs"], ["zg"]),
              helper.make_node("Mul", ["y_skip", "zg"], ["y"])]
    graph = helper.make_graph(
        nodes, f"ssm_{form}",
        [f32("x", [b, l, d]), f32("dt", [b, l, d]), f32("B", [b, l, n]), f32("C", [b, l, n]),
         f32("z", [b, l, d])],
        [f32("y", [b, l, d])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    os.makedirs(fdir, exist_ok=True)
    onnx.save(model, os.path.join(fdir, "model.onnx"))
    y = ssm_reference(ins["x"], ins["dt"], A, ins["B"], ins["C"], D, ins["z"])
    save(fdir, ins, {"y": y})


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("outdir")
    p.add_argument("--form", action="append", choices=FORMS)
    for opt in ["layers", "d-model", "d-state", "expand", "conv", "steps", "batch", "heads"]:
        p.add_argument("--" + opt, type=int)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    c = dict(DEFAULTS)
    for k in ["layers", "d_model", "d_state", "expand", "conv", "steps", "batch", "heads"]:
        if getattr(a, k) is not None:
            c[k] = getattr(a, k)
    for form in a.form or FORMS:
        fdir = os.path.join(a.outdir, form)
        if form in ("gla", "linear-attn", "retention"):
            gen_linear_attention(fdir, c, a.seed, form)
        elif form in ("unrolled", "unrolled-bdl"):
            gen_unrolled(fdir, c, a.seed, "bld" if form == "unrolled" else "bdl")
        else:
            gen_core(fdir, c, a.seed, form)
        print(f"{form}: {os.path.join(fdir, 'model.onnx')} {c}")


if __name__ == "__main__":
    main()
