// Bad-input table, part 4: RFC 6455 framing on an established SMQ session (checklist groups
// D, E, F, G). Violations -> Close 1002 (1007 bad UTF-8, 1009 too big) then TCP close, and the
// offending frame's content never reaches SMQ (no Pong to a Ping packet inside it).
#include "bad_input.hpp"
#include "packets.hpp"

namespace smqtest::bad {
namespace {

std::string h(std::string_view bytes) { return text_hex(bytes); }

FrameSpec frame(std::uint8_t opcode, std::string payload, bool fin = true, std::uint8_t rsv = 0,
                bool mask = true) {
  FrameSpec f;
  f.opcode = opcode;
  f.payload = std::move(payload);
  f.fin = fin;
  f.rsv = rsv;
  f.mask = mask;
  return f;
}

// The SMQ Ping packet: proves whether a frame's content was handled (a Pong comes back).
const std::string smq_ping = "\x0c";

FrameSpec declared(std::uint8_t opcode, std::uint64_t length, int form) {
  FrameSpec f = frame(opcode, "");
  f.declared_length = length;
  f.length_form = form;
  return f;
}

std::string byte_hex(int b) { return to_hex(std::string(1, static_cast<char>(b))); }

}  // namespace

std::vector<Case> websocket_framing_cases() {
  std::vector<Case> v;
  auto add = [&](std::string name, std::vector<Step> steps) {
    v.push_back(Case{"ws_" + std::move(name), On::ws, State::connected, std::move(steps)});
  };
  const std::vector<std::uint16_t> e1002{1002};

  // D1: unmasked client frames.
  add("unmasked_binary", {send_frame(frame(ws::binary, smq_ping, true, 0, false)), closed(e1002)});
  add("unmasked_ping", {send_frame(frame(ws::ping, "x", true, 0, false)), closed(e1002)});
  add("unmasked_close", {send_frame(frame(ws::close, "", true, 0, false)), closed(e1002)});
  // D2: RSV bits without a negotiated extension.
  for (int rsv : {1, 2, 4, 7})
    add("rsv_" + std::to_string(rsv) + "_binary", {send_frame(frame(ws::binary, smq_ping, true, static_cast<std::uint8_t>(rsv))), closed(e1002)});
  add("rsv_text", {send_frame(frame(ws::text, smq_ping, true, 4)), closed(e1002)});
  add("rsv_ping", {send_frame(frame(ws::ping, "x", true, 2)), closed(e1002)});
  add("rsv_close", {send_frame(frame(ws::close, "\x03\xe8", true, 1)), closed(e1002)});
  add("rsv_continuation", {send_frames({frame(ws::binary, smq_ping, false), frame(ws::continuation, "", true, 4)}), closed(e1002)});
  // D3: reserved opcodes.
  for (int op : {3, 4, 5, 6, 7, 11, 12, 13, 14, 15})
    add("reserved_opcode_" + std::to_string(op), {send_frame(frame(static_cast<std::uint8_t>(op), smq_ping)), closed(e1002)});
  // D4/D5: control frames must be short and unfragmented.
  add("ping_126_bytes", {send_frame(frame(ws::ping, std::string(126, 'p'))), closed(e1002)});
  add("pong_126_bytes", {send_frame(frame(ws::pong, std::string(126, 'p'))), closed(e1002)});
  add("close_126_bytes", {send_frame(frame(ws::close, "\x03\xe8" + std::string(124, 'r'))), closed(e1002)});
  add("fragmented_ping", {send_frame(frame(ws::ping, "x", false)), closed(e1002)});
  add("fragmented_pong", {send_frame(frame(ws::pong, "x", false)), closed(e1002)});
  add("fragmented_close", {send_frame(frame(ws::close, "\x03\xe8", false)), closed(e1002)});
  // D6/D7: continuation and fragmentation order.
  add("continuation_without_start", {send_frame(frame(ws::continuation, smq_ping)), closed(e1002)});
  add("continuation_without_start_not_final", {send_frame(frame(ws::continuation, smq_ping, false)), closed(e1002)});
  add("binary_inside_fragmented_binary",
      {send_frames({frame(ws::binary, smq_ping, false), frame(ws::binary, smq_ping)}), closed(e1002)});
  add("text_inside_fragmented_binary",
      {send_frames({frame(ws::binary, smq_ping, false), frame(ws::text, smq_ping)}), closed(e1002)});
  // D9/G1: impossible or oversized lengths, rejected at header time (no body follows).
  add("length_64bit_msb_set", {send_frame(declared(ws::binary, 0x8000000000000000ull, 127)), closed({1002, 1009})});
  add("length_64bit_all_ones", {send_frame(declared(ws::binary, 0xFFFFFFFFFFFFFFFFull, 127)), closed({1002, 1009})});
  add("length_2gib_declared", {send_frame(declared(ws::binary, 0x80000000ull, 127)), closed({1009})});
  add("length_65534_declared", {send_frame(declared(ws::binary, 65534, 126)), closed({1009})});
  // G2/G3: the largest message (one SMQ packet) passes, one byte more is refused.
  add("message_65533_bytes_ok", {send_frame(frame(ws::binary, smq_ping + std::string(65532, 'b'))), expect("0d"), quiet()});
  add("message_65534_bytes", {send_frame(frame(ws::binary, smq_ping + std::string(65533, 'b'))), closed({1009})});
  add("fragments_sum_over_limit",
      {send_frames({frame(ws::binary, smq_ping + std::string(39999, 'b'), false),
                    frame(ws::continuation, std::string(40000, 'c'))}),
       closed({1009})});
  {
    std::vector<FrameSpec> many{frame(ws::binary, smq_ping, false)};
    for (int i = 0; i < 5000; ++i) many.push_back(frame(ws::continuation, "", false));
    add("fragment_count_over_limit", {send_frames(many), closed_lenient({1002, 1008, 1009})});
  }
  // E: UTF-8 in text messages (text is accepted leniently, but must be valid UTF-8).
  add("text_ping_packet_accepted", {send_text("0c"), expect("0d"), quiet()});
  add("text_invalid_utf8_ff", {send_text("0c ff"), closed({1007})});
  add("text_invalid_utf8_fe", {send_text("0c fe"), closed({1007})});
  add("text_overlong_c0_80", {send_text("0c c0 80"), closed({1007})});
  add("text_overlong_e0_80_80", {send_text("0c e0 80 80"), closed({1007})});
  add("text_surrogate_ed_a0_80", {send_text("0c ed a0 80"), closed({1007})});
  add("text_above_10ffff", {send_text("0c f4 90 80 80"), closed({1007})});
  add("text_truncated_code_point", {send_text("0c e2 82"), closed({1007})});
  add("text_lone_continuation_byte", {send_text("0c 80"), closed({1007})});
  add("text_noncharacter_fffe_valid", {send_text("0c ef bf be"), expect("0d"), quiet()});
  add("text_code_point_split_across_fragments",
      {send_frames({frame(ws::text, "\x0c\xe2", false), frame(ws::continuation, "\x82\xac")}), expect("0d"), quiet()});
  add("text_invalid_in_second_of_three_fragments",
      {send_frames({frame(ws::text, "\x0c", false), frame(ws::continuation, "\xff", false)}), closed({1007})});
  add("binary_with_invalid_utf8_ok", {send_frame(frame(ws::binary, "\x0c\xff\xfe")), expect("0d"), quiet()});
  // Valid framing variants that must work.
  add("empty_binary_message", {send(""), closed(e1002)});
  add("fragmented_smq_packet", {send_frames({frame(ws::binary, smq_ping, false), frame(ws::continuation, "\x01\x02")}), expect("0d"), quiet()});
  add("empty_fragments_then_packet",
      {send_frames({frame(ws::binary, "", false), frame(ws::continuation, "", false), frame(ws::continuation, smq_ping)}),
       expect("0d"), quiet()});
  add("subscribe_in_three_fragments",
      {send_frames({frame(ws::binary, "\x04" "a", false), frame(ws::continuation, "b", false), frame(ws::continuation, "c")}),
       expect("05 00 ?? ?? ?? ?? " + h("abc")), quiet()});
  add("ping_frame_answered", {send_frame(frame(ws::ping, "hi")), expect_ws(ws::pong, h("hi")), quiet()});
  add("ping_frame_empty_answered", {send_frame(frame(ws::ping, "")), expect_ws(ws::pong, ""), quiet()});
  add("ping_frame_125_bytes_answered", {send_frame(frame(ws::ping, std::string(125, 'z'))), expect_ws(ws::pong, h(std::string(125, 'z'))), quiet()});
  add("ping_inside_fragmented_message",
      {send_frames({frame(ws::binary, "\x04" "a", false), frame(ws::ping, "mid"), frame(ws::continuation, "b")}),
       expect_ws(ws::pong, h("mid")), expect("05 00 ?? ?? ?? ?? " + h("ab")), quiet()});
  add("unsolicited_pong_ignored", {send_frame(frame(ws::pong, "zz")), quiet()});
  add("unsolicited_empty_pong_ignored", {send_frame(frame(ws::pong, "")), quiet()});
  {
    std::vector<FrameSpec> pings;
    std::vector<Step> steps;
    for (int i = 0; i < 100; ++i) pings.push_back(frame(ws::binary, smq_ping));
    steps.push_back(send_frames(pings));
    for (int i = 0; i < 100; ++i) steps.push_back(expect("0d"));
    steps.push_back(quiet());
    add("hundred_packets_one_write", steps);
  }
  add("length_16bit_form_for_ping_packet",
      {send_frame([] { FrameSpec f = frame(ws::binary, std::string(200, '\x0c')); f.payload[0] = '\x0c'; return f; }()),
       expect("0d"), quiet()});
  return v;
}

std::vector<Case> websocket_close_cases() {
  std::vector<Case> v;
  auto add = [&](std::string name, std::vector<Step> steps) {
    v.push_back(Case{"ws_close_" + std::move(name), On::ws, State::connected, std::move(steps)});
  };
  add("empty_payload", {send_frame(frame(ws::close, "")), closed({1000})});
  for (int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999}) {
    std::string payload = from_hex(byte_hex(code >> 8) + byte_hex(code & 0xFF));
    add("code_" + std::to_string(code) + "_echoed",
        {send_frame(frame(ws::close, payload)), closed({static_cast<std::uint16_t>(code)})});
  }
  for (int code : {0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999, 5000, 65535}) {
    std::string payload = from_hex(byte_hex(code >> 8) + byte_hex(code & 0xFF));
    add("invalid_code_" + std::to_string(code), {send_frame(frame(ws::close, payload)), closed({1002})});
  }
  add("one_byte_payload", {send_frame(frame(ws::close, "\x03")), closed({1002})});
  add("reason_123_bytes", {send_frame(frame(ws::close, "\x03\xe8" + std::string(123, 'r'))), closed({1000})});
  add("reason_valid_utf8", {send_frame(frame(ws::close, "\x03\xe8" "caf\xc3\xa9")), closed({1000})});
  add("reason_invalid_utf8", {send_frame(frame(ws::close, "\x03\xe8\xff\xfe")), closed({1007, 1002})});
  add("then_data_ignored", {send_frames({frame(ws::close, "\x03\xe8"), frame(ws::binary, smq_ping)}), closed({1000})});
  add("twice", {send_frames({frame(ws::close, "\x03\xe8"), frame(ws::close, "\x03\xe8")}), closed({1000})});
  add("between_fragments",
      {send_frames({frame(ws::binary, smq_ping, false), frame(ws::close, "\x03\xe8"), frame(ws::continuation, "")}),
       closed({1000})});
  return v;
}

}  // namespace smqtest::bad
