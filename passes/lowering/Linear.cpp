// f32 tessera.linear -> tessera.call_kernel of the runtime's GEMM with a
// fused epilogue (tessera_linear_f32): the bias initialises each output
// block, activation and residual are applied while the block is in cache,
// and a constant weight is packed once (constant_mask). tessera.qlinear ->
// tessera_qlinear_f32 the same way, 4-bit weights packed two to a byte here.
// A linear with `sparsity` and a constant weight -> tessera_sparse_linear_f32,
// its weight packed here into the kernel's block (BSR) or N:M arrays.
#include "LoweringUtils.h"
#include "passes/Passes.h"
#include "passes/fusion/FusionUtils.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cstring>

using namespace mlir;
using namespace mlir::tessera;

namespace {
/// Flags of tessera_linear_f32 (runtime/include/tessera_runtime.h).
enum LinearFlags : int64_t { kHasBias = 16, kHasResidual = 32, kTransposedB = 64 };

/// `v` ([..., n]) as a matrix [rows, n].
Value asMatrix(OpBuilder &b, Location loc, Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  int64_t n = t.getShape().back(), rows = t.getNumElements() / std::max<int64_t>(n, 1);
  auto type = RankedTensorType::get({rows, n}, t.getElementType());
  if (t.getRank() == 2)
    return v;
  if (t.getRank() == 1)
    return tensor::ExpandShapeOp::create(b, loc, type, v,
                                         ArrayRef<ReassociationIndices>{{0, 1}});
  ReassociationIndices lead;
  for (int64_t i = 0; i + 1 < t.getRank(); ++i)
    lead.push_back(i);
  return tensor::CollapseShapeOp::create(
      b, loc, type, v,
      ArrayRef<ReassociationIndices>{lead, {t.getRank() - 1}});
}

/// `result` ([rows, n]) back to `type` ([..., n]).
Value fromMatrix(OpBuilder &b, Location loc, Value result,
                 RankedTensorType type) {
  if (type.getRank() == 2)
    return result;
  if (type.getRank() == 1)
    return tensor::CollapseShapeOp::create(
        b, loc, type, result, ArrayRef<ReassociationIndices>{{0, 1}});
  ReassociationIndices lead;
  for (int64_t i = 0; i + 1 < type.getRank(); ++i)
    lead.push_back(i);
  return tensor::ExpandShapeOp::create(
      b, loc, type, result,
      ArrayRef<ReassociationIndices>{lead, {type.getRank() - 1}});
}

/// The call of a linear-layer kernel: x as a matrix, then `weights`, the bias
/// and residual (unread stand-ins of the right rank when absent, flagged in
/// `flags`), one output; the result in `type`'s shape.
Value callLinearKernel(ConversionPatternRewriter &rewriter, Location loc,
                       StringRef kernel, RankedTensorType type, Value input,
                       ValueRange weights, Value bias, Value residual,
                       int64_t flags, ArrayRef<int64_t> moreScalars = {},
                       Value rowMask = Value()) {
  Type f32 = type.getElementType();
  Value x = asMatrix(rewriter, loc, input);
  int64_t m = cast<RankedTensorType>(x.getType()).getDimSize(0),
          n = type.getShape().back();
  auto outType = RankedTensorType::get({m, n}, f32);
  Value init = tensor::EmptyOp::create(rewriter, loc, outType.getShape(), f32);
  if (bias)
    flags |= kHasBias;
  else
    bias = tensor::EmptyOp::create(rewriter, loc, ArrayRef<int64_t>{0}, f32);
  if (residual) {
    flags |= kHasResidual;
    residual = asMatrix(rewriter, loc, residual);
  } else {
    residual = x;
  }
  SmallVector<Attribute> scalars{rewriter.getI64IntegerAttr(flags)};
  for (int64_t v : moreScalars)
    scalars.push_back(rewriter.getI64IntegerAttr(v));
  SmallVector<Value> inputs{x};
  llvm::append_range(inputs, weights);
  inputs.append({bias, residual});
  if (rowMask)
    inputs.push_back(rowMask);
  auto call = CallKernelOp::create(
      rewriter, loc, TypeRange{outType}, rewriter.getStringAttr(kernel),
      inputs, ValueRange{init},
      rewriter.getArrayAttr(scalars),
      rewriter.getUnitAttr());
  return fromMatrix(rewriter, loc, call.getResult(0), type);
}

/// A token mask (any element type, the input's leading shape) as the i32
/// row mask [rows] of tessera_linear_rows_f32: 1 where the entry is nonzero.
Value rowMaskI32(OpBuilder &b, Location loc, Value mask) {
  auto type = cast<RankedTensorType>(mask.getType());
  Type elt = type.getElementType();
  auto flat = RankedTensorType::get({type.getNumElements()}, elt);
  Value rows = lowering::reshapeTensor(b, loc, mask, flat);
  auto i32 = b.getI32Type();
  return lowering::buildElementwise(
      b, loc, RankedTensorType::get(flat.getShape(), i32), rows,
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Value nonzero;
        if (isa<FloatType>(elt))
          nonzero =
              arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, args[0],
                                    lowering::scalarConstant(b, loc, elt, 0.0));
        else
          nonzero =
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, args[0],
                                    lowering::scalarConstant(b, loc, elt, 0.0));
        return arith::ExtUIOp::create(b, loc, i32, nonzero);
      });
}

