// Two inputs of different dtypes and two outputs: input to python-runtime.test.
func.func @main_graph(%ids: tensor<2x3xi64> {tessera.name = "ids"}, %x: tensor<2x3xf32> {tessera.name = "x"}) -> (tensor<2x3xf32> {tessera.name = "sum"}, tensor<2x3xi64> {tessera.name = "twice"}) {
  %f = tessera.cast %ids : tensor<2x3xi64> to tensor<2x3xf32>
  %s = tessera.add %f, %x : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %t = tessera.add %ids, %ids : (tensor<2x3xi64>, tensor<2x3xi64>) -> tensor<2x3xi64>
  return %s, %t : tensor<2x3xf32>, tensor<2x3xi64>
}
