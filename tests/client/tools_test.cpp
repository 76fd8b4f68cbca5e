// smq-pub and smq-sub as processes against the in-process broker: help and usage errors,
// text and binary (JSON/base64) output, sub-topics, stdin and --lines with --rate, --observe,
// and the documented exit codes (0 ok, 1 connection/usage error, 2 timeout).
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "client_fixture.hpp"
#include "fake_server.hpp"
#include "process.hpp"

namespace smqclienttest {
namespace {

const std::string pub_exe = SMQ_PUB_EXE;
const std::string sub_exe = SMQ_SUB_EXE;

class Tools : public ClientTest {
 protected:
  // Blocks until `topic` has `n` subscribers (so a freshly started smq-sub is ready).
  void wait_subscribers(const std::string& topic, std::uint32_t n) {
    auto& counts = recorder<std::uint32_t>();
    server().observe(topic, [&counts](std::uint32_t count, std::uint32_t) { counts.push(count); });
    ASSERT_TRUE(eventually(
        [&] {
          const auto items = counts.items();
          return !items.empty() && items.back() >= n;
        },
        Ms(5000)))
        << "no subscriber on " << topic;
    server().unobserve(topic);
  }
  std::string ws() { return url(Scheme::ws); }
  // Arguments for running `exe` through bash with its stderr joined to its stdout, so its
  // reports can be read too. bash first closes every descriptor above 2 that the test process
  // leaked into it (the broker's listening socket among them: a child holding it would keep
  // the port bound and the broker could not be restarted on it).
  static std::vector<std::string> merged(const std::string& exe, std::vector<std::string> args) {
    args.insert(args.begin(),
                {"-c",
                 "for f in /proc/$$/fd/*; do n=${f##*/}; "
                 "if [ \"$n\" -gt 2 ]; then eval \"exec $n>&-\" 2>/dev/null; fi; done; "
                 "exec \"$0\" \"$@\" 2>&1",
                 exe});
    return args;
  }
  // Reads lines until one contains `text` (returned) or the deadline passes ("").
  static std::string read_until(Process& p, const std::string& text, Ms timeout = Ms(10000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto left = std::chrono::duration_cast<Ms>(deadline - std::chrono::steady_clock::now());
      const auto line = p.read_line(std::max(left, Ms(1)));
      if (!line) return "";
      if (line->find(text) != std::string::npos) return *line;
    }
    return "";
  }
  std::string http() { return url(Scheme::http); }
};

TEST_F(Tools, HelpAndUsageErrors) {
  for (const auto& exe : {pub_exe, sub_exe}) {
    auto r = run(exe, {"--help"});
    EXPECT_EQ(r.status, 0) << exe;
    EXPECT_NE(r.out.find("Usage:"), std::string::npos);
    EXPECT_NE(r.out.find("--insecure"), std::string::npos);
    EXPECT_NE(r.out.find("Exit status"), std::string::npos);
    EXPECT_EQ(run(exe, {"--no-such-option"}).status, 1);
    EXPECT_EQ(run(exe, {}).status, 1);  // no topic
    EXPECT_EQ(run(exe, {"--topic", "t", "--url", "ftp://x/"}).status, 1);
  }
  EXPECT_EQ(run(pub_exe, {"--topic", "t", "--count", "x", "m"}).status, 1);
  EXPECT_EQ(run(sub_exe, {"--topic", "t", "--timeout", "-1"}).status, 1);
}

TEST_F(Tools, ConnectionFailureExitsWithOne) {
  std::uint16_t dead_port;
  {
    FakeServer gone(FakeServer::Mode::never_answer);  // a port that is free again afterwards
    dead_port = gone.port();
  }
  const std::string url = "ws://127.0.0.1:" + std::to_string(dead_port) + "/";
  EXPECT_EQ(run(pub_exe, {"--url", url, "--topic", "t", "m"}).status, 1);
  EXPECT_EQ(run(sub_exe, {"--url", url, "--topic", "t", "--timeout", "2"}).status, 1);
  // The message names the URL that failed.
  for (const auto& exe : {pub_exe, sub_exe}) {
    std::vector<std::string> args = {"--url", url, "--topic", "t", "--timeout", "2"};
    if (exe == pub_exe) args.push_back("m");
    const auto r = run("/bin/bash", merged(exe, args));
    EXPECT_EQ(r.status, 1) << exe;
    EXPECT_NE(r.out.find("cannot connect to " + url + ": "), std::string::npos) << r.out;
  }
}

TEST_F(Tools, VersionNamesTheTool) {
  EXPECT_EQ(run(pub_exe, {"--version"}).out, std::string("smq-pub ") + SMQ_VERSION_TEXT + "\n");
  EXPECT_EQ(run(sub_exe, {"--version"}).status, 0);
  EXPECT_EQ(run(sub_exe, {"--version"}).out, std::string("smq-sub ") + SMQ_VERSION_TEXT + "\n");
}

TEST_F(Tools, PublishToBrokerTopicIsRefused) {
  const auto r = run("/bin/bash", merged(pub_exe, {"--url", ws(), "--topic", "$smq/stats", "-v", "x"}));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("reserved for the broker"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("published"), std::string::npos) << r.out;
}

TEST_F(Tools, VerboseSubReportsReconnectAndNewTid) {
  Process sub("/bin/bash", merged(sub_exe, {"--url", ws(), "--topic", "tools/r", "-v"}));
  EXPECT_NE(read_until(sub, "subscribed to tools/r, tid "), "");
  wait_subscribers("tools/r", 1);
  restart_broker();
  EXPECT_NE(read_until(sub, "connection lost ("), "");
  EXPECT_NE(read_until(sub, "reconnected, ETID "), "");
  const std::string line = read_until(sub, "re-subscribed to tools/r, tid ");
  ASSERT_NE(line, "");
  wait_subscribers("tools/r", 1);
  const std::uint32_t tid = server().topic2tid("tools/r");
  EXPECT_EQ(line.substr(line.rfind(' ') + 1), std::to_string(tid)) << line;
  // And it still receives.
  EXPECT_EQ(run(pub_exe, {"--url", http(), "--topic", "tools/r", "after restart"}).status, 0);
  EXPECT_NE(read_until(sub, "after restart"), "");
}

TEST_F(Tools, DeniedNamesExitWithOne) {
  smq::Hooks hooks;
  hooks.permit_topic = [](std::string_view name, bool, const smq::Peer&) {
    return name != "tools/no";
  };
  start_broker(hooks);
  EXPECT_EQ(run(pub_exe, {"--url", ws(), "--topic", "tools/no", "m"}).status, 1);
  EXPECT_EQ(run(sub_exe, {"--url", http(), "--topic", "tools/no", "--timeout", "5"}).status, 1);
  EXPECT_EQ(run(pub_exe, {"--url", ws(), "--topic", "tools/yes", "m"}).status, 0);
}

TEST_F(Tools, PubToSubTextAndBinary) {
  Process sub(sub_exe, {"--url", ws(), "--topic", "tools/t", "--count", "3"});
  wait_subscribers("tools/t", 1);
  auto r = run(pub_exe, {"--url", http(), "--topic", "tools/t", "--count", "2", "hello world"});
  EXPECT_EQ(r.status, 0);
  const std::string file = ::testing::TempDir() + "smq_tools_binary.bin";
  {
    std::ofstream f(file, std::ios::binary);
    f.write("\x00\x01\xff", 3);
  }
  r = run(pub_exe, {"--url", ws(), "--topic", "tools/t", "--file", file});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(sub.read_line(Ms(5000)).value_or("<none>"), "hello world");
  EXPECT_EQ(sub.read_line(Ms(5000)).value_or("<none>"), "hello world");
  const std::string json = sub.read_line(Ms(5000)).value_or("<none>");
  const std::uint32_t tid = server().topic2tid("tools/t");
  EXPECT_EQ(json.substr(0, 8), "{\"ptid\":");
  EXPECT_NE(json.find(",\"tid\":" + std::to_string(tid) + ",\"subtid\":0,\"base64\":\"AAH/\"}"),
            std::string::npos)
      << json;
  EXPECT_EQ(sub.wait(Ms(5000)).value_or(-1), 0);
}

TEST_F(Tools, JsonLinesWithSubtopicsFromStdin) {
  Process sub(sub_exe, {"--url", http(), "--topic", "tools/j", "--subtopic", "only", "--json",
                        "--count", "2"});
  wait_subscribers("tools/j", 1);
  // Another sub-topic is filtered out by the subscription callback (goes nowhere visible).
  EXPECT_EQ(
      run(pub_exe, {"--url", ws(), "--topic", "tools/j", "--subtopic", "other", "skip"}).status, 0);
  EXPECT_EQ(run(pub_exe, {"--url", ws(), "--topic", "tools/j", "--subtopic", "only"},
                "quote \" and \\ and ü")
                .status,
            0);
  EXPECT_EQ(
      run(pub_exe, {"--url", ws(), "--topic", "tools/j", "--subtopic", "only", "tab\there"}).status,
      0);
  const std::uint32_t subtid = server().subtopic2tid("only");
  const std::string line1 = sub.read_line(Ms(5000)).value_or("<none>");
  const std::string line2 = sub.read_line(Ms(5000)).value_or("<none>");
  EXPECT_NE(line1.find("\"subtid\":" + std::to_string(subtid)), std::string::npos) << line1;
  EXPECT_NE(line1.find("\"text\":\"quote \\\" and \\\\ and ü\"}"), std::string::npos) << line1;
  // A tab is a control character: not printable, so base64 even with --json.
  EXPECT_NE(line2.find("\"base64\":\"dGFiCWhlcmU=\""), std::string::npos) << line2;
  EXPECT_EQ(sub.wait(Ms(5000)).value_or(-1), 0);
}

TEST_F(Tools, LinesAtARateToTheServerClient) {
  auto& got = recorder<std::string>();
  server().subscribe("tools/lines",
                     [&](const smq::Delivery& d) { got.push(std::string(d.text())); });
  const auto start = std::chrono::steady_clock::now();
  const auto r =
      run(pub_exe,
          {"--url", http(), "--topic", "tools/lines", "--lines", "--rate", "20", "--count", "2"},
          "a\nb\r\nc\n");
  EXPECT_EQ(r.status, 0);
  EXPECT_GE(std::chrono::steady_clock::now() - start, Ms(250));  // 6 messages at 20/s
  ASSERT_TRUE(got.wait_for(6));
  EXPECT_EQ(got.items(), (std::vector<std::string>{"a", "b", "c", "a", "b", "c"}));
  // Numeric destination: the server client's ETID.
  auto& direct = recorder<std::string>();
  server().on_message([&](const smq::Delivery& d) { direct.push(std::string(d.text())); });
  EXPECT_EQ(run(pub_exe, {"--url", ws(), "--topic", "1", "to etid 1"}).status, 0);
  ASSERT_TRUE(direct.wait_for(1));
  EXPECT_EQ(direct.at(0), "to etid 1");
}

TEST_F(Tools, SubTimeoutExitsWithTwoAndObservePrintsCounts) {
  const auto start = std::chrono::steady_clock::now();
  auto r =
      run(sub_exe, {"--url", ws(), "--topic", "tools/quiet", "--count", "1", "--timeout", "0.5"});
  EXPECT_EQ(r.status, 2);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, Ms(450));
  EXPECT_LT(took, Ms(4000));
  EXPECT_EQ(r.out, "");

  // Without --count, --timeout is a duration: exit 0.
  Process obs(sub_exe, {"--url", http(), "--observe", "tools/o", "--timeout", "1.5"});
  EXPECT_EQ(obs.read_line(Ms(5000)).value_or("<none>"), "observe tools/o 0");
  auto& acks = recorder<std::uint32_t>();
  server().subscribe("tools/o", [](const smq::Delivery&) {});
  EXPECT_EQ(obs.read_line(Ms(5000)).value_or("<none>"), "observe tools/o 1");
  EXPECT_EQ(obs.wait(Ms(5000)).value_or(-1), 0);
  (void)acks;
}

}  // namespace
}  // namespace smqclienttest
