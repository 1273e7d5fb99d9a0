#!/usr/bin/python3
"""Generates the reference model families as static-shape ONNX (opset 17).

For each family writes OUT/<family>/model.onnx, OUT/<family>/inputs/<name>.npy
(sample inputs, named after the ONNX graph inputs) and
OUT/<family>/reference/<name>.npy (torch outputs, named after the ONNX graph
outputs). Weights are random with fixed seeds and never committed.

  /usr/bin/python3 test/models/gen_models.py OUT [--family NAME]... [--layers N]
      [--hidden N] [--heads N] [--kv-heads N] [--seq N] [--batch N] [--vocab N]
      [--state N] [--image N] [--patch N] [--seed N]

Size options override the family's defaults (which differ between families on
purpose, so nothing in the compiler gets tuned to one shape).
"""
import argparse
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FAMILIES = ["bert", "gpt2", "vit", "llama", "mamba", "encdec"]

DEFAULTS = {
    "bert": dict(layers=2, hidden=64, heads=4, seq=16, batch=2, vocab=100),
    "gpt2": dict(layers=2, hidden=48, heads=3, seq=12, batch=1, vocab=80),
    "vit": dict(layers=2, hidden=32, heads=2, batch=1, image=32, patch=8, classes=10),
    "llama": dict(layers=2, hidden=64, heads=4, kv_heads=2, seq=10, batch=1, vocab=96),
    "mamba": dict(layers=2, hidden=32, state=8, seq=12, batch=1, vocab=64),
    "encdec": dict(layers=1, hidden=32, heads=4, seq=8, tgt_seq=6, batch=2, vocab=50),
}


def attention(q, k, v, heads, mask=None):
    """q: [B, Sq, H*D]; k, v: [B, Sk, H*D]; mask adds to the scores."""
    b, sq, hd = q.shape
    sk, d = k.shape[1], hd // heads
    q = q.view(b, sq, heads, d).transpose(1, 2)
    k = k.view(b, sk, heads, d).transpose(1, 2)
    v = v.view(b, sk, heads, d).transpose(1, 2)
    scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d)
    if mask is not None:
        scores = scores + mask
    out = torch.matmul(torch.softmax(scores, dim=-1), v)
    return out.transpose(1, 2).reshape(b, sq, hd)


