// Outputs that are an input, a constant, a rank-0 i64 and a transpose: copies
// into caller-allocated out-params.
func.func @main_graph(%x: tensor<2x3xf32> {tessera.name = "x"}, %s: tensor<i64> {tessera.name = "s"}) -> (tensor<2x3xf32> {tessera.name = "same"}, tensor<3xf32> {tessera.name = "const"}, tensor<i64> {tessera.name = "scalar"}, tensor<3x2xf32> {tessera.name = "t"}) {
  %c = arith.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %t = linalg.transpose ins(%x : tensor<2x3xf32>) outs(%e : tensor<3x2xf32>) permutation = [1, 0]
  return %x, %c, %s, %t : tensor<2x3xf32>, tensor<3xf32>, tensor<i64>, tensor<3x2xf32>
}
