# The ai.onnx.preview.training optimizer steps (Adagrad, Momentum, Adam) as
# elementwise tessera ops: the step's scalar (decayed or bias-corrected rate,
# or the gradient's weight) in f64 from R and T, then each tensor's update in
# its own type; models importing only the training domain, or both.
# RUN: rm -rf %t && %python %s %t
# RUN: %python -m onnx_testlib %t | FileCheck %s
import sys

from onnx import helper

from onnx_testlib import DTYPES, Suite

s = Suite(sys.argv[1])
TR = "ai.onnx.preview.training"


def opt(name, op, n=1, shape=(3,), dt="f32", rdt="f32", tdt="i64", outs=None,
        training_opset=1, default_opset=None, extra=(), rshape=(), last_shape=None,
        drop_last=False, **attrs):
    kinds = {"Adagrad": "XGH", "Momentum": "XGV", "Adam": "XGVH"}[op]
    names = ["R", "T"] + [f"{k}{i}" for k in kinds for i in range(n)]
    if drop_last:
        names.pop()
    ins = [("R", list(rshape), rdt), ("T", [], tdt)] + [(m, list(shape), dt) for m in names[2:]]
    if last_shape:
        ins[-1] = (ins[-1][0], list(last_shape), dt)
    outs = outs or [f"{k}{i}_new" for k in kinds[:1] + kinds[2:] for i in range(n)]
    nodes = [helper.make_node(op, names, outs, name=f"{op}_0", domain=TR, **attrs)]
    nodes += list(extra)
    graph = helper.make_graph(nodes, name,
        [helper.make_tensor_value_info(m, DTYPES[d], sh) for m, sh, d in ins],
        [helper.make_empty_tensor_value_info(o) for o in outs if o] +
        [helper.make_empty_tensor_value_info(e.output[0]) for e in extra])
    imports = [helper.make_opsetid(TR, training_opset)]
    if default_opset:
        imports.append(helper.make_opsetid("", default_opset))
    model = helper.make_model(graph, opset_imports=imports)
    model.ir_version = 8
    s.save(name, model)

opt("adagrad", "Adagrad", decay_factor=0.1, epsilon=1e-5, norm_coefficient=0.01)
opt("momentum_nesterov_two", "Momentum", n=2, alpha=0.9, beta=0.5, mode="nesterov",
    norm_coefficient=0.0)
opt("adam_f64_post", "Adam", dt="f64", alpha=0.8, beta=0.9, norm_coefficient_post=0.1,
    outs=["X0_new", "", "H0_new"])
opt("momentum_with_default_domain", "Momentum", alpha=0.9, beta=0.5, mode="standard",
    norm_coefficient=0.0, default_opset=17,
    extra=[helper.make_node("Relu", ["X0_new"], ["relu"])])
opt("err_default_domain_not_imported", "Momentum", alpha=0.9, beta=0.5, mode="standard",
    norm_coefficient=0.0, extra=[helper.make_node("Relu", ["X0_new"], ["relu"])])
opt("err_momentum_mode", "Momentum", alpha=0.9, beta=0.5, mode="heavy", norm_coefficient=0.0)
opt("err_momentum_missing", "Momentum", alpha=0.9, mode="standard", norm_coefficient=0.0)
opt("err_int_x", "Adagrad", dt="i32")
opt("err_count_type", "Adagrad", tdt="i32")
opt("err_rate_shape", "Adagrad", rshape=(2,))
opt("err_state_shape", "Adam", last_shape=(4,))
opt("err_input_count", "Adam", n=2, drop_last=True)

# CHECK-LABEL: // CASE: adagrad
# CHECK: %[[R:.+]] = tessera.cast %arg0 : tensor<f32> to tensor<f64>
# CHECK: %[[T:.+]] = tessera.cast %arg1 : tensor<i64> to tensor<f64>
# CHECK: %[[DECAY:.+]] = tessera.constant dense<0.10000000149011612> : tensor<f64>
# CHECK: %[[TD:.+]] = tessera.mul %[[T]], %[[DECAY]]
# CHECK: %[[DEN:.+]] = tessera.add %{{.+}}, %[[TD]]
# CHECK: %[[RATE:.+]] = tessera.div %[[R]], %[[DEN]] : (tensor<f64>, tensor<f64>) -> tensor<f64>
# CHECK: %[[NC:.+]] = tessera.constant dense<0.00999999977> : tensor<f32>
# CHECK: %[[NX:.+]] = tessera.mul %[[NC]], %arg2
# CHECK: %[[G:.+]] = tessera.add %[[NX]], %arg3 : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
# CHECK: %[[RATE32:.+]] = tessera.cast %[[RATE]] : tensor<f64> to tensor<f32>
# CHECK: %[[GG:.+]] = tessera.mul %[[G]], %[[G]]
# CHECK: %[[H:.+]] = tessera.add %arg4, %[[GG]]
# CHECK: %[[SQ:.+]] = tessera.sqrt %[[H]]
# CHECK: %[[EPS:.+]] = tessera.constant dense<9.99999974E-6> : tensor<f32>
# CHECK: %[[HS:.+]] = tessera.add %[[SQ]], %[[EPS]]
# CHECK: %[[RG:.+]] = tessera.mul %[[RATE32]], %[[G]]
# CHECK: %[[STEP:.+]] = tessera.div %[[RG]], %[[HS]]
# CHECK: %[[X:.+]] = tessera.sub %arg2, %[[STEP]]
# CHECK: return %[[X]], %[[H]] : tensor<3xf32>, tensor<3xf32>

