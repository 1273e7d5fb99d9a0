# TfIdfVectorizer: n-gram windows compared with the pool's n-grams of each
# length (one broadcast Equal per token position, per skip distance), counts
# summed over the windows, gathered into the output columns, then weighted.
# RUN: rm -rf %t && %python %s %t
# RUN: %python -m onnx_testlib %t | FileCheck %s
import sys

from onnx_testlib import Suite, node

s = Suite(sys.argv[1])


def tfidf(name, shape, dt="i64", **kw):
    attrs = dict(mode="TF", min_gram_length=1, max_gram_length=2, max_skip_count=1,
                 ngram_counts=[0, 2], ngram_indexes=[0, 1, 2], pool_int64s=[4, 5, 4, 5])
    attrs.update(kw)
    attrs = {k: v for k, v in attrs.items() if v is not None}
    s.add(name, [node("TfIdfVectorizer", ["x"], ["y"], **attrs)], [("x", shape, dt)], ["y"])


tfidf("tf_batch", [2, 5])
tfidf("idf_1d_i32_weights", [6], dt="i32", mode="IDF", weights=[0.5, 2.0, 1.5])
tfidf("tfidf_bigrams_only", [4], mode="TFIDF", min_gram_length=2)
tfidf("unigrams_out_of_range", [4], min_gram_length=3, max_gram_length=3)
tfidf("i32_wide_id", [4], dt="i32", max_gram_length=1, pool_int64s=[4, 1 << 40, 4, 5])
tfidf("err_mode", [4], mode="BM25")
tfidf("err_strings", [4], pool_strings=["a", "b"])
tfidf("err_float_input", [4], dt="f32")
tfidf("err_rank3", [1, 2, 4])
tfidf("err_lengths", [4], min_gram_length=2, max_gram_length=1)
tfidf("err_indexes_count", [4], ngram_indexes=[0, 1])
tfidf("err_pool_multiple", [4], pool_int64s=[4, 5, 4])
tfidf("err_weights", [4], mode="TFIDF", weights=[1.0])
tfidf("err_missing", [4], max_skip_count=None)

# Unigrams once (skip distance 1); the bigram (4, 5) at distances 1 and 2.
# CHECK-LABEL: // CASE: tf_batch
# CHECK: %[[U:.+]] = tessera.constant dense<[4, 5]> : tensor<2xi64>
# CHECK: %[[X:.+]] = tessera.reshape %arg0 : tensor<2x5xi64> to tensor<2x5x1xi64>
# CHECK: %[[E:.+]] = tessera.equal %[[X]], %[[U]] : (tensor<2x5x1xi64>, tensor<2xi64>) -> tensor<2x5x2xi1>
# CHECK: %[[C:.+]] = tessera.cast %[[E]] : tensor<2x5x2xi1> to tensor<2x5x2xf32>
# CHECK: %[[UNI:.+]] = tessera.reduce_sum %[[C]] {axes = array<i64: 1>, keepdims = false} : tensor<2x5x2xf32> to tensor<2x2xf32>
# CHECK: %[[FIRST:.+]] = tessera.constant dense<4> : tensor<1xi64>
# CHECK: %[[SECOND:.+]] = tessera.constant dense<5> : tensor<1xi64>
# CHECK: tessera.slice %arg0 {starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : tensor<2x5xi64> to tensor<2x4xi64>
# CHECK: tessera.slice %arg0 {starts = array<i64: 0, 1>, steps = array<i64: 1, 1>} : tensor<2x5xi64> to tensor<2x4xi64>
# CHECK: tessera.and {{.*}} -> tensor<2x4x1xi1>
# CHECK: %[[D1:.+]] = tessera.reduce_sum {{.*}} : tensor<2x4x1xf32> to tensor<2x1xf32>
# CHECK: tessera.slice %arg0 {starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : tensor<2x5xi64> to tensor<2x3xi64>
# CHECK: tessera.slice %arg0 {starts = array<i64: 0, 2>, steps = array<i64: 1, 1>} : tensor<2x5xi64> to tensor<2x3xi64>
# CHECK: %[[D2:.+]] = tessera.reduce_sum {{.*}} : tensor<2x3x1xf32> to tensor<2x1xf32>
# CHECK: %[[BI:.+]] = tessera.add %[[D1]], %[[D2]]
# CHECK: %[[Z:.+]] = tessera.constant dense<0.000000e+00> : tensor<2x1xf32>
# CHECK: %[[ALL:.+]] = tessera.concat %[[UNI]], %[[BI]], %[[Z]] {axis = 1 : i64} : (tensor<2x2xf32>, tensor<2x1xf32>, tensor<2x1xf32>) -> tensor<2x4xf32>
# CHECK: %[[COLS:.+]] = tessera.constant dense<[0, 1, 2]> : tensor<3xi64>
# CHECK: %[[Y:.+]] = tessera.gather %[[ALL]], %[[COLS]] {axis = 1 : i64} : (tensor<2x4xf32>, tensor<3xi64>) -> tensor<2x3xf32>
# CHECK-NOT: tessera.mul
# CHECK: return %[[Y]] : tensor<2x3xf32>

