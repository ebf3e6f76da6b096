//===- Bundle.h - read and write .bwtab bundle files ------------*- C++ -*-===//
//
// A bundle is one little-endian file: a 24-byte header (magic, version,
// section count, header checksum), a table of sections and their payloads
// (MANIFEST, CUBIN, PTX, WEIGHTS), each with an FNV-1a 64 checksum.
// Bundle::read refuses anything malformed, truncated or of another version
// with a message naming the bundle and what is wrong; it never aborts.
// docs/Bundle.md describes the format byte by byte.
//
//===----------------------------------------------------------------------===//
#ifndef BWTA_RUNTIME_BUNDLE_H
#define BWTA_RUNTIME_BUNDLE_H

#include "bwta/runtime/Manifest.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bwta::runtime {

constexpr char kBundleMagic[8] = {'B', 'W', 'T', 'A', 'B', '\0', '\r', '\n'};
constexpr uint32_t kBundleVersion = 1;
constexpr size_t kBundleHeaderSize = 24;
constexpr size_t kSectionEntrySize = 32;
/// Section payloads start at multiples of this (the WEIGHTS section must).
constexpr uint64_t kSectionAlignment = 64;
/// More sections than this are refused before the table is read.
constexpr uint32_t kMaxSections = 64;

enum class SectionKind : uint32_t {
  Manifest = 1,
  Cubin = 2,
  Ptx = 3,
  Weights = 4,
};
/// "MANIFEST", "CUBIN", "PTX", "WEIGHTS", or null for an unknown kind.
const char *getSectionKindName(uint32_t kind);

/// FNV-1a 64 (offset basis 0xcbf29ce484222325, prime 0x100000001b3) of
/// `size` bytes, continuing from `hash`.
uint64_t fnv1a64(const void *data, size_t size,
                 uint64_t hash = 0xcbf29ce484222325ull);

struct Section {
  SectionKind kind;
  uint32_t flags = 0;
  uint64_t offset = 0, size = 0, checksum = 0;
};

class Bundle {
public:
  /// Reads (memory-maps where possible) and validates `path`.
  static std::unique_ptr<Bundle> read(const std::string &path,
                                      std::string &error);
  /// Validates an in-memory image; `name` is used in messages.
  static std::unique_ptr<Bundle> read(const void *data, size_t size,
                                      const std::string &name,
                                      std::string &error);
  static std::unique_ptr<Bundle> read(const std::vector<char> &bytes,
                                      const std::string &name,
                                      std::string &error) {
    return read(bytes.data(), bytes.size(), name, error);
  }
  ~Bundle();

  const std::string &name() const { return bundleName; }
  uint32_t version() const { return kBundleVersion; }
  uint64_t fileSize() const;
  const std::vector<Section> &sections() const { return sectionTable; }
  const Manifest &manifest() const { return parsedManifest; }

  /// The payload of the section of `kind`; empty if there is none.
  std::string_view payload(SectionKind kind) const;
  bool has(SectionKind kind) const;
  /// The bytes of weight `index` of the manifest (64-byte aligned in memory).
  const char *weightData(size_t index) const;

private:
  struct Storage;
  Bundle() = default;
  static std::unique_ptr<Bundle> validate(std::unique_ptr<Storage> storage,
                                          const std::string &name,
                                          std::string &error);

  std::unique_ptr<Storage> storage;
  std::string bundleName;
  std::vector<Section> sectionTable;
  Manifest parsedManifest;
};

/// Assembles a bundle. Sections are written in the order MANIFEST, CUBIN,
/// PTX, WEIGHTS (empty CUBIN/PTX/WEIGHTS are left out), each at a 64-byte
/// aligned offset with zero padding between.
class BundleWriter {
public:
  void setManifest(std::string json) { manifestText = std::move(json); }
  void setCubin(std::string bytes) { cubin = std::move(bytes); }
  void setPtx(std::string text) { ptx = std::move(text); }
  /// Appends a weight to the WEIGHTS blob at the next 64-byte aligned offset
  /// and returns that offset (for the manifest's "offset").
  uint64_t addWeight(const void *data, size_t size);
  const std::string &weightsBlob() const { return weights; }

  /// The bundle bytes, not validated (tests build malformed bundles).
  std::vector<char> build() const;
  /// Validates the bundle (as Bundle::read would) and writes it to `path`.
  bool write(const std::string &path, std::string &error) const;

private:
  std::string manifestText, cubin, ptx, weights;
};

} // namespace bwta::runtime

#endif // BWTA_RUNTIME_BUNDLE_H
