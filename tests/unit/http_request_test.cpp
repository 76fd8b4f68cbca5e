// Unit tests of the HTTP request head parser: real client heads, trickled input, limits and
// every kind of malformed head.
#include "protocol/http_request.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace {

using namespace std::string_literals;
using smq::http::ParseResult;
using smq::http::ParserLimits;
using smq::http::ParseStatus;
using smq::http::Request;
using smq::http::RequestParser;

ParseResult parse_whole(std::string_view s, Request& r, ParserLimits limits = {}) {
  RequestParser p(limits);
  return p.parse(s, r);
}

ParseResult parse_whole(std::string_view s, ParserLimits limits = {}) {
  Request r;
  return parse_whole(s, r, limits);
}

int error_status(std::string_view s, ParserLimits limits = {}) {
  const ParseResult res = parse_whole(s, limits);
  EXPECT_EQ(res.status, ParseStatus::error) << s;
  EXPECT_FALSE(res.error.empty());
  return res.error_status;
}

constexpr std::string_view c_client =
    "GET /smq HTTP/1.0\r\nHost: h\r\nSimpleMQ: 1\r\nUser-Agent: SimpleMQ/1\r\n\r\n";

constexpr std::string_view python_client =
    "GET /smq HTTP/1.1\r\nHost: localhost:1883\r\nAccept-Encoding: identity\r\nSimpleMQ: 1\r\n\r\n";

constexpr std::string_view browser_upgrade =
    "GET /smq?client=web HTTP/1.1\r\n"
    "Host: broker.example.com:8080\r\n"
    "Connection: Upgrade\r\n"
    "Pragma: no-cache\r\n"
    "Cache-Control: no-cache\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36\r\n"
    "Upgrade: websocket\r\n"
    "Origin: http://broker.example.com:8080\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Accept-Language: en-US,en;q=0.9\r\n"
    "Cookie: session=abc123; theme=dark\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
    "\r\n";

TEST(HttpRequest, CClientBootstrap) {
  Request r;
  const ParseResult res = parse_whole(c_client, r);
  ASSERT_EQ(res.status, ParseStatus::complete);
  EXPECT_EQ(res.head_size, c_client.size());
  EXPECT_EQ(res.error_status, 0);
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/smq");
  EXPECT_EQ(r.path(), "/smq");
  EXPECT_EQ(r.version_minor, 0);
  ASSERT_EQ(r.headers.size(), 3u);
  EXPECT_EQ(r.headers[0].name, "Host");
  EXPECT_EQ(r.headers[0].value, "h");
  EXPECT_EQ(r.find("simplemq"), "1");
  EXPECT_EQ(r.find("USER-AGENT"), "SimpleMQ/1");
  EXPECT_FALSE(r.find("Upgrade").has_value());
}

TEST(HttpRequest, PythonBootstrap) {
  Request r;
  const ParseResult res = parse_whole(python_client, r);
  ASSERT_EQ(res.status, ParseStatus::complete);
  EXPECT_EQ(res.head_size, python_client.size());
  EXPECT_EQ(r.version_minor, 1);
  EXPECT_EQ(r.find("host"), "localhost:1883");
  EXPECT_EQ(r.find("Accept-Encoding"), "identity");
  EXPECT_EQ(r.count("SimpleMQ"), 1u);
}

TEST(HttpRequest, BrowserUpgrade) {
  Request r;
  const ParseResult res = parse_whole(browser_upgrade, r);
  ASSERT_EQ(res.status, ParseStatus::complete);
  EXPECT_EQ(res.head_size, browser_upgrade.size());
  EXPECT_EQ(r.target, "/smq?client=web");
  EXPECT_EQ(r.path(), "/smq");
  EXPECT_EQ(r.headers.size(), 13u);
  EXPECT_TRUE(r.has_token("connection", "upgrade"));
  EXPECT_TRUE(r.has_token("Upgrade", "WebSocket"));
  EXPECT_EQ(r.find("Sec-WebSocket-Key"), "dGhlIHNhbXBsZSBub25jZQ==");
  EXPECT_EQ(r.find("cookie"), "session=abc123; theme=dark");
  // Views point into the caller's buffer, not into copies.
  EXPECT_GE(r.method.data(), browser_upgrade.data());
  EXPECT_LT(r.headers.back().value.data(), browser_upgrade.data() + browser_upgrade.size());
}

