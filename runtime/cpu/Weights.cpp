// --weights=external: the weights of a compiled model live in a side file
// (OUT.weights) that is memory-mapped read-only on first use.
#include "tessera_runtime.h"

#include "cpu/Support.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <mutex>
#include <string>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

using tessera::setError;

namespace {

/// The directory of the binary that holds `anchor` (a shared library, or
/// the executable), with a trailing '/'; "" when unknown.
std::string binaryDirectory(const void *anchor) {
  std::string binary;
  Dl_info info;
  if (anchor && dladdr(anchor, &info) && info.dli_fname &&
      strchr(info.dli_fname, '/'))
    binary = info.dli_fname;
  // The main program's name as dladdr sees it may be relative to a former
  // working directory; /proc/self/exe is not.
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    char resolved[PATH_MAX];
    if (binary.empty() ||
        (realpath(binary.c_str(), resolved) && !strcmp(resolved, exe)))
      binary = exe;
  }
  size_t slash = binary.rfind('/');
  return slash == std::string::npos ? "" : binary.substr(0, slash + 1);
}

std::mutex mapMutex;

} // namespace

extern "C" tessera_status
tessera_map_weights(const void **base, const char *path, const char *fileName,
                    uint64_t size, const void *anchor) {
  if (!base || (!path && !fileName))
    return setError(TESSERA_ERR_INVALID_ARGUMENT,
                    "tessera_map_weights: null argument");
  std::lock_guard<std::mutex> lock(mapMutex);
  if (*base)
    return TESSERA_OK;
  std::string file = path ? path : binaryDirectory(anchor) + fileName;
  int fd = open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return setError(TESSERA_ERR_IO,
                    "cannot open the model's weights '%s': %s (compiled with "
                    "--weights=external; set its path with "
                    "NAME_set_weights_path)",
                    file.c_str(), strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || (uint64_t)st.st_size != size) {
    close(fd);
    return setError(TESSERA_ERR_FORMAT,
                    "the model's weights '%s' have %lld bytes; expected %llu "
                    "(a weights file from another build?)",
                    file.c_str(), (long long)st.st_size,
                    (unsigned long long)size);
  }
  void *data =
      size ? mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0) : nullptr;
  close(fd);
  if (data == MAP_FAILED)
    return setError(TESSERA_ERR_OUT_OF_MEMORY,
                    "cannot map the model's weights '%s': %s", file.c_str(),
                    strerror(errno));
  *base = data ? data : static_cast<const void *>(&mapMutex);
  return TESSERA_OK;
}
