// Unit tests of the RFC 6455 frame decoder and encoders: RFC vectors, length encodings,
// fragmentation, every rejection (checked on the header alone), UTF-8 in text and close
// frames, and chunking independence.
#include "protocol/ws_frame.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

namespace {

using smq::ws::CloseCode;
using smq::ws::DecoderLimits;
using smq::ws::Event;
using smq::ws::FrameDecoder;
using smq::ws::Opcode;
using Kind = Event::Kind;
using Bytes = std::vector<std::uint8_t>;
using Key = std::array<std::uint8_t, 4>;

constexpr Key rfc_key{0x37, 0xfa, 0x21, 0x3d};
constexpr std::uint8_t FIN = 0x80;
constexpr std::uint8_t TEXT = 0x1, BINARY = 0x2, CONT = 0x0, CLOSE = 0x8, PING = 0x9, PONG = 0xA;

enum class LenForm { minimal, u16, u64 };

Bytes str(std::string_view s) { return Bytes(s.begin(), s.end()); }

// A client frame: `b0` is FIN/RSV/opcode, the payload is masked with `key`.
Bytes frame(std::uint8_t b0, const Bytes& payload, LenForm form = LenForm::minimal, Key key = rfc_key) {
  const std::uint64_t n = payload.size();
  Bytes f;
  f.reserve(2 + 8 + key.size() + payload.size());  // reserved up front: see close_payload
  f.push_back(b0);
  if (form == LenForm::minimal && n <= 125) {
    f.push_back(static_cast<std::uint8_t>(0x80 | n));
  } else if (form != LenForm::u64 && n <= 0xFFFF) {
    f.insert(f.end(), {0x80 | 126, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
  } else {
    f.push_back(0x80 | 127);
    for (int s = 56; s >= 0; s -= 8) f.push_back(static_cast<std::uint8_t>(n >> s));
  }
  f.insert(f.end(), key.begin(), key.end());
  for (std::size_t i = 0; i < payload.size(); ++i) f.push_back(payload[i] ^ key[i % 4]);
  return f;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

void append(Bytes& out, const Bytes& more) { out.insert(out.end(), more.begin(), more.end()); }

Bytes close_payload(std::uint16_t code, std::string_view reason = {}) {
  // Reserved up front: a vector built from a braced list and then grown makes GCC 12 report
  // a false -Warray-bounds.
  Bytes p;
  p.reserve(2 + reason.size());
  p.push_back(static_cast<std::uint8_t>(code >> 8));
  p.push_back(static_cast<std::uint8_t>(code));
  p.insert(p.end(), reason.begin(), reason.end());
  return p;
}

// An event with its payload copied, comparable across decodings.
struct Rec {
  Kind kind;
  std::size_t consumed;
  Bytes payload;
  bool text;
  std::uint16_t close_code;
  CloseCode error_code;
  bool operator==(const Rec&) const = default;
};

Rec rec(const Event& e) {
  Rec r{e.kind, e.consumed, Bytes(e.payload.begin(), e.payload.end()), e.text, e.close_code, e.error_code};
  if (e.kind != Kind::close) r.close_code = 0;
  if (e.kind != Kind::error) r.error_code = CloseCode::protocol_error;
  return r;
}

bool is_final(Kind k) { return k == Kind::error || k == Kind::close; }

// Decodes a whole buffer; stops at need_more, error or close (the latter two are recorded).
std::vector<Rec> decode_all(Bytes buf, DecoderLimits limits = {}) {
  FrameDecoder d(limits);
  std::vector<Rec> out;
  std::size_t off = 0;
  while (true) {
    const Event e = d.decode(std::span<std::uint8_t>(buf.data() + off, buf.size() - off));
    if (e.kind == Kind::need_more) break;
    EXPECT_LE(e.consumed, buf.size() - off);
    out.push_back(rec(e));
    off += e.consumed;
    if (is_final(e.kind)) break;
  }
  return out;
}

// The same bytes arriving one at a time into a session buffer.
std::vector<Rec> decode_trickled(const Bytes& bytes, DecoderLimits limits = {}) {
  FrameDecoder d(limits);
  std::vector<Rec> out;
  Bytes buf;
  for (std::uint8_t b : bytes) {
    buf.push_back(b);
    while (true) {
      const Event e = d.decode(buf);
      if (e.kind == Kind::need_more) {
        EXPECT_EQ(e.consumed, 0u);
        break;
      }
      EXPECT_LE(e.consumed, buf.size());
      out.push_back(rec(e));
      if (is_final(e.kind)) return out;
      buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(e.consumed));
    }
  }
  return out;
}

// Decodes one buffer that must produce a single error event; returns its code.
CloseCode error_of(const Bytes& buf, DecoderLimits limits = {}) {
  const std::vector<Rec> recs = decode_all(buf, limits);
  EXPECT_FALSE(recs.empty());
  if (recs.empty()) return CloseCode::normal;
  EXPECT_EQ(recs.back().kind, Kind::error);
  return recs.back().error_code;
}

Bytes pattern(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 31 + 7);
  return b;
}

TEST(WsFrame, RfcMaskedHello) {
  Bytes buf{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
  FrameDecoder d;
  const Event e = d.decode(buf);
  ASSERT_EQ(e.kind, Kind::message);
  EXPECT_EQ(e.consumed, 11u);
  EXPECT_TRUE(e.text);
  EXPECT_EQ(Bytes(e.payload.begin(), e.payload.end()), str("Hello"));
  EXPECT_EQ(e.payload.data(), buf.data() + 6);  // unmasked in place, no copy
  EXPECT_EQ(Bytes(buf.begin() + 6, buf.end()), str("Hello"));
}

TEST(WsFrame, RfcUnmaskedHelloIsRejected) {
  EXPECT_EQ(error_of({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}), CloseCode::protocol_error);
}

TEST(WsFrame, RfcMaskedPongAndPing) {
  const auto pong = decode_all({0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
  ASSERT_EQ(pong.size(), 1u);
  EXPECT_EQ(pong[0].kind, Kind::pong);
  EXPECT_EQ(pong[0].payload, str("Hello"));
  const auto ping = decode_all(frame(FIN | PING, str("Hello")));
  ASSERT_EQ(ping.size(), 1u);
  EXPECT_EQ(ping[0].kind, Kind::ping);
  EXPECT_EQ(ping[0].payload, str("Hello"));
  EXPECT_EQ(ping[0].consumed, 11u);
}

TEST(WsFrame, LengthEncodingsAtBoundaries) {
  DecoderLimits limits;
  limits.max_message = 70000;
  for (std::size_t n : {0, 1, 125, 126, 127, 128, 65535, 65536, 70000}) {
    const Bytes payload = pattern(n);
    const Bytes f = frame(FIN | BINARY, payload);
    const std::size_t header = n <= 125 ? 2 : n <= 65535 ? 4 : 10;
    ASSERT_EQ(f.size(), header + 4 + n);
    // Every strict prefix of the frame asks for more and consumes nothing.
    for (std::size_t cut : {std::size_t{0}, std::size_t{1}, header, header + 3, f.size() - 1}) {
      if (cut >= f.size()) continue;
      FrameDecoder d(limits);
      Bytes part(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(cut));
      const Event e = d.decode(part);
      EXPECT_EQ(e.kind, Kind::need_more) << n << " cut " << cut;
      EXPECT_EQ(e.consumed, 0u);
    }
    const auto recs = decode_all(f, limits);
    ASSERT_EQ(recs.size(), 1u) << n;
    EXPECT_EQ(recs[0].kind, Kind::message);
    EXPECT_FALSE(recs[0].text);
    EXPECT_EQ(recs[0].consumed, f.size());
    EXPECT_EQ(recs[0].payload, payload);
  }
}

TEST(WsFrame, NonMinimalLengthsAreAccepted) {
  for (LenForm form : {LenForm::u16, LenForm::u64}) {
    for (std::size_t n : {0, 5, 125}) {
      const Bytes f = frame(FIN | TEXT, Bytes(n, 'x'), form);
      const auto recs = decode_all(f);
      ASSERT_EQ(recs.size(), 1u);
      EXPECT_EQ(recs[0].kind, Kind::message);
      EXPECT_EQ(recs[0].payload.size(), n);
      EXPECT_EQ(recs[0].consumed, f.size());
    }
  }
  // A control frame may also use the 16-bit form for a short payload.
  const auto ping = decode_all(frame(FIN | PING, str("p"), LenForm::u16));
  ASSERT_EQ(ping.size(), 1u);
  EXPECT_EQ(ping[0].kind, Kind::ping);
}

TEST(WsFrame, MaxMessageBoundary) {
  DecoderLimits limits;
  limits.max_message = 300;
  EXPECT_EQ(decode_all(frame(FIN | BINARY, pattern(300)), limits).at(0).kind, Kind::message);
  EXPECT_EQ(error_of(frame(FIN | BINARY, pattern(301)), limits), CloseCode::message_too_big);
  FrameDecoder defaults;
  EXPECT_EQ(defaults.max_frame_bytes(), smq::limits::max_ws_message + 14);
  EXPECT_EQ(FrameDecoder(limits).max_frame_bytes(), 314u);
  limits.max_message = 10;  // a 125-byte ping is then the largest frame
  EXPECT_EQ(FrameDecoder(limits).max_frame_bytes(), 139u);
  limits.max_message = 300;
  // Default limit: 65533 bytes pass, 65534 fail as soon as the 4 header bytes are in.
  EXPECT_EQ(decode_all(frame(FIN | BINARY, pattern(smq::limits::max_ws_message))).at(0).kind, Kind::message);
  EXPECT_EQ(error_of({0x82, 0xFE, 0xFF, 0xFE}), CloseCode::message_too_big);
  EXPECT_EQ(error_of({0x82, 0xFF, 0, 0, 0, 1, 0, 0, 0, 0}), CloseCode::message_too_big);
}

TEST(WsFrame, HeaderRejectionsBeforePayloadArrives) {
  struct Case {
    Bytes header;
    CloseCode code;
  };
  const std::vector<Case> cases = {
      {{0x81, 0x05}, CloseCode::protocol_error},                    // not masked
      {{0x82, 0x7E}, CloseCode::protocol_error},                    // not masked, 16-bit form
      {{0xC1, 0x85}, CloseCode::protocol_error},                    // RSV1
      {{0xA1, 0x85}, CloseCode::protocol_error},                    // RSV2
      {{0x91, 0x85}, CloseCode::protocol_error},                    // RSV3
      {{0x89, 0xFE, 0x00, 0x7E}, CloseCode::protocol_error},        // ping of 126 bytes
      {{0x88, 0xFF, 0, 0, 0, 0, 0, 0, 0x01, 0x00}, CloseCode::protocol_error},  // close of 256
      {{0x8A, 0xFE, 0xFF, 0xFF}, CloseCode::protocol_error},        // pong of 65535
      {{0x89, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0}, CloseCode::protocol_error},  // 64-bit MSB
      {{0x09, 0x80}, CloseCode::protocol_error},                    // fragmented ping
      {{0x08, 0x82}, CloseCode::protocol_error},                    // fragmented close
      {{0x80, 0x85}, CloseCode::protocol_error},                    // continuation, no message
      {{0x00, 0x85}, CloseCode::protocol_error},                    // same, not final
      {{0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 5}, CloseCode::protocol_error},  // 64-bit MSB
      {{0x82, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, CloseCode::protocol_error},
      {{0x81, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, CloseCode::message_too_big},
      {{0x81, 0xFE, 0xFF, 0xFF}, CloseCode::message_too_big},
      {{0x01, 0xFE, 0xFF, 0xFF}, CloseCode::message_too_big},       // first fragment too big
  };
  for (std::uint8_t op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    EXPECT_EQ(error_of({static_cast<std::uint8_t>(FIN | op), 0x80}), CloseCode::protocol_error) << int(op);
    EXPECT_EQ(error_of({op, 0x80}), CloseCode::protocol_error) << int(op);
  }
  for (const Case& c : cases) {
    Bytes buf = c.header;
    FrameDecoder d;
    const Event e = d.decode(buf);
    ASSERT_EQ(e.kind, Kind::error) << int(buf[0]) << " " << int(buf[1]);
    EXPECT_EQ(e.error_code, c.code) << int(buf[0]) << " " << int(buf[1]);
    EXPECT_EQ(e.consumed, 0u);
    EXPECT_FALSE(e.error.empty());
    EXPECT_LE(e.error.size(), 123u);
  }
  // Two bytes are not enough to see a 64-bit length: wait for it.
  Bytes partial{0x82, 0xFF, 0x80, 0, 0};
  EXPECT_EQ(FrameDecoder().decode(partial).kind, Kind::need_more);
  Bytes control_len{0x89, 0xFE, 0x00};
  EXPECT_EQ(FrameDecoder().decode(control_len).kind, Kind::need_more);
  Bytes one{0xC1};
  EXPECT_EQ(FrameDecoder().decode(one).kind, Kind::need_more);
}

TEST(WsFrame, DataFrameInsideFragmentedMessage) {
  const Bytes start = frame(TEXT, str("He"));
  auto recs = decode_all(cat({start, Bytes{0x81, 0x85}}));
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].kind, Kind::consumed);
  EXPECT_EQ(recs[0].consumed, start.size());
  EXPECT_EQ(recs[1].kind, Kind::error);
  EXPECT_EQ(recs[1].error_code, CloseCode::protocol_error);
  EXPECT_EQ(decode_all(cat({start, Bytes{0x02, 0x80}})).back().error_code, CloseCode::protocol_error);
  // A control frame longer than 125 inside a message is still a protocol error.
  EXPECT_EQ(decode_all(cat({start, Bytes{0x89, 0xFE, 0x00, 0x7E}})).back().error_code,
            CloseCode::protocol_error);
}

TEST(WsFrame, FragmentedWithInterleavedControlFrames) {
  const Bytes f1 = frame(TEXT, str("Hel"));
  const Bytes p = frame(FIN | PING, str("are you there"));
  const Bytes f2 = frame(CONT, str("l"));
  const Bytes q = frame(FIN | PONG, {});
  const Bytes f3 = frame(FIN | CONT, str("o"));
  Bytes buf = cat({f1, p, f2, q, f3});
  FrameDecoder d;
  std::size_t off = 0;
  auto next = [&]() {
    Event e = d.decode(std::span<std::uint8_t>(buf.data() + off, buf.size() - off));
    off += e.consumed;
    return e;
  };
  Event e = next();
  EXPECT_EQ(e.kind, Kind::consumed);
  EXPECT_EQ(e.consumed, f1.size());
  e = next();
  ASSERT_EQ(e.kind, Kind::ping);
  EXPECT_EQ(Bytes(e.payload.begin(), e.payload.end()), str("are you there"));
  e = next();
  EXPECT_EQ(e.kind, Kind::consumed);
  e = next();
  EXPECT_EQ(e.kind, Kind::pong);
  EXPECT_TRUE(e.payload.empty());
  e = next();
  ASSERT_EQ(e.kind, Kind::message);
  EXPECT_TRUE(e.text);
  EXPECT_EQ(e.consumed, f3.size());
  EXPECT_EQ(Bytes(e.payload.begin(), e.payload.end()), str("Hello"));
  EXPECT_EQ(off, buf.size());
  EXPECT_EQ(next().kind, Kind::need_more);
}

TEST(WsFrame, CloseInsideFragmentedMessage) {
  const auto recs = decode_all(cat({frame(BINARY, str("ab")), frame(FIN | CLOSE, close_payload(1001))}));
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[1].kind, Kind::close);
  EXPECT_EQ(recs[1].close_code, 1001);
}

TEST(WsFrame, AssemblyBufferHoldsOnlyTheCurrentMessage) {
  const Bytes buf = cat({frame(BINARY, str("one-")), frame(FIN | CONT, str("two")), frame(FIN | BINARY, str("solo")),
                         frame(TEXT, str("x")), frame(CONT, {}), frame(FIN | CONT, str("y"))});
  const auto recs = decode_all(buf);
  ASSERT_EQ(recs.size(), 6u);
  EXPECT_EQ(recs[1].payload, str("one-two"));
  EXPECT_FALSE(recs[1].text);
  EXPECT_EQ(recs[2].payload, str("solo"));
  EXPECT_EQ(recs[5].payload, str("xy"));
  EXPECT_TRUE(recs[5].text);
}

TEST(WsFrame, EmptyMessages) {
  auto recs = decode_all(frame(FIN | TEXT, {}));
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].kind, Kind::message);
  EXPECT_TRUE(recs[0].text);
  EXPECT_TRUE(recs[0].payload.empty());
  recs = decode_all(cat({frame(BINARY, {}), frame(CONT, {}), frame(FIN | CONT, {})}));
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].kind, Kind::consumed);
  EXPECT_EQ(recs[1].kind, Kind::consumed);
  EXPECT_EQ(recs[2].kind, Kind::message);
  EXPECT_TRUE(recs[2].payload.empty());
}

