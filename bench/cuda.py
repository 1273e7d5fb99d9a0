"""--target=cuda on a machine with an NVIDIA GPU: builds, checks and times in one call.

usage: cuda.py prepare --build BUILD OUT [--gpu-arch sm_90] [--bert-base]
                      [--model NAME=FAMILY[:opt=N,...]]... [--precisions fp32,fp16,...]
                      [--no-families]
       cuda.py run OUT [--iters 50] [--no-torch]
       cuda.py all --build BUILD OUT ...     (prepare, then run, on one machine)

prepare (needs the Tessera build; no GPU): generates the six model families (and with
--bert-base a 12-layer d=768 T=128 encoder, ~440 MB of weights), compiles each for the CPU
(-O3) and for CUDA, runs the CPU build on the inputs, and writes OUT/manifest.json. OUT is
self-contained: the executables link only libc/libstdc++ and open libcuda.so.1 at run time,
so OUT can be copied to a GPU machine that has no compiler. --model adds a model of a family
at other sizes (gen_models.py's options, e.g. bert-mid=bert:layers=4,hidden=256,seq=128).
run (on the GPU machine): runs every CUDA executable on the same inputs, compares each output
with the CPU build's (fp32: relative L2 <= 1e-4; tf32/fp16/bf16 GEMMs: 1e-2) and with torch's, and times both builds
(median of --iters runs, --bench). Where torch with CUDA is importable there, it also times
the same model (same seed, gen_models.py) in torch eager on the GPU, fp32 and fp16. Prints one row per model and a JSON line at the end.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FAMILIES = ["bert", "gpt2", "vit", "llama", "mamba", "encdec"]


def rel_l2(got, want):
    got, want = got.astype(np.float64), want.astype(np.float64)
    if np.isnan(got).any():
        return float("inf")
    return float(np.linalg.norm(got - want) / max(np.linalg.norm(want), 1e-30))


def inputs_args(d):
    args = []
    for f in sorted(os.listdir(os.path.join(d, "inputs"))):
        args += ["--input", f"{f[:-4]}={os.path.join(d, 'inputs', f)}"]
    return args


def prepare(a):
    compile_ = os.path.join(a.build, "bin", "tessera-compile")
    os.makedirs(a.out, exist_ok=True)
    models = [] if a.no_families else [(f, f, []) for f in FAMILIES]
    if a.bert_base:
        models.append(("bert-base", "bert", ["--layers", "12", "--hidden", "768", "--heads", "12",
                                             "--seq", "128"]))
    for spec in a.model:
        name, _, rest = spec.partition("=")
        family, _, opts = rest.partition(":")
        flags = []
        for opt in filter(None, opts.split(",")):
            k, _, v = opt.partition("=")
            flags += ["--" + k.replace("_", "-"), v]
        models.append((name, family, flags))
    manifest, specs = [], {}
    for name, family, flags in models:
        gen = os.path.join(a.out, "gen-" + name)
        subprocess.run([sys.executable, os.path.join(ROOT, "test/models/gen_models.py"), gen,
                        "--family", family, *flags], check=True, stdout=subprocess.DEVNULL)
        src = os.path.join(gen, family)
        d = os.path.join(a.out, name)
        shutil.rmtree(d, ignore_errors=True)
        shutil.copytree(os.path.join(src, "inputs"), os.path.join(d, "inputs"))
        shutil.copytree(os.path.join(src, "reference"), os.path.join(d, "reference"))
        onnx = os.path.join(src, "model.onnx")
        subprocess.run([compile_, onnx, "-O3", "-o", os.path.join(d, "cpu")], check=True)
        for prec in a.precisions.split(","):
            subprocess.run([compile_, onnx, "-O3", "--target=cuda", f"--gpu-arch={a.gpu_arch}",
                            f"--precision={prec}", "-o", os.path.join(d, cuda_exe(prec))],
                           check=True)
        subprocess.run([os.path.join(d, "cpu"), *inputs_args(d), "--output-dir",
                        os.path.join(d, "cpu-out")], check=True)
        shutil.rmtree(gen)
        manifest.append(name)
        specs[name] = {"family": family, "flags": flags}
        print(f"prepared {name}", flush=True)
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump({"models": manifest, "specs": specs, "gpu_arch": a.gpu_arch,
                   "precisions": a.precisions.split(",")}, f)


def cuda_exe(precision):
    return "cuda" if precision == "fp32" else "cuda-" + precision


def torch_eager_ms(spec, iters):
    """The same model in torch eager on the GPU: {fp32, fp16} median ms, or None."""
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    sys.path.insert(0, os.path.join(ROOT, "test/models"))
    import gen_models
    flags = spec["flags"]
    over = {flags[i][2:].replace("-", "_"): int(flags[i + 1]) for i in range(0, len(flags), 2)}
    c = dict(gen_models.DEFAULTS[spec["family"]])
    c.update(over)
    torch.manual_seed(0)
    model = gen_models.MODELS[spec["family"]](c).eval()
    inputs, _ = model.inputs(c, torch.Generator().manual_seed(1))
    res = {}
    torch.set_default_device("cuda")
    try:
        def timed(m, args, autocast):
            times = []
            with torch.no_grad(), torch.autocast("cuda", torch.float16, enabled=autocast):
                for i in range(iters + 5):
                    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                    s.record()
                    m(*args)
                    e.record()
                    torch.cuda.synchronize()
                    if i >= 5:
                        times.append(s.elapsed_time(e))
            return float(np.median(times))

        args = [t.to("cuda") for t in inputs.values()]
        res["float32"] = timed(model.to("cuda"), args, False)
        try:  # the whole model in half precision, else autocast (some models mix)
            half = [t.half() if t.is_floating_point() else t for t in args]
            res["float16"] = timed(model.half(), half, False)
        except RuntimeError:
            res["float16"] = timed(model.float(), args, True)
    finally:
        torch.set_default_device("cpu")
    return res


def median_ms(exe, d, iters, out, timeout=300):
    res = subprocess.run([exe, *inputs_args(d), "--output-dir", out, "--bench", str(iters)],
                         check=True, capture_output=True, text=True, timeout=timeout).stdout
    return json.loads(res.strip().splitlines()[-1])["median_ms"]


def run(a):
    with open(os.path.join(a.out, "manifest.json")) as f:
        manifest = json.load(f)
    rows, ok = [], True
    print(f"{'model':12} {'prec':5} {'vs cpu':>9} {'vs torch':>9} {'cpu ms':>9} {'cuda ms':>9}"
          f" {'speed-up':>8} {'eager32':>8} {'eager16':>8}")
    for name in manifest["models"]:
        d = os.path.join(a.out, name)
        cpu_exe = os.path.join(d, "cpu")  # may be left behind to carry less
        cpu_ms = (median_ms(cpu_exe, d, a.iters, os.path.join(d, "bench-cpu"))
                  if os.path.exists(cpu_exe) else float("nan"))
        spec = manifest.get("specs", {}).get(name, {"family": name, "flags": []})
        eager = None
        if not a.no_torch:
            try:
                eager = torch_eager_ms(spec, a.iters)
            except Exception as e:  # the comparison is optional; say why it is missing
                print(f"{name}: torch eager failed: {e!r}", flush=True)
        e32 = f"{eager['float32']:8.3f}" if eager else f"{'-':>8}"
        e16 = f"{eager['float16']:8.3f}" if eager else f"{'-':>8}"
        for prec in manifest.get("precisions", ["fp32"]):
            exe = os.path.join(d, cuda_exe(prec))
            if not os.path.exists(exe):
                continue
            out = os.path.join(d, "out-" + prec)
            try:
                run_ = subprocess.run([exe, *inputs_args(d), "--output-dir", out],
                                      capture_output=True, text=True, timeout=a.timeout)
            except subprocess.TimeoutExpired:
                print(f"{name:12} {prec:5} failed: no answer in {a.timeout} s")
                rows.append({"model": name, "precision": prec, "error": "timeout"})
                ok = False
                continue
            if run_.returncode != 0:
                print(f"{name:12} {prec:5} failed: {run_.stderr.strip()}")
                rows.append({"model": name, "precision": prec, "error": run_.stderr.strip()})
                ok = False
                continue
            vs_cpu = max(rel_l2(np.load(os.path.join(out, f)),
                                np.load(os.path.join(d, "cpu-out", f)))
                         for f in os.listdir(os.path.join(d, "cpu-out")))
            vs_torch = max(rel_l2(np.load(os.path.join(out, f)),
                                  np.load(os.path.join(d, "reference", f)))
                           for f in os.listdir(os.path.join(d, "reference")))
            cuda_ms = median_ms(exe, d, a.iters, os.path.join(d, "bench-" + prec))
            # fp32 (tf32 off) within 1e-4 of the CPU build; tensor-core GEMMs 1e-2.
            tol = 1e-4 if prec == "fp32" else 1e-2
            ok &= vs_cpu <= tol and vs_torch <= tol
            print(f"{name:12} {prec:5} {vs_cpu:9.2e} {vs_torch:9.2e} {cpu_ms:9.3f} {cuda_ms:9.3f} "
                  f"{cpu_ms / cuda_ms:7.2f}x {e32} {e16}", flush=True)
            rows.append({"model": name, "precision": prec, "rel_l2_vs_cpu": vs_cpu,
                         "rel_l2_vs_torch": vs_torch, "cpu_ms": cpu_ms, "cuda_ms": cuda_ms,
                         "torch_eager_ms": eager})
    print(json.dumps({"rows": rows, "ok": ok}))
    return 0 if ok else 1


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["prepare", "run", "all"])
    p.add_argument("out")
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--gpu-arch", default="sm_90")
    p.add_argument("--bert-base", action="store_true")
    p.add_argument("--model", action="append", default=[], metavar="NAME=FAMILY[:opt=N,...]")
    p.add_argument("--no-families", action="store_true",
                   help="prepare only the --model/--bert-base models, not the six families")
    p.add_argument("--precisions", default="fp32",
                   help="comma-separated --precision values to build (fp32,tf32,fp16,bf16)")
    p.add_argument("--iters", type=int, default=50)
    p.add_argument("--timeout", type=int, default=120, help="seconds for one CUDA run")
    p.add_argument("--no-torch", action="store_true", help="skip the torch eager timings")
    a = p.parse_args()
    a.out = os.path.abspath(a.out)
    if a.mode in ("prepare", "all"):
        prepare(a)
    if a.mode in ("run", "all"):
        return run(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
