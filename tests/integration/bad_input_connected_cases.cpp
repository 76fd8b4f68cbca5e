// Bad-input table, part 2: packets on an established session. Server-only, reserved and
// unknown types end the connection without Disconnect (WS Close 1002); too-short
// Publish/Unsubscribe/Observe/Unobserve likewise; every valid client type gets exactly the
// documented reply (smq-wire.md 1.3 and 1.4).
#include "bad_input.hpp"
#include "packets.hpp"

namespace smqtest::bad {
namespace {

std::string h(std::string_view bytes) { return text_hex(bytes); }
std::string type_hex(int type) { return to_hex(std::string(1, static_cast<char>(type))); }

}  // namespace

std::vector<Case> connected_state_cases() {
  std::vector<Case> v;
  auto add = [&](std::string name, On on, std::vector<Step> steps) {
    v.push_back(Case{std::move(name), on, State::connected, std::move(steps)});
  };

  // Server-only types from a client.
  add("server_type_init", On::both, {send("01 01 00 00 00 07 " + h("127.0.0.1")), closed({1002})});
  add("server_type_connack", On::both, {send("03 00 00 00 00 05"), closed({1002})});
  add("server_type_suback", On::both, {send("05 00 00 00 00 05 " + h("a")), closed({1002})});
  add("server_type_createack", On::both, {send("07 00 00 00 00 05 " + h("a")), closed({1002})});
  add("server_type_change", On::both, {send("10 00 00 00 05 00 00 00 01"), closed({1002})});
  add("server_type_createsuback", On::both, {send("12 00 00 00 00 05 " + h("a")), closed({1002})});
  for (int t : {1, 3, 5, 7, 16, 18})
    add("server_type_" + std::to_string(t) + "_empty", On::both, {send(type_hex(t)), closed({1002})});
  // Reserved and unknown types.
  for (int t : {0, 10, 20, 21, 22, 31, 32, 50, 64, 99, 100, 127, 128, 129, 150, 200, 240, 253,
                254, 255}) {
    add("unknown_type_" + std::to_string(t), On::both,
        {send(type_hex(t) + " 00 00 00 05 00 00 00 00"), closed({1002})});
  }
  add("unknown_type_0_empty", On::both, {send("00"), closed({1002})});
  add("unknown_type_10_empty", On::both, {send("0a"), closed({1002})});
  add("second_connect", On::both, {send(h(pkt::connect_v1("zyxwvu"))), closed({1002})});
  add("second_connect_v2_same_uid_bytes", On::both, {send(h(pkt::connect_v2("abcdefg"))), closed({1002})});

  // Subscribe / Create / Createsub: status, id, exact echo.
  struct AckType { const char* name; int req; int ack; };
  for (AckType a : {AckType{"subscribe", 4, 5}, AckType{"create", 6, 7}, AckType{"createsub", 17, 18}}) {
    std::string req = type_hex(a.req), ack = type_hex(a.ack);
    std::string n = a.name;
    add(n + "_simple_name", On::both, {send(req + h("a/b")), expect(ack + " 00 ?? ?? ?? ?? " + h("a/b")), quiet()});
    add(n + "_empty_name", On::both, {send(req), expect(ack + " 00 ?? ?? ?? ??"), quiet()});
    add(n + "_name_self", On::both, {send(req + h("self")), expect(ack + " 00 ?? ?? ?? ?? " + h("self")), quiet()});
    add(n + "_binary_name", On::both,
        {send(req + " 00 01 ff fe 7f"), expect(ack + " 00 ?? ?? ?? ?? 00 01 ff fe 7f"), quiet()});
    std::string max_name(4096, 'n');
    add(n + "_name_4096_bytes", On::both,
        {send(req + h(max_name)), expect(ack + " 00 ?? ?? ?? ?? " + h(max_name)), quiet()});
    std::string long_name(4097, 'n');
    add(n + "_name_4097_bytes_denied", On::both,
        {send(req + h(long_name)), expect(ack + " 01 00 00 00 00 " + h(long_name)), quiet()});
  }
  add("subscribe_twice_same_reply", On::both,
      {send("04 " + h("dup")), expect("05 00 ?? ?? ?? ?? " + h("dup")), send("04 " + h("dup")),
       expect("05 00 ?? ?? ?? ?? " + h("dup")), quiet()});

  // Publish.
  add("publish_to_self", On::both,
      {send("08 {E} {E} 00 00 00 07 " + h("hello")), expect("08 {E} {E} 00 00 00 07 " + h("hello")), quiet()});
  add("publish_empty_payload_to_self", On::both, {send("08 {E} {E} 00 00 00 00"), expect("08 {E} {E} 00 00 00 00"), quiet()});
  add("publish_to_unknown_tid", On::both, {send("08 12 34 56 78 {E} 00 00 00 00 " + h("x")), quiet()});
  add("publish_to_tid_0", On::both, {send("08 00 00 00 00 {E} 00 00 00 00 " + h("x")), quiet()});
  add("publish_to_server_etid_1", On::both, {send("08 00 00 00 01 {E} 00 00 00 00 " + h("x")), quiet()});
  add("publish_to_bystander_etid", On::both, {send("08 {X} {E} 00 00 00 00 " + h("x")), quiet()});
  add("publish_to_bystander_topic", On::both, {send("08 {T} {E} 00 00 00 00 " + h("x")), quiet()});
  for (int len : {0, 1, 4, 8, 11}) {
    std::string body;
    for (int i = 0; i < len; ++i) body += " 01";
    add("publish_short_body_" + std::to_string(len), On::both, {send("08" + body), closed({1002})});
  }
  const std::string corrupt = disconnect_hex("corrupt frame");
  add("publish_wrong_etid", On::both, {send("08 {E} de ad be ef 00 00 00 00 " + h("x")), expect(corrupt), closed({1008})});
  add("publish_etid_0", On::both, {send("08 {E} 00 00 00 00 00 00 00 00"), expect(corrupt), closed({1008})});
  add("publish_etid_of_server", On::both, {send("08 {T} 00 00 00 01 00 00 00 00"), expect(corrupt), closed({1008})});
  add("publish_etid_of_bystander", On::both, {send("08 {T} {X} 00 00 00 00 " + h("spoof")), expect(corrupt), closed({1008})});

  // Unsubscribe / Observe / Unobserve: 4-byte id; shorter closes, longer is tolerated.
  for (auto [name, type] : {std::pair{"unsubscribe", 9}, std::pair{"observe", 14}, std::pair{"unobserve", 15}}) {
    std::string t = type_hex(type);
    for (int len : {0, 1, 2, 3}) {
      std::string body;
      for (int i = 0; i < len; ++i) body += " 12";
      add(std::string(name) + "_short_body_" + std::to_string(len), On::both, {send(t + body), closed({1002})});
    }
  }
  add("unsubscribe_unknown_tid", On::both, {send("09 12 34 56 78"), quiet()});
  add("unsubscribe_tid_0", On::both, {send("09 00 00 00 00"), quiet()});
  add("unsubscribe_not_subscribed_topic", On::both, {send("09 {T}"), quiet()});
  add("unsubscribe_own_etid", On::both,
      {send("09 {E}"), quiet(), send("08 {E} {E} 00 00 00 00 " + h("still")), expect("08 {E} {E} 00 00 00 00 " + h("still"))});
  add("unsubscribe_extra_bytes", On::both, {send("09 12 34 56 78 99 99"), quiet()});
  add("unsubscribe_after_subscribe_extra_bytes", On::both,
      {send("04 " + h("u/x")), expect("05 00 ?? ?? ?? ?? " + h("u/x")), send("09 00 00 00 00 ff ff ff ff"), quiet()});
  add("observe_unknown_id", On::both, {send("0e 12 34 56 78"), expect("10 12 34 56 78 00 00 00 00"), quiet()});
  add("observe_id_0", On::both, {send("0e 00 00 00 00"), expect("10 00 00 00 00 00 00 00 00"), quiet()});
  add("observe_unknown_extra_bytes", On::both, {send("0e 12 34 56 78 00 00"), expect("10 12 34 56 78 00 00 00 00"), quiet()});
  add("observe_own_etid", On::both, {send("0e {E}"), quiet()});
  add("observe_server_etid", On::both, {send("0e 00 00 00 01"), quiet()});
  add("observe_bystander_etid", On::both, {send("0e {X}"), quiet()});
  add("observe_bystander_topic", On::both, {send("0e {T}"), expect("10 {T} 00 00 00 02"), quiet()});
  add("observe_twice_topic", On::both,
      {send("0e {T}"), expect("10 {T} 00 00 00 02"), send("0e {T}"), expect("10 {T} 00 00 00 02"), quiet()});
  add("unobserve_unknown", On::both, {send("0f 12 34 56 78"), quiet()});
  add("unobserve_not_observed_topic", On::both, {send("0f {T}"), quiet()});
  add("unobserve_own_etid", On::both, {send("0f {E}"), quiet()});
  add("unobserve_extra_bytes", On::both, {send("0f {T} 01 02 03"), quiet()});

  // Disconnect, Ping, Pong.
  add("disconnect_empty", On::both, {send("0b"), closed()});
  add("disconnect_with_reason", On::both, {send("0b " + h("going away")), closed()});
  add("disconnect_then_ping_same_write", On::raw, {send_bytes("00 03 0b 00 03 0c"), closed()});
  add("ping_empty", On::both, {send("0c"), expect("0d"), quiet()});
  add("ping_with_body", On::both, {send("0c 01 02 03"), expect("0d"), quiet()});
  add("ping_with_1000_byte_body", On::both, {send("0c " + h(std::string(1000, 'p'))), expect("0d"), quiet()});
  add("ping_chopped_bytewise", On::both, {send_chopped("0c", 1), expect("0d"), quiet()});
  add("pong_empty_ignored", On::both, {send("0d"), quiet()});
  add("pong_with_body_ignored", On::both, {send("0d 01 02"), quiet()});

  // Raw framing.
  add("raw_frame_length_0", On::raw, {send_bytes("00 00"), closed()});
  add("raw_frame_length_1", On::raw, {send_bytes("00 01"), closed()});
  add("raw_frame_length_2", On::raw, {send_bytes("00 02"), closed()});
  add("raw_frame_length_2_after_ping", On::raw, {send_bytes("00 03 0c 00 02"), expect("0d"), closed()});
  add("raw_frame_length_3_type_0", On::raw, {send_bytes("00 03 00"), closed()});
  add("raw_publish_frame_14_bytes", On::raw, {send_bytes("00 0e 08 {E} {E} 00 00 00"), closed()});
  add("raw_unsubscribe_frame_6_bytes", On::raw, {send_bytes("00 06 09 00 00 01"), closed()});
  add("raw_two_frames_one_write", On::raw,
      {send_bytes("00 03 0c 00 06 04 " + h("abc")), expect("0d"), expect("05 00 ?? ?? ?? ?? " + h("abc")), quiet()});
  add("raw_ten_pings_one_write", On::raw,
      {send_bytes("00030c 00030c 00030c 00030c 00030c 00030c 00030c 00030c 00030c 00030c"),
       expect("0d"), expect("0d"), expect("0d"), expect("0d"), expect("0d"), expect("0d"),
       expect("0d"), expect("0d"), expect("0d"), expect("0d"), quiet()});
  add("raw_publish_chopped_bytewise", On::raw,
      {send_chopped("08 {E} {E} 00 00 00 00 " + h("split"), 1), expect("08 {E} {E} 00 00 00 00 " + h("split"))});
  add("raw_frame_split_in_length_field", On::raw, {send_bytes("00"), send_bytes("03 0c"), expect("0d")});
  return v;
}

}  // namespace smqtest::bad
