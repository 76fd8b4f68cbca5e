// Every size and time limit of the wire protocols, each with the reason for its value.
// Pure constants; used by codecs (any thread) and by the broker's option defaults.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace smq::limits {

// A raw SMQ frame carries its total length in a u16, so no frame exceeds 0xFFFF bytes.
inline constexpr std::size_t max_raw_frame = 0xFFFF;

// Publish header on the raw transport: u16 length + type + dest + publisher + subtid.
inline constexpr std::size_t raw_publish_header = 15;

// The documented SMQ payload maximum: the largest payload a raw Publish frame can carry.
// Applied to every transport so a WebSocket publisher can never produce a frame that a raw
// subscriber cannot receive (smq-wire.md 2.5).
inline constexpr std::size_t max_payload = 0xFFF0;

// Largest SMQ packet (type byte + body) any client may send: a raw frame minus its length.
inline constexpr std::size_t max_packet = max_raw_frame - 2;

// A WebSocket message carries exactly one SMQ packet, so nothing longer is meaningful.
inline constexpr std::size_t max_ws_message = max_packet;

// RFC 6455 5.5: control frames carry at most 125 payload bytes.
inline constexpr std::size_t max_control_payload = 125;

// Fragments of one WebSocket message. Browsers never fragment SMQ packets; a cap keeps the
// per-connection bookkeeping of a hostile peer bounded even with empty fragments.
inline constexpr std::size_t max_ws_fragments = 4096;

// HTTP request head (request line + headers). Browser upgrade requests with cookies stay
// well under this; anything larger is an attack or a mistake.
inline constexpr std::size_t max_http_head = 16 * 1024;
inline constexpr std::size_t max_http_headers = 100;

// Absolute deadline for the HTTP head to arrive, not reset by trickled bytes (slowloris).
inline constexpr std::chrono::milliseconds http_head_deadline{10'000};

// The reference broker waits 4 s for Connect after Init, then answers Connack 0x02.
inline constexpr std::chrono::milliseconds connect_deadline{4'000};

// UIDs shorter than this are refused with Connack 0x01, as the reference broker does.
inline constexpr std::size_t min_uid = 6;

// Bytes queued for one slow reader before it is disconnected (slow-consumer policy).
inline constexpr std::size_t default_output_queue_bytes = 8 * 1024 * 1024;

// Connections accepted at once; a broker on a 2-core box copes with this many comfortably.
inline constexpr std::size_t default_max_connections = 10'000;

// Time a peer gets to answer our WebSocket Close before the socket is dropped.
inline constexpr std::chrono::milliseconds close_handshake_deadline{5'000};
// Default time a blocked write may go without progress before the client is dropped: long
// enough for a congested mobile link to recover, short enough that a vanished peer does not
// hold its queue for the kernel's ~15-minute retransmission timeout (NATS uses 10 s too).
inline constexpr std::chrono::milliseconds write_deadline{10'000};

}  // namespace smq::limits
