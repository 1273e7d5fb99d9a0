// .npy reader/writer (format versions 1-3, little-endian, C order only).
#include "cpu/Support.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <sys/stat.h>

using tessera::setError;

namespace {

struct DescrEntry {
  const char *descr;
  tessera_dtype dtype;
};

// bfloat16 has no numpy dtype; it travels as its bit pattern (<u2), which
// reads back as uint16.
const DescrEntry descrTable[] = {
    {"f4", TESSERA_F32}, {"f2", TESSERA_F16}, {"f8", TESSERA_F64},
    {"i1", TESSERA_I8},  {"i2", TESSERA_I16}, {"i4", TESSERA_I32},
    {"i8", TESSERA_I64}, {"u1", TESSERA_U8},  {"u2", TESSERA_U16},
    {"u4", TESSERA_U32}, {"u8", TESSERA_U64}, {"b1", TESSERA_BOOL},
};

const char *descrOf(tessera_dtype dtype) {
  switch (dtype) {
  case TESSERA_F32: return "<f4";
  case TESSERA_F16: return "<f2";
  case TESSERA_F64: return "<f8";
  case TESSERA_I8: return "|i1";
  case TESSERA_I32: return "<i4";
  case TESSERA_I64: return "<i8";
  case TESSERA_BOOL: return "|b1";
  case TESSERA_BF16: return "<u2";
  case TESSERA_I16: return "<i2";
  case TESSERA_U8: return "|u1";
  case TESSERA_U16: return "<u2";
  case TESSERA_U32: return "<u4";
  case TESSERA_U64: return "<u8";
  }
  return nullptr;
}

// Finds `'key':` in the header dict and returns a pointer just past the colon.
const char *findKey(const char *header, const char *key) {
  char quoted[32];
  for (char quote : {'\'', '"'}) {
    snprintf(quoted, sizeof(quoted), "%c%s%c", quote, key, quote);
    if (const char *p = strstr(header, quoted)) {
      p += strlen(quoted);
      while (*p == ' ')
        ++p;
      if (*p == ':')
        return p + 1;
    }
  }
  return nullptr;
}

const char *skipSpaces(const char *p) {
  while (*p == ' ')
    ++p;
  return p;
}

tessera_status parseDescr(const char *path, const char *header,
                          tessera_dtype *dtype) {
  const char *p = findKey(header, "descr");
  if (!p)
    return setError(TESSERA_ERR_FORMAT, "'%s': .npy header has no 'descr'",
                    path);
  p = skipSpaces(p);
  char quote = *p;
  const char *end = (quote == '\'' || quote == '"') ? strchr(p + 1, quote)
                                                    : nullptr;
  if (!end || end - p - 1 >= 16)
    return setError(TESSERA_ERR_FORMAT,
                    "'%s': unsupported .npy dtype (structured or malformed)",
                    path);
  char descr[16];
  memcpy(descr, p + 1, end - p - 1);
  descr[end - p - 1] = 0;
  const char *kind = descr;
  bool oneByte = descr[0] && strlen(descr) == 3 && descr[2] == '1';
  if (descr[0] == '<' || descr[0] == '|' || descr[0] == '=')
    kind = descr + 1;
  else if (descr[0] == '>' && oneByte)
    kind = descr + 1;
  else if (descr[0] == '>')
    return setError(TESSERA_ERR_FORMAT,
                    "'%s': big-endian .npy dtype '%s' is not supported", path,
                    descr);
  for (const DescrEntry &entry : descrTable)
    if (!strcmp(kind, entry.descr)) {
      *dtype = entry.dtype;
      return TESSERA_OK;
    }
  if (!strcmp(kind, "?")) {
    *dtype = TESSERA_BOOL;
    return TESSERA_OK;
  }
  return setError(TESSERA_ERR_FORMAT,
                  "'%s': unsupported .npy dtype '%s' (supported: <f4 <f2 <f8 "
                  "|i1 <i2 <i4 <i8 |u1 <u2 <u4 <u8 |b1)",
                  path, descr);
}

tessera_status parseShape(const char *path, const char *header,
                          tessera_npy *out) {
  const char *p = findKey(header, "shape");
  p = p ? skipSpaces(p) : nullptr;
  if (!p || *p != '(')
    return setError(TESSERA_ERR_FORMAT, "'%s': .npy header has no 'shape'",
                    path);
  ++p;
  out->rank = 0;
  for (;;) {
    p = skipSpaces(p);
    if (*p == ')')
      return TESSERA_OK;
    char *end;
    errno = 0;
    long long dim = strtoll(p, &end, 10);
    if (end == p || dim < 0 || errno)
      return setError(TESSERA_ERR_FORMAT, "'%s': malformed .npy shape", path);
    if (out->rank == TESSERA_NPY_MAX_RANK)
      return setError(TESSERA_ERR_FORMAT, "'%s': .npy rank above %d", path,
                      TESSERA_NPY_MAX_RANK);
    out->shape[out->rank++] = dim;
    p = skipSpaces(end);
    if (*p == ',')
      ++p;
    else if (*p != ')')
      return setError(TESSERA_ERR_FORMAT, "'%s': malformed .npy shape", path);
  }
}

tessera_status parseHeader(const char *path, const char *header,
                           tessera_npy *out) {
  if (tessera_status s = parseDescr(path, header, &out->dtype))
    return s;
  const char *order = findKey(header, "fortran_order");
  if (!order)
    return setError(TESSERA_ERR_FORMAT,
                    "'%s': .npy header has no 'fortran_order'", path);
  order = skipSpaces(order);
  if (!strncmp(order, "True", 4))
    return setError(TESSERA_ERR_FORMAT,
                    "'%s': fortran_order .npy files are not supported; save a "
                    "C-ordered array (numpy.ascontiguousarray)",
                    path);
  if (strncmp(order, "False", 5))
    return setError(TESSERA_ERR_FORMAT, "'%s': malformed 'fortran_order'",
                    path);
  return parseShape(path, header, out);
}

tessera_status readFile(const char *path, FILE *file, tessera_npy *out) {
  unsigned char preamble[12];
  if (fread(preamble, 1, 10, file) != 10 ||
      memcmp(preamble, "\x93NUMPY", 6))
    return setError(TESSERA_ERR_FORMAT, "'%s' is not a .npy file (bad magic)",
                    path);
  unsigned major = preamble[6];
  size_t headerLen;
  if (major == 1) {
    headerLen = preamble[8] | (size_t)preamble[9] << 8;
  } else if (major == 2 || major == 3) {
    if (fread(preamble + 10, 1, 2, file) != 2)
      return setError(TESSERA_ERR_FORMAT, "'%s': truncated .npy header", path);
    headerLen = preamble[8] | (size_t)preamble[9] << 8 |
                (size_t)preamble[10] << 16 | (size_t)preamble[11] << 24;
  } else {
    return setError(TESSERA_ERR_FORMAT, "'%s': unsupported .npy version %u",
                    path, major);
  }
  if (headerLen > (1u << 24))
    return setError(TESSERA_ERR_FORMAT, "'%s': .npy header too large", path);
  char *header = (char *)malloc(headerLen + 1);
  if (!header)
    return setError(TESSERA_ERR_OUT_OF_MEMORY, "out of memory reading '%s'",
                    path);
  size_t got = fread(header, 1, headerLen, file);
  header[got] = 0;
  tessera_status status =
      got != headerLen
          ? setError(TESSERA_ERR_FORMAT, "'%s': truncated .npy header", path)
          : parseHeader(path, header, out);
  free(header);
  if (status)
    return status;

  size_t elemSize = tessera_dtype_size(out->dtype);
  size_t numel = 1;
  for (int32_t i = 0; i < out->rank; ++i) {
    if (out->shape[i] && numel > SIZE_MAX / 16 / (size_t)out->shape[i])
      return setError(TESSERA_ERR_FORMAT, "'%s': .npy shape too large", path);
    numel *= (size_t)out->shape[i];
  }
  out->nbytes = numel * elemSize;
  // A header may claim any shape: check the data is there before allocating.
  long here = ftell(file);
  struct stat st;
  if (here >= 0 && fstat(fileno(file), &st) == 0 && S_ISREG(st.st_mode) &&
      (uint64_t)st.st_size - (uint64_t)here < out->nbytes) {
    size_t nbytes = out->nbytes;
    out->nbytes = 0;
    return setError(
        TESSERA_ERR_FORMAT,
        "'%s': truncated .npy data (the header's shape needs %zu "
        "bytes, the file holds %llu)",
        path, nbytes,
        (unsigned long long)((uint64_t)st.st_size - (uint64_t)here));
  }
  out->data = tessera_alloc(out->nbytes);
  if (!out->data)
    return setError(TESSERA_ERR_OUT_OF_MEMORY,
                    "out of memory reading '%s' (%zu bytes)", path,
                    out->nbytes);
  if (fread(out->data, 1, out->nbytes, file) != out->nbytes) {
    tessera_npy_free(out);
    return setError(TESSERA_ERR_FORMAT,
                    "'%s': truncated .npy data (expected %zu bytes)", path,
                    numel * elemSize);
  }
  return TESSERA_OK;
}

} // namespace

