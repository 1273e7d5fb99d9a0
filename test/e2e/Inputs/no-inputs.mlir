// A model without inputs.
func.func @main_graph() -> (tensor<2xf32> {tessera.name = "k"}) {
  %c = arith.constant dense<[4.0, 5.0]> : tensor<2xf32>
  return %c : tensor<2xf32>
}
