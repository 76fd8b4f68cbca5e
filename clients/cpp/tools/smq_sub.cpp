// smq-sub: subscribes to an SMQ topic (or its own ETID with "self") and prints one line per
// message; --observe prints subscriber counts. Main thread prints messages; observe counts
// are printed from the client's thread (print_line is thread-safe).
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>

#include "tool_common.hpp"

namespace {

const char* const tool = "smq-sub";
std::atomic<bool> interrupted{false};

void on_signal(int) { interrupted = true; }

void usage() {
  std::printf(
      "Usage: smq-sub [options] --topic TOPIC | --observe TOPIC\n"
      "Prints messages published to TOPIC, one per line: the payload itself when it is\n"
      "valid UTF-8 without control characters, otherwise a JSON line\n"
      "  {\"ptid\":P,\"tid\":T,\"subtid\":S,\"base64\":\"...\"}\n\n"
      "Subscription:\n"
      "  -t, --topic TOPIC      topic name, \"self\" (messages sent to this client's ETID)\n"
      "                         or a number\n"
      "  -s, --subtopic SUB     only messages with this sub-topic (name or number)\n"
      "      --observe TOPIC    print subscriber counts of TOPIC (a name, or a client's ETID:\n"
      "                         0 = it left) as \"observe TOPIC COUNT\" (repeatable)\n"
      "      --json             every message as a JSON line, with \"text\" when printable\n"
      "                         and \"base64\" otherwise; counts as {\"observe\":..,\"id\":..,\n"
      "                         \"count\":..}\n"
      "  -n, --count N          exit after N messages\n"
      "      --timeout SECONDS  exit after this long (default: run until interrupted);\n"
      "                         also the connect limit (default 10 s)\n\n"
      "%s\n"
      "Exit status: 0 done (--count reached, --timeout passed without --count, or\n"
      "interrupted); 1 usage or connection error, broker refusal, or the connection ended\n"
      "for good; 2 --timeout passed before --count messages arrived, or the broker did not\n"
      "answer the subscription in time. With -v, losing the connection, reconnecting and\n"
      "re-subscribing are reported on stderr.\n",
      smqtool::common_help().c_str());
}

}  // namespace

