// Levelled logging through fmt. One Logger per broker, passed by reference; writes whole
// lines to stderr (or a sink set by an embedding program). Safe from any thread: each line
// is formatted first and then written with a single call.
#pragma once

#include <fmt/core.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace smq {

enum class LogLevel { trace, debug, info, warn, error, off };

// How lines are written: text for people ("TIME LEVEL message key=value ..."), or one JSON
// object per line for log collectors ({"time": ..., "level": ..., "msg": ..., key: value}).
// Both carry RFC 3339 times with milliseconds and the zone offset.
enum class LogFormat { text, json };

// A named value attached to a log line (etid, uid, user, address, reason, ...).
struct LogField {
  std::string_view key;
  std::string value;
};

std::optional<LogLevel> parse_log_level(std::string_view name);
std::string_view to_string(LogLevel level);
std::optional<LogFormat> parse_log_format(std::string_view name);
std::string_view to_string(LogFormat format);

class Logger {
 public:
  // An embedding program's sink gets the message with its fields in the text form
  // ("message key=value"), without time and level.
  using Sink = std::function<void(LogLevel, std::string_view line)>;

  explicit Logger(LogLevel level = LogLevel::info, Sink sink = {},
                  LogFormat format = LogFormat::text)
      : level_(level), format_(format), sink_(std::move(sink)) {}

  bool enabled(LogLevel level) const { return level >= level_.load(std::memory_order_relaxed); }
  // A reload may change the level while other threads log.
  void set_level(LogLevel level) { level_.store(level, std::memory_order_relaxed); }
  LogLevel level() const { return level_.load(std::memory_order_relaxed); }
  void set_format(LogFormat format) { format_.store(format, std::memory_order_relaxed); }
  LogFormat format() const { return format_.load(std::memory_order_relaxed); }

  // A line with fields: in text "message key=value ...", in JSON each field its own member.
  void event(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
    if (enabled(level)) write(level, message, fields);
  }

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
  void write(LogLevel level, std::string_view message,
             std::initializer_list<LogField> fields = {});

  std::atomic<LogLevel> level_;
  std::atomic<LogFormat> format_;
  Sink sink_;
};

// `when` as RFC 3339 local time with milliseconds and the zone offset
// ("2026-12-03T12:53:58.123+00:00").
std::string rfc3339_time(std::chrono::system_clock::time_point when);

// Text from the network, made safe for a log line: control and non-ASCII bytes escaped,
// cut at `max` characters.
std::string printable(std::string_view bytes, std::size_t max = 64);

}  // namespace smq
