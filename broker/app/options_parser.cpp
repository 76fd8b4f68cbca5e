// Command-line parsing (see options_parser.hpp). Main thread.
#include "broker/app/options_parser.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <system_error>
#include <utility>

#include "broker/app/config_file.hpp"

namespace smq {
namespace {

// A command-line argument as the settings table's value type.
std::optional<SettingValue> cli_value(SettingKind kind, const std::string& text) {
  switch (kind) {
    case SettingKind::count:
    case SettingKind::count_or_zero:
    case SettingKind::milliseconds:
    case SettingKind::milliseconds_or_zero: {
      std::int64_t n = 0;
      const auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (err != std::errc() || end != text.data() + text.size()) return std::nullopt;
      return SettingValue{n};
    }
    case SettingKind::address_list: return SettingValue{std::vector<std::string>{text}};
    case SettingKind::origin_list: {
      std::vector<std::string> list;
      for (std::size_t start = 0; start <= text.size();) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        list.push_back(text.substr(start, comma - start));
        start = comma + 1;
      }
      return SettingValue{std::move(list)};
    }
    case SettingKind::flag: return SettingValue{true};
    case SettingKind::boolean:
      if (text == "true") return SettingValue{true};
      if (text == "false") return SettingValue{false};
      return std::nullopt;
    default: return SettingValue{text};
  }
}

}  // namespace

std::string version_text() { return fmt::format("smq-broker {}", SMQ_VERSION); }

std::string usage(const std::string& program) {
  return fmt::format(
      R"(Usage: {} [--config FILE] [options]

A broker for the SMQ publish/subscribe protocol. Browsers connect over WebSocket,
devices over SMQ's raw TCP transport, both on the same port; other GET requests
get static files.

Settings come from the command line and, with --config, from a TOML file (key:
the option's name with '_' for '-', e.g. max_connections = 10000; listen and
tls_listen are arrays of strings; relative paths are relative to the file; the
[auth] options are keys of the [auth] table). The command line overrides the
file.

Options:
  --config FILE             read settings from the TOML file FILE
  --check                   validate the settings (and TLS files) and exit:
                            status 0 when valid, 2 with the error otherwise
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
  --allowed-origins LIST    other sites whose pages may open a WebSocket besides
                            those the broker's own host served, comma-separated
                            (https://app.example,http://host:8080; * = any);
                            repeatable. Others get 403; upgrades without Origin
                            (devices, tools) are always accepted
  --monitor HOST:PORT       monitoring listener for operators' tools: /healthz (200,
                            or 503 while stopping), /varz (version, uptime,
                            configuration, counters as JSON), /connz and /topicz
                            (connections and topics, paged) and /metrics
                            (Prometheus); off by default, keep it on loopback or a
                            management network
  --monitor-token-file FILE monitoring requests must send "Authorization: Bearer"
                            with the first line of FILE (>= 16 bytes)
  --log-level LEVEL         trace, debug, info, warn, error or off (default info)
  --log-format text|json    log lines as text, or one JSON object per line (time,
                            level, msg and fields such as etid, uid, user, address,
                            reason) for log collectors (default text)
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
  --max-subscriptions-per-connection N
                            topics one client may be subscribed to at once; more
                            Subscribes are denied (default {})
  --max-messages-per-second N
                            Publish messages one client may send per second
                            (default {}; 0 = no limit)
  --max-bytes-per-second N  bytes one client may send per second (default {};
                            0 = no limit)
  --rate-limit-action disconnect|drop
                            a client over either rate is disconnected with
                            "rate limit exceeded", or its excess messages are
                            dropped and counted (default disconnect)
  --max-connections-per-address N
                            sockets one address (IPv6: /64) may hold open
                            (default {}; 0 = no limit)
  --max-new-connections-per-second N
                            sockets one address may open per second (default
                            {}; 0 = no limit)
  --limit-loopback          apply the two per-address limits to loopback clients
                            too (exempt by default: a reverse proxy on the same
                            host brings every client from one address)
  --stats-interval MS       publish broker stats on "$smq/stats" this often
                            (default 1000; 0 = off)
  --lame-duck-duration MS   SIGUSR2 stops accepting and disconnects the clients
                            spread over this long, then exits (default {})
  --password-file FILE      [auth] users and password hashes (smq-passwd makes
                            it); clients log in with the Connect credentials
                            user:password, others get Connack 0x03
  --jwt-secret-file FILE    [auth] HS256 secret (>= 32 bytes) for JSON Web Tokens
  --jwt-public-key-file FILE
                            [auth] PEM public key for JSON Web Tokens: RSA
                            (RS256) or P-256 (ES256). A token is accepted as the
                            Connect credentials, or from the upgrade request:
                            Authorization: Bearer, the --jwt-cookie cookie, or a
                            token query parameter; its "sub" is the user
  --jwt-cookie NAME         [auth] cookie that may carry the token (default: none)
  --anonymous true|false    [auth] accept a Connect with empty credentials
                            (default: true without --password-file and token
                            keys, false with them)
  [[acl]] tables (file only) set topic permissions: see docs/security.md
  --hello5                  also run the hello5 example's server code: publish to
                            "hello" and get five replies, one per second
  --random-server-etid      give the in-process client a random ETID instead of 1
  --help                    show this text
  --version                 show the version
)",
      program, default_listen_address, limits::default_max_connections,
      BrokerOptions{}.max_pending_connections, limits::default_output_queue_bytes,
      limits::connect_deadline.count(), limits::write_deadline.count(),
      default_max_names_per_connection, default_max_subscriptions_per_connection,
      default_max_messages_per_second, default_max_bytes_per_second,
      default_max_connections_per_address, default_max_new_connections_per_second,
      default_lame_duck_duration.count());
}