# CHECK-LABEL: // CASE: idf_1d_i32_weights
# CHECK: tessera.reshape %arg0 : tensor<6xi32> to tensor<1x6xi32>
# CHECK: tessera.constant dense<[4, 5]> : tensor<2xi32>
# CHECK: %[[Y:.+]] = tessera.gather {{.*}} -> tensor<1x3xf32>
# CHECK: %[[W:.+]] = tessera.constant dense<[5.000000e-01, 2.000000e+00, 1.500000e+00]> : tensor<3xf32>
# CHECK: %[[SEEN:.+]] = tessera.greater %[[Y]], %{{.+}} : (tensor<1x3xf32>, tensor<f32>) -> tensor<1x3xi1>
# CHECK: %[[R:.+]] = tessera.where %[[SEEN]], %[[W]], %{{.+}} : (tensor<1x3xi1>, tensor<3xf32>, tensor<f32>) -> tensor<1x3xf32>
# CHECK: tessera.reshape %[[R]] : tensor<1x3xf32> to tensor<3xf32>

# Only the bigram counts; columns 0 and 1 (the unigrams') read the zero column.
# CHECK-LABEL: // CASE: tfidf_bigrams_only
# CHECK-NOT: dense<[4, 5]>
# CHECK: tessera.concat %{{.+}}, %{{.+}} {axis = 1 : i64} : (tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<1x2xf32>
# CHECK: tessera.constant dense<[1, 1, 0]> : tensor<3xi64>
# CHECK-NOT: tessera.mul
# CHECK-NOT: tessera.where
# CHECK: return

# CHECK-LABEL: // CASE: unigrams_out_of_range
# CHECK-NEXT: module
# CHECK-NEXT: func.func
# CHECK-NEXT: %[[Z:.+]] = tessera.constant dense<0.000000e+00> : tensor<3xf32>
# CHECK-NEXT: return %[[Z]]

# An id that int32 tokens cannot hold matches nothing (it must not wrap).
# CHECK-LABEL: // CASE: i32_wide_id
# CHECK: tessera.constant dense<4> : tensor<1xi32>
# CHECK: tessera.equal {{.*}} -> tensor<1x4x1xi1>
# CHECK: tessera.constant dense<[0, 1, 1]> : tensor<3xi64>
# CHECK: return

# CHECK-LABEL: // CASE: err_mode
# CHECK: node 'TfIdfVectorizer_y' (op type 'TfIdfVectorizer', opset 17): mode 'BM25' is not TF, IDF or TFIDF
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: err_strings
# CHECK: pool_strings is not supported (Tessera has no string tensors); give the pool as pool_int64s
# CHECK-LABEL: // CASE: err_float_input
# CHECK: input must be int32 or int64 token ids
# CHECK-LABEL: // CASE: err_rank3
# CHECK: input must have shape [C] or [B, C], found rank 3
# CHECK-LABEL: // CASE: err_lengths
# CHECK: needs 1 <= min_gram_length <= max_gram_length, found 2 and 1
# CHECK-LABEL: // CASE: err_indexes_count
# CHECK: ngram_indexes has 2 entries, fewer than the pool's n-grams
# CHECK-LABEL: // CASE: err_pool_multiple
# CHECK: the pool's 2-grams (1 ids) are not a multiple of 2 ids
# CHECK-LABEL: // CASE: err_weights
# CHECK: weights has 1 entries, fewer than the output's 3 columns
# CHECK-LABEL: // CASE: err_missing
# CHECK: missing required attribute 'max_skip_count'
# CHECK: // EXIT: 1
