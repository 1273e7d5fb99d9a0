"""Compiles a trained model (test/models/trained_models.py) in fp32 and with
each set of accuracy-changing flags (--quantize, --sparsity, --token-merge,
--token-prune, --drop-layers: with the model's calibration/ inputs), runs
them on the evaluation set and prints the task metric of each and the
change:

  run_changed.py TOOLS CACHE WORK MODEL FLAG[+FLAG...]~MAX_CHANGE ...

e.g. --quantize=int8~0.5 or --sparsity=2:4+-O3~5. MAX_CHANGE
bounds the loss: accuracy points for classifiers, relative bits per char
(percent) for the LM. Also checks that the fp32 build matches torch
(relative L2 <= 1e-4) and that each changed build's kernels match the
reference decomposition of the same changed model (--no-fused-kernels).
Prints "ok" lines that a test can check.
"""
import json
import math
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.join(ROOT, "test", "models"))
from trained_models import bits_per_char  # noqa: E402


def rel_l2(a, b):
    a, b = a.astype(np.float64), b.astype(np.float64)
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return math.inf
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


def build_and_run(tools, model_dir, work, name, flags):
    exe = os.path.join(work, name)
    subprocess.run([os.path.join(tools, "tessera-compile"), os.path.join(model_dir, "model.onnx"),
                    "-o", exe, *flags], check=True)
    out = os.path.join(work, name + "_out")
    args = [exe, "--output-dir", out]
    for f in sorted(os.listdir(os.path.join(model_dir, "inputs"))):
        args += ["--input", f"{f[:-4]}={os.path.join(model_dir, 'inputs', f)}"]
    subprocess.run(args, check=True)
    return np.load(os.path.join(out, "logits.npy"))


def metric(ev, logits):
    if "labels" in ev:
        return float((logits.argmax(-1) == ev["labels"]).mean()) * 100
    return bits_per_char(logits, ev["targets"])


def main():
    tools, cache, work, model = sys.argv[1:5]
    specs = sys.argv[5:]
    flags = []
    subprocess.run([sys.executable, os.path.join(ROOT, "test/models/trained_models.py"), cache,
                    "--model", model], check=True)
    model_dir = os.path.join(cache, model)
    os.makedirs(work, exist_ok=True)
    ev = np.load(os.path.join(model_dir, "eval.npz"))
    classifier = "labels" in ev
    fp32 = build_and_run(tools, model_dir, work, "fp32", flags)
    err = rel_l2(fp32, ev["logits"])
    print(f"fp32 vs torch: rel_l2 {err:.2e}", "ok" if err <= 1e-4 else "FAIL")
    base = metric(ev, fp32)
    results = {"model": model, "fp32": base}
    for spec in specs:
        spec_flags, max_change = spec.rsplit("~", 1)
        spec_flags = spec_flags.split("+")
        mode = " ".join(f.lstrip("-") for f in spec_flags)
        name = "".join(c if c.isalnum() else "_" for c in mode)
        # --drop-layers chooses its sublayers, and int8-static its
        # activation scales, on training data when the model has some
        # (calibration/), not on the test set.
        calibration = os.path.join(model_dir, "calibration")
        if any(f.startswith("--drop-layers") or f == "--quantize=int8-static"
               for f in spec_flags) and os.path.isdir(calibration):
            spec_flags = spec_flags + ["--calibration=" + calibration]
        quant = build_and_run(tools, model_dir, work, name, flags + spec_flags)
        ref = build_and_run(tools, model_dir, work, name + "_ref",
                            flags + spec_flags + ["--no-fused-kernels"])
        # Weight-only and sparse kernels differ from the reference by float
        # rounding. Dynamic int8 also rounds activations to 8 bits: a value
        # on a step's edge can round either way between the kernels' and
        # the reference's float evaluation orders, and each such flip moves
        # one activation by a whole step (measured: rel_l2 2e-4 to 6e-4).
        err = rel_l2(quant, ref)
        tol = 2e-3 if "quantize=int8" in mode else 1e-5
        print(f"{mode} kernels vs reference: rel_l2 {err:.2e}", "ok" if err <= tol else "FAIL")
        q = metric(ev, quant)
        if classifier:
            change = base - q
            agree = float((fp32.argmax(-1) == quant.argmax(-1)).mean()) * 100
            print(f"{mode}: accuracy fp32 {base:.2f}% changed {q:.2f}% (top-1 agreement "
                  f"{agree:.2f}%): loss {change:.2f} points (max {max_change})",
                  "ok" if change <= float(max_change) else "FAIL")
        else:
            change = (q - base) / base * 100
            print(f"{mode}: bits per char fp32 {base:.4f} changed {q:.4f}: loss {change:.2f}% "
                  f"(max {max_change}%)", "ok" if change <= float(max_change) else "FAIL")
        results[mode] = {"metric": q, "loss": change, "rel_l2_vs_fp32": rel_l2(quant, fp32)}
    with open(os.path.join(work, "results.json"), "w") as f:
        json.dump(results, f, indent=1)

if __name__ == "__main__":
    main()
