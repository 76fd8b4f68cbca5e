// Logger output and helpers. Any thread.
#include "broker/log.hpp"

#include <fmt/chrono.h>

#include <chrono>
#include <cstdio>

namespace smq {

std::optional<LogLevel> parse_log_level(std::string_view name) {
  if (name == "trace") return LogLevel::trace;
  if (name == "debug") return LogLevel::debug;
  if (name == "info") return LogLevel::info;
  if (name == "warn" || name == "warning") return LogLevel::warn;
  if (name == "error") return LogLevel::error;
  if (name == "off" || name == "none") return LogLevel::off;
  return std::nullopt;
}

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::trace: return "trace";
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
    case LogLevel::off: return "off";
  }
  return "?";
}

void Logger::write(LogLevel level, const std::string& message) {
  if (sink_) {
    sink_(level, message);
    return;
  }
  const auto now = std::chrono::system_clock::now();
  const auto line = fmt::format("{:%Y-%m-%dT%H:%M:%S} {:5} {}\n",
                                std::chrono::floor<std::chrono::seconds>(now),
                                to_string(level), message);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

std::string printable(std::string_view bytes, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size() && i < max; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  if (bytes.size() > max) out += "...";
  return out;
}

}  // namespace smq
