// Topic permissions: rule checks and one client's rights (see acl.hpp). Rules: any thread;
// Permissions: the broker thread of the client's session.
#include "broker/auth/acl.hpp"

#include <fmt/format.h>

namespace smq::auth {
namespace {

// Whether `rule` applies to the client with this user name (empty: anonymous).
bool applies(const AclRule& rule, std::string_view user) {
  if (user.empty()) return rule.user == anonymous_user;
  // A user of the password file called "anonymous" is still a user: the word in a rule
  // means the clients without a login.
  if (rule.user == anonymous_user) return false;
  return rule.user == any_user || rule.user == user;
}

}  // namespace

std::optional<std::string> check_rule(const AclRule& rule) {
  if (rule.user.empty()) return std::string("needs 'user' (a user name, \"*\" or \"anonymous\")");
  const std::pair<std::string_view, const std::vector<std::string>*> lists[] = {
      {"subscribe", &rule.subscribe},           {"publish", &rule.publish},
      {"observe", &rule.observe},               {"deny_subscribe", &rule.deny_subscribe},
      {"deny_publish", &rule.deny_publish},
  };
  for (const auto& [name, patterns] : lists) {
    for (const std::string& pattern : *patterns) {
      if (auto error = check_pattern(pattern)) {
        return fmt::format("{}: {} ('{}')", name, *error, pattern);
      }
    }
  }
  return std::nullopt;
}

void Permissions::add(Patterns& to, const std::vector<std::string>& patterns,
                      std::string_view user, std::string_view uid) {
  for (const std::string& pattern : patterns) {
    if (auto expanded = TopicPattern::expand(pattern, user, uid)) to.push_back(std::move(*expanded));
  }
}

std::unique_ptr<Permissions> Permissions::from_rules(const std::vector<AclRule>& rules,
                                                     std::string_view user,
                                                     std::string_view uid) {
  if (rules.empty()) return nullptr;
  // Once a rule exists, what no rule allows is denied: a client no rule names gets an
  // empty set of rights, not none at all.
  auto out = std::make_unique<Permissions>();
  for (const AclRule& rule : rules) {
    if (!applies(rule, user)) continue;
    add(out->subscribe_, rule.subscribe, user, uid);
    add(out->publish_, rule.publish, user, uid);
    add(out->observe_, rule.observe, user, uid);
    add(out->deny_subscribe_, rule.deny_subscribe, user, uid);
    add(out->deny_publish_, rule.deny_publish, user, uid);
    if (rule.direct == false) out->direct_ = false;
  }
  return out;
}

std::unique_ptr<Permissions> Permissions::from_token(const TokenGrants& grants,
                                                     std::string_view user,
                                                     std::string_view uid) {
  auto out = std::make_unique<Permissions>();
  add(out->subscribe_, grants.subscribe, user, uid);
  add(out->publish_, grants.publish, user, uid);
  add(out->observe_, grants.observe, user, uid);
  out->from_token_ = true;
  return out;
}

bool Permissions::any_match(const Patterns& patterns, std::string_view topic) {
  for (const TopicPattern& pattern : patterns) {
    if (pattern.matches(topic)) return true;
  }
  return false;
}

bool Permissions::may_subscribe(std::string_view topic) const {
  return !any_match(deny_subscribe_, topic) && any_match(subscribe_, topic);
}

bool Permissions::may_publish(std::string_view topic) const {
  return !any_match(deny_publish_, topic) && any_match(publish_, topic);
}

bool Permissions::may_observe(std::string_view topic) const { return any_match(observe_, topic); }

}  // namespace smq::auth
