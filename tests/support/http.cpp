// HTTP head parsing and a one-shot request helper (see http.hpp).
#include "http.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace smqtest {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

std::optional<std::string> HttpHead::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return std::nullopt;
}

std::size_t HttpHead::count(std::string_view name) const {
  std::size_t n = 0;
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) ++n;
  return n;
}

std::optional<HttpHead> parse_http_head(std::string_view raw) {
  HttpHead head;
  head.raw = std::string(raw);
  auto end = raw.find("\r\n\r\n");
  if (end == std::string_view::npos) return std::nullopt;
  std::string_view rest = raw.substr(0, end + 2);
  auto eol = rest.find("\r\n");
  head.status_line = std::string(rest.substr(0, eol));
  rest.remove_prefix(eol + 2);
  auto sp1 = head.status_line.find(' ');
  if (sp1 == std::string::npos) return std::nullopt;
  head.version = head.status_line.substr(0, sp1);
  auto code = head.status_line.substr(sp1 + 1, 3);
  if (code.size() != 3) return std::nullopt;
  for (char c : code)
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  head.status = std::atoi(code.c_str());
  while (!rest.empty()) {
    eol = rest.find("\r\n");
    auto line = rest.substr(0, eol);
    rest.remove_prefix(eol + 2);
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    head.headers.emplace_back(std::string(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
  return head;
}

std::optional<HttpHead> read_http_head(Socket& s, Ms timeout) {
  auto raw = s.read_until("\r\n\r\n", 64 * 1024, timeout);
  if (!raw) return std::nullopt;
  return parse_http_head(*raw);
}

std::optional<HttpResponse> http_exchange(std::uint16_t port, std::string_view request,
                                          Ms timeout, Ms close_wait) {
  Socket s;
  if (!s.connect_loopback(port)) return std::nullopt;
  // The server may answer and close before reading everything (oversized heads); a failed
  // send is therefore not an error by itself.
  s.send_chopped(request, 4096);
  auto deadline = Clock::now() + timeout;
  auto head = read_http_head(s, timeout);
  if (!head) return std::nullopt;
  HttpResponse r;
  r.head = *head;
  std::size_t want = 0;
  if (auto cl = head->header("Content-Length")) want = std::strtoul(cl->c_str(), nullptr, 10);
  if (want > 0) s.ensure(want, deadline);
  r.body = s.take(std::min(want, s.pending().size()));
  if (close_wait.count() > 0) {
    auto close_deadline = Clock::now() + close_wait;
    while (!s.eof() && s.fill(remaining(close_deadline))) {
    }
    r.closed = s.eof();
  }
  return r;
}

}  // namespace smqtest
