// Permission patterns: checking, per-client expansion and matching (see topic_pattern.hpp).
// Pure functions; any thread.
#include "broker/auth/topic_pattern.hpp"

#include <fmt/format.h>

namespace smq::auth {
namespace {

// Calls f(level) for each '/'-separated level of `text`, stopping when f returns false.
// Returns whether every level was visited.
template <typename F>
bool for_each_level(std::string_view text, F&& f) {
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = text.find('/', start);
    const std::string_view level =
        text.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (!f(level)) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

}  // namespace

std::optional<std::string> check_pattern(std::string_view pattern) {
  if (pattern.empty()) return std::string("empty pattern");
  if (pattern.size() > max_pattern_bytes) {
    return fmt::format("pattern longer than {} bytes", max_pattern_bytes);
  }
  std::optional<std::string> error;
  bool after_rest = false;
  for_each_level(pattern, [&](std::string_view level) {
    if (after_rest) {
      error = "'#' must be the last level";
      return false;
    }
    if (level == "#") {
      after_rest = true;
      return true;
    }
    if (level == "+") return true;
    if (level.find_first_of("+#") != std::string_view::npos) {
      error = fmt::format("'+' and '#' must be a whole level (in '{}')", level);
      return false;
    }
    for (std::size_t i = 0; i < level.size(); ++i) {
      if (level[i] != '%') continue;
      const char next = i + 1 < level.size() ? level[i + 1] : '\0';
      if (next != 'u' && next != 'c' && next != '%') {
        error = "'%' must be followed by 'u' (user), 'c' (client UID) or '%'";
        return false;
      }
      ++i;
    }
    return true;
  });
  return error;
}

std::optional<TopicPattern> TopicPattern::expand(std::string_view pattern, std::string_view user,
                                                 std::string_view uid) {
  TopicPattern out;
  bool usable = true;
  for_each_level(pattern, [&](std::string_view level) {
    if (level == "+") {
      out.levels_.push_back({Kind::one_level, {}});
      return true;
    }
    if (level == "#") {
      out.levels_.push_back({Kind::rest, {}});
      return true;
    }
    std::string text;
    for (std::size_t i = 0; i < level.size(); ++i) {
      if (level[i] != '%' || i + 1 >= level.size()) {
        text += level[i];
        continue;
      }
      const char what = level[++i];
      const std::string_view value = what == 'u' ? user : what == 'c' ? uid : "%";
      // Anonymous clients have no user name: "%u" rules are not theirs. A value with '/'
      // would reach into other levels (a UID "a/#" must not become a wildcard).
      if (value.empty() || value.find('/') != std::string_view::npos) {
        usable = false;
        return false;
      }
      text += value;
    }
    out.levels_.push_back({Kind::literal, std::move(text)});
    return true;
  });
  if (!usable) return std::nullopt;
  for (std::size_t i = 0; i < out.levels_.size(); ++i) {
    if (i > 0) out.text_ += '/';
    const Level& level = out.levels_[i];
    out.text_ += level.kind == Kind::one_level ? "+" : level.kind == Kind::rest ? "#" : level.text;
  }
  return out;
}

bool TopicPattern::matches(std::string_view name) const {
  std::size_t index = 0;
  bool rest = false;
  const bool walked = for_each_level(name, [&](std::string_view level) {
    if (index >= levels_.size()) return false;
    const Level& want = levels_[index];
    if (want.kind == Kind::rest) {
      rest = true;
      return false;  // everything from here on matches
    }
    if (want.kind == Kind::literal && want.text != level) return false;
    ++index;
    return true;
  });
  if (rest) return true;
  if (!walked) return false;
  // Every level of the name matched; the pattern may only have a final '#' left, which
  // takes zero levels.
  return index == levels_.size() ||
         (index + 1 == levels_.size() && levels_[index].kind == Kind::rest);
}

}  // namespace smq::auth
