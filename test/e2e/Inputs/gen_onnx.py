#!/usr/bin/env python3
"""Exports a small torch model to ONNX with random inputs and torch outputs.

usage: gen_onnx.py MODEL DIR [--seed N]
  DIR/model.onnx, DIR/in/NAME.npy, DIR/ref/NAME.npy (outputs of torch; the
  ONNX outputs are named y, or y0, y1, ... when there are several)
"""
import argparse
import os

import numpy as np
import torch


class Mlp(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.l1, self.l2 = torch.nn.Linear(32, 64), torch.nn.Linear(64, 16)

    def forward(self, x):
        return self.l2(torch.relu(self.l1(x)))


def mlp():
    return Mlp(), {"x": torch.randn(8, 32)}


def encoder():
    """One post-norm transformer encoder layer: attention, layer norm, FFN."""
    layer = torch.nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64,
                                             batch_first=True, dropout=0.0)
    return layer, {"x": torch.randn(2, 10, 32)}


class Gemm512(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.randn(512, 512) * 0.05)

    def forward(self, x):
        return x @ self.w


def gemm512():
    """A 512^3 MatMul with a weight initializer: the GFLOP/s benchmark."""
    return Gemm512(), {"x": torch.randn(512, 512)}


class Dtypes(torch.nn.Module):
    def forward(self, table, idx):
        e = torch.nn.functional.embedding(idx, table)
        big = e > 0.1
        return torch.argmax(e, dim=-1), big, torch.where(big, e.cumsum(1), -e).mean(-1)


def dtypes():
    """int64 and bool inputs/outputs: Gather, ArgMax, Greater, CumSum, Where."""
    return Dtypes(), {"table": torch.randn(10, 16),
                      "idx": torch.tensor([[1, 3, 5], [0, 9, 2]])}


MODELS = {f.__name__: f for f in (mlp, encoder, gemm512, dtypes)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model", choices=sorted(MODELS))
    parser.add_argument("dir")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    model, inputs = MODELS[args.model]()
    model.eval()
    for sub in ("in", "ref"):
        os.makedirs(os.path.join(args.dir, sub), exist_ok=True)
    values = tuple(inputs.values())
    with torch.no_grad():
        outputs = model(*values)
    if isinstance(outputs, torch.Tensor):
        outputs = {"y": outputs}
    else:
        outputs = {f"y{i}": y for i, y in enumerate(outputs)}
    torch.onnx.export(model, values, os.path.join(args.dir, "model.onnx"),
                      input_names=list(inputs), output_names=list(outputs),
                      opset_version=17)
    for name, value in inputs.items():
        np.save(os.path.join(args.dir, "in", name + ".npy"), value.numpy())
    for name, value in outputs.items():
        np.save(os.path.join(args.dir, "ref", name + ".npy"), value.numpy())


if __name__ == "__main__":
    main()
