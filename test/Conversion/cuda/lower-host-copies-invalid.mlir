// RUN: tessera-opt %s --tessera-gpu-lower-host-copies -verify-diagnostics

// A staging copy from a strided view is not one block of bytes.
func.func @strided(%x: memref<4xf32, strided<[2]>>) {
  %d = memref.alloc() : memref<4xf32>
  // expected-error @+1 {{a staging copy needs buffers of identity layout}}
  memref.copy %x, %d {tessera.host_copy} : memref<4xf32, strided<[2]>> to memref<4xf32>
  return
}
