"""--token-merge and --token-prune end to end against torch implementations
of Token Merging (ToMe, Bolya et al. 2023: bipartite soft matching on the
head-averaged keys, size-weighted merging, proportional attention), written
here after the paper's reference code, with one difference the compiler
documents: the unmerged tokens keep their order also without a class token;
and of pruning by the class token's attention (averaged over the heads).

Models (random weights, fixed seeds):
- `torchvision`: torchvision's VisionTransformer (class token read at the
  end, nn.MultiheadAttention, which exports batch folded into the heads);
- `meanpool`: a pre-LN ViT with separate Q/K/V projections and a mean over
  the tokens at the end (which becomes the size-weighted mean).

usage: token_merge_torch.py TOOLS_DIR WORK_DIR
Prints per case how much ToMe changes torch's output (`ok` above 1e-3),
`CASE: merges=M tokens=T0->T1` (from --report) and `CASE: rel_l2 E ok`
(E <= 1e-4 against the torch ToMe).
"""
import json
import math
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def bipartite_soft_matching(metric, r, protect):
    """ToMe's matching: returns merge(x, sizes) -> (x, sizes)."""
    metric = metric / metric.norm(dim=-1, keepdim=True)
    a, b = metric[:, ::2], metric[:, 1::2]
    scores = a @ b.transpose(-1, -2)
    if protect:
        scores[:, 0, :] = -math.inf
    node_max, node_idx = scores.max(dim=-1)
    # Stable, descending: the lower index first on ties.
    edge_idx = torch.from_numpy(np.stack(
        [np.argsort(-row, kind="stable") for row in node_max.numpy()]))[..., None]
    unm_idx = edge_idx[:, r:].sort(dim=1)[0]
    src_idx = edge_idx[:, :r]
    dst_idx = node_idx[..., None].gather(dim=1, index=src_idx)

    def merge(x, mode):
        src, dst = x[:, ::2], x[:, 1::2]
        n, t1, c = src.shape
        unm = src.gather(dim=1, index=unm_idx.expand(n, t1 - r, c))
        src = src.gather(dim=1, index=src_idx.expand(n, r, c))
        dst = dst.scatter_reduce(1, dst_idx.expand(n, r, c), src, reduce=mode)
        return torch.cat([unm, dst], dim=1)

    def merge_wavg(x, size):
        x = merge(x * size, "sum")
        size = merge(size, "sum")
        return x / size, size

    return merge_wavg


def attention(x, size, wq, bq, wk, bk, wv, bv, wo, bo, heads):
    """Proportional attention; returns the output, the head-mean keys and
    the head-mean attention of token 0."""
    b, t, d = x.shape
    q, k, v = (F.linear(x, w, bias).reshape(b, t, heads, -1).transpose(1, 2)
               for w, bias in ((wq, bq), (wk, bk), (wv, bv)))
    s = q @ k.transpose(-1, -2) / math.sqrt(d // heads)
    s = s + size.log()[:, None, None, :, 0]
    p = s.softmax(-1)
    o = (p @ v).transpose(1, 2).reshape(b, t, d)
    return F.linear(o, wo, bo), k.mean(1), p[:, :, 0].mean(1)


def prune(x, size, scores, keep):
    """Token 0 and the keep - 1 other tokens of highest score, in order."""
    rows = []
    for xb, sb, cb in zip(x, size, scores.numpy()):
        order = 1 + np.argsort(-cb[1:], kind="stable")[: keep - 1]
        idx = torch.from_numpy(np.concatenate([[0], np.sort(order)]))
        rows.append((xb[idx], sb[idx]))
    return torch.stack([r[0] for r in rows]), torch.stack([r[1] for r in rows])


def tome_blocks(blocks, x, spec):
    """blocks: (ln1, attention weights, heads, ln2, mlp) per layer; spec:
    --token-merge's R[,protect-first] or --token-prune's keep:F,layer:L."""
    size = torch.ones(x.shape[0], x.shape[1], 1)
    first, *opts = spec.split(",")
    for i, (ln1, weights, heads, ln2, mlp) in enumerate(blocks):
        y, metric, cls_attention = attention(ln1(x), size, *weights, heads)
        x = x + y
        if first.startswith("keep:"):
            layer = int(opts[0][6:]) if opts else len(blocks) // 4
            if i == layer:
                n = x.shape[1]
                keep = 1 + min(max(round(float(first[5:]) * (n - 1)), 1), n - 1)
                x, size = prune(x, size, cls_attention, keep)
        else:
            protect = "protect-first" in opts
            count = min(int(first), (x.shape[1] - protect) // 2)
            if count > 0:
                x, size = bipartite_soft_matching(metric, count, protect)(x, size)
        x = x + mlp(ln2(x))
    return x, size


def torchvision_vit():
    import torchvision
    torch.manual_seed(0)
    m = torchvision.models.VisionTransformer(
        image_size=32, patch_size=4, num_layers=3, num_heads=4, hidden_dim=64,
        mlp_dim=128, num_classes=10).eval()
    nn.init.normal_(m.heads.head.weight, std=0.2)
    nn.init.normal_(m.class_token, std=0.5)
    return m


def torchvision_tome(m, img, spec):
    x = m._process_input(img)
    x = torch.cat([m.class_token.expand(x.shape[0], -1, -1), x], dim=1)
    x = x + m.encoder.pos_embedding
    blocks = []
    for layer in m.encoder.layers:
        a = layer.self_attention
        wq, wk, wv = a.in_proj_weight.chunk(3)
        bq, bk, bv = a.in_proj_bias.chunk(3)
        blocks.append((layer.ln_1, (wq, bq, wk, bk, wv, bv, a.out_proj.weight,
                                    a.out_proj.bias), a.num_heads, layer.ln_2,
                       layer.mlp))
    x, _ = tome_blocks(blocks, x, spec)
    return m.heads(m.encoder.ln(x)[:, 0])


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))

    def weights(self):
        return (self.q.weight, self.q.bias, self.k.weight, self.k.bias, self.v.weight,
                self.v.bias, self.o.weight, self.o.bias)

    def forward(self, x):
        y, _, _ = attention(self.ln1(x), torch.ones(x.shape[0], x.shape[1], 1),
                            *self.weights(), self.heads)
        x = x + y
        return x + self.mlp(self.ln2(x))