/// Flag of tessera_sparse_linear_f32: N:M rather than block sparse.
constexpr int64_t kSparseNM = 512;

/// A sparse weight in the runtime's formats (tessera_runtime.h,
/// tessera_sparse_linear_f32): values, index and offsets.
struct SparseWeight {
  SparsityPattern pattern;
  std::vector<float> values;
  std::vector<int32_t> index, offsets;
};

/// `w` ([n, k], row-major) in `pattern`'s format. A weight that breaks an
/// N:M pattern is stored as 1x1 blocks instead (the result is unchanged).
SparseWeight packSparse(ArrayRef<float> w, int64_t n, int64_t k,
                        SparsityPattern pattern) {
  SparseWeight s;
  if (pattern.nm) {
    s.pattern = pattern;
    int64_t kept = pattern.rows, m = pattern.cols;
    for (int64_t r = 0; r < n; ++r)
      for (int64_t g = 0; g < k; g += m) {
        SmallVector<int32_t> at;
        for (int64_t c = 0; c < m; ++c)
          if (w[r * k + g + c] != 0.0f)
            at.push_back(int32_t(c));
        if (int64_t(at.size()) > kept)
          return packSparse(w, n, k, {false, 1, 1});
        // Explicit zeros at the first free offsets, then ascending.
        for (int32_t c = 0; int64_t(at.size()) < kept; ++c)
          if (!llvm::is_contained(at, c))
            at.push_back(c);
        llvm::sort(at);
        for (int32_t c : at) {
          s.values.push_back(w[r * k + g + c]);
          s.index.push_back(c);
        }
      }
    return s;
  }
  s.pattern = pattern;
  int64_t br = pattern.rows, bc = pattern.cols;
  s.offsets.push_back(0);
  for (int64_t r0 = 0; r0 < n; r0 += br) {
    for (int64_t c0 = 0; c0 < k; c0 += bc) {
      bool any = false;
      for (int64_t r = r0; r < r0 + br && !any; ++r)
        for (int64_t c = c0; c < c0 + bc && !any; ++c)
          any = w[r * k + c] != 0.0f;
      if (!any)
        continue;
      s.index.push_back(int32_t(c0 / bc));
      for (int64_t r = r0; r < r0 + br; ++r)
        for (int64_t c = c0; c < c0 + bc; ++c)
          s.values.push_back(w[r * k + c]);
    }
    s.offsets.push_back(int32_t(s.index.size()));
  }
  return s;
}

/// A 1-D constant holding `values`.
template <typename T>
Value vectorConstant(OpBuilder &b, Location loc, Type elementType,
                     StringRef name, ArrayRef<T> values) {
  auto type = RankedTensorType::get({int64_t(values.size())}, elementType);
  if (values.empty())
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, ArrayRef<Attribute>{}));
  return arith::ConstantOp::create(b, loc,
                                   fusion::resourceAttr(type, name, values));
}