CommandLine parse_command_line(const std::vector<std::string>& args) {
  CommandLine cl;
  // Settings from the command line, applied after the file so that they override it. A
  // repeated address option adds to its list; the list replaces the file's.
  std::vector<std::pair<const Setting*, SettingValue>> given;
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
    if (arg == "--help" || arg == "-h") {
      cl.help = true;
      continue;
    }
    if (arg == "--version") {
      cl.version = true;
      continue;
    }
    if (arg == "--check") {
      cl.check = true;
      continue;
    }
    if (arg == "--config") {
      if (!cl.config_file.empty()) {
        cl.error = "--config given twice (one file holds every setting)";
        return cl;
      }
      if (!value(cl.config_file)) return cl;
      continue;
    }
    const Setting* setting = find_option(arg);
    if (setting == nullptr) {
      cl.error = fmt::format("unknown option '{}' (see --help)", arg);
      return cl;
    }
    std::string text;
    if (setting->kind != SettingKind::flag && !value(text)) return cl;
    const auto parsed = cli_value(setting->kind, text);
    if (!parsed) {
      cl.error = fmt::format("{} needs {}, got '{}'", arg, describe_kind(setting->kind), text);
      return cl;
    }
    auto same = std::find_if(given.begin(), given.end(), [&](const auto& g) { return g.first == setting; });
    const bool list = setting->kind == SettingKind::address_list ||
                      setting->kind == SettingKind::origin_list;
    if (list && same != given.end()) {
      auto& so_far = std::get<std::vector<std::string>>(same->second);
      const auto& more = std::get<std::vector<std::string>>(*parsed);
      so_far.insert(so_far.end(), more.begin(), more.end());
    } else {
      given.emplace_back(setting, *parsed);
    }
  }
  if (cl.help || cl.version) return cl;
  if (!cl.config_file.empty()) {
    if (auto error = load_config_file(cl.config_file, cl.settings)) {
      cl.error = *error;
      return cl;
    }
  }
  for (const auto& [setting, parsed] : given) {
    if (auto error = apply_setting(*setting, parsed, cl.settings)) {
      // "--listen: bad port (...)", "--max-pending needs a positive integer"
      const bool shows_value = std::holds_alternative<std::vector<std::string>>(parsed);
      cl.error = shows_value ? fmt::format("{}: {}", setting->option, *error)
                             : fmt::format("{} {}", setting->option, *error);
      return cl;
    }
  }
  // Settings that would start a broker unable to do what was asked are refused here.
  if (auto error = check_settings(cl.settings)) cl.error = *error;
  return cl;
}

}  // namespace smq
