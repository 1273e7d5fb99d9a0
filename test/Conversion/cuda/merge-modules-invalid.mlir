// RUN: tessera-opt %s --tessera-gpu-merge-modules -verify-diagnostics

// A module with anything but one kernel is not gpu-kernel-outlining's and is
// not merged.
module attributes {gpu.container_module} {
  gpu.module @a {
    gpu.func @k(%arg0: memref<8xf32>) kernel {
      gpu.return
    }
  }
  // expected-error @+1 {{cannot merge a gpu.module that is not one kernel}}
  gpu.module @b {
    gpu.func @k1(%arg0: memref<8xf32>) kernel {
      gpu.return
    }
    gpu.func @k2(%arg0: memref<8xf32>) kernel {
      gpu.return
    }
  }
}