class MeanPoolViT(nn.Module):
    def __init__(self, tokens=50, d=48, heads=3, layers=3):
        super().__init__()
        self.embed = nn.Linear(12, d)
        self.pos = nn.Parameter(torch.randn(1, tokens, d) * 0.5)
        self.blocks = nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, 10)

    def forward(self, patches):  # [B, T, 12]
        x = self.embed(patches) + self.pos
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.norm(x).mean(dim=1))


def meanpool_tome(m, patches, spec):
    x = m.embed(patches) + m.pos
    blocks = [(blk.ln1, blk.weights(), blk.heads, blk.ln2, blk.mlp) for blk in m.blocks]
    x, size = tome_blocks(blocks, x, spec)
    x = m.norm(x)
    return m.head((x * size).sum(1) / size.sum(1))


def run(tools, work, name, model, tome, x, spec):
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    onnx_path = os.path.join(d, "model.onnx")
    flag = "--token-prune=" if spec.startswith("keep:") else "--token-merge="
    # With gradients enabled torch.nn's fused attention fast path stays off.
    torch.onnx.export(model, (x,), onnx_path, opset_version=17, input_names=["x"],
                      output_names=["y"])
    with torch.no_grad():
        ref = tome(model, x, spec).numpy().astype(np.float64)
        plain = model(x).numpy().astype(np.float64)
    # Merging must have changed the result, or matching it proves nothing.
    change = np.linalg.norm(plain - ref) / np.linalg.norm(ref)
    print(f"{name}: the reduction changes the output by {change:.2e}",
          "ok" if change > 1e-3 else "FAIL")
    np.save(os.path.join(d, "x.npy"), x.numpy())
    exe = os.path.join(d, "model")
    report = os.path.join(d, "report.json")
    subprocess.run([os.path.join(tools, "tessera-compile"), onnx_path, "-o", exe,
                    flag + spec, "--report=" + report], check=True)
    passes = json.load(open(report))["passes"]
    counts = passes.get("tessera-token-merge") or passes["tessera-token-prune"]
    print(f"{name}: {'merges' if 'merges' in counts else 'prunes'}="
          f"{counts.get('merges', counts.get('prunes'))} "
          f"tokens={counts['tokens-before']}->{counts['tokens-after']}")
    subprocess.run([exe, "--input", f"x={os.path.join(d, 'x.npy')}", "--output-dir",
                    os.path.join(d, "out")], check=True)
    got = np.load(os.path.join(d, "out", "y.npy")).astype(np.float64)
    err = np.linalg.norm(got - ref) / np.linalg.norm(ref)
    ok = np.isfinite(got).all() and err <= 1e-4
    print(f"{name}: rel_l2 {err:.2e}", "ok" if ok else "FAIL", flush=True)


def main():
    tools, work = sys.argv[1], sys.argv[2]
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(1)
    tv = torchvision_vit()
    img = torch.randn(2, 3, 32, 32, generator=g)
    run(tools, work, "torchvision", tv, torchvision_tome, img, "8,protect-first")
    run(tools, work, "torchvision_b1", tv, torchvision_tome, img[:1], "13,protect-first")
    torch.manual_seed(0)
    mp = MeanPoolViT().eval()
    patches = torch.randn(3, 50, 12, generator=g)
    run(tools, work, "meanpool", mp, meanpool_tome, patches, "9")
    run(tools, work, "meanpool_protect", mp, meanpool_tome, patches, "20,protect-first")
    run(tools, work, "prune_torchvision", tv, torchvision_tome, img, "keep:0.4,layer:1")
    run(tools, work, "prune_meanpool", mp, meanpool_tome, patches, "keep:0.3")


if __name__ == "__main__":
    main()