int main(int argc, char** argv) {
  using namespace smqtool;
  auto specs = common_specs();
  specs.insert(specs.end(), {{"topic", 't', true, false},
                             {"subtopic", 's', true, false},
                             {"observe", 0, true, true},
                             {"json", 0, false, false},
                             {"count", 'n', true, false}});
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
  if (!args.positional.empty()) {
    print_error(tool, "unexpected argument " + args.positional[0] + " (see --help)");
    return exit_error;
  }
  if (!args.has("topic") && !args.has("observe")) {
    print_error(tool, "--topic or --observe is required (see --help)");
    return exit_error;
  }
  const auto count = parse_number(args.get("count", "0"));
  if (!count || *count != static_cast<double>(static_cast<long long>(*count))) {
    print_error(tool, "--count needs a whole number");
    return exit_error;
  }
  std::optional<double> timeout;
  if (args.has("timeout")) {
    timeout = parse_number(args.get("timeout"));
    if (!timeout || *timeout <= 0) {
      print_error(tool, "--timeout needs a positive number");
      return exit_error;
    }
  }
  smq::ClientOptions options;
  if (const auto problem = client_options(args, options)) {
    print_error(tool, *problem);
    return exit_error;
  }
  using Clock = std::chrono::steady_clock;
  const auto connect_limit =
      std::chrono::milliseconds(timeout ? static_cast<long long>(*timeout * 1000) : 10000);
  options.connect_timeout = connect_limit;
  options.read_timeout = connect_limit;
  const bool json = args.has("json");
  const bool verbose = args.has("verbose");
  const long long wanted = static_cast<long long>(*count);
  const auto started = Clock::now();

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  try {
    const std::string url = args.get("url", default_url);
    smq::BlockingClient client(url, options);
    const smq::TopicRef topic = topic_arg(args.get("topic"));
    if (verbose) {
      // The client restores the session itself (names, subscriptions, observers); say so,
      // with the topic's id on the new connection. Runs on the client's thread.
      client.client().on_reconnect([&client, &args, topic](std::uint32_t etid, std::uint32_t,
                                                           std::string_view) {
        print_error(tool, "reconnected, ETID " + std::to_string(etid));
        if (!args.has("topic")) return;
        const std::uint32_t tid =
            topic.is_name() ? client.client().topic2tid(topic.name()) : topic.id();
        print_error(tool, "re-subscribed to " + args.get("topic") + ", tid " + std::to_string(tid));
      });
      client.on_connection_lost([](std::string_view reason) {
        print_error(tool, "connection lost (" + std::string(reason) + "); reconnecting");
      });
    }
    if (!connect_or_report(client, url, connect_limit, tool, verbose)) return exit_error;
    const smq::TopicRef subtopic = subtopic_arg(args);
    // The receive queue also gets messages no subscription callback took (other sub-topics
    // of the topic, direct messages): print only what was asked for. Names are compared,
    // not ids, so the filter survives a broker restart.
    auto wanted_message = [&](const smq::ReceivedMessage& m) {
      if (!args.has("topic")) return false;
      if (topic.is_self()) {
        if (m.tid != client.gettid()) return false;
      } else if (topic.is_name()) {
        if (client.client().tid2topic(m.tid) != topic.name()) return false;
      } else if (m.tid != topic.id()) {
        return false;
      }
      if (!args.has("subtopic")) return true;
      if (subtopic.is_name()) return client.client().tid2subtopic(m.subtid) == subtopic.name();
      return m.subtid == subtopic.id();
    };
    try {
      for (const auto& name : args.all("observe")) {
        client.observe(
            topic_arg(name),
            [name, json](std::uint32_t count, std::uint32_t id) {
              if (json) {
                print_line("{\"observe\":\"" + json_escape(name) + "\",\"id\":" +
                           std::to_string(id) + ",\"count\":" + std::to_string(count) + "}");
              } else {
                print_line("observe " + name + " " + std::to_string(count));
              }
            },
            connect_limit);
      }
      if (args.has("topic")) {
        const std::uint32_t tid = client.subscribe(topic, subtopic, connect_limit);
        if (verbose) {
          print_error(tool, "subscribed to " + args.get("topic") + ", tid " + std::to_string(tid));
        }
      }
    } catch (const smq::RequestError& e) {
      print_error(tool, e.what());
      return e.timed_out() ? exit_timeout : exit_error;
    }

    long long received = 0;
    while (!interrupted && (wanted == 0 || received < wanted)) {
      auto slice = std::chrono::milliseconds(100);
      if (timeout) {
        const auto deadline =
            started + std::chrono::milliseconds(static_cast<long long>(*timeout * 1000));
        const auto now = Clock::now();
        if (now >= deadline) break;
        slice =
            std::min(slice, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) +
                                std::chrono::milliseconds(1));
      }
      const auto m = client.wait_message(slice);
      if (!m) {
        if (client.closed()) {
          print_error(tool, "connection closed: " + client.close_reason());
          return exit_error;
        }
        continue;
      }
      if (!wanted_message(*m)) continue;
      ++received;
      if (json) {
        print_line(json_line(*m));
      } else if (printable(m->payload)) {
        print_line(std::string(m->text()));
      } else {
        print_line(json_line(*m, true));
      }
    }
    client.close();
    if (wanted > 0 && received < wanted && !interrupted) {
      if (verbose) print_error(tool, "timeout after " + std::to_string(received) + " message(s)");
      return exit_timeout;
    }
  } catch (const std::invalid_argument& e) {
    print_error(tool, e.what());
    return exit_error;
  }
  return exit_ok;
}
