// RUN: tessera-opt %s -split-input-file -tessera-quantize="mode=int8-static input-ranges=-1,3" -verify-diagnostics
// int8-static needs one range (two numbers) per layer it quantizes: too
// few and too many are errors.

// expected-error @+1 {{int8-static needs the input range (lo,hi) of each of the 2 layers it quantizes; input-ranges has 2 numbers}}
module {
  func.func @two(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
    %w = tessera.constant dense<0.5> : tensor<4x4xf32>
    %0 = tessera.linear %x, %w : (tensor<3x4xf32>, tensor<4x4xf32>) -> tensor<3x4xf32>
    %1 = tessera.linear %0, %w : (tensor<3x4xf32>, tensor<4x4xf32>) -> tensor<3x4xf32>
    return %1 : tensor<3x4xf32>
  }
}

// -----

// expected-error @+1 {{int8-static needs the input range (lo,hi) of each of the 0 layers it quantizes; input-ranges has 2 numbers}}
module {
  func.func @none(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
    return %x : tensor<3x4xf32>
  }
}
