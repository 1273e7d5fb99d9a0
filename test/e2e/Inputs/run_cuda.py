"""--target=cuda on one generated model family, everything that can be checked on this machine.

usage: run_cuda.py TOOLS_DIR WORK_DIR FAMILY MODE [-- gen_models size flags...]

MODE emulate: compiles with --target=cuda --gpu-emulate (the kernels' block/thread loop nests
  on the CPU), runs it and compares every output with torch's (relative L2 <= 1e-4).
MODE fake:DIR: compiles the CUDA executable and runs it against the fake driver and cuBLASLt
  in DIR (test/unit/Fake*.cpp; no kernel runs, so the numbers mean nothing): the run must end
  with status 0 after launching kernels of the model's PTX and copying the outputs back (the
  host side: staging, GEMM and linear-layer calls, launches).
MODE build:PTXAS:DEVICE: compiles the CUDA executable and the kernels' PTX for sm_90 and sm_80;
  ptxas (PTXAS) must accept both. DEVICE "device": runs the executable on the GPU and compares
  with torch; "none": the executable must exit with status 1 and say that there is no CUDA
  driver or device (printed as "no device: clean exit 1").
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))


def run_args(exe, d):
    args = [exe, "--output-dir", os.path.join(d, "out")]
    for f in sorted(os.listdir(os.path.join(d, "inputs"))):
        args += ["--input", f"{f[:-4]}={os.path.join(d, 'inputs', f)}"]
    return args


def compare(d):
    return subprocess.run([sys.executable, os.path.join(ROOT, "test/e2e/compare.py"),
                           os.path.join(d, "reference"), os.path.join(d, "out")]).returncode


def main():
    tools, work, family, mode = sys.argv[1:5]
    rest = sys.argv[5:]
    gen_flags = rest[rest.index("--") + 1:] if "--" in rest else []
    subprocess.run([sys.executable, os.path.join(ROOT, "test/models/gen_models.py"), work,
                    "--family", family, *gen_flags], check=True, stdout=subprocess.DEVNULL)
    d = os.path.join(work, family)
    model = os.path.join(d, "model.onnx")
    compile_ = os.path.join(tools, "tessera-compile")
    if mode == "emulate":
        exe = os.path.join(d, "emulated")
        subprocess.run([compile_, model, "-o", exe, "--target=cuda", "--gpu-emulate"], check=True)
        subprocess.run(run_args(exe, d), check=True)
        return compare(d)

    if mode.startswith("fake:"):
        exe = os.path.join(d, "model")
        subprocess.run([compile_, model, "-o", exe, "--target=cuda"], check=True)
        env = dict(os.environ, LD_LIBRARY_PATH=mode[len("fake:"):])
        run = subprocess.run(run_args(exe, d), capture_output=True, text=True, env=env)
        launches = run.stderr.count("fake-cuda: launch ")
        copies = run.stderr.count("fake-cuda: copy ")
        if run.returncode != 0 or not launches or "bytes to the host" not in run.stderr:
            print(f"{family}: the host side failed (status {run.returncode}): "
                  + "\n".join(l for l in run.stderr.splitlines() if "fake-" not in l))
            return 1
        print(f"{family}: host side ok ({launches} launches, {copies} copies)")
        return 0

    _, ptxas, device = mode.split(":")
    exe = os.path.join(d, "model")
    subprocess.run([compile_, model, "-o", exe, "--target=cuda"], check=True)
    for arch in ["sm_90", "sm_80"]:
        ptx = os.path.join(d, f"kernels.{arch}.ptx")
        subprocess.run([compile_, model, "-o", ptx, "--target=cuda", "--emit=ptx",
                        f"--gpu-arch={arch}"], check=True)
        with open(ptx) as f:
            entries = sum(1 for line in f if line.startswith(".visible .entry"))
        if not entries:
            print(f"{family} {arch}: no kernels in the PTX")
            return 1
        subprocess.run([ptxas, f"-arch={arch}", ptx, "-o", ptx + ".cubin"], check=True)
        print(f"{family} {arch}: ptxas ok")
    run = subprocess.run(run_args(exe, d), capture_output=True, text=True)
    if device == "device":
        sys.stderr.write(run.stderr)
        if run.returncode != 0:
            print(f"{family}: the CUDA executable failed with status {run.returncode}")
            return 1
        return compare(d)
    if run.returncode == 1 and "error: " in run.stderr and "CUDA" in run.stderr:
        print(f"{family}: no device: clean exit 1")
        return 0
    print(f"{family}: without a GPU the executable returned {run.returncode}: {run.stderr}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
