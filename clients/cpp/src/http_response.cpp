// HTTP response head parsing for the client handshake (see http_response.hpp). Pure code.
#include "src/http_response.hpp"

#include <cctype>

#include "protocol/http_request.hpp"

namespace smq::detail {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

ResponseParse fail(std::string why) {
  ResponseParse r;
  r.status = ResponseParse::Status::error;
  r.error = std::move(why);
  return r;
}

bool is_token_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7F) return false;
  return std::string_view("()<>@,;:\\\"/[]?={}").find(c) == std::string_view::npos;
}

}  // namespace

std::optional<std::string_view> ResponseHead::find(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (http::iequals(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

bool ResponseHead::has_token(std::string_view name, std::string_view token) const {
  for (const auto& [n, v] : headers) {
    if (!http::iequals(n, name)) continue;
    std::string_view rest = v;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      if (http::iequals(trim(rest.substr(0, comma)), token)) return true;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return false;
}

ResponseParse parse_response_head(std::string_view buffer) {
  const auto end = buffer.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (buffer.size() >= max_response_head) return fail("HTTP response head too large");
    // A peer that is not HTTP at all (e.g. an SMQ frame) is recognised early.
    const std::string_view prefix = "HTTP/1.";
    const auto n = std::min(buffer.size(), prefix.size());
    if (buffer.substr(0, n) != prefix.substr(0, n)) return fail("not an HTTP response");
    return {};
  }
  if (end + 4 > max_response_head) return fail("HTTP response head too large");
  ResponseParse r;
  r.head_size = end + 4;
  std::string_view head = buffer.substr(0, end + 2);  // every line ends in CRLF

  auto next_line = [&head]() -> std::optional<std::string_view> {
    const auto eol = head.find("\r\n");
    if (eol == std::string_view::npos) return std::nullopt;
    std::string_view line = head.substr(0, eol);
    head.remove_prefix(eol + 2);
    return line;
  };

  const auto status_line = next_line();
  if (!status_line || status_line->size() < 12 || status_line->substr(0, 7) != "HTTP/1." ||
      (*status_line)[8] != ' ') {
    return fail("malformed HTTP status line");
  }
  const std::string_view code = status_line->substr(9, 3);
  for (char c : code) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return fail("malformed HTTP status code");
  }
  if (status_line->size() > 12 && (*status_line)[12] != ' ') {
    return fail("malformed HTTP status line");
  }
  r.head.status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
  if (status_line->size() > 13) r.head.reason = std::string(status_line->substr(13));

  while (auto line = next_line()) {
    if (line->empty()) break;
    if (r.head.headers.size() >= 100) return fail("too many HTTP response headers");
    const auto colon = line->find(':');
    if (colon == std::string_view::npos || colon == 0) return fail("malformed HTTP header line");
    const std::string_view name = line->substr(0, colon);
    for (char c : name) {
      if (!is_token_char(c)) return fail("malformed HTTP header name");
    }
    const std::string_view value = trim(line->substr(colon + 1));
    for (char c : value) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7F) return fail("control character in HTTP header");
    }
    r.head.headers.emplace_back(std::string(name), std::string(value));
  }
  r.status = ResponseParse::Status::complete;
  return r;
}

}  // namespace smq::detail
