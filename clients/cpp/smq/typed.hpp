// Typed payloads with MessagePack (msgpack-c, header only): publish any value that has a
// msgpack adaptor, subscribe with a callback that receives decoded values. Works with every
// smq::Client (the network client and the broker's in-process client).
//
// Interoperable with the JavaScript client's "msgpack" data type (@msgpack/msgpack with its
// defaults): a struct with MSGPACK_DEFINE_MAP(...) is a map with string keys, i.e. a JS
// object; std::string <-> string, std::vector<std::uint8_t> <-> Uint8Array (bin), double <->
// number (non-integral JS numbers arrive as float64; integral ones as integers, which
// msgpack-c also converts to double), std::optional<T> nullopt <-> null, std::vector <->
// Array, std::map<std::string, T> <-> object.
//
// Build note: smq_client defines MSGPACK_NO_BOOST for its users so that msgpack-c does not
// need Boost. Callbacks run where the client runs them (see the client's header).
#pragma once

#include <msgpack.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "smq/client.hpp"
#include "smq/network_client.hpp"

namespace smq {

template <typename T>
std::vector<std::uint8_t> encode_msgpack(const T& value) {
  msgpack::sbuffer buffer;
  msgpack::pack(buffer, value);
  const auto* data = reinterpret_cast<const std::uint8_t*>(buffer.data());
  return {data, data + buffer.size()};
}

// Decodes exactly one MessagePack value and converts it to T. On failure returns nullopt and
// stores the reason in *error (if given). Container and string sizes are bounded by the
// payload size, so hostile headers cannot trigger huge allocations.
template <typename T>
std::optional<T> decode_msgpack(std::span<const std::uint8_t> payload,
                                std::string* error = nullptr) {
  try {
    const std::size_t n = payload.size();
    const msgpack::unpack_limit limit(n, n, n, n, n, 64);
    std::size_t offset = 0;
    const msgpack::object_handle handle = msgpack::unpack(
        reinterpret_cast<const char*>(payload.data()), n, offset, nullptr, nullptr, limit);
    if (offset != n) {
      if (error) *error = "trailing bytes after the MessagePack value";
      return std::nullopt;
    }
    return handle.get().as<T>();
  } catch (const std::exception& e) {
    if (error) *error = std::string("MessagePack: ") + e.what();
    return std::nullopt;
  }
}

// Publishes `value` encoded as MessagePack. Same return value and exceptions as
// Client::publish (std::length_error above 0xFFF0 encoded bytes).
template <typename T>
std::size_t publish_msgpack(Client& client, const T& value, const TopicRef& topic,
                            const TopicRef& subtopic = 0u) {
  const std::vector<std::uint8_t> bytes = encode_msgpack(value);
  return client.publish(std::span<const std::uint8_t>(bytes), topic, subtopic);
}

using DecodeErrorHandler = std::function<void(const Delivery& delivery, std::string_view error)>;

// Subscribes with a callback that receives the decoded value (valid during the call) and the
// delivery (ptid, tid, subtid, raw payload). A payload that does not decode to T goes to
// `on_error` when given; otherwise, on a NetworkClient, to its on_message() handler; on
// other clients it is dropped. `done` is Client::subscribe's ack callback.
template <typename T>
void subscribe_msgpack(Client& client, const TopicRef& topic, const TopicRef& subtopic,
                       std::function<void(const T&, const Delivery&)> on_value,
                       DecodeErrorHandler on_error = {}, AckHandler done = {}) {
  auto* network = dynamic_cast<NetworkClient*>(&client);
  client.subscribe(
      topic, subtopic,
      [on_value = std::move(on_value), on_error = std::move(on_error), network](const Delivery& d) {
        std::string error;
        if (const std::optional<T> value = decode_msgpack<T>(d.payload, &error)) {
          on_value(*value, d);
        } else if (on_error) {
          on_error(d, error);
        } else if (network) {
          network->deliver_to_default(d);
        }
      },
      std::move(done));
}

}  // namespace smq
