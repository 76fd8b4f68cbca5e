// libFuzzer target: the C++ client's WebSocket codec. Three properties per input:
//  1. Arbitrary bytes as a server stream: decoding it read by read (as the connection does:
//     append a read, decode until need_more, drop what was consumed) gives exactly the
//     events of one decoding of the whole stream, and every event honours the contract
//     (bounded consumption and payloads, progress, a need_more never waits for more than
//     one maximal frame, valid close codes).
//  2. The same bytes as a script of server frames (data messages, fragments with pings in
//     between, control frames, closes, masked frames) encoded with the broker's framing:
//     the decoder, fed in random reads, reports exactly the scripted events.
//  3. The script's frames encoded by the client (masked) decode, with the broker's own
//     decoder, to the payloads that were sent.
// Input layout: [selector] then the stream / script bytes; for property 1,
// FuzzedDataProvider-style, stream bytes from the front and read sizes from the back.
// Selector bits: 0 = a small max_message (from the upper bits), 1 = tiny reads for the
// script (mostly), 2 and 3 both = the script may carry one payload of up to 64 KiB.
// Needs: clients/cpp/src/ws_client_frame.cpp, protocol/ws_frame.cpp, protocol/utf8.cpp.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "protocol/limits.hpp"
#include "protocol/ws_frame.hpp"
#include "src/ws_client_frame.hpp"
#include "fuzz_support.hpp"

namespace {

using fuzz::check;

using smq::detail::ServerFrameDecoder;
using smq::ws::CloseCode;
using smq::ws::Event;
using smq::ws::Opcode;
using Kind = Event::Kind;
using Bytes = std::vector<std::uint8_t>;

using Rec = fuzz::WsEventRecord;
using fuzz::ends_decoding;

// The header and payload sizes of the frame at the front of `input`, read independently of
// the decoder (only called for frames it reported, so the header bytes are present).
struct FrameSize {
  std::size_t header;
  std::uint64_t payload;
};
FrameSize frame_size(std::span<const std::uint8_t> input) {
  check(input.size() >= 2);
  const std::uint8_t len = input[1] & 0x7F;
  if (len < 126) return {2, len};
  if (len == 126) {
    check(input.size() >= 4);
    return {4, std::uint64_t{input[2]} << 8 | input[3]};
  }
  check(input.size() >= 10);
  std::uint64_t v = 0;
  for (int i = 2; i < 10; ++i) v = v << 8 | input[i];
  return {10, v};
}

// Largest frame a server may send under `max_message`: a 10-byte header (servers never
// mask) plus the larger of a whole message and a control payload. The connection's receive
// buffer is sized from this, so a decoder still waiting with this much buffered would stall.
std::size_t max_frame(std::size_t max_message) {
  return std::max(max_message, smq::limits::max_control_payload) + 10;
}

// Contract checks across the events of one decoder.
class Checker {
 public:
  explicit Checker(std::size_t max_message) : max_message_(max_message) {}

  Rec event(const Event& e, std::span<const std::uint8_t> input) {
    check(e.consumed <= input.size());
    Rec r{e.kind, e.consumed, Bytes(e.payload.begin(), e.payload.end()), false, 0,
          CloseCode::protocol_error};
    if (e.kind == Kind::need_more) {
      check(e.consumed == 0 && e.payload.empty());
      check(input.size() < max_frame(max_message_));
      return r;
    }
    if (e.kind == Kind::error) {
      check(e.consumed == 0);
      // The connection sends the reason in its Close; it must fit a control frame.
      check(!e.error.empty() && e.error.size() <= 123);
      check(e.error_code == CloseCode::protocol_error ||
            e.error_code == CloseCode::message_too_big);
      r.error_code = e.error_code;
      return r;
    }
    // Every other step uses up exactly one whole frame: progress, and never past the input.
    const FrameSize f = frame_size(input);
    check(f.payload <= input.size() && e.consumed == f.header + f.payload);
    const auto payload_size = static_cast<std::size_t>(f.payload);
    const std::uint8_t* frame_payload = input.data() + f.header;
    // Views into the input: exactly the frame's payload (or, for a Close, its reason).
    auto is_frame_tail = [&](std::size_t skip) {
      return e.payload.size() + skip == payload_size &&
             (e.payload.empty() || e.payload.data() == frame_payload + skip);
    };
    switch (e.kind) {
      case Kind::consumed:
        check(e.payload.empty());
        fragment_bytes_ += payload_size;
        break;
      case Kind::message:
        check(e.payload.size() <= max_message_);
        if (!in_fragments_) {
          check(is_frame_tail(0));
        } else {
          // Assembled: exactly the fragments' payloads.
          check(e.payload.size() == fragment_bytes_ + payload_size);
        }
        fragment_bytes_ = 0;
        in_fragments_ = false;
        r.text = e.text;
        break;
      case Kind::ping:
      case Kind::pong:
        check(payload_size <= smq::limits::max_control_payload && is_frame_tail(0));
        break;
      case Kind::close:
        check(payload_size <= smq::limits::max_control_payload);
        if (payload_size == 0) {
          check(e.close_code == static_cast<std::uint16_t>(CloseCode::no_status));
          check(e.payload.empty());
        } else {
          check(payload_size >= 2 && is_frame_tail(2));
          check(e.close_code == (std::uint16_t{frame_payload[0]} << 8 | frame_payload[1]));
          // The connection echoes this code in its own Close, so it must be one a peer may
          // send (never 1005/1006/1015 or an unassigned range).
          check(smq::ws::is_valid_close_code(e.close_code));
        }
        r.close_code = e.close_code;
        break;
      default:
        break;
    }
    if (e.kind == Kind::consumed) in_fragments_ = true;
    return r;
  }

