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
# system interpreter has.
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
config.substitutions.append(
    ("%tessera_runtime_link",
     os.path.join(config.tessera_obj_root, "lib", "libtessera_runtime.a")
     + " -lstdc++ -lm -lpthread -ldl"))
# Trained test models (test/models/trained_models.py) are cached here, across
# runs, keyed by the training script's hash.
config.substitutions.append(("%cache", os.path.join(config.tessera_obj_root, "test", "cache")))
