"""Runs the ONNX backend test data through tessera-compile and the compiled executables.

Every test model is compiled, run on each test_data_set_* and compared with the expected
outputs using ONNX's backend tolerances (rtol 1e-3, atol 1e-7; integers, booleans and shapes
exact; NaN only matches NaN). Outcomes:
  pass       - every output of every data set matches (possibly after specializing
               shape-like inputs to their data-set values with --const-input, or
               symbolic dimensions to the data set's shapes with --input-shape)
A sequence input is given as its elements (--sequence-input with their shapes, then
NAME.0, NAME.1, ... at run time); a sequence output is compared element by element. An
optional input holds its value, or is compiled as empty (--empty-optional); an empty
optional output must not be written.
  diagnosed  - tessera-compile (or the executable) refused it with a message and exit 1
  wrong      - it ran, but an output is missing or differs
  crash      - a signal, an abort, a timeout or an exit code other than 0/1
The expectations file lists every test as `pass` or `xfail: <reason>`; the run fails on any
crash and on any expected pass that does not pass, and reports unexpected passes.
"""
import argparse
import collections
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import numpy_helper

DATA = "/usr/share/libonnx-testdata/data"
CATEGORIES = ["node", "simple", "pytorch-converted", "pytorch-operator"]


def load_tensor(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def load_value(path, kind):
    """A data set's input or output by its kind (graph_io): an array, a list of
    arrays for a sequence, and for an optional None when it is empty, else its
    array or list."""
    if kind == "tensor":
        return load_tensor(path)
    with open(path, "rb") as f:
        data = f.read()
    if kind == "sequence":
        seq = onnx.SequenceProto()
        seq.ParseFromString(data)
        return [numpy_helper.to_array(t) for t in seq.tensor_values]
    opt = onnx.OptionalProto()
    opt.ParseFromString(data)
    if opt.HasField("tensor_value"):
        return numpy_helper.to_array(opt.tensor_value)
    if opt.HasField("sequence_value"):
        return [numpy_helper.to_array(t) for t in opt.sequence_value.tensor_values]
    return None


def shape_arg(arrays):
    """--sequence-input's element shapes: D0xD1..., 'scalar' for rank 0."""
    return ",".join("x".join(map(str, a.shape)) if a.ndim else "scalar" for a in arrays)


def graph_io(model_path):
    """The graph's (non-initializer) input and output names, and the kind of
    each: tensor, sequence or optional."""
    model = onnx.load(model_path, load_external_data=False)
    inits = {i.name for i in model.graph.initializer}
    inputs = [i.name for i in model.graph.input if i.name not in inits]
    kinds = {v.name: "sequence" if v.type.HasField("sequence_type")
             else "optional" if v.type.HasField("optional_type") else "tensor"
             for v in list(model.graph.input) + list(model.graph.output)}
    return inputs, [o.name for o in model.graph.output], kinds


def compare(got, want):
    """Returns None when `got` matches `want`, else a one-line reason."""
    if got.shape != want.shape:
        return f"shape {got.shape} != expected {want.shape}"
    if want.dtype.kind in "fc":
        if got.dtype.kind not in "fc":
            return f"dtype {got.dtype} != expected {want.dtype}"
        g, w = got.astype(np.float64), want.astype(np.float64)
        nan_ok = np.array_equal(np.isnan(g), np.isnan(w))
        close = np.isclose(g, w, rtol=1e-3, atol=1e-7, equal_nan=True)
        if not nan_ok or not close.all():
            bad = np.argwhere(~close)[0] if not close.all() else "nan"
            return f"values differ (first at {bad})"
        return None
    if got.dtype != want.dtype and not (got.dtype.kind == want.dtype.kind == "b"):
        return f"dtype {got.dtype} != expected {want.dtype}"
    return None if np.array_equal(got, want) else "values differ"


CONST_INPUT = re.compile(r"\(input \d+ '([^']+)'\) must be a constant known at import time")
SYMBOLIC = re.compile(r"graph input '([^']+)' has a symbolic dimension")


def small_int(npy_path):
    a = np.load(npy_path, allow_pickle=True)  # string inputs are object arrays
    return a.dtype.kind in "iu" and a.size <= 16


def compile_model(tools, model, exe, const_inputs, timeout, sequences=None, shapes=None,
                  empty=()):
    """Runs tessera-compile; returns (status, message) with status None on success.
    `sequences`: sequence inputs' element shapes (--sequence-input); `shapes`:
    inputs' shapes for their symbolic dimensions (--input-shape); `empty`: empty
    optional inputs (--empty-optional)."""
    cmd = [os.path.join(tools, "tessera-compile"), model, "-o", exe, "-O1"]
    cmd += [f"--const-input={n}={p}" for n, p in const_inputs.items()]
    cmd += [f"--sequence-input={n}={v}" for n, v in (sequences or {}).items()]
    cmd += [f"--input-shape={n}={v}" for n, v in (shapes or {}).items()]
    cmd += [f"--empty-optional={n}" for n in empty]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "crash", "compile timed out"
    if proc.returncode == 1:
        lines = proc.stderr.strip().splitlines() or ["(no message)"]
        return "diagnosed", next((l for l in lines if "error:" in l), lines[-1])
    if proc.returncode != 0:
        return "crash", f"compile exit {proc.returncode}: {proc.stderr[-300:]}"
    return None, ""


def run_one(test_dir, tools, work_root, timeout):
    """Compiles and runs one test. A graph input that the importer needs as a
    compile-time constant (a shape, axes, k, ...) is given with --const-input
    from each data set, and an input with symbolic dimensions its data set's
    shape (--input-shape), compiling once per data set; such passes are
    reported as `specialized`."""
    name = os.path.basename(test_dir)
    work = tempfile.mkdtemp(prefix=name + ".", dir=work_root)
    t0 = time.time()
    model = os.path.join(test_dir, "model.onnx")
    try:
        inputs, outputs, kinds = graph_io(model)
        sets = sorted(d for d in os.listdir(test_dir) if d.startswith("test_data_set_"))
        frozen, sized = set(), set()
        for k, ds in enumerate(sets):
            ds_dir = os.path.join(test_dir, ds)
            n_in = len([f for f in os.listdir(ds_dir) if f.startswith("input_")])
            npys, unreadable = {}, None
            # A sequence input's elements, each its own input NAME.j; their
            # shapes are given at compile time (--sequence-input).
            # An empty optional input is none at compile time (--empty-optional).
            seq_npys, seq_shapes, empty = {}, {}, []
            for i in range(n_in):
                try:
                    value = load_value(os.path.join(ds_dir, f"input_{i}.pb"),
                                       kinds.get(inputs[i], "tensor"))
                except Exception as e:  # noqa: BLE001 - reported below
                    npys[inputs[i]], unreadable = None, e
                    continue
                if value is None:
                    empty.append(inputs[i])
                    continue
                if isinstance(value, list):
                    seq_shapes[inputs[i]] = shape_arg(value)
                    for j, arr in enumerate(value):
                        path = os.path.join(work, f"{ds}_in{i}.{j}.npy")
                        np.save(path, arr)
                        seq_npys[f"{inputs[i]}.{j}"] = path
                    continue
                npys[inputs[i]] = os.path.join(work, f"{ds}_in{i}.npy")
                np.save(npys[inputs[i]], value)
            exe = os.path.join(work, f"model{k}")
            if k == 0 or frozen or seq_shapes or sized or empty:
                while True:
                    status, msg = compile_model(
                        tools, model, exe, {n: npys[n] for n in frozen}, timeout, seq_shapes,
                        {n: "x".join(map(str, np.load(npys[n]).shape)) for n in sized}, empty)
                    # A symbolic dimension: the data set's shape (--input-shape).
                    sym = SYMBOLIC.search(msg) if status == "diagnosed" else None
                    if sym and npys.get(sym.group(1)) and sym.group(1) not in sized:
                        sized.add(sym.group(1))
                        continue
                    m = CONST_INPUT.search(msg) if status == "diagnosed" else None
                    if m and npys.get(m.group(1)) and m.group(1) not in frozen:
                        frozen.add(m.group(1))
                        continue
                    # A value computed from the inputs must be constant: fix
                    # every small integer input (shape-like) at once.
                    shape_like = {n for n, p in npys.items()
                                  if p and n not in frozen and small_int(p)} if m else set()
                    if shape_like:
                        frozen |= shape_like
                        continue
                    break
                if status:
                    msg = msg.split("error:", 1)[-1].replace(test_dir + "/", "").strip()
                    return name, status, msg[:300], time.time() - t0
            else:
                exe = os.path.join(work, "model0")
            if unreadable:
                raise unreadable
            args = [exe, "--output-dir", os.path.join(work, ds)]
            for n, path in npys.items():
                if n not in frozen:
                    args += ["--input", f"{n}={path}"]
            for n, path in seq_npys.items():
                args += ["--input", f"{n}={path}"]
            try:
                run = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
            except subprocess.TimeoutExpired:
                return name, "crash", "run timed out", time.time() - t0
            if run.returncode == 1:
                return name, "diagnosed", "run: " + run.stderr.strip()[-300:], time.time() - t0
            if run.returncode != 0:
                return name, "crash", f"run exit {run.returncode}", time.time() - t0
            for j, out in enumerate(outputs):
                want = load_value(os.path.join(ds_dir, f"output_{j}.pb"),
                                  kinds.get(out, "tensor"))
                # A sequence output is written element by element, NAME.i.npy;
                # an empty optional not at all.
                listed = isinstance(want, list)
                pairs = ([(f"{out}.{i}", w) for i, w in enumerate(want)] if listed
                         else [] if want is None else [(out, want)])
                extra = (f"{out}.{len(want)}" if listed else out if want is None else None)
                if extra and os.path.exists(os.path.join(work, ds, extra + ".npy")):
                    return name, "wrong", f"output {extra} written, not expected", time.time() - t0
                for got_name, w in pairs:
                    path = os.path.join(work, ds, got_name + ".npy")
                    if not os.path.exists(path):
                        return name, "wrong", f"output {got_name} not written", time.time() - t0
                    reason = compare(np.load(path), w)
                    if reason:
                        return name, "wrong", f"{ds} output {got_name}: {reason}", time.time() - t0
        notes = sorted(frozen) + [f"shape of {n}" for n in sorted(sized)]
        note = "specialized: " + ", ".join(notes) if notes else ""
        return name, "pass", note, time.time() - t0
    except Exception as e:  # a harness problem (unreadable .pb, odd model): report, don't hide
        return name, "wrong", f"harness: {type(e).__name__}: {e}"[:300], 0.0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def read_expectations(path):
    exp = {}
    if os.path.exists(path):
        for line in open(path):
            line = line.strip()
            if line and not line.startswith("#"):
                name, _, status = line.partition(":")
                exp[name.strip()] = status.strip()
    return exp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tools", required=True, help="directory holding tessera-compile")
    ap.add_argument("--expectations", required=True)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--filter", default="", help="only tests whose name contains this")
    ap.add_argument("--sample", type=int, default=1,
                    help="run every Nth test only (make check-sanitize)")
    ap.add_argument("--update", action="store_true", help="rewrite the expectations file")
    ap.add_argument("--json", help="write per-test results here")
    args = ap.parse_args()

    tests = []
    for cat in CATEGORIES:
        root = os.path.join(DATA, cat)
        for t in sorted(os.listdir(root)):
            if args.filter in t and os.path.exists(os.path.join(root, t, "model.onnx")):
                tests.append((cat, os.path.join(root, t)))
    total = len(tests)
    tests = tests[::max(args.sample, 1)]
    work_root = tempfile.mkdtemp(prefix="tessera-conformance.")
    start = time.time()
    results = {}
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futs = {pool.submit(run_one, d, args.tools, work_root, args.timeout): (c, d)
                for c, d in tests}
        for f in concurrent.futures.as_completed(futs):
            cat, _ = futs[f]
            name, status, reason, secs = f.result()
            results[f"{cat}/{name}"] = (status, reason, secs)
    shutil.rmtree(work_root, ignore_errors=True)
    elapsed = time.time() - start

    counts = collections.defaultdict(collections.Counter)
    for key, (status, _, _) in results.items():
        counts[key.split("/")[0]][status] += 1
    for key, (status, reason, _) in results.items():
        if status == "pass" and reason:
            counts[key.split("/")[0]]["specialized"] += 1
    sampled = f"{len(results)} of " if len(results) != total else ""
    print(f"conformance: {sampled}{total} tests in {elapsed:.0f} s ({args.jobs} jobs)")
    for cat in CATEGORIES:
        c = counts[cat]
        print(f"  {cat:18s} pass {c['pass']:4d} (specialized {c['specialized']:3d})  "
              f"diagnosed {c['diagnosed']:4d}  wrong {c['wrong']:4d}  crash {c['crash']:4d}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, sort_keys=True)

    if args.update:
        # With --filter, only the tests that ran are rewritten.
        lines = dict(read_expectations(args.expectations)) if args.filter else {}
        for key, (status, reason, _) in results.items():
            if status == "pass":
                line = f"pass ({reason})" if reason else "pass"
            else:
                line = f"xfail: {status}: {reason}"
            lines[key] = " ".join(line.split())
        with open(args.expectations, "w") as f:
            f.write("# ONNX backend conformance expectations: `test: pass` or `test: xfail: <why>`.\n"
                    "# Regenerate with run_conformance.py --update after an intended change.\n")
            for key in sorted(lines):
                f.write(f"{key}: {lines[key]}\n")
        print(f"wrote {args.expectations}")

    exp = read_expectations(args.expectations)
    failed = False
    for key in sorted(results):
        status, reason, _ = results[key]
        if status == "crash":
            print(f"CRASH {key}: {reason}")
            failed = True
        elif exp.get(key, "").startswith("pass") and status != "pass":
            print(f"REGRESSION {key}: {status}: {reason}")
            failed = True
        elif status == "pass" and exp.get(key, "").startswith("xfail") and not args.filter:
            print(f"UNEXPECTED PASS {key}: mark it `pass` in {args.expectations}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
