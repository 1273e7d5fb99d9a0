// The same model at the tessera level, as the ONNX importer emits it.
func.func @main_graph(%x: tensor<4x8xf32> {tessera.name = "x"}) -> (tensor<4x16xf32> {tessera.name = "y"}) {
  %w = tessera.constant dense<0.5> : tensor<8x16xf32>
  %b = tessera.constant dense<0.25> : tensor<16xf32>
  %m = tessera.matmul %x, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %a = tessera.add %m, %b : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  %y = tessera.relu %a : tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}
