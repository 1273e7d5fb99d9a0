// One of each contraction, for the work count of --report (multiply-adds):
// linear 2*16*256*64 = 524288, matmul 4*16*8 = 512, conv 4*6*6 * 3*3*3 = 3888,
// einsum 4*8*2 = 64, attention 2 heads * 4 queries * 6 keys * (8+8) = 768,
// causal attention 2 * (1+2+3+4) * 16 = 320; 529840 in all, 1059680 flops.
func.func @main_graph(%x: tensor<2x16x64xf32> {tessera.name = "x"}, %w: tensor<256x64xf32> {tessera.name = "w"},
                      %a: tensor<4x8xf32> {tessera.name = "a"}, %b: tensor<8x16xf32> {tessera.name = "b"},
                      %img: tensor<1x3x8x8xf32> {tessera.name = "img"}, %f: tensor<4x3x3x3xf32> {tessera.name = "f"},
                      %e: tensor<8x2xf32> {tessera.name = "e"},
                      %q: tensor<1x2x4x8xf32> {tessera.name = "q"}, %k: tensor<1x2x6x8xf32> {tessera.name = "k"})
    -> (tensor<2x16x256xf32> {tessera.name = "l"}, tensor<4x16xf32> {tessera.name = "m"},
        tensor<1x4x6x6xf32> {tessera.name = "c"}, tensor<4x2xf32> {tessera.name = "s"},
        tensor<1x2x4x8xf32> {tessera.name = "o"}, tensor<1x2x4x8xf32> {tessera.name = "oc"}) {
  %l = tessera.linear %x, %w {transpose_weight = true} : (tensor<2x16x64xf32>, tensor<256x64xf32>) -> tensor<2x16x256xf32>
  %m = tessera.matmul %a, %b : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %c = tessera.conv %img, %f {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  %s = tessera.einsum %a, %e {equation = "ij,jk->ik"} : (tensor<4x8xf32>, tensor<8x2xf32>) -> tensor<4x2xf32>
  %o = tessera.attention %q, %k, %k {scale = 0.125 : f64, causal = false, mask_kind = "none"} : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32>) -> tensor<1x2x4x8xf32>
  %oc = tessera.attention %q, %k, %k {scale = 0.125 : f64, causal = true, mask_kind = "none"} : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32>) -> tensor<1x2x4x8xf32>
  // Generated code (the other contractions are runtime calls): one kernel.
  %cr = tessera.abs %c : tensor<1x4x6x6xf32>
  return %l, %m, %cr, %s, %o, %oc : tensor<2x16x256xf32>, tensor<4x16xf32>, tensor<1x4x6x6xf32>, tensor<4x2xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
}
