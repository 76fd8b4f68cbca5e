// Origin checks for WebSocket upgrades: normalization, the same-origin default and the
// configured list.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "broker/net/origin_policy.hpp"

namespace smq {
namespace {

TEST(OriginPolicy, Normalize) {
  EXPECT_EQ(normalize_origin("https://App.Example"), "https://app.example");
  EXPECT_EQ(normalize_origin("HTTPS://app.example:443"), "https://app.example");
  EXPECT_EQ(normalize_origin("http://app.example:80"), "http://app.example");
  EXPECT_EQ(normalize_origin("http://app.example:8080"), "http://app.example:8080");
  EXPECT_EQ(normalize_origin("https://app.example:80"), "https://app.example:80");
  EXPECT_EQ(normalize_origin("http://[::1]:80"), "http://[::1]");
  EXPECT_EQ(normalize_origin("http://[::1]"), "http://[::1]");
  EXPECT_EQ(normalize_origin("https://app.example/"), "https://app.example");
  EXPECT_EQ(normalize_origin("*"), "*");
  EXPECT_EQ(normalize_origin("null"), "null");
  for (const char* bad : {"", "app.example", "://x", "https://", "https://a b", "https://a/path",
                          "ht tp://a"}) {
    EXPECT_FALSE(normalize_origin(bad)) << bad;
  }
}

TEST(OriginPolicy, DefaultIsNoOriginOrTheSameHost) {
  const std::vector<std::string> none;
  EXPECT_TRUE(origin_allowed(std::nullopt, "broker.example:9700", none));
  EXPECT_TRUE(origin_allowed("http://broker.example:9700", "broker.example:9700", none));
  EXPECT_TRUE(origin_allowed("http://Broker.Example:9700", "broker.example:9700", none));
  EXPECT_TRUE(origin_allowed("https://broker.example", "broker.example", none));
  EXPECT_TRUE(origin_allowed("https://broker.example", "broker.example:443", none));
  EXPECT_TRUE(origin_allowed("http://127.0.0.1:9700", "127.0.0.1:9700", none));
  EXPECT_TRUE(origin_allowed("http://[::1]:9700", "[::1]:9700", none));
  EXPECT_FALSE(origin_allowed("http://evil.example", "broker.example:9700", none));
  EXPECT_FALSE(origin_allowed("http://broker.example:9701", "broker.example:9700", none));
  EXPECT_FALSE(origin_allowed("http://broker.example.evil:9700", "broker.example:9700", none));
  EXPECT_FALSE(origin_allowed("null", "broker.example:9700", none));
  EXPECT_FALSE(origin_allowed("http://broker.example:9700", "", none));
  EXPECT_FALSE(origin_allowed("garbage", "broker.example:9700", none));
}

TEST(OriginPolicy, ConfiguredListAddsToTheSameHost) {
  const std::vector<std::string> list{"https://app.example", "http://localhost:5173", "null"};
  EXPECT_TRUE(origin_allowed("https://app.example:443", "broker.example:9700", list));
  EXPECT_TRUE(origin_allowed("http://localhost:5173", "broker.example:9700", list));
  EXPECT_TRUE(origin_allowed("null", "broker.example:9700", list));
  EXPECT_TRUE(origin_allowed(std::nullopt, "broker.example:9700", list));
  EXPECT_FALSE(origin_allowed("http://app.example", "broker.example:9700", list));  // scheme
  EXPECT_FALSE(origin_allowed("http://other.example", "broker.example:9700", list));
  EXPECT_TRUE(origin_allowed("http://broker.example:9700", "broker.example:9700", list));
  const std::vector<std::string> any{"*"};
  EXPECT_TRUE(origin_allowed("http://anything.example", "broker.example:9700", any));
  EXPECT_FALSE(origin_allowed("not an origin", "broker.example:9700", any));
}

}  // namespace
}  // namespace smq