struct LinearLowering : OpConversionPattern<LinearOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = op.getType();
    if (!type.getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "no kernel for this linear");
    int64_t flags = lowering::runtimeActivationCode(op.getActivation());
    if (op.getSparsity()) {
      if (std::optional<SparseWeight> sparse = sparseWeight(op)) {
        Location loc = op.getLoc();
        Value values = vectorConstant<float>(rewriter, loc,
                                             rewriter.getF32Type(),
                                             "sparse_values", sparse->values);
        Value index = vectorConstant<int32_t>(
            rewriter, loc, rewriter.getI32Type(), "sparse_index", sparse->index);
        Value offsets =
            vectorConstant<int32_t>(rewriter, loc, rewriter.getI32Type(),
                                    "sparse_offsets", sparse->offsets);
        if (sparse->pattern.nm)
          flags |= kSparseNM;
        rewriter.replaceOp(
            op, callLinearKernel(rewriter, loc, "tessera_sparse_linear_f32",
                                 type, adaptor.getInput(),
                                 {values, index, offsets}, adaptor.getBias(),
                                 adaptor.getResidual(), flags,
                                 {sparse->pattern.rows, sparse->pattern.cols}));
        return success();
      }
    }
    if (op.getTransposeWeight())
      flags |= kTransposedB;
    if (Value mask = adaptor.getTokenMask()) {
      // Padding-free: only the rows of valid tokens are computed.
      rewriter.replaceOp(
          op, callLinearKernel(rewriter, op.getLoc(), "tessera_linear_rows_f32",
                               type, adaptor.getInput(), adaptor.getWeight(),
                               adaptor.getBias(), adaptor.getResidual(), flags,
                               {}, rowMaskI32(rewriter, op.getLoc(), mask)));
      return success();
    }
    rewriter.replaceOp(
        op, callLinearKernel(rewriter, op.getLoc(), "tessera_linear_f32", type,
                             adaptor.getInput(), adaptor.getWeight(),
                             adaptor.getBias(), adaptor.getResidual(), flags));
    return success();
  }

  /// The constant weight of a linear with `sparsity`, packed; nothing when
  /// it is not a constant (the dense kernel then runs).
  static std::optional<SparseWeight> sparseWeight(LinearOp op) {
    FailureOr<SparsityPattern> pattern =
        parseSparsityPattern(*op.getSparsity());
    auto wt = op.getWeight().getType();
    bool transposed = op.getTransposeWeight();
    int64_t n = wt.getDimSize(transposed ? 0 : 1),
            k = wt.getDimSize(transposed ? 1 : 0);
    if (failed(pattern) || !wt.hasStaticShape() || !pattern->fits(n, k))
      return std::nullopt;
    std::optional<std::vector<float>> w = fusion::linearWeightNK(op);
    if (!w)
      return std::nullopt;
    return packSparse(*w, n, k, *pattern);
  }
};

/// The bytes of a constant i8 tensor (dense or dense_resource).
std::optional<std::vector<int8_t>> constantBytes(Value v) {
  auto cst = v.getDefiningOp<ConstantOp>();
  if (!cst)
    return std::nullopt;
  int64_t n = cast<RankedTensorType>(cst.getType()).getNumElements();
  if (auto r = dyn_cast<DenseResourceElementsAttr>(cst.getValue())) {
    AsmResourceBlob *blob = r.getRawHandle().getBlob();
    if (!blob || int64_t(blob->getData().size()) != n)
      return std::nullopt;
    ArrayRef<char> data = blob->getData();
    return std::vector<int8_t>(data.begin(), data.end());
  }
  if (auto d = dyn_cast<DenseIntElementsAttr>(cst.getValue())) {
    std::vector<int8_t> out;
    for (const APInt &x : d.getValues<APInt>())
      out.push_back(int8_t(x.getSExtValue()));
    return out;
  }
  return std::nullopt;
}

/// 4-bit weights q [N, K] (values in [-8, 7]) two to a byte, [N, K/2], in
/// the runtime's layout: within each block of 32 k, byte j < 16 holds
/// q[k0 + j] + 8 in its low nibble and q[k0 + 16 + j] + 8 in its high one,
/// so that one 16-byte load unpacks into two runs of 16 consecutive k.
std::vector<int8_t> packInt4(ArrayRef<int8_t> q, int64_t n, int64_t k) {
  std::vector<int8_t> packed(n * k / 2);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t k0 = 0; k0 < k; k0 += 32)
      for (int64_t j = 0; j < 16; ++j) {
        uint8_t lo = uint8_t(q[r * k + k0 + j] + 8) & 0xF,
                hi = uint8_t(q[r * k + k0 + 16 + j] + 8) & 0xF;
        packed[(r * k + k0) / 2 + j] = int8_t(lo | hi << 4);
      }
  return packed;
}

