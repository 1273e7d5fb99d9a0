// RUN: tessera-opt %s -split-input-file -verify-diagnostics
// Verifier errors of the SSM ops.

func.func @scan_rank(%x: tensor<5x8xf32>, %A: tensor<8x4xf32>, %B: tensor<5x4xf32>) {
  // expected-error @+1 {{x must be [Bt, L, D] (rank 3)}}
  %y, %s = tessera.selective_scan %x, %x, %A, %B, %B : (tensor<5x8xf32>, tensor<5x8xf32>, tensor<8x4xf32>, tensor<5x4xf32>, tensor<5x4xf32>) -> (tensor<5x8xf32>, tensor<8x4xf32>)
  return
}

// -----

func.func @scan_non_diagonal(%x: tensor<1x5x8xf32>, %A: tensor<8x4x4xf32>, %B: tensor<1x5x4xf32>) {
  // expected-error @+1 {{A must be [D, N] with D = 8 (diagonal state matrix per channel)}}
  %y, %s = tessera.selective_scan %x, %x, %A, %B, %B : (tensor<1x5x8xf32>, tensor<1x5x8xf32>, tensor<8x4x4xf32>, tensor<1x5x4xf32>, tensor<1x5x4xf32>) -> (tensor<1x5x8xf32>, tensor<1x8x4xf32>)
  return
}

// -----

func.func @scan_b(%x: tensor<1x5x8xf32>, %A: tensor<8x4xf32>, %B: tensor<1x4x4xf32>) {
  // expected-error @+1 {{B must be 'tensor<1x5x4xf32>' (selective) or 'tensor<8x4xf32>' (time-invariant), found 'tensor<1x4x4xf32>'}}
  %y, %s = tessera.selective_scan %x, %x, %A, %B, %B : (tensor<1x5x8xf32>, tensor<1x5x8xf32>, tensor<8x4xf32>, tensor<1x4x4xf32>, tensor<1x4x4xf32>) -> (tensor<1x5x8xf32>, tensor<1x8x4xf32>)
  return
}

// -----

func.func @scan_state(%x: tensor<1x5x8xf32>, %A: tensor<8x4xf32>, %B: tensor<1x5x4xf32>) {
  // expected-error @+1 {{result final_state must be 'tensor<1x8x4xf32>', found 'tensor<1x4x8xf32>'}}
  %y, %s = tessera.selective_scan %x, %x, %A, %B, %B : (tensor<1x5x8xf32>, tensor<1x5x8xf32>, tensor<8x4xf32>, tensor<1x5x4xf32>, tensor<1x5x4xf32>) -> (tensor<1x5x8xf32>, tensor<1x4x8xf32>)
  return
}

// -----

func.func @scan_skip(%x: tensor<1x5x8xf32>, %A: tensor<8x4xf32>, %B: tensor<1x5x4xf32>, %D: tensor<4xf32>) {
  // expected-error @+1 {{D must be 'tensor<8xf32>', found 'tensor<4xf32>'}}
  %y, %s = tessera.selective_scan %x, %x, %A, %B, %B D %D : (tensor<1x5x8xf32>, tensor<1x5x8xf32>, tensor<8x4xf32>, tensor<1x5x4xf32>, tensor<1x5x4xf32>, tensor<4xf32>) -> (tensor<1x5x8xf32>, tensor<1x8x4xf32>)
  return
}

// -----

func.func @conv_weight(%x: tensor<1x8x16xf32>, %w: tensor<4x4xf32>) {
  // expected-error @+1 {{weight must be [C, K] with C = 8 (one filter per channel)}}
  %y = tessera.causal_conv1d %x, %w : (tensor<1x8x16xf32>, tensor<4x4xf32>) -> tensor<1x8x16xf32>
  return
}

// -----

func.func @conv_weight_channels_last(%x: tensor<1x16x8xf32>, %w: tensor<16x4xf32>) {
  // expected-error @+1 {{weight must be [C, K] with C = 8 (one filter per channel)}}
  %y = tessera.causal_conv1d %x, %w {channels_last} : (tensor<1x16x8xf32>, tensor<16x4xf32>) -> tensor<1x16x8xf32>
  return
}

// -----

func.func @conv_rank_channels_last(%x: tensor<16x8xf32>, %w: tensor<8x4xf32>) {
  // expected-error @+1 {{input must be [Bt, L, C] (rank 3), found 'tensor<16x8xf32>'}}
  %y = tessera.causal_conv1d %x, %w {channels_last} : (tensor<16x8xf32>, tensor<8x4xf32>) -> tensor<16x8xf32>
  return
}

// -----

func.func @conv_activation(%x: tensor<1x8x16xf32>, %w: tensor<8x4xf32>) {
  // expected-error @+1 {{unknown activation 'swish'}}
  %y = tessera.causal_conv1d %x, %w {activation = "swish"} : (tensor<1x8x16xf32>, tensor<8x4xf32>) -> tensor<1x8x16xf32>
  return
}

// -----

func.func @conv_dilation(%x: tensor<1x8x16xf32>, %w: tensor<8x4xf32>) {
  // expected-error @+1 {{dilation must be >= 1, found 0}}
  %y = tessera.causal_conv1d %x, %w {dilation = 0 : i64} : (tensor<1x8x16xf32>, tensor<8x4xf32>) -> tensor<1x8x16xf32>
  return
}

// -----

func.func @linattn_value(%q: tensor<1x2x6x4xf32>, %v: tensor<1x2x5x8xf32>) {
  // expected-error @+1 {{value must be 'tensor<1x2x6x8xf32>', found 'tensor<1x2x5x8xf32>'}}
  %o, %s = tessera.linear_attention %q, %q, %v : (tensor<1x2x6x4xf32>, tensor<1x2x6x4xf32>, tensor<1x2x5x8xf32>) -> (tensor<1x2x6x8xf32>, tensor<1x2x4x8xf32>)
  return
}

// -----

func.func @linattn_gate(%q: tensor<1x2x6x4xf32>, %v: tensor<1x2x6x8xf32>, %g: tensor<1x2x6x8xf32>) {
  // expected-error @+1 {{gate [B, H, T, 1] or must be 'tensor<1x2x6x4xf32>', found 'tensor<1x2x6x8xf32>'}}
  %o, %s = tessera.linear_attention %q, %q, %v gate %g : (tensor<1x2x6x4xf32>, tensor<1x2x6x4xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32>) -> (tensor<1x2x6x8xf32>, tensor<1x2x4x8xf32>)
  return
}

// -----

func.func @linattn_eps(%q: tensor<1x2x6x4xf32>, %v: tensor<1x2x6x8xf32>) {
  // expected-error @+1 {{epsilon must be >= 0}}
  %o, %s = tessera.linear_attention %q, %q, %v {epsilon = -1.0 : f64} : (tensor<1x2x6x4xf32>, tensor<1x2x6x4xf32>, tensor<1x2x6x8xf32>) -> (tensor<1x2x6x8xf32>, tensor<1x2x4x8xf32>)
  return
}
