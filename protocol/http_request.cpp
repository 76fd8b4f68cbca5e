// Strict, bounded HTTP/1.x request head parser and the header lookup helpers. Pure code,
// runs on the session's thread.
//
// Work is split in two so that a trickled head costs linear time overall: every call scans
// only the bytes that arrived since the previous one, checking each byte once (control
// characters, bare CR/LF) and looking for the blank line; the structure of the head is
// parsed once, when the blank line has arrived.
#include "http_request.hpp"

#include <algorithm>

namespace smq::http {

namespace {

constexpr char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// RFC 9110 5.6.2 tchar.
constexpr bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

constexpr bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}

// Visible ASCII only: a target with spaces, tabs or raw non-ASCII bytes is not a URI.
constexpr bool is_target_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7F;
}

constexpr bool is_ows(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

ParseResult fail(int status, std::string_view why) {
  ParseResult r;
  r.status = ParseStatus::error;
  r.error_status = status;
  r.error = why;
  return r;
}

// Structure of a head whose bytes already passed the per-byte scan: every CR is followed by
// LF, every LF preceded by CR, no control characters other than HTAB, and `head` ends with
// the blank line.
ParseResult parse_head(std::string_view head, const ParserLimits& limits, Request& request) {
  request.method = {};
  request.target = {};
  request.version_minor = 1;
  request.headers.clear();

  std::string_view rest = head.substr(0, head.size() - 2);  // drop the blank line's CRLF
  auto next_line = [&rest]() {
    const std::size_t cr = rest.find('\r');  // always present: each line ends in CRLF
    std::string_view line = rest.substr(0, cr);
    rest.remove_prefix(cr + 2);
    return line;
  };

  // request-line = method SP request-target SP HTTP-version, single spaces only.
  std::string_view line = next_line();
  const std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return fail(400, "malformed request line");
  const std::string_view method = line.substr(0, sp1);
  if (method.empty()) return fail(400, "empty method");
  if (!is_token(method)) return fail(400, "invalid method");
  const std::size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return fail(400, "malformed request line");
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (target.empty()) return fail(400, "empty request target");
  if (!std::all_of(target.begin(), target.end(), is_target_char)) {
    return fail(400, "invalid request target");
  }
  const std::string_view version = line.substr(sp2 + 1);
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || !is_digit(version[5]) ||
      version[6] != '.' || !is_digit(version[7])) {
    return fail(400, "malformed HTTP version");
  }
  if (version[5] != '1' || (version[7] != '0' && version[7] != '1')) {
    return fail(505, "HTTP version not supported");
  }
  request.method = method;
  request.target = target;
  request.version_minor = version[7] - '0';

  while (!rest.empty()) {
    line = next_line();
    if (line.empty()) return fail(400, "malformed header line");  // cannot happen; be safe
    if (is_ows(line.front())) return fail(400, "obsolete line folding");
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return fail(400, "header without colon");
    const std::string_view name = line.substr(0, colon);
    // Also rejects "Name : value": whitespace before the colon is a smuggling vector.
    if (!is_token(name)) return fail(400, "invalid header name");
    if (request.headers.size() >= limits.max_headers) return fail(431, "too many headers");
    // The scan let through HTAB, SP, VCHAR and obs-text only, all of which a value may hold.
    request.headers.push_back(Header{name, trim_ows(line.substr(colon + 1))});
  }
  return ParseResult{ParseStatus::complete, head.size(), 0, {}};
}

}  // namespace

ParseResult RequestParser::parse(std::string_view buffer, Request& request) {
  // Nothing past max_head can belong to an acceptable head, so never look beyond it.
  const std::size_t end = std::min(buffer.size(), limits_.max_head);
  std::size_t i = std::min(scanned_, end);
  for (; i < end; ++i) {
    const char c = buffer[i];
    const char prev = i > 0 ? buffer[i - 1] : '\0';
    if (prev == '\r' && c != '\n') {
      scanned_ = i;
      return fail(400, "bare CR in request head");
    }
    if (c == '\n') {
      if (prev != '\r') {
        scanned_ = i;
        return fail(400, "bare LF in request head");
      }
      if (i >= 3 && buffer[i - 2] == '\n' && buffer[i - 3] == '\r') {
        // Leave the terminator's last byte unscanned so a repeated call reports the same.
        scanned_ = i;
        return parse_head(buffer.substr(0, i + 1), limits_, request);
      }
      continue;
    }
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t' && c != '\r') || u == 0x7F) {
      scanned_ = i;
      return fail(400, u == 0 ? "NUL in request head" : "control character in request head");
    }
  }
  scanned_ = end;
  if (buffer.size() < limits_.max_head) return ParseResult{};  // need_more
  // The limit is reached without a blank line. No line end at all means the request line
  // alone is too long, which deserves its own status.
  if (buffer.substr(0, end).find('\n') == std::string_view::npos) {
    return fail(414, "request line too long");
  }
  return fail(431, "request head too large");
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::optional<std::string_view> Request::find(std::string_view name) const {
  for (const Header& h : headers) {
    if (iequals(h.name, name)) return h.value;
  }
  return std::nullopt;
}

std::size_t Request::count(std::string_view name) const {
  std::size_t n = 0;
  for (const Header& h : headers) {
    if (iequals(h.name, name)) ++n;
  }
  return n;
}

bool Request::has_token(std::string_view name, std::string_view token) const {
  // A list header may be split over several header lines (RFC 9110 5.3): check them all.
  for (const Header& h : headers) {
    if (!iequals(h.name, name)) continue;
    std::string_view list = h.value;
    while (true) {
      const std::size_t comma = list.find(',');
      if (iequals(trim_ows(list.substr(0, comma)), token)) return true;
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
  return false;
}

std::string_view Request::path() const { return target.substr(0, target.find('?')); }

std::optional<std::string_view> query_parameter(std::string_view target, std::string_view key) {
  const std::size_t question = target.find('?');
  if (question == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(question + 1);
  query = query.substr(0, query.find('#'));  // a fragment is not part of the query
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.size() > key.size() && pair.substr(0, key.size()) == key && pair[key.size()] == '=') {
      return pair.substr(key.size() + 1);
    }
  }
  return std::nullopt;
}

}  // namespace smq::http
