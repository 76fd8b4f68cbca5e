// smq-pub: publishes a message (argument, file or stdin) to an SMQ topic or client ETID,
// optionally N times at a given rate. Main thread only (the client runs its own thread).
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <thread>

#include "tool_common.hpp"

namespace {

const char* const tool = "smq-pub";

void usage() {
  std::printf(
      "Usage: smq-pub [options] --topic TOPIC [MESSAGE]\n"
      "Publishes MESSAGE (or the contents of --file, or standard input when neither is\n"
      "given) to an SMQ broker.\n\n"
      "Message:\n"
      "  -t, --topic TOPIC      topic name, \"self\", or a number (topic id or a client's\n"
      "                         ETID: numbers are sent as is)\n"
      "  -s, --subtopic SUB     sub-topic name or number (default: none)\n"
      "  -f, --file PATH        read the message from PATH (\"-\" = standard input)\n"
      "      --lines            publish every line of the input as its own message\n"
      "  -n, --count N          publish the message(s) N times (default 1)\n"
      "  -r, --rate R           at most R messages per second (default: no limit)\n"
      "      --timeout SECONDS  limit for connecting and for the broker to confirm\n"
      "                         (default 10)\n\n"
      "%s\n"
      "Exit status: 0 all messages were handed to the broker (confirmed with a Ping/Pong\n"
      "round trip); 1 usage or connection error, or the broker refused the connection;\n"
      "2 not confirmed within --timeout. Topics under $smq/ are the broker's: publishing\n"
      "there is refused (status 1).\n",
      smqtool::common_help().c_str());
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace smqtool;
  auto specs = common_specs();
  specs.insert(specs.end(), {{"topic", 't', true, false},
                             {"subtopic", 's', true, false},
                             {"file", 'f', true, false},
                             {"lines", 0, false, false},
                             {"count", 'n', true, false},
                             {"rate", 'r', true, false}});
  const ParsedArgs args = parse_args(argc, argv, specs);
  if (!args.error.empty()) {
    print_error(tool, args.error + " (see --help)");
    return exit_error;
  }
  if (args.has("help")) {
    usage();
    return exit_ok;
  }
  if (args.has("version")) {
    print_line(version_line(tool));
    return exit_ok;
  }
  if (!args.has("topic")) {
    print_error(tool, "--topic is required (see --help)");
    return exit_error;
  }
  if (args.positional.size() > 1 || (args.positional.size() == 1 && args.has("file"))) {
    print_error(tool, "give one message: an argument, --file, or standard input");
    return exit_error;
  }
  const auto count = parse_number(args.get("count", "1"));
  const auto rate = parse_number(args.get("rate", "0"));
  const auto timeout = parse_number(args.get("timeout", "10"));
  if (!count || *count != static_cast<double>(static_cast<long long>(*count))) {
    print_error(tool, "--count needs a whole number");
    return exit_error;
  }
  if (!rate || !timeout || *timeout <= 0) {
    print_error(tool, "--rate and --timeout need positive numbers");
    return exit_error;
  }

  // The message(s).
  std::string input;
  if (args.positional.size() == 1) {
    input = args.positional[0];
  } else if (args.has("file") && args.get("file") != "-") {
    std::ifstream file(args.get("file"), std::ios::binary);
    if (!file) {
      print_error(tool, "cannot read " + args.get("file"));
      return exit_error;
    }
    input.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  } else {
    input.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  const std::vector<std::string> messages =
      args.has("lines") ? split_lines(input) : std::vector<std::string>{input};
  for (const auto& m : messages) {
    if (m.size() > 0xFFF0) {
      print_error(tool, "message of " + std::to_string(m.size()) + " bytes exceeds 65520");
      return exit_error;
    }
  }

  smq::ClientOptions options;
  if (const auto problem = client_options(args, options)) {
    print_error(tool, *problem);
    return exit_error;
  }
  const auto limit = std::chrono::milliseconds(static_cast<long long>(*timeout * 1000));
  options.connect_timeout = limit;
  options.read_timeout = limit;
  const bool verbose = args.has("verbose");
  try {
    const smq::TopicRef topic = topic_arg(args.get("topic"));
    const smq::TopicRef subtopic = subtopic_arg(args);
    // The broker drops publishes to its own topics without telling the client: refuse them
    // here rather than report success.
    if (topic.is_name() && topic.name().starts_with("$smq/")) {
      print_error(tool, "topic " + args.get("topic") +
                            " is reserved for the broker ($smq/...): clients cannot publish there");
      return exit_error;
    }
    const std::string url = args.get("url", default_url);
    smq::BlockingClient client(url, options);
    if (!connect_or_report(client, url, limit, tool, verbose)) return exit_error;
    // Resolve names first, so that a denied name is an error instead of silently dropped
    // publishes.
    try {
      if (topic.is_name() && !topic.is_self()) client.create(topic, limit);
      if (subtopic.is_name()) client.createsub(subtopic, limit);
    } catch (const smq::RequestError& e) {
      print_error(tool, e.what());
      return e.timed_out() ? exit_timeout : exit_error;
    }
    const auto start = std::chrono::steady_clock::now();
    long long sent = 0;
    for (long long round = 0; round < static_cast<long long>(*count); ++round) {
      for (const auto& m : messages) {
        if (*rate > 0) {
          std::this_thread::sleep_until(
              start + std::chrono::microseconds(static_cast<long long>(sent * 1e6 / *rate)));
        }
        if (!client.publish(m, topic, subtopic, limit)) {
          print_error(tool, client.closed() ? "connection closed: " + client.close_reason()
                                            : "outgoing queue stayed full");
          return client.closed() ? exit_error : exit_timeout;
        }
        ++sent;
      }
    }
    if (!client.flush(limit)) {
      if (client.closed()) {
        print_error(tool, "connection closed: " + client.close_reason());
        return exit_error;
      }
      print_error(tool, "the broker did not confirm within --timeout");
      return exit_timeout;
    }
    if (verbose) print_error(tool, "published " + std::to_string(sent) + " message(s)");
    client.close();
  } catch (const std::invalid_argument& e) {
    print_error(tool, e.what());
    return exit_error;
  }
  return exit_ok;
}
