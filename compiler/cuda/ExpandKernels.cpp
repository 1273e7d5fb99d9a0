// The fused runtime kernels that the CUDA target generates itself. On the
// CPU, f32 attention and the selective scan are calls of the runtime's
// kernels (tessera.call_kernel, whose operands and flags are the kernel's
// ABI in tessera_runtime.h); so are f32 layer and RMS norms over rows
// (tessera_layer_norm_f32, tessera_rms_norm_f32).
// Here each such call on buffers becomes the
// same computation as an scf.parallel nest over its independent rows, with
// the row's work sequential inside: the loop that tessera-gpu-map-loops
// maps to blocks and threads, so the whole op is one GPU kernel instead of
// its decomposition's many (and the attention scores are never
// materialized). Emulated (--gpu-emulate), the same nest runs on the host.
#include "compiler/cuda/CudaPasses.h"
#include "passes/KernelFlags.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <limits>

using namespace mlir;

namespace {

/// Keys per attention tile: their scores go to a per-query scratch column,
/// and the output row is rescaled once per tile (not once per key).
constexpr int64_t kAttentionTile = 32;

/// Threads per block of the expanded kernels (tessera-gpu-map-loops reads
/// `tessera.gpu_block_size`). Each thread does a whole row's work, so there
/// are few threads (BERT-base, batch 1: 1536 query rows): blocks of 64
/// spread them over 4x as many SMs as blocks of 256 would.
constexpr int64_t kExpandedBlockSize = 64;

using namespace mlir::tessera::abi;

/// Index arithmetic and loops, on an ImplicitLocOpBuilder.
struct Builder {
  ImplicitLocOpBuilder &b;

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, v); }
  Value f32(double v) {
    return arith::ConstantOp::create(b, b.getF32FloatAttr(v));
  }
  Value dim(Value memref, int64_t d) {
    return memref::DimOp::create(b, memref, d);
  }
  Value add(Value x, Value y) {
    return isa<IndexType>(x.getType()) ? Value(arith::AddIOp::create(b, x, y))
                                       : Value(arith::AddFOp::create(b, x, y));
  }
  Value mul(Value x, Value y) {
    return isa<IndexType>(x.getType()) ? Value(arith::MulIOp::create(b, x, y))
                                       : Value(arith::MulFOp::create(b, x, y));
  }
  Value sub(Value x, Value y) {
    return isa<IndexType>(x.getType()) ? Value(arith::SubIOp::create(b, x, y))
                                       : Value(arith::SubFOp::create(b, x, y));
  }
  Value load(Value memref, ValueRange indices) {
    return memref::LoadOp::create(b, memref, indices);
  }
  void store(Value value, Value memref, ValueRange indices) {
    memref::StoreOp::create(b, value, memref, indices);
  }
  /// `index` into a dimension that may be a broadcast one (size 1).
  Value broadcastIndex(Value memref, int64_t d, Value index) {
    Value isOne = arith::CmpIOp::create(b, arith::CmpIPredicate::eq,
                                        dim(memref, d), idx(1));
    return arith::SelectOp::create(b, isOne, idx(0), index);
  }

  /// for i in [lb, ub): body(i, carried) -> next carried; returns the last.
  SmallVector<Value>
  loop(Value lb, Value ub, Value step, ValueRange inits,
       function_ref<SmallVector<Value>(Value, ValueRange)> body) {
    auto loop = scf::ForOp::create(b, lb, ub, step, inits);
    OpBuilder::InsertionGuard guard(b);
    // Without carried values the loop comes with its (empty) yield.
    if (inits.empty())
      b.setInsertionPoint(loop.getBody()->getTerminator());
    else
      b.setInsertionPointToStart(loop.getBody());
    SmallVector<Value> next =
        body(loop.getInductionVar(), loop.getRegionIterArgs());
    if (!inits.empty())
      scf::YieldOp::create(b, next);
    return SmallVector<Value>(loop.getResults());
  }
  SmallVector<Value>
  loop(Value ub, ValueRange inits,
       function_ref<SmallVector<Value>(Value, ValueRange)> body) {
    return loop(idx(0), ub, idx(1), inits, body);
  }
  void loop(Value ub, function_ref<void(Value)> body) {
    loop(ub, {}, [&](Value i, ValueRange) -> SmallVector<Value> {
      body(i);
      return {};
    });
  }
  Value sum(Value ub, Value init, function_ref<Value(Value, Value)> body) {
    return loop(ub, init, [&](Value i, ValueRange acc) -> SmallVector<Value> {
      return {body(i, acc[0])};
    })[0];
  }

  /// An scf.parallel over [0, ubs) (one GPU thread per point), in blocks
  /// of kExpandedBlockSize threads.
  void parallel(ValueRange ubs, function_ref<void(ValueRange)> body) {
    SmallVector<Value> zeros(ubs.size(), idx(0)), ones(ubs.size(), idx(1));
    auto par = scf::ParallelOp::create(b, zeros, ubs, ones);
    par->setAttr("tessera.gpu_block_size",
                 b.getI64IntegerAttr(kExpandedBlockSize));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(par.getBody()->getTerminator());
    body(par.getInductionVars());
  }
};

