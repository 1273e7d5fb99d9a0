// RUN: tessera-opt %s -split-input-file --tessera-gpu-merge-modules | FileCheck %s

// Two outlined kernels of the same name in two modules become two kernels,
// named after their modules, in one module; the launches follow.
// CHECK-LABEL: func.func @main_graph(
// CHECK: gpu.launch_func @tessera_kernels::@main_graph_kernel blocks
// CHECK: gpu.launch_func @tessera_kernels::@main_graph_kernel_0 blocks
// CHECK: gpu.module @tessera_kernels {
// CHECK:   gpu.func @main_graph_kernel(%{{.*}}: memref<8xf32>) kernel
// CHECK:   gpu.func @main_graph_kernel_0(%{{.*}}: memref<8xf32>) kernel
// CHECK-NOT: gpu.module
module attributes {gpu.container_module} {
  func.func @main_graph(%x: memref<8xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @main_graph_kernel::@main_graph_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<8xf32>)
    gpu.launch_func @main_graph_kernel_0::@main_graph_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<8xf32>)
    return
  }
  gpu.module @main_graph_kernel {
    gpu.func @main_graph_kernel(%arg0: memref<8xf32>) kernel {
      gpu.return
    }
  }
  gpu.module @main_graph_kernel_0 {
    gpu.func @main_graph_kernel(%arg0: memref<8xf32>) kernel {
      gpu.return
    }
  }
}

// -----

// One module: nothing to do.
// CHECK-LABEL: func.func @one(
// CHECK: gpu.launch_func @single::@k blocks
// CHECK: gpu.module @single
module attributes {gpu.container_module} {
  func.func @one(%x: memref<8xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @single::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<8xf32>)
    return
  }
  gpu.module @single {
    gpu.func @k(%arg0: memref<8xf32>) kernel {
      gpu.return
    }
  }
}
