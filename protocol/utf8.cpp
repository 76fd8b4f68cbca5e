// Incremental UTF-8 validator (RFC 3629 strict). Pure code, any thread.
//
// The state is a small DFA: 0 accepts, 1..7 say which continuation byte range comes next,
// `reject` is sticky. The narrowed second-byte ranges (after E0, ED, F0, F4) are what rule
// out overlongs, surrogates and code points above U+10FFFF at the earliest byte possible.
#include "utf8.hpp"

#include <cstring>

namespace smq {

namespace {

enum : std::uint32_t {
  accept = 0,
  tail1 = 1,      // one more 80..BF
  tail2 = 2,      // two more 80..BF
  tail3 = 3,      // three more 80..BF
  after_e0 = 4,   // A0..BF then one more: no overlong 3-byte forms
  after_ed = 5,   // 80..9F then one more: no surrogates D800..DFFF
  after_f0 = 6,   // 90..BF then two more: no overlong 4-byte forms
  after_f4 = 7,   // 80..8F then two more: nothing above U+10FFFF
  reject = 8,
};

struct Transition {
  std::uint8_t lo;
  std::uint8_t hi;
  std::uint8_t next;
};

// Indexed by the states 1..7 (index 0 unused).
constexpr Transition continuation_table[8] = {
    {0, 0, reject},          {0x80, 0xBF, accept}, {0x80, 0xBF, tail1},
    {0x80, 0xBF, tail2},     {0xA0, 0xBF, tail1},  {0x80, 0x9F, tail1},
    {0x90, 0xBF, tail2},     {0x80, 0x8F, tail2},
};

constexpr std::uint32_t lead_state(std::uint8_t b) {
  if (b >= 0xC2 && b <= 0xDF) return tail1;
  if (b == 0xE0) return after_e0;
  if (b == 0xED) return after_ed;
  if (b >= 0xE1 && b <= 0xEF) return tail2;
  if (b == 0xF0) return after_f0;
  if (b >= 0xF1 && b <= 0xF3) return tail3;
  if (b == 0xF4) return after_f4;
  // 80..BF cannot start a sequence; C0, C1 only start overlongs; F5..FF exceed U+10FFFF.
  return reject;
}

}  // namespace

bool Utf8Validator::feed(std::span<const std::uint8_t> bytes) {
  std::uint32_t s = state_;
  if (s == reject) return false;
  const std::uint8_t* p = bytes.data();
  const std::size_t n = bytes.size();
  std::size_t i = 0;
  while (i < n) {
    if (s == accept) {
      // SMQ text is mostly ASCII: skip it a word at a time.
      while (n - i >= 8) {
        std::uint64_t w;
        std::memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080ULL) break;
        i += 8;
      }
      if (i == n) break;
      const std::uint8_t b = p[i++];
      if (b < 0x80) continue;
      s = lead_state(b);
      if (s == reject) {
        state_ = reject;
        return false;
      }
    } else {
      const std::uint8_t b = p[i++];
      const Transition& t = continuation_table[s];
      if (b < t.lo || b > t.hi) {
        state_ = reject;
        return false;
      }
      s = t.next;
    }
  }
  state_ = s;
  return true;
}

bool is_valid_utf8(std::span<const std::uint8_t> bytes) {
  Utf8Validator v;
  return v.feed(bytes) && v.complete();
}

}  // namespace smq
