// The analyses the SSM recognitions share: time slices, products of
// broadcast factors in a common "frame" of dimensions, chains of steps of a
// linear recurrence h_t = a_t * h_{t-1} + b_t in a graph unrolled over time,
// and the stacking of per-step outputs.
#ifndef TESSERA_PASSES_SSM_RECURRENCE_H
#define TESSERA_PASSES_SSM_RECURRENCE_H

#include "tessera/IR/TesseraOps.h"

#include "mlir/IR/PatternMatch.h"

#include <optional>

namespace mlir::tessera::ssm {

/// `v = src[.., index, ..]` along `axis`: a gather with a constant scalar
/// index (the axis is dropped), or a size-1 slice (`keepsAxis`), possibly
/// followed by a reshape that drops that unit axis.
struct TimeSlice {
  Value src;
  int64_t axis = 0;
  int64_t index = 0;
  bool keepsAxis = false;
};
std::optional<TimeSlice> matchTimeSlice(Value v);

/// One factor of a product in a common frame of dimensions: `base`'s dim i
/// runs along frame dim `dims[i]`, or is a broadcast unit dim (-1).
struct Factor {
  Value base;
  SmallVector<int64_t> dims;
  /// The same values before any transposes/unit reshapes were looked
  /// through (what `materialize` reuses, so the graph's own layout ops stay
  /// shared); not part of the identity.
  Value origin;
  SmallVector<int64_t> originDims;
  /// Every layout-equivalent value met on the way (outermost first, `base`
  /// last) with its frame dims: `materialize` takes one already in the
  /// wanted order when there is one.
  SmallVector<std::pair<Value, SmallVector<int64_t>>, 2> views;
  /// Elementwise unary ops (softplus, sigmoid, exp, silu) applied to the
  /// base, innermost first: a softplus of a time slice is a slice of the
  /// softplus.
  SmallVector<OperationName, 1> fns;
  bool operator==(const Factor &o) const {
    return base == o.base && dims == o.dims && fns == o.fns;
  }
  /// Whether the factor varies along frame dim `d`.
  bool touches(int64_t d) const { return llvm::is_contained(dims, d); }
};

/// A product of factors times a constant.
struct Product {
  SmallVector<Factor, 4> factors;
  double coefficient = 1.0;
  /// The frame dims any factor varies along.
  llvm::SmallDenseSet<int64_t> touched() const;
};

/// Factors `v` (whose dim i runs along frame dim `vDims[i]`, -1 for unit
/// dims) through multiplications, negations, splat constants, transposes,
/// reshapes that only add or drop unit dims, and einsums without summed
/// labels. With `step`, time slices at index `*step` are expanded into their
/// full source tensors (the source's sliced axis runs along frame dim
/// `timeDim`), and a slice at another index fails the match; other values
/// become leaves. Returns false when the structure contradicts itself.
struct LayoutViews;
bool factorize(Value v, ArrayRef<int64_t> vDims, std::optional<int64_t> step,
               int64_t timeDim, Product &out, Value origin = Value(),
               ArrayRef<int64_t> originDims = {},
               LayoutViews *views = nullptr);

/// Builds `part` as a tensor whose dims run along frame dims `want` (sizes
/// `sizes`, in frame order): each factor's dims are transposed into place,
/// missing dims broadcast, and the product broadcast to the full shape.
/// A frame dim of -1 in `want` is a unit dim.
Value materialize(PatternRewriter &rewriter, Location loc, const Product &part,
                  ArrayRef<int64_t> want, ArrayRef<int64_t> frameSizes,
                  Type elementType);

/// Transposes/reshapes `v`, whose dims run along frame dims `from` (-1 for a
/// unit dim), into the layout `to` (a permutation of `from`'s non-unit dims
/// plus unit dims), for moving results back into the graph's layout.
Value relayout(PatternRewriter &rewriter, Location loc, Value v,
               ArrayRef<int64_t> from, ArrayRef<int64_t> to,
               ArrayRef<int64_t> frameSizes);

/// One step `h = a * prev + b` (operands in any order), or `h = prev + b`
/// (no decay: `mul` and `a` are null). A chain whose first state was folded
/// away (`0·a + b` or `0 + b` simplified to `b`) starts with a virtual step
/// whose `h` is that value and whose `add` is null.
struct Step {
  AddOp add;
  MulOp mul;
  Value a, b, prev, h;
};

/// The chains of steps in `func`, each in order (head first): the head's
/// `prev` is not a step; every later step's `prev` is the previous step's
/// result. A chain is only reported when each step's result feeds exactly
/// one next step. When the head's `prev` is not a constant, a virtual step
/// holding it is put first (the caller checks whether it is a first step
/// `b_0` or an initial state). Linear in the size of `func`.
SmallVector<SmallVector<Step>> findRecurrenceChains(Operation *func);

/// Finds the chains under `root` in one sweep and calls `fuse` on each
/// whose ops are all still there (a fusion erases its chain's ops, which
/// chains found in the same sweep may mention). A chain with a virtual first
/// step is tried as found (b_0 with its recurrence folded away), then
/// without it (the value is an initial state). Returns how many fused.
int64_t fuseRecurrenceChains(
    Operation *root,
    function_ref<LogicalResult(ArrayRef<Step>, PatternRewriter &)> fuse);

/// `y_0 .. y_{L-1}` stacked along `axis` of a single concat, in order: each
/// y_t through a reshape that inserts that unit axis (`inserted`), or each
/// y_t already of size 1 there (torch.cat of keep-dim slices).
struct Stack {
  ConcatOp concat;
  int64_t axis = 0;
  bool inserted = true;
};
std::optional<Stack> matchStack(ArrayRef<Value> ys);

/// The values `v`'s reduced label analysis of a two-operand einsum: the
/// equation's operand and result labels.
struct EinsumLabels {
  std::string lhs, rhs, out;
};
std::optional<EinsumLabels> parseEinsum(EinsumOp op);

/// A state's dims as frame dims (unit dims -1).
SmallVector<int64_t> frameDimsOf(Value v);
/// The dims of `x` right-aligned (numpy broadcasting) against `dims`.
SmallVector<int64_t> alignTo(Value x, ArrayRef<int64_t> dims);
bool sameProduct(const Product &a, const Product &b);
/// Whether every frame dim `p` varies along is in `allowed`.
bool touchesOnly(const Product &p, ArrayRef<int64_t> allowed);

/// How a step's state is read out: y_t = sum over state dim `n` of h_t·C_t,
/// as an einsum, a reduce_sum of a product, or a matmul c[.., 1, K]·h.
struct Readout {
  Operation *op = nullptr;
  int64_t n = -1;
  SmallVector<int64_t> yDims; // frame dim of each dim of y_t (-1: unit)
  Product c;
};
std::optional<Readout> analyzeReadout(Operation *user, Value h, int64_t t,
                                      int64_t timeDim);

/// The read-out of step `t`'s state: its only user besides the next step
/// (the last state may have more users, which take the final state).
std::optional<Readout> stepReadout(ArrayRef<Step> chain, size_t t,
                                   int64_t timeDim);

/// The op's initial state in layout `want`: null for a zero start, failure
/// when the head's state is not available before `before`.
FailureOr<Value> initialState(PatternRewriter &rewriter, Location loc,
                              ArrayRef<Step> chain, Operation *before,
                              ArrayRef<int64_t> want,
                              ArrayRef<int64_t> frameSizes);

/// Wires a fused op into the graph: `y` (dims along `yFrom`) replaces the
/// stack's concat in the read-outs' layout (`readoutDims` with time at the
/// stack axis); `finalState` (dims along `stateFrom`) takes the uses of the
/// last state other than its own read-out; the read-outs and the chain are
/// erased.
void replaceChainResults(PatternRewriter &rewriter, Location loc,
                         ArrayRef<Step> chain, ArrayRef<Value> ys,
                         const Stack &stack, ArrayRef<int64_t> readoutDims,
                         Value y, ArrayRef<int64_t> yFrom, Value finalState,
                         ArrayRef<int64_t> stateFrom,
                         ArrayRef<int64_t> frameSizes, int64_t timeDim);

/// Erases `root`'s now dead producers (trivially dead ops), walking back.
void eraseDeadProducers(PatternRewriter &rewriter, ArrayRef<Value> roots);

} // namespace mlir::tessera::ssm

#endif // TESSERA_PASSES_SSM_RECURRENCE_H