/// Flags of tessera_qlinear_f32 beyond the linear ones.
enum QLinearFlags : int64_t {
  kDynamicInt8 = 128,
  kInt4 = 256,
  kDynamicTensor = 512
};

/// A static int8 input scale as the runtime kernels take it: its bits.
int64_t floatBits(FloatAttr scale) {
  float value = scale.getValue().convertToFloat();
  uint32_t bits;
  memcpy(&bits, &value, sizeof bits);
  return bits;
}

struct QLinearLowering : OpConversionPattern<QLinearOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(QLinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t flags = lowering::runtimeActivationCode(op.getActivation());
    if (op.getMode() == "dynamic")
      flags |= kDynamicInt8;
    if (op.getMode() == "dynamic_tensor")
      flags |= kDynamicTensor;
    if (op.getMode() == "static") {
      // The scale travels as its bits, beside the zero point.
      int64_t bits = floatBits(op.getInputScaleAttr());
      rewriter.replaceOp(
          op, callLinearKernel(rewriter, loc, "tessera_qlinear_static_f32",
                               op.getType(), adaptor.getInput(),
                               {adaptor.getWeight(), adaptor.getScale()},
                               adaptor.getBias(), adaptor.getResidual(), flags,
                               {bits, int64_t(*op.getInputZeroPoint())}));
      return success();
    }
    Value weight = adaptor.getWeight();
    if (op.getBits() == 4) {
      auto wt = op.getWeight().getType();
      int64_t n = wt.getDimSize(0), k = wt.getDimSize(1);
      std::optional<std::vector<int8_t>> q = constantBytes(op.getWeight());
      if (!q || op.getGroupSize() % 32 != 0)
        return rewriter.notifyMatchFailure(
            op, "4-bit kernels need a constant weight in groups of 32 k");
      std::vector<int8_t> packed = packInt4(*q, n, k);
      weight = arith::ConstantOp::create(
          rewriter, loc,
          fusion::resourceAttr(
              RankedTensorType::get({n, k / 2}, rewriter.getI8Type()),
              "qweight_int4", ArrayRef<int8_t>(packed)));
      flags |= kInt4;
    }
    rewriter.replaceOp(
        op, callLinearKernel(rewriter, loc, "tessera_qlinear_f32", op.getType(),
                             adaptor.getInput(), {weight, adaptor.getScale()},
                             adaptor.getBias(), adaptor.getResidual(), flags));
    return success();
  }
};

/// tessera.qconv -> tessera_qconv2d_static_f32 on the NCHW input, the
/// weight [F, KH*KW*C], scale [F, 1] and bias, writing [N, OH, OW, F].
struct QConvLowering : OpConversionPattern<QConvOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(QConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Type f32 = type.getElementType();
    int64_t flags = 0;
    Value bias = adaptor.getBias();
    if (bias)
      flags |= kHasBias;
    else
      bias = tensor::EmptyOp::create(rewriter, loc, ArrayRef<int64_t>{0}, f32);
    ArrayRef<int64_t> kernel = op.getKernelShape(), strides = op.getStrides(),
                      dilations = op.getDilations(), pads = op.getPads();
    SmallVector<Attribute> scalars;
    for (int64_t v :
         {flags, kernel[0], kernel[1], strides[0], strides[1], dilations[0],
          dilations[1], pads[0], pads[1], floatBits(op.getInputScaleAttr()),
          int64_t(op.getInputZeroPoint())})
      scalars.push_back(rewriter.getI64IntegerAttr(v));
    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(), f32);
    auto call = CallKernelOp::create(
        rewriter, loc, TypeRange{type},
        rewriter.getStringAttr("tessera_qconv2d_static_f32"),
        ValueRange{adaptor.getInput(), adaptor.getWeight(), adaptor.getScale(),
                   bias},
        ValueRange{init}, rewriter.getArrayAttr(scalars),
        rewriter.getUnitAttr());
    rewriter.replaceOp(op, call.getResult(0));
    return success();
  }
};
} // namespace

void mlir::tessera::populateTesseraLinearLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<LinearLowering, QLinearLowering, QConvLowering>(
      patterns.getContext());
}
