// The configuration file (smq-broker --config FILE): TOML, one key per setting of the
// settings table, named like the command-line option with '_' for '-'. Unknown keys and
// values of the wrong type are errors naming the file, the line and the key; relative paths
// are taken from the file's directory. Topic permissions come as [[acl]] tables (auth/acl.hpp).
// Main thread, before the broker starts.
#pragma once

#include <optional>
#include <string>

#include "broker/app/settings.hpp"

namespace smq {

// Reads `path` into `out` (keys the file does not set keep their value). Returns an error
// text ("FILE:LINE: ...") or nullopt.
std::optional<std::string> load_config_file(const std::string& path, Settings& out);

}  // namespace smq
