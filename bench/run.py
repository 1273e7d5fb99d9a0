"""Times every model family in Tessera and ONNX Runtime in the same run.

Prints one row per model: median latency (ms) of Tessera with graph fusion, of Tessera
with --no-fusion and of ONNX Runtime, the ratio fused / ORT (lower is better) and the
geomean ratio. Models come from test/models/gen_models.py with fixed seeds; each is also
checked against its torch reference before it is timed. Then one attention block
(B=1, H=8, D=64) at sequence lengths 128, 512 and 2048, plain and causal: the fused
attention kernel against the unfused matmul-softmax-matmul and ONNX Runtime. Last, the
state-space section (bench/ssm.py; alone with --only ssm): Mamba unrolled, as Scan and as
Loop, its compile time by stage, and gated linear attention, each beside ONNX Runtime. Then
real torchvision/torchaudio/torch.nn architectures at full size (bench/real_models.py; alone
with --only real), at 2 and 1 threads, with compile time, GFLOP/s and peak RSS. Then the
quantized builds (bench/quantized.py; alone with --only quant): --quantize=int8/w8/w4 beside
fp32 and ONNX Runtime on a BERT-base encoder, ViT-B/32 and a batch-1 decoder, and the
pre-quantized formats (bench/qformats.py; alone with --only qformats): the BERT-base encoder as
DynamicQuantizeMatMul, MatMulInteger and QLinearMatMul models in Tessera and ONNX Runtime. Then
sparsity (bench/sparsity.py; alone with --only sparse): sparse linear kernels against the
dense GEMM, a BERT-base encoder pruned to 80%/90% 1x16 blocks, and causal tile skipping.
Then token merging and pruning (bench/token_merge.py; alone with --only tome): ViT-B/16 with
--token-merge, and a trained digits ViT's accuracy and batch-8 latency with --token-merge,
--token-prune, and --drop-layers.
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
MID_SIZES = ("--layers 4 --hidden 512 --heads 8 --kv-heads 4 --seq 128 --batch 1 --vocab 2000 "
             "--image 96 --patch 16 --state 16")


def geomean(ratios):
    return math.exp(sum(math.log(r) for r in ratios) / len(ratios))


def run_json(cmd, timeout=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=timeout).stdout
    return json.loads(out.strip().splitlines()[-1])


def pinned(cmd, threads):
    """cmd on the last `threads` of this process's CPUs when it uses fewer than all of them.

    Tessera and ONNX Runtime then run on the same cores: on the 2-vCPU VMs this is measured
    on, one vCPU ran both 1.3-1.4x slower than the other, and an unpinned 1-thread process
    landed on either (bimodal medians, per process)."""
    cpus = sorted(os.sched_getaffinity(0))
    if threads >= len(cpus):
        return cmd
    return ["taskset", "-c", ",".join(str(c) for c in cpus[-threads:])] + cmd


def rel_l2(got, want):
    got, want = got.astype(np.float64), want.astype(np.float64)
    return np.linalg.norm(got - want) / max(np.linalg.norm(want), 1e-30)


def tessera_ms(build, onnx, exe, flags, extra, iters, threads, out):
    subprocess.run([os.path.join(build, "bin/tessera-compile"), onnx, "-o", exe, "-O3", *extra],
                   check=True)
    return run_json(pinned([exe, *flags, "--output-dir", out, "--bench", str(iters),
                            "--threads", str(threads)], threads))["median_ms"]


def ort_ms(onnx, inputs, iters, threads, timeout=None):
    return run_json(pinned(["node", os.path.join(HERE, "ort_bench.js"), onnx, inputs, str(iters),
                            str(threads)], threads), timeout)["median_ms"]


def attention_rows(args, work):
    """softmax(Q·Kᵀ/8 [+ causal])·V exported by torch at S = 128, 512, 2048."""
    import torch

    class Attn(torch.nn.Module):
        def __init__(self, causal):
            super().__init__()
            self.causal = causal

        def forward(self, q, k, v):
            s = torch.matmul(q, k.transpose(-1, -2)) / 8.0
            if self.causal:
                n = q.shape[2]
                s = s + torch.triu(torch.full((n, n), float("-inf")), 1)
            return torch.matmul(torch.softmax(s, -1), v)

    rows = []
    for seq in (128, 512, 2048):
        for causal in (False, True):
            d = os.path.join(work, f"attn{seq}{'c' if causal else ''}")
            os.makedirs(os.path.join(d, "inputs"), exist_ok=True)
            g = torch.Generator().manual_seed(seq)
            qkv = [torch.randn(1, 8, seq, 64, generator=g) for _ in range(3)]
            onnx = os.path.join(d, "model.onnx")
            torch.onnx.export(Attn(causal), tuple(qkv), onnx, opset_version=17,
                              input_names=["q", "k", "v"], output_names=["o"])
            flags = []
            for n, t in zip("qkv", qkv):
                np.save(os.path.join(d, "inputs", n + ".npy"), t.numpy())
                flags.append(f"--input={n}={os.path.join(d, 'inputs', n + '.npy')}")
            iters = max(5, args.iters // (seq // 128))
            out = os.path.join(d, "out")
            fused = tessera_ms(args.build, onnx, os.path.join(d, "fused"), flags, [], iters,
                               args.threads, out)
            unfused = tessera_ms(args.build, onnx, os.path.join(d, "unfused"), flags,
                                 ["--no-fusion"], iters, args.threads, out)
            ort = ort_ms(onnx, os.path.join(d, "inputs"), iters, args.threads)
            flops = 4 * 8 * seq * seq * 64 / (2 if causal else 1)
            rows.append((seq, causal, fused, unfused, ort, flops / fused / 1e6))
    return rows


def families_and_attention(args, work):
    """The model-family table, then the attention sequence-length table."""
    families = args.family or FAMILIES
    gen = [sys.executable, os.path.join(ROOT, "test/models/gen_models.py"), work]
    for f in families:
        gen += ["--family", f]
    gen += args.gen.split()
    subprocess.run(gen, check=True)

    rows, ratios = [], []
    for fam in families:
        d = os.path.join(work, fam)
        exe = os.path.join(d, "model")
        inputs = sorted(os.listdir(os.path.join(d, "inputs")))
        flags = [f"--input={n[:-4]}={os.path.join(d, 'inputs', n)}" for n in inputs]
        onnx = os.path.join(d, "model.onnx")
        out = os.path.join(d, "out")
        unfused = tessera_ms(args.build, onnx, exe, flags, ["--no-fusion"], args.iters,
                             args.threads, out)
        fused = tessera_ms(args.build, onnx, exe, flags, [], args.iters, args.threads, out)
        err = max(rel_l2(np.load(os.path.join(out, r)),
                         np.load(os.path.join(d, "reference", r)))
                  for r in os.listdir(os.path.join(d, "reference")))
        ort = ort_ms(onnx, os.path.join(d, "inputs"), args.iters, args.threads)
        ratio = fused / ort
        ratios.append(ratio)
        rows.append((fam, fused, unfused, ort, ratio, err))

    print(f"\n{'model':10s} {'fused ms':>9s} {'unfused ms':>11s} {'ort ms':>9s} {'fused/ort':>9s}"
          f" {'rel L2':>9s}   ({args.threads} threads, median of {args.iters})")
    for fam, a, u, b, r, e in rows:
        print(f"{fam:10s} {a:9.3f} {u:11.3f} {b:9.3f} {r:9.2f} {e:9.1e}")
    geo = geomean(ratios)
    print(f"{'geomean':10s} {'':9s} {'':11s} {'':9s} {geo:9.2f}")

    if args.no_attention:
        return ratios
    print(f"\n{'attention':14s} {'fused ms':>9s} {'unfused ms':>11s} {'ort ms':>9s} "
          f"{'speedup':>8s} {'fused/ort':>9s} {'GFLOP/s':>8s}   (B=1 H=8 D=64)")
    for seq, causal, fused, unfused, ort, gflops in attention_rows(args, work):
        name = f"S={seq}{' causal' if causal else ''}"
        print(f"{name:14s} {fused:9.3f} {unfused:11.3f} {ort:9.3f} {unfused / fused:8.2f} "
              f"{fused / ort:9.2f} {gflops:8.1f}")
    return ratios


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--iters", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--family", action="append", choices=FAMILIES)
    # The families at mid sizes (the tests' defaults are tiny models, which
    # only time per-op overheads).
    ap.add_argument("--gen", default=MID_SIZES,
                    help="gen_models.py size flags of the family table (default: mid sizes, "
                         f"'{MID_SIZES}'; '' for the tests' tiny defaults)")
    ap.add_argument("--no-attention", action="store_true",
                    help="skip the attention sequence-length benchmark")
    ap.add_argument("--no-ssm", action="store_true", help="skip the state-space section")
    ap.add_argument("--only", choices=["families", "ssm", "real", "quant", "qformats", "sparse", "tome"],
                    help="run only this section (families: the family table and, unless "
                         "--no-attention, the attention benchmark)")
    ap.add_argument("--no-real", action="store_true",
                    help="skip the real-architecture section (torchvision/torchaudio/torch.nn)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="alternating Tessera/ORT rounds per real-architecture model")
    ap.add_argument("--work", help="work directory (exported models are reused)")
    ap.add_argument("--model", action="append", help="real-architecture models to run")
    ap.add_argument("--thread-counts", default="2,1",
                    help="thread counts of the real-architecture section (first is the main one)")
    args = ap.parse_args()
    args.thread_counts = [int(t) for t in args.thread_counts.split(",")]
    work = args.work or tempfile.mkdtemp(prefix="tessera-bench.")
    os.makedirs(work, exist_ok=True)
    family_ratios = []
    if args.only in (None, "families"):
        family_ratios = families_and_attention(args, work)
    if args.only == "real" or (args.only is None and not args.no_real):
        import real_models
        real_ratios = real_models.section(args, work)
        # The CPU performance target's figure: every family and real
        # architecture at the main thread count.
        ratios = family_ratios + real_ratios
        geo = geomean(ratios)
        print(f"\ngeomean over the {len(family_ratios)} families and {len(real_ratios)} real "
              f"architectures at {args.thread_counts[0]} threads: {geo:.2f} of ONNX Runtime "
              f"({sum(r > 1 for r in ratios)} slower than ONNX Runtime)")
    if args.only == "quant" or args.only is None:
        import quantized
        quantized.section(args, work)
    if args.only == "qformats" or args.only is None:
        import qformats
        qformats.section(args, work)
    if args.only == "sparse" or args.only is None:
        import sparsity
        sparsity.section(args, work)
    if args.only == "tome" or args.only is None:
        import token_merge
        token_merge.section(args, work)
    if args.only == "ssm" or (args.only is None and not args.no_ssm):
        import ssm  # here, as ssm imports this file's helpers
        ssm.section(args, work)


if __name__ == "__main__":
    main()
