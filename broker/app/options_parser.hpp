// Command-line parsing for smq-broker and the example programs: the settings table's options
// (settings.hpp) plus --config FILE, --check, --help and --version. The file is read first and
// the command line overrides it. Runs on the main thread before the broker starts.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "broker/app/settings.hpp"

namespace smq {

struct CommandLine {
  Settings settings;
  std::string config_file;  // --config FILE, empty when none
  bool check = false;       // --check: validate and exit (0 valid, 2 not)
  bool help = false;
  bool version = false;
  std::string error;  // non-empty when the arguments or the file are unusable
};

CommandLine parse_command_line(const std::vector<std::string>& args);
std::string usage(const std::string& program);
std::string version_text();

}  // namespace smq
