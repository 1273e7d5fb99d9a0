"""State-space and linear-attention section of the benchmark (bench/run.py; alone: --only ssm).

Mamba: the torch-exported unrolled model and the SSM core unrolled (unrolled-core), as an
ONNX Scan and as an ONNX Loop (test/models/ssm_models.py), each compiled to its
tessera.selective_scan kernels and timed beside ONNX Runtime; the compile time of
unrolled-core by stage. Linear attention: a gated recurrence unrolled with onnx.helper,
compiled to the tessera.linear_attention kernel and with --no-fusion, beside ONNX Runtime.
Every row's output is checked against its numpy/torch reference (rel L2) before it is timed.
"""
import json
import os
import subprocess
import sys
import time

import numpy as np

from run import ort_ms, pinned, rel_l2, run_json

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TOLERANCE = 1e-4
# One compile or ORT run longer than this is reported as a timeout instead of a number.
STEP_TIMEOUT_S = 150
TORCH_MAMBA = ["--layers", "2", "--d-model", "64", "--d-state", "16", "--steps", "64"]
CORE = ["--d-model", "256", "--d-state", "16", "--batch", "1"]
LA_SHAPE = dict(B=1, H=4, Dk=64, Dv=64)
LA_STEPS = (64, 256, 1024, 4096)
# Beyond these the unrolled graph is not measured: the --no-fusion compile grows as T²
# (31 s at T=64, 560 s at T=256, nearly all LLVM codegen) and ORT's session creation
# too (1.2 s at T=256, 16 s at T=1024, over 300 s at T=4096).
UNFUSED_MAX_STEPS = 64
ORT_MAX_STEPS = 1024


class Skipped(Exception):
    """A row's cell that could not be measured (timeout, numerics), printed instead."""


def generate(work, form, flags):
    start = time.perf_counter()
    subprocess.run([sys.executable, os.path.join(ROOT, "test/models/ssm_models.py"), work,
                    "--form", form, *flags], check=True, stdout=subprocess.DEVNULL)
    return os.path.join(work, form), time.perf_counter() - start


