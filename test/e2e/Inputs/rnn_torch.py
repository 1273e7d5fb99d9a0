"""Exports torch.nn.LSTM, GRU and RNN with torch.onnx (opset 14, static shapes),
compiles each with tessera-compile, runs the executable and compares every
output with torch's (relative L2 <= 1e-4, NaN fails). Prints `CASE/OUTPUT: ok`
lines; exits 1 when any output is off.

usage: rnn_torch.py TOOLS_DIR WORK_DIR [cuda-emulate]

With `cuda-emulate` the models compile for --target=cuda with --gpu-emulate
(the kernels' GPU loop nests run on the CPU, the loop over time on the host).
"""
import os
import subprocess
import sys

import warnings

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
COMPARE = os.path.join(os.path.dirname(HERE), "compare.py")


class Wrap(torch.nn.Module):
    """Returns the sequence output and the flattened final states."""

    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def forward(self, x, *state):
        y, last = self.rnn(x, *state) if state else self.rnn(x)
        return (y, *last) if isinstance(last, tuple) else (y, last)


def cases():
    """(name, module, inputs, output names); every tensor from fixed seeds."""
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(6, 8, num_layers=2, bidirectional=True, batch_first=True)
    yield "lstm", lstm, {"x": torch.randn(3, 5, 6)}, ["y", "h", "c"]
    gru = torch.nn.GRU(5, 7, num_layers=2)
    yield "gru", gru, {"x": torch.randn(4, 2, 5), "h0": torch.randn(2, 2, 7)}, ["y", "h"]
    rnn = torch.nn.RNN(4, 6, nonlinearity="relu", bidirectional=True, batch_first=True)
    yield "rnn", rnn, {"x": torch.randn(2, 6, 4)}, ["y", "h"]
    rnn_tanh = torch.nn.RNN(4, 5, num_layers=2)
    yield "rnn_tanh", rnn_tanh, {"x": torch.randn(7, 1, 4)}, ["y", "h"]
    # A speech-length sequence: 400 steps of a 2-layer bidirectional LSTM
    # (a loop over time; unrolled, such layers took minutes to compile).
    long = torch.nn.LSTM(40, 64, num_layers=2, bidirectional=True)
    yield "lstm_long", long, {"x": torch.randn(400, 2, 40)}, ["y", "h", "c"]


def run_case(tools, work, flags, name, module, inputs, outputs):
    d = os.path.join(work, name)
    for sub in ("inputs", "reference", "out"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    model = Wrap(module.eval())
    args = tuple(inputs.values())
    with torch.no_grad():
        refs = model(*args)
        torch.onnx.export(model, args, os.path.join(d, "model.onnx"), opset_version=14,
                          input_names=list(inputs), output_names=outputs)
    for n, v in inputs.items():
        np.save(os.path.join(d, "inputs", n + ".npy"), v.numpy())
    for n, v in zip(outputs, refs):
        np.save(os.path.join(d, "reference", n + ".npy"), v.numpy())
    exe = os.path.join(d, "model")
    subprocess.run([os.path.join(tools, "tessera-compile"), os.path.join(d, "model.onnx"),
                    "-o", exe, *flags], check=True)
    cmd = [exe, "--output-dir", os.path.join(d, "out")]
    for n in inputs:
        cmd += ["--input", f"{n}={os.path.join(d, 'inputs', n + '.npy')}"]
    subprocess.run(cmd, check=True)
    res = subprocess.run([sys.executable, COMPARE, os.path.join(d, "reference"),
                          os.path.join(d, "out")], capture_output=True, text=True)
    for line in res.stdout.splitlines():
        print(f"{name}/{line}")
    sys.stderr.write(res.stderr)
    return res.returncode


def main():
    warnings.filterwarnings("ignore")
    tools, work = sys.argv[1:3]
    flags = ["--target=cuda", "--gpu-emulate"] if sys.argv[3:] == ["cuda-emulate"] else []
    failed = 0
    for case in cases():
        failed |= run_case(tools, work, flags, *case) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
