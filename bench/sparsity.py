"""Sparsity (make bench; alone with `bench/run.sh BUILD --only sparse`).

- Sparse linear kernels against the dense GEMM on BERT-base layer shapes
  (tessera-sparse-gemm-bench: 1x16 blocks at 80% and 90% block sparsity,
  2:4, unstructured 90%; M = 128 tokens) at the main thread count.
- A BERT-base-sized encoder (12 layers, d=768, T=128, batch 1; the model of
  bench/quantized.py) compiled dense and with --sparsity=block:1x16:0.8 and
  :0.9 (-O3), timed in rounds that alternate with ONNX Runtime (dense).
- Padding-free execution: a BERT-like encoder (4 layers, d=768, 12 heads, T=128, batch 4)
  whose attention mask leaves 40% of the tokens as padding (valid lengths 128, 90, 56, 33),
  compiled with and without --padding-free (-O3), alternating rounds, beside ONNX Runtime;
  the valid positions of both builds agree within 1e-4.
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


def compile_and_time(args, d, modes, prefix, threads):
    """Compiles d/model.onnx once per mode (-O3 plus its flags) into d/PREFIX<mode>, then times
    every build and ONNX Runtime on d/inputs in alternating rounds. Returns the executables and
    the median ms of each mode and of "ort"."""
    import quantized
    onnx_path = os.path.join(d, "model.onnx")
    flags = [f"--input={n[:-4]}={os.path.join(d, 'inputs', n)}"
             for n in sorted(os.listdir(os.path.join(d, "inputs")))]
    exes = {}
    for mode, extra in modes.items():
        exes[mode] = os.path.join(d, prefix + mode.replace(":", "_"))
        subprocess.run([os.path.join(args.build, "bin/tessera-compile"), onnx_path, "-o",
                        exes[mode], "-O3", *extra], check=True)
    iters = max(5, args.iters // 3)
    times = {m: [] for m in list(modes) + ["ort"]}
    for _ in range(args.rounds):
        for mode in modes:
            times[mode].append(quantized.bench_json(
                [exes[mode], *flags, "--output-dir", exes[mode] + "_out", "--bench", str(iters),
                 "--threads", str(threads)], threads))
        times["ort"].append(quantized.bench_json(
            ["node", os.path.join(HERE, "ort_bench.js"), onnx_path, os.path.join(d, "inputs"),
             str(iters), str(threads)], threads))
    return exes, {m: float(np.median(v)) for m, v in times.items()}


def encoder(args, work, threads):
    import quantized
    from run import rel_l2
    d = quantized.model_dir("bert_base", work)
    exes, med = compile_and_time(args, d, MODES, "model_sparse_", threads)
    outs = sorted(os.listdir(exes["dense"] + "_out"))
    print(f"\nBERT-base encoder (T=128, batch 1), {threads} threads: median ms, speedup over "
          f"dense, rel L2 vs dense (pruned without fine-tuning: random weights)")
    print(f"  ort dense {med['ort']:.2f} ms")
    for mode in MODES:
        err = max(rel_l2(np.load(os.path.join(exes[mode] + "_out", o)),
                         np.load(os.path.join(exes["dense"] + "_out", o))) for o in outs)
        print(f"  {mode:15s} {med[mode]:8.2f} ms  x{med['dense'] / med[mode]:5.2f}  "
              f"/ort {med[mode] / med['ort']:5.2f}  rel L2 {err:.1e}")


def padding_free(args, work, threads):
    from run import rel_l2
    d = os.path.join(work, "padded_bert")
    subprocess.run(["/usr/bin/python3", os.path.join(os.path.dirname(HERE), "test/models/gen_models.py"),
                    d, "--family", "bert", "--layers", "4", "--hidden", "768", "--heads", "12",
                    "--seq", "128", "--batch", "4"], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    d = os.path.join(d, "bert")
    mask = np.zeros((4, 128), np.int64)
    for b, length in enumerate([128, 90, 56, 33]):
        mask[b, :length] = 1
    np.save(os.path.join(d, "inputs", "attention_mask.npy"), mask)
    modes = {"padded": [], "padding-free": ["--padding-free"]}
    exes, med = compile_and_time(args, d, modes, "model_", threads)
    valid = mask.astype(bool)
    out = "last_hidden_state.npy"
    err = rel_l2(np.load(os.path.join(exes["padding-free"] + "_out", out))[valid],
                 np.load(os.path.join(exes["padded"] + "_out", out))[valid])
    print(f"\nBERT-like encoder (4 layers, d=768, T=128, batch 4, {100 * (1 - mask.mean()):.0f}% "
          f"padding), {threads} threads: median ms")
    print(f"  ort          {med['ort']:8.2f} ms")
    print(f"  padded       {med['padded']:8.2f} ms  /ort {med['padded'] / med['ort']:5.2f}")
    print(f"  padding-free {med['padding-free']:8.2f} ms  /ort {med['padding-free'] / med['ort']:5.2f}"
          f"  x{med['padded'] / med['padding-free']:5.2f} over padded  "
          f"(valid positions rel L2 {err:.1e})")


def section(args, work):
    subprocess.run(["ninja", "-C", args.build, "tessera-sparse-gemm-bench",
                    "tessera-attention-bench"], check=True, stdout=subprocess.DEVNULL)
    threads = args.thread_counts[0]
    print(f"\n== sparsity ({threads} threads) ==", flush=True)
    kernels(args, threads)
    padding_free(args, work, threads)
    encoder(args, work, threads)
    attention(args, threads)
