"""Exports torch.nn and torchvision transformers, compiles each with fusion,
prints what the graph level fused (from --report) and compares the compiled
executable with torch (relative L2 <= 1e-4).

usage: torch_fusion.py TOOLS_DIR WORK_DIR [MODEL...]
Prints per model: `NAME: attention=A layer_norm=L rms_norm=R softmax=S` (op
counts after the graph pipeline) and `NAME/OUTPUT: ok` per output.
"""
import json
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))


def encoder(norm_first, mask):
    layer = nn.TransformerEncoderLayer(48, 4, 96, dropout=0.0, batch_first=True,
                                       norm_first=norm_first, activation="gelu")
    enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = enc

        def forward(self, x, pad=None):
            return self.enc(x, src_key_padding_mask=pad if mask else None)

    x = torch.randn(2, 10, 48)
    pad = torch.zeros(2, 10, dtype=torch.bool)
    pad[1, 7:] = True
    return M(), (x, pad) if mask else (x,), ["x", "pad"] if mask else ["x"]


def decoder(norm_first):
    layer = nn.TransformerDecoderLayer(32, 4, 64, dropout=0.0, batch_first=True,
                                       norm_first=norm_first)
    dec = nn.TransformerDecoder(layer, 2)

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.dec = dec

        def forward(self, tgt, memory):
            causal = nn.Transformer.generate_square_subsequent_mask(tgt.shape[1])
            return self.dec(tgt, memory, tgt_mask=causal)

    return M(), (torch.randn(2, 7, 32), torch.randn(2, 9, 32)), ["tgt", "memory"]


def transformer():
    t = nn.Transformer(32, 4, 2, 2, 64, dropout=0.0, batch_first=True)

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.t = t

        def forward(self, src, tgt):
            causal = nn.Transformer.generate_square_subsequent_mask(tgt.shape[1])
            return self.t(src, tgt, tgt_mask=causal)

    return M(), (torch.randn(1, 8, 32), torch.randn(1, 6, 32)), ["src", "tgt"]


def vit():
    import torchvision
    m = torchvision.models.VisionTransformer(image_size=64, patch_size=16, num_layers=2,
                                             num_heads=4, hidden_dim=64, mlp_dim=128,
                                             num_classes=10)
    nn.init.normal_(m.heads.head.weight, std=0.02)  # torchvision zero-inits it
    return m, (torch.randn(2, 3, 64, 64),), ["image"]


def swin():
    import torchvision
    from torchvision.models.swin_transformer import SwinTransformer
    m = SwinTransformer(patch_size=[4, 4], embed_dim=32, depths=[2, 2], num_heads=[2, 4],
                        window_size=[4, 4], num_classes=10)
    return m, (torch.randn(2, 3, 32, 32),), ["image"]


def maxvit():
    from torchvision.models.maxvit import MaxVit
    m = MaxVit(input_size=(64, 64), stem_channels=16, partition_size=4,
               block_channels=[32, 64], block_layers=[1, 1], head_dim=16,
               stochastic_depth_prob=0.0, num_classes=10)
    return m, (torch.randn(2, 3, 64, 64),), ["image"]


def wav2vec2():
    from torchaudio.models import wav2vec2_model
    m = wav2vec2_model(extractor_mode="group_norm",
                       extractor_conv_layer_config=[(32, 10, 5), (32, 3, 2), (32, 3, 2), (32, 2, 2)],
                       extractor_conv_bias=False, encoder_embed_dim=64,
                       encoder_projection_dropout=0.0, encoder_pos_conv_kernel=16,
                       encoder_pos_conv_groups=4, encoder_num_layers=2, encoder_num_heads=4,
                       encoder_attention_dropout=0.0, encoder_ff_interm_features=128,
                       encoder_ff_interm_dropout=0.0, encoder_dropout=0.0,
                       encoder_layer_norm_first=False, encoder_layer_drop=0.0, aux_num_out=None)

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.m = m

        def forward(self, wave):
            return self.m(wave)[0]

    return M(), (torch.randn(1, 1600),), ["wave"]


def conformer():
    from torchaudio.models import Conformer
    c = Conformer(input_dim=32, num_heads=4, ffn_dim=64, num_layers=2,
                  depthwise_conv_kernel_size=7)

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.c = c

        def forward(self, x, lengths):
            return self.c(x, lengths)[0]

    return M(), (torch.randn(2, 20, 32), torch.tensor([20, 14])), ["x", "lengths"]


