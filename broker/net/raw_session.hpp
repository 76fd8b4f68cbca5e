// SMQ over the raw TCP transport: [u16 total length][type][body] frames each way, plus
// PubFrag reassembly (raw only). Outgoing frames are written exactly as the hub encoded
// them. Broker thread only.
#pragma once

#include "broker/net/session.hpp"
#include "protocol/pubfrag_assembler.hpp"

namespace smq {

class RawSession final : public Session {
 public:
  RawSession(NetContext& ctx, std::unique_ptr<Stream> stream, HttpContext http,
             std::string leftover);

 private:
  std::size_t decode_input(std::span<std::uint8_t> input) override;
  std::size_t max_read_buffer() const override;
  std::size_t frame_parts(const Outgoing& item, std::uint8_t* header,
                          std::span<const std::uint8_t>& body) const override;
  void queue_goodbye(const CloseWire& wire, std::string_view text) override;

  PubFragAssembler fragments_;
};

}  // namespace smq
