#!/usr/bin/python3
"""Small models trained on data that Debian ships, for judging accuracy-changing
passes by a real metric instead of by 1e-4.

  /usr/bin/python3 test/models/trained_models.py OUT --model vit_digits|vit_digits_tokens|char_gpt

writes OUT/<model>/model.onnx (static shapes, opset 17; the ViTs also
model_b8.onnx, at batch 8 for benchmarks), OUT/<model>/inputs/
<name>.npy (the whole evaluation set as one batch), OUT/<model>/calibration/
<name>.npy (as many training images or windows of training text), OUT/<model>/eval.npz (the
labels or targets) and OUT/<model>/metric.json (the torch model's own metric).
Training is seeded and deterministic; an existing OUT/<model> whose stamp
matches this file's hash is reused (the cache lives in the build tree).

- vit_digits: a 2-layer ViT (2x2 patches, d=64, 4 heads) on sklearn's digits
  (8x8 images, 10 classes); metric: top-1 accuracy on a held-out 25%.
- vit_digits_tokens: the same with a token per pixel (a 3x3 conv embedding:
  64 tokens), a class token read at the end and 4 layers, for token merging
  and pruning.
- char_gpt: a 2-layer causal transformer (d=128, 4 heads, context 64) over the
  bytes of the licence texts in /usr/share/common-licenses; metric: bits per
  character on held-out text (the last 10% of every file).
"""
import argparse
import hashlib
import json
import math
import os

# One thread: these models are too small for a second one to pay, and the
# tests train them while other tests run (OpenBLAS reads this at import).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F


def stamp():
    with open(os.path.abspath(__file__), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:16]


