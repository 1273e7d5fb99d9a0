"""Generates one model family, compiles it with tessera-compile, runs the executable on the
generated inputs and compares every output with torch's (relative L2 <= 1e-4, NaN fails).

usage: run_family.py TOOLS_DIR WORK_DIR FAMILY [-O3] [-- gen_models size flags...]
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))


def main():
    tools, work, family = sys.argv[1:4]
    rest = sys.argv[4:]
    split = rest.index("--") if "--" in rest else len(rest)
    compile_flags, gen_flags = rest[:split], rest[split + 1:]
    subprocess.run([sys.executable, os.path.join(ROOT, "test/models/gen_models.py"), work,
                    "--family", family, *gen_flags], check=True, stdout=subprocess.DEVNULL)
    d = os.path.join(work, family)
    exe = os.path.join(d, "model")
    subprocess.run([os.path.join(tools, "tessera-compile"), os.path.join(d, "model.onnx"),
                    "-o", exe, *compile_flags], check=True)
    args = [exe, "--output-dir", os.path.join(d, "out")]
    for f in sorted(os.listdir(os.path.join(d, "inputs"))):
        args += ["--input", f"{f[:-4]}={os.path.join(d, 'inputs', f)}"]
    subprocess.run(args, check=True)
    return subprocess.run([sys.executable, os.path.join(ROOT, "test/e2e/compare.py"),
                           os.path.join(d, "reference"), os.path.join(d, "out")]).returncode


if __name__ == "__main__":
    sys.exit(main())
