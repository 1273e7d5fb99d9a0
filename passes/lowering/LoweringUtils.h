// Helpers shared by the tessera -> linalg lowering patterns: empty/filled
// tensors, scalar constants, broadcasting maps and reshapes that add or drop
// unit dimensions.
#ifndef TESSERA_PASSES_LOWERING_LOWERINGUTILS_H
#define TESSERA_PASSES_LOWERING_LOWERINGUTILS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

namespace mlir::tessera::lowering {

using BodyFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;

inline bool isFloat(Type t) { return isa<FloatType>(t); }
inline bool isBool(Type t) { return t.isInteger(1); }

/// A scalar constant of `type` (float or integer) holding `value`.
Value scalarConstant(OpBuilder &b, Location loc, Type type, double value);
/// The lowest (or highest) value of `type`: -inf/+inf for floats, the signed
/// minimum/maximum for integers, false/true for i1.
Value lowestValue(OpBuilder &b, Location loc, Type type);
Value highestValue(OpBuilder &b, Location loc, Type type);

/// The code of a fused epilogue activation in the runtime kernels' flags
/// (runtime/cpu/Activations.h): none 0, relu 1, gelu 2, gelu_tanh 3, silu 4,
/// sigmoid 5, tanh 6.
int64_t runtimeActivationCode(StringRef activation);

/// tensor.empty of `type`.
Value emptyTensor(OpBuilder &b, Location loc, RankedTensorType type);
/// A concat's destination: tensor.empty of `type`, placed before the first
/// of `inputs` computed in `at`'s block when `type` is static (else at b's
/// insertion point), so that eliminate-empty-tensors can have the inputs
/// computed straight into their slices (it needs the destination first).
Value concatDestination(OpBuilder &b, Location loc, RankedTensorType type,
                        ValueRange inputs, Operation *at);
/// `inputs` inserted into `dest` one after another along `axis`, the first
/// at `offset` (tensor.insert_slice each).
Value insertConcatPieces(OpBuilder &b, Location loc, ValueRange inputs,
                         Value dest, int64_t axis, int64_t offset);
/// tensor.empty of `type` filled with `value` (linalg.fill).
Value filledTensor(OpBuilder &b, Location loc, RankedTensorType type,
                   Value value);

/// Indexing map reading an operand of `shape` inside a loop nest of rank
/// `loopRank` with numpy broadcasting: the operand's dims align with the
/// trailing loop dims and size-1 dims broadcast (constant 0) when the loop
/// dim is larger.
AffineMap broadcastMap(MLIRContext *ctx, ArrayRef<int64_t> shape,
                       ArrayRef<int64_t> loopShape);

/// One parallel linalg.generic producing `resultType` from `inputs`, each
/// read with a broadcasting map; `body` gets the input scalars.
Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                       ValueRange inputs, BodyFn body);

/// Identity over `rank` loop dims minus the dims in `dropped`.
AffineMap dropDimsMap(MLIRContext *ctx, int64_t rank,
                      ArrayRef<int64_t> dropped);

/// One parallel linalg.generic producing `resultType` from `inputs` read
/// through `inputMaps` (the output map is the identity).
Value buildParallel(OpBuilder &b, Location loc, RankedTensorType resultType,
                    ValueRange inputs, ArrayRef<AffineMap> inputMaps,
                    BodyFn body);

/// A linalg.generic reducing `input` over `dims` (dropped from the result),
/// starting from the scalar `init`; `combine(b, loc, {element, acc})`.
Value buildReduction(OpBuilder &b, Location loc, Value input,
                     ArrayRef<int64_t> dims, Value init, BodyFn combine);

/// Drops or re-inserts the dims in `unitDims` (all of size 1 in the bigger
/// type) with tensor.collapse_shape / tensor.expand_shape.
Value expandUnitDims(OpBuilder &b, Location loc, Value value,
                     RankedTensorType resultType, ArrayRef<int64_t> unitDims);
Value collapseUnitDims(OpBuilder &b, Location loc, Value value,
                       RankedTensorType resultType, ArrayRef<int64_t> unitDims);

/// Row-major reshape of a static tensor through collapse/expand_shape.
Value reshapeTensor(OpBuilder &b, Location loc, Value value,
                    RankedTensorType resultType);

/// `linalg.index dim` cast to `type` (an integer type).
Value loopIndex(OpBuilder &b, Location loc, int64_t dim, Type type);

} // namespace mlir::tessera::lowering

#endif // TESSERA_PASSES_LOWERING_LOWERINGUTILS_H
