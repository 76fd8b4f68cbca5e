// Parsing and printing of broker URLs (see smq/url.hpp). Pure code, any thread.
#include "smq/url.hpp"

#include <algorithm>
#include <cctype>

namespace smq {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

UrlParse fail(std::string why) { return UrlParse{std::nullopt, std::move(why)}; }

bool valid_host_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~' || c == '%';
}

// Builds strings by appending to one std::string: GCC 12's -Wrestrict misfires on
// `"literal" + std::string&&` (GCC bug 105329), so these avoid that operator.
void append_host(std::string& out, const std::string& host, bool ipv6) {
  if (ipv6) out += '[';
  out += host;
  if (ipv6) out += ']';
}

}  // namespace

std::string Url::host_header() const {
  std::string h;
  append_host(h, host, ipv6_literal());
  if (explicit_port) {
    h += ':';
    h += std::to_string(port);
  }
  return h;
}

std::string Url::str() const {
  static constexpr const char* names[] = {"ws", "wss", "http", "https"};
  std::string s = names[static_cast<int>(scheme)];
  s += "://";
  append_host(s, host, ipv6_literal());
  s += ':';
  s += std::to_string(port);
  s += target;
  return s;
}

UrlParse parse_url(std::string_view text) {
  const auto sep = text.find("://");
  if (sep == std::string_view::npos) {
    return fail("missing scheme (expected ws://, wss://, http:// or https://)");
  }
  const std::string scheme = lower(text.substr(0, sep));
  Url url;
  if (scheme == "ws") {
    url.scheme = Url::Scheme::ws;
  } else if (scheme == "wss") {
    url.scheme = Url::Scheme::wss;
  } else if (scheme == "http") {
    url.scheme = Url::Scheme::http;
  } else if (scheme == "https") {
    url.scheme = Url::Scheme::https;
  } else {
    return fail("unsupported scheme '" + scheme + "'");
  }
  url.port = url.tls() ? 443 : 80;

  std::string_view rest = text.substr(sep + 3);
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  const auto path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  if (path_start != std::string_view::npos) {
    url.target = std::string(rest.substr(path_start));
    if (url.target.front() == '?') url.target.insert(url.target.begin(), '/');
  }
  for (char c : url.target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) {
      return fail("invalid character in path");
    }
  }
  if (authority.find('@') != std::string_view::npos) {
    return fail("user info in URLs is not supported");
  }
  if (authority.empty()) return fail("missing host");

  std::string_view port_text;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return fail("unterminated IPv6 literal");
    std::string_view literal = authority.substr(1, close - 1);
    // An optional zone id follows '%', itself written "%25" in URLs (RFC 6874).
    std::string zone;
    if (const auto pct = literal.find('%'); pct != std::string_view::npos) {
      std::string_view z = literal.substr(pct + 1);
      if (z.substr(0, 2) == "25") z.remove_prefix(2);
      if (z.empty()) return fail("empty IPv6 zone id");
      for (char c : z) {
        if (!valid_host_char(c) || c == '%') return fail("invalid IPv6 zone id");
      }
      zone = '%';
      zone += z;
      literal = literal.substr(0, pct);
    }
    if (literal.empty()) return fail("empty IPv6 literal");
    for (char c : literal) {
      if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.')) {
        return fail("invalid IPv6 literal");
      }
    }
    if (literal.find(':') == std::string_view::npos) return fail("invalid IPv6 literal");
    url.host = std::string(literal) + zone;
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail("garbage after IPv6 literal");
      port_text = after.substr(1);
      if (port_text.empty()) return fail("empty port");
    }
  } else {
    const auto colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      authority = authority.substr(0, colon);
      if (port_text.empty()) return fail("empty port");
    }
    if (authority.empty()) return fail("missing host");
    for (char c : authority) {
      if (!valid_host_char(c)) return fail("invalid character in host");
    }
    url.host = lower(authority);
  }
  if (!port_text.empty()) {
    unsigned long value = 0;
    for (char c : port_text) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || port_text.size() > 5) {
        return fail("invalid port");
      }
      value = value * 10 + static_cast<unsigned long>(c - '0');
    }
    if (value == 0 || value > 65535) return fail("port out of range");
    url.port = static_cast<std::uint16_t>(value);
    url.explicit_port = true;
  }
  return UrlParse{std::move(url), {}};
}

}  // namespace smq
