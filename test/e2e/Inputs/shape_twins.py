"""Exports a model whose elementwise kernels differ only in their shapes (SiLU
after each of three average pools), so that tessera-outline-kernels merges them
into one kernel of dynamic sizes that takes the thread range on a dynamic dim;
writes WORK/model.onnx, WORK/inputs/x.npy and WORK/reference/y.npy (torch).

usage: shape_twins.py WORK
"""
import os
import sys

import numpy as np
import torch


class ShapeTwins(torch.nn.Module):
    def forward(self, x):
        for _ in range(3):
            x = torch.nn.functional.avg_pool2d(x, 2)
            x = x * torch.sigmoid(x)
        return x


def main():
    work = sys.argv[1]
    for sub in ("inputs", "reference"):
        os.makedirs(os.path.join(work, sub), exist_ok=True)
    torch.manual_seed(0)
    x = torch.randn(1, 8, 256, 256)
    model = ShapeTwins().eval()
    with torch.no_grad():
        y = model(x)
    torch.onnx.export(model, (x,), os.path.join(work, "model.onnx"), opset_version=17,
                      input_names=["x"], output_names=["y"])
    np.save(os.path.join(work, "inputs", "x.npy"), x.numpy())
    np.save(os.path.join(work, "reference", "y.npy"), y.numpy())


if __name__ == "__main__":
    main()
