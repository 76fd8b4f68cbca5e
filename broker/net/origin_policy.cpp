// Origin checks for WebSocket upgrades (see origin_policy.hpp). Any thread.
#include "broker/net/origin_policy.hpp"

#include <algorithm>
#include <cctype>

namespace smq {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool valid_host_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '[' || c == ']' || c == ':';
}

// "host[:port]" without the default port of `scheme`.
std::string strip_default_port(std::string_view authority, std::string_view scheme) {
  const std::string_view default_port = scheme == "https" ? ":443" : scheme == "http" ? ":80" : "";
  // For "[v6]:port" the port follows the bracket; a bare v6 address has no port.
  if (!default_port.empty() && authority.ends_with(default_port) &&
      (authority.front() != '[' || authority.find("]:") != std::string_view::npos)) {
    authority.remove_suffix(default_port.size());
  }
  return std::string(authority);
}

}  // namespace

std::optional<std::string> normalize_origin(std::string_view origin) {
  if (origin == "*" || origin == "null") return std::string(origin);
  const auto sep = origin.find("://");
  if (sep == std::string_view::npos || sep == 0) return std::nullopt;
  const std::string scheme = lower(origin.substr(0, sep));
  if (!std::all_of(scheme.begin(), scheme.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '+' || c == '-' || c == '.';
      })) {
    return std::nullopt;
  }
  std::string_view authority = origin.substr(sep + 3);
  if (authority.ends_with('/')) authority.remove_suffix(1);  // "https://a.example/" as written by hand
  if (authority.empty() || !std::all_of(authority.begin(), authority.end(), valid_host_char)) {
    return std::nullopt;
  }
  return scheme + "://" + strip_default_port(lower(authority), scheme);
}

bool origin_allowed(std::optional<std::string_view> origin, std::string_view host,
                    std::span<const std::string> allowed) {
  if (!origin) return true;
  const auto normalized = normalize_origin(*origin);
  if (!normalized) return false;
  // Pages the broker itself served (the bundled web app) are always allowed.
  if (*normalized != "null" && *normalized != "*") {
    const auto sep = normalized->find("://");
    const std::string scheme = normalized->substr(0, sep);
    const std::string authority = normalized->substr(sep + 3);
    if (!host.empty() && authority == strip_default_port(lower(host), scheme)) return true;
  }
  for (const std::string& entry : allowed) {
    if (entry == "*") return true;
    const auto listed = normalize_origin(entry);
    if (listed && *listed == *normalized) return true;
  }
  return false;
}

}  // namespace smq
