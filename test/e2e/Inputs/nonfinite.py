"""Inputs with NaN and Inf through compiled models, against torch on the same inputs.

usage: nonfinite.py TOOLS_DIR WORK_DIR
For each model (a transformer encoder, a causal decoder, an MLP with GELU, LayerNorm and
Softmax, a small CNN) and each input variant (one NaN, one +Inf, one -Inf, a NaN row,
values of 1e30) prints `MODEL/VARIANT: ok` when the executable finished within 60 s and
its outputs have NaN exactly where torch has NaN, the same infinities, and the finite rest
within relative L2 1e-4 (for 1e30, see compare); otherwise what differs.
"""
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.norm = nn.Linear(16, 32), nn.Linear(32, 8), nn.LayerNorm(32)

    def forward(self, x):
        return torch.softmax(self.fc2(self.norm(nn.functional.gelu(self.fc1(x)))), -1)


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv, self.bn = nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8)
        self.pool, self.fc = nn.MaxPool2d(2), nn.Linear(8, 4)

    def forward(self, x):
        y = self.pool(torch.relu(self.bn(self.conv(x))))
        return self.fc(y.mean((2, 3)))


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(32, 4, 64, dropout=0.0, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)

    def forward(self, x):
        causal = nn.Transformer.generate_square_subsequent_mask(x.shape[1])
        return self.enc(x, mask=causal)


def encoder():
    layer = nn.TransformerEncoderLayer(32, 4, 64, dropout=0.0, batch_first=True)
    return nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)


MODELS = {
    "encoder": (encoder, (2, 6, 32)),
    "decoder": (Decoder, (2, 6, 32)),
    "mlp": (Mlp, (4, 16)),
    "cnn": (Cnn, (2, 3, 8, 8)),
}


def variants(shape):
    base = torch.randn(*shape)
    out = {}
    for name, value in (("nan", float("nan")), ("inf", float("inf")), ("neg_inf", -float("inf"))):
        x = base.clone()
        x.view(-1)[3] = value
        out[name] = x
    row = base.clone()
    row[0].view(-1)[: shape[-1]] = float("nan")
    out["nan_row"] = row
    out["huge"] = base * 1e30
    return out


def compare(got, ref, overflow):
    """`overflow`: finite inputs that overflow inside the model, where the formula decides
    (torch's LayerNorm variance overflows to inf - inf = NaN, a centred one does not): NaN
    in torch may be finite here; everything torch has finite must match."""
    if got.shape != ref.shape:
        return f"shape {got.shape} vs {ref.shape}"
    if overflow:
        fin = np.isfinite(ref)
        if not np.isfinite(got[fin]).all():
            return "non-finite where torch is finite"
        got, ref = got[fin], ref[fin]
    if not np.array_equal(np.isnan(got), np.isnan(ref)):
        return (f"NaN at {int(np.isnan(got).sum())} places, torch at "
                f"{int(np.isnan(ref).sum())}")
    for sign in (1, -1):
        if not np.array_equal(got == sign * np.inf, ref == sign * np.inf):
            return f"{'+' if sign > 0 else '-'}Inf placed differently"
    fin = np.isfinite(ref)
    if not fin.any():
        return None
    d, r = got[fin].astype(np.float64), ref[fin].astype(np.float64)
    err = np.linalg.norm(d - r) / max(np.linalg.norm(r), 1e-30)
    return None if err <= 1e-4 else f"finite part rel_l2 {err:.2e}"


def main():
    tools, work = sys.argv[1:3]
    for name, (make, shape) in MODELS.items():
        d = os.path.join(work, name)
        os.makedirs(d, exist_ok=True)
        model = make().eval()
        path = os.path.join(d, "model.onnx")
        # With gradients on, torch takes the same (non-"fast path") encoder code for the
        # export and the references.
        torch.onnx.export(model, (torch.randn(*shape),), path, input_names=["x"],
                          output_names=["y"], opset_version=17)
        exe = os.path.join(d, "model")
        subprocess.run([os.path.join(tools, "tessera-compile"), path, "-o", exe], check=True)
        for variant, x in variants(shape).items():
            ref = model(x).detach().numpy()
            xin = os.path.join(d, f"{variant}.npy")
            np.save(xin, x.numpy())
            out = os.path.join(d, variant)
            try:
                run = subprocess.run([exe, "--input", f"x={xin}", "--output-dir", out],
                                     timeout=60, capture_output=True, text=True)
            except subprocess.TimeoutExpired:
                print(f"{name}/{variant}: hung")
                continue
            if run.returncode != 0:
                print(f"{name}/{variant}: exit {run.returncode}: {run.stderr.strip()[:200]}")
                continue
            problem = compare(np.load(os.path.join(out, "y.npy")), ref, variant == "huge")
            print(f"{name}/{variant}: {problem or 'ok'}")


if __name__ == "__main__":
    main()