TEST(WsFrame, CumulativeSizeIsChecked) {
  DecoderLimits limits;
  limits.max_message = 10;
  EXPECT_EQ(decode_all(cat({frame(BINARY, pattern(6)), frame(FIN | CONT, pattern(4))}), limits).back().kind,
            Kind::message);
  // The second fragment's header alone shows the total would be 11.
  auto recs = decode_all(cat({frame(BINARY, pattern(6)), Bytes{0x80, 0x85}}), limits);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[1].kind, Kind::error);
  EXPECT_EQ(recs[1].error_code, CloseCode::message_too_big);
  // A huge 63-bit continuation length must not wrap around when added to what is buffered.
  recs = decode_all(cat({frame(BINARY, pattern(10)), Bytes{0x80, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFA}}),
                    limits);
  EXPECT_EQ(recs.back().error_code, CloseCode::message_too_big);
  // Buffer full: even one more byte is too much, but empty fragments still fit.
  recs = decode_all(cat({frame(BINARY, pattern(10)), frame(CONT, {}), frame(FIN | CONT, {})}), limits);
  EXPECT_EQ(recs.back().kind, Kind::message);
  EXPECT_EQ(recs.back().payload.size(), 10u);
  EXPECT_EQ(error_of(cat({frame(BINARY, pattern(10)), Bytes{0x80, 0x81}}), limits), CloseCode::message_too_big);
}

