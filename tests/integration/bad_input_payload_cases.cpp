// Bad-input table, part 3: payload size limits and PubFrag (raw-only fragmented Publish,
// smq-wire.md 2.5/2.6): reassembly with the FINAL fragment's header, delivery as type 8,
// overflow -> Disconnect "payload too large", PubFrag over WebSocket -> Close 1002.
#include "bad_input.hpp"
#include "packets.hpp"

namespace smqtest::bad {
namespace {

std::string h(std::string_view bytes) { return text_hex(bytes); }

std::string pattern_bytes(std::size_t n, char base) {
  std::string s(n, base);
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(base + i % 23);
  return s;
}

}  // namespace

std::vector<Case> payload_and_frag_cases() {
  std::vector<Case> v;
  auto add = [&](std::string name, On on, std::vector<Step> steps) {
    v.push_back(Case{std::move(name), on, State::connected, std::move(steps)});
  };

  const std::string max_payload = pattern_bytes(0xFFF0, 'a');
  add("publish_max_payload_0xfff0_to_self", On::both,
      {send("08 {E} {E} 00 00 00 00 " + h(max_payload)), expect("08 {E} {E} 00 00 00 00 " + h(max_payload)), quiet()});
  add("publish_max_payload_chopped_997", On::both,
      {send_chopped("08 {E} {E} 00 00 00 00 " + h(max_payload), 997),
       expect("08 {E} {E} 00 00 00 00 " + h(max_payload)), quiet()});
  // 13 + 0xFFF1 = 65534 bytes: more than any raw frame can carry.
  add("ws_publish_payload_over_max", On::ws,
      {send("08 {E} {E} 00 00 00 00 " + h(pattern_bytes(0xFFF1, 'a'))), closed_lenient({1009})});
  // A raw frame whose 16-bit length wrapped: the broker sees a short Publish and closes.
  add("raw_publish_length_wrapped", On::raw,
      {send_bytes("00 0d 08 {E} {E} 00 00 00 00 00 00 00 00"), closed()});

  const std::string corrupt = disconnect_hex("corrupt frame");
  add("pubfrag_over_websocket", On::ws, {send("13 {E} {E} 00 00 00 00 " + h("frag")), closed({1002})});
  add("pubfrag_non_final_over_websocket", On::ws, {send("13 00 00 00 00 00 00 00 00 00 00 00 00 " + h("f")), closed({1002})});
  add("pubfrag_single_final", On::raw,
      {send("13 {E} {E} 00 00 00 03 " + h("whole")), expect("08 {E} {E} 00 00 00 03 " + h("whole")), quiet()});
  add("pubfrag_empty_final", On::raw, {send("13 {E} {E} 00 00 00 00"), expect("08 {E} {E} 00 00 00 00"), quiet()});
  add("pubfrag_two_fragments", On::raw,
      {send("13 00 00 00 00 00 00 00 00 00 00 00 00 " + h("first-")),
       send("13 {E} {E} 00 00 00 09 " + h("second")),
       expect("08 {E} {E} 00 00 00 09 " + h("first-second")), quiet()});
  // Fixed fields of non-final fragments are ignored; the final one's header routes.
  add("pubfrag_final_header_wins", On::raw,
      {send("13 00 00 00 00 de ad be ef 11 11 11 11 " + h("a")),
       send("13 00 00 00 00 00 00 00 00 22 22 22 22 " + h("b")),
       send("13 {E} {E} 00 00 00 05 " + h("c")), expect("08 {E} {E} 00 00 00 05 " + h("abc")), quiet()});
  add("pubfrag_fragment_quiet_until_final", On::raw,
      {send("13 00 00 00 00 00 00 00 00 00 00 00 00 " + h("part")), quiet(),
       send("13 {E} {E} 00 00 00 00 "), expect("08 {E} {E} 00 00 00 00 " + h("part"))});
  add("pubfrag_to_bystander_topic", On::raw,
      {send("13 00 00 00 00 00 00 00 00 00 00 00 00 " + h("x")), send("13 {T} {E} 00 00 00 00 " + h("y")), quiet()});
  add("pubfrag_final_wrong_etid", On::raw,
      {send("13 00 00 00 00 00 00 00 00 00 00 00 00 " + h("x")), send("13 {E} de ad be ef 00 00 00 00 " + h("y")),
       expect(corrupt), closed()});
  const std::string big = pattern_bytes(40000, 'A');
  add("pubfrag_overflow_closes", On::raw,
      {send("13 00 00 00 00 00 00 00 00 00 00 00 00 " + h(big)),
       send("13 00 00 00 00 00 00 00 00 00 00 00 00 " + h(big)),
       expect(disconnect_hex("payload too large")), closed()});
  add("pubfrag_overflow_on_final", On::raw,
      {send("13 00 00 00 00 00 00 00 00 00 00 00 00 " + h(big)),
       send("13 {E} {E} 00 00 00 00 " + h(big)), expect(disconnect_hex("payload too large")), closed()});
  const std::string part = pattern_bytes(30000, 'k');
  add("pubfrag_60000_bytes_reassembled", On::raw,
      {send("13 00 00 00 00 00 00 00 00 00 00 00 00 " + h(part)), send("13 {E} {E} 00 00 00 00 " + h(part)),
       expect("08 {E} {E} 00 00 00 00 " + h(part + part)), quiet()});
  add("pubfrag_with_publish_interleaved", On::raw,
      {send("13 00 00 00 00 00 00 00 00 00 00 00 00 " + h("frag-")),
       send("08 {E} {E} 00 00 00 00 " + h("plain")), expect("08 {E} {E} 00 00 00 00 " + h("plain")),
       send("13 {E} {E} 00 00 00 00 " + h("end")), expect("08 {E} {E} 00 00 00 00 " + h("frag-end")), quiet()});
  for (int len : {0, 4, 11}) {
    std::string body;
    for (int i = 0; i < len; ++i) body += " 00";
    add("pubfrag_short_body_" + std::to_string(len), On::raw, {send("13" + body), closed()});
  }
  return v;
}

}  // namespace smqtest::bad
