// .npy reader/writer tests: round trips per dtype, reading numpy-written
// files (npy-read prints what it read), and malformed files.
#include "TestUtil.h"
#include "tessera_runtime.h"

#include <cstdio>
#include <cstring>
#include <string>

namespace {

bool roundTrip(const std::string &dir, const char *name, tessera_dtype dtype,
               int32_t rank, const int64_t *shape) {
  int64_t numel = 1;
  for (int32_t i = 0; i < rank; ++i)
    numel *= shape[i];
  size_t nbytes = numel * tessera_dtype_size(dtype);
  std::vector<unsigned char> data(nbytes + 1);
  for (size_t i = 0; i < nbytes; ++i)
    data[i] = (unsigned char)(i * 37 + 11);
  if (dtype == TESSERA_BOOL)
    for (size_t i = 0; i < nbytes; ++i)
      data[i] &= 1;
  std::string path = dir + "/" + name + ".npy";
  if (tessera_npy_write(path.c_str(), dtype, rank, shape, data.data())) {
    printf("%s: write failed: %s\n", name, tessera_status_message());
    return false;
  }
  tessera_npy npy;
  if (tessera_npy_read(path.c_str(), &npy)) {
    printf("%s: read failed: %s\n", name, tessera_status_message());
    return false;
  }
  // bfloat16 travels as <u2 and reads back as uint16.
  tessera_dtype back = dtype == TESSERA_BF16 ? TESSERA_U16 : dtype;
  bool ok = npy.dtype == back && npy.rank == rank && npy.nbytes == nbytes &&
            (rank == 0 || !memcmp(npy.shape, shape, rank * sizeof(int64_t))) &&
            (nbytes == 0 || !memcmp(npy.data, data.data(), nbytes)) &&
            (uintptr_t)npy.data % 64 == 0;
  printf("roundtrip %s %s rank=%d: %s\n", name, tessera_dtype_name(dtype),
         rank, ok ? "ok" : "FAIL");
  tessera_npy_free(&npy);
  return ok;
}

void printValue(const tessera_npy &npy, int64_t i) {
  const void *p = npy.data;
  switch (npy.dtype) {
  case TESSERA_F32: printf("%g", ((const float *)p)[i]); break;
  case TESSERA_F64: printf("%g", ((const double *)p)[i]); break;
  case TESSERA_F16: case TESSERA_BF16:
    printf("0x%04x", ((const uint16_t *)p)[i]);
    break;
  case TESSERA_BOOL: printf("%d", ((const uint8_t *)p)[i]); break;
  case TESSERA_I8: printf("%d", ((const int8_t *)p)[i]); break;
  case TESSERA_I32: printf("%d", ((const int32_t *)p)[i]); break;
  case TESSERA_I64: printf("%lld", (long long)((const int64_t *)p)[i]); break;
  }
}

} // namespace

// npy DIR: writes one file per dtype into DIR and reads it back.
int runNpyTests(int argc, char **argv) {
  if (argc < 2)
    return 2;
  std::string dir = argv[1];
  const int64_t shape23[] = {2, 3}, shape5[] = {5}, shape0[] = {3, 0},
                shape4d[] = {2, 1, 3, 2};
  struct Case {
    const char *name;
    tessera_dtype dtype;
    int32_t rank;
    const int64_t *shape;
  } cases[] = {
      {"f32", TESSERA_F32, 2, shape23},   {"f16", TESSERA_F16, 2, shape23},
      {"bf16", TESSERA_BF16, 1, shape5},  {"f64", TESSERA_F64, 4, shape4d},
      {"bool", TESSERA_BOOL, 2, shape23}, {"i8", TESSERA_I8, 1, shape5},
      {"i32", TESSERA_I32, 2, shape23},   {"i64", TESSERA_I64, 1, shape5},
      {"scalar", TESSERA_F32, 0, nullptr}, {"empty", TESSERA_F32, 2, shape0},
  };
  int failures = 0;
  for (const Case &c : cases)
    failures += !roundTrip(dir, c.name, c.dtype, c.rank, c.shape);
  return failures ? 1 : 0;
}