 private:
  std::size_t max_message_;
  bool in_fragments_ = false;       // a fragmented message is open
  std::size_t fragment_bytes_ = 0;  // payload bytes of its fragments so far
};

std::vector<Rec> decode_whole(Bytes stream, std::size_t max_message) {
  ServerFrameDecoder decoder(max_message);
  Checker checker(max_message);
  std::vector<Rec> out;
  std::size_t off = 0;
  while (true) {
    const std::span<std::uint8_t> input(stream.data() + off, stream.size() - off);
    const Event e = decoder.decode(input);
    const Rec r = checker.event(e, input);
    if (e.kind == Kind::need_more) break;
    out.push_back(r);
    off += e.consumed;
    if (ends_decoding(e.kind)) break;  // the connection stops here
  }
  return out;
}

std::vector<Rec> decode_in_reads(const Bytes& stream, const std::vector<std::size_t>& reads,
                                 std::size_t max_message) {
  ServerFrameDecoder decoder(max_message);
  Checker checker(max_message);
  std::vector<Rec> out;
  Bytes buffer;
  std::size_t pos = 0;
  for (std::size_t n : reads) {
    buffer.insert(buffer.end(), stream.begin() + static_cast<std::ptrdiff_t>(pos),
                  stream.begin() + static_cast<std::ptrdiff_t>(pos + n));
    pos += n;
    while (true) {
      const Event e = decoder.decode(buffer);
      const Rec r = checker.event(e, buffer);
      if (e.kind == Kind::need_more) break;
      out.push_back(r);
      if (ends_decoding(e.kind)) return out;
      buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(e.consumed));
    }
  }
  return out;
}

// Property 1 input: stream bytes from the front, read sizes from the back.
void split_reads(const std::uint8_t* data, std::size_t size, Bytes& stream,
                 std::vector<std::size_t>& reads) {
  while (size > 0) {
    std::size_t want = size;  // no size byte left: the rest arrives at once
    if (size > 1) {
      const std::uint8_t b = data[size - 1];
      --size;
      // Mostly small reads (to split headers), sometimes large ones.
      want = b < 0xE0 ? 1 + b % 24 : 1 + (b - 0xE0) * 97;
    }
    const std::size_t n = std::min(want, size);
    stream.insert(stream.end(), data, data + n);
    reads.push_back(n);
    data += n;
    size -= n;
  }
}

// ---- Properties 2 and 3: scripted frames ------------------------------------------------

struct Reader {
  const std::uint8_t* p;
  std::size_t n;
  bool empty() const { return n == 0; }
  std::uint8_t u8() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
};

// Payload lengths around the 125/126 and 65535/65536 header boundaries. One big payload
// per script at most, and only when the selector allows it (*big_used starts true
// otherwise): fresh 64 KiB buffers (page faults under ASan) would otherwise dominate the
// execution time.
std::size_t script_length(std::uint8_t b, bool* big_used) {
  if (b < 0xF8 || *big_used) return b % 130;
  *big_used = true;
  return std::size_t{b - 0xF7u} * 8195;
}

// `n` payload bytes: the input repeated from `*salt` on (copied in runs: a per-byte loop
// would dominate the execution time under the sanitizers).
Bytes fill(const std::uint8_t* data, std::size_t size, std::size_t* salt, std::size_t n) {
  Bytes out;
  out.reserve(n);
  std::size_t at = *salt % size;
  while (out.size() < n) {
    const std::size_t run = std::min(n - out.size(), size - at);
    out.insert(out.end(), data + at, data + at + run);
    at = 0;
  }
  *salt += n + 1;
  return out;
}

constexpr std::uint16_t valid_codes[] = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010,
                                         1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999};

