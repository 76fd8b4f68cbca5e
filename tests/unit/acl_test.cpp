// Permission patterns (+, #, %u, %c) and one client's rights computed from [[acl]] rules or
// a token's grants: which rules apply to whom, deny over allow, direct, the publish cache.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "broker/auth/acl.hpp"
#include "broker/auth/topic_pattern.hpp"

namespace {

using smq::auth::AclRule;
using smq::auth::check_pattern;
using smq::auth::Permissions;
using smq::auth::TopicPattern;

bool match(std::string_view pattern, std::string_view name, std::string_view user = "alice",
           std::string_view uid = "dev-1") {
  EXPECT_EQ(check_pattern(pattern), std::nullopt) << pattern;
  const auto p = TopicPattern::expand(pattern, user, uid);
  return p && p->matches(name);
}

TEST(TopicPattern, LiteralLevelsMatchExactly) {
  EXPECT_TRUE(match("a/b", "a/b"));
  EXPECT_FALSE(match("a/b", "a/b/c"));
  EXPECT_FALSE(match("a/b", "a"));
  EXPECT_FALSE(match("a/b", "a/bc"));
  EXPECT_TRUE(match("chat", "chat"));
  EXPECT_FALSE(match("chat", "Chat"));
}

TEST(TopicPattern, PlusTakesExactlyOneLevel) {
  EXPECT_TRUE(match("a/+/c", "a/b/c"));
  EXPECT_TRUE(match("a/+/c", "a//c")) << "an empty level is a level";
  EXPECT_FALSE(match("a/+/c", "a/c"));
  EXPECT_FALSE(match("a/+/c", "a/b/x/c"));
  EXPECT_TRUE(match("+", "top"));
  EXPECT_FALSE(match("+", "a/b"));
}

TEST(TopicPattern, HashTakesTheRestIncludingNothing) {
  EXPECT_TRUE(match("#", "anything/at/all"));
  EXPECT_TRUE(match("a/#", "a"));
  EXPECT_TRUE(match("a/#", "a/b"));
  EXPECT_TRUE(match("a/#", "a/b/c/d"));
  EXPECT_FALSE(match("a/#", "ab"));
  EXPECT_FALSE(match("a/#", "b/a"));
  EXPECT_TRUE(match("a/+/#", "a/b"));
  EXPECT_FALSE(match("a/+/#", "a"));
}

TEST(TopicPattern, PlaceholdersExpandToTheUserAndTheUid) {
  EXPECT_TRUE(match("users/%u/#", "users/alice/inbox"));
  EXPECT_FALSE(match("users/%u/#", "users/bob/inbox"));
  EXPECT_TRUE(match("devices/%c", "devices/dev-1"));
  EXPECT_FALSE(match("devices/%c", "devices/dev-2"));
  EXPECT_TRUE(match("u-%u-%c", "u-alice-dev-1")) << "placeholders inside a level";
  EXPECT_TRUE(match("100%%", "100%")) << "%% is a literal percent sign";
}

TEST(TopicPattern, APlaceholderValueIsLiteralNeverAWildcardOrALevelBreak) {
  // A user called "+" or "#" gets exactly that level.
  EXPECT_TRUE(match("users/%u", "users/+", "+"));
  EXPECT_FALSE(match("users/%u", "users/bob", "+"));
  EXPECT_FALSE(match("users/%u/x", "users/bob/x", "#"));
  // A UID with '/' would span levels: the pattern does not apply to that client at all.
  EXPECT_FALSE(TopicPattern::expand("devices/%c/#", "alice", "a/b").has_value());
  EXPECT_FALSE(match("devices/%c/#", "devices/a/b/x", "alice", "a/b"));
}

TEST(TopicPattern, UserPlaceholdersDoNotApplyToAnonymousClients) {
  EXPECT_FALSE(TopicPattern::expand("users/%u/#", "", "dev-1").has_value());
  EXPECT_TRUE(TopicPattern::expand("devices/%c", "", "dev-1").has_value());
}

TEST(TopicPattern, BadPatternsAreRejectedWithAReason) {
  EXPECT_NE(check_pattern(""), std::nullopt);
  EXPECT_NE(check_pattern("a/#/b"), std::nullopt);
  EXPECT_NE(check_pattern("a#"), std::nullopt);
  EXPECT_NE(check_pattern("a/b+"), std::nullopt);
  EXPECT_NE(check_pattern("users/%x"), std::nullopt);
  EXPECT_NE(check_pattern("users/%"), std::nullopt);
  EXPECT_NE(check_pattern(std::string(smq::auth::max_pattern_bytes + 1, 'a')), std::nullopt);
  EXPECT_EQ(check_pattern("a/+/b/#"), std::nullopt);
  EXPECT_EQ(check_pattern("$smq/stats"), std::nullopt);
}

AclRule rule(std::string user) {
  AclRule r;
  r.user = std::move(user);
  return r;
}

TEST(Permissions, NoRulesMeansNoRestrictions) {
  EXPECT_EQ(Permissions::from_rules({}, "alice", "dev-1"), nullptr);
}

TEST(Permissions, RulesApplyByUserNameStarAndAnonymous) {
  AclRule named = rule("alice");
  named.subscribe = {"alice-only"};
  AclRule everyone = rule("*");
  everyone.subscribe = {"users"};
  AclRule anonymous = rule("anonymous");
  anonymous.subscribe = {"public"};
  const std::vector<AclRule> rules{named, everyone, anonymous};

  const auto alice = Permissions::from_rules(rules, "alice", "a");
  ASSERT_NE(alice, nullptr);
  EXPECT_TRUE(alice->may_subscribe("alice-only"));
  EXPECT_TRUE(alice->may_subscribe("users"));
  EXPECT_FALSE(alice->may_subscribe("public")) << "\"anonymous\" rules are for clients without a login";

  const auto bob = Permissions::from_rules(rules, "bob", "b");
  EXPECT_FALSE(bob->may_subscribe("alice-only"));
  EXPECT_TRUE(bob->may_subscribe("users"));

  const auto guest = Permissions::from_rules(rules, "", "g");
  EXPECT_TRUE(guest->may_subscribe("public"));
  EXPECT_FALSE(guest->may_subscribe("users")) << "\"*\" means every logged-in user";

  // A user of the password file literally called "anonymous" is a user, not a guest.
  const auto named_anonymous = Permissions::from_rules(rules, "anonymous", "n");
  EXPECT_FALSE(named_anonymous->may_subscribe("public"));
  EXPECT_TRUE(named_anonymous->may_subscribe("users"));
}

TEST(Permissions, WhatNoRuleAllowsIsDenied) {
  AclRule other = rule("carol");
  other.subscribe = {"#"};
  other.publish = {"#"};
  other.observe = {"#"};
  const auto p = Permissions::from_rules({other}, "alice", "a");
  ASSERT_NE(p, nullptr) << "rules exist, so a client no rule names has no rights";
  EXPECT_FALSE(p->may_subscribe("x"));
  EXPECT_FALSE(p->may_publish("x"));
  EXPECT_FALSE(p->may_observe("x"));
  EXPECT_TRUE(p->direct()) << "direct is allowed unless a rule says false";
}

TEST(Permissions, DenyWinsOverAllowFromAnyRule) {
  AclRule wide = rule("*");
  wide.subscribe = {"#"};
  wide.publish = {"sensors/#"};
  AclRule narrow = rule("alice");
  narrow.deny_subscribe = {"secret/#"};
  narrow.deny_publish = {"sensors/+/config"};
  narrow.publish = {"sensors/a/config"};  // an allow cannot undo a deny
  const auto p = Permissions::from_rules({wide, narrow}, "alice", "a");
  EXPECT_TRUE(p->may_subscribe("news"));
  EXPECT_FALSE(p->may_subscribe("secret"));
  EXPECT_FALSE(p->may_subscribe("secret/plans"));
  EXPECT_TRUE(p->may_publish("sensors/a/temp"));
  EXPECT_FALSE(p->may_publish("sensors/a/config"));
}

TEST(Permissions, DirectFalseInAnyApplicableRuleDecides) {
  AclRule a = rule("*");
  a.direct = true;
  AclRule b = rule("alice");
  b.direct = false;
  EXPECT_FALSE(Permissions::from_rules({a, b}, "alice", "x")->direct());
  EXPECT_TRUE(Permissions::from_rules({a, b}, "bob", "x")->direct());
}

TEST(Permissions, TokenGrantsReplaceTheRules) {
  smq::auth::TokenGrants grants;
  grants.publish = {"users/%u/out"};
  grants.subscribe = {"users/%u/in", "news"};
  const auto p = Permissions::from_token(grants, "alice", "a");
  EXPECT_TRUE(p->from_token());
  EXPECT_TRUE(p->may_publish("users/alice/out"));
  EXPECT_FALSE(p->may_publish("users/bob/out"));
  EXPECT_TRUE(p->may_subscribe("news"));
  EXPECT_FALSE(p->may_observe("news"));
  EXPECT_TRUE(p->direct());
}

TEST(Permissions, ThePublishVerdictIsDecidedOncePerTopic) {
  AclRule r = rule("*");
  r.publish = {"ok/#"};
  auto p = Permissions::from_rules({r}, "alice", "a");
  int lookups = 0;
  const auto name_of = [&](std::uint32_t tid) {
    ++lookups;
    return tid == 10 ? std::string_view("ok/1") : std::string_view("no");
  };
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(p->may_publish_tid(10, name_of));
    EXPECT_FALSE(p->may_publish_tid(11, name_of));
  }
  EXPECT_EQ(lookups, 2);
}

