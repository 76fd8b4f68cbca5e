// Command-line parsing for smq-broker and the example programs. Runs on the main thread
// before the broker starts.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "broker/options.hpp"

namespace smq {

struct CommandLine {
  BrokerOptions options;
  bool hello5 = false;  // run the hello5 example's server code (the web app's demo page)
  bool help = false;
  bool version = false;
  std::string error;  // non-empty when the arguments are unusable
};

CommandLine parse_command_line(const std::vector<std::string>& args);
std::string usage(const std::string& program);
std::string version_text();

}  // namespace smq
