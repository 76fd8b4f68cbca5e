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
    if (const toml::table* table = node.as_table(); table && is_section(key.str())) {
      if (auto error = load_section(path, key.str(), *table, base, out)) return error;
      continue;
    }
    if (auto error = load_key(path, {}, key, node, base, out)) return error;
  }
  return std::nullopt;
}

}  // namespace smq
