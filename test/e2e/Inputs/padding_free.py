"""--padding-free on a BERT-like encoder (test/models/gen_models.py's Bert) against torch.

usage: padding_free.py TOOLS_DIR WORK_DIR

Exports one encoder (3 layers, d=48, 6 heads, S=12, B=3), compiles it without and with
--padding-free (the row kernel, with --no-fused-kernels the op's decomposition, and for
--target=cuda --gpu-emulate the GPU kernels run on the host), and runs
them on several attention masks: right padding (one range of valid rows per sequence),
holes inside sequences (valid rows scattered), every token valid, sequences with one valid
token, and valid rows that form one range over the batch. The valid positions of the output
must match torch (relative L2 <= 1e-4, NaN fails) in every build; the padded positions may
differ in the padding-free builds, which must agree with each other everywhere. Prints one
line per mask.
"""
import os
import subprocess
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.join(ROOT, "test", "models"))
import gen_models  # noqa: E402


def masks(b, s):
    right = np.ones((b, s), np.int64)
    right[0, 9:] = 0
    right[1, 5:] = 0
    holes = np.ones((b, s), np.int64)
    holes[0, [2, 3, 7]] = 0
    holes[2, 1::2] = 0
    single = np.zeros((b, s), np.int64)
    single[:, 0] = 1
    single[1, :] = 1
    # One range of valid rows over the whole batch: the kernel's view path.
    tail = np.zeros((b, s), np.int64)
    tail[0, :] = 1
    tail[1, :5] = 1
    return {"right": right, "holes": holes, "all-valid": np.ones((b, s), np.int64),
            "single": single, "one-range": tail}


def rel_l2(got, want):
    if not np.all(np.isfinite(got)):
        return float("inf")
    return float(np.linalg.norm(got - want) / max(np.linalg.norm(want), 1e-30))


def main():
    tools, work = sys.argv[1:3]
    os.makedirs(work, exist_ok=True)
    c = dict(gen_models.DEFAULTS["bert"])
    c.update(layers=3, hidden=48, heads=6, seq=12, batch=3)
    torch.manual_seed(0)
    model = gen_models.Bert(c).eval()
    ids = torch.randint(0, c["vocab"], (c["batch"], c["seq"]),
                        generator=torch.Generator().manual_seed(1))
    onnx = os.path.join(work, "bert.onnx")
    with torch.no_grad():
        torch.onnx.export(model, (ids, torch.ones_like(ids)), onnx, opset_version=17,
                          input_names=["input_ids", "attention_mask"],
                          output_names=["last_hidden_state"], do_constant_folding=True)
    exes = {}
    for name, flags in (("dense", []), ("padding-free", ["--padding-free"]),
                        ("decomposed", ["--padding-free", "--no-fused-kernels"]),
                        ("gpu", ["--padding-free", "--target=cuda", "--gpu-emulate"])):
        exes[name] = os.path.join(work, name)
        subprocess.run([os.path.join(tools, "tessera-compile"), onnx, "-o", exes[name], *flags],
                       check=True)
    np.save(os.path.join(work, "input_ids.npy"), ids.numpy())
    status = 0
    for mask_name, mask in masks(c["batch"], c["seq"]).items():
        with torch.no_grad():
            ref = model(ids, torch.from_numpy(mask)).numpy()
        np.save(os.path.join(work, "mask.npy"), mask)
        valid = mask.astype(bool)
        line = [f"mask {mask_name}:"]
        outs = {}
        for build, exe in exes.items():
            out_dir = os.path.join(work, f"out-{build}-{mask_name}")
            subprocess.run([exe, "--input", f"input_ids={work}/input_ids.npy", "--input",
                            f"attention_mask={work}/mask.npy", "--output-dir", out_dir],
                           check=True)
            out = outs[build] = np.load(os.path.join(out_dir, "last_hidden_state.npy"))
            err = rel_l2(out[valid], ref[valid])
            ok = err <= 1e-4
            status |= not ok
            line.append(f"{build} {'ok' if ok else 'FAIL'} ({err:.1e})")
        # The row kernel against the op's decomposition, padding rows included.
        for build in ("padding-free", "gpu"):
            err = rel_l2(outs[build], outs["decomposed"])
            status |= not err <= 1e-4
            kind = "kernel" if build == "padding-free" else "gpu"
            line.append(f"{kind} vs decomposition {'ok' if err <= 1e-4 else 'FAIL'} ({err:.1e})")
        print(" ".join(line))
    return status


if __name__ == "__main__":
    sys.exit(main())
