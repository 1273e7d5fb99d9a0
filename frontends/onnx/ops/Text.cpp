// TfIdfVectorizer over integer token ids, decomposed into tessera ops.
//
// For each n-gram length n in [min_gram_length, max_gram_length] and each
// skip distance d (1 for unigrams, 1..max_skip_count+1 otherwise), the
// windows x[i], x[i+d], ..., x[i+(n-1)d] are compared with all of the pool's
// n-grams of that length at once: one broadcast Equal per position in the
// n-gram gives [B, windows, pool n-grams], their conjunction summed over the
// windows counts each pool n-gram. The op count grows with the n-gram lengths
// and skips, not with the pool. A gather then places each pool n-gram's count
// in its output column (ngram_indexes), and the mode weights it.
#include "frontends/onnx/Importer.h"

#include <limits>
#include <map>

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

namespace {
/// The pool's n-grams of one length that the op counts.
struct NgramSet {
  int64_t length = 0;
  /// [count][length] token ids, row-major.
  SmallVector<int64_t> tokens;
  /// The output column of each n-gram.
  SmallVector<int64_t> columns;
  int64_t size() const { return int64_t(columns.size()); }
};
} // namespace

/// The pool's n-grams with a length in [minLen, maxLen] and ids in [idMin,
/// idMax] (the input type's range), each with its output column. A repeated
/// n-gram keeps the column of its last occurrence, as ONNX's reference
/// does.
static FailureOr<SmallVector<NgramSet>>
readPool(Importer &im, ArrayRef<int64_t> pool, ArrayRef<int64_t> counts,
         ArrayRef<int64_t> indexes, int64_t minLen, int64_t maxLen,
         int64_t idMin, int64_t idMax) {
  SmallVector<NgramSet> sets;
  int64_t id = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    int64_t length = int64_t(i) + 1;
    int64_t begin = counts[i];
    int64_t end = i + 1 < counts.size() ? counts[i + 1] : int64_t(pool.size());
    if (begin < 0 || end < begin || end > int64_t(pool.size()))
      return im.fail("ngram_counts must be ascending offsets into the pool");
    if ((end - begin) % length != 0)
      return im.fail("the pool's " + Twine(length) + "-grams (" +
                     Twine(end - begin) + " ids) are not a multiple of " +
                     Twine(length) + " ids");
    int64_t grams = (end - begin) / length;
    if (id + grams > int64_t(indexes.size()))
      return im.fail("ngram_indexes has " + Twine(indexes.size()) +
                     " entries, fewer than the pool's n-grams");
    if (length < minLen || length > maxLen) {
      id += grams;
      continue;
    }
    std::map<SmallVector<int64_t>, int64_t> columnOf;
    SmallVector<SmallVector<int64_t>> order;
    for (int64_t g = 0; g < grams; ++g, ++id) {
      SmallVector<int64_t> gram(pool.begin() + begin + g * length,
                                pool.begin() + begin + (g + 1) * length);
      if (!columnOf.count(gram))
        order.push_back(gram);
      columnOf[gram] = indexes[id];
    }
    NgramSet set;
    set.length = length;
    for (const auto &gram : order) {
      // An id the input's type cannot hold matches no token (and must not
      // wrap into one that can).
      if (llvm::any_of(gram, [&](int64_t v) { return v < idMin || v > idMax; }))
        continue;
      set.tokens.append(gram.begin(), gram.end());
      set.columns.push_back(columnOf[gram]);
    }
    sets.push_back(std::move(set));
  }
  if (id != int64_t(indexes.size()))
    return im.fail("ngram_indexes has " + Twine(indexes.size()) +
                   " entries but the pool has " + Twine(id) + " n-grams");
  return sets;
}

