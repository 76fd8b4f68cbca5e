// libFuzzer target: the WebSocket frame decoder driven like a session does (append a read,
// decode until need_more, drop what was consumed) must produce exactly the events of one
// decoding of the whole byte stream, and every event must honour the decoder's contract.
// Input layout: [limits selector] then, FuzzedDataProvider-style, stream bytes taken from
// the front and chunk sizes taken from the back.
// Needs: protocol/ws_frame.cpp, protocol/utf8.cpp.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "protocol/ws_frame.hpp"
#include "fuzz_support.hpp"

namespace {

using fuzz::check;

using smq::ws::CloseCode;
using smq::ws::DecoderLimits;
using smq::ws::Event;
using smq::ws::FrameDecoder;
using Kind = Event::Kind;
using Bytes = std::vector<std::uint8_t>;

// Splits the input into a byte stream and the sizes of the reads that deliver it.
struct Splitter {
  const std::uint8_t* data;
  std::size_t size;

  // One read: its size comes from the back, its bytes from the front.
  bool next(Bytes& stream, std::vector<std::size_t>& reads) {
    if (size == 0) return false;
    std::size_t want = size;  // no size byte left: the rest arrives at once
    if (size > 1) {
      const std::uint8_t b = data[size - 1];
      --size;
      // Mostly small reads (to split headers), sometimes large ones.
      want = b < 0xE0 ? 1 + b % 24 : 1 + (b - 0xE0) * 97;
    }
    const std::size_t n = want < size ? want : size;
    stream.insert(stream.end(), data, data + n);
    reads.push_back(n);
    data += n;
    size -= n;
    return true;
  }
};

using Rec = fuzz::WsEventRecord;
using fuzz::ends_decoding;

// Contract of one non-need_more event decoded from `input`.
Rec check_event(const Event& e, std::span<const std::uint8_t> input, const DecoderLimits& limits) {
  check(e.consumed <= input.size());
  Rec r{e.kind, e.consumed, Bytes(e.payload.begin(), e.payload.end()), false, 0,
        CloseCode::protocol_error};
  switch (e.kind) {
    case Kind::need_more:
      check(false);
      break;
    case Kind::consumed:
      check(e.consumed >= 6 && e.payload.empty());
      break;
    case Kind::message:
      check(e.consumed >= 6);
      check(e.payload.size() <= limits.max_message);
      if (e.text) check(smq::is_valid_utf8(e.payload));
      r.text = e.text;
      break;
    case Kind::ping:
    case Kind::pong:
      check(e.consumed >= 6 && e.payload.size() <= 125);
      // Control payloads are views into the frame just decoded.
      check(e.payload.empty() || (e.payload.data() >= input.data() &&
                                  e.payload.data() + e.payload.size() <= input.data() + e.consumed));
      break;
    case Kind::close:
      check(e.consumed >= 6 && e.payload.size() <= 123);
      check(e.close_code == 1005 ? e.payload.empty() : smq::ws::is_valid_close_code(e.close_code));
      check(smq::is_valid_utf8(e.payload));
      r.close_code = e.close_code;
      break;
    case Kind::error:
      check(e.consumed == 0);
      check(!e.error.empty() && e.error.size() <= 123);
      check(e.error_code == CloseCode::protocol_error || e.error_code == CloseCode::message_too_big ||
            e.error_code == CloseCode::invalid_payload);
      r.error_code = e.error_code;
      break;
  }
  return r;
}

std::vector<Rec> decode_whole(Bytes stream, const DecoderLimits& limits) {
  FrameDecoder decoder(limits);
  std::vector<Rec> out;
  std::size_t off = 0;
  while (true) {
    const std::span<std::uint8_t> input(stream.data() + off, stream.size() - off);
    const Event e = decoder.decode(input);
    if (e.kind == Kind::need_more) {
      check(e.consumed == 0);
      check(input.size() < decoder.max_frame_bytes());
      break;
    }
    out.push_back(check_event(e, input, limits));
    off += e.consumed;
    if (ends_decoding(e.kind)) break;
  }
  return out;
}

std::vector<Rec> decode_in_reads(const Bytes& stream, const std::vector<std::size_t>& reads,
                                 const DecoderLimits& limits) {
  FrameDecoder decoder(limits);
  std::vector<Rec> out;
  Bytes buffer;
  std::size_t pos = 0;
  for (std::size_t n : reads) {
    buffer.insert(buffer.end(), stream.begin() + static_cast<std::ptrdiff_t>(pos),
                  stream.begin() + static_cast<std::ptrdiff_t>(pos + n));
    pos += n;
    while (true) {
      const Event e = decoder.decode(buffer);
      if (e.kind == Kind::need_more) {
        check(e.consumed == 0);
        // The session sizes its read buffer by max_frame_bytes(): a decoder still waiting
        // with that much buffered would stall the connection for ever.
        check(buffer.size() < decoder.max_frame_bytes());
        break;
      }
      out.push_back(check_event(e, buffer, limits));
      if (ends_decoding(e.kind)) return out;  // the decoder is never used after these
      buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(e.consumed));
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  DecoderLimits limits;
  const std::uint8_t selector = data[0];
  if (selector & 1) limits.max_message = (selector >> 1) * 5;  // 0..635: reach 1009 cheaply
  if (selector & 2) limits.max_fragments = 1 + (selector >> 4);

  Splitter splitter{data + 1, size - 1};
  Bytes stream;
  std::vector<std::size_t> reads;
  while (splitter.next(stream, reads)) {
  }

  const std::vector<Rec> whole = decode_whole(stream, limits);
  const std::vector<Rec> chunked = decode_in_reads(stream, reads, limits);
  check(whole == chunked);
  return 0;
}