TEST(Permissions, ThePublishCacheStaysBoundedAndCorrect) {
  AclRule r = rule("*");
  r.publish = {"even"};
  auto p = Permissions::from_rules({r}, "alice", "a");
  const auto name_of = [](std::uint32_t tid) {
    return tid % 2 == 0 ? std::string_view("even") : std::string_view("odd");
  };
  const std::uint32_t n = 3 * smq::auth::max_cached_publish_verdicts;
  for (std::uint32_t tid = 2; tid < n; ++tid) {
    ASSERT_EQ(p->may_publish_tid(tid, name_of), tid % 2 == 0) << tid;
  }
  // Verdicts asked again after the cache was cleared are still right.
  EXPECT_TRUE(p->may_publish_tid(2, name_of));
  EXPECT_FALSE(p->may_publish_tid(3, name_of));
}

TEST(AclRule, ChecksNameTheListAndThePattern) {
  AclRule r = rule("alice");
  r.publish = {"a/#/b"};
  const auto error = smq::auth::check_rule(r);
  ASSERT_NE(error, std::nullopt);
  EXPECT_NE(error->find("publish"), std::string::npos) << *error;
  EXPECT_NE(error->find("a/#/b"), std::string::npos) << *error;
  EXPECT_NE(smq::auth::check_rule(rule("")), std::nullopt);
  EXPECT_EQ(smq::auth::check_rule(rule("*")), std::nullopt);
}

}  // namespace
