// Tokens from the opening HTTP request (see request_token.hpp). Pure functions; any thread.
#include "broker/auth/request_token.hpp"

#include <optional>

#include "protocol/http_request.hpp"

namespace smq::auth {
namespace {

using http::iequals;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding of a query value ('+' is a space there); nullopt for a broken escape.
std::optional<std::string> decode_query_value(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] != '%') {
      out += text[i];
    } else {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = hex_value(text[i + 1]);
      const int low = hex_value(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    }
  }
  return out;
}

std::string bearer_token(const RequestHeaders& headers) {
  for (const auto& [name, value] : headers) {
    if (!iequals(name, "authorization")) continue;
    const std::string_view v = trim(value);
    constexpr std::string_view scheme = "bearer ";
    if (v.size() > scheme.size() && iequals(v.substr(0, scheme.size()), scheme)) {
      return std::string(trim(v.substr(scheme.size())));
    }
  }
  return {};
}

std::string cookie_token(const RequestHeaders& headers, std::string_view cookie_name) {
  if (cookie_name.empty()) return {};
  for (const auto& [name, value] : headers) {
    if (!iequals(name, "cookie")) continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      const std::size_t semi = rest.find(';');
      const std::string_view pair = trim(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      const std::size_t eq = pair.find('=');
      if (eq == std::string_view::npos || trim(pair.substr(0, eq)) != cookie_name) continue;
      std::string_view v = trim(pair.substr(eq + 1));
      // RFC 6265 allows the value in double quotes.
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return std::string(v);
    }
  }
  return {};
}

std::string query_token(std::string_view target) {
  const std::optional<std::string_view> value = http::query_parameter(target, "token");
  return value ? decode_query_value(*value).value_or(std::string()) : std::string();
}

}  // namespace

std::string token_from_request(std::string_view target, const RequestHeaders& headers,
                               std::string_view cookie_name) {
  if (std::string t = bearer_token(headers); !t.empty()) return t;
  if (std::string t = cookie_token(headers, cookie_name); !t.empty()) return t;
  return query_token(target);
}

}  // namespace smq::auth
