// Instantiates the bad-input battery: every table entry becomes one test per transport it
// applies to, named <entry>_<transport>, each against a fresh broker.
#include <gtest/gtest.h>

#include <set>

#include "bad_input.hpp"
#include "broker_fixture.hpp"

namespace smqtest {
namespace {

struct BadParam {
  const bad::Case* c;
  Transport t;
};

const std::vector<bad::Case>& all_cases() {
  static const std::vector<bad::Case> cases = [] {
    std::vector<bad::Case> all;
    for (auto part : {bad::fresh_state_cases, bad::connected_state_cases, bad::payload_and_frag_cases,
                      bad::websocket_framing_cases, bad::websocket_close_cases}) {
      auto v = part();
      all.insert(all.end(), std::make_move_iterator(v.begin()), std::make_move_iterator(v.end()));
    }
    return all;
  }();
  return cases;
}

std::vector<BadParam> expand() {
  std::vector<BadParam> out;
  for (const auto& c : all_cases()) {
    if (c.on != bad::On::ws) out.push_back({&c, Transport::raw});
    if (c.on != bad::On::raw) out.push_back({&c, Transport::ws});
  }
  return out;
}

// Readable parameter in gtest output instead of a byte dump.
void PrintTo(const BadParam& p, std::ostream* os) { *os << p.c->name << " over " << to_string(p.t); }

class BadInput : public BrokerTest, public ::testing::WithParamInterface<BadParam> {};

TEST_P(BadInput, Case) {
  bad::run_case(port(), *GetParam().c, GetParam().t);
}

INSTANTIATE_TEST_SUITE_P(Table, BadInput, ::testing::ValuesIn(expand()),
                         [](const ::testing::TestParamInfo<BadParam>& info) {
                           return info.param.c->name + "_" + to_string(info.param.t);
                         });

// The table itself must stay big and its names unique (gtest would refuse duplicates, but
// a clear message is friendlier).
TEST(BadInputTable, HasAtLeast150EntriesWithUniqueNames) {
  const auto& cases = all_cases();
  EXPECT_GE(cases.size(), 150u);
  std::set<std::string> names;
  for (const auto& c : cases) EXPECT_TRUE(names.insert(c.name).second) << "duplicate " << c.name;
}

}  // namespace
}  // namespace smqtest
