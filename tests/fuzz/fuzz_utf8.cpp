// libFuzzer target: differential check of the UTF-8 validator. The DFA, fed whole, in two
// chunks and byte by byte, must agree with an independent reference that reasons about
// code point ranges instead of byte ranges, including the fail-fast position.
// Needs: protocol/utf8.cpp.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "protocol/utf8.hpp"
#include "fuzz_support.hpp"

namespace {

using fuzz::check;

// True when some code point of an encoded length `len` has the top bits `prefix` followed
// by `remaining` unknown continuation bytes, i.e. the input so far can still be completed.
bool can_complete(std::uint32_t prefix, int remaining, int len) {
  static constexpr std::uint32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
  const std::uint32_t lo = prefix << (6 * remaining);
  const std::uint32_t hi = lo | ((1u << (6 * remaining)) - 1);
  const std::uint32_t a = lo > min_for_len[len] ? lo : min_for_len[len];
  const std::uint32_t b = hi < 0x10FFFF ? hi : 0x10FFFF;
  if (a > b) return false;
  return !(a >= 0xD800 && b <= 0xDFFF);  // all surrogates
}

struct Reference {
  long fail_at = -1;     // first byte after which no completion is valid UTF-8
  bool complete = true;  // no code point left open at the end
};

Reference reference(const std::uint8_t* p, std::size_t n) {
  Reference r;
  std::size_t i = 0;
  while (i < n) {
    const std::uint8_t c = p[i];
    int len;
    std::uint32_t bits;
    if (c < 0x80) { len = 1; bits = c; }
    else if ((c & 0xE0) == 0xC0) { len = 2; bits = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { len = 3; bits = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { len = 4; bits = c & 0x07; }
    else { r.fail_at = static_cast<long>(i); return r; }
    if (len > 1 && !can_complete(bits, len - 1, len)) { r.fail_at = static_cast<long>(i); return r; }
    std::size_t k = 1;
    for (; k < static_cast<std::size_t>(len) && i + k < n; ++k) {
      const std::uint8_t cc = p[i + k];
      if ((cc & 0xC0) != 0x80) { r.fail_at = static_cast<long>(i + k); return r; }
      bits = (bits << 6) | (cc & 0x3F);
      if (!can_complete(bits, len - 1 - static_cast<int>(k), len)) {
        r.fail_at = static_cast<long>(i + k);
        return r;
      }
    }
    if (k < static_cast<std::size_t>(len)) { r.complete = false; return r; }
    i += static_cast<std::size_t>(len);
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t split_seed = data[0];
  const std::uint8_t* p = data + 1;
  const std::size_t n = size - 1;
  const std::span<const std::uint8_t> bytes(p, n);

  const Reference ref = reference(p, n);
  const bool ref_valid = ref.fail_at < 0 && ref.complete;

  check(smq::is_valid_utf8(bytes) == ref_valid);

  const std::size_t cut = n == 0 ? 0 : split_seed % (n + 1);
  smq::Utf8Validator two;
  const bool first_ok = two.feed(bytes.subspan(0, cut));
  const bool second_ok = first_ok && two.feed(bytes.subspan(cut));
  check((second_ok && two.complete()) == ref_valid);
  // The first chunk fails exactly when the reference's failure lies inside it.
  check(first_ok == !(ref.fail_at >= 0 && static_cast<std::size_t>(ref.fail_at) < cut));

  smq::Utf8Validator one;
  long fail_at = -1;
  for (std::size_t i = 0; i < n; ++i) {
    if (!one.feed(bytes.subspan(i, 1))) {
      fail_at = static_cast<long>(i);
      break;
    }
  }
  check(fail_at == ref.fail_at);
  if (fail_at >= 0) {
    check(!one.complete());
    check(!one.feed(bytes.subspan(0, 0)));  // failure is sticky
  } else {
    check(one.complete() == ref.complete);
  }
  return 0;
}