TEST(WsFrame, FragmentCountLimit) {
  DecoderLimits limits;
  limits.max_fragments = 3;
  auto recs = decode_all(cat({frame(TEXT, str("a")), frame(CONT, str("b")), frame(FIN | CONT, str("c"))}), limits);
  EXPECT_EQ(recs.back().kind, Kind::message);
  EXPECT_EQ(recs.back().payload, str("abc"));
  recs = decode_all(cat({frame(TEXT, str("a")), frame(CONT, str("b")), frame(CONT, str("c")), Bytes{0x80, 0x81}}),
                    limits);
  ASSERT_EQ(recs.size(), 4u);
  EXPECT_EQ(recs[3].kind, Kind::error);
  EXPECT_EQ(recs[3].error_code, CloseCode::message_too_big);
  // Default limit with empty fragments: 4096 fragments pass, 4097 do not.
  Bytes ok = frame(BINARY, {});
  for (std::size_t i = 1; i < smq::limits::max_ws_fragments - 1; ++i) append(ok, frame(CONT, {}));
  Bytes too_many = cat({ok, frame(CONT, {}), frame(FIN | CONT, {})});
  ok = cat({ok, frame(FIN | CONT, {})});
  EXPECT_EQ(decode_all(ok).back().kind, Kind::message);
  EXPECT_EQ(decode_all(ok).size(), smq::limits::max_ws_fragments);
  EXPECT_EQ(decode_all(too_many).back().error_code, CloseCode::message_too_big);
}

