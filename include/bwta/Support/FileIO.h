//===- FileIO.h - whole-file reads and writes -------------------*- C++ -*-===//
#ifndef BWTA_SUPPORT_FILEIO_H
#define BWTA_SUPPORT_FILEIO_H

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace bwta {

/// Reads all of `path`; false (errno set) if it cannot be opened or read.
/// stdio, not istreambuf_iterator: libstdc++ throws from the latter on read
/// errors (a directory, say), which aborts an -fno-exceptions build.
inline bool readWholeFile(const std::string &path, std::vector<char> &bytes) {
  std::FILE *file = std::fopen(path.c_str(), "rb");
  if (!file)
    return false;
  bytes.clear();
  char chunk[1 << 16];
  size_t got;
  while ((got = std::fread(chunk, 1, sizeof(chunk), file)) > 0)
    bytes.insert(bytes.end(), chunk, chunk + got);
  bool ok = !std::ferror(file);
  std::fclose(file);
  return ok;
}

/// Replaces `path` with `size` bytes; false on any failure.
inline bool writeWholeFile(const std::string &path, const char *data,
                           size_t size) {
  std::ofstream stream(path, std::ios::binary | std::ios::trunc);
  stream.write(data, std::streamsize(size));
  stream.close();
  return bool(stream);
}

} // namespace bwta

#endif // BWTA_SUPPORT_FILEIO_H
