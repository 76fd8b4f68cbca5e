// Topic permissions: the operator's [[acl]] rules as configured, and one client's rights
// computed from them at login (or from its token's "smq" claim), which the hub asks before
// Subscribe, Create, Observe and Publish. Rules are plain data read on the main thread;
// a client's Permissions live on the broker thread with its session.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "broker/auth/topic_pattern.hpp"

namespace smq::auth {

// Rule subjects besides user names: every logged-in user, and clients without a login.
inline constexpr std::string_view any_user = "*";
inline constexpr std::string_view anonymous_user = "anonymous";

// One [[acl]] table. Lists hold patterns (topic_pattern.hpp).
struct AclRule {
  std::string user;  // a user name, any_user or anonymous_user
  std::vector<std::string> subscribe;
  std::vector<std::string> publish;
  std::vector<std::string> observe;
  std::vector<std::string> deny_subscribe;
  std::vector<std::string> deny_publish;
  // false: the client may not publish to other clients' ETIDs, nor observe them. Unset
  // counts as allowed; one applicable rule saying false decides.
  std::optional<bool> direct;
  bool operator==(const AclRule&) const = default;
};

// Why `rule` cannot be used ("publish: '#' must be the last level"), or nullopt.
std::optional<std::string> check_rule(const AclRule& rule);

// What a token's "smq" claim grants: it replaces the rules for that client.
struct TokenGrants {
  std::vector<std::string> publish;
  std::vector<std::string> subscribe;
  std::vector<std::string> observe;
};

// Distinct topics whose publish verdict one client keeps. A client that publishes to more
// topics than this has its cache cleared and refilled, so memory stays bounded.
inline constexpr std::size_t max_cached_publish_verdicts = 4096;

// One client's rights. Without any rule and without token grants a client has no
// Permissions object at all and everything is allowed.
class Permissions {
 public:
  // The rights the rules give the client with this user name (empty: anonymous) and UID;
  // null when `rules` is empty. Patterns that cannot apply (%u for an anonymous client) are
  // left out.
  static std::unique_ptr<Permissions> from_rules(const std::vector<AclRule>& rules,
                                                 std::string_view user, std::string_view uid);
  // The rights a token's claim grants; direct publishing stays allowed.
  static std::unique_ptr<Permissions> from_token(const TokenGrants& grants,
                                                 std::string_view user, std::string_view uid);

  bool may_subscribe(std::string_view topic) const;
  bool may_publish(std::string_view topic) const;
  bool may_observe(std::string_view topic) const;
  // Publishing to, and observing, other clients' ETIDs.
  bool direct() const { return direct_; }
  // True when these rights came from a token (a reload of the rules leaves them).
  bool from_token() const { return from_token_; }

  // may_publish(name) for the topic `tid`, decided once per topic and kept: the cost per
  // Publish is one lookup.
  template <typename NameOf>
  bool may_publish_tid(std::uint32_t tid, NameOf&& name_of) {
    if (tid == last_tid_) return last_verdict_;
    bool verdict;
    if (const auto it = publish_verdicts_.find(tid); it != publish_verdicts_.end()) {
      verdict = it->second;
    } else {
      if (publish_verdicts_.size() >= max_cached_publish_verdicts) publish_verdicts_.clear();
      verdict = may_publish(name_of(tid));
      publish_verdicts_.emplace(tid, verdict);
    }
    last_tid_ = tid;
    last_verdict_ = verdict;
    return verdict;
  }

 private:
  using Patterns = std::vector<TopicPattern>;
  static bool any_match(const Patterns& patterns, std::string_view topic);
  static void add(Patterns& to, const std::vector<std::string>& patterns, std::string_view user,
                  std::string_view uid);

  Patterns subscribe_, publish_, observe_, deny_subscribe_, deny_publish_;
  bool direct_ = true;
  bool from_token_ = false;
  std::unordered_map<std::uint32_t, bool> publish_verdicts_;
  std::uint32_t last_tid_ = 0;  // 0 is never a TID
  bool last_verdict_ = false;
};

}  // namespace smq::auth
