// Raw stream framing and PubFrag reassembly: split frames, several per read, bad lengths,
// fragment sequences (smq-wire.md 2.4, 2.6).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "protocol/limits.hpp"
#include "protocol/pubfrag_assembler.hpp"
#include "protocol/raw_stream_decoder.hpp"

namespace smq {
namespace {

using Buffer = std::vector<std::uint8_t>;

Buffer frag(std::uint32_t dest, std::uint32_t ptid, std::uint32_t subtid, const std::string& chunk) {
  // Sized once and filled in place (a vector built from a braced list and then grown makes
  // GCC 12 report a false -Warray-bounds).
  Buffer b(13 + chunk.size());
  b[0] = 19;
  std::size_t at = 1;
  for (std::uint32_t v : {dest, ptid, subtid}) {
    for (int s = 24; s >= 0; s -= 8) b[at++] = static_cast<std::uint8_t>(v >> s);
  }
  std::copy(chunk.begin(), chunk.end(), b.begin() + 13);
  return b;
}

TEST(RawFraming, NeedsTwoLengthBytesAndTheWholeFrame) {
  const Buffer stream = {0, 5, 4, 'a', 'b'};
  EXPECT_EQ(next_raw_frame({stream.data(), 0}).kind, RawFrame::Kind::need_more);
  EXPECT_EQ(next_raw_frame({stream.data(), 1}).kind, RawFrame::Kind::need_more);
  EXPECT_EQ(next_raw_frame({stream.data(), 4}).kind, RawFrame::Kind::need_more);
  const auto f = next_raw_frame(stream);
  ASSERT_EQ(f.kind, RawFrame::Kind::packet);
  EXPECT_EQ(f.consumed, 5u);
  EXPECT_EQ(f.packet.size(), 3u);
  EXPECT_EQ(f.packet[0], 4);
}

TEST(RawFraming, SeveralFramesInOneRead) {
  const Buffer stream = {0, 3, 12, 0, 3, 13, 0, 4, 4, 'x', 0};
  std::size_t used = 0;
  std::vector<int> types;
  for (;;) {
    const auto f = next_raw_frame({stream.data() + used, stream.size() - used});
    if (f.kind != RawFrame::Kind::packet) break;
    types.push_back(f.packet[0]);
    used += f.consumed;
  }
  EXPECT_EQ(types, (std::vector<int>{12, 13, 4}));
  EXPECT_EQ(used, 10u);  // the trailing byte waits for more
}

TEST(RawFraming, LengthBelowThreeIsAnError) {
  for (std::uint8_t len : {0, 1, 2}) {
    const Buffer stream = {0, len, 0, 0};
    EXPECT_EQ(next_raw_frame(stream).kind, RawFrame::Kind::error) << int(len);
  }
}

TEST(RawFraming, LargestFrame) {
  Buffer stream(0xFFFF, 0);
  stream[0] = 0xFF;
  stream[1] = 0xFF;
  stream[2] = 8;
  const auto f = next_raw_frame(stream);
  ASSERT_EQ(f.kind, RawFrame::Kind::packet);
  EXPECT_EQ(f.packet.size(), 0xFFFDu);
}

TEST(PubFrag, SingleFinalFragmentIsAWholeMessage) {
  PubFragAssembler a;
  ASSERT_EQ(a.add(frag(5, 7, 9, "abc")), PubFragAssembler::Result::complete);
  EXPECT_EQ(a.message().tid, 5u);
  EXPECT_EQ(a.message().ptid, 7u);
  EXPECT_EQ(a.message().subtid, 9u);
  EXPECT_EQ(as_text(a.message().payload), "abc");
}

TEST(PubFrag, FinalFragmentHeaderWins) {
  PubFragAssembler a;
  EXPECT_EQ(a.add(frag(0, 99, 98, "he")), PubFragAssembler::Result::pending);
  EXPECT_EQ(a.add(frag(0, 0, 0, "ll")), PubFragAssembler::Result::pending);
  ASSERT_EQ(a.add(frag(5, 7, 3, "o")), PubFragAssembler::Result::complete);
  EXPECT_EQ(a.message().tid, 5u);
  EXPECT_EQ(a.message().ptid, 7u);
  EXPECT_EQ(a.message().subtid, 3u);
  EXPECT_EQ(as_text(a.message().payload), "hello");
  // The next sequence starts fresh.
  ASSERT_EQ(a.add(frag(6, 7, 0, "x")), PubFragAssembler::Result::complete);
  EXPECT_EQ(as_text(a.message().payload), "x");
}

TEST(PubFrag, EmptyPayloadIsLegal) {
  PubFragAssembler a;
  ASSERT_EQ(a.add(frag(5, 7, 0, "")), PubFragAssembler::Result::complete);
  EXPECT_TRUE(a.message().payload.empty());
}

TEST(PubFrag, OverflowAboveMaxPayload) {
  PubFragAssembler a;
  const std::string half(limits::max_payload / 2, 'x');
  EXPECT_EQ(a.add(frag(0, 7, 0, half)), PubFragAssembler::Result::pending);
  EXPECT_EQ(a.add(frag(0, 7, 0, half)), PubFragAssembler::Result::pending);
  EXPECT_EQ(a.pending_bytes(), limits::max_payload);
  EXPECT_EQ(a.add(frag(5, 7, 0, "y")), PubFragAssembler::Result::overflow);
}

TEST(PubFrag, ExactlyMaxPayloadCompletes) {
  PubFragAssembler a;
  EXPECT_EQ(a.add(frag(0, 7, 0, std::string(limits::max_payload - 1, 'x'))),
            PubFragAssembler::Result::pending);
  ASSERT_EQ(a.add(frag(5, 7, 0, "z")), PubFragAssembler::Result::complete);
  EXPECT_EQ(a.message().payload.size(), limits::max_payload);
}

TEST(PubFrag, ShortFragmentIsMalformed) {
  PubFragAssembler a;
  Buffer shortfrag = {19, 0, 0, 0, 5};
  EXPECT_EQ(a.add(shortfrag), PubFragAssembler::Result::malformed);
}

}  // namespace
}  // namespace smq
