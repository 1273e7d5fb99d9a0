// Ops of the tessera dialect. Shapes are static; every verifier states what it
// expected and what it found.
#ifndef TESSERA_OPS_TD
#define TESSERA_OPS_TD

include "TesseraDialect.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

// Result shape is the numpy broadcast of all operand shapes.
def Tessera_NumpyBroadcast : NativeOpTrait<"NumpyBroadcast"> {
  let cppNamespace = "::mlir::tessera::OpTrait";
}

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def Tessera_ConstantOp : Tessera_Op<"constant", [ConstantLike, Pure, AllTypesMatch<["value", "result"]>]> {
  let summary = "A constant tensor (weights are dense resources)";
  let description = [{
    Holds a constant tensor. Weights imported from ONNX initializers use
    `dense_resource` so they are never copied element by element into the IR.

    ```mlir
    %w = tessera.constant dense<1.0> : tensor<4x4xf32>
    %b = tessera.constant dense_resource<bias> : tensor<4xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Tessera_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise unary
//===----------------------------------------------------------------------===//

class Tessera_UnaryOp<string mnemonic, Type type, string semantics>
    : Tessera_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let summary = "Elementwise " # mnemonic;
  let description = "Applies `" # semantics # "` to every element; the result "
                    # "has the operand's type.\n\n```mlir\n%y = tessera." # mnemonic
                    # " %x : tensor<2x8xf32>\n```";
  let arguments = (ins type:$input);
  let results = (outs type:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Tessera_AbsOp : Tessera_UnaryOp<"abs", Tessera_Tensor, "|x|">;
def Tessera_NegOp : Tessera_UnaryOp<"neg", Tessera_Tensor, "-x">;
def Tessera_SignOp : Tessera_UnaryOp<"sign", Tessera_Tensor, "sign(x) in {-1, 0, 1}">;
def Tessera_ExpOp : Tessera_UnaryOp<"exp", Tessera_FloatTensor, "e^x">;
def Tessera_LogOp : Tessera_UnaryOp<"log", Tessera_FloatTensor, "ln(x)">;
def Tessera_SqrtOp : Tessera_UnaryOp<"sqrt", Tessera_FloatTensor, "sqrt(x)">;
def Tessera_RsqrtOp : Tessera_UnaryOp<"rsqrt", Tessera_FloatTensor, "1 / sqrt(x)">;
def Tessera_ReciprocalOp : Tessera_UnaryOp<"reciprocal", Tessera_FloatTensor, "1 / x">;
def Tessera_TanhOp : Tessera_UnaryOp<"tanh", Tessera_FloatTensor, "tanh(x)">;
def Tessera_SigmoidOp : Tessera_UnaryOp<"sigmoid", Tessera_FloatTensor, "1 / (1 + e^-x)">;
def Tessera_ReluOp : Tessera_UnaryOp<"relu", Tessera_Tensor, "max(x, 0)">;
def Tessera_ErfOp : Tessera_UnaryOp<"erf", Tessera_FloatTensor, "erf(x)">;
def Tessera_SinOp : Tessera_UnaryOp<"sin", Tessera_FloatTensor, "sin(x)">;
def Tessera_CosOp : Tessera_UnaryOp<"cos", Tessera_FloatTensor, "cos(x)">;
def Tessera_SoftplusOp : Tessera_UnaryOp<"softplus", Tessera_FloatTensor, "ln(1 + e^x)">;
def Tessera_FloorOp : Tessera_UnaryOp<"floor", Tessera_FloatTensor, "floor(x)">;
def Tessera_CeilOp : Tessera_UnaryOp<"ceil", Tessera_FloatTensor, "ceil(x)">;
def Tessera_RoundOp : Tessera_UnaryOp<"round", Tessera_FloatTensor, "round half to even">;
def Tessera_GeluOp : Tessera_UnaryOp<"gelu", Tessera_FloatTensor, "x * (1 + erf(x / sqrt 2)) / 2">;
def Tessera_SiluOp : Tessera_UnaryOp<"silu", Tessera_FloatTensor, "x * sigmoid(x)">;
def Tessera_HardSwishOp : Tessera_UnaryOp<"hardswish", Tessera_FloatTensor,
                                          "x * min(max(x + 3, 0), 6) / 6">;
def Tessera_NotOp : Tessera_UnaryOp<"not", Tessera_BoolTensor, "logical not">;

//===----------------------------------------------------------------------===//
// Elementwise binary with numpy broadcasting
//===----------------------------------------------------------------------===//

class Tessera_BinaryOp<string mnemonic, string semantics, Type type = Tessera_Tensor>
    : Tessera_Op<mnemonic, [Pure, Tessera_NumpyBroadcast,
                            AllElementTypesMatch<["lhs", "rhs", "result"]>]> {
  let summary = "Elementwise " # mnemonic # " with numpy broadcasting";
  let description = "Computes `" # semantics # "` elementwise. Operand shapes "
      # "broadcast as in numpy; the result shape is the broadcast shape.\n\n"
      # "```mlir\n%z = tessera." # mnemonic # " %x, %y : (tensor<2x8xf32>, "
      # "tensor<8xf32>) -> tensor<2x8xf32>\n```";
  let arguments = (ins type:$lhs, type:$rhs);
  let results = (outs type:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def Tessera_AddOp : Tessera_BinaryOp<"add", "x + y"> { let hasFolder = 1; }
def Tessera_SubOp : Tessera_BinaryOp<"sub", "x - y">;
def Tessera_MulOp : Tessera_BinaryOp<"mul", "x * y"> { let hasFolder = 1; }
def Tessera_DivOp : Tessera_BinaryOp<"div", "x / y (integers truncate toward zero)">;
def Tessera_PowOp : Tessera_BinaryOp<"pow", "x ^ y", Tessera_FloatTensor>;
def Tessera_MaxOp : Tessera_BinaryOp<"max", "max(x, y)">;
def Tessera_MinOp : Tessera_BinaryOp<"min", "min(x, y)">;
def Tessera_AndOp : Tessera_BinaryOp<"and", "x and y", Tessera_BoolTensor>;
def Tessera_OrOp : Tessera_BinaryOp<"or", "x or y", Tessera_BoolTensor>;
def Tessera_XorOp : Tessera_BinaryOp<"xor", "x xor y", Tessera_BoolTensor>;

def Tessera_ModOp : Tessera_Op<"mod", [Pure, Tessera_NumpyBroadcast,
                                       AllElementTypesMatch<["lhs", "rhs", "result"]>]> {
  let summary = "Elementwise remainder with numpy broadcasting";
  let description = [{
    With `fmod = false` the remainder takes the sign of the divisor (Python's
    `%`); with `fmod = true` it takes the sign of the dividend (C's `fmod`).

    ```mlir
    %r = tessera.mod %x, %y {fmod = false} : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
    ```
  }];
  let arguments = (ins Tessera_Tensor:$lhs, Tessera_Tensor:$rhs,
                       DefaultValuedAttr<BoolAttr, "false">:$fmod);
  let results = (outs Tessera_Tensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

class Tessera_CompareOp<string mnemonic, string semantics>
    : Tessera_Op<mnemonic, [Pure, Tessera_NumpyBroadcast,
                            AllElementTypesMatch<["lhs", "rhs"]>]> {
  let summary = "Elementwise comparison " # mnemonic # " with numpy broadcasting";
  let description = "Computes `" # semantics # "` elementwise into an i1 tensor; "
      # "operands broadcast as in numpy.\n\n```mlir\n%m = tessera." # mnemonic
      # " %x, %y : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>\n```";
  let arguments = (ins Tessera_Tensor:$lhs, Tessera_Tensor:$rhs);
  let results = (outs Tessera_BoolTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def Tessera_EqualOp : Tessera_CompareOp<"equal", "x == y">;
def Tessera_LessOp : Tessera_CompareOp<"less", "x < y">;
def Tessera_LessEqualOp : Tessera_CompareOp<"less_equal", "x <= y">;
def Tessera_GreaterOp : Tessera_CompareOp<"greater", "x > y">;
def Tessera_GreaterEqualOp : Tessera_CompareOp<"greater_equal", "x >= y">;

def Tessera_WhereOp : Tessera_Op<"where", [Pure, Tessera_NumpyBroadcast,
                                           AllElementTypesMatch<["x", "y", "result"]>]> {
  let summary = "Elementwise select with numpy broadcasting";
  let description = [{
    `result = cond ? x : y`, all three operands broadcast together.

    ```mlir
    %r = tessera.where %c, %x, %y : (tensor<4x4xi1>, tensor<4x4xf32>, tensor<f32>) -> tensor<4x4xf32>
    ```
  }];
  let arguments = (ins Tessera_BoolTensor:$cond, Tessera_Tensor:$x, Tessera_Tensor:$y);
  let results = (outs Tessera_Tensor:$result);
  let assemblyFormat = "$cond `,` $x `,` $y attr-dict `:` functional-type(operands, results)";
}

def Tessera_CastOp : Tessera_Op<"cast", [Pure]> {
  let summary = "Elementwise element-type conversion";
  let description = [{
    Converts every element to the result's element type (same shape). Float to
    integer truncates toward zero; to i1 is `x != 0`.

    ```mlir
    %i = tessera.cast %x : tensor<4xf32> to tensor<4xi64>
    ```
  }];
  let arguments = (ins Tessera_Tensor:$input);
  let results = (outs Tessera_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Tessera_ClampOp : Tessera_Op<"clamp", [Pure, SameOperandsAndResultType]> {
  let summary = "Clamp every element into [min, max]";
  let description = [{
    `min(max(x, min), max)`; bounds are attributes (ONNX Clip with constant
    bounds). An absent bound leaves that side open.

    ```mlir
    %y = tessera.clamp %x {min = 0.0, max = 6.0} : tensor<8xf32>
    ```
  }];
  let arguments = (ins Tessera_Tensor:$input, OptionalAttr<F64Attr>:$min,
                       OptionalAttr<F64Attr>:$max);
  let results = (outs Tessera_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

include "TesseraTensorOps.td"
include "TesseraComputeOps.td"
include "TesseraCoverageOps.td"
include "TesseraFusedOps.td"
include "TesseraSsmOps.td"
include "TesseraQuantOps.td"
include "TesseraKernelOps.td"

#endif // TESSERA_OPS_TD
