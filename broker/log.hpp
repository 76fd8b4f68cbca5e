// Levelled logging through fmt. One Logger per broker, passed by reference; writes whole
// lines to stderr (or a sink set by an embedding program). Safe from any thread: each line
// is formatted first and then written with a single call.
#pragma once

#include <fmt/core.h>

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace smq {

enum class LogLevel { trace, debug, info, warn, error, off };

std::optional<LogLevel> parse_log_level(std::string_view name);
std::string_view to_string(LogLevel level);

class Logger {
 public:
  using Sink = std::function<void(LogLevel, std::string_view line)>;

  explicit Logger(LogLevel level = LogLevel::info, Sink sink = {})
      : level_(level), sink_(std::move(sink)) {}

  bool enabled(LogLevel level) const { return level >= level_.load(std::memory_order_relaxed); }
  // A reload may change the level while other threads log.
  void set_level(LogLevel level) { level_.store(level, std::memory_order_relaxed); }
  LogLevel level() const { return level_.load(std::memory_order_relaxed); }

  template <typename... Args>
  void log(LogLevel level, fmt::format_string<Args...> format, Args&&... args) {
    if (!enabled(level)) return;
    write(level, fmt::format(format, std::forward<Args>(args)...));
  }
  template <typename... Args>
  void trace(fmt::format_string<Args...> f, Args&&... a) { log(LogLevel::trace, f, std::forward<Args>(a)...); }
  template <typename... Args>
  void debug(fmt::format_string<Args...> f, Args&&... a) { log(LogLevel::debug, f, std::forward<Args>(a)...); }
  template <typename... Args>
  void info(fmt::format_string<Args...> f, Args&&... a) { log(LogLevel::info, f, std::forward<Args>(a)...); }
  template <typename... Args>
  void warn(fmt::format_string<Args...> f, Args&&... a) { log(LogLevel::warn, f, std::forward<Args>(a)...); }
  template <typename... Args>
  void error(fmt::format_string<Args...> f, Args&&... a) { log(LogLevel::error, f, std::forward<Args>(a)...); }

 private:
  void write(LogLevel level, const std::string& message);

  std::atomic<LogLevel> level_;
  Sink sink_;
};

// Text from the network, made safe for a log line: control and non-ASCII bytes escaped,
// cut at `max` characters.
std::string printable(std::string_view bytes, std::size_t max = 64);

}  // namespace smq