TEST(HttpRequest, TrickledByteByByteMatchesWhole) {
  for (std::string_view head : {c_client, python_client, browser_upgrade}) {
    RequestParser p;
    Request r;
    std::string buf;
    for (std::size_t i = 0; i < head.size(); ++i) {
      buf.push_back(head[i]);
      const ParseResult res = p.parse(buf, r);
      if (i + 1 < head.size()) {
        ASSERT_EQ(res.status, ParseStatus::need_more) << i;
      } else {
        ASSERT_EQ(res.status, ParseStatus::complete);
        EXPECT_EQ(res.head_size, head.size());
      }
    }
    Request whole;
    ASSERT_EQ(parse_whole(head, whole).status, ParseStatus::complete);
    ASSERT_EQ(r.headers.size(), whole.headers.size());
    for (std::size_t i = 0; i < r.headers.size(); ++i) {
      EXPECT_EQ(r.headers[i].name, whole.headers[i].name);
      EXPECT_EQ(r.headers[i].value, whole.headers[i].value);
    }
    EXPECT_EQ(r.target, whole.target);
  }
}

TEST(HttpRequest, TrickledInUnevenChunks) {
  RequestParser p;
  Request r;
  std::string buf;
  std::size_t pos = 0;
  std::size_t step = 1;
  ParseResult res;
  while (pos < browser_upgrade.size()) {
    const std::size_t n = std::min(step, browser_upgrade.size() - pos);
    buf.append(browser_upgrade.substr(pos, n));
    pos += n;
    step = step * 3 % 17 + 1;
    res = p.parse(buf, r);
    if (pos < browser_upgrade.size()) {
      ASSERT_EQ(res.status, ParseStatus::need_more);
    }
  }
  ASSERT_EQ(res.status, ParseStatus::complete);
  EXPECT_EQ(r.find("Origin"), "http://broker.example.com:8080");
}

