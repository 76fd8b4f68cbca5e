// The settings table and its checks (see settings.hpp). Main thread.
#include "broker/app/settings.hpp"

#include <fmt/format.h>

#include <array>
#include <exception>
#include <filesystem>
#include <limits>
#include <system_error>

#include "broker/auth/jwt.hpp"
#include "broker/auth/password_file.hpp"
#include "broker/monitor/endpoints.hpp"
#include "broker/net/listener.hpp"
#include "broker/net/origin_policy.hpp"
#include "broker/net/tls_context.hpp"

namespace smq {
namespace {

using Kind = SettingKind;

// Durations go to timers in nanoseconds and to TCP_USER_TIMEOUT as an unsigned int of
// milliseconds; 2^31 - 1 ms (24.8 days) fits both and is far beyond any useful deadline.
constexpr std::int64_t max_milliseconds = 2'147'483'647;

constexpr std::array settings_table{
    Setting{"--listen", "listen", Kind::address_list},
    Setting{"--tls-listen", "tls_listen", Kind::address_list},
    Setting{"--tls-cert", "tls_cert", Kind::path},
    Setting{"--tls-key", "tls_key", Kind::path},
    Setting{"--tls-client-ca", "tls_client_ca", Kind::path},
    Setting{"--tls-require-client-cert", "tls_require_client_cert", Kind::flag},
    Setting{"--web-root", "web_root", Kind::path},
    Setting{"--smq-path", "smq_path", Kind::text},
    Setting{"--allowed-origins", "allowed_origins", Kind::origin_list},
    Setting{"--monitor", "monitor", Kind::address},
    Setting{"--monitor-token-file", "monitor_token_file", Kind::path},
    Setting{"--log-level", "log_level", Kind::log_level},
    Setting{"--log-format", "log_format", Kind::log_format},
    Setting{"--max-connections", "max_connections", Kind::count},
    Setting{"--max-pending", "max_pending", Kind::count},
    Setting{"--queue-bytes", "queue_bytes", Kind::count},
    Setting{"--connect-timeout", "connect_timeout", Kind::milliseconds},
    Setting{"--write-deadline", "write_deadline", Kind::milliseconds},
    Setting{"--max-names-per-connection", "max_names_per_connection", Kind::count},
    Setting{"--max-subscriptions-per-connection", "max_subscriptions_per_connection", Kind::count},
    Setting{"--max-messages-per-second", "max_messages_per_second", Kind::count_or_zero},
    Setting{"--max-bytes-per-second", "max_bytes_per_second", Kind::count_or_zero},
    Setting{"--rate-limit-action", "rate_limit_action", Kind::rate_action},
    Setting{"--max-connections-per-address", "max_connections_per_address", Kind::count_or_zero},
    Setting{"--max-new-connections-per-second", "max_new_connections_per_second",
            Kind::count_or_zero},
    Setting{"--limit-loopback", "limit_loopback", Kind::flag},
    Setting{"--stats-interval", "stats_interval", Kind::milliseconds_or_zero},
    Setting{"--lame-duck-duration", "lame_duck_duration", Kind::milliseconds},
    Setting{"--password-file", "password_file", Kind::path, "auth"},
    Setting{"--jwt-secret-file", "jwt_secret_file", Kind::path, "auth"},
    Setting{"--jwt-public-key-file", "jwt_public_key_file", Kind::path, "auth"},
    Setting{"--jwt-cookie", "jwt_cookie", Kind::text, "auth"},
    Setting{"--anonymous", "anonymous", Kind::boolean, "auth"},
    Setting{"--hello5", "hello5", Kind::flag},
    Setting{"--random-server-etid", "random_server_etid", Kind::flag},
};

}  // namespace

std::string_view describe_kind(Kind kind) {
  switch (kind) {
    case Kind::flag:
    case Kind::boolean: return "true or false";
    case Kind::text: return "a string";
    case Kind::path: return "a path (string)";
    case Kind::address: return "a \"HOST:PORT\" string";
    case Kind::address_list: return "an array of \"HOST:PORT\" strings";
    case Kind::origin_list:
      return "an array of origins (\"https://host[:port]\", \"*\" or \"null\")";
    case Kind::count: return "a positive integer";
    case Kind::count_or_zero: return "an integer >= 0 (0 = no limit)";
    case Kind::rate_action: return "\"disconnect\" or \"drop\"";
    case Kind::milliseconds: return "a positive number of milliseconds";
    case Kind::milliseconds_or_zero: return "a number of milliseconds (0 = off)";
    case Kind::log_format: return "\"text\" or \"json\"";
    case Kind::log_level: return "one of \"trace\", \"debug\", \"info\", \"warn\", \"error\", \"off\"";
  }
  return "?";
}

namespace {

std::string wrong_type(const Setting& s) { return fmt::format("needs {}", describe_kind(s.kind)); }

// Where each setting lives. Kept next to the table so a new row is one edit in one file.
bool* flag_field(std::string_view key, Settings& out) {
  if (key == "tls_require_client_cert") return &out.options.tls_require_client_cert;
  if (key == "hello5") return &out.hello5;
  if (key == "random_server_etid") return &out.options.random_server_etid;
  if (key == "limit_loopback") return &out.options.limit_loopback;
  return nullptr;
}

std::string* text_field(std::string_view key, Settings& out) {
  if (key == "tls_cert") return &out.options.tls_cert_file;
  if (key == "tls_key") return &out.options.tls_key_file;
  if (key == "tls_client_ca") return &out.options.tls_client_ca_file;
  if (key == "web_root") return &out.options.web_root;
  if (key == "smq_path") return &out.options.smq_path;
  if (key == "password_file") return &out.options.auth.password_file;
  if (key == "jwt_secret_file") return &out.options.auth.jwt_secret_file;
  if (key == "jwt_public_key_file") return &out.options.auth.jwt_public_key_file;
  if (key == "jwt_cookie") return &out.options.auth.jwt_cookie;
  if (key == "monitor_token_file") return &out.options.monitor_token_file;
  return nullptr;
}

std::optional<std::string> store_number(std::string_view key, std::int64_t n, Settings& out) {
  auto& o = out.options;
  const auto ms = std::chrono::milliseconds(n);
  const auto size = static_cast<std::size_t>(n);
  if (key == "max_connections") o.max_connections = size;
  else if (key == "max_pending") o.max_pending_connections = size;
  else if (key == "queue_bytes") o.output_queue_bytes = size;
  else if (key == "connect_timeout") o.connect_deadline = ms;
  else if (key == "write_deadline") o.write_deadline = ms;
  else if (key == "max_names_per_connection") o.hub.max_names_per_connection = size;
  else if (key == "max_subscriptions_per_connection") o.hub.max_subscriptions_per_connection = size;
  else if (key == "stats_interval") o.stats_interval = ms;
  else if (key == "lame_duck_duration") o.lame_duck_duration = ms;
  else if (key == "max_messages_per_second") o.max_messages_per_second = static_cast<std::uint64_t>(n);
  else if (key == "max_bytes_per_second") o.max_bytes_per_second = static_cast<std::uint64_t>(n);
  else if (key == "max_connections_per_address") o.max_connections_per_address = size;
  else if (key == "max_new_connections_per_second") {
    o.max_new_connections_per_second = static_cast<std::uint64_t>(n);
  }
  else return fmt::format("no number field for '{}'", key);
  return std::nullopt;
}

}  // namespace

std::span<const Setting> all_settings() { return settings_table; }

const Setting* find_option(std::string_view option) {
  for (const Setting& s : settings_table) {
    if (s.option == option) return &s;
  }
  return nullptr;
}

const Setting* find_key(std::string_view key, std::string_view section) {
  for (const Setting& s : settings_table) {
    if (s.key == key && s.section == section) return &s;
  }
  return nullptr;
}

bool is_section(std::string_view section) {
  if (section.empty()) return false;
  for (const Setting& s : settings_table) {
    if (s.section == section) return true;
  }
  return false;
}

std::optional<std::string> apply_setting(const Setting& s, const SettingValue& value,
                                         Settings& out) {
  switch (s.kind) {
    case Kind::flag: {
      const bool* b = std::get_if<bool>(&value);
      if (b == nullptr) return wrong_type(s);
      *flag_field(s.key, out) = *b;
      return std::nullopt;
    }
    case Kind::boolean: {
      const bool* b = std::get_if<bool>(&value);
      if (b == nullptr) return wrong_type(s);
      out.options.auth.anonymous = *b;  // the only one so far
      return std::nullopt;
    }
    case Kind::text:
    case Kind::path: {
      const std::string* text = std::get_if<std::string>(&value);
      if (text == nullptr) return wrong_type(s);
      *text_field(s.key, out) = *text;
      return std::nullopt;
    }
    case Kind::address: {
      const std::string* text = std::get_if<std::string>(&value);
      if (text == nullptr) return wrong_type(s);
      try {
        parse_listen_address(*text);
      } catch (const std::exception& e) {
        return std::string(e.what());
      }
      out.options.monitor = *text;
      return std::nullopt;
    }
    case Kind::address_list: {
      const auto* list = std::get_if<std::vector<std::string>>(&value);
      if (list == nullptr) return wrong_type(s);
      for (const std::string& address : *list) {
        try {
          parse_listen_address(address);
        } catch (const std::exception& e) {
          return std::string(e.what());
        }
      }
      (s.key == "listen" ? out.options.listen : out.options.tls_listen) = *list;
      return std::nullopt;
    }
    case Kind::origin_list: {
      const auto* list = std::get_if<std::vector<std::string>>(&value);
      if (list == nullptr) return wrong_type(s);
      for (const std::string& origin : *list) {
        if (!normalize_origin(origin)) {
          return fmt::format("bad origin '{}' (want scheme://host[:port], \"*\" or \"null\")",
                             origin);
        }
      }
      out.options.allowed_origins = *list;
      return std::nullopt;
    }
    case Kind::count:
    case Kind::count_or_zero:
    case Kind::milliseconds:
    case Kind::milliseconds_or_zero: {
      const std::int64_t* n = std::get_if<std::int64_t>(&value);
      const bool zero_ok = s.kind == Kind::milliseconds_or_zero || s.kind == Kind::count_or_zero;
      if (n == nullptr || *n < (zero_ok ? 0 : 1)) return wrong_type(s);
      const bool duration = s.kind == Kind::milliseconds || s.kind == Kind::milliseconds_or_zero;
      if (duration && *n > max_milliseconds) {
        return fmt::format("is at most {} ms (about 24 days)", max_milliseconds);
      }
      return store_number(s.key, *n, out);
    }
    case Kind::rate_action: {
      const std::string* text = std::get_if<std::string>(&value);
      if (text == nullptr || (*text != "disconnect" && *text != "drop")) return wrong_type(s);
      out.options.rate_limit_action =
          *text == "drop" ? RateLimitAction::drop : RateLimitAction::disconnect;
      return std::nullopt;
    }
    case Kind::log_format: {
      const std::string* text = std::get_if<std::string>(&value);
      const auto format = text ? parse_log_format(*text) : std::nullopt;
      if (!format) return wrong_type(s);
      out.options.log_format = *format;
      return std::nullopt;
    }
    case Kind::log_level: {
      const std::string* text = std::get_if<std::string>(&value);
      const auto level = text ? parse_log_level(*text) : std::nullopt;
      if (!level) return wrong_type(s);
      out.options.log_level = *level;
      return std::nullopt;
    }
  }
  return "unknown kind of setting";
}

std::optional<std::string> check_settings(const Settings& settings) {
  const BrokerOptions& o = settings.options;
  std::error_code ec;
  if (!o.web_root.empty() && !std::filesystem::is_directory(o.web_root, ec)) {
    return fmt::format("--web-root (web_root) '{}' is not a directory{}", o.web_root,
                       std::filesystem::exists(o.web_root, ec) ? "" : " (missing)");
  }
  if (!o.smq_path.empty() && o.smq_path.front() != '/') {
    return fmt::format("--smq-path (smq_path) must start with '/', got '{}'", o.smq_path);
  }
  return std::nullopt;
}

std::optional<std::string> check_files(const Settings& settings) {
  if (!settings.options.tls_listen.empty()) {
    try {
      make_tls_context(settings.options);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
  }
  if (const std::string& users = settings.options.auth.password_file; !users.empty()) {
    const auth::PasswordFile::Result loaded = auth::PasswordFile::load(users);
    if (!loaded.ok()) return loaded.error;
  }
  try {
    read_monitor_token(settings.options.monitor_token_file);
    auth::JwtKeys::load(settings.options.auth.jwt_secret_file,
                        settings.options.auth.jwt_public_key_file);
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

}  // namespace smq