int64_t scalarInt(tessera::CallKernelOp call, unsigned i) {
  return cast<IntegerAttr>(call.getScalars()[i]).getInt();
}

/// Checks the call's operand counts, ranks and scalars against the kernel's
/// ABI; the caller emits the error.
bool hasShape(tessera::CallKernelOp call, ArrayRef<int64_t> inputRanks,
              ArrayRef<int64_t> outputRanks, ArrayRef<bool> scalarIsFloat) {
  auto ranksMatch = [](ValueRange values, ArrayRef<int64_t> ranks) {
    if (values.size() != ranks.size())
      return false;
    for (auto [v, r] : llvm::zip(values, ranks)) {
      auto type = dyn_cast<MemRefType>(v.getType());
      if (!type || type.getRank() != r || !type.getElementType().isF32())
        return false;
    }
    return true;
  };
  if (!ranksMatch(call.getInputs(), inputRanks) ||
      !ranksMatch(call.getOutputs(), outputRanks) ||
      call.getScalars().size() < scalarIsFloat.size())
    return false;
  for (auto [attr, isFloat] : llvm::zip(call.getScalars(), scalarIsFloat))
    if (isFloat ? !isa<FloatAttr>(attr) : !isa<IntegerAttr>(attr))
      return false;
  return true;
}

/// Query rows that fill a GPU well enough: with fewer (decoding, small
/// batches), each row's keys are split between threads, at least
/// kMinKeysPerSplit each, until about this many threads run.
constexpr int64_t kSplitRowsBelow = 4096;
constexpr int64_t kMinKeysPerSplit = 64;

/// How many key ranges each query row is split into (1: none). Static
/// shapes only.
int64_t attentionSplits(MemRefType out, MemRefType key) {
  if (!out.hasStaticShape() || !key.hasStaticShape())
    return 1;
  int64_t rows = out.getDimSize(0) * out.getDimSize(1) * out.getDimSize(2);
  int64_t skv = key.getDimSize(2);
  if (rows == 0 || rows >= kSplitRowsBelow)
    return 1;
  int64_t byKeys = skv / kMinKeysPerSplit;
  int64_t byRows = (kSplitRowsBelow + rows - 1) / rows;
  return std::max<int64_t>(1, std::min(byKeys, byRows));
}

