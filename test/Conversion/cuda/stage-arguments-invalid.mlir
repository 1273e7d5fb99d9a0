// RUN: tessera-opt %s -split-input-file --tessera-gpu-stage-arguments -verify-diagnostics

// A strided argument cannot be copied as one block.
// expected-error @+1 {{argument #0 has a non-identity layout ('memref<4xf32, strided<[2]>>'): cannot stage it for the GPU}}
func.func @strided(%x: memref<4xf32, strided<[2]>>) {
  %c0 = arith.constant 0 : index
  %v = memref.load %x[%c0] : memref<4xf32, strided<[2]>>
  return
}

// -----

// A function of several blocks: the copies back would need one per exit.
// expected-error @+1 {{cannot stage the arguments of a function with several blocks for the GPU}}
func.func @blocks(%x: memref<4xf32>, %c: i1) {
  cf.cond_br %c, ^a, ^b
^a:
  return
^b:
  return
}
