// libFuzzer target: the HTTP request head parser fed in chunks (as a socket would deliver
// them) must reach the same verdict as one parse of the whole buffer, and every verdict must
// satisfy the parser's documented invariants.
// Input layout: [limits selector][chunking seed][request bytes...].
// Needs: protocol/http_request.cpp.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "protocol/http_request.hpp"
#include "fuzz_support.hpp"

namespace {

using fuzz::check;

using smq::http::ParseResult;
using smq::http::ParserLimits;
using smq::http::ParseStatus;
using smq::http::Request;
using smq::http::RequestParser;

bool within(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

// Invariants of one result for `buffer`.
void check_result(const ParseResult& res, const Request& r, std::string_view buffer,
                  const ParserLimits& limits) {
  switch (res.status) {
    case ParseStatus::need_more:
      check(buffer.size() < limits.max_head);
      break;
    case ParseStatus::error:
      check(res.error_status == 400 || res.error_status == 414 || res.error_status == 431 ||
            res.error_status == 505);
      check(!res.error.empty());
      break;
    case ParseStatus::complete: {
      check(res.head_size >= 4 && res.head_size <= buffer.size());
      check(res.head_size <= limits.max_head);
      check(buffer.substr(res.head_size - 4, 4) == "\r\n\r\n");
      // The blank line is the first one: no earlier "\r\n\r\n".
      check(buffer.substr(0, res.head_size).find("\r\n\r\n") == res.head_size - 4);
      const std::string_view head = buffer.substr(0, res.head_size);
      check(!r.method.empty() && within(r.method, head));
      check(!r.target.empty() && within(r.target, head));
      check(r.version_minor == 0 || r.version_minor == 1);
      check(r.headers.size() <= limits.max_headers);
      for (const auto& h : r.headers) {
        check(!h.name.empty() && within(h.name, head) && within(h.value, head));
        check(h.name.find_first_of(" \t:\r\n") == std::string_view::npos);
        check(h.value.find_first_of("\r\n") == std::string_view::npos);
        if (!h.value.empty()) {
          check(h.value.front() != ' ' && h.value.front() != '\t');
          check(h.value.back() != ' ' && h.value.back() != '\t');
        }
        check(r.find(h.name).has_value());
        check(r.count(h.name) >= 1);
        (void)r.has_token(h.name, "upgrade");
      }
      check(r.path().size() <= r.target.size());
      break;
    }
  }
}

bool same_request(const Request& a, const Request& b) {
  if (a.method != b.method || a.target != b.target || a.version_minor != b.version_minor ||
      a.headers.size() != b.headers.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.headers.size(); ++i) {
    if (a.headers[i].name != b.headers[i].name || a.headers[i].value != b.headers[i].value) return false;
  }
  return true;
}

bool same_verdict(const ParseResult& a, const ParseResult& b) {
  return a.status == b.status && a.head_size == b.head_size && a.error_status == b.error_status;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  ParserLimits limits;
  const std::uint8_t selector = data[0];
  if (selector & 1) {
    // Tight limits make the 414/431 paths reachable with short inputs.
    limits.max_head = 1 + (selector >> 1) * 3;
    limits.max_headers = selector % 7;
  }
  std::uint32_t rng = 0x9E3779B9u ^ (std::uint32_t{data[1]} * 0x01000193u);
  const std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);

  Request whole_request;
  RequestParser whole_parser(limits);
  const ParseResult whole = whole_parser.parse(input, whole_request);
  check_result(whole, whole_request, input, limits);

  // Same bytes in chunks of 1..16 bytes (or all at once for seed 0), into a growing buffer.
  RequestParser parser(limits);
  Request request;
  std::string buffer;
  ParseResult last;
  std::size_t pos = 0;
  while (pos < input.size()) {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    const std::size_t step = data[1] == 0 ? input.size() : 1 + rng % 16;
    const std::size_t n = step < input.size() - pos ? step : input.size() - pos;
    buffer.append(input.substr(pos, n));
    pos += n;
    last = parser.parse(buffer, request);
    check_result(last, request, buffer, limits);
    if (last.status != ParseStatus::need_more) break;
  }
  if (input.empty()) last = parser.parse(buffer, request);

  if (last.status == ParseStatus::need_more) {
    check(whole.status == ParseStatus::need_more);
  } else {
    check(same_verdict(last, whole));
    if (last.status == ParseStatus::complete) check(same_request(request, whole_request));
    // Asking again with the same bytes gives the same answer.
    Request again;
    const ParseResult repeat = parser.parse(buffer, again);
    check(same_verdict(repeat, last));
    // A complete head parses the same on its own, without the bytes that follow it.
    if (last.status == ParseStatus::complete) {
      RequestParser alone(limits);
      Request head_only;
      const ParseResult res = alone.parse(input.substr(0, whole.head_size), head_only);
      check(same_verdict(res, whole));
      check(same_request(head_only, whole_request));
    }
  }
  return 0;
}