# Without a norm coefficient the gradient is used as is; outputs are X0, X1, V0, V1.
# CHECK-LABEL: // CASE: momentum_nesterov_two
# CHECK: %[[STARTED:.+]] = tessera.greater %arg1, %{{.+}} : (tensor<i64>, tensor<i64>) -> tensor<i1>
# CHECK: %[[BETA:.+]] = tessera.constant dense<5.000000e-01> : tensor<f64>
# CHECK: %[[ONE:.+]] = tessera.constant dense<1.000000e+00> : tensor<f64>
# CHECK: %[[GW:.+]] = tessera.where %[[STARTED]], %[[BETA]], %[[ONE]]
# CHECK-NOT: tessera.mul %{{.+}}, %arg2
# CHECK: %[[GW32:.+]] = tessera.cast %[[GW]] : tensor<f64> to tensor<f32>
# CHECK: %[[AV:.+]] = tessera.mul %{{.+}}, %arg6
# CHECK: %[[BG:.+]] = tessera.mul %[[GW32]], %arg4
# CHECK: %[[V0:.+]] = tessera.add %[[AV]], %[[BG]]
# CHECK: %[[AV0:.+]] = tessera.mul %{{.+}}, %[[V0]]
# CHECK: %[[DIR:.+]] = tessera.add %[[AV0]], %arg4
# CHECK: %[[RD:.+]] = tessera.mul %{{.+}}, %[[DIR]]
# CHECK: %[[X0:.+]] = tessera.sub %arg2, %[[RD]]
# CHECK: %[[V1:.+]] = tessera.add
# CHECK: %[[X1:.+]] = tessera.sub %arg3,
# CHECK: return %[[X0]], %[[X1]], %[[V0]], %[[V1]]

# Bias correction R * sqrt(1 - beta^T) / (1 - alpha^T) once T > 0; V_new is
# not an output; the X update scaled by 1 - norm_coefficient_post.
# CHECK-LABEL: // CASE: adam_f64_post
# CHECK: %[[BETA:.+]] = tessera.constant dense<0.89999997615814208> : tensor<f64>
# CHECK: %[[BT:.+]] = tessera.pow %[[BETA]], %{{.+}} : (tensor<f64>, tensor<f64>) -> tensor<f64>
# CHECK: %[[ALPHA:.+]] = tessera.constant dense<0.80000001192092896> : tensor<f64>
# CHECK: %[[AT:.+]] = tessera.pow %[[ALPHA]], %{{.+}}
# CHECK: %[[RATE:.+]] = tessera.where %{{.+}}, %{{.+}}, %{{.+}} : (tensor<i1>, tensor<f64>, tensor<f64>) -> tensor<f64>
# CHECK-NOT: tessera.cast %[[RATE]]
# CHECK: %[[X:.+]] = tessera.sub %arg2, %{{.+}} : (tensor<3xf64>, tensor<3xf64>) -> tensor<3xf64>
# CHECK: %[[POST:.+]] = tessera.constant dense<0.89999999850988388> : tensor<f64>
# CHECK: %[[XP:.+]] = tessera.mul %[[POST]], %[[X]]
# CHECK: return %[[XP]], %{{.+}} : tensor<3xf64>, tensor<3xf64>

# CHECK-LABEL: // CASE: momentum_with_default_domain
# CHECK: %[[X:.+]] = tessera.sub %arg2
# CHECK: %[[Y:.+]] = tessera.relu %[[X]]
# CHECK: return %[[X]], %{{.+}}, %[[Y]]

# CHECK-LABEL: // CASE: err_default_domain_not_imported
# CHECK: node 'Relu_1' (op type 'Relu', opset 0): the model does not import the default ONNX opset
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: err_momentum_mode
# CHECK: node 'Momentum_0' (op type 'Momentum', domain 'ai.onnx.preview.training', opset 1): mode 'heavy' is not 'standard' or 'nesterov'
# CHECK-LABEL: // CASE: err_momentum_missing
# CHECK: missing required attribute 'beta'
# CHECK-LABEL: // CASE: err_int_x
# CHECK: input 2 (X) must be a float tensor
# CHECK-LABEL: // CASE: err_count_type
# CHECK: input 1 (T, the update count) must be an int64 scalar
# CHECK-LABEL: // CASE: err_rate_shape
# CHECK: input 0 (R, the learning rate) must be a float scalar
# CHECK-LABEL: // CASE: err_state_shape
# CHECK: input 5 has type tensor<4xf32>, expected that of input 2 (tensor<3xf32>)
# CHECK-LABEL: // CASE: err_input_count
# CHECK: expects R, T and 4 lists of tensors of equal length, found 9 inputs
# CHECK: // EXIT: 1
