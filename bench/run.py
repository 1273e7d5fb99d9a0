"""Times every model family in Tessera and ONNX Runtime in the same run.

Prints one row per model: median latency of each (ms), their ratio (Tessera / ORT, lower is
better), and the geomean ratio. Models come from test/models/gen_models.py with fixed seeds;
each is also checked against its torch reference before it is timed.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FAMILIES = ["bert", "gpt2", "vit", "llama", "mamba", "encdec"]


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def rel_l2(got, want):
    got, want = got.astype(np.float64), want.astype(np.float64)
    return np.linalg.norm(got - want) / max(np.linalg.norm(want), 1e-30)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--iters", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--family", action="append", choices=FAMILIES)
    ap.add_argument("--gen", default="", help="extra gen_models.py size flags, e.g. '--hidden 256'")
    args = ap.parse_args()
    families = args.family or FAMILIES
    work = tempfile.mkdtemp(prefix="tessera-bench.")
    gen = [sys.executable, os.path.join(ROOT, "test/models/gen_models.py"), work]
    for f in families:
        gen += ["--family", f]
    gen += args.gen.split()
    subprocess.run(gen, check=True)

    rows, ratios = [], []
    for fam in families:
        d = os.path.join(work, fam)
        exe = os.path.join(d, "model")
        subprocess.run([os.path.join(args.build, "bin/tessera-compile"),
                        os.path.join(d, "model.onnx"), "-o", exe, "-O3"], check=True)
        inputs = sorted(os.listdir(os.path.join(d, "inputs")))
        flags = [f"--input={n[:-4]}={os.path.join(d, 'inputs', n)}" for n in inputs]
        subprocess.run([exe, *flags, "--output-dir", os.path.join(d, "out")], check=True)
        err = max(rel_l2(np.load(os.path.join(d, "out", r)),
                         np.load(os.path.join(d, "reference", r)))
                  for r in os.listdir(os.path.join(d, "reference")))
        ours = run_json([exe, *flags, "--output-dir", os.path.join(d, "out"),
                         "--bench", str(args.iters), "--threads", str(args.threads)])
        ort = run_json(["node", os.path.join(HERE, "ort_bench.js"), os.path.join(d, "model.onnx"),
                        os.path.join(d, "inputs"), str(args.iters), str(args.threads)])
        ratio = ours["median_ms"] / ort["median_ms"]
        ratios.append(ratio)
        rows.append((fam, ours["median_ms"], ort["median_ms"], ratio, err))

    print(f"\n{'model':10s} {'tessera ms':>11s} {'ort ms':>9s} {'ratio':>7s} {'rel L2':>9s}"
          f"   ({args.threads} threads, median of {args.iters})")
    for fam, a, b, r, e in rows:
        print(f"{fam:10s} {a:11.3f} {b:9.3f} {r:7.2f} {e:9.1e}")
    geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    print(f"{'geomean':10s} {'':11s} {'':9s} {geo:7.2f}")


if __name__ == "__main__":
    main()
