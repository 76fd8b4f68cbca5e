// TOML configuration loading through toml++ (see config_file.hpp). Main thread.
#include "broker/app/config_file.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <toml++/toml.h>

namespace smq {
namespace {

std::string where(const std::string& path, const toml::source_region& region) {
  return fmt::format("{}:{}", path, region.begin.line);
}

// The node as the settings table's value type; nullopt for types no setting takes (tables,
// floats, dates, arrays of anything but strings), which apply_setting then reports.
std::optional<SettingValue> to_value(const toml::node& node, SettingKind kind,
                                     const std::filesystem::path& base) {
  if (const auto* b = node.as_boolean()) return SettingValue{b->get()};
  if (const auto* n = node.as_integer()) return SettingValue{n->get()};
  if (const auto* s = node.as_string()) {
    std::string text = s->get();
    if (kind == SettingKind::path && !text.empty() && std::filesystem::path(text).is_relative()) {
      text = (base / text).lexically_normal().string();
    }
    return SettingValue{std::move(text)};
  }
  if (const auto* array = node.as_array()) {
    std::vector<std::string> list;
    for (const toml::node& item : *array) {
      const auto* s = item.as_string();
      if (s == nullptr) return std::nullopt;
      list.push_back(s->get());
    }
    return SettingValue{std::move(list)};
  }
  return std::nullopt;
}


std::optional<std::string> load_key(const std::string& path, std::string_view section,
                                    const toml::key& key, const toml::node& node,
                                    const std::filesystem::path& base, Settings& out) {
  const Setting* setting = find_key(key.str(), section);
  if (setting == nullptr) {
    if (section.empty()) {
      return fmt::format("{}: unknown key '{}'", where(path, key.source()), key.str());
    }
    return fmt::format("{}: unknown key '{}' in [{}]", where(path, key.source()), key.str(),
                       section);
  }
  const auto value = to_value(node, setting->kind, base);
  const std::optional<std::string> error =
      value ? apply_setting(*setting, *value, out)
            : fmt::format("needs {}", describe_kind(setting->kind));
  if (error) {
    // "key 'x' needs a positive integer", "key 'listen': bad port (...)"
    const bool sentence = error->starts_with("needs ") || error->starts_with("is ");
    const std::string_view joint = sentence ? " " : ": ";
    return fmt::format("{}: key '{}'{}{}", where(path, node.source()), key.str(), joint, *error);
  }
  return std::nullopt;
}

std::optional<std::string> load_section(const std::string& path, std::string_view section,
                                        const toml::table& table,
                                        const std::filesystem::path& base, Settings& out) {
  for (const auto& [key, node] : table) {
    if (auto error = load_key(path, section, key, node, base, out)) return error;
  }
  return std::nullopt;
}

// One [[acl]] table: `user`, the pattern lists and `direct`.
std::optional<std::string> load_acl_rule(const std::string& path, const toml::table& table,
                                         auth::AclRule& rule) {
  for (const auto& [key, node] : table) {
    const std::string_view name = key.str();
    std::vector<std::string>* list = name == "subscribe"        ? &rule.subscribe
                                     : name == "publish"        ? &rule.publish
                                     : name == "observe"        ? &rule.observe
                                     : name == "deny_subscribe" ? &rule.deny_subscribe
                                     : name == "deny_publish"   ? &rule.deny_publish
                                                                : nullptr;
    if (list != nullptr) {
      const auto value = to_value(node, SettingKind::text, {});
      const auto* patterns = value ? std::get_if<std::vector<std::string>>(&*value) : nullptr;
      if (patterns == nullptr) {
        return fmt::format("{}: key '{}' in [[acl]] needs an array of patterns (strings)",
                           where(path, node.source()), name);
      }
      for (const std::string& pattern : *patterns) {
        if (auto error = auth::check_pattern(pattern)) {
          return fmt::format("{}: key '{}' in [[acl]]: {} ('{}')", where(path, node.source()),
                             name, *error, pattern);
        }
      }
      *list = *patterns;
    } else if (name == "user") {
      const auto* user = node.as_string();
      if (user == nullptr || user->get().empty()) {
        return fmt::format("{}: key 'user' in [[acl]] needs a user name, \"*\" or \"anonymous\"",
                           where(path, node.source()));
      }
      rule.user = user->get();
    } else if (name == "direct") {
      const auto* direct = node.as_boolean();
      if (direct == nullptr) {
        return fmt::format("{}: key 'direct' in [[acl]] needs true or false",
                           where(path, node.source()));
      }
      rule.direct = direct->get();
    } else {
      return fmt::format("{}: unknown key '{}' in [[acl]]", where(path, key.source()), name);
    }
  }
  if (auto error = auth::check_rule(rule)) {
    return fmt::format("{}: [[acl]] {}", where(path, table.source()), *error);
  }
  return std::nullopt;
}

// `acl` must be an array of tables ([[acl]]); the rules replace any loaded before.
std::optional<std::string> load_acl(const std::string& path, const toml::node& node,
                                    Settings& out) {
  const toml::array* tables = node.as_array();
  if (tables == nullptr || !tables->is_array_of_tables()) {
    return fmt::format("{}: 'acl' must be [[acl]] tables", where(path, node.source()));
  }
  std::vector<auth::AclRule> rules;
  for (const toml::node& item : *tables) {
    auth::AclRule rule;
    if (auto error = load_acl_rule(path, *item.as_table(), rule)) return error;
    rules.push_back(std::move(rule));
  }
  out.options.auth.acl = std::move(rules);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> load_config_file(const std::string& path, Settings& out) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return fmt::format("{}: cannot read the configuration file{}", path,
                       std::filesystem::exists(path, ec) ? " (not a regular file)" : " (missing)");
  }
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return fmt::format("{}: {}", where(path, e.source()), e.description());
  }
  const std::filesystem::path base =
      std::filesystem::absolute(std::filesystem::path(path), ec).parent_path();
  for (const auto& [key, node] : root) {
    if (key.str() == "acl") {
      if (auto error = load_acl(path, node, out)) return error;
      continue;
    }
    if (const toml::table* table = node.as_table(); table && is_section(key.str())) {
      if (auto error = load_section(path, key.str(), *table, base, out)) return error;
      continue;
    }
    if (auto error = load_key(path, {}, key, node, base, out)) return error;
  }
  return std::nullopt;
}

}  // namespace smq
