// An elementwise op and a row softmax at the tessera level: kernels only,
// no GEMM (so it runs end to end against the fake CUDA driver).
func.func @main_graph(%x: tensor<4x8xf32> {tessera.name = "x"}) -> (tensor<4x8xf32> {tessera.name = "y"}) {
  %e = tessera.exp %x : tensor<4x8xf32>
  %y = tessera.softmax %e {axis = 1 : i64} : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