TEST(WsFrame, TextUtf8SingleFrame) {
  EXPECT_EQ(decode_all(frame(FIN | TEXT, str("\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5"))).at(0).kind, Kind::message);
  EXPECT_EQ(decode_all(frame(FIN | TEXT, str("\xEF\xBF\xBE"))).at(0).kind, Kind::message);  // U+FFFE
  EXPECT_EQ(decode_all(frame(FIN | TEXT, str("\xF4\x8F\xBF\xBF"))).at(0).kind, Kind::message);
  for (std::string_view bad : {"\xC0\x80", "\xC1\xBF", "\xE0\x80\xAF", "\xF0\x80\x80\xAF", "\xED\xA0\x80",
                               "\xED\xBF\xBF", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xFF", "\x80",
                               "ok\xE2\x82", "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5\xED\xA0\x80\x65\x64\x69\x74\x65\x64"}) {
    EXPECT_EQ(error_of(frame(FIN | TEXT, str(bad))), CloseCode::invalid_payload) << bad;
  }
  // Binary messages are not UTF-8 checked.
  EXPECT_EQ(decode_all(frame(FIN | BINARY, str("\xFF\xC0\x80"))).at(0).kind, Kind::message);
}

TEST(WsFrame, TextUtf8SplitAcrossFragments) {
  const std::string_view kosme = "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5";
  for (std::size_t cut = 0; cut <= kosme.size(); ++cut) {
    const auto recs = decode_all(cat({frame(TEXT, str(kosme.substr(0, cut))), frame(FIN | CONT, str(kosme.substr(cut)))}));
    ASSERT_EQ(recs.size(), 2u) << cut;
    EXPECT_EQ(recs[1].kind, Kind::message) << cut;
    EXPECT_EQ(recs[1].payload, str(kosme));
  }
  // One code point per byte-sized fragment.
  const std::string_view emoji = "\xF0\x9F\x98\x80";
  Bytes buf;
  for (std::size_t i = 0; i < 4; ++i) {
    buf = cat({buf, frame(static_cast<std::uint8_t>((i == 0 ? TEXT : CONT) | (i == 3 ? FIN : 0)), str(emoji.substr(i, 1)))});
  }
  EXPECT_EQ(decode_all(buf).back().payload, str(emoji));
}

