// Topic patterns of the permission rules ([[acl]] and a token's "smq" claim): '/'-separated
// levels where "+" stands for one level, "#" (last level only) for the rest, and "%u" / "%c"
// inside a level for the client's user name / UID. A pattern is checked once when the
// configuration loads and expanded once per client at login; matching a topic name then
// needs no allocation. Pure functions; any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smq::auth {

// Longest pattern accepted: patterns name topics, which the hub caps at 4096 bytes too.
inline constexpr std::size_t max_pattern_bytes = 4096;

// Why `pattern` is not a valid permission pattern ("'#' must be the last level"), or
// nullopt when it is.
std::optional<std::string> check_pattern(std::string_view pattern);

// A pattern with its placeholders filled in for one client.
class TopicPattern {
 public:
  // Expands "%u" to `user` and "%c" to `uid` ("%%" is a literal '%'). A level that held a
  // placeholder is matched literally, so a user called "+" gets the level "+", not a
  // wildcard. Returns nullopt when the pattern cannot apply to this client: it names %u and
  // the client has no user name (anonymous), or a value holds a '/' (it would span levels).
  // `pattern` must have passed check_pattern().
  static std::optional<TopicPattern> expand(std::string_view pattern, std::string_view user,
                                            std::string_view uid);

  // Whether the topic `name` is matched: '+' takes exactly one level (possibly empty), a
  // final '#' takes zero or more levels ("a/#" matches "a", "a/b" and "a/b/c").
  bool matches(std::string_view name) const;

  const std::string& text() const { return text_; }

 private:
  enum class Kind : unsigned char { literal, one_level, rest };
  struct Level {
    Kind kind;
    std::string text;  // literal levels
  };
  std::vector<Level> levels_;
  std::string text_;  // the expanded pattern, for logs
};

}  // namespace smq::auth