def conv_tasnet():
    """torchaudio's Conv-TasNet, small: 1-d convs with a one-group GroupNorm
    (a norm over each whole image) between them, a ConvTranspose1d decoder."""
    from torchaudio.models import ConvTasNet
    m = ConvTasNet(num_sources=2, enc_kernel_size=16, enc_num_feats=32, msk_kernel_size=3,
                   msk_num_feats=16, msk_num_hidden_feats=32, msk_num_layers=2,
                   msk_num_stacks=1)
    return m, (torch.randn(1, 1, 800),), ["audio"]


def einsum_attention():
    """Attention written with torch.einsum (ONNX Einsum), with a causal mask."""

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.qkv, self.o = nn.Linear(32, 96), nn.Linear(32, 32)

        def forward(self, x):
            b, s, _ = x.shape
            q, k, v = self.qkv(x).view(b, s, 3, 4, 8).unbind(2)
            scores = torch.einsum("bqhd,bkhd->bhqk", q, k) * 8 ** -0.5
            scores = scores.masked_fill(torch.ones(s, s, dtype=torch.bool).triu(1),
                                        float("-inf"))
            a = torch.einsum("bhqk,bkhd->bqhd", scores.softmax(-1), v)
            return self.o(a.reshape(b, s, 32))

    return M(), (torch.randn(2, 9, 32),), ["x"]


MODELS = {
    "encoder_post": lambda: encoder(False, False),
    "encoder_pre_mask": lambda: encoder(True, True),
    "encoder_post_mask": lambda: encoder(False, True),
    "decoder_post": lambda: decoder(False),
    "decoder_pre": lambda: decoder(True),
    "transformer": transformer,
    "vit": vit,
    "swin": swin,
    "maxvit": maxvit,
    "wav2vec2": wav2vec2,
    "conformer": conformer,
    "conv_tasnet": conv_tasnet,
    "einsum_attention": einsum_attention,
}


def run(tools, work, name):
    torch.manual_seed(0)
    model, args, names = MODELS[name]()
    model.eval()
    d = os.path.join(work, name)
    os.makedirs(os.path.join(d, "ref"), exist_ok=True)
    path = os.path.join(d, "model.onnx")
    with torch.no_grad():
        out = model(*args)
    # With gradients enabled torch.nn's fused inference fast path (which has
    # no ONNX export) stays off.
    torch.onnx.export(model, args, path, opset_version=17, input_names=names,
                      output_names=["y"], do_constant_folding=True)
    np.save(os.path.join(d, "ref", "y.npy"), out.numpy())
    inputs = []
    for n, a in zip(names, args):
        np.save(os.path.join(d, n + ".npy"), a.numpy())
        inputs += ["--input", f"{n}={os.path.join(d, n + '.npy')}"]
    report = os.path.join(d, "report.json")
    exe = os.path.join(d, "model")
    subprocess.run([os.path.join(tools, "tessera-compile"), path, "-o", exe,
                    "--report=" + report], check=True)
    report = json.load(open(report))
    ops = report["ops_after"]
    counts = " ".join(f"{k}={ops.get('tessera.' + k, 0)}"
                      for k in ["attention", "layer_norm", "rms_norm", "softmax"])
    print(f"{name}: {counts}", flush=True)
    # Convs left channels-last (1-d ones included) and transposes left.
    layout = report["passes"].get("tessera-channels-last", {}).get("channels-last", 0)
    if layout:
        print(f"{name}: channels-last convs={ops.get('tessera.conv', 0)} "
              f"of them channels-last={layout} "
              f"transposes={ops.get('tessera.transpose', 0)}", flush=True)
    subprocess.run([exe, *inputs, "--output-dir", os.path.join(d, "out")], check=True)
    r = subprocess.run([sys.executable, os.path.join(HERE, "..", "compare.py"),
                        os.path.join(d, "ref"), os.path.join(d, "out")],
                       capture_output=True, text=True)
    for line in r.stdout.splitlines():
        print(f"{name}/{line}", flush=True)
    return r.returncode


def main():
    tools, work = sys.argv[1:3]
    names = sys.argv[3:] or list(MODELS)
    rc = 0
    for n in names:
        rc |= run(tools, work, n)
    return rc


if __name__ == "__main__":
    sys.exit(main())
