// More elementwise float math: trigonometric and hyperbolic functions and
// their inverses (ONNX Tan, Asin, ..., Atanh).
#ifndef TESSERA_MATH_OPS_TD
#define TESSERA_MATH_OPS_TD

def Tessera_TanOp : Tessera_UnaryOp<"tan", Tessera_FloatTensor, "tan(x)">;
def Tessera_AsinOp : Tessera_UnaryOp<"asin", Tessera_FloatTensor, "asin(x)">;
def Tessera_AcosOp : Tessera_UnaryOp<"acos", Tessera_FloatTensor, "acos(x)">;
def Tessera_AtanOp : Tessera_UnaryOp<"atan", Tessera_FloatTensor, "atan(x)">;
def Tessera_SinhOp : Tessera_UnaryOp<"sinh", Tessera_FloatTensor, "sinh(x)">;
def Tessera_CoshOp : Tessera_UnaryOp<"cosh", Tessera_FloatTensor, "cosh(x)">;
def Tessera_AsinhOp : Tessera_UnaryOp<"asinh", Tessera_FloatTensor, "asinh(x)">;
def Tessera_AcoshOp : Tessera_UnaryOp<"acosh", Tessera_FloatTensor, "acosh(x)">;
def Tessera_AtanhOp : Tessera_UnaryOp<"atanh", Tessera_FloatTensor, "atanh(x)">;

#endif // TESSERA_MATH_OPS_TD
