# lit configuration for Tessera's regression and end-to-end tests.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "Tessera"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "models", "lib", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.tessera_obj_root, "test")

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.tessera_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
tools = ["tessera-opt", "tessera-compile", "tessera-run"]
llvm_config.add_tool_substitutions(tools, [config.tessera_tools_dir])

# Test models and references come from Debian's torch/onnx, which only the
# system interpreter has. %runtime_python is the interpreter that loads compiled
# model libraries (python/tessera_runtime.py): in a sanitizer build it preloads
# the ASan runtime those libraries need.
python_rt = "/usr/bin/python3"
if config.tessera_sanitize:
    import subprocess
    asan = subprocess.run([config.tessera_c_compiler, "-print-file-name=libclang_rt.asan-x86_64.so"],
                          capture_output=True, text=True, check=True).stdout.strip()
    python_rt = f"env LD_PRELOAD={asan} ASAN_OPTIONS=detect_leaks=0 /usr/bin/python3"
config.substitutions.append(("%runtime_python", python_rt))
config.substitutions.append(("%python", "/usr/bin/python3"))
config.substitutions.append(("%testlib", os.path.join(config.test_source_root, "lib")))
config.environment["PYTHONPATH"] = os.path.join(config.test_source_root, "lib")
config.substitutions.append(("%tools", config.tessera_tools_dir))
config.substitutions.append(("%tessera_build", config.tessera_obj_root))
# C programs built against a compiled model: the runtime's header, and the
# runtime itself for the .npy I/O they use (a model library keeps its own
# copy private).
config.substitutions.append(
    ("%tessera_runtime_include", os.path.join(config.tessera_src_root, "runtime", "include")))
# %cc builds those programs: the build's clang in a sanitizer build (whose
# runtime needs the sanitizer runtimes at link time), else the system's cc.
runtime_link = (os.path.join(config.tessera_obj_root, "lib", "libtessera_runtime.a")
                + " -lstdc++ -lm -lpthread -ldl")
config.substitutions.append(("%cc", "cc"))
if config.tessera_sanitize:
    config.substitutions[-1] = ("%cc", config.tessera_c_compiler)
    runtime_link += " -fsanitize=address,undefined"
    # Every sanitizer report fails the test that triggered it.
    config.environment["ASAN_OPTIONS"] = "abort_on_error=0:halt_on_error=1"
    config.environment["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    config.available_features.add("sanitize")
# %limit_memory caps what the next command may allocate at 4 GiB: an address
# space limit, or under ASan (which reserves terabytes of shadow address
# space) the largest allocation it allows.
config.substitutions.append(
    ("%limit_memory",
     "env ASAN_OPTIONS=abort_on_error=0:halt_on_error=1:max_allocation_size_mb=4096"
     if config.tessera_sanitize else "ulimit -v 4194304;"))
config.substitutions.append(
    ("%conformance_sample", "--sample 4" if config.tessera_sanitize else ""))
config.substitutions.append(("%tessera_runtime_link", runtime_link))
# --target=cuda: executables link the CUDA runtime (built where the toolkit
# is); ptxas checks the kernels' PTX; running them needs an NVIDIA GPU and
# its driver (cuda-device), which the build machines do not have.
if config.tessera_cuda:
    config.available_features.add("cuda-runtime")
    # A fake libcuda.so.1 (test/unit/FakeCudaDriver.cpp) that runs no kernels.
    config.substitutions.append(
        ("%fake_cuda_dir", os.path.join(config.tessera_obj_root, "test", "fake-cuda")))
if config.tessera_ptxas and os.path.exists(config.tessera_ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", config.tessera_ptxas))


def _cuda_device():
    import ctypes
    try:
        cu = ctypes.CDLL("libcuda.so.1")
    except OSError:
        return False
    count = ctypes.c_int(0)
    return cu.cuInit(0) == 0 and cu.cuDeviceGetCount(ctypes.byref(count)) == 0 and count.value > 0


# The int8 GEMM's instructions: AVX-512 VNNI, else AVX2 with FMA
# (tessera-compile warns with neither).
try:
    with open("/proc/cpuinfo") as f:
        flags = f.read()
    if " avx512_vnni" in flags:
        config.available_features.add("avx512-vnni")
    # The kernel set tessera-compile picks sparse formats for (--sparsity=auto).
    if " avx512f" in flags:
        config.available_features.add("avx512f")
    if " avx512_vnni" in flags or (" avx2" in flags and " fma" in flags):
        config.available_features.add("int8-kernels")
except OSError:
    pass

if _cuda_device():
    config.available_features.add("cuda-device")
# Trained test models (test/models/trained_models.py) are cached here, across
# runs, keyed by the training script's hash.
config.substitutions.append(("%cache", os.path.join(config.tessera_obj_root, "test", "cache")))
