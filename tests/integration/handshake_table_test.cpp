// WebSocket opening-handshake battery (checklist group B) as a table of raw requests with the
// allowed status codes and header rules. After each case the broker must still serve a
// normal raw + WebSocket exchange.
#include <gtest/gtest.h>

#include <algorithm>

#include "broker_fixture.hpp"

namespace smqtest {
namespace {

using namespace std::chrono_literals;
using Headers = std::vector<std::pair<std::string, std::string>>;

struct HandshakeCase {
  std::string name;
  std::string request;
  std::vector<int> statuses;  // 0 = "no response at all, just a close" is allowed
  bool must_close = true;     // the broker closes after answering
  std::vector<std::pair<std::string, std::string>> required_headers;
  std::vector<std::string> forbidden_headers;
};

const std::string good_key = "dGhlIHNhbXBsZSBub25jZQ==";

Headers base_headers() {
  return {{"Host", "127.0.0.1"},
          {"Upgrade", "websocket"},
          {"Connection", "Upgrade"},
          {"Sec-WebSocket-Key", good_key},
          {"Sec-WebSocket-Version", "13"}};
}

std::string request(const Headers& headers, const std::string& line = "GET /smq HTTP/1.1") {
  std::string r = line + "\r\n";
  for (const auto& [k, v] : headers) r += k + ": " + v + "\r\n";
  return r + "\r\n";
}

Headers without(std::string name) {
  Headers h = base_headers();
  h.erase(std::remove_if(h.begin(), h.end(), [&](const auto& kv) { return iequals(kv.first, name); }), h.end());
  return h;
}

Headers with(std::string name, std::string value) {
  Headers h = without(name);
  h.emplace_back(std::move(name), std::move(value));
  return h;
}

// A mixed-case Connection token list must still be recognised (RFC 6455: case-insensitive).
Headers with_conn(Headers h) {
  for (auto& [k, val] : h)
    if (k == "Connection") val = "keep-alive, Upgrade";
  return h;
}

std::vector<HandshakeCase> cases() {
  std::vector<HandshakeCase> v;
  auto add = [&](std::string name, std::string req, std::vector<int> statuses, bool must_close = true) {
    v.push_back({std::move(name), std::move(req), std::move(statuses), must_close, {}, {}});
  };
  v.push_back({"valid_rfc_sample_key", request(base_headers()), {101}, false,
               {{"Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}},
               {"Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions"}});
  v.push_back({"subprotocol_offered_none_returned",
               request(with("Sec-WebSocket-Protocol", "mqtt, smq")), {101}, false, {},
               {"Sec-WebSocket-Protocol"}});
  v.push_back({"deflate_offered_none_returned",
               request(with("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits")),
               {101}, false, {}, {"Sec-WebSocket-Extensions"}});
  v.push_back({"garbage_extensions_ignored",
               request(with("Sec-WebSocket-Extensions", "constructor; \"unclosed, \\x\\x\\x; =;;")),
               {101, 400}, false, {}, {"Sec-WebSocket-Extensions"}});
  v.push_back({"subprotocol_with_32000_spaces",
               request(with("Sec-WebSocket-Protocol", "b" + std::string(3200, ' ') + "x")), {101, 400, 431},
               false, {}, {"Sec-WebSocket-Protocol"}});
  add("mixed_case_tokens_accepted",
      request([] { Headers h = with("Upgrade", "WebSocket"); return with_conn(h); }()), {101}, false);
  add("lowercase_header_names",
      "GET /smq HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: upgrade\r\nsec-websocket-key: " +
          good_key + "\r\nsec-websocket-version: 13\r\n\r\n",
      {101}, false);
  v.push_back({"key_with_surrounding_spaces", request(with("Sec-WebSocket-Key", "  " + good_key + "  ")), {101}, false,
               {{"Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}}, {}});
  add("connection_upgrade_first_in_list", request(with("Connection", "Upgrade, keep-alive")), {101}, false);
  // A page from another site is refused by default (cross-site WebSocket hijacking).
  add("foreign_origin_refused", request(with("Origin", "https://evil.example")), {403});
  add("method_post", request(base_headers(), "POST /smq HTTP/1.1"), {405});
  add("method_put", request(base_headers(), "PUT /smq HTTP/1.1"), {405, 400});
  add("method_delete", request(base_headers(), "DELETE /smq HTTP/1.1"), {405, 400});
  add("method_lowercase_get", request(base_headers(), "get /smq HTTP/1.1"), {400, 405, 501});
  add("http_1_0_upgrade", request(base_headers(), "GET /smq HTTP/1.0"), {400});
  add("http_2_0_request_line", request(base_headers(), "GET /smq HTTP/2.0"), {400, 505});
  add("missing_host", request(without("Host")), {400});
  add("missing_key", request(without("Sec-WebSocket-Key")), {400});
  add("empty_key", request(with("Sec-WebSocket-Key", "")), {400});
  add("key_15_bytes", request(with("Sec-WebSocket-Key", "YWJjZGVmZ2hpamtsbW5v")), {400});
  add("key_17_bytes", request(with("Sec-WebSocket-Key", "YWJjZGVmZ2hpamtsbW5vcHE=")), {400});
  add("key_not_base64", request(with("Sec-WebSocket-Key", "!!!!!!!!!!!!!!!!!!!!!!==")), {400});
  {
    Headers h = base_headers();
    h.emplace_back("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAA==");
    add("duplicate_key", request(h), {400});
  }
  v.push_back({"version_8", request(with("Sec-WebSocket-Version", "8")), {426}, true,
               {{"Sec-WebSocket-Version", "13"}}, {}});
  v.push_back({"version_12", request(with("Sec-WebSocket-Version", "12")), {426}, true,
               {{"Sec-WebSocket-Version", "13"}}, {}});
  v.push_back({"version_abc", request(with("Sec-WebSocket-Version", "abc")), {426, 400}, true, {}, {}});
  v.push_back({"version_missing", request(without("Sec-WebSocket-Version")), {426, 400}, true, {}, {}});
  add("upgrade_h2c", request(with("Upgrade", "h2c")), {400, 404, 200}, false);
  add("connection_keep_alive_only", request(with("Connection", "keep-alive")), {400, 404, 200}, false);
  add("missing_upgrade_header", request(without("Upgrade")), {400, 404, 200}, false);
  {
    Headers h = base_headers();
    h.emplace_back("X-Big", std::string(17 * 1024, 'h'));
    add("header_block_over_16k", request(h), {431, 400});
  }
  {
    Headers h = base_headers();
    for (int i = 0; i < 2000; ++i) h.emplace_back("X-" + std::to_string(i), "v");
    add("two_thousand_tiny_headers", request(h), {431, 400});
  }
  add("uri_of_20k", request(base_headers(), "GET /" + std::string(20000, 'u') + " HTTP/1.1"), {414, 431, 400});
  add("nul_in_header_value", request(with("X-Nul", std::string("a\0b", 3))), {400});
  add("nul_in_request_line", request(base_headers(), std::string("GET /s\0mq HTTP/1.1", 18)), {400});
  {
    std::string r = request(base_headers());
    std::string lf;
    for (std::size_t i = 0; i < r.size(); ++i)
      if (r[i] != '\r') lf += r[i];
    add("bare_lf_line_endings", lf, {400, 0});
  }
  {
    std::string r = request(base_headers());
    std::string cr;
    for (char ch : r)
      if (ch != '\n') cr += ch;
    add("cr_only_line_endings", cr + "\r\n\r\n", {400, 0});
  }
  add("space_before_colon", request(base_headers(), "GET /smq HTTP/1.1\r\nX-Space : v"), {400});
  {
    Headers h = base_headers();
    h.emplace_back("Host", "other.example");
    add("duplicate_host", request(h), {400});
  }
  add("non_ascii_header_name", request(with("X-\xc3\xa9t\xc3\xa9", "v")), {400});
  add("header_without_colon", request(base_headers(), "GET /smq HTTP/1.1\r\nNoColonHere"), {400});
  add("empty_request", "\r\n\r\n", {400, 0});
  add("random_binary_garbage", std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x8a\xff\x00\x13\x37", 16) + "\r\n\r\n", {400, 0});
  add("tls_client_hello_prefix", std::string("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 11) + std::string(200, '\x42') + "\r\n\r\n", {400, 0});
  return v;
}

class Handshake : public BrokerTest, public ::testing::WithParamInterface<HandshakeCase> {};

void PrintTo(const HandshakeCase& c, std::ostream* os) { *os << c.name; }

TEST_P(Handshake, Case) {
  const HandshakeCase& c = GetParam();
  auto r = http_exchange(port(), c.request, 2s, c.must_close ? 1000ms : Ms(0));
  bool none_allowed = std::find(c.statuses.begin(), c.statuses.end(), 0) != c.statuses.end();
  if (!r) {
    EXPECT_TRUE(none_allowed) << "no HTTP response at all";
  } else {
    EXPECT_NE(std::find(c.statuses.begin(), c.statuses.end(), r->head.status), c.statuses.end())
        << "status " << r->head.status << " (" << r->head.status_line << ")";
    for (const auto& [k, val] : c.required_headers) EXPECT_EQ(r->head.header(k), val) << k;
    for (const auto& k : c.forbidden_headers) EXPECT_FALSE(r->head.header(k)) << k << " must not be sent";
    if (c.must_close && r->head.status != 101) {
      EXPECT_TRUE(r->closed) << "connection left open after an error";
    }
  }
  expect_broker_healthy();
}

INSTANTIATE_TEST_SUITE_P(Table, Handshake, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<HandshakeCase>& info) { return info.param.name; });

}  // namespace
}  // namespace smqtest
