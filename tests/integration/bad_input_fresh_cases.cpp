// Bad-input table, part 1: what a client sends before (and as) its Connect. The broker must
// answer anything but a valid Connect with Connack 0x01 and close (smq-wire.md 1.3), and
// must parse Connect v1 and v2 strictly without reading past the packet.
#include "bad_input.hpp"
#include "packets.hpp"
#include "ws_client.hpp"

namespace smqtest::bad {
namespace {

std::string h(std::string_view bytes) { return text_hex(bytes); }

// A plausible body for each type, so the broker cannot get away with "too short" handling.
std::string body_for(int type) {
  switch (type) {
    case pkt::init: return "01 00 00 00 07 31 32 37";
    case pkt::connack: return "00 00 00 00 05";
    case pkt::subscribe: case pkt::create: case pkt::createsub: return h("topic");
    case pkt::suback: case pkt::createack: case pkt::createsuback: return "00 00 00 00 09 " + h("x");
    case pkt::publish: case pkt::pubfrag: return "00 00 00 05 00 00 00 00 00 00 00 00 " + h("hi");
    case pkt::unsubscribe: case pkt::observe: case pkt::unobserve: return "00 00 00 05";
    case pkt::change: return "00 00 00 05 00 00 00 01";
    case pkt::disconnect: return h("bye");
    default: return "aa bb cc";
  }
}

std::string type_hex(int type) { return to_hex(std::string(1, static_cast<char>(type))); }

const std::string success_connack = "03 00 ?? ?? ?? ??";

}  // namespace

std::vector<Case> fresh_state_cases() {
  std::vector<Case> v;
  auto add = [&](std::string name, On on, std::vector<Step> steps) {
    v.push_back(Case{std::move(name), on, State::fresh, std::move(steps)});
  };

  // First packet is not a Connect: every other type, valid or not, gets Connack 0x01.
  for (int t : {0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 32,
                64, 100, 127, 128, 200, 254, 255}) {
    add("first_packet_type_" + std::to_string(t), On::both,
        {send(type_hex(t) + " " + body_for(t)), expect(refused_connack(1)), closed()});
  }
  add("first_packet_ping_empty", On::both, {send("0c"), expect(refused_connack(1)), closed()});

  // Valid Connects.
  add("connect_v1", On::both, {send(h(pkt::connect_v1("abcdef"))), expect(success_connack), quiet()});
  add("connect_v2", On::both, {send(h(pkt::connect_v2("abcdef"))), expect(success_connack), quiet()});
  add("connect_v2_max_size_1000", On::both,
      {send(h(pkt::connect_v2("abcdef", "", "", 1000))), expect(success_connack), quiet()});
  add("connect_uid_6_bytes_exact", On::both,
      {send("02 01 06 " + h("123456") + " 00"), expect(success_connack), quiet()});
  add("connect_uid_255_bytes", On::both,
      {send(h(pkt::connect_v1(std::string(255, 'u')))), expect(success_connack), quiet()});
  add("connect_uid_binary_bytes", On::both,
      {send("02 01 08 00 ff 01 fe 0a 0d 00 00 00"), expect(success_connack), quiet()});
  add("connect_cred_and_info", On::both,
      {send(h(pkt::connect_v1("abcdef", "secret", "some info"))), expect(success_connack), quiet()});
  add("connect_info_with_nul", On::both,
      {send(h(pkt::connect_v1("abcdef", "", std::string("a\0b", 3)))), expect(success_connack), quiet()});
  // smq-wire.md 1.3: a missing credentials length byte counts as 0.
  add("connect_missing_cred_length", On::both,
      {send("02 01 06 " + h("abcdef")), expect(success_connack), quiet()});
  add("connect_chopped_bytewise", On::both,
      {send_chopped(h(pkt::connect_v2("abcdef")), 1), expect(success_connack), quiet()});
  add("connect_and_ping_in_one_write", On::raw,
      {send_bytes(h(pkt::raw_frame(pkt::connect_v1("abcdef"))) + " 00 03 0c"),
       expect(success_connack), expect("0d"), quiet()});
  add("connect_in_text_frame", On::ws,
      {send_text(h(pkt::connect_v1("abcdef"))), expect(success_connack), quiet()});

  // Refused Connects: bad version, short UID, lengths past the end.
  for (int version : {0, 3, 4, 255}) {
    add("connect_version_" + std::to_string(version), On::both,
        {send("02 " + type_hex(version) + " 06 " + h("abcdef") + " 00"),
         expect(refused_connack(1)), closed()});
  }
  add("connect_uid_5_bytes", On::both,
      {send(h(pkt::connect_v1("abcde"))), expect(refused_connack(1)), closed()});
  add("connect_uid_1_byte", On::both,
      {send(h(pkt::connect_v1("a"))), expect(refused_connack(1)), closed()});
  add("connect_uid_empty", On::both,
      {send(h(pkt::connect_v1(""))), expect(refused_connack(1)), closed()});
  add("connect_v2_uid_5_bytes", On::both,
      {send(h(pkt::connect_v2("abcde"))), expect(refused_connack(1)), closed()});
  add("connect_uid_len_past_end", On::both,
      {send("02 01 0a " + h("abcdef")), expect(refused_connack(1)), closed()});
  add("connect_uid_len_255_past_end", On::both,
      {send("02 01 ff " + h("abcdefgh")), expect(refused_connack(1)), closed()});
  add("connect_v2_uid_len_past_end", On::both,
      {send("02 02 00 00 20 " + h("abcdef")), expect(refused_connack(1)), closed()});
  add("connect_cred_len_past_end", On::both,
      {send("02 01 06 " + h("abcdef") + " 09 " + h("ab")), expect(refused_connack(1)), closed()});
  add("connect_empty_body", On::both, {send("02"), expect(refused_connack(1)), closed()});
  add("connect_version_only", On::both, {send("02 01"), expect(refused_connack(1)), closed()});
  add("connect_v2_truncated_max_size", On::both, {send("02 02 00"), expect(refused_connack(1)), closed()});
  // The C layout with version byte 1 reads uidLen 0: a short UID.
  add("connect_v1_with_v2_layout", On::both,
      {send("02 01 00 00 06 " + h("abcdef") + " 00"), expect(refused_connack(1)), closed()});
  // The JS layout with version byte 2 reads maxSize 0x0661 and uidLen 'b' past the end.
  add("connect_v2_with_v1_layout", On::both,
      {send("02 02 06 " + h("abcdef") + " 00"), expect(refused_connack(1)), closed()});

  // A second Connect on an established session is a protocol error.
  add("connect_twice", On::both,
      {send(h(pkt::connect_v1("abcdef"))), expect(success_connack),
       send(h(pkt::connect_v1("abcdef"))), closed({1002})});

  // Raw frames too short to hold a type byte.
  add("first_raw_frame_length_0", On::raw, {send_bytes("00 00"), closed_lenient()});
  add("first_raw_frame_length_1", On::raw, {send_bytes("00 01"), closed_lenient()});
  add("first_raw_frame_length_2", On::raw, {send_bytes("00 02 02"), closed_lenient()});
  add("first_raw_frame_length_3_connect", On::raw,
      {send_bytes("00 03 02"), expect(refused_connack(1)), closed()});
  add("first_ws_message_empty", On::ws, {send(""), closed_lenient()});

  // WebSocket framing rules hold before Connect too.
  auto frame = [](std::uint8_t opcode, std::string payload, bool fin = true, bool mask = true) {
    FrameSpec f;
    f.opcode = opcode;
    f.payload = std::move(payload);
    f.fin = fin;
    f.mask = mask;
    return f;
  };
  const std::string connect = pkt::connect_v1("abcdef");
  add("ws_connect_in_two_fragments", On::ws,
      {send_frames({frame(ws::binary, connect.substr(0, 4), false), frame(ws::continuation, connect.substr(4))}),
       expect(success_connack), quiet()});
  add("ws_ping_between_connect_fragments", On::ws,
      {send_frames({frame(ws::binary, connect.substr(0, 4), false), frame(ws::ping, "p"),
                    frame(ws::continuation, connect.substr(4))}),
       expect_ws(ws::pong, "70"), expect(success_connack), quiet()});
  add("ws_unmasked_connect", On::ws, {send_frame(frame(ws::binary, connect, true, false)), closed({1002})});
  add("ws_reserved_opcode_before_connect", On::ws, {send_frame(frame(3, connect)), closed({1002})});
  add("ws_close_before_connect", On::ws, {send_frame(frame(ws::close, "\x03\xe8")), closed({1000})});
  // Checklist B19: a second HTTP request after the 101 is just bad frame bytes.
  add("ws_http_request_after_upgrade", On::ws,
      {send_bytes(h("GET /smq HTTP/1.1\r\nHost: x\r\n\r\n")), closed({1002})});
  add("ws_text_invalid_utf8_before_connect", On::ws, {send_text("02 01 06 ff ff ff ff ff ff 00"), closed({1007})});
  return v;
}

}  // namespace smqtest::bad
