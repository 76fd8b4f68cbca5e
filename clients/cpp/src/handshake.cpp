// Handshake requests and response checks (see handshake.hpp). Pure code.
#include "src/handshake.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>

#include "protocol/http_request.hpp"
#include "protocol/ws_handshake.hpp"

namespace smq::detail {

namespace {

constexpr std::string_view user_agent = "smq-cpp/0.1";

std::string build(std::string_view target, HeaderList defaults, const HeaderList& extra) {
  for (const auto& [name, value] : extra) {
    bool replaced = false;
    for (auto& d : defaults) {
      if (http::iequals(d.first, name)) {
        d.second = value;
        replaced = true;
      }
    }
    if (!replaced) defaults.emplace_back(name, value);
  }
  std::string out = "GET ";
  out += target;
  out += " HTTP/1.1\r\n";
  for (const auto& [name, value] : defaults) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  out += "\r\n";
  return out;
}

}  // namespace

std::string make_websocket_key() {
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof(raw)) != 1) throw std::runtime_error("RAND_bytes failed");
  unsigned char out[32];
  const int n = EVP_EncodeBlock(out, raw, sizeof(raw));
  return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
}

std::string upgrade_request(const Url& url, std::string_view key, const HeaderList& extra) {
  return build(url.target,
               {{"Host", url.host_header()},
                {"User-Agent", std::string(user_agent)},
                {"Upgrade", "websocket"},
                {"Connection", "Upgrade"},
                {"Sec-WebSocket-Key", std::string(key)},
                {"Sec-WebSocket-Version", "13"}},
               extra);
}

std::string bootstrap_request(const Url& url, const HeaderList& extra) {
  return build(url.target,
               {{"Host", url.host_header()},
                {"User-Agent", std::string(user_agent)},
                {"SimpleMQ", "1"},
                {"SendSmqHttpResponse", "true"}},
               extra);
}

std::string check_upgrade_response(const ResponseHead& head, std::string_view key) {
  if (head.status != 101) {
    return "WebSocket upgrade refused: HTTP " + std::to_string(head.status) +
           (head.reason.empty() ? "" : " " + head.reason);
  }
  if (!head.has_token("Upgrade", "websocket")) {
    return "WebSocket upgrade: missing Upgrade: websocket";
  }
  if (!head.has_token("Connection", "upgrade")) {
    return "WebSocket upgrade: missing Connection: upgrade";
  }
  const auto accept = head.find("Sec-WebSocket-Accept");
  if (!accept || *accept != ws::accept_key(key)) {
    return "WebSocket upgrade: bad Sec-WebSocket-Accept";
  }
  // Nothing was offered, so nothing may be selected (RFC 6455 4.1).
  if (head.find("Sec-WebSocket-Extensions")) return "WebSocket upgrade: unexpected extension";
  if (head.find("Sec-WebSocket-Protocol")) return "WebSocket upgrade: unexpected subprotocol";
  return {};
}

std::string check_bootstrap_response(const ResponseHead& head) {
  if (head.status != 200) {
    return "SMQ bootstrap refused: HTTP " + std::to_string(head.status) +
           (head.reason.empty() ? "" : " " + head.reason);
  }
  if (!head.find("SmqBroker")) return "SMQ bootstrap: response lacks the SmqBroker header";
  if (head.find("Transfer-Encoding")) return "SMQ bootstrap: unexpected Transfer-Encoding";
  if (const auto length = head.find("Content-Length"); length && *length != "0") {
    return "SMQ bootstrap: unexpected response body";
  }
  return {};
}

}  // namespace smq::detail
