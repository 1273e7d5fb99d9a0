"""Sparsity (make bench; alone with `bench/run.sh BUILD --only sparse`).

- Sparse linear kernels against the dense GEMM on BERT-base layer shapes
  (tessera-sparse-gemm-bench: 1x16 blocks at 80% and 90% block sparsity,
  2:4, unstructured 90%; M = 128 tokens) at the main thread count.
- A BERT-base-sized encoder (12 layers, d=768, T=128, batch 1; the model of
  bench/quantized.py) compiled dense and with --sparsity=block:1x16:0.8 and
  :0.9 (-O3), timed in rounds that alternate with ONNX Runtime (dense).
- Causal attention at T = 2048: the fused kernel with causal tile skipping
  against the same kernel given the causal mask as an explicit -1e4 mask (no tile skipped)
  (tessera-attention-bench).
"""
import os
import subprocess

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MODES = {"dense": [], "block:1x16:0.8": ["--sparsity=block:1x16:0.8"],
         "block:1x16:0.9": ["--sparsity=block:1x16:0.9"]}


def kernels(args, threads):
    exe = os.path.join(args.build, "bin/tessera-sparse-gemm-bench")
    cmd = [exe, "--threads", str(threads), "--m", "128", "--n", "768", "--k", "768",
           "--n", "3072", "--k", "3072", "--format", "1x16", "--format", "2:4",
           "--format", "1x1", "--sparsity", "0.8", "--sparsity", "0.9"]
    print("\n$ " + " ".join(os.path.relpath(c) if c == exe else c for c in cmd), flush=True)
    subprocess.run(cmd, check=True)


def attention(args, threads):
    exe = os.path.join(args.build, "bin/tessera-attention-bench")
    out = subprocess.run([exe, "--threads", str(threads), "--reps", "5", "2048"], check=True,
                         capture_output=True, text=True).stdout
    print(f"\ncausal attention, T=2048, B=1 H=8 D=64, {threads} threads")
    for line in out.splitlines():
        if "causal=1" in line or "skipping" in line:
            print("  " + line.strip())


def encoder(args, work, threads):
    import quantized
    from run import rel_l2
    d = quantized.model_dir("bert_base", work)
    onnx_path = os.path.join(d, "model.onnx")
    inputs = sorted(os.listdir(os.path.join(d, "inputs")))
    flags = [f"--input={n[:-4]}={os.path.join(d, 'inputs', n)}" for n in inputs]
    exes = {}
    for mode, extra in MODES.items():
        exes[mode] = os.path.join(d, "model_sparse_" + mode.replace(":", "_"))
        subprocess.run([os.path.join(args.build, "bin/tessera-compile"), onnx_path, "-o",
                        exes[mode], "-O3", *extra], check=True)
    iters = max(5, args.iters // 3)
    times = {m: [] for m in list(MODES) + ["ort"]}
    for _ in range(args.rounds):
        for mode in MODES:
            times[mode].append(quantized.bench_json(
                [exes[mode], *flags, "--output-dir", exes[mode] + "_out", "--bench", str(iters),
                 "--threads", str(threads)]))
        times["ort"].append(quantized.bench_json(
            ["node", os.path.join(HERE, "ort_bench.js"), onnx_path, os.path.join(d, "inputs"),
             str(iters), str(threads)]))
    med = {m: float(np.median(v)) for m, v in times.items()}
    outs = sorted(os.listdir(exes["dense"] + "_out"))
    print(f"\nBERT-base encoder (T=128, batch 1), {threads} threads: median ms, speedup over "
          f"dense, rel L2 vs dense (pruned without fine-tuning: random weights)")
    print(f"  ort dense {med['ort']:.2f} ms")
    for mode in MODES:
        err = max(rel_l2(np.load(os.path.join(exes[mode] + "_out", o)),
                         np.load(os.path.join(exes["dense"] + "_out", o))) for o in outs)
        print(f"  {mode:15s} {med[mode]:8.2f} ms  x{med['dense'] / med[mode]:5.2f}  "
              f"/ort {med[mode] / med['ort']:5.2f}  rel L2 {err:.1e}")


def section(args, work):
    subprocess.run(["ninja", "-C", args.build, "tessera-sparse-gemm-bench",
                    "tessera-attention-bench"], check=True, stdout=subprocess.DEVNULL)
    threads = args.thread_counts[0]
    print(f"\n== sparsity ({threads} threads) ==", flush=True)
    kernels(args, threads)
    encoder(args, work, threads)
    attention(args, threads)