// npy-read FILE: prints dtype, shape and up to 8 values, or the error.
int runNpyRead(int argc, char **argv) {
  if (argc < 2)
    return 2;
  tessera_npy npy;
  if (tessera_status status = tessera_npy_read(argv[1], &npy)) {
    printf("error (%s): %s\n", tessera_status_string(status),
           tessera_status_message());
    return 1;
  }
  printf("%s [", tessera_dtype_name(npy.dtype));
  int64_t numel = 1;
  for (int32_t i = 0; i < npy.rank; ++i) {
    printf(i ? ",%lld" : "%lld", (long long)npy.shape[i]);
    numel *= npy.shape[i];
  }
  printf("]");
  for (int64_t i = 0; i < numel && i < 8; ++i) {
    printf(" ");
    printValue(npy, i);
  }
  printf("\n");
  tessera_npy_free(&npy);
  return 0;
}

// npy-malformed DIR: writes broken files and prints each reader error.
int runNpyMalformed(int argc, char **argv) {
  if (argc < 2)
    return 2;
  std::string dir = argv[1];
  auto header = [](const char *dict) {
    std::string h = dict;
    while ((10 + h.size() + 1) % 64)
      h += ' ';
    h += '\n';
    std::string out("\x93NUMPY\x01\x00", 8);
    out += (char)(h.size() & 0xff);
    out += (char)(h.size() >> 8);
    return out + h;
  };
  std::string sixFloats(24, '\0');
  struct Case {
    const char *name;
    std::string bytes;
  } cases[] = {
      {"empty", ""},
      {"badmagic", "PK\x03\x04 this is a zip file"},
      {"shortheader", header("{'descr': '<f4', 'fortran_order': False, "
                             "'shape': (2, 3), }")
                          .substr(0, 30)},
      {"truncated", header("{'descr': '<f4', 'fortran_order': False, "
                           "'shape': (2, 3), }") +
                        sixFloats.substr(0, 10)},
      // 8 TB claimed by a 100-byte file: refused before any allocation.
      {"huge", header("{'descr': '<f8', 'fortran_order': False, "
                      "'shape': (1099511627776,), }") +
                   sixFloats},
      {"fortran", header("{'descr': '<f4', 'fortran_order': True, "
                         "'shape': (2, 3), }") +
                      sixFloats},
      {"bigendian", header("{'descr': '>f4', 'fortran_order': False, "
                           "'shape': (2, 3), }") +
                        sixFloats},
      {"complex", header("{'descr': '<c8', 'fortran_order': False, "
                         "'shape': (2, 3), }") +
                      sixFloats},
      {"noshape", header("{'descr': '<f4', 'fortran_order': False, }")},
      {"badshape", header("{'descr': '<f4', 'fortran_order': False, "
                          "'shape': (2, x), }")},
      {"version9",
       std::string("\x93NUMPY\x09\x00\x10\x00", 10) + std::string(16, ' ')},
  };
  int parsed = 0;
  for (const Case &c : cases) {
    std::string path = dir + "/" + c.name + ".npy";
    FILE *file = fopen(path.c_str(), "wb");
    if (!file)
      return 2;
    fwrite(c.bytes.data(), 1, c.bytes.size(), file);
    fclose(file);
    tessera_npy npy;
    tessera_status status = tessera_npy_read(path.c_str(), &npy);
    const char *message = tessera_status_message();
    const char *base = strrchr(message, '/');
    printf("%s: %s: %s\n", c.name, tessera_status_string(status),
           status ? (base ? base + 1 : message) : "parsed");
    if (!status) {
      ++parsed;
      tessera_npy_free(&npy);
    }
  }
  tessera_npy npy;
  tessera_status status =
      tessera_npy_read((dir + "/does-not-exist.npy").c_str(), &npy);
  printf("missing: %s: %s\n", tessera_status_string(status),
         strstr(tessera_status_message(), "No such file") ? "No such file"
                                                          : "FAIL");
  return parsed ? 1 : 0;
}