TEST(WsFrame, InvalidUtf8FailsAtTheFragmentThatMakesIt) {
  // Surrogate ED A0 80 split between fragments 1 and 2 of 3: fails at fragment 2.
  const Bytes f1 = frame(TEXT, str("ab\xED"));
  const Bytes f2 = frame(CONT, str("\xA0\x80"));
  const Bytes f3 = frame(FIN | CONT, str("cd"));
  auto recs = decode_all(cat({f1, f2, f3}));
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].kind, Kind::consumed);
  EXPECT_EQ(recs[1].kind, Kind::error);
  EXPECT_EQ(recs[1].error_code, CloseCode::invalid_payload);
  // Fail fast inside the first fragment, before the message could ever complete.
  recs = decode_all(cat({frame(TEXT, str("\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5\xF4\x90")), f3}));
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].error_code, CloseCode::invalid_payload);
  // Only the final fragment can show that the text stops inside a character.
  recs = decode_all(cat({frame(TEXT, str("ab\xE2")), frame(CONT, str("\x82")), frame(FIN | CONT, {})}));
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[1].kind, Kind::consumed);
  EXPECT_EQ(recs[2].error_code, CloseCode::invalid_payload);
  // The validator restarts with each message.
  recs = decode_all(cat({frame(TEXT, str("a")), frame(FIN | CONT, str("b")), frame(TEXT, str("\x82")), f3}));
  EXPECT_EQ(recs.back().error_code, CloseCode::invalid_payload);
  EXPECT_EQ(recs.size(), 3u);
}

