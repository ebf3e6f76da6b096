//===- common.h - small helpers shared by bwta-bench and bwta-bench-demo --===//
#ifndef BWTA_BENCH_COMMON_H
#define BWTA_BENCH_COMMON_H

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace bwta::bench {

struct Shape {
  int64_t m = 0, n = 0, k = 0;
};

/// "a,,b" -> {"a", "", "b"}.
inline std::vector<std::string> splitItems(const std::string &text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos)
      end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

/// "a,,b" -> {"a", "b"}.
inline std::vector<std::string> splitList(const std::string &text) {
  std::vector<std::string> out;
  for (std::string &item : splitItems(text))
    if (!item.empty())
      out.push_back(std::move(item));
  return out;
}

/// "1,8,64" -> {1, 8, 64}; false on anything but positive integers.
inline bool parseIntList(const std::string &text, std::vector<int64_t> &out) {
  out.clear();
  for (const std::string &item : splitItems(text)) {
    char *stop = nullptr;
    long long value = std::strtoll(item.c_str(), &stop, 10);
    if (item.empty() || *stop || value <= 0)
      return false;
    out.push_back(value);
  }
  return true;
}

/// "4096x4096,11008x4096" -> {(N 4096, K 4096), (N 11008, K 4096)}.
inline bool parseNKList(const std::string &text,
                        std::vector<std::pair<int64_t, int64_t>> &out) {
  out.clear();
  for (const std::string &item : splitItems(text)) {
    size_t x = item.find('x');
    std::vector<int64_t> n, k;
    if (x == std::string::npos || !parseIntList(item.substr(0, x), n) ||
        !parseIntList(item.substr(x + 1), k) || n.size() != 1 || k.size() != 1)
      return false;
    out.push_back({n[0], k[0]});
  }
  return true;
}

/// The bundle file name bwta-bench looks for: bwta_<scheme>_M<m>_N<n>_K<k>.bwtab.
inline std::string bundleFileName(const std::string &scheme, const Shape &s) {
  return "bwta_" + scheme + "_M" + std::to_string(s.m) + "_N" +
         std::to_string(s.n) + "_K" + std::to_string(s.k) + ".bwtab";
}

/// IEEE half <-> float on the host (round to nearest even).
inline float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16, exp = (h >> 10) & 0x1f,
           mant = h & 0x3ff, bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else { // subnormal: normalize
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while (!(mant & 0x400));
      bits = sign | uint32_t(127 - 15 - e) << 23 | (mant & 0x3ff) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | mant << 13;
  } else {
    bits = sign | (exp + 112) << 23 | mant << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

inline uint16_t floatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000;
  int32_t exp = int32_t((x >> 23) & 0xff) - 127 + 15;
  uint32_t mant = x & 0x7fffff;
  if (((x >> 23) & 0xff) == 0xff)
    return uint16_t(sign | 0x7c00 | (mant ? 0x200 : 0));
  if (exp >= 31)
    return uint16_t(sign | 0x7c00);
  if (exp <= 0) {
    if (exp < -10)
      return uint16_t(sign);
    mant |= 0x800000;
    uint32_t shift = uint32_t(14 - exp);
    uint32_t half = mant >> shift, rest = mant & ((1u << shift) - 1),
             mid = 1u << (shift - 1);
    if (rest > mid || (rest == mid && (half & 1)))
      ++half;
    return uint16_t(sign | half);
  }
  uint32_t half = uint32_t(exp) << 10 | mant >> 13, rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1)))
    ++half; // may carry into the exponent, which is right
  return uint16_t(sign | half);
}

} // namespace bwta::bench

#endif // BWTA_BENCH_COMMON_H