struct Script {
  const std::uint8_t* data;
  std::size_t size;
  std::size_t max_message;
  std::string wire;           // server frames
  std::vector<Rec> expected;  // what the client decoder must report
  bool big_used;  // see script_length
  std::size_t salt = 0;

  Bytes payload(std::size_t n) { return fill(data, size, &salt, n); }

  // One unmasked server frame; `opcode` as sent (continuation for later fragments).
  void frame(bool fin, std::uint8_t opcode, const Bytes& body) {
    std::uint8_t header[10];
    const std::size_t n = smq::ws::encode_header(header, Opcode::binary, body.size());
    header[0] = static_cast<std::uint8_t>((fin ? 0x80 : 0) | opcode);
    wire.append(reinterpret_cast<const char*>(header), n);
    wire.append(body.begin(), body.end());
  }

  std::size_t last_frame_size(std::size_t body) const {
    return body <= 125 ? 2 + body : body <= 0xFFFF ? 4 + body : 10 + body;
  }

  void expect(Kind kind, std::size_t consumed, Bytes body = {}, bool text = false,
              std::uint16_t close_code = 0, CloseCode error = CloseCode::protocol_error) {
    expected.push_back(Rec{kind, consumed, std::move(body), text, close_code, error});
  }
  void expect_error(CloseCode code) { expect(Kind::error, 0, {}, false, 0, code); }

  // Builds frames until the script ends, a close, or an expected error (after which the
  // connection stops decoding).
  void build(Reader r) {
    wire.reserve(8192);
    std::size_t items = 0;
    while (!r.empty() && items++ < 32) {
      const std::uint8_t op = r.u8();
      switch (op % 8) {
        case 0:
        case 1: {  // an unfragmented data message
          const bool text = op % 8 == 1;
          const Bytes body = payload(script_length(r.u8(), &big_used));
          frame(true, text ? 1 : 2, body);
          if (body.size() > max_message) return expect_error(CloseCode::message_too_big);
          expect(Kind::message, last_frame_size(body.size()), body, text);
          break;
        }
        case 2:
        case 3: {  // ping / pong
          const Bytes body = payload(r.u8() % 126);
          frame(true, op % 8 == 2 ? 0x9 : 0xA, body);
          expect(op % 8 == 2 ? Kind::ping : Kind::pong, last_frame_size(body.size()), body);
          break;
        }
        case 4: {  // a fragmented message, sometimes with pings between the fragments
          const bool text = (op & 0x10) != 0;
          const std::size_t fragments = 2 + (op >> 5) % 4;
          Bytes whole;
          for (std::size_t i = 0; i < fragments; ++i) {
            const bool fin = i + 1 == fragments;
            const Bytes body = payload(script_length(r.u8(), &big_used));
            frame(fin, i == 0 ? (text ? 1 : 2) : 0, body);
            if (whole.size() + body.size() > max_message) {
              return expect_error(CloseCode::message_too_big);
            }
            whole.insert(whole.end(), body.begin(), body.end());
            if (fin) {
              expect(Kind::message, last_frame_size(body.size()), whole, text);
            } else {
              expect(Kind::consumed, last_frame_size(body.size()));
              if (r.u8() & 1) {
                const Bytes ping = payload(r.u8() % 126);
                frame(true, 0x9, ping);
                expect(Kind::ping, last_frame_size(ping.size()), ping);
              }
            }
          }
          break;
        }
        case 5: {  // Close with a code and a reason
          const std::uint16_t code = valid_codes[r.u8() % std::size(valid_codes)];
          Bytes body = payload(2 + r.u8() % 124);
          body[0] = static_cast<std::uint8_t>(code >> 8);
          body[1] = static_cast<std::uint8_t>(code);
          frame(true, 0x8, body);
          return expect(Kind::close, last_frame_size(body.size()),
                        Bytes(body.begin() + 2, body.end()), false, code);
        }
        case 6: {  // Close without a payload, or with a code no endpoint may send
          if ((op & 0x10) == 0) {
            frame(true, 0x8, {});
            return expect(Kind::close, 2, {}, false, 1005);
          }
          constexpr std::uint16_t invalid[] = {0, 999, 1004, 1005, 1006, 1015, 2999, 5000};
          const std::uint16_t code = invalid[(op >> 5) % std::size(invalid)];
          frame(true, 0x8, {static_cast<std::uint8_t>(code >> 8), static_cast<std::uint8_t>(code)});
          return expect_error(CloseCode::protocol_error);
        }
        case 7: {  // a masked frame: servers must not mask
          const Bytes body = payload(r.u8() % 20);
          frame(true, 2, body);
          // Set the mask bit in the length byte; no key follows, but the bit is checked first.
          wire[wire.size() - body.size() - 1] |= '\x80';
          return expect_error(CloseCode::protocol_error);
        }
      }
    }
  }
};

