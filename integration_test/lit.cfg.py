# -*- Python -*-
# GPU integration tests: compile with bwta-opt, run the kernels on a CUDA
# GPU (CuPy's module loader), compare bit for bit with numpy. They need the
# `cuda` feature: a visible NVIDIA GPU and CuPy. Without one (CI) lit reports
# them as UNSUPPORTED.
import os
import shutil
import subprocess

import lit.formats
from lit.llvm import llvm_config

config.name = "BWTA-GPU"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.bwta_obj_root, "integration_test")
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "plane_matmul.mlir"]


def has_cuda():
    if not shutil.which("nvidia-smi"):
        return False
    try:
        subprocess.run(["nvidia-smi", "-L"], check=True, capture_output=True, timeout=30)
        subprocess.run([config.python_executable, "-c", "import cupy"], check=True,
                       capture_output=True, timeout=60)
    except Exception:
        return False
    return True


if has_cuda():
    config.available_features.add("cuda")

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
config.substitutions.append(("%python", config.python_executable))
llvm_config.add_tool_substitutions(["bwta-opt"], [config.bwta_tools_dir])
