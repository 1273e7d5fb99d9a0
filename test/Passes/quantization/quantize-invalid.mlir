// RUN: tessera-opt %s -split-input-file -tessera-quantize="mode=w3" -verify-diagnostics
// RUN: tessera-opt %s -split-input-file -tessera-quantize="mode=w4 group-size=48" -verify-diagnostics
// RUN: tessera-opt %s -split-input-file -tessera-quantize="mode=int8 group-size=32" -verify-diagnostics
// RUN: tessera-opt %s -split-input-file -tessera-quantize="mode=int8-static group-size=32" -verify-diagnostics
// RUN: tessera-opt %s -split-input-file -tessera-quantize="mode=int8 input-ranges=0,1" -verify-diagnostics
// Modes and group sizes tessera-quantize does not have are errors, and so
// are input ranges for a mode other than int8-static.

// expected-error @+1 {{tessera-quantize: unsupported mode}}
module {
  func.func @f(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
    return %x : tensor<3x4xf32>
  }
}