def compile_model(build, d, exe, extra=()):
    """tessera-compile to an executable; returns (wall s, report)."""
    report = exe + ".report.json"
    cmd = [os.path.join(build, "bin/tessera-compile"), os.path.join(d, "model.onnx"), "-o", exe,
           "-O3", "--report=" + report, *extra]
    start = time.perf_counter()
    try:
        subprocess.run(cmd, check=True, timeout=STEP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise Skipped(f"compile > {STEP_TIMEOUT_S} s")
    wall = time.perf_counter() - start
    with open(report) as f:
        return wall, json.load(f)


def checked_ms(d, exe, iters, threads):
    """Runs the executable once and checks every output against the reference, then times it;
    returns (median ms, rel L2)."""
    names = sorted(os.listdir(os.path.join(d, "inputs")))
    cmd = [exe, *(f"--input={n[:-4]}={os.path.join(d, 'inputs', n)}" for n in names),
           "--output-dir", exe + ".out"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    err = max(rel_l2(np.load(os.path.join(exe + ".out", r)),
                     np.load(os.path.join(d, "reference", r)))
              for r in os.listdir(os.path.join(d, "reference")))
    if not err <= TOLERANCE:
        raise Skipped(f"{os.path.basename(exe)}: rel L2 {err:.1e} > {TOLERANCE:.0e}")
    ms = run_json(pinned(cmd + ["--bench", str(iters), "--threads", str(threads)],
                         threads))["median_ms"]
    return ms, err


def ort_timed(d, iters, threads):
    """ORT's median ms and the wall time of the whole run (session creation included)."""
    start = time.perf_counter()
    try:
        ms = ort_ms(os.path.join(d, "model.onnx"), os.path.join(d, "inputs"), iters, threads,
                    STEP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise Skipped(f"ONNX Runtime > {STEP_TIMEOUT_S} s")
    return ms, time.perf_counter() - start


def fused_count(report, op):
    return report["ops_after"].get("tessera." + op, 0)


def iters_for(args, steps):
    return max(5, args.iters * 256 // max(steps, 256))


# --- Mamba ------------------------------------------------------------------------
def mamba_row(args, work, form, steps, flags):
    d, gen_s = generate(os.path.join(work, f"mamba{steps}"), form, flags)
    exe = os.path.join(d, "model")
    wall, report = compile_model(args.build, d, exe)
    ms, err = checked_ms(d, exe, iters_for(args, steps), args.threads)
    ort, _ = ort_timed(d, iters_for(args, steps), args.threads)
    return ms, ort, fused_count(report, "selective_scan"), err, wall, gen_s, report


def mamba_rows(args, work):
    """(form, steps, row or why it was skipped) for the torch model, then the SSM core."""
    cases = [("unrolled", 64, TORCH_MAMBA)]
    for steps in (256, 1024):
        cases += [(form, steps, CORE + ["--steps", str(steps)])
                  for form in ("unrolled-core", "scan", "loop")]
    for form, steps, flags in cases:
        try:
            yield form, steps, mamba_row(args, work, form, steps, flags)
        except Skipped as e:
            yield form, steps, str(e)


def compile_rows(args, work, reports):
    """Compile wall time and stage times of unrolled-core at 48, 256 and 1024 steps (the
    last two are the Mamba rows' compilations)."""
    d, _ = generate(os.path.join(work, "mamba48"), "unrolled-core", CORE + ["--steps", "48"])
    return [(48, *compile_model(args.build, d, os.path.join(d, "model")))] + reports


# --- linear attention ---------------------------------------------------------------
def linear_attention_model(d, steps, seed=0):
    """S_t = g_t·S_{t-1} + k_t v_tᵀ (per-key gate), o_t = einsum(q_t, S_t), stacked on time;
    per step what torch's exporter writes: constant-index gathers, unsqueezes, one concat."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    b, h, dk, dv = LA_SHAPE["B"], LA_SHAPE["H"], LA_SHAPE["Dk"], LA_SHAPE["Dv"]
    rng = np.random.default_rng(seed)
    ins = {"q": rng.standard_normal((b, h, steps, dk)) * dk ** -0.5,
           "k": rng.standard_normal((b, h, steps, dk)) * dk ** -0.5,
           "v": rng.standard_normal((b, h, steps, dv)),
           "g": 1 / (1 + np.exp(-(rng.standard_normal((b, h, steps, dk)) + 3)))}
    ins = {n: x.astype(np.float32) for n, x in ins.items()}
    S = np.zeros((b, h, dk, dv))
    o = np.zeros((b, h, steps, dv))
    q, k, v, g = (ins[n].astype(np.float64) for n in "qkvg")
    for t in range(steps):
        S = g[:, :, t, :, None] * S + k[:, :, t, :, None] * v[:, :, t, None, :]
        o[:, :, t] = np.einsum("bhk,bhkv->bhv", q[:, :, t], S)

    nodes = []
    outs = []
    for t in range(steps):
        idx = f"t{t}"
        nodes.append(helper.make_node("Constant", [], [idx],
                                      value=numpy_helper.from_array(np.array(t, np.int64))))
        nodes += [helper.make_node("Gather", [n, idx], [f"{n}_{t}"], axis=2) for n in "qkvg"]
        prev = f"S_{t - 1}" if t else "S0"
        nodes += [
            helper.make_node("Unsqueeze", [f"g_{t}", "ax_last"], [f"g4_{t}"]),
            helper.make_node("Mul", [f"g4_{t}", prev], [f"gS_{t}"]),
            helper.make_node("Unsqueeze", [f"k_{t}", "ax_last"], [f"k4_{t}"]),
            helper.make_node("Unsqueeze", [f"v_{t}", "ax_2"], [f"v4_{t}"]),
            helper.make_node("Mul", [f"k4_{t}", f"v4_{t}"], [f"kv_{t}"]),
            helper.make_node("Add", [f"gS_{t}", f"kv_{t}"], [f"S_{t}"]),
            helper.make_node("Einsum", [f"q_{t}", f"S_{t}"], [f"o_{t}"],
                             equation="bhk,bhkv->bhv"),
            helper.make_node("Unsqueeze", [f"o_{t}", "ax_2"], [f"o4_{t}"]),
        ]
        outs.append(f"o4_{t}")
    nodes.append(helper.make_node("Concat", outs, ["o"], axis=2))
    f32 = lambda name, shape: helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)
    inits = [numpy_helper.from_array(np.zeros((b, h, dk, dv), np.float32), "S0"),
             numpy_helper.from_array(np.array([-1], np.int64), "ax_last"),
             numpy_helper.from_array(np.array([2], np.int64), "ax_2")]
    graph = helper.make_graph(
        nodes, "gated_linear_attention",
        [f32(n, [b, h, steps, dv if n == "v" else dk]) for n in "qkvg"],
        [f32("o", [b, h, steps, dv])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    for sub, values in (("inputs", ins), ("reference", {"o": o.astype(np.float32)})):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
        for name, value in values.items():
            np.save(os.path.join(d, sub, name + ".npy"), value)
    onnx.save(model, os.path.join(d, "model.onnx"))


def cell(fn):
    try:
        return fn()
    except Skipped as e:
        return str(e)


def linear_attention_rows(args, work):
    """(T, fused, unfused, ort) per T: (ms, compile s, kernels, rel L2), (ms, compile s),
    (ms, wall s), or why the cell was skipped."""
    for steps in LA_STEPS:
        d = os.path.join(work, f"linattn{steps}")
        linear_attention_model(d, steps)
        iters = iters_for(args, steps)

        def tessera(name, extra):
            exe = os.path.join(d, name)
            wall, report = compile_model(args.build, d, exe, extra)
            ms, err = checked_ms(d, exe, iters, args.threads)
            return ms, wall, fused_count(report, "linear_attention"), err

        def limited(limit, what, fn):
            if steps > limit:
                return f"{what} grows as T², not run beyond T={limit}"
            return cell(fn)

        yield (steps, cell(lambda: tessera("fused", [])),
               limited(UNFUSED_MAX_STEPS, "--no-fusion compile time",
                       lambda: tessera("unfused", ["--no-fusion"])[:2]),
               limited(ORT_MAX_STEPS, "ONNX Runtime session creation",
                       lambda: ort_timed(d, iters, args.threads)))


# --- printing -----------------------------------------------------------------------
def num(v, width, spec):
    return f"{v:{width}{spec}}" if v is not None else f"{'-':>{width}s}"


def parts(value, n):
    """A measured cell's fields, or n Nones for a skipped one."""
    return value if isinstance(value, tuple) else (None,) * n


def ratio(a, b):
    return a / b if a is not None and b is not None else None


def print_mamba(args, work):
    print(f"\n{'mamba':14s} {'steps':>5s} {'tessera ms':>10s} {'ort ms':>9s} {'speedup':>8s} "
          f"{'scans':>5s} {'rel L2':>8s} {'compile s':>9s} {'gen s':>6s}   "
          f"({args.threads} threads; speedup = ort / tessera)", flush=True)
    reports, unrolled = [], []
    for form, steps, row in mamba_rows(args, work):
        name = "unrolled/torch" if form == "unrolled" else form
        if isinstance(row, str):
            print(f"{name:14s} {steps:5d} skipped: {row}", flush=True)
            continue
        ms, ort, scans, err, wall, gen_s, report = row
        print(f"{name:14s} {steps:5d} {ms:10.3f} {ort:9.3f} {ort / ms:8.1f} {scans:5d} "
              f"{err:8.1e} {wall:9.2f} {gen_s:6.1f}", flush=True)
        if form == "unrolled-core":
            reports.append((steps, wall, report))
        if form.startswith("unrolled"):
            unrolled.append(ort / ms)
    if unrolled:
        print(f"{'unrolled, min':14s} {'':5s} {'':10s} {'':9s} {min(unrolled):8.1f}   "
              f"(target: >= 10)", flush=True)
    return reports


def print_compile(args, work, reports):
    stages = ["import", "graph", "lowering", "codegen", "link", "total"]
    print(f"\n{'compile':14s} {'steps':>5s} {'graph ops':>9s} {'wall ms':>8s} "
          + " ".join(f"{s:>8s}" for s in stages)
          + f" {'untimed':>8s}   (unrolled-core; stages from --report, untimed = wall - total)",
          flush=True)
    for steps, wall, report in compile_rows(args, work, reports):
        t = report["times_ms"]
        print(f"{'unrolled-core':14s} {steps:5d} {sum(report['ops_before'].values()):9d} "
              f"{wall * 1e3:8.0f} " + " ".join(f"{t.get(s, 0):8.0f}" for s in stages)
              + f" {wall * 1e3 - t['total']:8.0f}", flush=True)


def print_linear_attention(args, work):
    shape = " ".join(f"{k}={v}" for k, v in LA_SHAPE.items())
    print(f"\n{'lin. attention':14s} {'fused ms':>9s} {'unfused ms':>11s} {'ort ms':>9s} "
          f"{'speedup':>8s} {'ort/fused':>9s} {'kernels':>7s} {'compile s':>9s} "
          f"{'unf. s':>7s} {'ort s':>7s} {'rel L2':>8s}   ({shape}, per-key gate; "
          f"speedup = unfused / fused; ort s includes session creation)", flush=True)
    for steps, fused, unfused, ort in linear_attention_rows(args, work):
        f_ms, f_wall, kernels, err = parts(fused, 4)
        u_ms, u_wall = parts(unfused, 2)
        o_ms, o_wall = parts(ort, 2)
        print(f"{'T=' + str(steps):14s} {num(f_ms, 9, '.3f')} {num(u_ms, 11, '.3f')} "
              f"{num(o_ms, 9, '.3f')} {num(ratio(u_ms, f_ms), 8, '.1f')} "
              f"{num(ratio(o_ms, f_ms), 9, '.1f')} {num(kernels, 7, 'd')} "
              f"{num(f_wall, 9, '.2f')} {num(u_wall, 7, '.2f')} {num(o_wall, 7, '.1f')} "
              f"{num(err, 8, '.1e')}",
              flush=True)
        for what, value in (("fused", fused), ("unfused", unfused), ("ort", ort)):
            if isinstance(value, str):
                print(f"{'':14s} {what} skipped: {value}", flush=True)


def section(args, work):
    print_compile(args, work, print_mamba(args, work))
    print_linear_attention(args, work)