/// Counts of the n-grams of `set` in the rows of x [B, C]: [B, set.size()]
/// f32, summed over the skip distances 1..maxSkip+1 (1 only for unigrams);
/// null when the set is empty or longer than a row.
static Value countNgrams(Importer &im, Value x, const NgramSet &set,
                         int64_t maxSkip) {
  auto xt = Importer::typeOf(x);
  int64_t b = xt.getDimSize(0), c = xt.getDimSize(1), q = set.size();
  if (q == 0)
    return Value();
  Type et = xt.getElementType();
  auto f32 = im.builder.getF32Type();
  auto i1 = im.builder.getI1Type();
  auto hitType = [&](int64_t windows) {
    return RankedTensorType::get({b, windows, q}, i1);
  };
  // Token k of every pool n-gram.
  SmallVector<Value> pool;
  for (int64_t k = 0; k < set.length; ++k) {
    SmallVector<int64_t> column;
    for (int64_t g = 0; g < q; ++g)
      column.push_back(set.tokens[g * set.length + k]);
    pool.push_back(
        im.constant(makeConst(RankedTensorType::get({q}, et), column)));
  }
  Value total;
  int64_t maxDistance = set.length == 1 ? 1 : maxSkip + 1;
  for (int64_t d = 1; d <= maxDistance; ++d) {
    int64_t windows = c - d * (set.length - 1);
    if (windows <= 0)
      break;
    Value hit;
    for (int64_t k = 0; k < set.length; ++k) {
      // Token k of every window, against token k of every pool n-gram.
      Value tokens =
          windows == c
              ? x
              : SliceOp::create(im.builder, im.loc,
                                RankedTensorType::get({b, windows}, et), x,
                                im.builder.getDenseI64ArrayAttr({0, d * k}),
                                im.builder.getDenseI64ArrayAttr({1, 1}))
                    .getResult();
      Value eq = im.create<EqualOp>(
          hitType(windows), im.reshape(tokens, {b, windows, 1}), pool[k]);
      hit = hit ? im.create<AndOp>(hitType(windows), hit, eq) : eq;
    }
    Value counts =
        im.create<CastOp>(RankedTensorType::get({b, windows, q}, f32), hit);
    Value sum = ReduceSumOp::create(im.builder, im.loc,
                                    RankedTensorType::get({b, q}, f32), counts,
                                    im.builder.getDenseI64ArrayAttr({1}),
                                    im.builder.getBoolAttr(false))
                    .getResult();
    total = total ? im.create<AddOp>(Importer::typeOf(sum), total, sum) : sum;
  }
  return total;
}

