// Internal helpers shared by the runtime: error reporting and dtype tables.
#ifndef TESSERA_RUNTIME_SUPPORT_H
#define TESSERA_RUNTIME_SUPPORT_H

#include "tessera_runtime.h"

namespace tessera {

// Records a printf-style message as this thread's last error and returns
// `status`, so callers can write `return setError(...)`.
tessera_status setError(tessera_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

// Formats a shape as "[2,3]" into buf (always NUL-terminated).
void formatShape(char *buf, size_t size, int32_t rank, const int64_t *shape);

} // namespace tessera

#endif
