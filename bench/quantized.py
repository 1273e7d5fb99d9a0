"""Quantized builds beside fp32 and ONNX Runtime fp32 (make bench; alone with
`bench/run.sh BUILD --only quant`).

Models: a BERT-base-sized encoder (12 layers, d=768, 12 heads, T=128, batch 1,
from test/models/gen_models.py), torchvision ViT-B/32 (bench/real_models.py's
export) and a decoder at batch 1 with one token (llama family, 4 layers,
d=2048: every linear layer is a GEMV over ~200 MB of fp32 weights). Each is
compiled fp32 and with --quantize=int8, int8-static, w8 and w4 (-O3), timed at the main
thread count in rounds that alternate with ONNX Runtime fp32, and its output
compared with the fp32 build's (relative L2). Prints medians, the speedup over
Tessera fp32 and the ratio to ONNX Runtime.
"""
import json
import math
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODES = ["fp32", "int8", "int8-static", "w8", "w4"]

GENERATED = {
    "bert_base": ("bert", "--layers 12 --hidden 768 --heads 12 --seq 128 --batch 1 --vocab 1000"),
    "decoder_b1": ("llama", "--layers 4 --hidden 2048 --heads 16 --kv-heads 16 --seq 1 "
                            "--batch 1 --vocab 1000"),
}


def model_dir(name, work):
    if name in GENERATED:
        family, flags = GENERATED[name]
        out = os.path.join(work, "quant_" + name)
        if not os.path.exists(os.path.join(out, family, "model.onnx")):
            subprocess.run([sys.executable, os.path.join(ROOT, "test/models/gen_models.py"), out,
                            "--family", family, *flags.split()], check=True,
                           stdout=subprocess.DEVNULL)
        return os.path.join(out, family)
    import real_models
    return real_models.export(name, work)


def bench_json(cmd, threads):
    from run import pinned
    out = subprocess.run(pinned(cmd, threads), check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["median_ms"]


def section(args, work):
    from run import rel_l2
    threads = args.thread_counts[0]
    names = ["bert_base", "vit_b_32", "decoder_b1"]
    iters = max(5, args.iters // 3)
    rows = []
    for name in names:
        d = model_dir(name, work)
        onnx_path = os.path.join(d, "model.onnx")
        inputs = sorted(os.listdir(os.path.join(d, "inputs")))
        flags = [f"--input={n[:-4]}={os.path.join(d, 'inputs', n)}" for n in inputs]
        exes = {}
        for mode in MODES:
            exes[mode] = os.path.join(d, "model_" + mode)
            extra = [] if mode == "fp32" else [f"--quantize={mode}"]
            if mode == "int8-static":  # calibrated on the timed inputs themselves
                extra.append("--calibration=" + os.path.join(d, "inputs"))
            subprocess.run([os.path.join(args.build, "bin/tessera-compile"), onnx_path, "-o",
                            exes[mode], "-O3", *extra], check=True)
        times = {m: [] for m in MODES + ["ort"]}
        for _ in range(args.rounds):
            for mode in MODES:
                times[mode].append(bench_json([exes[mode], *flags, "--output-dir",
                                               os.path.join(d, "out_" + mode), "--bench",
                                               str(iters), "--threads", str(threads)],
                                              threads))
            times["ort"].append(bench_json(["node", os.path.join(HERE, "ort_bench.js"),
                                            onnx_path, os.path.join(d, "inputs"), str(iters),
                                            str(threads)], threads))
        med = {m: float(np.median(v)) for m, v in times.items()}
        outs = sorted(os.listdir(os.path.join(d, "out_fp32")))
        errs = {m: max(rel_l2(np.load(os.path.join(d, "out_" + m, o)),
                              np.load(os.path.join(d, "out_fp32", o))) for o in outs)
                for m in MODES[1:]}
        rows.append((name, med, errs))
        print(f"  {name}: " + ", ".join(f"{m} {med[m]:.2f} ms" for m in MODES + ["ort"]),
              flush=True)
    print(f"\nquantization, {threads} threads (ms; speedup over Tessera fp32; ratio to ORT fp32; "
          f"rel L2 vs fp32)")
    print(f"{'model':12s} {'ort':>8s} {'fp32':>8s}" +
          "".join(f" | {m:>4s} {'ms':>7s} {'x fp32':>6s} {'/ ort':>6s} {'rel L2':>7s}"
                  for m in MODES[1:]))
    for name, med, errs in rows:
        line = f"{name:12s} {med['ort']:8.2f} {med['fp32']:8.2f}"
        for m in MODES[1:]:
            line += (f" | {'':4s} {med[m]:7.2f} {med['fp32'] / med[m]:6.2f} "
                     f"{med[m] / med['ort']:6.2f} {errs[m]:7.1e}")
        print(line)
