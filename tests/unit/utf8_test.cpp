// Unit tests of the incremental UTF-8 validator: RFC 3629 boundaries, fail-fast position,
// chunking independence, and an exhaustive comparison with a straightforward decoder.
#include "protocol/utf8.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace {

using Bytes = std::vector<std::uint8_t>;

std::span<const std::uint8_t> view(const Bytes& b) { return {b.data(), b.size()}; }

bool valid(const Bytes& b) { return smq::is_valid_utf8(view(b)); }

// Index of the byte at which a byte-by-byte feed first fails, or -1.
long fail_index(const Bytes& b) {
  smq::Utf8Validator v;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (!v.feed(std::span<const std::uint8_t>(&b[i], 1))) return static_cast<long>(i);
  }
  return -1;
}

Bytes encode(std::uint32_t cp) {
  if (cp < 0x80) return {static_cast<std::uint8_t>(cp)};
  if (cp < 0x800) {
    return {static_cast<std::uint8_t>(0xC0 | (cp >> 6)), static_cast<std::uint8_t>(0x80 | (cp & 0x3F))};
  }
  if (cp < 0x10000) {
    return {static_cast<std::uint8_t>(0xE0 | (cp >> 12)),
            static_cast<std::uint8_t>(0x80 | ((cp >> 6) & 0x3F)),
            static_cast<std::uint8_t>(0x80 | (cp & 0x3F))};
  }
  return {static_cast<std::uint8_t>(0xF0 | (cp >> 18)), static_cast<std::uint8_t>(0x80 | ((cp >> 12) & 0x3F)),
          static_cast<std::uint8_t>(0x80 | ((cp >> 6) & 0x3F)), static_cast<std::uint8_t>(0x80 | (cp & 0x3F))};
}