extern "C" {

tessera_status tessera_npy_read(const char *path, tessera_npy *out) {
  memset(out, 0, sizeof(*out));
  FILE *file = fopen(path, "rb");
  if (!file)
    return setError(TESSERA_ERR_IO, "cannot open '%s': %s", path,
                    strerror(errno));
  tessera_status status = readFile(path, file, out);
  fclose(file);
  return status;
}

void tessera_npy_free(tessera_npy *npy) {
  tessera_free(npy->data);
  npy->data = nullptr;
  npy->nbytes = 0;
}

tessera_status tessera_npy_write(const char *path, tessera_dtype dtype,
                                 int32_t rank, const int64_t *shape,
                                 const void *data) {
  const char *descr = descrOf(dtype);
  if (!descr || rank < 0 || rank > TESSERA_NPY_MAX_RANK)
    return setError(TESSERA_ERR_INVALID_ARGUMENT,
                    "cannot write '%s': bad dtype or rank", path);
  char dict[64 + 24 * TESSERA_NPY_MAX_RANK];
  int len = snprintf(dict, sizeof(dict),
                     "{'descr': '%s', 'fortran_order': False, 'shape': (",
                     descr);
  // numpy's own spelling: (), (5,), (2, 3).
  size_t numel = 1;
  for (int32_t i = 0; i < rank; ++i) {
    len += snprintf(dict + len, sizeof(dict) - len, "%s%lld", i ? ", " : "",
                    (long long)shape[i]);
    numel *= (size_t)shape[i];
  }
  len += snprintf(dict + len, sizeof(dict) - len, "%s), }",
                  rank == 1 ? "," : "");
  // Pad with spaces so that the data starts 64-byte aligned; end with '\n'.
  size_t total = (10 + len + 1 + 63) / 64 * 64;
  size_t headerLen = total - 10;
  unsigned char preamble[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                                (unsigned char)(headerLen & 0xff),
                                (unsigned char)(headerLen >> 8)};
  FILE *file = fopen(path, "wb");
  if (!file)
    return setError(TESSERA_ERR_IO, "cannot create '%s': %s", path,
                    strerror(errno));
  bool ok = fwrite(preamble, 1, 10, file) == 10 &&
            fwrite(dict, 1, len, file) == (size_t)len;
  for (size_t i = 10 + len; ok && i + 1 < total; ++i)
    ok = fputc(' ', file) != EOF;
  ok = ok && fputc('\n', file) != EOF;
  size_t nbytes = numel * tessera_dtype_size(dtype);
  ok = ok && fwrite(data, 1, nbytes, file) == nbytes;
  ok = (fclose(file) == 0) && ok;
  if (!ok)
    return setError(TESSERA_ERR_IO, "cannot write '%s': %s", path,
                    strerror(errno));
  return TESSERA_OK;
}

} // extern "C"
