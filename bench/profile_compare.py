#!/usr/bin/python3
"""Where a compiled model spends its time, next to ONNX Runtime's profile.

    bench/profile_compare.py DIR [--threads 2] [--iters 20]
                             [--nodes KERNEL[,KERNEL...] --ort-op OP_TYPE]

DIR holds a model as `bench/run.py` leaves it: `model` (the Tessera
executable), `model.onnx` and `inputs/NAME.npy`. Both run ITERS times after
their warm-up runs, Tessera with TESSERA_PROFILE (one trace event per kernel
call), ONNX Runtime (`bench/ort_bench.js`) with its node profiler; what is
printed are milliseconds per run:

- totals: each Tessera kernel's summed time and calls per run, and each ONNX
  Runtime op type's;
- with --nodes: the calls of those kernels (e.g. conv2d_f32) and the nodes of
  that ONNX Runtime op type (e.g. Conv), in execution order, aligned call by
  call: per-call medians, their ratio, and the ONNX nodes each Tessera call
  covers. Kernels that ONNX Runtime splits or fuses differently misalign; the
  names show where.

Both profilers add their own cost to every call (ONNX Runtime's more than
Tessera's), so whole-model ratios come from bench/run.py; this shows where
the time goes. Needs ONNX Runtime: `bash scripts/install-deps.sh --bench`.
"""
import argparse
import collections
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile

BENCH = os.path.dirname(os.path.abspath(__file__))
WARMUP = 3  # the executable's --bench warm-up runs plus its first run


def tessera_events(d, threads, iters, tmp):
    trace = os.path.join(tmp, "tessera.json")
    args = []
    for f in sorted(glob.glob(os.path.join(d, "inputs", "*.npy"))):
        args += ["--input", f"{os.path.basename(f)[:-4]}={f}"]
    env = dict(os.environ, TESSERA_PROFILE=trace)
    r = subprocess.run([os.path.join(d, "model")] + args +
                       ["--bench", str(iters), "--threads", str(threads)],
                       env=env, capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"profile_compare: {d}/model failed: {r.stderr.strip()}")
    events = json.load(open(trace))
    events = events["traceEvents"] if isinstance(events, dict) else events
    return sorted((e for e in events if e.get("ph") == "X"),
                  key=lambda e: e["ts"])


def ort_events(d, threads, iters, tmp):
    prefix = os.path.join(tmp, "ort")
    env = dict(os.environ, ORT_PROF=prefix)
    r = subprocess.run(["node", os.path.join(BENCH, "ort_bench.js"),
                        os.path.join(d, "model.onnx"),
                        os.path.join(d, "inputs"), str(iters), str(threads)],
                       env=env, capture_output=True, text=True, cwd=BENCH)
    files = glob.glob(prefix + "*.json")
    if r.returncode or not files:
        sys.exit(f"profile_compare: ONNX Runtime failed: {r.stderr.strip()}")
    events = json.load(open(files[0]))
    return sorted((e for e in events if e.get("cat") == "Node" and
                   e["name"].endswith("_kernel_time")),
                  key=lambda e: e["ts"])


def totals(events, key, runs, label):
    """Each key's time per run over the timed runs (the last `runs` runs'
    calls), largest first."""
    by = collections.defaultdict(list)
    for e in events:
        by[key(e)].append(e)
    tot = {k: sum(e["dur"] for e in v[-(len(v) // (runs + WARMUP)) * runs:])
           for k, v in by.items()}
    print(f"{label}: kernels {sum(tot.values()) / runs / 1000:.3f} ms per run")
    for k, v in sorted(tot.items(), key=lambda kv: -kv[1])[:20]:
        calls = len(by[k]) // (runs + WARMUP)
        print(f"  {v / runs / 1000:8.3f} ms {calls:4d}x  {k}")


def aligned(tev, oev, runs):
    """Per-call medians of two call sequences that repeat once per run."""
    def columns(ev, name):
        per = len(ev) // (runs + WARMUP)
        if per == 0:
            return [], []
        times = [[] for _ in range(per)]
        names = [""] * per
        for i, e in enumerate(ev[-per * runs:]):
            times[i % per].append(e["dur"])
            names[i % per] = name(e)
        return [statistics.median(t) for t in times], names

    ta, tn = columns(tev, lambda e: str(e.get("args", {})
                                        .get("onnx_nodes", e["name"]))[:56])
    oa, on = columns(oev, lambda e: e["name"][:-len("_kernel_time")][-40:])
    print(f"tessera {len(ta)} calls per run, onnxruntime {len(oa)}")
    print("  #  tessera us   ort us  ratio  tessera call | onnxruntime node")
    for i in range(max(len(ta), len(oa))):
        a = ta[i] if i < len(ta) else 0.0
        b = oa[i] if i < len(oa) else 0.0
        ratio = f"{a / b:5.2f}" if a and b else "    -"
        print(f"{i:3d} {a:10.1f} {b:8.1f}  {ratio}  "
              f"{tn[i] if i < len(tn) else '':56s} | "
              f"{on[i] if i < len(on) else ''}")
    print(f"sums of the medians: tessera {sum(ta) / 1000:.3f} ms, "
          f"onnxruntime {sum(oa) / 1000:.3f} ms")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--nodes", help="Tessera kernels to align, e.g. conv2d_f32")
    ap.add_argument("--ort-op", help="the ONNX Runtime op type to align them "
                    "with, e.g. Conv")
    a = ap.parse_args()
    if bool(a.nodes) != bool(a.ort_op):
        ap.error("--nodes and --ort-op go together")
    d = os.path.abspath(a.dir)
    for need in ("model", "model.onnx", "inputs"):
        if not os.path.exists(os.path.join(d, need)):
            sys.exit(f"profile_compare: {d} has no {need} (see --help)")
    with tempfile.TemporaryDirectory(prefix="tessera-profile-") as tmp:
        tev = tessera_events(d, a.threads, a.iters, tmp)
        oev = ort_events(d, a.threads, a.iters, tmp)
    if a.nodes:
        kernels = set(a.nodes.split(","))
        aligned([e for e in tev if e["name"] in kernels],
                [e for e in oev if e["args"].get("op_name") == a.ort_op],
                a.iters)
        return
    totals(tev, lambda e: e["name"], a.iters, "tessera")
    totals(oev, lambda e: e["args"].get("op_name", "?"), a.iters,
           "onnxruntime")


if __name__ == "__main__":
    main()
