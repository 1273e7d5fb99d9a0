// Resampling: ONNX Resize in nearest, (multi-)linear and (multi-)cubic modes.
#ifndef TESSERA_RESIZE_OPS_TD
#define TESSERA_RESIZE_OPS_TD

def Tessera_ResizeOp : Tessera_Op<"resize",
    [Pure, AllElementTypesMatch<["input", "result"]>]> {
  let summary = "Resample with nearest, linear or cubic interpolation (ONNX Resize)";
  let description = [{
    Each output index `x` of dimension `d` maps to an input coordinate by
    `coordinate_transformation_mode` with the scale `scales[d]`:
    `half_pixel` `(x + 0.5) / s - 0.5`, `pytorch_half_pixel` the same but 0
    for an output of size 1, `align_corners` `x * (in - 1) / (out - 1)`,
    `asymmetric` `x / s`, `tf_half_pixel_for_nn` `(x + 0.5) / s`,
    `tf_crop_and_resize` `start * (in - 1) + x * (end - start) * (in - 1) /
    (out - 1)` (`(end - start) * (in - 1) / 2` added to the start for an
    output of size 1) with `start = roi[d]`, `end = roi[rank + d]`; an
    element whose coordinate falls outside `[0, in - 1]` in any dimension is
    `extrapolation_value`. `roi` is required by, and only allowed with,
    `tf_crop_and_resize`. (`out` is the result's size, except for
    `tf_crop_and_resize`, where it is `in * s` unrounded, as in ONNX's
    Python reference.)

    `nearest` rounds the coordinate by `nearest_mode` (`round_prefer_floor`,
    `round_prefer_ceil`, `floor`, `ceil`); `linear` interpolates between the
    two neighbours in every dimension; `cubic` convolves the four neighbours
    `floor(x) - 1 .. floor(x) + 2` in every dimension with the cubic kernel
    of coefficient `cubic_coeff_a`. Reads outside the input clamp to its edge;
    with `exclude_outside` the weights of such reads are instead zero and the
    others renormalized to sum to 1.

    ```mlir
    %y = tessera.resize %x {mode = "linear", coordinate_transformation_mode = "half_pixel", scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : tensor<1x3x4x4xf32> to tensor<1x3x8x8xf32>
    %z = tessera.resize %x {mode = "cubic", coordinate_transformation_mode = "half_pixel", cubic_coeff_a = -5.000000e-01, exclude_outside = true, scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : tensor<1x3x4x4xf32> to tensor<1x3x8x8xf32>
    ```
  }];
  let arguments = (ins Tessera_FloatTensor:$input, DenseF64ArrayAttr:$scales,
                       StrAttr:$mode, StrAttr:$coordinate_transformation_mode,
                       DefaultValuedStrAttr<StrAttr, "round_prefer_floor">:$nearest_mode,
                       DefaultValuedAttr<F64Attr, "-0.75">:$cubic_coeff_a,
                       DefaultValuedAttr<BoolAttr, "false">:$exclude_outside,
                       OptionalAttr<DenseF64ArrayAttr>:$roi,
                       DefaultValuedAttr<F64Attr, "0.0">:$extrapolation_value);
  let results = (outs Tessera_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
}

#endif // TESSERA_RESIZE_OPS_TD
