// Command-line parsing (see options_parser.hpp). Main thread.
#include "broker/app/options_parser.hpp"

#include <fmt/format.h>

#include <charconv>
#include <exception>
#include <filesystem>
#include <system_error>

#include "broker/net/listener.hpp"

namespace smq {
namespace {

template <typename T>
bool parse_number(const std::string& text, T& out) {
  const auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), out);
  return err == std::errc() && end == text.data() + text.size();
}

bool valid_listen(const std::string& option, const std::string& text, std::string& error) {
  try {
    parse_listen_address(text);
    return true;
  } catch (const std::exception& e) {
    error = fmt::format("{}: {}", option, e.what());
    return false;
  }
}

}  // namespace

std::string version_text() { return fmt::format("smq-broker {}", SMQ_VERSION); }

std::string usage(const std::string& program) {
  return fmt::format(
      R"(Usage: {} [options]

A broker for the SMQ publish/subscribe protocol. Browsers connect over WebSocket,
devices over SMQ's raw TCP transport, both on the same port; other GET requests
get static files.

Options:
  --listen HOST:PORT        address to listen on; repeatable; [V6]:PORT for IPv6
                            (default {}, loopback only, when neither
                            --listen nor --tls-listen is given)
  --tls-listen HOST:PORT    TLS listener (wss://, https:// raw bootstrap, static
                            files); repeatable; needs --tls-cert and --tls-key;
                            alone (without --listen) the broker is TLS-only
  --tls-cert FILE           PEM certificate chain for TLS listeners
  --tls-key FILE            PEM private key for TLS listeners
  --tls-client-ca FILE      ask TLS clients for a certificate signed by this CA;
                            a certificate that fails gets Connack 0x05
  --tls-require-client-cert TLS clients without a certificate get Connack 0x04
  --web-root DIR            serve static files from DIR, an existing directory
                            (default: the built web app if present, else a
                            bundled page)
  --smq-path PATH           accept SMQ connections on this request path only;
                            starts with '/' (default: any path)
  --log-level LEVEL         trace, debug, info, warn, error or off (default info)
  --max-connections N       connected SMQ clients (default {})
  --max-pending N           sockets still handshaking (default {})
  --queue-bytes N           output queue cap per client in bytes; a client that
                            falls further behind is disconnected (default {})
  --connect-timeout MS      time allowed for Connect after Init (default {})
  --write-deadline MS       a write to a client that makes no progress for this
                            long ends the session; also the sockets'
                            TCP_USER_TIMEOUT (default {})
  --max-names-per-connection N
                            new topic and sub-topic names one client may create
                            (default {})
  --stats-interval MS       publish broker stats on "$smq/stats" this often
                            (default 1000; 0 = off)
  --hello5                  also run the hello5 example's server code: publish to
                            "hello" and get five replies, one per second
  --random-server-etid      give the in-process client a random ETID instead of 1
  --help                    show this text
  --version                 show the version
)",
      program, default_listen_address, limits::default_max_connections,
      BrokerOptions{}.max_pending_connections, limits::default_output_queue_bytes,
      limits::connect_deadline.count(), limits::write_deadline.count(),
      default_max_names_per_connection);
}

CommandLine parse_command_line(const std::vector<std::string>& args) {
  CommandLine cl;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= args.size()) {
        cl.error = fmt::format("{} needs a value", arg);
        return false;
      }
      out = args[++i];
      return true;
    };
    std::string v;
    if (arg == "--help" || arg == "-h") {
      cl.help = true;
    } else if (arg == "--version") {
      cl.version = true;
    } else if (arg == "--hello5") {
      cl.hello5 = true;
    } else if (arg == "--random-server-etid") {
      cl.options.random_server_etid = true;
    } else if (arg == "--listen") {
      if (!value(v) || !valid_listen(arg, v, cl.error)) return cl;
      cl.options.listen.push_back(v);
    } else if (arg == "--tls-listen") {
      if (!value(v) || !valid_listen(arg, v, cl.error)) return cl;
      cl.options.tls_listen.push_back(v);
    } else if (arg == "--tls-cert") {
      if (!value(cl.options.tls_cert_file)) return cl;
    } else if (arg == "--tls-key") {
      if (!value(cl.options.tls_key_file)) return cl;
    } else if (arg == "--tls-client-ca") {
      if (!value(cl.options.tls_client_ca_file)) return cl;
    } else if (arg == "--tls-require-client-cert") {
      cl.options.tls_require_client_cert = true;
    } else if (arg == "--web-root") {
      if (!value(cl.options.web_root)) return cl;
    } else if (arg == "--smq-path") {
      if (!value(cl.options.smq_path)) return cl;
    } else if (arg == "--log-level") {
      if (!value(v)) return cl;
      const auto level = parse_log_level(v);
      if (!level) {
        cl.error = fmt::format("unknown log level '{}'", v);
        return cl;
      }
      cl.options.log_level = *level;
    } else if (arg == "--stats-interval") {
      if (!value(v)) return cl;
      std::size_t n = 0;
      if (!parse_number(v, n)) {
        cl.error = fmt::format("--stats-interval needs a number of milliseconds, got '{}'", v);
        return cl;
      }
      cl.options.stats_interval = std::chrono::milliseconds(n);
    } else if (arg == "--max-connections" || arg == "--max-pending" || arg == "--queue-bytes" ||
               arg == "--connect-timeout" || arg == "--write-deadline" ||
               arg == "--max-names-per-connection") {
      if (!value(v)) return cl;
      std::size_t n = 0;
      if (!parse_number(v, n) || n == 0) {
        cl.error = fmt::format("{} needs a positive number, got '{}'", arg, v);
        return cl;
      }
      if (arg == "--max-connections") cl.options.max_connections = n;
      if (arg == "--max-pending") cl.options.max_pending_connections = n;
      if (arg == "--queue-bytes") cl.options.output_queue_bytes = n;
      if (arg == "--connect-timeout") cl.options.connect_deadline = std::chrono::milliseconds(n);
      if (arg == "--write-deadline") cl.options.write_deadline = std::chrono::milliseconds(n);
      if (arg == "--max-names-per-connection") cl.options.hub.max_names_per_connection = n;
    } else {
      cl.error = fmt::format("unknown option '{}' (see --help)", arg);
      return cl;
    }
  }
  // Options that would start a broker unable to do what was asked are refused here.
  std::error_code ec;
  if (!cl.options.web_root.empty() && !std::filesystem::is_directory(cl.options.web_root, ec)) {
    cl.error = fmt::format("--web-root '{}' is not a directory{}", cl.options.web_root,
                           std::filesystem::exists(cl.options.web_root, ec) ? "" : " (missing)");
  } else if (!cl.options.smq_path.empty() && cl.options.smq_path.front() != '/') {
    cl.error = fmt::format("--smq-path must start with '/', got '{}'", cl.options.smq_path);
  }
  return cl;
}

}  // namespace smq
