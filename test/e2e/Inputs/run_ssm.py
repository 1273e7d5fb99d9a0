"""Generates one state-space-model form (test/models/ssm_models.py), compiles it
with --report, checks that every block's scan became exactly one
tessera.selective_scan (and, for the torch-exported forms, its conv one
tessera.causal_conv1d) with nothing of the unrolled recurrence left, runs the
executable and compares the output with the reference (relative L2 <= 1e-4).

usage: run_ssm.py TOOLS_DIR WORK_DIR FORM [compile flags...] [-- ssm_models flags...]
Prints `FORM: selective_scan=S causal_conv1d=C time_major=T unrolled-ops-left=N ok`
(T: the convs in their channels_last form, the torch forms' transposes around
them folded; for the linear-attention forms `linear_attention=A`) or MISMATCH,
then the comparison line of every output.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))


def main():
    tools, work, form = sys.argv[1:4]
    rest = sys.argv[4:]
    split = rest.index("--") if "--" in rest else len(rest)
    compile_flags, gen_flags = rest[:split], rest[split + 1:]
    layers = 2
    if "--layers" in gen_flags:
        layers = int(gen_flags[gen_flags.index("--layers") + 1])
    subprocess.run([sys.executable, os.path.join(ROOT, "test/models/ssm_models.py"), work,
                    "--form", form, *gen_flags], check=True, stdout=subprocess.DEVNULL)
    d = os.path.join(work, form)
    exe = os.path.join(d, "model")
    report = os.path.join(d, "report.json")
    compile_cmd = [os.path.join(tools, "tessera-compile"), os.path.join(d, "model.onnx")]
    subprocess.run(compile_cmd + ["--emit=tessera", "-o", exe + ".mlir", "--report=" + report,
                                  *compile_flags], check=True)
    ops = json.load(open(report))["ops_after"]
    left = sum(ops.get("tessera." + k, 0) for k in ("einsum", "reduce_sum", "concat", "gather"))
    # The torch forms keep one gather (the embedding lookup).
    torch_form = form not in ("scan", "loop", "unrolled-core")
    if form in ("gla", "linear-attn", "retention"):
        got = {"linear_attention": ops.get("tessera.linear_attention", 0)}
        want = {"linear_attention": layers}
    else:
        got = {"selective_scan": ops.get("tessera.selective_scan", 0),
               "causal_conv1d": ops.get("tessera.causal_conv1d", 0)}
        want = {"selective_scan": layers if torch_form else 1,
                "causal_conv1d": layers if torch_form else 0}
        # Time-major convs (channels_last: the transposes around them folded).
        with open(exe + ".mlir") as f:
            got["time_major"] = sum("tessera.causal_conv1d" in line and "channels_last" in line
                                    for line in f)
        want["time_major"] = layers if torch_form else 0
    ok = got == want and left == (1 if torch_form else 0)
    counts = " ".join(f"{k}={v}" for k, v in got.items())
    print(f"{form}: {counts} unrolled-ops-left={left} "
          + ("ok" if ok else f"MISMATCH (expected {want})"), flush=True)
    subprocess.run(compile_cmd + ["-o", exe, *compile_flags], check=True)
    args = [exe, "--output-dir", os.path.join(d, "out")]
    for f in sorted(os.listdir(os.path.join(d, "inputs"))):
        args += ["--input", f"{f[:-4]}={os.path.join(d, 'inputs', f)}"]
    subprocess.run(args, check=True)
    rc = subprocess.run([sys.executable, os.path.join(ROOT, "test/e2e/compare.py"),
                         os.path.join(d, "reference"), os.path.join(d, "out")]).returncode
    return rc or (not ok)


if __name__ == "__main__":
    sys.exit(main())
