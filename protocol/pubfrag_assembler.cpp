// PubFrag reassembly (see pubfrag_assembler.hpp). Pure code, raw session's thread.
#include "protocol/pubfrag_assembler.hpp"

namespace smq {

PubFragAssembler::Result PubFragAssembler::add(Bytes packet) {
  const auto frag = decode_publish(packet);
  if (!frag) return Result::malformed;
  if (completed_) {
    // The previous call handed out a message; its bytes are no longer needed.
    chunks_.clear();
    completed_ = false;
  }
  if (chunks_.size() + frag->payload.size() > limits::max_payload) {
    chunks_.clear();
    return Result::overflow;
  }
  chunks_.append(reinterpret_cast<const char*>(frag->payload.data()), frag->payload.size());
  if (frag->tid == 0) return Result::pending;
  completed_ = true;
  message_ = *frag;
  message_.payload = {reinterpret_cast<const std::uint8_t*>(chunks_.data()), chunks_.size()};
  return Result::complete;
}

}  // namespace smq