TEST(HttpRequest, TrickledLargeHeadTakesLinearTime) {
  // 256 KiB fed one byte per call: a parser that rescanned the buffer on each call would do
  // ~3e10 byte checks here (minutes); a linear one needs milliseconds.
  ParserLimits limits;
  limits.max_head = 256 * 1024;
  std::string head = "GET / HTTP/1.1\r\nX: ";
  head.append(limits.max_head - head.size() - 4, 'v');
  head.append("\r\n\r\n");
  RequestParser p(limits);
  Request r;
  std::string buf;
  buf.reserve(head.size());
  const auto start = std::chrono::steady_clock::now();
  ParseResult res;
  for (char c : head) {
    buf.push_back(c);
    res = p.parse(buf, r);
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(res.status, ParseStatus::complete);
  EXPECT_EQ(res.head_size, limits.max_head);
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST(HttpRequest, PipelinedBytesAreNotPartOfTheHead) {
  std::string buf(c_client);
  buf.append("\x01\x02\x00\x05hello\r\n\r\n", 13);
  Request r;
  const ParseResult res = parse_whole(buf, r);
  ASSERT_EQ(res.status, ParseStatus::complete);
  EXPECT_EQ(res.head_size, c_client.size());
  EXPECT_EQ(r.headers.size(), 3u);
}

TEST(HttpRequest, TerminatorSplitAcrossCalls) {
  for (std::size_t cut = c_client.size() - 4; cut < c_client.size(); ++cut) {
    RequestParser p;
    Request r;
    EXPECT_EQ(p.parse(c_client.substr(0, cut), r).status, ParseStatus::need_more);
    const ParseResult res = p.parse(c_client, r);
    ASSERT_EQ(res.status, ParseStatus::complete) << cut;
    EXPECT_EQ(res.head_size, c_client.size());
  }
}

TEST(HttpRequest, RepeatedCallsAreStable) {
  RequestParser p;
  Request r;
  ParseResult a = p.parse(c_client, r);
  ParseResult b = p.parse(c_client, r);
  EXPECT_EQ(a.status, ParseStatus::complete);
  EXPECT_EQ(b.status, ParseStatus::complete);
  EXPECT_EQ(b.head_size, a.head_size);
  RequestParser q;
  const std::string bad = "GET / HTTP/1.1\nHost: x\r\n\r\n";
  EXPECT_EQ(q.parse(bad, r).error_status, 400);
  EXPECT_EQ(q.parse(bad, r).error_status, 400);
}

TEST(HttpRequest, HeaderValuesAreTrimmedAndMayBeEmpty) {
  Request r;
  const std::string head = "GET / HTTP/1.1\r\nA:   spaced  \t\r\nB:\r\nC:\tx\ty\t\r\nD: caf\xC3\xA9\r\n\r\n";
  ASSERT_EQ(parse_whole(head, r).status, ParseStatus::complete);
  EXPECT_EQ(r.find("a"), "spaced");
  EXPECT_EQ(r.find("b"), "");
  EXPECT_EQ(r.find("c"), "x\ty");
  EXPECT_EQ(r.find("d"), "caf\xC3\xA9");  // obs-text is tolerated in values
}

TEST(HttpRequest, IncompleteHeadNeedsMore) {
  EXPECT_EQ(parse_whole("").status, ParseStatus::need_more);
  EXPECT_EQ(parse_whole("GET / HTTP/1.1").status, ParseStatus::need_more);
  EXPECT_EQ(parse_whole("GET / HTTP/1.1\r\nHost: x\r\n").status, ParseStatus::need_more);
  EXPECT_EQ(parse_whole("GET / HTTP/1.1\r\nHost: x\r\n\r").status, ParseStatus::need_more);
}

TEST(HttpRequest, BareLineEndingsAreRejectedEarly) {
  EXPECT_EQ(error_status("GET / HTTP/1.1\n"), 400);  // no need to wait for the blank line
  EXPECT_EQ(error_status("GET / HTTP/1.1\r\nHost: x\n\n"), 400);
  EXPECT_EQ(error_status("GET / HTTP/1.1\rHost: x\r\n\r\n"), 400);
  EXPECT_EQ(error_status("GET / HTTP/1.1\r\nHost: x\r\r\n\r\n"), 400);
  EXPECT_EQ(error_status("\n"), 400);
  EXPECT_EQ(error_status("GET / HTTP/1.1\r\n\r\r\n"), 400);
}

TEST(HttpRequest, ControlCharactersAreRejected) {
  EXPECT_EQ(error_status("GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n"s), 400);
  EXPECT_EQ(error_status("G\0T"s), 400);  // NUL fails before the head ends
  EXPECT_EQ(error_status("GET / HTTP/1.1\r\nX: \x01\r\n\r\n"), 400);
  EXPECT_EQ(error_status("GET / HTTP/1.1\r\nX: \x1b[0m\r\n\r\n"), 400);
  EXPECT_EQ(error_status("GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n"), 400);
  EXPECT_EQ(error_status("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"s), 400);  // TLS hello
  const ParseResult nul = parse_whole("GET /\0 HTTP/1.1\r\n\r\n"s);
  EXPECT_EQ(nul.status, ParseStatus::error);
}

TEST(HttpRequest, ObsFoldIsRejected) {
  for (std::string_view head : {"GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", "GET / HTTP/1.1\r\nX: a\r\n\tb: c\r\n\r\n",
                                "GET / HTTP/1.1\r\n Host: x\r\n\r\n"}) {
    const ParseResult res = parse_whole(head);
    EXPECT_EQ(res.status, ParseStatus::error);
    EXPECT_EQ(res.error_status, 400);
    EXPECT_NE(res.error.find("fold"), std::string_view::npos) << res.error;  // named as such
  }
}

TEST(HttpRequest, MalformedRequestLines) {
  EXPECT_EQ(error_status(" / HTTP/1.1\r\n\r\n"), 400);                 // empty method
  EXPECT_EQ(error_status("GET  HTTP/1.1\r\n\r\n"), 400);               // empty target
  EXPECT_EQ(error_status("GET  / HTTP/1.1\r\n\r\n"), 400);             // double space
  EXPECT_EQ(error_status("GET /\r\n\r\n"), 400);                       // no version
  EXPECT_EQ(error_status("GET\r\n\r\n"), 400);
  EXPECT_EQ(error_status("GET / HTTP/1.1 \r\n\r\n"), 400);             // trailing space
  EXPECT_EQ(error_status("GET\t/ HTTP/1.1\r\n\r\n"), 400);             // tab separator
  EXPECT_EQ(error_status("G(T / HTTP/1.1\r\n\r\n"), 400);              // non-token method
  EXPECT_EQ(error_status("GET /caf\xC3\xA9 HTTP/1.1\r\n\r\n"), 400);   // raw non-ASCII target
  EXPECT_EQ(error_status("\r\n\r\n"), 400);                            // empty request line
  EXPECT_EQ(error_status("\r\nGET / HTTP/1.1\r\n\r\n"), 400);
}

TEST(HttpRequest, BadVersions) {
  EXPECT_EQ(error_status("GET / HTTP/2.0\r\n\r\n"), 505);
  EXPECT_EQ(error_status("GET / HTTP/1.2\r\n\r\n"), 505);
  EXPECT_EQ(error_status("GET / HTTP/0.9\r\n\r\n"), 505);
  EXPECT_EQ(error_status("GET / http/1.1\r\n\r\n"), 400);
  EXPECT_EQ(error_status("GET / HTTP/1\r\n\r\n"), 400);
  EXPECT_EQ(error_status("GET / HTTP/1.10\r\n\r\n"), 400);
  EXPECT_EQ(error_status("GET / HTTP/x.1\r\n\r\n"), 400);
  EXPECT_EQ(error_status("GET / FOO/1.1\r\n\r\n"), 400);
  Request r;
  ASSERT_EQ(parse_whole("OPTIONS * HTTP/1.1\r\n\r\n", r).status, ParseStatus::complete);
  EXPECT_EQ(r.method, "OPTIONS");
  EXPECT_EQ(r.target, "*");
}

TEST(HttpRequest, MalformedHeaders) {
  EXPECT_EQ(error_status("GET / HTTP/1.1\r\nHost x\r\n\r\n"), 400);       // no colon
  EXPECT_EQ(error_status("GET / HTTP/1.1\r\n: x\r\n\r\n"), 400);          // empty name
  EXPECT_EQ(error_status("GET / HTTP/1.1\r\nHost : x\r\n\r\n"), 400);     // space before colon
  EXPECT_EQ(error_status("GET / HTTP/1.1\r\nHo st: x\r\n\r\n"), 400);
  EXPECT_EQ(error_status("GET / HTTP/1.1\r\nHo\tst: x\r\n\r\n"), 400);
  EXPECT_EQ(error_status("GET / HTTP/1.1\r\nX(y): x\r\n\r\n"), 400);
  EXPECT_EQ(error_status("GET / HTTP/1.1\r\nX\xC3\xA9: x\r\n\r\n"), 400);
}

std::string head_with_headers(std::size_t n, std::string_view header = "a: b") {
  std::string s = "GET / HTTP/1.1\r\n";
  for (std::size_t i = 0; i < n; ++i) {
    s.append(header);
    s.append("\r\n");
  }
  s.append("\r\n");
  return s;
}

TEST(HttpRequest, HeaderCountLimit) {
  Request r;
  const std::string hundred = head_with_headers(100);  // r's views point into it
  ASSERT_EQ(parse_whole(hundred, r).status, ParseStatus::complete);
  EXPECT_EQ(r.headers.size(), 100u);
  EXPECT_EQ(r.count("A"), 100u);
  EXPECT_EQ(error_status(head_with_headers(101)), 431);
  EXPECT_EQ(error_status(head_with_headers(2000, "x:")), 431);
  ParserLimits tight;
  tight.max_headers = 2;
  EXPECT_EQ(parse_whole(head_with_headers(2), tight).status, ParseStatus::complete);
  EXPECT_EQ(error_status(head_with_headers(3), tight), 431);
  tight.max_headers = 0;
  EXPECT_EQ(parse_whole("GET / HTTP/1.1\r\n\r\n", tight).status, ParseStatus::complete);
  EXPECT_EQ(error_status(head_with_headers(1), tight), 431);
}

TEST(HttpRequest, HeadSizeLimitIsExact) {
  ParserLimits limits;
  limits.max_head = 64;
  std::string head = "GET / HTTP/1.1\r\nX: ";
  head.append(64 - head.size() - 4, 'v');
  head.append("\r\n\r\n");
  ASSERT_EQ(head.size(), 64u);
  const ParseResult ok = parse_whole(head, limits);
  ASSERT_EQ(ok.status, ParseStatus::complete);
  EXPECT_EQ(ok.head_size, 64u);
  std::string over = head;
  over.insert(over.begin() + 20, 'v');
  EXPECT_EQ(error_status(over, limits), 431);
  // Reaching the limit without a blank line fails at once, before more bytes arrive.
  EXPECT_EQ(error_status(over.substr(0, 64), limits), 431);
  EXPECT_EQ(parse_whole(over.substr(0, 63), limits).status, ParseStatus::need_more);
}

TEST(HttpRequest, OversizedHeadWithDefaultLimits) {
  std::string head = "GET / HTTP/1.1\r\nCookie: ";
  head.append(smq::limits::max_http_head, 'c');
  head.append("\r\n\r\n");
  EXPECT_EQ(error_status(head), 431);
  RequestParser p;
  Request r;
  std::string buf;
  ParseResult res;
  for (char c : head) {  // trickled: the error comes as soon as the limit is reached
    buf.push_back(c);
    res = p.parse(buf, r);
    if (res.status != ParseStatus::need_more) break;
  }
  EXPECT_EQ(res.status, ParseStatus::error);
  EXPECT_EQ(res.error_status, 431);
  EXPECT_EQ(buf.size(), smq::limits::max_http_head);
}

TEST(HttpRequest, RequestLineTooLong) {
  std::string head = "GET /";
  head.append(smq::limits::max_http_head, 'a');
  head.append(" HTTP/1.1\r\n\r\n");
  EXPECT_EQ(error_status(head), 414);
  ParserLimits limits;
  limits.max_head = 32;
  EXPECT_EQ(error_status("GET /0123456789012345678901234567 HTTP/1.1\r\n\r\n", limits), 414);
  EXPECT_EQ(error_status("GET /0123456789 HTTP/1.1\r\nHost: example\r\n\r\n", limits), 431);
}

TEST(HttpRequest, FindCountHasToken) {
  Request r;
  const std::string head =
      "GET /a/b?c=d&e HTTP/1.1\r\n"
      "Connection: keep-alive, Upgrade\r\n"
      "Upgrade: h2c\r\n"
      "UPGRADE: WebSocket\r\n"
      "X-List: ,  alpha ,beta,,\r\n"
      "X-Sub: upgraded, notwebsocket\r\n\r\n";
  ASSERT_EQ(parse_whole(head, r).status, ParseStatus::complete);
  EXPECT_EQ(r.path(), "/a/b");
  EXPECT_EQ(r.count("upgrade"), 2u);
  EXPECT_EQ(r.find("upgrade"), "h2c");  // the first one
  EXPECT_TRUE(r.has_token("Connection", "upgrade"));
  EXPECT_TRUE(r.has_token("connection", "KEEP-ALIVE"));
  EXPECT_FALSE(r.has_token("Connection", "close"));
  EXPECT_TRUE(r.has_token("Upgrade", "websocket"));  // second header line
  EXPECT_TRUE(r.has_token("x-list", "alpha"));
  EXPECT_TRUE(r.has_token("x-list", "beta"));
  EXPECT_FALSE(r.has_token("X-Sub", "upgrade"));      // whole tokens only
  EXPECT_FALSE(r.has_token("X-Sub", "websocket"));
  EXPECT_FALSE(r.has_token("Missing", "x"));
  EXPECT_EQ(r.count("missing"), 0u);
  Request q;
  ASSERT_EQ(parse_whole("GET /plain HTTP/1.1\r\n\r\n", q).status, ParseStatus::complete);
  EXPECT_EQ(q.path(), "/plain");
  EXPECT_TRUE(q.headers.empty());
}

TEST(HttpRequest, RequestIsResetOnReuse) {
  Request r;
  ASSERT_EQ(parse_whole(browser_upgrade, r).status, ParseStatus::complete);
  ASSERT_EQ(parse_whole(c_client, r).status, ParseStatus::complete);
  EXPECT_EQ(r.headers.size(), 3u);
  EXPECT_EQ(r.version_minor, 0);
}

TEST(HttpRequest, Iequals) {
  using smq::http::iequals;
  EXPECT_TRUE(iequals("Sec-WebSocket-Key", "sec-websocket-key"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_FALSE(iequals("Host", "Hos"));
  EXPECT_FALSE(iequals("Host", "Hosu"));
  EXPECT_FALSE(iequals("[", "{"));  // only letters fold
  EXPECT_FALSE(iequals("@", "`"));
}

TEST(QueryParameter, FindsTheFirstPairWithTheKey) {
  using smq::http::query_parameter;
  EXPECT_EQ(query_parameter("/connz?offset=5&limit=10", "limit"), "10");
  EXPECT_EQ(query_parameter("/connz?offset=5&limit=10", "offset"), "5");
  EXPECT_EQ(query_parameter("/x?a=1&a=2", "a"), "1");
  EXPECT_EQ(query_parameter("/x?a=", "a"), "");
  EXPECT_EQ(query_parameter("/x?t=a%20b", "t"), "a%20b");  // left encoded for the caller
}

TEST(QueryParameter, IgnoresLookalikesFragmentsAndPathsWithoutQuery) {
  using smq::http::query_parameter;
  EXPECT_EQ(query_parameter("/x", "a"), std::nullopt);
  EXPECT_EQ(query_parameter("/x?", "a"), std::nullopt);
  EXPECT_EQ(query_parameter("/x?a", "a"), std::nullopt);        // no '=': no value
  EXPECT_EQ(query_parameter("/x?ab=1", "a"), std::nullopt);     // a longer key
  EXPECT_EQ(query_parameter("/x?b=1&&a=2", "a"), "2");         // empty pairs skipped
  EXPECT_EQ(query_parameter("/x?b=1#a=2", "a"), std::nullopt);  // in the fragment
  EXPECT_EQ(query_parameter("/x?a=1#frag", "a"), "1");
}

}  // namespace
