// The table-driven bad-input battery (mosquitto style): each case is a name, the transports
// it applies to, the session state it starts from and a list of steps (send hex / expect
// hex / expect close). Hex templates may use {E} (own ETID), {X} (a bystander client's
// ETID) and {T} (a topic the bystanders subscribe to). After every case two bystanders
// (raw + WebSocket) that were connected throughout must still publish and receive, and a
// new client must still be able to connect.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "smq_conn.hpp"
#include "ws_client.hpp"

namespace smqtest::bad {

enum class On { both, raw, ws };
enum class State { fresh, connected };  // fresh = Init read, nothing sent yet

struct Step {
  enum class Kind {
    send,          // one SMQ packet in the transport's framing
    send_text,     // WebSocket: the packet in a text frame
    send_bytes,    // bytes written as they are
    send_chopped,  // the framed packet written `chunk` bytes at a time
    send_frames,   // WebSocket frames, all in one write
    expect,        // next packet matches the hex pattern
    expect_ws,     // WebSocket: next frame has this opcode and payload
    quiet,         // Ping barrier: nothing arrives before the Pong
    closed,        // closed; no packet first; WS Close code in `codes` (empty = any/none)
    closed_lenient,  // closed; packets allowed first; WS code in `codes` if a Close came
  };
  Kind kind = Kind::send;
  std::string hex;
  std::vector<FrameSpec> frames;
  std::vector<std::uint16_t> codes;
  std::size_t chunk = 1;
  std::uint8_t opcode = 0;
};

struct Case {
  std::string name;  // [A-Za-z0-9_] only: becomes part of the test name
  On on = On::both;
  State state = State::connected;
  std::vector<Step> steps;
};

// Step builders.
Step send(std::string hex);
Step send_text(std::string hex);
Step send_bytes(std::string hex);
Step send_chopped(std::string hex, std::size_t chunk = 1);
Step send_frames(std::vector<FrameSpec> frames);
Step send_frame(FrameSpec frame);
Step expect(std::string pattern);
Step expect_ws(std::uint8_t opcode, std::string payload_hex);
Step quiet();
Step closed(std::vector<std::uint16_t> ws_codes = {});
Step closed_lenient(std::vector<std::uint16_t> ws_codes = {});

// Common sequences.
std::string refused_connack(std::uint8_t code);  // pattern "03 cc 00 00 00 00 *"
std::string disconnect_hex(std::string_view reason);
std::string text_hex(std::string_view text);  // hex of arbitrary bytes (no size cut)

// The tables, by theme.
std::vector<Case> fresh_state_cases();
std::vector<Case> connected_state_cases();
std::vector<Case> payload_and_frag_cases();
std::vector<Case> websocket_framing_cases();
std::vector<Case> websocket_close_cases();

// Executes one case against a broker on `port` over transport `t` (gtest assertions).
void run_case(std::uint16_t port, const Case& c, Transport t);

}  // namespace smqtest::bad