static LogicalResult importTfIdfVectorizer(Importer &im) {
  TensorInfo *xi = im.input(0);
  if (!xi)
    return failure();
  for (StringRef required :
       {"max_gram_length", "min_gram_length", "max_skip_count", "mode",
        "ngram_counts", "ngram_indexes"})
    if (!im.attr(required))
      return im.fail("missing required attribute '" + required + "'");
  if (im.attr("pool_strings"))
    return im.fail("pool_strings is not supported (Tessera has no string "
                   "tensors); give the pool as pool_int64s");
  Type et = xi->type.getElementType();
  if (!et.isInteger(32) && !et.isInteger(64))
    return im.fail("input must be int32 or int64 token ids");
  int64_t rank = xi->type.getRank();
  if (rank > 2)
    return im.fail("input must have shape [C] or [B, C], found rank " +
                   Twine(rank));
  int64_t minLen = im.attrInt("min_gram_length", 0);
  int64_t maxLen = im.attrInt("max_gram_length", 0);
  int64_t maxSkip = im.attrInt("max_skip_count", 0);
  if (minLen < 1 || maxLen < minLen)
    return im.fail("needs 1 <= min_gram_length <= max_gram_length, found " +
                   Twine(minLen) + " and " + Twine(maxLen));
  if (maxSkip < 0)
    return im.fail("max_skip_count must not be negative");
  std::string mode = im.attrString("mode", "");
  if (mode != "TF" && mode != "IDF" && mode != "TFIDF")
    return im.fail("mode '" + mode + "' is not TF, IDF or TFIDF");
  SmallVector<int64_t> counts = *im.attrInts("ngram_counts");
  SmallVector<int64_t> indexes = *im.attrInts("ngram_indexes");
  SmallVector<int64_t> pool =
      im.attrInts("pool_int64s").value_or(SmallVector<int64_t>());
  if (indexes.empty())
    return im.fail("ngram_indexes is empty");
  int64_t width = *llvm::max_element(indexes) + 1;
  if (*llvm::min_element(indexes) < 0)
    return im.fail("ngram_indexes must not be negative");
  SmallVector<double> weights;
  if (const auto *w = im.attr("weights"))
    weights.assign(w->floats().begin(), w->floats().end());
  if (!weights.empty() && int64_t(weights.size()) < width)
    return im.fail("weights has " + Twine(weights.size()) +
                   " entries, fewer than the output's " + Twine(width) +
                   " columns");
  FailureOr<SmallVector<NgramSet>> sets =
      readPool(im, pool, counts, indexes, minLen, maxLen,
               et.isInteger(32) ? std::numeric_limits<int32_t>::min()
                                : std::numeric_limits<int64_t>::min(),
               et.isInteger(32) ? std::numeric_limits<int32_t>::max()
                                : std::numeric_limits<int64_t>::max());
  if (failed(sets))
    return failure();

  // Rows [B, C]; a 1-D input is one row, a scalar one token.
  int64_t b = rank == 2 ? xi->type.getDimSize(0) : 1;
  int64_t c = rank == 0 ? 1 : xi->type.getDimSize(rank - 1);
  auto f32 = im.builder.getF32Type();
  SmallVector<int64_t> outShape =
      rank == 2 ? SmallVector<int64_t>{b, width} : SmallVector<int64_t>{width};
  auto outType = RankedTensorType::get(outShape, f32);
  // No n-gram of the pool fits in a row: all counts are zero.
  if (llvm::none_of(*sets, [&](const NgramSet &set) {
        return b > 0 && set.size() > 0 && set.length <= c;
      })) {
    im.setOutput(0, im.constant(makeSplat(outType, 0)));
    return success();
  }
  Value x = im.reshape(im.materialize(*xi), {b, c});

  // Each pool n-gram's count, then a zero column for output columns that no
  // n-gram fills.
  SmallVector<Value> parts;
  SmallVector<int64_t> columns;
  for (const NgramSet &set : *sets) {
    if (Value v = countNgrams(im, x, set, maxSkip)) {
      parts.push_back(v);
      columns.append(set.columns);
    }
  }
  parts.push_back(
      im.constant(makeSplat(RankedTensorType::get({b, 1}, f32), 0)));
  int64_t found = int64_t(columns.size());
  Value all = im.create<ConcatOp>(RankedTensorType::get({b, found + 1}, f32),
                                  parts, int64_t(1));
  // Output column o gathers the count of the j-th n-gram mapped to it, for
  // each j that some column has (distinct n-grams may share a column).
  SmallVector<SmallVector<int64_t>> sources(width);
  for (auto [g, col] : llvm::enumerate(columns))
    sources[col].push_back(int64_t(g));
  size_t depth = 0;
  for (const auto &s : sources)
    depth = std::max(depth, s.size());
  auto i64 = im.builder.getI64Type();
  auto rowType = RankedTensorType::get({b, width}, f32);
  Value y;
  for (size_t j = 0; j < depth; ++j) {
    SmallVector<int64_t> pick;
    for (const auto &s : sources)
      pick.push_back(j < s.size() ? s[j] : found);
    Value idx =
        im.constant(makeConst(RankedTensorType::get({width}, i64), pick));
    Value part = im.create<GatherOp>(rowType, all, idx, int64_t(1));
    y = y ? im.create<AddOp>(rowType, y, part) : part;
  }
  // IDF: the weight (1 without weights) where the count is nonzero; TFIDF:
  // the count times the weight.
  if (mode == "IDF" || (mode == "TFIDF" && !weights.empty())) {
    Value w = weights.empty()
                  ? im.scalar(f32, 1)
                  : im.constant(makeConstF(
                        RankedTensorType::get({width}, f32),
                        ArrayRef<double>(weights).take_front(width)));
    if (mode == "IDF") {
      Value seen = im.create<GreaterOp>(
          RankedTensorType::get({b, width}, im.builder.getI1Type()), y,
          im.scalar(f32, 0));
      y = im.create<WhereOp>(rowType, seen, w, im.scalar(f32, 0));
    } else {
      y = im.create<MulOp>(rowType, y, w);
    }
  }
  im.setOutput(0, im.reshape(y, outShape));
  return success();
}

void mlir::tessera::onnx_import::registerTextOps(OpTable &t) {
  t["TfIdfVectorizer"] = importTfIdfVectorizer;
}
