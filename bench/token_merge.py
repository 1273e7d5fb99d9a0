"""Token merging and pruning (make bench; alone with `bench/run.sh BUILD --only tome`).

- torchvision ViT-B/16 (random weights, batch 1, 224x224: 197 tokens, opset 17;
  bench/real_models.py's export) compiled unmerged and with --token-merge=8,protect-first
  and 13,protect-first (-O3), timed at the main thread count in rounds that alternate
  with ONNX Runtime (unmerged model). Prints medians, the speedup over unmerged Tessera,
  the ratio to ONNX Runtime and the relative L2 of each merged output against the
  unmerged build's (random weights: only informative, not an accuracy).
- The trained ViT on sklearn digits (test/models/trained_models.py vit_digits_tokens:
  a token per pixel and a class token, 4 layers, d=64) in fp32, with
  --token-merge=8/12/16,protect-first and with --token-prune=keep:0.5/0.3: the tokens
  left after the reduction (tessera-compile --report), the batch-8 latency
  (model_b8.onnx, rounds alternating across the settings and ONNX Runtime fp32), the
  speedup over fp32 (of the medians, and of the best runs), top-1 accuracy on the held-out set (model.onnx, 450 images as one
  batch) and the loss in points. Then --drop-layers=attention:K / mlp:K (K = 1, 2) and
  attention:1,mlp:1, the sublayers chosen on training images (calibration/): the K -> speedup,
  accuracy table.
"""
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# (label, tessera-compile flags); the first is the baseline the others are compared to.
VIT_SETTINGS = [
    ("unmerged", []),
    ("merge r=8", ["--token-merge=8,protect-first"]),
    ("merge r=13", ["--token-merge=13,protect-first"]),
]
DIGITS_SETTINGS = [
    ("fp32", []),
    ("merge r=8", ["--token-merge=8,protect-first"]),
    ("merge r=12", ["--token-merge=12,protect-first"]),
    ("merge r=16", ["--token-merge=16,protect-first"]),
    ("prune keep 0.5", ["--token-prune=keep:0.5"]),
    ("prune keep 0.3", ["--token-prune=keep:0.3"]),
]
# --drop-layers chooses its sublayers on training images ({calibration}: the
# model's calibration/ set, in batches of the compiled model's size).
DIGITS_SETTINGS += [
    (f"drop {kind} {k}", [f"--drop-layers={kind}:{k}", "--calibration={calibration}"])
    for kind, k in (("attention", 1), ("attention", 2), ("mlp", 1), ("mlp", 2))
] + [("drop attn 1 mlp 1", ["--drop-layers=attention:1,mlp:1", "--calibration={calibration}"])]
REPORT_PASSES = ("tessera-token-merge", "tessera-token-prune")


def slug(label):
    return "".join(c if c.isalnum() else "_" for c in label)


def compile_exe(args, onnx_path, exe, flags, report=None):
    cmd = [os.path.join(args.build, "bin/tessera-compile"), onnx_path, "-o", exe, "-O3", *flags]
    if report:
        cmd.append("--report=" + report)
    subprocess.run(cmd, check=True)


def tokens(report):
    """(tokens before, after) the reduction from a --report file, or None without one."""
    passes = json.load(open(report)).get("passes", {})
    for p in REPORT_PASSES:
        if isinstance(passes.get(p), dict) and "tokens-after" in passes[p]:
            return passes[p].get("tokens-before"), passes[p]["tokens-after"]
    return None


def input_flags(inputs_dir):
    return [f"--input={n[:-4]}={os.path.join(inputs_dir, n)}"
            for n in sorted(os.listdir(inputs_dir))]


def bench_stats(cmd, threads):
    from run import pinned
    out = subprocess.run(pinned(cmd, threads), check=True, capture_output=True, text=True).stdout
    r = json.loads(out.strip().splitlines()[-1])
    return r["median_ms"], r.get("min_ms", r["median_ms"])


def timed_rounds(args, exes, flags, onnx_path, inputs_dir, iters, threads, with_min=False):
    """Median ms per setting and of ONNX Runtime, rounds alternating across all of them
    (with `with_min`, also the best run: on a VM whose run times are bimodal the
    medians of short runs move with the neighbours' load)."""
    times = {label: [] for label in list(exes) + ["ort"]}
    for _ in range(args.rounds):
        for label, exe in exes.items():
            times[label].append(bench_stats(
                [exe, *flags, "--output-dir", exe + "_out", "--bench", str(iters),
                 "--threads", str(threads)], threads))
        times["ort"].append(bench_stats(
            ["node", os.path.join(HERE, "ort_bench.js"), onnx_path, inputs_dir, str(iters),
             str(threads)], threads))
    med = {label: float(np.median([t[0] for t in v])) for label, v in times.items()}
    if not with_min:
        return med
    return med, {label: float(min(t[1] for t in v)) for label, v in times.items()}


