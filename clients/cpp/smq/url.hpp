// Broker URLs for the network client: ws://, wss://, http://, https:// with host names, IPv4
// and bracketed IPv6 literals. Pure code, any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace smq {

struct Url {
  enum class Scheme { ws, wss, http, https };
  Scheme scheme = Scheme::ws;
  std::string host;        // without brackets for IPv6 ("::1")
  std::uint16_t port = 0;  // explicit or the scheme's default (80 / 443)
  bool explicit_port = false;
  std::string target = "/";  // path plus query, always starting with '/'

  // WebSocket (ws/wss) or raw SMQ after an HTTP bootstrap (http/https).
  bool websocket() const { return scheme == Scheme::ws || scheme == Scheme::wss; }
  bool tls() const { return scheme == Scheme::wss || scheme == Scheme::https; }
  bool ipv6_literal() const { return host.find(':') != std::string::npos; }
  // Value for the Host header: host (bracketed when IPv6) plus ":port" if the URL had one.
  std::string host_header() const;
  // The URL written back in canonical form.
  std::string str() const;
};

struct UrlParse {
  std::optional<Url> url;
  std::string error;  // set when url is empty
};

// Accepts "scheme://host[:port][/path][?query]"; the scheme is case-insensitive. Rejects
// user info ("user@host"), fragments are dropped, empty hosts and ports outside 1-65535 are
// errors.
UrlParse parse_url(std::string_view text);

}  // namespace smq