TEST(WsFrame, CloseFrames) {
  auto recs = decode_all(frame(FIN | CLOSE, {}));
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].kind, Kind::close);
  EXPECT_EQ(recs[0].close_code, 1005);
  EXPECT_TRUE(recs[0].payload.empty());
  recs = decode_all(frame(FIN | CLOSE, close_payload(1000, "bye \xE2\x82\xAC")));
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].kind, Kind::close);
  EXPECT_EQ(recs[0].close_code, 1000);
  EXPECT_EQ(recs[0].payload, str("bye \xE2\x82\xAC"));
  EXPECT_EQ(recs[0].consumed, 2u + 4u + 2u + 7u);
  // 125 bytes (code + 123 of reason) is the largest close frame.
  EXPECT_EQ(decode_all(frame(FIN | CLOSE, close_payload(4000, std::string(123, 'r')))).at(0).kind, Kind::close);
  EXPECT_EQ(error_of(frame(FIN | CLOSE, {0x03})), CloseCode::protocol_error);
  // Even when the next byte in the buffer would complete a valid code.
  EXPECT_EQ(error_of(cat({frame(FIN | CLOSE, {0x03}), Bytes{0xE8}})), CloseCode::protocol_error);
  EXPECT_EQ(error_of(frame(FIN | CLOSE, close_payload(1000, "\xC0\xAF"))), CloseCode::invalid_payload);
  EXPECT_EQ(error_of(frame(FIN | CLOSE, close_payload(1000, "\xED\xA0\x80"))), CloseCode::invalid_payload);
  EXPECT_EQ(error_of(frame(FIN | CLOSE, close_payload(1000, "ok\xE2\x82"))), CloseCode::invalid_payload);
}