class Block(nn.Module):
    """Pre-LN transformer block (fused Q/K/V projection, as GPT-2 has it)."""

    def __init__(self, d, heads, causal):
        super().__init__()
        self.heads, self.causal = heads, causal
        self.scale = 1.0 / math.sqrt(d // heads)
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def attention(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(x).split(d, dim=-1)
        q, k, v = (y.reshape(b, t, self.heads, -1).transpose(1, 2) for y in (q, k, v))
        s = torch.matmul(q, k.transpose(-1, -2)) * self.scale
        if self.causal:
            s = s + torch.triu(torch.full((t, t), float("-inf")), 1)
        o = torch.matmul(torch.softmax(s, dim=-1), v)
        return self.proj(o.transpose(1, 2).reshape(b, t, d))

    def forward(self, x):
        x = x + self.attention(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class DigitsViT(nn.Module):
    def __init__(self, d=64, heads=4, layers=2, patch=2, cls=False, conv=0):
        super().__init__()
        self.patch = patch
        n = (8 // patch) ** 2
        # conv > 0: a token per pixel from a conv x conv neighbourhood instead.
        self.embed = nn.Conv2d(1, d, conv, padding=conv // 2) if conv else \
            nn.Linear(patch * patch, d)
        self.conv = conv
        n = 64 if conv else n
        self.pos = nn.Parameter(torch.randn(1, n + int(cls), d) * 0.02)
        self.blocks = nn.ModuleList(Block(d, heads, False) for _ in range(layers))
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, 10)
        # Read at the end instead of the mean over the tokens.
        self.cls = nn.Parameter(torch.zeros(1, 1, d)) if cls else None

    def forward(self, img):  # [B, 1, 8, 8]
        b, p = img.shape[0], self.patch
        if self.conv:
            x = self.embed(img).flatten(2).transpose(1, 2)
        else:
            x = img.reshape(b, 8 // p, p, 8 // p, p).permute(0, 1, 3, 2, 4)
            x = self.embed(x.reshape(b, -1, p * p))
        if self.cls is not None:
            x = torch.cat([self.cls.expand(b, -1, -1), x], dim=1)
        x = x + self.pos
        for blk in self.blocks:
            x = blk(x)
        x = self.norm(x)
        return self.head(x[:, 0] if self.cls is not None else x.mean(dim=1))


class CharGPT(nn.Module):
    def __init__(self, vocab=256, d=128, heads=4, layers=2, ctx=64):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.randn(1, ctx, d) * 0.02)
        self.blocks = nn.ModuleList(Block(d, heads, True) for _ in range(layers))
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab)

    def forward(self, tokens):  # [B, T] int64
        x = self.tok(tokens) + self.pos[:, : tokens.shape[1]]
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.norm(x))


def export(model, example, path, input_name, output_name):
    model.eval()
    with torch.no_grad():
        torch.onnx.export(model, example, path, opset_version=17,
                          input_names=[input_name], output_names=[output_name])


def vit_digits(out, epochs=30, **config):
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None]  # [1797, 1, 8, 8]
    y = digits.target.astype(np.int64)
    order = np.random.RandomState(0).permutation(len(x))
    split = len(x) * 3 // 4
    tr, te = order[:split], order[split:]
    model = DigitsViT(**config)
    xt, yt = torch.from_numpy(x[tr]), torch.from_numpy(y[tr])
    batch = 32
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=5e-2)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=2e-3, total_steps=epochs * math.ceil(len(xt) / batch))
    g = torch.Generator().manual_seed(0)
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(len(xt), generator=g)
        for i in range(0, len(xt), batch):
            idx = perm[i:i + batch]
            loss = F.cross_entropy(model(xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    model.eval()
    with torch.no_grad():
        logits = model(torch.from_numpy(x[te])).numpy()
    acc = float((logits.argmax(-1) == y[te]).mean())
    export(model, torch.from_numpy(x[te]), os.path.join(out, "model.onnx"), "image", "logits")
    # The same model at batch 8, for benchmarks.
    export(model, torch.from_numpy(x[te][:8]), os.path.join(out, "model_b8.onnx"), "image",
           "logits")
    np.save(os.path.join(out, "inputs", "image.npy"), x[te])
    # Training images, one batch of the evaluation batch's size: what passes
    # that calibrate (--drop-layers) see instead of the test set.
    os.makedirs(os.path.join(out, "calibration"), exist_ok=True)
    np.save(os.path.join(out, "calibration", "image.npy"), x[tr][:len(te)])
    np.savez(os.path.join(out, "eval.npz"), labels=y[te], logits=logits)
    return {"metric": "accuracy", "value": acc}


def licence_text():
    root = "/usr/share/common-licenses"
    train, held = [], []
    for name in sorted(os.listdir(root)):
        path = os.path.join(root, name)
        if not os.path.isfile(path):
            continue
        with open(path, "rb") as f:
            data = np.frombuffer(f.read(), dtype=np.uint8)
        cut = len(data) * 9 // 10
        train.append(data[:cut])
        held.append(data[cut:])
    return np.concatenate(train), np.concatenate(held)


def char_gpt(out, ctx=64):
    train, held = licence_text()
    torch.manual_seed(0)
    model = CharGPT(ctx=ctx)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-2)
    rng = np.random.RandomState(0)
    data = torch.from_numpy(train.astype(np.int64))
    steps = 800
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps)
    for _ in range(steps):
        starts = torch.from_numpy(rng.randint(0, len(data) - ctx - 1, size=32))
        idx = starts[:, None] + torch.arange(ctx + 1)[None]
        chunk = data[idx]
        logits = model(chunk[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), chunk[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    # Evaluation: 128 non-overlapping windows of held-out text.
    n = min(128, (len(held) - 1) // (ctx + 1))
    windows = held[: n * (ctx + 1)].reshape(n, ctx + 1).astype(np.int64)
    tokens, targets = windows[:, :-1], windows[:, 1:]
    model.eval()
    with torch.no_grad():
        logits = model(torch.from_numpy(tokens)).numpy()
    export(model, torch.from_numpy(tokens), os.path.join(out, "model.onnx"), "tokens", "logits")
    np.save(os.path.join(out, "inputs", "tokens.npy"), tokens)
    # Calibration: as many windows of training text.
    os.makedirs(os.path.join(out, "calibration"), exist_ok=True)
    np.save(os.path.join(out, "calibration", "tokens.npy"),
            train[: n * (ctx + 1)].reshape(n, ctx + 1)[:, :-1].astype(np.int64))
    np.savez(os.path.join(out, "eval.npz"), targets=targets, logits=logits)
    return {"metric": "bits_per_char", "value": bits_per_char(logits, targets)}


def bits_per_char(logits, targets):
    logits = logits.astype(np.float64)
    m = logits.max(-1, keepdims=True)
    logp = logits - m - np.log(np.exp(logits - m).sum(-1, keepdims=True))
    nll = -np.take_along_axis(logp, targets[..., None], -1).mean()
    return float(nll / math.log(2))


def vit_digits_tokens(out):
    """Token-level reductions need tokens: one per pixel, and a class token."""
    return vit_digits(out, epochs=15, conv=3, layers=4, cls=True)


MODELS = {"vit_digits": vit_digits, "vit_digits_tokens": vit_digits_tokens,
          "char_gpt": char_gpt}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--model", choices=sorted(MODELS), required=True)
    args = ap.parse_args()
    out = os.path.join(args.out, args.model)
    stamp_path = os.path.join(out, "stamp")
    if os.path.exists(stamp_path) and open(stamp_path).read() == stamp():
        return
    os.makedirs(os.path.join(out, "inputs"), exist_ok=True)
    torch.manual_seed(0)
    torch.set_num_threads(1)
    metric = MODELS[args.model](out)
    with open(os.path.join(out, "metric.json"), "w") as f:
        json.dump(metric, f)
    with open(stamp_path, "w") as f:
        f.write(stamp())


if __name__ == "__main__":
    main()