class MHA(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.o = (nn.Linear(hidden, hidden) for _ in range(4))

    def forward(self, x, ctx=None, mask=None):
        ctx = x if ctx is None else ctx
        return self.o(attention(self.q(x), self.k(ctx), self.v(ctx), self.heads, mask))


class PostLNBlock(nn.Module):
    """BERT / encoder-decoder style: residual then LayerNorm, GELU (erf) MLP."""

    def __init__(self, hidden, heads, cross=False):
        super().__init__()
        self.attn, self.ln1 = MHA(hidden, heads), nn.LayerNorm(hidden)
        self.cross = MHA(hidden, heads) if cross else None
        self.lnc = nn.LayerNorm(hidden) if cross else None
        self.fc1, self.fc2 = nn.Linear(hidden, 4 * hidden), nn.Linear(4 * hidden, hidden)
        self.ln2 = nn.LayerNorm(hidden)

    def forward(self, x, mask=None, memory=None, memory_mask=None):
        x = self.ln1(x + self.attn(x, mask=mask))
        if self.cross is not None:
            x = self.lnc(x + self.cross(x, ctx=memory, mask=memory_mask))
        return self.ln2(x + self.fc2(F.gelu(self.fc1(x))))


class Bert(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word = nn.Embedding(c["vocab"], c["hidden"])
        self.pos = nn.Embedding(c["seq"], c["hidden"])
        self.token_type = nn.Embedding(2, c["hidden"])
        self.ln = nn.LayerNorm(c["hidden"])
        self.blocks = nn.ModuleList(PostLNBlock(c["hidden"], c["heads"]) for _ in range(c["layers"]))

    def forward(self, input_ids, attention_mask):
        pos = torch.arange(input_ids.shape[1]).unsqueeze(0)
        x = self.ln(self.word(input_ids) + self.pos(pos) + self.token_type(torch.zeros_like(input_ids)))
        mask = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * -10000.0
        for blk in self.blocks:
            x = blk(x, mask)
        return x

    def inputs(self, c, g):
        ids = torch.randint(0, c["vocab"], (c["batch"], c["seq"]), generator=g)
        mask = torch.ones(c["batch"], c["seq"], dtype=torch.int64)
        mask[0, c["seq"] * 3 // 4:] = 0  # padding at the end of the first sequence
        return {"input_ids": ids, "attention_mask": mask}, ["last_hidden_state"]


def gelu_tanh(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class GPT2Block(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(hidden), nn.LayerNorm(hidden)
        self.heads = heads
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.proj = nn.Linear(hidden, hidden)
        self.fc, self.out = nn.Linear(hidden, 4 * hidden), nn.Linear(4 * hidden, hidden)

    def forward(self, x, mask):
        q, k, v = self.qkv(self.ln1(x)).split(x.shape[-1], dim=-1)
        x = x + self.proj(attention(q, k, v, self.heads, mask))
        return x + self.out(gelu_tanh(self.fc(self.ln2(x))))


class GPT2(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.wte = nn.Embedding(c["vocab"], c["hidden"])
        self.wpe = nn.Embedding(c["seq"], c["hidden"])
        self.blocks = nn.ModuleList(GPT2Block(c["hidden"], c["heads"]) for _ in range(c["layers"]))
        self.ln_f = nn.LayerNorm(c["hidden"])
        s = c["seq"]
        self.register_buffer("bias", torch.tril(torch.ones(s, s, dtype=torch.bool)).view(1, 1, s, s))

    def forward(self, input_ids):
        s = input_ids.shape[1]
        x = self.wte(input_ids) + self.wpe(torch.arange(s).unsqueeze(0))
        zero = torch.zeros((), dtype=x.dtype)
        neg = torch.full((), torch.finfo(x.dtype).min, dtype=x.dtype)
        mask = torch.where(self.bias[:, :, :s, :s], zero, neg)
        for blk in self.blocks:
            x = blk(x, mask)
        return torch.matmul(self.ln_f(x), self.wte.weight.t())  # tied embeddings

    def inputs(self, c, g):
        return {"input_ids": torch.randint(0, c["vocab"], (c["batch"], c["seq"]), generator=g)}, ["logits"]


class PreLNBlock(nn.Module):
    """ViT style: LayerNorm first, GELU (erf) MLP of width 2h."""

    def __init__(self, hidden, heads):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(hidden), nn.LayerNorm(hidden)
        self.attn = MHA(hidden, heads)
        self.fc1, self.fc2 = nn.Linear(hidden, 2 * hidden), nn.Linear(2 * hidden, hidden)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class ViT(nn.Module):
    def __init__(self, c):
        super().__init__()
        h, p = c["hidden"], c["patch"]
        self.patch = nn.Conv2d(3, h, kernel_size=p, stride=p)
        n = (c["image"] // p) ** 2
        self.cls = nn.Parameter(torch.randn(1, 1, h) * 0.02)
        self.pos = nn.Parameter(torch.randn(1, n + 1, h) * 0.02)
        self.blocks = nn.ModuleList(PreLNBlock(h, c["heads"]) for _ in range(c["layers"]))
        self.ln = nn.LayerNorm(h)
        self.head = nn.Linear(h, c["classes"])

    def forward(self, pixel_values):
        x = self.patch(pixel_values).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.ln(x)[:, 0])

    def inputs(self, c, g):
        return {"pixel_values": torch.randn(c["batch"], 3, c["image"], c["image"], generator=g)}, ["logits"]


class RMSNorm(nn.Module):
    def __init__(self, hidden, eps=1e-6):
        super().__init__()
        self.weight, self.eps = nn.Parameter(torch.ones(hidden)), eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


class LlamaBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        h, self.heads, self.kv = c["hidden"], c["heads"], c["kv_heads"]
        self.d = h // self.heads
        self.q = nn.Linear(h, h, bias=False)
        self.k = nn.Linear(h, self.kv * self.d, bias=False)
        self.v = nn.Linear(h, self.kv * self.d, bias=False)
        self.o = nn.Linear(h, h, bias=False)
        self.gate, self.up = nn.Linear(h, 2 * h, bias=False), nn.Linear(h, 2 * h, bias=False)
        self.down = nn.Linear(2 * h, h, bias=False)
        self.n1, self.n2 = RMSNorm(h), RMSNorm(h)

    def repeat_kv(self, x):
        b, kv, s, d = x.shape
        rep = self.heads // kv
        return x[:, :, None, :, :].expand(b, kv, rep, s, d).reshape(b, kv * rep, s, d)

    def forward(self, x, cos, sin, mask):
        b, s, _ = x.shape
        y = self.n1(x)
        q = self.q(y).view(b, s, self.heads, self.d).transpose(1, 2)
        k = self.k(y).view(b, s, self.kv, self.d).transpose(1, 2)
        v = self.v(y).view(b, s, self.kv, self.d).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k, v = self.repeat_kv(k), self.repeat_kv(v)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.d) + mask
        a = torch.matmul(F.softmax(scores, dim=-1), v).transpose(1, 2).reshape(b, s, -1)
        x = x + self.o(a)
        y = self.n2(x)
        return x + self.down(F.silu(self.gate(y)) * self.up(y))


class Llama(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed = nn.Embedding(c["vocab"], c["hidden"])
        self.blocks = nn.ModuleList(LlamaBlock(c) for _ in range(c["layers"]))
        self.norm = RMSNorm(c["hidden"])
        self.lm_head = nn.Linear(c["hidden"], c["vocab"], bias=False)
        d, s = c["hidden"] // c["heads"], c["seq"]
        inv = 1.0 / (10000 ** (torch.arange(0, d, 2).float() / d))
        freqs = torch.outer(torch.arange(s).float(), inv)
        emb = torch.cat([freqs, freqs], dim=-1)
        self.register_buffer("cos", emb.cos()[None, None])
        self.register_buffer("sin", emb.sin()[None, None])

    def forward(self, input_ids):
        s = input_ids.shape[1]
        x = self.embed(input_ids)
        mask = torch.full((s, s), float("-inf")).triu(1)[None, None]
        for blk in self.blocks:
            x = blk(x, self.cos[:, :, :s], self.sin[:, :, :s], mask)
        return self.lm_head(self.norm(x))

    def inputs(self, c, g):
        return {"input_ids": torch.randint(0, c["vocab"], (c["batch"], c["seq"]), generator=g)}, ["logits"]


class MambaBlock(nn.Module):
    def __init__(self, c, conv=4):
        super().__init__()
        h, n = c["hidden"], c["state"]
        self.di, self.n = 2 * h, n
        self.dt_rank = max(1, h // 16)
        self.norm = RMSNorm(h)
        self.in_proj = nn.Linear(h, 2 * self.di, bias=False)
        self.conv = nn.Conv1d(self.di, self.di, conv, groups=self.di, padding=conv - 1)
        self.x_proj = nn.Linear(self.di, self.dt_rank + 2 * n, bias=False)
        self.dt_proj = nn.Linear(self.dt_rank, self.di)
        self.A_log = nn.Parameter(torch.log(torch.arange(1, n + 1).float()).repeat(self.di, 1))
        self.D = nn.Parameter(torch.ones(self.di))
        self.out_proj = nn.Linear(self.di, h, bias=False)

    def forward(self, x):
        b, l, _ = x.shape
        u, z = self.in_proj(self.norm(x)).chunk(2, dim=-1)
        u = F.silu(self.conv(u.transpose(1, 2))[:, :, :l].transpose(1, 2))
        dt, B, C = self.x_proj(u).split([self.dt_rank, self.n, self.n], dim=-1)
        delta = F.softplus(self.dt_proj(dt))  # [b, l, di]
        A = -torch.exp(self.A_log)  # [di, n]
        dA = torch.exp(delta.unsqueeze(-1) * A)  # [b, l, di, n]
        dBu = delta.unsqueeze(-1) * B.unsqueeze(2) * u.unsqueeze(-1)
        h = torch.zeros(b, self.di, self.n)
        ys = []
        for i in range(l):  # selective scan, unrolled in the export
            h = dA[:, i] * h + dBu[:, i]
            ys.append(torch.einsum("bdn,bn->bd", h, C[:, i]))
        y = torch.stack(ys, dim=1) + u * self.D
        return x + self.out_proj(y * F.silu(z))


class Mamba(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed = nn.Embedding(c["vocab"], c["hidden"])
        self.blocks = nn.ModuleList(MambaBlock(c) for _ in range(c["layers"]))
        self.norm = RMSNorm(c["hidden"])

    def forward(self, input_ids):
        x = self.embed(input_ids)
        for blk in self.blocks:
            x = blk(x)
        return torch.matmul(self.norm(x), self.embed.weight.t())

    def inputs(self, c, g):
        return {"input_ids": torch.randint(0, c["vocab"], (c["batch"], c["seq"]), generator=g)}, ["logits"]


class EncDec(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden"]
        self.embed = nn.Embedding(c["vocab"], h)
        self.pos = nn.Parameter(torch.randn(1, max(c["seq"], c["tgt_seq"]), h) * 0.02)
        self.enc = nn.ModuleList(PostLNBlock(h, c["heads"]) for _ in range(c["layers"]))
        self.dec = nn.ModuleList(PostLNBlock(h, c["heads"], cross=True) for _ in range(c["layers"]))
        self.out = nn.Linear(h, c["vocab"])

    def forward(self, src_ids, tgt_ids):
        s, t = src_ids.shape[1], tgt_ids.shape[1]
        mem = self.embed(src_ids) + self.pos[:, :s]
        for blk in self.enc:
            mem = blk(mem)
        x = self.embed(tgt_ids) + self.pos[:, :t]
        causal = torch.triu(torch.full((t, t), -1e9), diagonal=1)
        for blk in self.dec:
            x = blk(x, mask=causal, memory=mem)
        return self.out(x)

    def inputs(self, c, g):
        src = torch.randint(0, c["vocab"], (c["batch"], c["seq"]), generator=g)
        tgt = torch.randint(0, c["vocab"], (c["batch"], c["tgt_seq"]), generator=g)
        return {"src_ids": src, "tgt_ids": tgt}, ["logits"]


MODELS = {"bert": Bert, "gpt2": GPT2, "vit": ViT, "llama": Llama, "mamba": Mamba, "encdec": EncDec}


def generate(family, outdir, overrides, seed):
    c = dict(DEFAULTS[family])
    c.update({k: v for k, v in overrides.items() if v is not None})
    torch.manual_seed(seed)
    model = MODELS[family](c).eval()
    inputs, output_names = model.inputs(c, torch.Generator().manual_seed(seed + 1))
    fdir = os.path.join(outdir, family)
    for sub in ("inputs", "reference"):
        os.makedirs(os.path.join(fdir, sub), exist_ok=True)
    args = tuple(inputs.values())
    with torch.no_grad():
        outputs = model(*args)
        torch.onnx.export(model, args, os.path.join(fdir, "model.onnx"), opset_version=17,
                          input_names=list(inputs), output_names=output_names,
                          do_constant_folding=True)
    outputs = outputs if isinstance(outputs, (tuple, list)) else [outputs]
    for name, value in inputs.items():
        np.save(os.path.join(fdir, "inputs", name + ".npy"), value.numpy())
    for name, value in zip(output_names, outputs):
        np.save(os.path.join(fdir, "reference", name + ".npy"), value.numpy())
    print(f"{family}: {os.path.join(fdir, 'model.onnx')} {c}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("outdir")
    p.add_argument("--family", action="append", choices=FAMILIES,
                   help="family to generate (repeatable; default: all)")
    for opt in ["layers", "hidden", "heads", "kv-heads", "seq", "batch", "vocab", "state",
                "image", "patch"]:
        p.add_argument("--" + opt, type=int)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    overrides = {k: getattr(a, k) for k in ["layers", "hidden", "heads", "kv_heads", "seq",
                                            "batch", "vocab", "state", "image", "patch"]}
    for family in a.family or FAMILIES:
        generate(family, a.outdir, overrides, a.seed)


if __name__ == "__main__":
    main()