TEST(WsFrame, CloseCodes) {
  for (std::uint16_t code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999,
                             4000, 4999}) {
    EXPECT_TRUE(smq::ws::is_valid_close_code(code)) << code;
    const auto recs = decode_all(frame(FIN | CLOSE, close_payload(code)));
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0].kind, Kind::close) << code;
    EXPECT_EQ(recs[0].close_code, code);
  }
  for (std::uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
    EXPECT_FALSE(smq::ws::is_valid_close_code(code)) << code;
    EXPECT_EQ(error_of(frame(FIN | CLOSE, close_payload(code, "x"))), CloseCode::protocol_error) << code;
  }
}

TEST(WsFrame, UnmaskingMatchesNaiveXorForAllTailLengths) {
  const Key key{0xA5, 0x01, 0xFF, 0x5A};
  for (std::size_t n = 0; n <= 41; ++n) {
    const Bytes payload = pattern(n);
    const Bytes f = frame(FIN | BINARY, payload, LenForm::minimal, key);
    const auto recs = decode_all(f);
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0].payload, payload) << n;
  }
}

TEST(WsFrame, ConsumedIsExactWithTrailingBytes) {
  const Bytes first = frame(FIN | BINARY, str("abc"));
  Bytes buf = cat({first, Bytes{0x81, 0x85, 0x37}});
  FrameDecoder d;
  Event e = d.decode(buf);
  EXPECT_EQ(e.kind, Kind::message);
  EXPECT_EQ(e.consumed, first.size());
  e = d.decode(std::span<std::uint8_t>(buf.data() + first.size(), 3));
  EXPECT_EQ(e.kind, Kind::need_more);
  EXPECT_EQ(e.consumed, 0u);
}

Bytes mixed_stream() {
  Bytes s;
  for (int i = 0; i < 40; ++i) {
    s = cat({s, frame(FIN | TEXT, str("msg " + std::to_string(i)))});
    if (i % 5 == 0) s = cat({s, frame(FIN | PING, str("p"))});
    if (i % 7 == 0) {
      s = cat({s, frame(TEXT, str("\xE2\x82")), frame(FIN | PONG, {}), frame(CONT, str("\xAC")),
               frame(FIN | CONT, pattern(0))});
    }
    if (i % 9 == 0) s = cat({s, frame(FIN | BINARY, pattern(200 + static_cast<std::size_t>(i)), LenForm::u64)});
  }
  return cat({s, frame(FIN | CLOSE, close_payload(1000, "done")), frame(FIN | TEXT, str("after close"))});
}

TEST(WsFrame, ByteByByteMatchesWholeBuffer) {
  const Bytes s = mixed_stream();
  const auto whole = decode_all(s);
  const auto trickled = decode_trickled(s);
  ASSERT_EQ(whole.back().kind, Kind::close);
  EXPECT_GT(whole.size(), 60u);
  EXPECT_EQ(whole, trickled);
  // And for a stream that ends in an error mid-way.
  const Bytes bad = cat({frame(TEXT, str("a")), frame(FIN | PING, {}), frame(CONT, str("\xF4")),
                         frame(FIN | CONT, str("\x90\x80\x80"))});
  const auto bad_whole = decode_all(bad);
  EXPECT_EQ(bad_whole.back().error_code, CloseCode::invalid_payload);
  EXPECT_EQ(bad_whole, decode_trickled(bad));
  const Bytes header_error = cat({frame(FIN | TEXT, str("fine")), Bytes{0x81, 0xFE, 0xFF, 0xFF, 1, 2, 3, 4}});
  EXPECT_EQ(decode_all(header_error), decode_trickled(header_error));
}