def vit_b_16(args, work, threads):
    import real_models
    from run import rel_l2
    d = real_models.export("vit_b_16", work)
    onnx_path = os.path.join(d, "model.onnx")
    inputs_dir = os.path.join(d, "inputs")
    exes = {}
    for label, flags in VIT_SETTINGS:
        # No --report here: its accuracy check runs the model twice more (~25 s on this one).
        exes[label] = os.path.join(d, "model_tome_" + slug(label))
        compile_exe(args, onnx_path, exes[label], flags)
    med = timed_rounds(args, exes, input_flags(inputs_dir), onnx_path, inputs_dir,
                       max(5, args.iters // 3), threads)
    base = VIT_SETTINGS[0][0]
    outs = sorted(os.listdir(exes[base] + "_out"))
    print(f"\nViT-B/16 (torchvision, random weights, batch 1, 197 tokens), {threads} threads: "
          f"median ms, speedup over unmerged Tessera, ratio to ORT (unmerged), rel L2 vs "
          f"unmerged (random weights: only informative)")
    print(f"  {'ort':12s} {med['ort']:8.2f} ms")
    for label, _ in VIT_SETTINGS:
        line = (f"  {label:12s} {med[label]:8.2f} ms  x{med[base] / med[label]:5.2f}  "
                f"/ort {med[label] / med['ort']:5.2f}")
        if label != base:
            err = max(rel_l2(np.load(os.path.join(exes[label] + "_out", o)),
                             np.load(os.path.join(exes[base] + "_out", o))) for o in outs)
            line += f"  rel L2 {err:.1e}"
        print(line, flush=True)
    print("  (target: r=13 >= 1.6x over unmerged)")


def digits(args, work, threads):
    cache = os.path.join(work, "trained")
    model = "vit_digits_tokens"
    subprocess.run([sys.executable, os.path.join(ROOT, "test/models/trained_models.py"), cache,
                    "--model", model], check=True)
    d = os.path.join(cache, model)
    labels = np.load(os.path.join(d, "eval.npz"))["labels"]
    eval_dir = os.path.join(d, "inputs")
    onnx_full = os.path.join(d, "model.onnx")
    onnx_b8 = os.path.join(d, "model_b8.onnx")
    work_d = os.path.join(work, "tome_digits")
    # Batch 8 for timing: the first 8 rows of each evaluation input.
    b8_dir = os.path.join(work_d, "inputs_b8")
    os.makedirs(b8_dir, exist_ok=True)
    for n in sorted(os.listdir(eval_dir)):
        np.save(os.path.join(b8_dir, n), np.load(os.path.join(eval_dir, n))[:8])

    # The training images for --drop-layers: as they are for the full batch,
    # and as sub-directories of 8 for the batch-8 model.
    cal_full = os.path.join(d, "calibration")
    cal_b8 = os.path.join(work_d, "calibration_b8")
    for n in sorted(os.listdir(cal_full)):
        rows = np.load(os.path.join(cal_full, n))
        for i in range(len(rows) // 8):
            os.makedirs(os.path.join(cal_b8, f"s{i:03d}"), exist_ok=True)
            np.save(os.path.join(cal_b8, f"s{i:03d}", n), rows[8 * i:8 * i + 8])

    def with_calibration(flags, cal):
        return [f.replace("{calibration}", cal) for f in flags]

    accuracy, counts, exes = {}, {}, {}
    for label, all_flags in DIGITS_SETTINGS:
        name = os.path.join(work_d, slug(label))
        flags = with_calibration(all_flags, cal_full)
        compile_exe(args, onnx_full, name + "_eval", flags)
        out = name + "_eval_out"
        subprocess.run([name + "_eval", *input_flags(eval_dir), "--output-dir", out],
                       check=True, stdout=subprocess.DEVNULL)
        logits = np.load(os.path.join(out, "logits.npy"))
        accuracy[label] = float((logits.argmax(-1) == labels).mean()) * 100
        exes[label] = name + "_b8"
        compile_exe(args, onnx_b8, exes[label], with_calibration(all_flags, cal_b8),
                    report=name + "_b8.json")
        counts[label] = tokens(name + "_b8.json")
    # About 2 ms a run: many iterations, or process start-up noise dominates.
    med, best = timed_rounds(args, exes, input_flags(b8_dir), onnx_b8, b8_dir,
                             max(100, 4 * args.iters), threads, with_min=True)

    base = DIGITS_SETTINGS[0][0]
    print(f"\ntrained ViT on sklearn digits (64 pixel tokens + class token, 4 layers, d=64), "
          f"{threads} threads: batch-8 median and best ms, speedups over fp32, top-1 accuracy on "
          f"{len(labels)} held-out images")
    print(f"  ort fp32 {med['ort']:.3f} ms (best {best['ort']:.3f})")
    print(f"  {'setting':18s} {'tokens':>6s} {'b8 ms':>8s} {'x fp32':>6s} {'best ms':>8s} "
          f"{'x fp32':>6s} {'acc %':>6s} {'loss':>6s}")
    before = next((c[0] for c in counts.values() if c and c[0] is not None), None)
    for label, _ in DIGITS_SETTINGS:
        tok = counts[label][1] if counts[label] else before if label == base else None
        tok = "-" if tok is None else str(tok)
        print(f"  {label:18s} {tok:>6s} {med[label]:8.3f} {med[base] / med[label]:6.2f} "
              f"{best[label]:8.3f} {best[base] / best[label]:6.2f} "
              f"{accuracy[label]:6.2f} {accuracy[base] - accuracy[label]:6.2f}")
    print("  (targets: a --token-merge setting >= 1.4x at <= 2 points loss; "
          "--token-prune keep 0.5 >= 1.4x at <= 2 points)", flush=True)
    dropped = {}
    for label, flags in DIGITS_SETTINGS:
        if any(f.startswith("--drop-layers") for f in flags):
            r = json.load(open(os.path.join(work_d, slug(label)) + "_b8.json"))
            dropped[label] = [f"{l['kind']} {l['index']}" for l in
                              r.get("drop_layers", {}).get("sublayers", []) if l["dropped"]]
    for label, which in dropped.items():
        print(f"  {label}: dropped {', '.join(which)}")


def section(args, work):
    threads = args.thread_counts[0]
    print(f"\n== token merging, pruning and layer dropping ({threads} threads) ==", flush=True)
    vit_b_16(args, work, threads)
    digits(args, work, threads)
