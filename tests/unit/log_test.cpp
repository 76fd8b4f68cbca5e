// Log lines: RFC 3339 times with milliseconds and zone, the text form with key=value fields
// (quoted when needed), and the JSON form, one object per line, read back with a parser.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "broker/log.hpp"

namespace {

using namespace std::chrono_literals;

// Runs `f` with the time zone set to `tz`, then restores the previous one.
template <typename F>
void with_tz(const char* tz, F&& f) {
  const char* old = std::getenv("TZ");
  const std::string saved = old ? old : "";
  setenv("TZ", tz, 1);
  tzset();
  f();
  if (old) {
    setenv("TZ", saved.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
}

// What the logger writes to stderr while `f` runs.
template <typename F>
std::string capture_stderr(F&& f) {
  char path[] = "/tmp/smq-log-test-XXXXXX";
  const int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  std::fflush(stderr);
  const int saved = dup(2);
  dup2(fd, 2);
  f();
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  close(fd);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  unlink(path);
  return text.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(Log, TimesHaveMillisecondsAndTheZone) {
  const auto when = std::chrono::system_clock::time_point(1'700'000'000'123ms);
  with_tz("UTC", [&] { EXPECT_EQ(smq::rfc3339_time(when), "2023-11-14T22:13:20.123+00:00"); });
  // POSIX TZ: "XYZ-2" is two hours east of UTC.
  with_tz("XYZ-2", [&] { EXPECT_EQ(smq::rfc3339_time(when), "2023-11-15T00:13:20.123+02:00"); });
  with_tz("XYZ+5:30", [&] { EXPECT_EQ(smq::rfc3339_time(when), "2023-11-14T16:43:20.123-05:30"); });
  const auto whole = std::chrono::system_clock::time_point(1'700'000'000'000ms);
  with_tz("UTC", [&] { EXPECT_EQ(smq::rfc3339_time(whole), "2023-11-14T22:13:20.000+00:00"); });
}

TEST(Log, TextLinesCarryTheFieldsQuotedWhenNeeded) {
  smq::Logger log(smq::LogLevel::info);
  const std::string out = capture_stderr([&] {
    log.event(smq::LogLevel::info, "connection closed",
              {{"etid", "0x1f"}, {"address", "192.0.2.7"}, {"reason", "slow consumer"},
               {"user", ""}, {"uid", "a\"b=c"}});
    log.event(smq::LogLevel::debug, "not shown", {{"k", "v"}});
  });
  const auto lines = lines_of(out);
  ASSERT_EQ(lines.size(), 1u) << out;
  // "TIME LEVEL message fields", the time as RFC 3339 with milliseconds and zone.
  const std::string& line = lines[0];
  ASSERT_GT(line.size(), 30u);
  EXPECT_EQ(line[10], 'T');
  EXPECT_EQ(line[19], '.');
  EXPECT_TRUE(line[23] == '+' || line[23] == '-') << line;
  EXPECT_EQ(line.substr(29),
            " info  connection closed etid=0x1f address=192.0.2.7 reason=\"slow consumer\" "
            "user=\"\" uid=\"a\\\"b=c\"");
}

TEST(Log, JsonLinesAreOneObjectEach) {
  smq::Logger log(smq::LogLevel::info, {}, smq::LogFormat::json);
  const std::string out = capture_stderr([&] {
    log.info("plain message with \"quotes\"\nand a newline");
    log.event(smq::LogLevel::warn, "connection opened",
              {{"etid", "0x2a"}, {"uid", "dev\xff"}, {"user", "alice"}});
  });
  const auto lines = lines_of(out);
  ASSERT_EQ(lines.size(), 2u) << out;
  const auto first = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(first["level"], "info");
  EXPECT_EQ(first["msg"], "plain message with \"quotes\"\nand a newline");
  EXPECT_EQ(first["time"].get<std::string>().size(), 29u);
  const auto second = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(second["level"], "warn");
  EXPECT_EQ(second["msg"], "connection opened");
  EXPECT_EQ(second["etid"], "0x2a");
  EXPECT_EQ(second["user"], "alice");
  EXPECT_EQ(second["uid"], "dev\xef\xbf\xbd") << "invalid UTF-8 is replaced, not fatal";
  // The format can change while running (a reload).
  log.set_format(smq::LogFormat::text);
  const std::string text = capture_stderr([&] { log.info("back to text"); });
  EXPECT_NE(text.find(" info  back to text\n"), std::string::npos) << text;
}

TEST(Log, ASinkGetsTheTextForm) {
  std::vector<std::string> got;
  smq::Logger log(smq::LogLevel::info,
                  [&](smq::LogLevel, std::string_view line) { got.emplace_back(line); },
                  smq::LogFormat::json);
  log.event(smq::LogLevel::info, "hello", {{"k", "v w"}});
  EXPECT_EQ(got, std::vector<std::string>{"hello k=\"v w\""});
}

TEST(Log, FormatNames) {
  EXPECT_EQ(smq::parse_log_format("json"), smq::LogFormat::json);
  EXPECT_EQ(smq::parse_log_format("text"), smq::LogFormat::text);
  EXPECT_EQ(smq::parse_log_format("xml"), std::nullopt);
}

}  // namespace