TEST(WsFrame, ThousandsOfFramesInOneBuffer) {
  constexpr int n = 5000;
  Bytes buf;
  for (int i = 0; i < n; ++i) {
    const Key key{static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(i >> 8), 0x5C, 0xC5};
    append(buf, frame(FIN | BINARY, Bytes(static_cast<std::size_t>(i % 300), static_cast<std::uint8_t>(i)),
                      LenForm::minimal, key));
  }
  const auto recs = decode_all(buf);
  ASSERT_EQ(recs.size(), static_cast<std::size_t>(n));
  std::size_t total = 0;
  for (int i = 0; i < n; ++i) {
    ASSERT_EQ(recs[i].kind, Kind::message);
    ASSERT_EQ(recs[i].payload, Bytes(static_cast<std::size_t>(i % 300), static_cast<std::uint8_t>(i))) << i;
    total += recs[i].consumed;
  }
  EXPECT_EQ(total, buf.size());
}

TEST(WsFrame, EncodeHeaderSizes) {
  std::uint8_t out[10];
  EXPECT_EQ(smq::ws::encode_header(out, Opcode::binary, 0), 2u);
  EXPECT_EQ(out[0], 0x82);
  EXPECT_EQ(out[1], 0x00);
  EXPECT_EQ(smq::ws::encode_header(out, Opcode::text, 125), 2u);
  EXPECT_EQ(out[0], 0x81);
  EXPECT_EQ(out[1], 125);
  EXPECT_EQ(smq::ws::encode_header(out, Opcode::binary, 126), 4u);
  EXPECT_EQ(Bytes(out, out + 4), (Bytes{0x82, 126, 0x00, 0x7E}));
  EXPECT_EQ(smq::ws::encode_header(out, Opcode::binary, 65535), 4u);
  EXPECT_EQ(Bytes(out, out + 4), (Bytes{0x82, 126, 0xFF, 0xFF}));
  EXPECT_EQ(smq::ws::encode_header(out, Opcode::binary, 65536), 10u);
  EXPECT_EQ(Bytes(out, out + 10), (Bytes{0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0}));
  EXPECT_EQ(smq::ws::encode_header(out, Opcode::pong, 3), 2u);
  EXPECT_EQ(out[0], 0x8A);
}

TEST(WsFrame, EncodeFrameAndClose) {
  const Bytes abc = str("abc");
  EXPECT_EQ(smq::ws::encode_frame(Opcode::ping, abc), std::string("\x89\x03" "abc"));
  const std::string big = smq::ws::encode_frame(Opcode::binary, pattern(300));
  EXPECT_EQ(big.size(), 304u);
  EXPECT_EQ(static_cast<std::uint8_t>(big[1]), 126);
  EXPECT_EQ(smq::ws::encode_close(CloseCode::normal), std::string("\x88\x02\x03\xE8", 4));
  EXPECT_EQ(smq::ws::encode_close(CloseCode::normal, "bye"), std::string("\x88\x05\x03\xE8" "bye", 7));
  EXPECT_EQ(smq::ws::encode_close(CloseCode::message_too_big, "x"), std::string("\x88\x03\x03\xF1x", 5));
  const std::string long_close = smq::ws::encode_close(CloseCode::going_away, std::string(200, 'z'));
  EXPECT_EQ(long_close.size(), 2u + 125u);
  EXPECT_EQ(static_cast<std::uint8_t>(long_close[1]), 125);
  // Truncation never splits a character: byte 123 is the middle of the 62nd "é", so the
  // reason keeps 61 of them (122 bytes).
  std::string accents;
  for (int i = 0; i < 70; ++i) accents.append("\xC3\xA9");
  const std::string cut = smq::ws::encode_close(CloseCode::normal, accents);
  EXPECT_EQ(cut.size(), 2u + 2u + 122u);
  EXPECT_EQ(static_cast<std::uint8_t>(cut[1]), 124);
  const Bytes reason(cut.begin() + 4, cut.end());
  EXPECT_TRUE(smq::is_valid_utf8(reason));
  // Round trip through the decoder after masking the server frame like a client would.
  const std::string f = smq::ws::encode_close(CloseCode::policy_violation, "policy");
  Bytes payload(f.begin() + 2, f.end());
  const auto recs = decode_all(frame(static_cast<std::uint8_t>(f[0]), payload));
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].close_code, 1008);
  EXPECT_EQ(recs[0].payload, str("policy"));
}

}  // namespace
