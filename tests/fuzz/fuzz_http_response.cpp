// libFuzzer target: the C++ client's HTTP response head parser and the handshake checks run
// on its result. Parsing the buffer as it grows read by read (as the connection does) must
// reach the verdict of one parse of the whole buffer; every verdict must satisfy the
// parser's invariants; a parsed head printed back out must parse to the same head; and the
// upgrade / bootstrap checks must accept exactly the heads that meet their rules. The
// broker's own 101 response for a key taken from the input must pass the upgrade check.
// Input layout: [chunking seed][padding selector][response bytes...].
// Needs: clients/cpp/src/http_response.cpp, clients/cpp/src/handshake.cpp (+ url.cpp),
// protocol/ws_handshake.cpp, protocol/http_request.cpp.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "protocol/ws_handshake.hpp"
#include "src/handshake.hpp"
#include "src/http_response.hpp"
#include "fuzz_support.hpp"

namespace {

using fuzz::check;

using smq::detail::max_response_head;
using smq::detail::ResponseHead;
using smq::detail::ResponseParse;
using Status = ResponseParse::Status;

// The RFC 6455 sample key; the seed corpus holds responses carrying its accept value, so
// the fuzzer starts next to a passing handshake and mutates away from it.
constexpr std::string_view key = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr std::string_view key_accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

bool same_text_ci(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_token_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7F &&
         std::string_view("()<>@,;:\\\"/[]?={}").find(c) == std::string_view::npos;
}

bool same_head(const ResponseHead& a, const ResponseHead& b) {
  return a.status == b.status && a.reason == b.reason && a.headers == b.headers;
}

bool same_verdict(const ResponseParse& a, const ResponseParse& b) {
  if (a.status != b.status) return false;
  if (a.status != Status::complete) return true;
  return a.head_size == b.head_size && same_head(a.head, b.head);
}

// The head printed back out in the form the parser accepts.
std::string print(const ResponseHead& h) {
  std::string out = "HTTP/1.1 ";
  out += static_cast<char>('0' + h.status / 100);
  out += static_cast<char>('0' + h.status / 10 % 10);
  out += static_cast<char>('0' + h.status % 10);
  if (!h.reason.empty()) out += ' ' + h.reason;
  out += "\r\n";
  for (const auto& [name, value] : h.headers) out += name + ": " + value + "\r\n";
  out += "\r\n";
  return out;
}

// Invariants of one result for `buffer`.
void check_result(const ResponseParse& r, std::string_view buffer) {
  switch (r.status) {
    case Status::need_more: {
      check(buffer.size() < max_response_head);
      check(buffer.find("\r\n\r\n") == std::string_view::npos);
      // Waiting only makes sense while the bytes can still become "HTTP/1.".
      const std::string_view prefix = "HTTP/1.";
      const std::size_t n = std::min(buffer.size(), prefix.size());
      check(buffer.substr(0, n) == prefix.substr(0, n));
      check(r.head_size == 0);
      break;
    }
    case Status::error:
      check(!r.error.empty());
      break;
    case Status::complete: {
      check(r.error.empty());
      check(r.head_size >= 4 && r.head_size <= buffer.size() && r.head_size <= max_response_head);
      check(buffer.find("\r\n\r\n") == r.head_size - 4);
      check(buffer.substr(0, 7) == "HTTP/1." && buffer[8] == ' ');
      const ResponseHead& h = r.head;
      check(h.status >= 0 && h.status <= 999);
      check(h.status == (buffer[9] - '0') * 100 + (buffer[10] - '0') * 10 + (buffer[11] - '0'));
      check(h.reason.find("\r\n") == std::string::npos);
      check(h.headers.size() <= 100);
      for (const auto& [name, value] : h.headers) {
        check(!name.empty());
        for (char c : name) check(is_token_char(c));
        for (char c : value) {
          const auto u = static_cast<unsigned char>(c);
          check((u >= 0x20 || c == '\t') && u != 0x7F);
        }
        check(trim_ows(value) == value);
        // find() answers with the first header of that name, whatever its case.
        const auto found = h.find(name);
        check(found.has_value());
        for (const auto& [n2, v2] : h.headers) {
          if (same_text_ci(n2, name)) {
            check(*found == v2);
            break;
          }
        }
        // Every non-empty element of a comma list is a token has_token() finds.
        std::string_view rest = value;
        while (true) {
          const auto comma = rest.find(',');
          const std::string_view element = trim_ows(rest.substr(0, comma));
          if (!element.empty()) check(h.has_token(name, element));
          if (comma == std::string_view::npos) break;
          rest.remove_prefix(comma + 1);
        }
      }
      break;
    }
  }
}

// The handshake checks accept exactly the heads that meet their rules.
void check_handshakes(const ResponseHead& h) {
  const std::string upgrade = smq::detail::check_upgrade_response(h, key);
  const auto accept = h.find("Sec-WebSocket-Accept");
  const bool upgrade_ok = h.status == 101 && h.has_token("Upgrade", "websocket") &&
                          h.has_token("Connection", "upgrade") && accept && *accept == key_accept &&
                          !h.find("Sec-WebSocket-Extensions") && !h.find("Sec-WebSocket-Protocol");
  check(upgrade.empty() == upgrade_ok);
  if (h.status != 101) check(upgrade.find(std::to_string(h.status)) != std::string::npos);

  const std::string bootstrap = smq::detail::check_bootstrap_response(h);
  const auto length = h.find("Content-Length");
  const bool bootstrap_ok = h.status == 200 && h.find("SmqBroker") &&
                            !h.find("Transfer-Encoding") && (!length || *length == "0");
  check(bootstrap.empty() == bootstrap_ok);
  if (h.status != 200) check(bootstrap.find(std::to_string(h.status)) != std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint8_t seed = data[0];
  const std::uint8_t pad = data[1];
  std::string input(reinterpret_cast<const char*>(data + 2), size - 2);
  const bool padded = pad >= 0xC0;
  if (padded) {
    // A long header after the status line puts the head near the 16 KiB limit, on either
    // side of it, without a 16 KiB input.
    const std::size_t eol = input.find("\r\n");
    const std::size_t at = eol == std::string::npos ? input.size() : eol + 2;
    const std::size_t fill = max_response_head - 80 + (pad - 0xC0) * 3;
    input.insert(at, "X-Pad: " + std::string(fill, 'p') + "\r\n");
  }

  const ResponseParse whole = smq::detail::parse_response_head(input);
  check_result(whole, input);

  // The connection parses everything received so far after each read.
  std::uint32_t rng = 0x811C9DC5u ^ (std::uint32_t{seed} * 0x01000193u);
  ResponseParse last;
  std::size_t pos = 0;
  while (pos < input.size()) {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    // Small steps split every line ending; a padded head gets large ones, as each step
    // parses the whole buffer again.
    const std::size_t step =
        seed == 0 ? input.size() : 1 + rng % (seed < 0x80 && !padded ? 8 : 600);
    pos += std::min(step, input.size() - pos);
    const std::string_view buffer = std::string_view(input).substr(0, pos);
    last = smq::detail::parse_response_head(buffer);
    check_result(last, buffer);
    if (last.status != Status::need_more) break;
  }
  if (input.empty()) last = smq::detail::parse_response_head(input);
  check(same_verdict(last, whole));

  if (whole.status == Status::complete) {
    // What follows the head (the start of the SMQ stream) does not change it.
    const ResponseParse alone =
        smq::detail::parse_response_head(std::string_view(input).substr(0, whole.head_size));
    check(same_verdict(alone, whole));
    // Printed back out, the head parses to itself.
    const std::string printed = print(whole.head);
    if (printed.size() <= max_response_head) {
      const ResponseParse again = smq::detail::parse_response_head(printed);
      check(again.status == Status::complete && again.head_size == printed.size());
      check(same_head(again.head, whole.head));
    }
    check_handshakes(whole.head);
  }

  // The broker's 101 for any key passes the client's check for that key and no other.
  const std::string other_key(input.substr(0, 24));
  const std::string response = smq::ws::upgrade_response(other_key);
  const ResponseParse broker = smq::detail::parse_response_head(response);
  check(broker.status == Status::complete && broker.head_size == response.size());
  check(smq::detail::check_upgrade_response(broker.head, other_key).empty());
  check(!smq::detail::check_upgrade_response(broker.head, other_key + "x").empty());
  return 0;
}