/// tessera_attention_f32(q, k, v, mask; out; scale, flags): one thread per
/// query row (b, h, i), or, with few rows and many keys, per row and range
/// of keys (attentionSplits; a second kernel then merges the ranges'
/// results by their maxima, as split-K flash decoding does). Keys go by
/// tiles of kAttentionTile: the tile's scores (scale·q·k + mask) into the
/// thread's scratch column, their maximum m' (with the running maximum m),
/// then the accumulator row (the running sum of p·v) is rescaled by
/// e^(m - m') and the tile's e^(s - m')·v added, and the denominator
/// likewise. With `causal` the loop stops at key i: tiles past the diagonal
/// are never visited. A row whose scores are all -inf ends as 0/0 = NaN,
/// what the unfused softmax gives.
LogicalResult expandAttention(tessera::CallKernelOp call) {
  if (!hasShape(call, {4, 4, 4, 4}, {4}, {true, false}))
    return call.emitError("tessera_attention_f32 expects q, k, v, mask "
                          "(rank 4, f32), one output and the scalars "
                          "(scale : f32, flags : i64)");
  int64_t flags = scalarInt(call, 1);
  if (flags & ~kAttentionFlags)
    return call.emitError("tessera_attention_f32: unknown flags ") << flags;
  if ((flags & kPaddingQueries) && !(flags & kHasMask))
    return call.emitError(
        "tessera_attention_f32: padding queries need the mask (flags 2)");
  Value q = call.getInputs()[0], k = call.getInputs()[1],
        v = call.getInputs()[2], mask = call.getInputs()[3],
        out = call.getOutputs()[0];
  double scale = cast<FloatAttr>(call.getScalars()[0]).getValueAsDouble();
  int64_t splits = attentionSplits(cast<MemRefType>(out.getType()),
                                   cast<MemRefType>(k.getType()));
  ImplicitLocOpBuilder ib(call.getLoc(), call);
  Builder e{ib};
  Value B = e.dim(out, 0), H = e.dim(out, 1), S = e.dim(out, 2),
        Dv = e.dim(out, 3), D = e.dim(q, 3), Hkv = e.dim(k, 1),
        Skv = e.dim(k, 2);
  Value tile = e.idx(kAttentionTile);
  Value rows = e.mul(e.mul(B, H), S);
  Value nSplits = e.idx(splits);
  // [tile, thread]: the threads of a warp (consecutive rows) touch
  // consecutive words.
  auto scratchType =
      MemRefType::get({kAttentionTile, ShapedType::kDynamic}, ib.getF32Type());
  Value scratch = memref::AllocOp::create(ib, scratchType,
                                          ValueRange{e.mul(rows, nSplits)});
  Value group = arith::DivUIOp::create(ib, H, Hkv);
  Value negInf = e.f32(-std::numeric_limits<double>::infinity());
  Value zero = e.f32(0.0);

  auto kvHead = [&](Value h) {
    return (flags & kKvTiled) ? Value(arith::RemUIOp::create(ib, h, Hkv))
                              : Value(arith::DivUIOp::create(ib, h, group));
  };
  auto rowOf = [&](Value b, Value h, Value i) {
    return e.add(e.mul(e.add(e.mul(b, H), h), S), i);
  };
  // Keys of query i: [0, i] with `causal`, else all.
  auto keyEnd = [&](Value i) {
    return (flags & kCausal)
               ? Value(arith::MinUIOp::create(ib, e.add(i, e.idx(1)), Skv))
               : Skv;
  };
  // Keys [begin, end) of query (b, h, i) into the accumulator row `acc`
  // (its element d at accAt(d), zeroed first), scores in scratch column
  // `col`; returns the maximum and the denominator.
  auto attend = [&](Value b, Value h, Value i, Value begin, Value end,
                    Value col, Value acc,
                    function_ref<SmallVector<Value>(Value)> accAt) {
    Value g = kvHead(h);
    e.loop(Dv, [&](Value d) { e.store(zero, acc, accAt(d)); });
    return e.loop(
        begin, end, tile, {negInf, zero},
        [&](Value t0, ValueRange carried) -> SmallVector<Value> {
          Value m = carried[0], l = carried[1];
          Value n = arith::MinUIOp::create(ib, tile, e.sub(end, t0));
          // Scores of the tile and their maximum.
          Value tileMax = e.sum(n, negInf, [&](Value jj, Value mx) {
            Value j = e.add(t0, jj);
            Value dot = e.sum(D, zero, [&](Value d, Value sum) {
              return e.add(
                  sum, e.mul(e.load(q, {b, h, i, d}), e.load(k, {b, g, j, d})));
            });
            Value s = e.mul(dot, e.f32(scale));
            if (flags & kHasMask)
              s = e.add(s, e.load(mask, {e.broadcastIndex(mask, 0, b),
                                         e.broadcastIndex(mask, 1, h),
                                         e.broadcastIndex(mask, 2, i),
                                         e.broadcastIndex(mask, 3, j)}));
            e.store(s, scratch, {jj, col});
            return Value(arith::MaximumFOp::create(ib, mx, s));
          });
          Value mNew = arith::MaximumFOp::create(ib, m, tileMax);
          // While every score so far is -inf, nothing is added: exponents
          // are taken against 0 instead of -inf (which would give NaN).
          Value allMasked = arith::CmpFOp::create(ib, arith::CmpFPredicate::OEQ,
                                                  mNew, negInf);
          Value base = arith::SelectOp::create(ib, allMasked, zero, mNew);
          Value alpha = math::ExpOp::create(ib, e.sub(m, base));
          Value tileSum = e.sum(n, zero, [&](Value jj, Value sum) {
            Value p = math::ExpOp::create(
                ib, e.sub(e.load(scratch, {jj, col}), base));
            e.store(p, scratch, {jj, col});
            return e.add(sum, p);
          });
          e.loop(Dv, [&](Value d) {
            Value o = e.mul(e.load(acc, accAt(d)), alpha);
            o = e.sum(n, o, [&](Value jj, Value sum) {
              return e.add(sum, e.mul(e.load(scratch, {jj, col}),
                                      e.load(v, {b, g, e.add(t0, jj), d})));
            });
            e.store(o, acc, accAt(d));
          });
          return {mNew, e.add(e.mul(l, alpha), tileSum)};
        });
  };
  // A padding query (its own key masked) gets a 0 row; `compute` the
  // others.
  auto unlessPadding = [&](Value b, Value h, Value i,
                           function_ref<void()> compute) {
    if (!(flags & kPaddingQueries)) {
      compute();
      return;
    }
    Value own =
        e.load(mask, {e.broadcastIndex(mask, 0, b), e.idx(0), e.idx(0), i});
    Value padding =
        arith::CmpFOp::create(ib, arith::CmpFPredicate::OLE, own, e.f32(-1e4));
    auto ifOp = scf::IfOp::create(ib, padding, /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(ib);
    ib.setInsertionPoint(ifOp.thenBlock()->getTerminator());
    e.loop(Dv, [&](Value d) { e.store(zero, out, {b, h, i, d}); });
    ib.setInsertionPoint(ifOp.elseBlock()->getTerminator());
    compute();
  };

  if (splits == 1) {
    e.parallel({B, H, S}, [&](ValueRange ivs) {
      Value b = ivs[0], h = ivs[1], i = ivs[2];
      unlessPadding(b, h, i, [&] {
        SmallVector<Value> ml = attend(b, h, i, e.idx(0), keyEnd(i),
                                       rowOf(b, h, i), out, [&](Value d) {
                                         return SmallVector<Value>{b, h, i, d};
                                       });
        e.loop(Dv, [&](Value d) {
          Value o = e.load(out, {b, h, i, d});
          e.store(arith::DivFOp::create(ib, o, ml[1]), out, {b, h, i, d});
        });
      });
    });
  } else {
    // Each range's accumulator row [split, row, Dv] and its maximum and
    // denominator [2, split, row].
    auto f32 = ib.getF32Type();
    Value partAcc = memref::AllocOp::create(
        ib,
        MemRefType::get({splits, ShapedType::kDynamic, ShapedType::kDynamic},
                        f32),
        ValueRange{rows, Dv});
    Value partML = memref::AllocOp::create(
        ib, MemRefType::get({2, splits, ShapedType::kDynamic}, f32),
        ValueRange{rows});
    // Keys per range.
    Value chunk = arith::CeilDivUIOp::create(ib, Skv, nSplits);
    e.parallel({B, H, S, nSplits}, [&](ValueRange ivs) {
      Value b = ivs[0], h = ivs[1], i = ivs[2], sp = ivs[3];
      Value row = rowOf(b, h, i);
      Value end = keyEnd(i);
      Value begin = arith::MinUIOp::create(ib, e.mul(sp, chunk), end);
      Value stop = arith::MinUIOp::create(ib, e.add(begin, chunk), end);
      SmallVector<Value> ml =
          attend(b, h, i, begin, stop, e.add(e.mul(sp, rows), row), partAcc,
                 [&](Value d) {
                   return SmallVector<Value>{sp, row, d};
                 });
      e.store(ml[0], partML, {e.idx(0), sp, row});
      e.store(ml[1], partML, {e.idx(1), sp, row});
    });
    // Merge: out = sum_r e^(m_r - M)·acc_r / sum_r e^(m_r - M)·l_r, M the
    // ranges' maximum (0 while every score is -inf, as above).
    e.parallel({B, H, S}, [&](ValueRange ivs) {
      Value b = ivs[0], h = ivs[1], i = ivs[2];
      Value row = rowOf(b, h, i);
      unlessPadding(b, h, i, [&] {
        Value mMax = e.sum(nSplits, negInf, [&](Value sp, Value mx) {
          return Value(arith::MaximumFOp::create(
              ib, mx, e.load(partML, {e.idx(0), sp, row})));
        });
        Value allMasked =
            arith::CmpFOp::create(ib, arith::CmpFPredicate::OEQ, mMax, negInf);
        Value base = arith::SelectOp::create(ib, allMasked, zero, mMax);
        // The ranges' weights e^(m_r - M) replace their maxima.
        Value l = e.sum(nSplits, zero, [&](Value sp, Value sum) {
          Value w = math::ExpOp::create(
              ib, e.sub(e.load(partML, {e.idx(0), sp, row}), base));
          e.store(w, partML, {e.idx(0), sp, row});
          return e.add(sum, e.mul(w, e.load(partML, {e.idx(1), sp, row})));
        });
        e.loop(Dv, [&](Value d) {
          Value o = e.sum(nSplits, zero, [&](Value sp, Value sum) {
            return e.add(sum, e.mul(e.load(partML, {e.idx(0), sp, row}),
                                    e.load(partAcc, {sp, row, d})));
          });
          e.store(arith::DivFOp::create(ib, o, l), out, {b, h, i, d});
        });
      });
    });
    memref::DeallocOp::create(ib, partAcc);
    memref::DeallocOp::create(ib, partML);
  }
  memref::DeallocOp::create(ib, scratch);
  call.erase();
  return success();
}

/// tessera_selective_scan_f32(x, delta, A, B, C, Dskip, z, deltaBias, h0;
/// y, hLast; flags): one thread per (batch, channel), the time loop
/// sequential inside it, the state kept in hLast's row (which only this
/// thread touches). The flags are constants: operands they leave out are
/// not read and their arithmetic is not generated.
LogicalResult expandSelectiveScan(tessera::CallKernelOp call) {
  if (!hasShape(call, {3, 3, 2, 3, 3, 1, 3, 1, 3}, {3, 3}, {false}))
    return call.emitError(
        "tessera_selective_scan_f32 expects x, delta, A, B, C, Dskip, z, "
        "deltaBias, h0 (ranks 3, 3, 2, 3, 3, 1, 3, 1, 3; f32), y, hLast and "
        "the scalar (flags : i64)");
  int64_t flags = scalarInt(call, 0);
  if (flags & ~kScanFlags)
    return call.emitError("tessera_selective_scan_f32: unknown flags ")
           << flags;
  ValueRange in = call.getInputs();
  Value x = in[0], delta = in[1], A = in[2], Bm = in[3], Cm = in[4],
        skip = in[5], z = in[6], bias = in[7], h0 = in[8];
  Value y = call.getOutputs()[0], hLast = call.getOutputs()[1];
  ImplicitLocOpBuilder ib(call.getLoc(), call);
  Builder e{ib};
  Value Bt = e.dim(x, 0), L = e.dim(x, 1), D = e.dim(x, 2), N = e.dim(A, 1);
  Value zero = e.f32(0.0), one = e.f32(1.0);
  e.parallel({Bt, D}, [&](ValueRange ivs) {
    Value b = ivs[0], d = ivs[1];
    e.loop(N, [&](Value n) {
      Value h = (flags & kScanHasInitialState) ? e.load(h0, {b, d, n}) : zero;
      e.store(h, hLast, {b, d, n});
    });
    Value dtBias = (flags & kScanHasDeltaBias) ? e.load(bias, {d}) : Value();
    Value dSkip = (flags & kScanHasD) ? e.load(skip, {d}) : Value();
    e.loop(L, [&](Value t) {
      Value dt = e.load(delta, {b, t, d});
      if (dtBias)
        dt = e.add(dt, dtBias);
      if (flags & kScanSoftplus) {
        // torch's softplus: linear above 20.
        Value soft = math::Log1pOp::create(ib, math::ExpOp::create(ib, dt));
        Value big = arith::CmpFOp::create(ib, arith::CmpFPredicate::OGT, dt,
                                          e.f32(20.0));
        dt = arith::SelectOp::create(ib, big, dt, soft);
      }
      Value xv = e.load(x, {b, t, d});
      Value yv = e.sum(N, zero, [&](Value n, Value acc) {
        Value bn = (flags & kScanBPerChannel) ? e.load(Bm, {e.idx(0), d, n})
                                              : e.load(Bm, {b, t, n});
        Value cn = (flags & kScanCPerChannel) ? e.load(Cm, {e.idx(0), d, n})
                                              : e.load(Cm, {b, t, n});
        Value decay = math::ExpOp::create(ib, e.mul(dt, e.load(A, {d, n})));
        Value h = e.add(e.mul(decay, e.load(hLast, {b, d, n})),
                        e.mul(e.mul(dt, bn), xv));
        e.store(h, hLast, {b, d, n});
        return e.add(acc, e.mul(h, cn));
      });
      if (dSkip)
        yv = e.add(yv, e.mul(dSkip, xv));
      if (flags & kScanHasZ) {
        // z · sigmoid(z) = z / (1 + e^-z)
        Value zv = e.load(z, {b, t, d});
        Value denom =
            e.add(one, math::ExpOp::create(ib, arith::NegFOp::create(ib, zv)));
        yv = e.mul(yv, arith::DivFOp::create(ib, zv, denom));
      }
      e.store(yv, y, {b, t, d});
    });
  });
  call.erase();
  return success();
}

/// tessera_layer_norm_f32 / tessera_rms_norm_f32(x [R, C], scale
/// [C], bias [C]; y [R, C]; epsilon, flags): one thread per row, its
/// statistics by sequential sums. Layer norm: mean, then the mean square of
/// x - mean, y = (x - mean) * rsqrt(var + eps) * scale (+ bias with flags
/// 1); RMS norm: y = x * rsqrt(mean(x^2) + eps) * scale.
LogicalResult expandNorm(tessera::CallKernelOp call, bool layerNorm) {
  if (!hasShape(call, {2, 1, 1}, {2}, {true, false}))
    return call.emitError()
           << call.getKernel()
           << " expects x (rank 2), scale, bias (rank 1; f32), one output and "
              "the scalars (epsilon : f32, flags : i64)";
  int64_t flags = scalarInt(call, 1);
  if (flags & ~kNormFlags)
    return call.emitError() << call.getKernel() << ": unknown flags " << flags;
  Value x = call.getInputs()[0], scale = call.getInputs()[1],
        bias = call.getInputs()[2], y = call.getOutputs()[0];
  double eps = cast<FloatAttr>(call.getScalars()[0]).getValueAsDouble();
  ImplicitLocOpBuilder ib(call.getLoc(), call);
  Builder e{ib};
  Value R = e.dim(x, 0), C = e.dim(x, 1);
  Value zero = e.f32(0.0);
  Value count = arith::UIToFPOp::create(
      ib, ib.getF32Type(),
      arith::IndexCastUIOp::create(ib, ib.getI64Type(), C));
  e.parallel({R}, [&](ValueRange ivs) {
    Value r = ivs[0];
    Value mean;
    if (layerNorm)
      mean = arith::DivFOp::create(ib,
                                   e.sum(C, zero,
                                         [&](Value c, Value acc) {
                                           return e.add(acc, e.load(x, {r, c}));
                                         }),
                                   count);
    auto centered = [&](Value c) {
      Value v = e.load(x, {r, c});
      return mean ? e.sub(v, mean) : v;
    };
    Value sq = e.sum(C, zero, [&](Value c, Value acc) {
      Value v = centered(c);
      return e.add(acc, e.mul(v, v));
    });
    Value inv = math::RsqrtOp::create(
        ib, e.add(arith::DivFOp::create(ib, sq, count), e.f32(eps)));
    e.loop(C, [&](Value c) {
      Value v = e.mul(e.mul(centered(c), inv), e.load(scale, {c}));
      if (flags & kNormHasBias)
        v = e.add(v, e.load(bias, {c}));
      e.store(v, y, {r, c});
    });
  });
  call.erase();
  return success();
}

struct GpuExpandKernelsPass
    : PassWrapper<GpuExpandKernelsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(GpuExpandKernelsPass)

  StringRef getArgument() const override {
    return "tessera-gpu-expand-kernels";
  }
  StringRef getDescription() const override {
    return "Expand the calls of the fused kernels that the GPU target "
           "generates (attention, selective scan, layer and RMS norm) into "
           "parallel loop nests";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, math::MathDialect,
                    memref::MemRefDialect, scf::SCFDialect>();
  }

  void runOnOperation() override {
    SmallVector<tessera::CallKernelOp> calls;
    getOperation().walk([&](tessera::CallKernelOp call) {
      if (llvm::is_contained({"tessera_attention_f32",
                              "tessera_selective_scan_f32",
                              "tessera_layer_norm_f32", "tessera_rms_norm_f32"},
                             call.getKernel()))
        calls.push_back(call);
    });
    for (tessera::CallKernelOp call : calls) {
      if (call->getNumResults() != 0) {
        call.emitError("expects a kernel call on buffers (bufferize first)");
        return signalPassFailure();
      }
      StringRef kernel = call.getKernel();
      LogicalResult done = kernel == "tessera_attention_f32"
                               ? expandAttention(call)
                           : kernel == "tessera_selective_scan_f32"
                               ? expandSelectiveScan(call)
                               : expandNorm(call, kernel.contains("layer"));
      if (failed(done))
        return signalPassFailure();
    }
  }
};

} // namespace

std::unique_ptr<Pass> mlir::tessera::createGpuExpandKernelsPass() {
  return std::make_unique<GpuExpandKernelsPass>();
}
