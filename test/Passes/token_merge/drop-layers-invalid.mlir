// RUN: tessera-opt %s -split-input-file -tessera-drop-layers="attention=1" -verify-diagnostics

// One attention sublayer: there is no sublayer 1 to drop (a near miss:
// attention=0 drops it, drop-layers.mlir).
// expected-error @+1 {{tessera-drop-layers: no attention sublayer 1: the model has 1}}
func.func @one_layer(%x: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %wo = tessera.constant dense<0.2> : tensor<8x8xf32>
  %h = tessera.reshape %x : tensor<2x4x8xf32> to tensor<2x4x2x4xf32>
  %q = tessera.transpose %h {perm = array<i64: 0, 2, 1, 3>} : tensor<2x4x2x4xf32> to tensor<2x2x4x4xf32>
  %a = tessera.attention %q, %q, %q {scale = 0.5 : f64} : (tensor<2x2x4x4xf32>, tensor<2x2x4x4xf32>, tensor<2x2x4x4xf32>) -> tensor<2x2x4x4xf32>
  %t = tessera.transpose %a {perm = array<i64: 0, 2, 1, 3>} : tensor<2x2x4x4xf32> to tensor<2x4x2x4xf32>
  %o = tessera.reshape %t : tensor<2x4x2x4xf32> to tensor<2x4x8xf32>
  %r = tessera.linear %o, %wo residual %x : (tensor<2x4x8xf32>, tensor<8x8xf32>, tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  return %r : tensor<2x4x8xf32>
}

// -----

// An attention whose output is not added back to its input: no sublayer.
// expected-error @+1 {{tessera-drop-layers: no attention sublayer 1: the model has 0}}
func.func @no_residual(%q: tensor<2x2x4x4xf32>) -> tensor<2x2x4x4xf32> {
  %a = tessera.attention %q, %q, %q {scale = 0.5 : f64} : (tensor<2x2x4x4xf32>, tensor<2x2x4x4xf32>, tensor<2x2x4x4xf32>) -> tensor<2x2x4x4xf32>
  return %a : tensor<2x2x4x4xf32>
}