// Decode-then-check reference: slow and obvious.
bool reference_valid(const Bytes& b) {
  std::size_t i = 0;
  while (i < b.size()) {
    const std::uint8_t c = b[i];
    std::size_t len;
    std::uint32_t cp;
    if (c < 0x80) { len = 1; cp = c; }
    else if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
    else return false;
    if (b.size() - i < len) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((b[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b[i + k] & 0x3F);
    }
    static constexpr std::uint32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

TEST(Utf8, EmptyAndAscii) {
  EXPECT_TRUE(valid({}));
  EXPECT_TRUE(valid({'a'}));
  std::string s = "The quick brown fox jumps over the lazy dog 0123456789 ~!@#$%^&*()";
  EXPECT_TRUE(valid(Bytes(s.begin(), s.end())));
  EXPECT_TRUE(valid({0x00, 0x7F}));  // NUL and DEL are valid UTF-8
}

TEST(Utf8, BoundaryCodePointsAreValid) {
  EXPECT_TRUE(valid({0xC2, 0x80}));              // U+0080
  EXPECT_TRUE(valid({0xDF, 0xBF}));              // U+07FF
  EXPECT_TRUE(valid({0xE0, 0xA0, 0x80}));        // U+0800
  EXPECT_TRUE(valid({0xED, 0x9F, 0xBF}));        // U+D7FF, just below the surrogates
  EXPECT_TRUE(valid({0xEE, 0x80, 0x80}));        // U+E000, just above them
  EXPECT_TRUE(valid({0xEF, 0xBF, 0xBF}));        // U+FFFF
  EXPECT_TRUE(valid({0xF0, 0x90, 0x80, 0x80}));  // U+10000
  EXPECT_TRUE(valid({0xF4, 0x8F, 0xBF, 0xBF}));  // U+10FFFF
  EXPECT_TRUE(valid({0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5}));  // κόσμε
}

TEST(Utf8, NonCharactersAreValid) {
  EXPECT_TRUE(valid({0xEF, 0xBF, 0xBE}));        // U+FFFE
  EXPECT_TRUE(valid({0xEF, 0xB7, 0x90}));        // U+FDD0
  EXPECT_TRUE(valid({0xF4, 0x8F, 0xBF, 0xBE}));  // U+10FFFE
}

TEST(Utf8, OverlongsAreInvalid) {
  EXPECT_FALSE(valid({0xC0, 0x80}));              // overlong NUL
  EXPECT_FALSE(valid({0xC0, 0xAF}));              // overlong '/'
  EXPECT_FALSE(valid({0xC1, 0xBF}));
  EXPECT_FALSE(valid({0xE0, 0x80, 0xAF}));
  EXPECT_FALSE(valid({0xE0, 0x9F, 0xBF}));        // overlong U+07FF
  EXPECT_FALSE(valid({0xF0, 0x80, 0x80, 0xAF}));
  EXPECT_FALSE(valid({0xF0, 0x8F, 0xBF, 0xBF}));  // overlong U+FFFF
}

TEST(Utf8, SurrogatesAreInvalid) {
  EXPECT_FALSE(valid({0xED, 0xA0, 0x80}));  // U+D800
  EXPECT_FALSE(valid({0xED, 0xAD, 0xBF}));  // U+DB7F
  EXPECT_FALSE(valid({0xED, 0xB0, 0x80}));  // U+DC00
  EXPECT_FALSE(valid({0xED, 0xBF, 0xBF}));  // U+DFFF
  EXPECT_FALSE(valid({0xED, 0xA0, 0x80, 0xED, 0xB0, 0x80}));  // surrogate pair
}

TEST(Utf8, AboveMaxAndForbiddenBytesAreInvalid) {
  EXPECT_FALSE(valid({0xF4, 0x90, 0x80, 0x80}));  // U+110000
  EXPECT_FALSE(valid({0xF5, 0x80, 0x80, 0x80}));
  EXPECT_FALSE(valid({0xF7, 0xBF, 0xBF, 0xBF}));
  EXPECT_FALSE(valid({0xF8, 0x88, 0x80, 0x80, 0x80}));  // old 5-byte form
  EXPECT_FALSE(valid({0xFE}));
  EXPECT_FALSE(valid({0xFF}));
  EXPECT_FALSE(valid({0x80}));        // lone continuation
  EXPECT_FALSE(valid({0xBF}));
  EXPECT_FALSE(valid({0x61, 0x80}));
}

TEST(Utf8, TruncatedSequencesAreIncomplete) {
  for (const Bytes& b : {Bytes{0xC2}, Bytes{0xE0, 0xA0}, Bytes{0xE1}, Bytes{0xF0, 0x90, 0x80},
                         Bytes{0xF4, 0x8F, 0xBF}, Bytes{'a', 'b', 0xEF, 0xBF}}) {
    smq::Utf8Validator v;
    EXPECT_TRUE(v.feed(view(b)));  // still could become valid
    EXPECT_FALSE(v.complete());
    EXPECT_FALSE(valid(b));
  }
  EXPECT_FALSE(valid({0xC2, 0x41}));        // lead then ASCII
  EXPECT_FALSE(valid({0xE1, 0x80, 0x41}));
}

TEST(Utf8, FailsAtTheOffendingByte) {
  EXPECT_EQ(fail_index({0xC0}), 0);
  EXPECT_EQ(fail_index({0xC1}), 0);
  EXPECT_EQ(fail_index({0xF5}), 0);
  EXPECT_EQ(fail_index({'a', 'b', 0xED, 0xA0, 0x80}), 3);
  EXPECT_EQ(fail_index({0xF4, 0x90, 0x80, 0x80}), 1);
  EXPECT_EQ(fail_index({0xE0, 0x9F, 0xBF}), 1);
  EXPECT_EQ(fail_index({0xF0, 0x8F, 0xBF, 0xBF}), 1);
  EXPECT_EQ(fail_index({0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5, 0xED, 0xA0, 0x80, 'e', 'd'}), 12);
  EXPECT_EQ(fail_index({0xE1, 0x80, 0x41}), 2);
  EXPECT_EQ(fail_index({0xEF, 0xBF, 0xBE}), -1);
}

TEST(Utf8, FailureIsStickyUntilReset) {
  smq::Utf8Validator v;
  const Bytes bad{0xFF};
  const Bytes good{'o', 'k'};
  EXPECT_FALSE(v.feed(view(bad)));
  EXPECT_FALSE(v.feed(view(good)));
  EXPECT_FALSE(v.complete());
  v.reset();
  EXPECT_TRUE(v.feed(view(good)));
  EXPECT_TRUE(v.complete());
}

TEST(Utf8, AsciiFastPathBoundaries) {
  for (std::size_t run = 0; run <= 33; ++run) {
    Bytes ok(run, 'x');
    ok.insert(ok.end(), {0xF0, 0x9F, 0x98, 0x80});  // U+1F600
    ok.insert(ok.end(), run, 'y');
    EXPECT_TRUE(valid(ok)) << run;
    Bytes bad(run, 'x');
    bad.push_back(0xC0);
    bad.insert(bad.end(), 20, 'y');
    EXPECT_FALSE(valid(bad)) << run;
    smq::Utf8Validator v;
    EXPECT_FALSE(v.feed(view(bad)));
    Bytes cut(run, 'x');
    cut.push_back(0xE2);
    EXPECT_FALSE(valid(cut)) << run;
  }
}

TEST(Utf8, EverySplitGivesTheSameAnswer) {
  const std::vector<Bytes> cases = {
      {0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5},
      {'H', 'e', 'l', 'l', 'o', '-', 0xC2, 0xB5, '@', 0xC3, 0x9F, 0xC3, 0xB6, 0xC3, 0xA4, 0xC3, 0xBC},
      {0xF4, 0x8F, 0xBF, 0xBF, 0xF0, 0x90, 0x80, 0x80},
      {0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5, 0xED, 0xA0, 0x80, 'e', 'd'},
      {'a', 0xF4, 0x90, 0x80, 0x80, 'b'},
      {0xE0, 0xA0},
  };
  for (const Bytes& b : cases) {
    const bool expected = reference_valid(b);
    EXPECT_EQ(valid(b), expected);
    for (std::size_t cut = 0; cut <= b.size(); ++cut) {
      for (std::size_t cut2 = cut; cut2 <= b.size(); ++cut2) {
        smq::Utf8Validator v;
        const bool fed = v.feed(view(b).subspan(0, cut)) && v.feed(view(b).subspan(cut, cut2 - cut)) &&
                         v.feed(view(b).subspan(cut2));
        EXPECT_EQ(fed && v.complete(), expected) << cut << "," << cut2;
      }
    }
  }
}

TEST(Utf8, AllScalarValuesRoundTrip) {
  for (std::uint32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
    const Bytes b = encode(cp);
    ASSERT_EQ(valid(b), !surrogate) << std::hex << cp;
  }
}

TEST(Utf8, ExhaustiveShortSequencesMatchReference) {
  // Every 1- and 2-byte input, and every 3-byte input whose first byte is a 3- or 4-byte lead.
  for (int a = 0; a < 256; ++a) {
    const Bytes one{static_cast<std::uint8_t>(a)};
    ASSERT_EQ(valid(one), reference_valid(one)) << a;
    for (int b = 0; b < 256; ++b) {
      const Bytes two{static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(b)};
      ASSERT_EQ(valid(two), reference_valid(two)) << a << " " << b;
    }
  }
  for (int a = 0xE0; a < 0x100; ++a) {
    for (int b = 0x70; b < 0xD0; ++b) {
      for (int c = 0x70; c < 0xD0; ++c) {
        const Bytes three{static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(b), static_cast<std::uint8_t>(c)};
        ASSERT_EQ(valid(three), reference_valid(three)) << a << " " << b << " " << c;
      }
    }
  }
  for (int a = 0xF0; a < 0xF8; ++a) {
    for (int b = 0x70; b < 0xD0; ++b) {
      const Bytes four{static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(b), 0x80, 0x80};
      ASSERT_EQ(valid(four), reference_valid(four)) << a << " " << b;
    }
  }
}

}  // namespace
