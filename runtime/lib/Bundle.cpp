//===- Bundle.cpp - read and write .bwtab bundle files --------------------===//
#include "bwta/runtime/Bundle.h"

#include "bwta/Support/FileIO.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#define BWTA_HAVE_MMAP 1
#endif

using namespace bwta::runtime;

/// The bundle bytes: a read-only file mapping, or a copy in a 64-byte
/// aligned buffer, so that the WEIGHTS section is 64-byte aligned in memory.
struct Bundle::Storage {
  const char *data = nullptr;
  size_t size = 0;
  bool mapped = false;

  static std::unique_ptr<Storage> copy(const void *bytes, size_t size) {
    auto storage = std::make_unique<Storage>();
    storage->size = size;
    if (size != 0) {
      char *buffer = static_cast<char *>(
          ::operator new(size, std::align_val_t(kSectionAlignment), std::nothrow));
      if (!buffer)
        return nullptr;
      std::memcpy(buffer, bytes, size);
      storage->data = buffer;
    }
    return storage;
  }

  ~Storage() {
#ifdef BWTA_HAVE_MMAP
    if (mapped) {
      ::munmap(const_cast<char *>(data), size);
      return;
    }
#endif
    if (data)
      ::operator delete(const_cast<char *>(data),
                        std::align_val_t(kSectionAlignment));
  }
};

Bundle::~Bundle() = default;

const char *bwta::runtime::getSectionKindName(uint32_t kind) {
  switch (SectionKind(kind)) {
  case SectionKind::Manifest: return "MANIFEST";
  case SectionKind::Cubin: return "CUBIN";
  case SectionKind::Ptx: return "PTX";
  case SectionKind::Weights: return "WEIGHTS";
  }
  return nullptr;
}

uint64_t bwta::runtime::fnv1a64(const void *data, size_t size, uint64_t hash) {
  const unsigned char *bytes = static_cast<const unsigned char *>(data);
  for (size_t i = 0; i < size; ++i) {
    hash ^= bytes[i];
    hash *= 0x100000001b3ull;
  }
  return hash;
}

namespace {
uint32_t loadU32(const char *p) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i)
    value = (value << 8) | static_cast<unsigned char>(p[i]);
  return value;
}
uint64_t loadU64(const char *p) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i)
    value = (value << 8) | static_cast<unsigned char>(p[i]);
  return value;
}
void storeU32(char *p, uint32_t value) {
  for (int i = 0; i < 4; ++i)
    p[i] = static_cast<char>((value >> (8 * i)) & 0xff);
}
void storeU64(char *p, uint64_t value) {
  for (int i = 0; i < 8; ++i)
    p[i] = static_cast<char>((value >> (8 * i)) & 0xff);
}
std::string hex(uint64_t value) {
  char text[19];
  std::snprintf(text, sizeof(text), "0x%016llx", (unsigned long long)value);
  return text;
}
/// Checksum of the header: bytes [0, 16) followed by the section table.
uint64_t headerChecksum(const char *file, uint32_t count) {
  return fnv1a64(file + kBundleHeaderSize, size_t(count) * kSectionEntrySize,
                 fnv1a64(file, 16));
}
} // namespace

