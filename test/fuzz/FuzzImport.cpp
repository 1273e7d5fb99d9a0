// libFuzzer target: bytes as a serialized ONNX ModelProto, imported into the
// tessera dialect. A model that imports must verify; anything else must end
// in a diagnostic, never a crash, hang or runaway allocation.
#include "test/fuzz/FuzzCommon.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <cstdio>
#include <cstdlib>

using namespace mlir;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // A fresh context per input: interned types and constants do not pile up.
  MLIRContext ctx(MLIRContext::Threading::DISABLED);
  OwningOpRef<ModuleOp> module = importFuzzInput(ctx, data, size);
  if (module && failed(verify(*module))) {
    fprintf(stderr, "tessera-fuzz-import: an imported module does not "
                    "verify\n");
    abort();
  }
  return 0;
}
