// Every setting an operator can give smq-broker, in one table: its command-line option, its
// configuration-file key (the option's name with '_' for '-'), the kind of value it takes and
// how it is checked and stored. The command-line parser and the TOML loader both go through
// this table, so the two cannot drift apart. Main thread, before the broker starts.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "broker/options.hpp"

namespace smq {

// What the executable runs: the broker's options plus the example code it may add.
struct Settings {
  BrokerOptions options;
  bool hello5 = false;  // run the hello5 example's server code (the web app's demo page)
};

enum class SettingKind {
  flag,         // command line: no value; file: true / false
  boolean,      // command line: true or false; file: true / false
  text,         // a string
  path,         // a string naming a file or directory; in a file, relative to that file
  address,      // one HOST:PORT
  address_list, // command line: repeatable HOST:PORT; file: array of strings
  origin_list,  // command line: repeatable, comma-separated origins; file: array of strings
  count,        // integer >= 1
  count_or_zero,  // integer >= 0 (0 turns the limit off)
  rate_action,  // disconnect or drop
  milliseconds, // integer >= 1, a duration in ms
  milliseconds_or_zero,  // integer >= 0 (0 turns the feature off)
  log_level,    // trace, debug, info, warn, error, off
  log_format,   // text or json
};

// A value as it came in, before checking: the command line gives text, a file typed values.
using SettingValue = std::variant<bool, std::int64_t, std::string, std::vector<std::string>>;

struct Setting {
  std::string_view option;  // "--max-connections"
  std::string_view key;     // "max_connections"
  SettingKind kind;
  // The TOML table the key lives in ("auth" for [auth] password_file); empty: top level.
  std::string_view section = {};
};

// What a value of this kind looks like, for error messages ("a positive integer").
std::string_view describe_kind(SettingKind kind);

// The whole table, in the order of --help.
std::span<const Setting> all_settings();
const Setting* find_option(std::string_view option);
const Setting* find_key(std::string_view key, std::string_view section = {});
// Whether some setting lives in the table `section`.
bool is_section(std::string_view section);

// Checks `value` for `setting` and stores it; returns an error text (naming nothing but the
// problem: the caller adds the option or the file position) or nullopt. For a list the
// value replaces the list.
std::optional<std::string> apply_setting(const Setting& setting, const SettingValue& value,
                                         Settings& out);

// Checks that need every setting at once (a --web-root that is not a directory, an
// --smq-path without '/'), as for a broker about to start. Error text or nullopt.
std::optional<std::string> check_settings(const Settings& settings);

// For --check and a reload: loads the TLS certificate, key and client CA (when a TLS listener
// is configured) and the password file as a start would. Error text or nullopt.
std::optional<std::string> check_files(const Settings& settings);

}  // namespace smq
