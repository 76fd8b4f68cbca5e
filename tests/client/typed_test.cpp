// MessagePack typed payloads: byte-level compatibility with the JavaScript client
// (@msgpack/msgpack defaults), round trips through the broker on both client
// implementations, and undecodable payloads routed to the error callback / default handler.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "client_fixture.hpp"
#include "reading.hpp"
#include "smq/typed.hpp"

namespace smqclienttest {
namespace {

std::vector<std::uint8_t> from_hex(const std::string& hex) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// What the JS client sends for pubmsgpack({name: "sensor", celsius: 21.5, count: 3,
// tags: ["a", "b"], raw: new Uint8Array([1, 2]), note: null}) (@msgpack/msgpack 3.x encode()).
const std::string js_bytes =
    "86a46e616d65a673656e736f72a763656c73697573cb4035800000000000a5636f756e7403a47461677392a161"
    "a162a3726177c4020102a46e6f7465c0";

TEST(Msgpack, SameBytesAsTheJavaScriptClient) {
  const Reading r{"sensor", 21.5, 3, {"a", "b"}, {1, 2}, std::nullopt};
  EXPECT_EQ(smq::encode_msgpack(r), from_hex(js_bytes));
  const auto back = smq::decode_msgpack<Reading>(from_hex(js_bytes));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->name, "sensor");
  EXPECT_EQ(back->celsius, 21.5);
  EXPECT_EQ(back->count, 3);
  EXPECT_EQ(back->tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(back->raw, (std::vector<std::uint8_t>{1, 2}));
  EXPECT_FALSE(back->note);
  // JS sends integral numbers as integers: a double field accepts them.
  const auto as_int = smq::decode_msgpack<std::map<std::string, double>>(from_hex("81a17805"));
  ASSERT_TRUE(as_int);
  EXPECT_EQ(as_int->at("x"), 5.0);
}

TEST(Msgpack, RejectsGarbageTrailingBytesAndHostileSizes) {
  std::string error;
  EXPECT_FALSE(smq::decode_msgpack<Reading>(from_hex("a3616263"), &error));  // a string
  EXPECT_FALSE(error.empty());
  EXPECT_FALSE(smq::decode_msgpack<int>(from_hex("0102"), &error));  // two values
  EXPECT_NE(error.find("trailing"), std::string::npos);
  EXPECT_FALSE(smq::decode_msgpack<int>(from_hex(""), &error));
  // An array header claiming 4 billion elements in a 5-byte payload.
  EXPECT_FALSE(smq::decode_msgpack<std::vector<int>>(from_hex("ddffffffff"), &error));
  EXPECT_FALSE(smq::decode_msgpack<std::string>(from_hex("dbffffffff"), &error));
}

class Typed : public SchemeTest {};

TEST_P(Typed, RoundTripThroughTheBrokerBothImplementations) {
  auto& c = client();
  auto& got = recorder<std::pair<std::string, std::uint32_t>>();
  auto& acks = recorder<std::uint32_t>();
  smq::subscribe_msgpack<Reading>(
      c, "typed/readings", 0u,
      [&](const Reading& r, const smq::Delivery& d) {
        got.push({r.name + ":" + std::to_string(r.celsius), d.ptid});
      },
      {}, [&](bool ok, std::uint32_t id) { acks.push(ok ? id : 0); });
  ASSERT_TRUE(acks.wait_for(1));
  const Reading r{"net", 1.5, 1, {}, {0, 255}, std::string("n")};
  EXPECT_EQ(smq::publish_msgpack(c, r, "typed/readings"), 1u);
  ASSERT_TRUE(got.wait_for(1));
  // The in-process client uses the same helpers through smq::Client&.
  smq::Client& inside = server();
  EXPECT_EQ(
      smq::publish_msgpack(inside, Reading{"local", -3.25, 2, {"x"}, {}, {}}, "typed/readings"),
      1u);
  ASSERT_TRUE(got.wait_for(2));
  EXPECT_EQ(got.at(0).first, "net:1.500000");
  EXPECT_EQ(got.at(0).second, c.gettid());
  EXPECT_EQ(got.at(1).first, "local:-3.250000");
  EXPECT_EQ(got.at(1).second, 1u);

  auto& inside_got = recorder<std::string>();
  smq::subscribe_msgpack<Reading>(
      inside, "typed/back", 0u,
      [&](const Reading& v, const smq::Delivery&) { inside_got.push(v.name); });
  smq::publish_msgpack(c, Reading{"to server", 0, 0, {}, {}, {}}, "typed/back");
  ASSERT_TRUE(inside_got.wait_for(1));
  EXPECT_EQ(inside_got.at(0), "to server");
}

TEST_P(Typed, UndecodablePayloadsGoToTheErrorCallbackOrTheDefaultHandler) {
  auto& c = client();
  auto& errors = recorder<std::string>();
  auto& fallback = recorder<std::string>();
  auto& values = recorder<int>();
  auto& acks = recorder<std::uint32_t>();
  c.on_message([&](const smq::Delivery& d) { fallback.push(std::string(d.text())); });
  smq::subscribe_msgpack<int>(
      c, "typed/int", 0u, [&](const int& v, const smq::Delivery&) { values.push(v); },
      [&](const smq::Delivery& d, std::string_view) { errors.push(std::string(d.text())); },
      [&](bool ok, std::uint32_t id) { acks.push(ok ? id : 0); });
  smq::subscribe_msgpack<int>(
      c, "typed/int2", 0u, [&](const int& v, const smq::Delivery&) { values.push(v); }, {},
      [&](bool ok, std::uint32_t id) { acks.push(ok ? id : 0); });
  ASSERT_TRUE(acks.wait_for(2));
  c.publish("not msgpack at all", "typed/int");
  c.publish("\xa1x", "typed/int2");  // a valid string, but not an int
  smq::publish_msgpack(c, 42, "typed/int");
  ASSERT_TRUE(errors.wait_for(1));
  ASSERT_TRUE(fallback.wait_for(1));
  ASSERT_TRUE(values.wait_for(1));
  EXPECT_EQ(errors.at(0), "not msgpack at all");
  EXPECT_EQ(fallback.at(0), "\xa1x");
  EXPECT_EQ(values.at(0), 42);
}

SMQ_BOTH_SCHEMES(Typed);

}  // namespace
}  // namespace smqclienttest
