// Shared pieces of the smq-pub and smq-sub command-line tools: option parsing, the client
// options they share (URL, identity, TLS), topic arguments, and the output formats (text or
// JSON lines with base64). Main thread, except the printing helpers (mutex-protected).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "smq/blocking_client.hpp"

namespace smqtool {

inline constexpr const char* default_url = "ws://127.0.0.1:9700/";

// Exit codes of both tools.
inline constexpr int exit_ok = 0;
inline constexpr int exit_error = 1;    // usage, connection or broker refusal
inline constexpr int exit_timeout = 2;  // the work was not done within --timeout

struct OptionSpec {
  std::string long_name;  // without "--"
  char short_name = 0;    // 0 = none
  bool takes_value = false;
  bool repeatable = false;
};

struct ParsedArgs {
  std::map<std::string, std::vector<std::string>> values;  // long name -> values ("" for flags)
  std::vector<std::string> positional;
  std::string error;  // non-empty on a usage error

  bool has(const std::string& name) const { return values.count(name) != 0; }
  std::string get(const std::string& name, const std::string& fallback = {}) const;
  const std::vector<std::string>& all(const std::string& name) const;
};

// Accepts "--name value", "--name=value", "-x value" and "--" (end of options).
ParsedArgs parse_args(int argc, char** argv, const std::vector<OptionSpec>& specs);

// The options every tool has: --url, --uid, --credentials, --info, --header, --cafile,
// --cert, --key, --insecure, --timeout, --verbose, --help, --version.
std::vector<OptionSpec> common_specs();
// Help text for those options.
std::string common_help();
// "TOOL VERSION", what --version prints.
std::string version_line(const std::string& tool);
// Builds client options from them; returns an error message on bad values.
std::optional<std::string> client_options(const ParsedArgs& args, smq::ClientOptions& out);

// Parses a non-negative number ("12", "0.5"); nullopt when not a number.
std::optional<double> parse_number(const std::string& text);
// A topic argument: decimal or 0x-hex numbers are ids (topic TID or client ETID), anything
// else a name ("self" = own ETID).
smq::TopicRef topic_arg(const std::string& text);
// The --subtopic argument, or 0 (no sub-topic) when absent.
smq::TopicRef subtopic_arg(const ParsedArgs& args);

// Connects within `limit`; on failure prints why (naming `url`) and returns false (the tool
// then exits with exit_error). With --verbose reports the ETID.
bool connect_or_report(smq::BlockingClient& client, const std::string& url,
                       std::chrono::milliseconds limit, const std::string& tool, bool verbose);

// True when the payload is valid UTF-8 without control characters (C0, DEL, C1), so it can
// be printed as one line.
bool printable(std::span<const std::uint8_t> payload);
std::string base64(std::span<const std::uint8_t> bytes);
std::string json_escape(std::string_view text);
// {"ptid":..,"tid":..,"subtid":..,"text":".."} or with "base64" when not printable (or when
// `force_base64`).
std::string json_line(const smq::ReceivedMessage& m, bool force_base64 = false);

// Writes one line to stdout and flushes (thread-safe).
void print_line(const std::string& line);
// Writes one line to stderr prefixed with the tool name (thread-safe).
void print_error(const std::string& tool, const std::string& line);

}  // namespace smqtool
