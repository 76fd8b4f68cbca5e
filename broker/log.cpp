// Logger output and helpers. Any thread.
#include "broker/log.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>

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

std::optional<LogFormat> parse_log_format(std::string_view name) {
  if (name == "text") return LogFormat::text;
  if (name == "json") return LogFormat::json;
  return std::nullopt;
}

std::string_view to_string(LogFormat format) {
  return format == LogFormat::json ? "json" : "text";
}

std::string rfc3339_time(std::chrono::system_clock::time_point when) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(
                          when.time_since_epoch()).count() % 1000;
  std::tm local{};
  localtime_r(&seconds, &local);
  const long offset = local.tm_gmtoff / 60;  // minutes east of UTC
  const long magnitude = offset < 0 ? -offset : offset;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}{}{:02}:{:02}",
                     local.tm_year + 1900, local.tm_mon + 1, local.tm_mday, local.tm_hour,
                     local.tm_min, local.tm_sec, millis < 0 ? millis + 1000 : millis,
                     offset < 0 ? '-' : '+', magnitude / 60, magnitude % 60);
}

namespace {

// key=value, the value quoted when it has a space, a quote or an '=' (or is empty).
void append_text_field(std::string& out, const LogField& field) {
  out += ' ';
  out += field.key;
  out += '=';
  const bool quote = field.value.empty() ||
                     field.value.find_first_of(" \"=") != std::string::npos;
  if (!quote) {
    out += field.value;
    return;
  }
  out += '"';
  for (const char c : field.value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

}  // namespace

void Logger::write(LogLevel level, std::string_view message,
                   std::initializer_list<LogField> fields) {
  const LogFormat format = format_.load(std::memory_order_relaxed);
  if (sink_ || format == LogFormat::text) {
    std::string text(message);
    for (const LogField& field : fields) append_text_field(text, field);
    if (sink_) {
      sink_(level, text);
      return;
    }
    const std::string line = fmt::format("{} {:5} {}\n", rfc3339_time(std::chrono::system_clock::now()),
                                         to_string(level), text);
    // A full disk or a closed stderr loses the line, never the broker.
    std::fwrite(line.data(), 1, line.size(), stderr);
    return;
  }
  nlohmann::ordered_json object;
  object["time"] = rfc3339_time(std::chrono::system_clock::now());
  object["level"] = to_string(level);
  object["msg"] = message;
  for (const LogField& field : fields) object[std::string(field.key)] = field.value;
  // Text from the network may be invalid UTF-8: replaced, never an exception.
  std::string line = object.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  line += '\n';
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
