// RUN: tessera-opt %s -split-input-file --tessera-gpu-expand-kernels -verify-diagnostics

// The mask operand is missing: not the kernel's ABI.
func.func @attention_operands(%q: memref<1x2x4x8xf32>, %o: memref<1x2x4x8xf32>) {
  // expected-error @+1 {{tessera_attention_f32 expects q, k, v, mask (rank 4, f32), one output and the scalars (scale : f32, flags : i64)}}
  tessera.call_kernel "tessera_attention_f32" ins(%q, %q, %q : memref<1x2x4x8xf32>, memref<1x2x4x8xf32>, memref<1x2x4x8xf32>) outs(%o : memref<1x2x4x8xf32>) {scalars = [0.25 : f32, 0 : i64]}
  return
}

// -----

// The scale given as an integer.
func.func @attention_scalars(%q: memref<1x2x4x8xf32>, %o: memref<1x2x4x8xf32>) {
  // expected-error @+1 {{tessera_attention_f32 expects q, k, v, mask}}
  tessera.call_kernel "tessera_attention_f32" ins(%q, %q, %q, %q : memref<1x2x4x8xf32>, memref<1x2x4x8xf32>, memref<1x2x4x8xf32>, memref<1x2x4x8xf32>) outs(%o : memref<1x2x4x8xf32>) {scalars = [1 : i64, 0 : i64]}
  return
}

// -----

func.func @attention_flags(%q: memref<1x2x4x8xf32>, %o: memref<1x2x4x8xf32>) {
  // expected-error @+1 {{tessera_attention_f32: unknown flags 16}}
  tessera.call_kernel "tessera_attention_f32" ins(%q, %q, %q, %q : memref<1x2x4x8xf32>, memref<1x2x4x8xf32>, memref<1x2x4x8xf32>, memref<1x2x4x8xf32>) outs(%o : memref<1x2x4x8xf32>) {scalars = [0.25 : f32, 16 : i64]}
  return
}

// -----

func.func @attention_padding_without_mask(%q: memref<1x2x4x8xf32>, %o: memref<1x2x4x8xf32>) {
  // expected-error @+1 {{tessera_attention_f32: padding queries need the mask (flags 2)}}
  tessera.call_kernel "tessera_attention_f32" ins(%q, %q, %q, %q : memref<1x2x4x8xf32>, memref<1x2x4x8xf32>, memref<1x2x4x8xf32>, memref<1x2x4x8xf32>) outs(%o : memref<1x2x4x8xf32>) {scalars = [0.25 : f32, 8 : i64]}
  return
}

// -----

// An f64 attention has no kernel.
func.func @attention_f64(%q: memref<1x2x4x8xf64>, %o: memref<1x2x4x8xf64>) {
  // expected-error @+1 {{tessera_attention_f32 expects q, k, v, mask (rank 4, f32)}}
  tessera.call_kernel "tessera_attention_f32" ins(%q, %q, %q, %q : memref<1x2x4x8xf64>, memref<1x2x4x8xf64>, memref<1x2x4x8xf64>, memref<1x2x4x8xf64>) outs(%o : memref<1x2x4x8xf64>) {scalars = [0.25 : f32, 0 : i64]}
  return
}

// -----

// B as a rank-2 [D, N] (per channel must come as [1, D, N]).
func.func @scan_operands(%x: memref<2x5x6xf32>, %a: memref<6x4xf32>, %d: memref<6xf32>, %h: memref<2x6x4xf32>) {
  // expected-error @+1 {{tessera_selective_scan_f32 expects x, delta, A, B, C, Dskip, z, deltaBias, h0 (ranks 3, 3, 2, 3, 3, 1, 3, 1, 3; f32), y, hLast and the scalar (flags : i64)}}
  tessera.call_kernel "tessera_selective_scan_f32" ins(%x, %x, %a, %a, %a, %d, %x, %d, %h : memref<2x5x6xf32>, memref<2x5x6xf32>, memref<6x4xf32>, memref<6x4xf32>, memref<6x4xf32>, memref<6xf32>, memref<2x5x6xf32>, memref<6xf32>, memref<2x6x4xf32>) outs(%x, %h : memref<2x5x6xf32>, memref<2x6x4xf32>) {scalars = [0 : i64]}
  return
}

// -----

func.func @scan_flags(%x: memref<2x5x6xf32>, %a: memref<6x4xf32>, %b: memref<2x5x4xf32>, %d: memref<6xf32>, %h: memref<2x6x4xf32>) {
  // expected-error @+1 {{tessera_selective_scan_f32: unknown flags 32}}
  tessera.call_kernel "tessera_selective_scan_f32" ins(%x, %x, %a, %b, %b, %d, %x, %d, %h : memref<2x5x6xf32>, memref<2x5x6xf32>, memref<6x4xf32>, memref<2x5x4xf32>, memref<2x5x4xf32>, memref<6xf32>, memref<2x5x6xf32>, memref<6xf32>, memref<2x6x4xf32>) outs(%x, %h : memref<2x5x6xf32>, memref<2x6x4xf32>) {scalars = [32 : i64]}
  return
}

// -----

// A norm's input must be its rows (rank 2).
func.func @norm_rank(%x: memref<2x3x4xf32>, %g: memref<4xf32>) {
  // expected-error @+1 {{tessera_layer_norm_f32 expects x (rank 2), scale, bias (rank 1; f32), one output and the scalars (epsilon : f32, flags : i64)}}
  tessera.call_kernel "tessera_layer_norm_f32" ins(%x, %g, %g : memref<2x3x4xf32>, memref<4xf32>, memref<4xf32>) outs(%x : memref<2x3x4xf32>) {scalars = [1.0e-05 : f32, 0 : i64]}
  return
}

// -----

func.func @norm_flags(%x: memref<3x4xf32>, %g: memref<4xf32>) {
  // expected-error @+1 {{tessera_rms_norm_f32: unknown flags 2}}
  tessera.call_kernel "tessera_rms_norm_f32" ins(%x, %g, %g : memref<3x4xf32>, memref<4xf32>, memref<4xf32>) outs(%x : memref<3x4xf32>) {scalars = [1.0e-05 : f32, 2 : i64]}
  return
}

// -----

// Still on tensors: the pass runs after bufferization.
func.func @tensors(%q: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{expects a kernel call on buffers (bufferize first)}}
  %r = tessera.call_kernel "tessera_attention_f32" ins(%q, %q, %q, %q : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) outs(%q : tensor<1x2x4x8xf32>) {scalars = [0.25 : f32, 0 : i64]} -> tensor<1x2x4x8xf32>
  return %r : tensor<1x2x4x8xf32>
}