std::unique_ptr<Bundle> Bundle::read(const std::string &path,
                                     std::string &error) {
#ifdef BWTA_HAVE_MMAP
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = "cannot open bundle '" + path + "': " + std::strerror(errno);
    return nullptr;
  }
  struct stat info;
  if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && info.st_size > 0) {
    void *map = ::mmap(nullptr, size_t(info.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (map != MAP_FAILED) {
      auto storage = std::make_unique<Storage>();
      storage->data = static_cast<const char *>(map);
      storage->size = size_t(info.st_size);
      storage->mapped = true;
      return validate(std::move(storage), path, error);
    }
  } else {
    ::close(fd);
  }
#endif
  // Not mappable (empty, a pipe, no mmap): read it.
  std::vector<char> bytes;
  if (!readWholeFile(path, bytes)) {
    error = "cannot read bundle '" + path + "': " + std::strerror(errno);
    return nullptr;
  }
  return read(bytes, path, error);
}

std::unique_ptr<Bundle> Bundle::read(const void *data, size_t size,
                                     const std::string &name,
                                     std::string &error) {
  std::unique_ptr<Storage> storage = Storage::copy(data, size);
  if (!storage) {
    error = "bundle '" + name + "': out of memory for " + std::to_string(size) +
            " bytes";
    return nullptr;
  }
  return validate(std::move(storage), name, error);
}

std::unique_ptr<Bundle> Bundle::validate(std::unique_ptr<Storage> storage,
                                         const std::string &name,
                                         std::string &error) {
  const char *file = storage->data;
  const uint64_t size = storage->size;
  auto fail = [&](const std::string &what) {
    error = "bundle '" + name + "': " + what;
    return nullptr;
  };
  if (size < kBundleHeaderSize)
    return fail("truncated: " + std::to_string(size) +
                " bytes is shorter than the " +
                std::to_string(kBundleHeaderSize) + "-byte header");
  if (std::memcmp(file, kBundleMagic, sizeof(kBundleMagic)) != 0)
    return fail("not a bwta bundle (wrong magic; expected \"BWTAB\\0\\r\\n\")");
  uint32_t version = loadU32(file + 8);
  if (version != kBundleVersion)
    return fail("unsupported format version " + std::to_string(version) +
                " (this runtime reads version " +
                std::to_string(kBundleVersion) + ")");
  uint32_t count = loadU32(file + 12);
  if (count == 0 || count > kMaxSections)
    return fail("section count " + std::to_string(count) +
                " is outside [1, " + std::to_string(kMaxSections) + "]");
  const uint64_t tableEnd = kBundleHeaderSize + uint64_t(count) * kSectionEntrySize;
  if (tableEnd > size)
    return fail("truncated: the table of " + std::to_string(count) +
                " sections ends at byte " + std::to_string(tableEnd) +
                " but the file has " + std::to_string(size) + " bytes");
  uint64_t stored = loadU64(file + 16);
  uint64_t computed = headerChecksum(file, count);
  if (stored != computed)
    return fail("header checksum mismatch (stored " + hex(stored) +
                ", computed " + hex(computed) + "): the header or section "
                "table is corrupt");

  auto bundle = std::unique_ptr<Bundle>(new Bundle());
  bundle->bundleName = name;
  std::vector<Section> &sections = bundle->sectionTable;
  auto label = [&](size_t index) {
    const char *kind = getSectionKindName(uint32_t(sections[index].kind));
    return "section " + std::to_string(index) + " (" + (kind ? kind : "?") + ")";
  };
  for (uint32_t i = 0; i < count; ++i) {
    const char *entry = file + kBundleHeaderSize + size_t(i) * kSectionEntrySize;
    uint32_t kind = loadU32(entry);
    Section section{SectionKind(kind), loadU32(entry + 4), loadU64(entry + 8),
                    loadU64(entry + 16), loadU64(entry + 24)};
    sections.push_back(section);
    std::string where = "section " + std::to_string(i);
    if (!getSectionKindName(kind))
      return fail(where + ": unknown kind " + std::to_string(kind) +
                  " (expected 1 MANIFEST, 2 CUBIN, 3 PTX or 4 WEIGHTS)");
    where = label(i);
    for (uint32_t j = 0; j < i; ++j)
      if (uint32_t(sections[j].kind) == kind)
        return fail(where + ": a second section of this kind (the first is "
                    "section " + std::to_string(j) + ")");
    if (section.flags != 0)
      return fail(where + ": reserved flags " + hex(section.flags) +
                  " are not zero");
    if (section.offset < tableEnd)
      return fail(where + ": offset " + std::to_string(section.offset) +
                  " lies inside the header and section table (" +
                  std::to_string(tableEnd) + " bytes)");
    if (section.offset > size || section.size > size - section.offset)
      return fail(where + ": bytes [" + std::to_string(section.offset) + ", " +
                  std::to_string(section.offset) + " + " +
                  std::to_string(section.size) + ") extend past the end of the " +
                  std::to_string(size) + "-byte file (truncated?)");
    if (section.kind == SectionKind::Weights &&
        section.offset % kSectionAlignment != 0)
      return fail(where + ": offset " + std::to_string(section.offset) +
                  " is not a multiple of " + std::to_string(kSectionAlignment));
  }

  // Payloads in file order: no overlap, zero padding, nothing after the last.
  std::vector<size_t> order(count);
  for (size_t i = 0; i < count; ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return sections[a].offset < sections[b].offset;
  });
  uint64_t covered = tableEnd;
  size_t previous = count;
  for (size_t i : order) {
    const Section &section = sections[i];
    if (section.offset < covered)
      return fail(label(i) + " overlaps " +
                  (previous == count ? "the section table" : label(previous)));
    for (uint64_t at = covered; at < section.offset; ++at)
      if (file[at] != 0)
        return fail("nonzero padding byte at offset " + std::to_string(at));
    covered = section.offset + section.size;
    previous = i;
  }
  if (covered != size)
    return fail(std::to_string(size - covered) +
                " unexpected bytes after the last section (at offset " +
                std::to_string(covered) + ")");
  for (size_t i = 0; i < count; ++i) {
    uint64_t sum = fnv1a64(file + sections[i].offset, sections[i].size);
    if (sum != sections[i].checksum)
      return fail(label(i) + " checksum mismatch (stored " +
                  hex(sections[i].checksum) + ", computed " + hex(sum) + ")");
  }

  bundle->storage = std::move(storage);
  if (!bundle->has(SectionKind::Manifest))
    return fail("no MANIFEST section");
  std::optional<uint64_t> weightsSize;
  if (bundle->has(SectionKind::Weights))
    weightsSize = bundle->payload(SectionKind::Weights).size();
  std::string manifestError;
  std::optional<Manifest> manifest = parseManifest(
      bundle->payload(SectionKind::Manifest), weightsSize, manifestError);
  if (!manifest)
    return fail(manifestError);
  if (!manifest->kernels.empty() && bundle->payload(SectionKind::Cubin).empty() &&
      bundle->payload(SectionKind::Ptx).empty())
    return fail("the manifest declares " +
                std::to_string(manifest->kernels.size()) +
                " kernels but the bundle has no CUBIN or PTX code");
  bundle->parsedManifest = std::move(*manifest);
  return bundle;
}