// Property 3: the client's masked frames for the scripted payloads, decoded by the broker.
void client_frames_round_trip(Reader r, const std::uint8_t* data, std::size_t size, bool big_used) {
  smq::detail::MaskSource masks;
  std::string wire;
  struct Sent {
    Kind kind;
    Bytes payload;
    std::uint16_t code;
  };
  std::vector<Sent> sent;
  std::size_t salt = 0;
  auto payload = [&](std::size_t n) { return fill(data, size, &salt, n); };
  for (std::size_t items = 0; !r.empty() && items < 24; ++items) {
    const std::uint8_t op = r.u8();
    switch (op % 4) {
      case 0: {  // binary (text needs valid UTF-8 at the broker; binary carries anything)
        const std::size_t n =
            std::min(script_length(r.u8(), &big_used), smq::limits::max_ws_message);
        const Bytes body = payload(n);
        const std::size_t before = wire.size();
        smq::detail::append_client_frame(wire, Opcode::binary, body, masks);
        // Masked, with the shortest length form: header + 4-byte key + payload.
        check(wire.size() - before == (n <= 125 ? 6 : n <= 0xFFFF ? 8 : 14) + n);
        check((static_cast<std::uint8_t>(wire[before + 1]) & 0x80) != 0);
        sent.push_back({Kind::message, body, 0});
        break;
      }
      case 1:
      case 2: {  // ping / pong, as the client answers the server's pings
        const Bytes body = payload(r.u8() % 126);
        smq::detail::append_client_frame(wire, op % 4 == 1 ? Opcode::ping : Opcode::pong, body,
                                         masks);
        sent.push_back({op % 4 == 1 ? Kind::ping : Kind::pong, body, 0});
        break;
      }
      case 3: {  // Close with an ASCII reason, possibly longer than fits (cut to 123)
        const std::uint16_t code = valid_codes[r.u8() % std::size(valid_codes)];
        Bytes reason = payload(r.u8() % 140);
        for (auto& b : reason) b &= 0x7F;
        smq::detail::append_client_close(
            wire, code, {reinterpret_cast<const char*>(reason.data()), reason.size()}, masks);
        reason.resize(std::min<std::size_t>(reason.size(), 123));
        sent.push_back({Kind::close, reason, code});
        items = 24;  // nothing follows a Close
        break;
      }
    }
  }

  smq::ws::FrameDecoder broker;
  std::span<std::uint8_t> input(reinterpret_cast<std::uint8_t*>(wire.data()), wire.size());
  for (const Sent& s : sent) {
    const Event e = broker.decode(input);
    check(e.kind == s.kind);
    check(Bytes(e.payload.begin(), e.payload.end()) == s.payload);
    if (s.kind == Kind::close) check(e.close_code == s.code);
    input = input.subspan(e.consumed);
  }
  check(input.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t selector = data[0];
  // Small limits (0..635) make the 1009 path reachable with short inputs.
  const std::size_t max_message =
      selector & 1 ? static_cast<std::size_t>(selector >> 1) * 5 : smq::limits::max_ws_message;
  const std::uint8_t* body = data + 1;
  const std::size_t body_size = size - 1;

  // 1. Arbitrary server bytes.
  Bytes stream;
  std::vector<std::size_t> reads;
  split_reads(body, body_size, stream, reads);
  const std::vector<Rec> whole = decode_whole(stream, max_message);
  check(whole == decode_in_reads(stream, reads, max_message));
  if (body_size == 0) return 0;

  // 2. Scripted server frames, delivered in random reads.
  const bool no_big = (selector & 0x0C) != 0x0C;
  Script script{body, body_size, max_message, {}, {}, no_big};
  script.build(Reader{body, body_size});
  const Bytes wire(script.wire.begin(), script.wire.end());
  check(decode_whole(wire, max_message) == script.expected);
  std::vector<std::size_t> script_reads;
  std::uint32_t rng = 0x9E3779B9u ^ selector ^ (std::uint32_t{data[size - 1]} << 8) ^
                      static_cast<std::uint32_t>(size << 16);
  for (std::size_t left = wire.size(); left > 0;) {
    rng = rng * 1103515245u + 12345u;
    // Tiny reads split headers anywhere; all-tiny reads only for short scripts, as every
    // read costs a decode call.
    const bool tiny = (selector & 2) && (wire.size() < 2048 || (rng >> 30) == 0);
    const std::size_t n = std::min<std::size_t>(left, 1 + (rng >> 16) % (tiny ? 7 : 3000));
    script_reads.push_back(n);
    left -= n;
  }
  check(decode_in_reads(wire, script_reads, max_message) == script.expected);

  // 3. Client frames through the broker's decoder.
  client_frames_round_trip(Reader{body, body_size}, body, body_size, no_big);
  return 0;
}