uint64_t Bundle::fileSize() const { return storage->size; }

bool Bundle::has(SectionKind kind) const {
  for (const Section &section : sectionTable)
    if (section.kind == kind)
      return true;
  return false;
}

std::string_view Bundle::payload(SectionKind kind) const {
  for (const Section &section : sectionTable)
    if (section.kind == kind)
      return std::string_view(storage->data + section.offset, section.size);
  return {};
}

const char *Bundle::weightData(size_t index) const {
  return payload(SectionKind::Weights).data() +
         parsedManifest.weights[index].offset;
}

uint64_t BundleWriter::addWeight(const void *data, size_t size) {
  weights.resize((weights.size() + kWeightAlignment - 1) / kWeightAlignment *
                     kWeightAlignment,
                 '\0');
  uint64_t offset = weights.size();
  weights.append(static_cast<const char *>(data), size);
  return offset;
}

std::vector<char> BundleWriter::build() const {
  std::vector<std::pair<SectionKind, const std::string *>> parts = {
      {SectionKind::Manifest, &manifestText}};
  if (!cubin.empty())
    parts.push_back({SectionKind::Cubin, &cubin});
  if (!ptx.empty())
    parts.push_back({SectionKind::Ptx, &ptx});
  if (!weights.empty())
    parts.push_back({SectionKind::Weights, &weights});

  auto align = [](uint64_t offset) {
    return (offset + kSectionAlignment - 1) / kSectionAlignment * kSectionAlignment;
  };
  uint32_t count = uint32_t(parts.size());
  std::vector<char> file(kBundleHeaderSize + count * kSectionEntrySize, '\0');
  std::memcpy(file.data(), kBundleMagic, sizeof(kBundleMagic));
  storeU32(file.data() + 8, kBundleVersion);
  storeU32(file.data() + 12, count);
  for (uint32_t i = 0; i < count; ++i) {
    const std::string &payload = *parts[i].second;
    uint64_t offset = align(file.size());
    file.resize(offset, '\0');
    file.insert(file.end(), payload.begin(), payload.end());
    char *entry = file.data() + kBundleHeaderSize + i * kSectionEntrySize;
    storeU32(entry, uint32_t(parts[i].first));
    storeU32(entry + 4, 0);
    storeU64(entry + 8, offset);
    storeU64(entry + 16, payload.size());
    storeU64(entry + 24, fnv1a64(payload.data(), payload.size()));
  }
  storeU64(file.data() + 16, headerChecksum(file.data(), count));
  return file;
}

bool BundleWriter::write(const std::string &path, std::string &error) const {
  std::vector<char> bytes = build();
  if (!Bundle::read(bytes, path, error))
    return false;
  if (!writeWholeFile(path, bytes.data(), bytes.size())) {
    error = "cannot write bundle '" + path + "'";
    return false;
  }
  return true;
}
